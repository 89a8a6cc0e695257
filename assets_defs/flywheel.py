"""The flywheel's stages as assets, partitioned by round x domain.

Each asset body loads its inputs from the lake, calls one stage function from ``pipelines`` and
writes its own Parquet files; blocking checks are quality gates for everything downstream."""


from collections import Counter
from functools import partial

import dagster as dg

from assets_defs.partitions import ROUND_X_DOMAIN, partition_of
from assets_defs.resources import LakeResource, LLMResource, SandboxResource

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
    """A blocking gate declared per round x domain, so each result shows the partition it checked."""
    return dg.AssetCheckSpec(name, asset=asset, blocking=True, description=description, partitions_def=ROUND_X_DOMAIN)


def _created_drafts(store, round: int, domain: str) -> list[dict]:
    """Attempt-0 drafts as the creators wrote them (repairs and expansions are other producers)."""
    return store.rows("drafts", round, domain, producer="create")


def _families():
    from pipelines.creators import FAMILIES

    return FAMILIES


def _is_model(row: dict) -> bool:
    return row["creator"].startswith("model:")


def _model_status(llm: LLMResource) -> str:
    base_url, model = llm.endpoint()
    return f"on: {model} at {base_url}" if base_url else "off (set FLYWHEEL_LLM_BASE_URL to enable them)"


_TAXONOMY: dict[tuple, object] = {}


def _taxonomy():
    """The seed taxonomy, parsed once per process while its files are unchanged (three assets
    per partition need it; parsing and validating every domain's YAML is the slow part)."""
    from knowledge import DEFAULT_TAXONOMY_DIR, load_taxonomy

    key = tuple((f.name, f.stat().st_mtime_ns) for f in sorted(DEFAULT_TAXONOMY_DIR.glob("*.yaml")))
    if key not in _TAXONOMY:
        _TAXONOMY.clear()
        _TAXONOMY[key] = load_taxonomy()
    return _TAXONOMY[key]


@dg.multi_asset(
    specs=[
        dg.AssetSpec("knowledge_nodes", group_name=GROUP, kinds={"parquet"},
                     description="Knowledge nodes introduced this round: the seed taxonomy in a domain's first "
                                 "round (knowledge_evolution adds the evolved nodes to the same table)."),
        dg.AssetSpec("knowledge_edges", group_name=GROUP, kinds={"parquet"},
                     description="Knowledge edges introduced this round (prerequisites from the seed taxonomy)."),
    ],
    partitions_def=ROUND_X_DOMAIN,
)
def knowledge_graph(context: dg.AssetExecutionContext, lake: LakeResource):
    from pipelines.knowledge_rows import seed_rows_for

    round, domain = partition_of(context)
    store = lake.lake()
    nodes, edges = seed_rows_for(_taxonomy(), store, round, domain)
    store.write("knowledge_nodes", nodes, round=round, domain=domain, producer="seed")
    store.write("knowledge_edges", edges, round=round, domain=domain, producer="seed")
    yield dg.MaterializeResult(asset_key="knowledge_nodes", metadata={"dagster/row_count": len(nodes)})
    yield dg.MaterializeResult(asset_key="knowledge_edges", metadata={"dagster/row_count": len(edges)})


@dg.asset(partitions_def=ROUND_X_DOMAIN, group_name=GROUP, kinds={"parquet"}, deps=["knowledge_nodes"],
          check_specs=[_spec("unique_plan_ids", "plans", "plan_id is unique")])
def plans(context: dg.AssetExecutionContext, config: PlanConfig, lake: LakeResource, llm: LLMResource):
    """Knowledge-point combinations (seed points and nodes evolved in earlier rounds, least covered
    first) and the creator, seed and difficulty for each sample to create."""
    from pipelines.plan import knowledge_state, make_plans
    from warehouse.catalog import connect
    from warehouse.quality import unique_ids

    round, domain = partition_of(context)
    store = lake.lake()
    state = knowledge_state(store, domain, round)
    rows = make_plans(_taxonomy(), domain, round, config.plans_per_domain, config.seed, _families(), state)
    if llm.creates_in(domain):
        from pipelines.llm.creator import assign_model_creator

        rows = assign_model_creator(rows, llm.endpoint()[1], llm.creator_share, config.seed)
    store.write("plans", rows, round=round, domain=domain, producer="plan")
    yield dg.MaterializeResult(metadata={"dagster/row_count": len(rows),
                                         "evolved_nodes_available": len(state.nodes),
                                         "plans_on_evolved_nodes": sum(r["evolved_node_id"] is not None for r in rows),
                                         "model_stages": _model_status(llm),
                                         "creators": dg.MetadataValue.json(Counter(r["creator"] for r in rows))})
    yield _gate("unique_plan_ids", "plans", unique_ids(connect(lake.root or None, ["plans"]), "plans", ["plan_id"],
                                                       _where(round, domain)))


