"""Great Expectations suites for the curated tables: value-level contracts (domains of values,
ranges, uniqueness) that complement the SQL gates in ``warehouse.quality``.

GX 1.x has no Polars or DuckDB datasource that works here, so the partition goes through pandas
(small: one round x domain). An ephemeral context per call keeps names from colliding."""

from __future__ import annotations

import os

import pyarrow as pa


def samples_suite():
    import great_expectations.expectations as gxe

    return [
        gxe.ExpectColumnValuesToBeUnique(column="sample_id"),
        gxe.ExpectColumnValuesToNotBeNull(column="question"),
        gxe.ExpectColumnValuesToNotBeNull(column="answer"),
        gxe.ExpectColumnValuesToNotBeNull(column="image_id"),
        gxe.ExpectColumnValuesToBeInSet(column="answer_type", value_set=["number", "choice", "text"]),
        gxe.ExpectColumnValuesToBeInSet(column="expansion", value_set=["none", "parallel", "sequential"]),
        gxe.ExpectColumnValuesToBeBetween(column="difficulty", min_value=1, max_value=8),
        gxe.ExpectColumnValuesToBeBetween(column="width", min_value=64, max_value=4096),
        gxe.ExpectColumnValuesToBeBetween(column="height", min_value=64, max_value=4096),
        gxe.ExpectColumnValueLengthsToBeBetween(column="question", min_value=10, max_value=2000),
    ]


def validate(table: pa.Table, name: str, expectations) -> tuple[bool, dict]:
    """Run ``expectations`` on ``table``; details name each failed expectation and its count."""
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    ctx = gx.get_context(mode="ephemeral")
    ctx.variables.progress_bars = ProgressBarsConfig(globally=False)
    batch = (ctx.data_sources.add_pandas(name).add_dataframe_asset(name)
             .add_batch_definition_whole_dataframe("partition"))
    suite = ctx.suites.add(gx.ExpectationSuite(name=name, expectations=expectations))
    run = ctx.validation_definitions.add(gx.ValidationDefinition(name=name, data=batch, suite=suite))
    scalar = [c for c in table.column_names if not pa.types.is_nested(table.schema.field(c).type)
              and not pa.types.is_binary(table.schema.field(c).type)]
    res = run.run(batch_parameters={"dataframe": table.select(scalar).to_pandas()}, result_format="SUMMARY")
    failed = {
        f"{r.expectation_config.type}({r.expectation_config.kwargs.get('column')})":
            r.result.get("unexpected_count", 0)
        for r in res.results if not r.success
    }
    return bool(res.success), {"expectations": len(expectations), "failed": failed}
