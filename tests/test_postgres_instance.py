"""Dagster for many machines: the instance of deploy/dagster.yaml keeps runs, events and schedules in
PostgreSQL, and the daemon runs one round's partitions from its queue concurrently, never more of
one round at a time than the per-round limit. Against a real PostgreSQL server and a real
`dagster-daemon`, both started here."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest
import yaml

from tests.servers import Unavailable, postgres_server, start_process, stop_session
from warehouse.storage import Lake

REPO = Path(__file__).resolve().parent.parent
DEPLOY = REPO / "deploy"
PER_ROUND = 2  # runs of one round at a time in this test's instance
RUNS = 3  # partitions of round 1 the sensor queues (one more than the limit: one waits)


@pytest.fixture(scope="module")
def pg_url():
    pytest.importorskip("dagster_postgres", reason="dagster-postgres is in the ray extra (pip install '.[ray]')")
    server = postgres_server()
    try:
        url = server.__enter__()
    except Unavailable as err:
        pytest.skip(f"no PostgreSQL server here: {err}")
    yield url
    server.__exit__(None, None, None)


def dagster_home(folder: Path, deploy_file: str = "dagster.yaml", per_round: int = PER_ROUND) -> Path:
    """``folder`` holding the deploy file as dagster.yaml, with this test's per-round limit."""
    cfg = yaml.safe_load((DEPLOY / deploy_file).read_text())
    cfg["run_coordinator"]["config"]["tag_concurrency_limits"][0]["limit"] = per_round
    cfg["run_coordinator"]["config"]["dequeue_interval_seconds"] = 1  # a test does not wait 5 s per look
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "dagster.yaml").write_text(yaml.safe_dump(cfg))
    return folder


@pytest.fixture
def env(pg_url, monkeypatch) -> dict:
    values = {"DAGSTER_PG_URL": pg_url, "FLYWHEEL_MAX_RUNS": str(RUNS), "FLYWHEEL_IMAGE": "flywheel:test"}
    for k, v in values.items():
        monkeypatch.setenv(k, v)
    return values


def test_the_deploy_instance_keeps_its_state_in_postgres_and_queues_runs(env, tmp_path):
    import dagster as dg
    from dagster._core.run_coordinator import QueuedRunCoordinator
    from dagster_postgres import PostgresEventLogStorage, PostgresRunStorage, PostgresScheduleStorage

    with dg.DagsterInstance.from_config(str(dagster_home(tmp_path / "home"))) as instance:
        assert isinstance(instance.run_storage, PostgresRunStorage)
        assert isinstance(instance.event_log_storage, PostgresEventLogStorage)
        assert isinstance(instance.schedule_storage, PostgresScheduleStorage)
        assert isinstance(instance.run_coordinator, QueuedRunCoordinator)
        instance.add_dynamic_partitions("round", ["7"])
    with dg.DagsterInstance.from_config(str(dagster_home(tmp_path / "other"))) as other:  # another machine
        assert "7" in other.get_dynamic_partitions("round")
    with dg.DagsterInstance.from_config(str(dagster_home(tmp_path / "docker", "dagster.docker.yaml"))) as docker:
        from dagster_docker import DockerRunLauncher

        assert isinstance(docker.run_launcher, DockerRunLauncher)
        assert docker.run_launcher.image == "flywheel:test"


def _most_at_once(records) -> int:
    """The most runs whose [start, end] windows overlap at one instant."""
    edges = sorted([(r.start_time, 1) for r in records] + [(r.end_time, -1) for r in records],
                   key=lambda e: (e[0], e[1]))
    most = now = 0
    for _, step in edges:
        now += step
        most = max(most, now)
    return most


def test_the_daemon_runs_a_rounds_partitions_concurrently_within_the_round_limit(env, tmp_path):
    import dagster as dg

    from assets_defs.partitions import DOMAINS

    home = dagster_home(tmp_path / "home")
    lake, rendezvous = tmp_path / "lake", tmp_path / "rendezvous"
    rendezvous.mkdir()
    domains = DOMAINS.get_partition_keys()[:RUNS]
    (tmp_path / "workspace.yaml").write_text(yaml.safe_dump({"load_from": [{"python_module": {
        "module_name": "tests.pg_location", "working_directory": str(REPO), "location_name": "pg_test"}}]}))
    with dg.DagsterInstance.from_config(str(home)) as instance:
        instance.add_dynamic_partitions("round", ["1"])
        daemon = start_process(
            [str(Path(sys.executable).parent / "dagster-daemon"), "run", "-w", str(tmp_path / "workspace.yaml")],
            tmp_path / "daemon.log",
            {**env, "DAGSTER_HOME": str(home), "FLYWHEEL_DATA_ROOT": str(lake), "PG_TEST_DOMAINS": ",".join(domains),
             "PG_TEST_RENDEZVOUS": str(rendezvous), "PG_TEST_OVERLAP": str(PER_ROUND), "PYTHONPATH": str(REPO)})
        try:
            deadline = time.monotonic() + 300
            while True:
                runs = instance.get_runs()
                if len(runs) == RUNS and all(r.is_finished for r in runs):
                    break
                assert daemon.poll() is None, (tmp_path / "daemon.log").read_text()[-3000:]
                assert time.monotonic() < deadline, (f"runs: {[(r.status, r.tags) for r in runs]}\n"
                                                     + (tmp_path / "daemon.log").read_text()[-3000:])
                time.sleep(0.5)
        finally:
            stop_session(daemon)
        records = instance.get_run_records()
        assert sorted(r.dagster_run.tags["dagster/partition/domain"] for r in records) == sorted(domains)
        assert {r.dagster_run.tags["dagster/partition/round"] for r in records} == {"1"}
        failed = [r.dagster_run.run_id for r in records if r.dagster_run.status != dg.DagsterRunStatus.SUCCESS]
        assert not failed, f"failed runs {failed}: {(tmp_path / 'daemon.log').read_text()[-2000:]}"
        assert _most_at_once(records) == PER_ROUND  # concurrent, and never more than the round's limit
        assert len(instance.fetch_materializations(dg.AssetKey("plans"), limit=100).records
                   ) == RUNS  # the materialisations are in postgres
    assert {d: Lake(lake).count("plans", 1, d) for d in domains} == {d: 2 for d in domains}
