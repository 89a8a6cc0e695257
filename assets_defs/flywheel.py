"""The flywheel's stages as assets, partitioned by round x domain.

Each asset body loads its inputs from the lake, calls one stage function from ``pipelines`` and
writes its own Parquet files; blocking checks are quality gates for everything downstream."""


from collections import Counter

import dagster as dg

from assets_defs.partitions import ROUND_X_DOMAIN, partition_of
from assets_defs.resources import LakeResource, SandboxResource

GROUP = "flywheel"


class PlanConfig(dg.Config):
    plans_per_domain: int = 24
    seed: int = 0


class RepairConfig(dg.Config):
    max_rounds: int = 2


class ExpandConfig(dg.Config):
    fraction: float = 1.0
    max_depth: int = 2
    seed: int = 0


def _where(round: int, domain: str) -> str:
    return f"round = {round} AND domain = '{domain}'"


def _gate(name: str, asset: str, result: tuple[bool, dict]) -> dg.AssetCheckResult:
    passed, details = result
    return dg.AssetCheckResult(check_name=name, asset_key=asset, passed=passed, metadata=details)


def _spec(name: str, asset: str, description: str) -> dg.AssetCheckSpec:
    return dg.AssetCheckSpec(name, asset=asset, blocking=True, description=description)


def _created_drafts(store, round: int, domain: str) -> list[dict]:
    """Attempt-0 drafts as the creators wrote them (repairs and expansions live in other files)."""
    return [r for r in store.rows("drafts", round, domain) if r["provenance"]["action"] == "create"]


def _families():
    from pipelines.creators import FAMILIES

    return FAMILIES


@dg.multi_asset(
    specs=[
        dg.AssetSpec("knowledge_nodes", group_name=GROUP, kinds={"parquet"},
                     description="Knowledge nodes introduced this round (the seed taxonomy in a domain's first round)."),
        dg.AssetSpec("knowledge_edges", group_name=GROUP, kinds={"parquet"},
                     description="Knowledge edges introduced this round (prerequisites from the seed taxonomy)."),
    ],
    partitions_def=ROUND_X_DOMAIN,
)
def knowledge_graph(context: dg.AssetExecutionContext, lake: LakeResource):
    from knowledge import load_taxonomy
    from pipelines.knowledge_rows import seed_rows_for

    round, domain = partition_of(context)
    store = lake.lake()
    nodes, edges = seed_rows_for(load_taxonomy(), store, round, domain)
    store.write("knowledge_nodes", nodes, round=round, domain=domain, producer="seed")
    store.write("knowledge_edges", edges, round=round, domain=domain, producer="seed")
    yield dg.MaterializeResult(asset_key="knowledge_nodes", metadata={"dagster/row_count": len(nodes)})
    yield dg.MaterializeResult(asset_key="knowledge_edges", metadata={"dagster/row_count": len(edges)})


@dg.asset(partitions_def=ROUND_X_DOMAIN, group_name=GROUP, kinds={"parquet"}, deps=["knowledge_nodes"],
          check_specs=[_spec("unique_plan_ids", "plans", "plan_id is unique")])
def plans(context: dg.AssetExecutionContext, config: PlanConfig, lake: LakeResource):
    """Knowledge-point combinations and the creator, seed and difficulty for each sample to create."""
    from knowledge import load_taxonomy
    from pipelines.plan import make_plans
    from warehouse.catalog import connect
    from warehouse.quality import unique_ids

    round, domain = partition_of(context)
    rows = make_plans(load_taxonomy(), domain, round, config.plans_per_domain, config.seed, _families())
    lake.lake().write("plans", rows, round=round, domain=domain, producer="plan")
    yield dg.MaterializeResult(metadata={"dagster/row_count": len(rows),
                                         "creators": dg.MetadataValue.json(Counter(r["creator"] for r in rows))})
    yield _gate("unique_plan_ids", "plans", unique_ids(connect(lake.root or None), "plans", ["plan_id"],
                                                       _where(round, domain)))


@dg.asset(partitions_def=ROUND_X_DOMAIN, group_name=GROUP, kinds={"parquet"}, deps=["plans"],
          check_specs=[_spec("unique_draft_ids", "drafts", "(sample_id, attempt) is unique over all producers")])
