"""Perception data and the benchmark as assets.

``perception_tasks`` (+ ``element_annotations``) follow ``samples`` per round x domain.
``perception_figures`` generates perception-only figures per round (their tasks and annotations
land in the same tables under the domain ``perception``). ``benchmark`` is partitioned by round
only: the split is by knowledge-point combination across every domain and its leak check must
see the whole train side (all rounds, all domains), which no single domain partition has."""


import json
from collections import Counter

import dagster as dg

from assets_defs.partitions import ROUND_X_DOMAIN, ROUNDS, partition_of
from assets_defs.resources import LakeResource, SandboxResource

GROUP = "perception"
_BY_ROUND = dg.MultiToSingleDimensionPartitionMapping(partition_dimension_name="round")


class FiguresConfig(dg.Config):
    count: int = 24
    element_mean: float = 8.0
    element_sd: float = 2.0
    seed: int = 0


class BenchmarkConfig(dg.Config):
    seed: int = 0
    heldout_fraction: float = 0.1


def _gate(name: str, asset: str, result: tuple[bool, dict]) -> dg.AssetCheckResult:
    passed, details = result
    return dg.AssetCheckResult(check_name=name, asset_key=asset, passed=passed,
                               metadata={k: dg.MetadataValue.json(v) if isinstance(v, (list, dict)) else v
                                         for k, v in details.items()})


def _on_canvas(tasks: list[dict]) -> tuple[bool, dict]:
    """Every answer point lies on its image."""
    off = [t["task_id"] for t in tasks
           if any(not (0 <= x <= t["width"] and 0 <= y <= t["height"]) for x, y in json.loads(t["answer"]).values())]
    return not off, {"tasks": len(tasks), "off_canvas": len(off), "examples": off[:5]}


def _png_lookup(store, round: int):
    images = store.read("images", round=round, columns=["image_id", "png"]).to_pydict()
    return dict(zip(images["image_id"], images["png"])).__getitem__


@dg.multi_asset(
    specs=[
        dg.AssetSpec("perception_tasks", group_name=GROUP, kinds={"parquet"}, deps=["samples"],
                     description="Surface / semantic / integrated perception tasks with exact pixel answers."),
        dg.AssetSpec("element_annotations", group_name=GROUP, kinds={"parquet"}, deps=["samples"],
                     description="Typed element annotations (point, line, angle, circle, text, symbol) per image."),
    ],
    check_specs=[dg.AssetCheckSpec("answers_on_canvas", asset="perception_tasks", blocking=True,
                                   description="every answer point lies on its image", partitions_def=ROUND_X_DOMAIN)],
    partitions_def=ROUND_X_DOMAIN,
)
def perception_tasks(context: dg.AssetExecutionContext, lake: LakeResource):
    from pipelines.check import ImageCache
    from pipelines.perception import tasks_from_samples
    from pipelines.perception.draw import tasks_markdown

    round, domain = partition_of(context)
    store = lake.lake()
    images = store.rows("images", round, domain)
    out = tasks_from_samples(store.rows("samples", round, domain), store.rows("drafts", round, domain),
                             store.rows("renders", round, domain), ImageCache(images))
    store.write("perception_tasks", out.tasks, round=round, domain=domain, producer="samples")
    store.write("element_annotations", out.annotations, round=round, domain=domain, producer="samples")
    png = {r["image_id"]: r["png"] for r in images}
    yield dg.MaterializeResult(asset_key="perception_tasks", metadata={
        "dagster/row_count": len(out.tasks),
        "levels": dg.MetadataValue.json(Counter(t["level"] for t in out.tasks)),
        "kinds": dg.MetadataValue.json(Counter(t["kind"] for t in out.tasks)),
        "preview": dg.MetadataValue.md(tasks_markdown(out.tasks, png.__getitem__)),
    })
    yield dg.MaterializeResult(asset_key="element_annotations", metadata={
        "dagster/row_count": len(out.annotations),
        "types": dg.MetadataValue.json(Counter(a["type"] for a in out.annotations)),
    })
    yield _gate("answers_on_canvas", "perception_tasks", _on_canvas(out.tasks))


