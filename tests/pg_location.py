"""A small code location for tests/test_postgres_instance.py: the flywheel's first stages (knowledge
graph, plans with its gate) as a job over the project's round x domain partitions, and a sensor that
puts round 1 of ``$PG_TEST_DOMAINS`` into the run queue, the way a deployment launches a round.

Those stages take well under a second, so whether two runs overlap would depend on how fast each
run process starts; the ``rendezvous`` step makes it depend on the queue alone: each run waits (up
to a minute) until ``$PG_TEST_OVERLAP`` runs have reached it."""

from __future__ import annotations

import os
import time
from pathlib import Path

import dagster as dg

from assets_defs.flywheel import knowledge_graph, plans
from assets_defs.partitions import ROUND_X_DOMAIN, partition_key
from assets_defs.resources import RESOURCES



@dg.asset(deps=[plans], partitions_def=ROUND_X_DOMAIN)
def rendezvous(context) -> None:
    """Mark this run as arrived, then wait until ``$PG_TEST_OVERLAP`` runs have (or a minute passed:
    a queue that runs one at a time then shows as no overlap, and the test fails)."""
    folder = Path(os.environ["PG_TEST_RENDEZVOUS"])
    (folder / context.run.run_id).touch()
    deadline = time.monotonic() + 60
    while len(list(folder.iterdir())) < int(os.environ["PG_TEST_OVERLAP"]) and time.monotonic() < deadline:
        time.sleep(0.2)


plan_round = dg.define_asset_job(
    "plan_round", selection=dg.AssetSelection.assets(knowledge_graph, plans, rendezvous), partitions_def=ROUND_X_DOMAIN,
    config={"ops": {"plans": {"config": {"plans_per_domain": 2}}}})


@dg.sensor(job=plan_round, minimum_interval_seconds=1, default_status=dg.DefaultSensorStatus.RUNNING)
def round_one(context: dg.SensorEvaluationContext):
    """One run per domain partition of round 1 (run keys make it once per partition)."""
    for domain in os.environ.get("PG_TEST_DOMAINS", "").split(","):
        if domain:
            yield dg.RunRequest(run_key=f"1|{domain}", partition_key=partition_key(1, domain))


defs = dg.Definitions(assets=[knowledge_graph, plans, rendezvous], jobs=[plan_round], sensors=[round_one],
                      resources=RESOURCES, executor=dg.in_process_executor)
