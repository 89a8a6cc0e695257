"""Coverage and diversity report per round: plots of the lake embedded in the asset's metadata."""

import dagster as dg

from assets_defs.partitions import ROUNDS
from assets_defs.resources import LakeResource

GROUP = "reports"
_BY_ROUND = dg.MultiToSingleDimensionPartitionMapping(partition_dimension_name="round")


@dg.asset(partitions_def=ROUNDS, group_name=GROUP, kinds={"duckdb", "matplotlib"},
          deps=[dg.AssetDep("samples", partition_mapping=_BY_ROUND),
                dg.AssetDep("knowledge_evolution", partition_mapping=_BY_ROUND),
                dg.AssetDep("diversity", partition_mapping=_BY_ROUND)])
def coverage_report(context: dg.AssetExecutionContext, lake: LakeResource):
    """Samples per domain and knowledge node, share of nodes with >= k samples, difficulty and
    answer-type mix, knowledge-graph growth (seed vs evolved), duplicate rates and diversity growth
    (the diversity table summed over domains), rounds 1..r.
    Also rewrites the catalog file for read-only DuckDB connections, once per round."""
    from warehouse.catalog import connect, write_catalog
    from warehouse.coverage import coverage, markdown
    from warehouse.diversity import growth, plot_growth

    store = lake.lake()
    if store.is_local:
        write_catalog(store.root)
    con = connect(store.root)
    report = coverage(con, int(context.partition_key))
    diversity_rows = growth(con, int(context.partition_key))
    report.figures["diversity_growth"] = plot_growth(diversity_rows)
    return dg.MaterializeResult(metadata={
        **report.numbers(),
        "samples_per_domain": dg.MetadataValue.json(report.samples_per_domain),
        "difficulty": dg.MetadataValue.json({str(k): v for k, v in report.difficulty.items()}),
        "answer_types": dg.MetadataValue.json(report.answer_types),
        "graph_growth": dg.MetadataValue.json(report.growth),
        "duplicate_rates": dg.MetadataValue.json(report.duplicates),
        "diversity_growth": dg.MetadataValue.json(diversity_rows),
        "plots": dg.MetadataValue.md(markdown(report)),
    })


coverage_job = dg.define_asset_job("coverage", selection=[coverage_report], partitions_def=ROUNDS,
                                   description="The coverage and diversity report of one round.")

ASSETS = [coverage_report]
JOBS = [coverage_job]