def drafts(context: dg.AssetExecutionContext, lake: LakeResource):
    """Drafts (attempt 0) written by the procedural creators: render code, QA, solution, interactions."""
    from pipelines.create import create_drafts
    from warehouse.catalog import connect
    from warehouse.quality import unique_ids

    round, domain = partition_of(context)
    store = lake.lake()
    rows = create_drafts(store.rows("plans", round, domain), _families())
    store.write("drafts", rows, round=round, domain=domain, producer="create")
    yield dg.MaterializeResult(metadata={"dagster/row_count": len(rows)})
    yield _gate("unique_draft_ids", "drafts", unique_ids(connect(lake.root or None), "drafts",
                                                         ["sample_id", "attempt"], _where(round, domain)))


@dg.asset(partitions_def=ROUND_X_DOMAIN, group_name=GROUP, kinds={"parquet", "matplotlib"}, deps=["drafts"],
          check_specs=[_spec("renders_match_drafts", "renders", "every render row belongs to a draft attempt")])
def renders(context: dg.AssetExecutionContext, lake: LakeResource, sandbox: SandboxResource):
    """Figures and interaction images rendered in the sandbox, with pixel positions of every element."""
    from pipelines.render import render_drafts
    from warehouse.catalog import connect
    from warehouse.quality import no_orphans

    round, domain = partition_of(context)
    store = lake.lake()
    rows = _created_drafts(store, round, domain)
    with sandbox.pool() as sb:
        out = render_drafts(rows, sb, progress=True)
    store.write("images", out.images, round=round, domain=domain, producer="render")
    store.write("renders", out.renders, round=round, domain=domain, producer="render")
    statuses = Counter(r["status"] for r in out.renders)
    ms = sorted(r["ms"] for r in out.renders) or [0.0]
    yield dg.MaterializeResult(metadata={"dagster/row_count": len(out.renders), "images": len(out.images),
                                         "status": dg.MetadataValue.json(statuses),
                                         "median_render_ms": ms[len(ms) // 2]})
    yield _gate("renders_match_drafts", "renders", no_orphans(connect(lake.root or None), "renders", "drafts",
                                                              ["sample_id", "attempt"], _where(round, domain)))


@dg.asset(partitions_def=ROUND_X_DOMAIN, group_name=GROUP, kinds={"parquet"}, deps=["renders"])
def verdicts(context: dg.AssetExecutionContext, lake: LakeResource):
    """Rule-based verdicts per dimension (text, visual, action, answer) for every first attempt."""
    from pipelines.check import ImageCache, check_all

    round, domain = partition_of(context)
    store = lake.lake()
    rows = _created_drafts(store, round, domain)
    out = check_all(rows, store.rows("renders", round, domain), ImageCache(store.rows("images", round, domain)),
                    _families())
    store.write("verdicts", out, round=round, domain=domain, producer="check")
    return dg.MaterializeResult(metadata={"dagster/row_count": len(out), **_pass_rates(out)})


def _pass_rates(verdict_rows: list[dict]) -> dict:
    total, passed = Counter(), Counter()
    for v in verdict_rows:
        total[v["dimension"]] += 1
        passed[v["dimension"]] += v["passed"]
    return {f"pass_rate_{d}": passed[d] / total[d] for d in total}


@dg.asset(partitions_def=ROUND_X_DOMAIN, group_name=GROUP, kinds={"parquet", "matplotlib"}, deps=["verdicts"])
def repairs(context: dg.AssetExecutionContext, config: RepairConfig, lake: LakeResource,
            sandbox: SandboxResource):
    """Repair loop over failed attempts: each new attempt is re-rendered and re-checked."""
    from pipelines.check import ImageCache
    from pipelines.repair import repair

    round, domain = partition_of(context)
    store = lake.lake()
    created = _created_drafts(store, round, domain)
    with sandbox.pool() as sb:
        out = repair(created, store.rows("renders", round, domain), store.rows("verdicts", round, domain),
                     ImageCache([]), _families(), sb, max_rounds=config.max_rounds)
    _write_attempts(store, out, round, domain, "repair")
    store.write("repairs", out.repairs, round=round, domain=domain, producer="repair")
    return dg.MaterializeResult(metadata={"dagster/row_count": len(out.repairs), "new_attempts": len(out.drafts),
                                          "actions": dg.MetadataValue.json(Counter(r["action"] for r in out.repairs))})


def _write_attempts(store, out, round: int, domain: str, producer: str) -> None:
    # images first: a reader that sees a render row always finds its image
    store.write("images", out.images, round=round, domain=domain, producer=producer)
    store.write("drafts", out.drafts, round=round, domain=domain, producer=producer)
    store.write("renders", out.renders, round=round, domain=domain, producer=producer)
    store.write("verdicts", out.verdicts, round=round, domain=domain, producer=producer)


@dg.asset(partitions_def=ROUND_X_DOMAIN, group_name=GROUP, kinds={"parquet", "matplotlib"}, deps=["repairs"])
def expansions(context: dg.AssetExecutionContext, config: ExpandConfig, lake: LakeResource,
               sandbox: SandboxResource):
    """Harder variants (parallel and sequential) of accepted samples, rendered and checked again."""
    from pipelines.check import ImageCache
    from pipelines.curate import curate
    from pipelines.expand import expand

    round, domain = partition_of(context)
    store = lake.lake()
    base = [r for r in store.rows("drafts", round, domain) if r["expansion"] == "none"]
    accepted_ids = {s["sample_id"] for s in curate(base, store.rows("renders", round, domain),
                                                   store.rows("verdicts", round, domain)).samples}
    latest = {r["sample_id"]: r for r in sorted(base, key=lambda r: r["attempt"]) if r["sample_id"] in accepted_ids}
    with sandbox.pool() as sb:
        out = expand(list(latest.values()), ImageCache([]), _families(), sb, fraction=config.fraction,
                     max_depth=config.max_depth, seed=config.seed)
    _write_attempts(store, out, round, domain, "expand")
    return dg.MaterializeResult(metadata={"dagster/row_count": len(out.drafts),
                                          "kinds": dg.MetadataValue.json(Counter(r["expansion"] for r in out.drafts)),
                                          **_pass_rates(out.verdicts)})


@dg.asset(partitions_def=ROUND_X_DOMAIN, group_name=GROUP, kinds={"parquet", "duckdb"}, deps=["expansions"],
          check_specs=[
              _spec("unique_sample_ids", "samples", "sample_id is unique"),
              _spec("samples_have_lineage", "samples", "every sample is a draft attempt with a render"),
              _spec("accepted_are_verified", "samples", "every sample has an image and a passed answer verdict"),
              _spec("interaction_images_exist", "samples", "every interaction image is in the image store"),
              _spec("samples_expectations", "samples", "Great Expectations suite: value sets, ranges, non-nulls"),
          ])
def samples(context: dg.AssetExecutionContext, lake: LakeResource):
    """Accepted, de-duplicated samples with image, interactions and answers: what trainers read."""
    from pipelines.curate import curate
    from warehouse import quality
    from warehouse.catalog import connect, write_catalog
    from warehouse.expectations import samples_suite, validate
    from warehouse.preview import samples_markdown

    round, domain = partition_of(context)
    store = lake.lake()
    out = curate(store.rows("drafts", round, domain), store.rows("renders", round, domain),
                 store.rows("verdicts", round, domain))
    store.write("samples", out.samples, round=round, domain=domain, producer="curate")
    if store.is_local:
        write_catalog(store.root)
    con, where = connect(store.root), _where(round, domain)
    yield dg.MaterializeResult(metadata={
        "dagster/row_count": len(out.samples),
        "rejected": sum(out.rejected.values()),
        "duplicates": out.duplicates,
        "rejection_reasons": dg.MetadataValue.json(dict(out.rejected.most_common())),
        "preview": dg.MetadataValue.md(samples_markdown(con, round, domain)),
    })
    yield _gate("unique_sample_ids", "samples", quality.unique_ids(con, "samples", ["sample_id"], where))
    yield _gate("samples_have_lineage", "samples",
                quality.no_orphans(con, "samples", "renders", ["sample_id", "attempt"], where))
    yield _gate("accepted_are_verified", "samples", quality.accepted_are_verified(con, where))
    yield _gate("interaction_images_exist", "samples", quality.interaction_images_exist(con, where))
    yield _gate("samples_expectations", "samples",
                validate(store.read("samples", round, domain), "samples", samples_suite()))


ASSETS = [knowledge_graph, plans, drafts, renders, verdicts, repairs, expansions, samples]