@dg.asset(partitions_def=ROUND_X_DOMAIN, group_name=GROUP, kinds={"parquet"}, deps=["plans"],
          check_specs=[_spec("unique_draft_ids", "drafts", "(sample_id, attempt) is unique over all producers")])
def drafts(context: dg.AssetExecutionContext, lake: LakeResource, llm: LLMResource):
    """Drafts (attempt 0) from each plan's creator: a procedural family, or the model creator
    (malformed model replies become draft_rejections rows with the reason)."""
    from pipelines.create import create_drafts
    from warehouse.catalog import connect
    from warehouse.quality import unique_ids

    round, domain = partition_of(context)
    store = lake.lake()
    plans = store.rows("plans", round, domain)
    rows = create_drafts([p for p in plans if not _is_model(p)], _families(), _subpoints(store, round, domain))
    rejections = []
    model_plans = [p for p in plans if _is_model(p)]
    if model_plans:
        from pipelines.llm.creator import create_with_model

        client = llm.client(store)
        if client is None:
            raise dg.Failure(f"{len(model_plans)} plans name a model creator but the model stages are off "
                             "(set FLYWHEEL_LLM_BASE_URL or the llm resource)")
        made = create_with_model(model_plans, _taxonomy(), client, _examples(store, round, domain), progress=True)
        rows += made.drafts
        rejections = made.rejections
        context.log.info(f"model creator: {len(made.drafts)} drafts, {len(rejections)} rejected; {client.usage()}")
    store.write("draft_rejections", rejections, round=round, domain=domain, producer="create")
    store.write("drafts", rows, round=round, domain=domain, producer="create")
    yield dg.MaterializeResult(metadata={"dagster/row_count": len(rows), "model_stages": _model_status(llm),
                                         "creators": dg.MetadataValue.json(Counter(r["creator"] for r in rows)),
                                         "rejected_model_replies": len(rejections)})
    yield _gate("unique_draft_ids", "drafts", unique_ids(connect(lake.root or None, ["drafts"]), "drafts",
                                                         ["sample_id", "attempt"], _where(round, domain)))


def _subpoints(store, round: int, domain: str) -> dict[str, dict]:
    """Conditions of the sub-points evolved in earlier rounds (plans may target them)."""
    import pyarrow.compute as pc

    from knowledge.subpoints import conditions

    rows = store.read("knowledge_nodes", domain=domain, columns=["node_id", "condition"],
                      filter=(pc.field("round") < round) & pc.field("condition").is_valid())
    return conditions(rows.to_pylist())


def _examples(store, round: int, domain: str) -> dict[tuple[str, ...], dict]:
    """One accepted sample of earlier rounds per knowledge-point combination (the model creator's example)."""
    out: dict[tuple[str, ...], dict] = {}
    for r in range(1, round):
        for s in store.rows("samples", r, domain):
            out.setdefault(tuple(sorted(s["node_ids"])), s)
    return out


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
    yield _gate("renders_match_drafts", "renders", no_orphans(connect(lake.root or None, ["renders", "drafts"]), "renders", "drafts",
                                                              ["sample_id", "attempt"], _where(round, domain)))


@dg.asset(partitions_def=ROUND_X_DOMAIN, group_name=GROUP, kinds={"parquet"}, deps=["renders"])
def verdicts(context: dg.AssetExecutionContext, lake: LakeResource, llm: LLMResource):
    """Verdicts per dimension (text, visual, action, answer) for every first attempt: the rules
    first, then the model judge (and its independent solve) on model drafts that passed them."""
    from pipelines.check import ImageCache
    from pipelines.llm.judge import rules_then_judge

    round, domain = partition_of(context)
    store = lake.lake()
    rows = _created_drafts(store, round, domain)
    client = llm.client(store)
    out = rules_then_judge(rows, store.rows("renders", round, domain),
                           ImageCache(store.rows("images", round, domain)), _families(), client,
                           judge_procedural=llm.judge_procedural, progress=client is not None)
    store.write("verdicts", out, round=round, domain=domain, producer="check")
    return dg.MaterializeResult(metadata={"dagster/row_count": len(out), "model_stages": _model_status(llm),
                                          **_pass_rates(out)})


