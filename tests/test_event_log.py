"""The project's Dagster event log keeps an engine per database but writes Dagster's own files: the
instance `flywheel` generates uses it, and the stock SQLite storage reads the same run history
(events, materialisations, checks), so a user's own dagster.yaml or `dagster dev` sees every run."""

from __future__ import annotations

import dagster as dg
import pytest

from assets_defs import event_log, home


def _job():
    @dg.asset(check_specs=[dg.AssetCheckSpec("positive", asset="numbers")])
    def numbers():
        yield dg.Output([1, 2, 3])
        yield dg.AssetCheckResult(passed=True)

    @dg.asset
    def total(numbers):
        return sum(numbers)

    return dg.Definitions(assets=[numbers, total], jobs=[dg.define_asset_job("sums")]).resolve_job_def("sums")


def test_the_generated_instance_keeps_engines_and_the_stock_storage_reads_its_runs(tmp_path, monkeypatch):
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "home"))
    root = home.dagster_home()
    job = _job()
    with dg.DagsterInstance.get() as instance:
        storage = instance.event_log_storage
        assert isinstance(storage, event_log.KeptEngineSqliteEventLogStorage)
        runs = [job.execute_in_process(instance=instance) for _ in range(event_log.KEPT_ENGINES + 2)]
        assert all(r.success for r in runs)
        assert len(storage._engines) == event_log.KEPT_ENGINES  # bounded: the oldest runs' engines went
        written = {r.run_id: [e.dagster_event_type for e in instance.all_logs(r.run_id)] for r in runs}
        assert written[runs[0].run_id].count(dg.DagsterEventType.ASSET_MATERIALIZATION) == 2

    (root / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")  # the stock storage, same folder
    with dg.DagsterInstance.get() as stock:
        assert type(stock.event_log_storage).__name__ == "SqliteEventLogStorage"
        assert {r: [e.dagster_event_type for e in stock.all_logs(r)] for r in written} == written
        assert stock.get_latest_materialization_event(dg.AssetKey("total")).run_id == runs[-1].run_id
        check = stock.event_log_storage.get_latest_asset_check_execution_by_key(
            [dg.AssetCheckKey(dg.AssetKey("numbers"), "positive")])
        assert next(iter(check.values())).run_id == runs[-1].run_id


def test_it_needs_a_folder(monkeypatch):
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    with pytest.raises(ValueError, match=r"base_dir in its config or \$DAGSTER_HOME"):
        event_log.KeptEngineSqliteEventLogStorage()
