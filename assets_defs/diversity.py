"""Diversity of each round x domain's accepted samples as a lake table, with a non-blocking check
that warns when a family's wording stops producing new templates (warehouse.diversity)."""

import dagster as dg

from assets_defs.partitions import ROUND_X_DOMAIN, partition_of
from assets_defs.resources import LakeResource

GROUP = "flywheel"


class DiversityConfig(dg.Config):
    min_template_yield: float = 20.0  # new templates per 100 samples under which a family warns
    min_samples: int = 20  # a family with fewer samples this round is not judged (too few to tell)


@dg.asset(partitions_def=ROUND_X_DOMAIN, group_name=GROUP, kinds={"duckdb", "parquet"}, deps=["samples"],
          check_specs=[dg.AssetCheckSpec("template_yield", asset="diversity", blocking=False,
                                         partitions_def=ROUND_X_DOMAIN,
                                         description="every family with enough samples this round yields at "
                                                     "least the configured new templates per 100 samples")])
def diversity(context: dg.AssetExecutionContext, config: DiversityConfig, lake: LakeResource):
    """Samples, distinct templates / question texts / answers / figure hashes / styles, question
    bigram entropy and knowledge points reached, per family and for the domain ('*'), this round
    and cumulatively."""
    from warehouse.catalog import connect
    from warehouse.diversity import diversity as measure
    from warehouse.diversity import low_yield

    round, domain = partition_of(context)
    store = lake.lake()
    rows = measure(connect(store.root, ["samples", "drafts", "images"]), round, domain)
    store.write("diversity", rows, round=round, domain=domain, producer="diversity")
    whole = {r["scope"]: r for r in rows.to_pylist() if r["family"] == "*"}
    low = low_yield(rows, config.min_template_yield, config.min_samples)
    yield dg.MaterializeResult(metadata={
        "dagster/row_count": rows.num_rows,
        **{f"{k}_{scope}": v for scope, r in whole.items() for k, v in r.items()
           if k in ("samples", "templates", "question_texts", "nodes_with_samples")},
    })
    yield dg.AssetCheckResult(check_name="template_yield", asset_key="diversity", passed=not low,
                              severity=dg.AssetCheckSeverity.WARN,
                              metadata={"threshold": config.min_template_yield, "low": dg.MetadataValue.json(low)})


ASSETS = [diversity]