def _pass_rates(verdict_rows: list[dict]) -> dict:
    total, passed = Counter(), Counter()
    for v in verdict_rows:
        total[v["dimension"]] += 1
        passed[v["dimension"]] += v["passed"]
    return {f"pass_rate_{d}": passed[d] / total[d] for d in total}


@dg.asset(partitions_def=ROUND_X_DOMAIN, group_name=GROUP, kinds={"parquet", "matplotlib"}, deps=["verdicts"])
def repairs(context: dg.AssetExecutionContext, config: RepairConfig, lake: LakeResource,
            sandbox: SandboxResource, llm: LLMResource):
    """Repair loop over failed attempts: each new attempt is re-rendered and re-checked. Procedural
    drafts get the rule-based repairer, model drafts the model repairer (failures and traceback in
    its prompt)."""
    from pipelines.check import ImageCache
    from pipelines.repair import repair

    round, domain = partition_of(context)
    store = lake.lake()
    created = _created_drafts(store, round, domain)
    renders, verdicts = store.rows("renders", round, domain), store.rows("verdicts", round, domain)
    model_rows = [r for r in created if _is_model(r)]
    rejections = []
    with sandbox.pool() as sb:
        out = repair([r for r in created if not _is_model(r)], renders, verdicts, ImageCache([]), _families(), sb,
                     max_rounds=config.max_rounds)
        if model_rows:
            from pipelines.llm.repairer import repair_with_model

            ids = {r["sample_id"] for r in model_rows}
            fixed, rejections = repair_with_model(
                model_rows, renders, [v for v in verdicts if v["sample_id"] in ids],
                ImageCache(store.rows("images", round, domain)), _families(), llm.client(store), sb,
                max_rounds=min(config.max_rounds, llm.repair_rounds))
            out.extend(fixed.drafts, fixed, fixed.verdicts)
            out.repairs += fixed.repairs
    _write_attempts(store, out, round, domain, "repair")
    store.write("repairs", out.repairs, round=round, domain=domain, producer="repair")
    store.write("draft_rejections", rejections, round=round, domain=domain, producer="repair")
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
    from pipelines.curate import curate, dedup_against_history
    from pipelines.expand import expand

    round, domain = partition_of(context)
    store = lake.lake()
    # model drafts have no family to expand with; they are kept as they are
    base = [r for r in store.rows("drafts", round, domain) if r["expansion"] == "none"]
    # duplicates are not expanded: the same rule as the samples asset, on the base samples
    history = partial(dedup_against_history, store, round=round, domain=domain)
    accepted_ids = {s["sample_id"] for s in curate(base, store.rows("renders", round, domain),
                                                   store.rows("verdicts", round, domain), dedup=history).samples}
    latest = {r["sample_id"]: r for r in sorted(base, key=lambda r: r["attempt"])
              if r["sample_id"] in accepted_ids and not _is_model(r)}
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
    from pipelines.curate import curate, dedup_against_history
    from pipelines.dedup.index import index_keys
    from warehouse import quality
    from warehouse.browse import url as browse_url
    from warehouse.catalog import connect
    from warehouse.creators import creator_stats
    from warehouse.expectations import samples_suite, validate
    from warehouse.preview import samples_markdown

    round, domain = partition_of(context)
    store = lake.lake()
    history = partial(dedup_against_history, store, round=round, domain=domain)
    out = curate(store.rows("drafts", round, domain), store.rows("renders", round, domain),
                 store.rows("verdicts", round, domain), dedup=history)
    # duplicates and index keys first: a reader that sees the samples finds both beside them
    store.write("duplicates", out.duplicates, round=round, domain=domain, producer="curate")
    store.write("dedup_keys", index_keys(store, out.samples, round, domain), round=round, domain=domain,
                producer="curate")
    store.write("samples", out.samples, round=round, domain=domain, producer="curate")
    con = connect(store.root, ["samples", "drafts", "renders", "verdicts", "draft_rejections", "images"])
    where = _where(round, domain)
    yield dg.MaterializeResult(metadata={
        "dagster/row_count": len(out.samples),
        "rejected": sum(out.rejected.values()),
        "duplicates": len(out.duplicates),
        "duplicates_by_kind": dg.MetadataValue.json(out.duplicate_counts()),
        "duplicate_rate": len(out.duplicates) / max(1, len(out.duplicates) + len(out.samples)),
        "rejection_reasons": dg.MetadataValue.json(dict(out.rejected.most_common())),
        "by_creator": dg.MetadataValue.json(_jsonable(creator_stats(con, where))),
        "preview": dg.MetadataValue.md(samples_markdown(con, round, domain)),
        "browse": dg.MetadataValue.url(browse_url("/", round=round, domain=domain)),  # `flywheel browse`
    })
    yield _gate("unique_sample_ids", "samples", quality.unique_ids(con, "samples", ["sample_id"], where))
    yield _gate("samples_have_lineage", "samples",
                quality.no_orphans(con, "samples", "renders", ["sample_id", "attempt"], where))
    yield _gate("accepted_are_verified", "samples", quality.accepted_are_verified(con, where))
    yield _gate("interaction_images_exist", "samples", quality.interaction_images_exist(con, where))
    yield _gate("samples_expectations", "samples",
                validate(store.read("samples", round, domain), "samples", samples_suite()))


