"""A small code location for tests/test_postgres_instance.py: the flywheel's first stages (knowledge
graph, plans with its gate) as a job over the project's round x domain partitions, and a sensor that
puts round 1 of ``$PG_TEST_DOMAINS`` into the run queue, the way a deployment launches a round."""

from __future__ import annotations

import os

import dagster as dg

from assets_defs.flywheel import knowledge_graph, plans
from assets_defs.partitions import ROUND_X_DOMAIN, partition_key
from assets_defs.resources import RESOURCES

plan_round = dg.define_asset_job(
    "plan_round", selection=dg.AssetSelection.assets(knowledge_graph, plans), partitions_def=ROUND_X_DOMAIN,
    config={"ops": {"plans": {"config": {"plans_per_domain": 2}}}})


@dg.sensor(job=plan_round, minimum_interval_seconds=1, default_status=dg.DefaultSensorStatus.RUNNING)
def round_one(context: dg.SensorEvaluationContext):
    """One run per domain partition of round 1 (run keys make it once per partition)."""
    for domain in os.environ.get("PG_TEST_DOMAINS", "").split(","):
        if domain:
            yield dg.RunRequest(run_key=f"1|{domain}", partition_key=partition_key(1, domain))


defs = dg.Definitions(assets=[knowledge_graph, plans], jobs=[plan_round], sensors=[round_one],
                      resources=RESOURCES, executor=dg.in_process_executor)
