"""Public datasets in and out in their published shapes: one loader asset per dataset (VTBench,
V-Perception-40K, V-Interaction-400K, MathVision, We-Math, VisuLogic, MathVista, and the RL prompt
sets We-Math 2.0 Pro/Standard, MMK12, ThinkLite-VL-hard-11k) and the V-Interaction-style export of
accepted samples (held-out and benchmark samples left out by default)."""

import os
from pathlib import Path

import dagster as dg

from assets_defs.resources import LakeResource
from warehouse.sources import SOURCES, Source

GROUP = "sources"
SOURCES_ENV = "FLYWHEEL_SOURCES_ROOT"


class SourceConfig(dg.Config):
    folder: str = ""  # the dataset's folder; empty = $FLYWHEEL_SOURCES_ROOT/<Folder> or <lake root>/sources/<Folder>
    workers: int = 1  # processes decoding and hashing images


class ExportConfig(dg.Config):
    folder: str = ""  # empty = <lake root>/exports/V-Interaction
    rows_per_part: int = 10_000
    include_heldout: bool = False  # True: held-out samples too, marked split='heldout' (they make the benchmark)
    split_seed: int = 0


def _folder(source: Source, configured: str, lake_root: str) -> Path:
    if configured:
        return Path(configured)
    return Path(os.environ.get(SOURCES_ENV) or Path(lake_root) / "sources") / source.folder


def _errors_md(errors) -> str:
    lines = [f"- `{e}`" for e in errors[:20]]
    return "\n".join(lines + ([f"- ... {len(errors) - 20} more in `source_errors`"] if len(errors) > 20 else []))


def _loader(source: Source) -> dg.AssetsDefinition:
    key = f"source_{source.name}"

    @dg.asset(name=key, group_name=GROUP, kinds={"parquet"},
              description=f"{source.description}. Loaded from {source.layout_doc()} into `{source.table}` "
                          f"(round 0, domain '{source.name}') and the image store.",
              check_specs=[dg.AssetCheckSpec("loaded_without_errors", asset=key, blocking=False,
                                             description="no file, row or image was reported in source_errors")])
    def _asset(context: dg.AssetExecutionContext, config: SourceConfig, lake: LakeResource):
        from warehouse.sources import SourceLayoutError, load

        store = lake.lake()
        try:
            report = load(source.name, _folder(source, config.folder, store.root), store, workers=config.workers)
        except SourceLayoutError as err:
            raise dg.Failure(description=str(err)) from None
        context.log.info(report.summary())
        yield dg.MaterializeResult(metadata={"dagster/row_count": report.rows, "table": source.table,
                                             "new_images": report.images, "errors": len(report.errors),
                                             "files": dg.MetadataValue.json(report.files)})
        yield dg.AssetCheckResult(check_name="loaded_without_errors", passed=not report.errors,
                                  severity=dg.AssetCheckSeverity.WARN,
                                  metadata={"errors": len(report.errors),
                                            "first_errors": dg.MetadataValue.md(_errors_md(report.errors))})

    return _asset


@dg.asset(group_name=GROUP, kinds={"parquet"}, deps=["samples"])
def export_vinteraction(context: dg.AssetExecutionContext, config: ExportConfig, lake: LakeResource):
    """Accepted samples of every round and domain as V-Interaction-400K rows plus provenance, in the
    release's file layout (pipelines/export/vinteraction.py documents the columns)."""
    from pipelines.export.vinteraction import vinteraction_rows, write_card, write_parts
    from warehouse.catalog import connect

    store = lake.lake()
    con = connect(store.root)
    samples = con.sql("SELECT * FROM samples ORDER BY round, domain, sample_id").to_arrow_table().to_pylist()
    png = dict(con.execute("""SELECT image_id, png FROM images WHERE image_id IN (
        SELECT image_id FROM samples UNION SELECT unnest(interactions).image_id FROM samples)""").fetchall())
    names = dict(con.execute("SELECT node_id, name FROM knowledge_nodes").fetchall())
    bench = con.execute("SELECT sample_id, image_id FROM benchmark").fetchall() if store.exists("benchmark") else []
    out = vinteraction_rows(samples, png, names, bench, config.include_heldout, config.split_seed)
    folder = config.folder or str(Path(store.root) / "exports" / "V-Interaction")
    paths = write_parts(out.rows, folder, config.rows_per_part)
    write_card(folder, out, paths)
    return dg.MaterializeResult(metadata={"dagster/row_count": len(out.rows), "folder": folder,
                                          "files": dg.MetadataValue.json([str(p) for p in paths]),
                                          "skipped": dg.MetadataValue.json(dict(out.skipped))})


LOADERS = {name: _loader(s) for name, s in SOURCES.items()}
ASSETS = [*LOADERS.values(), export_vinteraction]