def _jsonable(rows: list[dict]) -> list[dict]:
    return [{k: (round(v, 4) if isinstance(v, float) else v) for k, v in r.items()} for r in rows]


@dg.asset(partitions_def=ROUND_X_DOMAIN, group_name=GROUP, kinds={"parquet"}, deps=["samples"])
def knowledge_evolution(context: dg.AssetExecutionContext, lake: LakeResource, llm: LLMResource):
    """Knowledge nodes and edges evolved from this round's accepted samples (co-occurring points,
    compositions that expansion created, sub-points of a family's parameter space), with round, evidence sample ids and weight; written into
    knowledge_nodes / knowledge_edges. The next round's plans sample them."""
    from knowledge.evolve import evolve, extend_graph
    from knowledge.subpoints import conditions
    from pipelines.plan import evolved_nodes

    round, domain = partition_of(context)
    store = lake.lake()
    earlier = evolved_nodes(store, domain, round)  # only the nodes: no scan of the samples history
    graph = extend_graph(_taxonomy(), earlier)
    drafts = store.read("drafts", round, domain, columns=["sample_id", "attempt", "params"]).to_pylist()
    params = {(d["sample_id"], d["attempt"]): d["params"] for d in drafts}
    accepted = [{**s, "params": params.get((s["sample_id"], s["attempt"]))} for s in store.rows("samples", round, domain)]
    nodes, edges = evolve(graph, accepted, round, domain, conditions(earlier))
    client = llm.client(store)
    rejected = []
    if client is not None:  # the model proposes new points too, each validated (pipelines.llm.proposer)
        from pipelines.llm.proposer import propose_points

        proposed = propose_points(graph, accepted, round, domain, _families(), client)
        nodes, edges, rejected = nodes + proposed.nodes, edges + proposed.edges, proposed.rejected
    store.write("knowledge_nodes", nodes, round=round, domain=domain, producer="evolve")
    store.write("knowledge_edges", edges, round=round, domain=domain, producer="evolve")
    return dg.MaterializeResult(metadata={
        "dagster/row_count": len(nodes),
        "new_nodes": len(nodes),
        "new_compositions": sum(n["variant"] is not None for n in nodes),
        "new_subpoints": sum(n["condition"] not in (None, "{}") for n in nodes),
        "new_model_points": sum(n["condition"] == "{}" for n in nodes),
        "model_proposals_rejected": dg.MetadataValue.json(rejected),
        "model_stages": _model_status(llm),
        "edges": dg.MetadataValue.json(Counter(e["kind"] for e in edges)),
        "evolved_nodes_before": len(earlier),
    })


ASSETS = [knowledge_graph, plans, drafts, renders, verdicts, repairs, expansions, samples, knowledge_evolution]