@dg.asset(partitions_def=ROUNDS, group_name=GROUP, kinds={"parquet", "matplotlib"})
def perception_figures(context: dg.AssetExecutionContext, config: FiguresConfig, lake: LakeResource,
                       sandbox: SandboxResource):
    """Perception-only figures (labelled points, segments, circles; ~element_mean elements) and
    their tasks and annotations (domain ``perception``)."""
    from pipelines.perception.draw import tasks_markdown
    from pipelines.perception.generator import DOMAIN, generate

    round = int(context.partition_key)
    with sandbox.pool() as sb:
        out = generate(config.count, round, config.seed, sb, config.element_mean, config.element_sd)
    store = lake.lake()
    store.write("images", out.images, round=round, domain=DOMAIN, producer="figures")
    store.write("perception_figures", out.figures, round=round, domain=DOMAIN, producer="figures")
    store.write("perception_tasks", out.tasks, round=round, domain=DOMAIN, producer="figures")
    store.write("element_annotations", out.annotations, round=round, domain=DOMAIN, producer="figures")
    png = {r["image_id"]: r["png"] for r in out.images}
    counts = sorted(f["element_count"] for f in out.figures)
    return dg.MaterializeResult(metadata={
        "dagster/row_count": len(out.figures),
        "tasks": len(out.tasks),
        "levels": dg.MetadataValue.json(Counter(t["level"] for t in out.tasks)),
        "status": dg.MetadataValue.json(Counter(f["status"] for f in out.figures)),
        "element_count_median": counts[len(counts) // 2] if counts else 0,
        "preview": dg.MetadataValue.md(tasks_markdown(out.tasks, png.__getitem__)),
    })


@dg.asset(partitions_def=ROUNDS, group_name=GROUP, kinds={"parquet"},
          deps=[dg.AssetDep("samples", partition_mapping=_BY_ROUND),
                dg.AssetDep("perception_tasks", partition_mapping=_BY_ROUND)],
          check_specs=[dg.AssetCheckSpec("benchmark_leak_free", asset="benchmark", blocking=True,
                                         description="no shared image hash, near-duplicate image or question, or "
                                                     "knowledge-point combination with the train side",
                                         partitions_def=ROUNDS)])
def benchmark(context: dg.AssetExecutionContext, config: BenchmarkConfig, lake: LakeResource):
    """VTBench-style items (perception, instruction-guided, interactive reasoning) from this
    round's held-out samples, never shared with the train side."""
    from pipelines.benchmark import build_from_lake, leak_report_from_lake
    from pipelines.benchmark.preview import benchmark_markdown

    round = int(context.partition_key)
    store = lake.lake()
    # the round's samples as rows; the train side (every round) through the dedup index
    candidates = store.read("samples", round=round).to_pylist()
    out = build_from_lake(store, candidates, store.read("perception_tasks", round=round).to_pylist(),
                          seed=config.seed, heldout_fraction=config.heldout_fraction)
    # every domain of the round gets its file rewritten (empty too), so a rerun leaves no stale items
    for domain in sorted({s["domain"] for s in candidates} | {r["domain"] for r in out.rows}):
        store.write("benchmark", [r for r in out.rows if r["domain"] == domain], round=round, domain=domain,
                    producer="benchmark")
    written = store.read("benchmark", round=round).to_pylist()
    yield dg.MaterializeResult(metadata={
        "dagster/row_count": len(out.rows),
        "task_types": dg.MetadataValue.json(Counter(r["task_type"] for r in out.rows)),
        "dropped": dg.MetadataValue.json(dict(out.dropped)),
        "preview": dg.MetadataValue.md(benchmark_markdown(out.rows, _png_lookup(store, round))),
    })
    yield _gate("benchmark_leak_free", "benchmark", leak_report_from_lake(store, written))


ASSETS = [perception_tasks, perception_figures, benchmark]
JOBS = [
    dg.define_asset_job("perception", selection=["perception_tasks", "element_annotations"],
                        partitions_def=ROUND_X_DOMAIN,
                        description="Perception tasks and element annotations of one round x domain's samples."),
    dg.define_asset_job("build_benchmark", selection=["perception_figures", "benchmark"], partitions_def=ROUNDS,
                        description="Perception-only figures and the leak-free benchmark of one round."),
]
