"""The `flywheel` command's guard rails, in-process: `flywheel sql` is read-only (one SELECT, files
of the lake only, locked settings) unless --allow-write; bad arguments, data roots and taxonomies
are one line and exit code 2; a round that accepted nothing or whose sandbox failed most renders
ends non-zero; the next run fails the runs and removes the sandbox folders of a killed one."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import duckdb
import pytest

from assets_defs import runner
from assets_defs.cli import main
from pipelines.sandbox.pool import strict_default
from warehouse.summary import round_health, sandbox_line
from tests.test_lake_ops import _small_lake


@pytest.fixture
def lake_root(tmp_path, monkeypatch) -> Path:
    """A two-domain lake, with the working directory (where a relative COPY would write) beside it."""
    root = tmp_path / "lake"
    _small_lake(root)
    work = tmp_path / "cwd"
    work.mkdir()
    monkeypatch.chdir(work)
    return root


def files_under(path: Path) -> dict[str, int]:
    return {str(p): p.stat().st_mtime_ns for p in path.rglob("*")}


def test_sql_reads_the_lake(lake_root, capsys):
    assert main(["sql", "SELECT domain, count(*) AS n FROM plans GROUP BY 1 ORDER BY 1", "--root", str(lake_root),
                 "--format", "csv"]) == 0
    assert capsys.readouterr().out.splitlines() == ["domain,n", "d1,3", "d2,3"]
    for query in ("DESCRIBE plans", "SHOW TABLES", "EXPLAIN SELECT * FROM plans",
                  "WITH p AS (SELECT * FROM plans) SELECT count(*) FROM p"):
        assert main(["sql", query, "--root", str(lake_root)]) == 0, capsys.readouterr().err


@pytest.mark.parametrize("query, error", [
    ("COPY (SELECT 1) TO 'x.csv'", "COPY statements are refused"),
    ("ATTACH 'x.duckdb' AS x", "ATTACH statements are refused"),
    ("INSTALL httpfs", "statements are refused"),
    ("LOAD httpfs", "statements are refused"),
    ("SET enable_external_access = true", "SET statements are refused"),
    ("PRAGMA enable_profiling", "PRAGMA statements are refused"),
    ("CREATE TABLE x AS SELECT 1", "CREATE statements are refused"),
    ("SELECT 1; COPY (SELECT 1) TO 'x.csv'", "one statement at a time, got 2"),
    ("SELECT 1; SELECT 2", "one statement at a time, got 2"),
])
def test_sql_refuses_what_is_not_one_read(lake_root, capsys, query, error):
    before = files_under(lake_root.parent)
    assert main(["sql", query, "--root", str(lake_root)]) == 2
    err = capsys.readouterr().err
    assert error in err and "--allow-write" in err
    assert len(err.splitlines()) == 1
    assert files_under(lake_root.parent) == before  # nothing written, nothing created


@pytest.mark.parametrize("query", [
    "SELECT * FROM read_csv('/etc/passwd')",
    "SELECT * FROM read_text('/etc/hostname')",
    "SELECT * FROM glob('/etc/*')",
    "SELECT * FROM read_parquet('{lake}/tables/../../outside.parquet')",
    "SELECT * FROM query('COPY (SELECT 1) TO ''{lake}/tables/plans/x.parquet''')",
])
def test_sql_reads_no_file_outside_the_lake(lake_root, capsys, query):
    duckdb.connect().execute(f"COPY (SELECT 1 AS a) TO '{lake_root.parent}/outside.parquet'")
    before = files_under(lake_root.parent)
    assert main(["sql", query.format(lake=lake_root), "--root", str(lake_root)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("SQL error: ") and ("reads only the lake's tables" in err or "single SELECT" in err)
    assert files_under(lake_root.parent) == before


def test_sql_allow_write_is_a_full_connection(lake_root, capsys):
    assert main(["sql", "COPY (SELECT count(*) AS n FROM plans) TO 'n.csv'", "--root", str(lake_root),
                 "--allow-write"]) == 0
    assert Path("n.csv").read_text().splitlines() == ["n", "6"]


@pytest.mark.parametrize("root, why", [("{tmp}/nonexistent", "does not exist"), ("{tmp}/file", "is not a folder"),
                                       ("{tmp}", "holds no lake")])
def test_sql_names_a_wrong_data_root(tmp_path, capsys, root, why):
    (tmp_path / "file").write_text("x")
    root = root.format(tmp=tmp_path)
    assert main(["sql", "SELECT 1", "--root", root]) == 2
    assert capsys.readouterr().err.strip() == f"flywheel: data root {root} (--root) {why}" + (
        "" if why != "holds no lake" else " (no tables/ folder); `flywheel run` writes one")


def test_a_data_root_from_the_environment_is_named_as_such(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("FLYWHEEL_DATA_ROOT", str(tmp_path / "gone"))
    assert main(["lake", "check"]) == 2
    assert "($FLYWHEEL_DATA_ROOT) does not exist" in capsys.readouterr().err


def test_sql_on_a_missing_root_exits_non_zero_as_a_command():
    proc = subprocess.run([sys.executable, "-m", "assets_defs.cli", "sql", "--root", "/nonexistent", "SELECT 1"],
                          capture_output=True, text=True, cwd=Path(__file__).resolve().parent.parent)
    assert proc.returncode == 2 and proc.stderr.splitlines() == [
        "flywheel: data root /nonexistent (--root) does not exist"]


@pytest.mark.parametrize("args, error", [
    (["--plans", "-1"], "--plans must be >= 1, got -1"),
    (["--round", "0"], "--round must be >= 1 (round 0 holds the public datasets), got 0"),
    (["--lanes", "0"], "--lanes must be >= 1"),
    (["--seed", "-3"], "--seed must be >= 0"),
    (["--plans", "many"], "argument --plans: invalid int value: 'many'"),
    (["--domains", "plane_geometry, nope"], "unknown domain(s) ['nope']"),
])
def test_run_refuses_bad_arguments_in_one_line(tmp_path, monkeypatch, capsys, args, error):
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster"))
    monkeypatch.setenv("FLYWHEEL_DATA_ROOT", str(tmp_path / "lake"))
    assert main(["run", *args]) == 2
    err = capsys.readouterr().err
    assert error in err and len(err.splitlines()) <= 3
    assert not (tmp_path / "lake").exists() and not (tmp_path / "dagster").exists()  # nothing ran


def test_run_with_debug_shows_the_traceback():
    from assets_defs.cli import UsageError

    with pytest.raises(UsageError, match="--plans must be >= 1"):
        main(["run", "--plans", "-1", "--debug"])


def test_domains_may_have_spaces_after_commas():
    from assets_defs.cli import _domains

    assert _domains(" plane_geometry, statistics_charts ,") == ["plane_geometry", "statistics_charts"]


def test_a_bad_taxonomy_is_one_line_naming_file_and_key(tmp_path, monkeypatch, capsys):
    import knowledge

    (tmp_path / "tax").mkdir()
    (tmp_path / "tax" / "broken.yaml").write_text("domain: {id: broken, name: B, description: d}\ntopics: []\n")
    real = knowledge.load_taxonomy
    monkeypatch.setattr(knowledge, "load_taxonomy", lambda: real(tmp_path / "tax"))
    monkeypatch.setenv("FLYWHEEL_DATA_ROOT", str(tmp_path / "lake"))
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster"))
    assert main(["run", "--plans", "1"]) == 2
    (line,) = capsys.readouterr().err.splitlines()
    assert line.startswith("flywheel: invalid taxonomy: broken.yaml: topics")


def _round_tables(renders: list[tuple[str, str]], accepted: dict[str, int]) -> duckdb.DuckDBPyConnection:
    """``renders`` (domain, status) and ``accepted`` samples per domain, as round 1's tables."""
    con = duckdb.connect()
    con.execute("CREATE TABLE renders (round INT, domain TEXT, status TEXT, error TEXT)")
    con.execute("CREATE TABLE samples (round INT, domain TEXT)")
    for domain, status in renders:
        con.execute("INSERT INTO renders VALUES (1, ?, ?, ?)", [domain, status, "" if status == "ok" else
                                                               "worker died\ntraceback"])
    for domain, n in accepted.items():
        con.execute("INSERT INTO samples SELECT 1, ? FROM range(?)", [domain, n])
    return con


def test_a_healthy_round_has_no_failures():
    con = _round_tables([("a", "ok")] * 4 + [("b", "ok"), ("b", "no_figure")], {"a": 3, "b": 1})
    assert round_health(con, 1, ["a", "b"]) == ([], [])


def test_a_round_that_accepted_nothing_fails():
    failures, partial = round_health(_round_tables([("a", "ok")], {}), 1, ["a"])
    assert failures == ["round 1 accepted no samples (1 renders)"]
    assert partial == ["a: 0 accepted, sandbox failed 0 of 1 renders"]


def test_a_round_whose_sandbox_crashed_on_most_renders_fails_and_names_the_domains():
    con = _round_tables([("a", "crash")] * 3 + [("a", "timeout"), ("b", "ok"), ("b", "ok"), ("c", "ok")],
                        {"a": 0, "b": 2, "c": 1})
    failures, partial = round_health(con, 1, ["a", "b", "c"])
    assert failures == ["the sandbox failed 4 of 7 renders of round 1 (e.g. worker died)"]
    assert partial == ["a: 0 accepted, sandbox failed 4 of 4 renders (e.g. worker died)"]
    assert round_health(con, 1, ["b", "c"]) == ([], [])  # only the domains of this run count


def test_a_failed_round_ends_the_run_non_zero_with_the_reason(tmp_path, monkeypatch, capsys):
    def one_round(rounds, domains, settings, after_round, say):
        return after_round(rounds[0], ["seccomp"])  # nothing was written: the round accepted nothing

    monkeypatch.setattr(runner, "run_rounds", one_round)
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))  # the sandbox folders looked at: none
    monkeypatch.setenv("FLYWHEEL_DATA_ROOT", str(tmp_path / "lake"))
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster"))
    monkeypatch.setenv("FLYWHEEL_SANDBOX_STRICT", "0")
    assert main(["run", "--plans", "1", "--domains", "plane_geometry"]) == 1
    out, err = capsys.readouterr()
    assert "sandbox: NOT STRICT (FLYWHEEL_SANDBOX_STRICT=0) — missing: seccomp" in out
    assert "plane_geometry: 0 accepted" in out
    assert err.splitlines() == ["flywheel run: round 1 accepted no samples (0 renders)"]


def test_sandbox_line_says_whether_isolation_is_strict(monkeypatch):
    monkeypatch.delenv("FLYWHEEL_SANDBOX_STRICT", raising=False)
    assert sandbox_line([], strict_default()) == "sandbox: strict"
    monkeypatch.setenv("FLYWHEEL_SANDBOX_STRICT", "0")
    assert sandbox_line(["seccomp", "landlock", "seccomp"], strict_default()) == (
        "sandbox: NOT STRICT (FLYWHEEL_SANDBOX_STRICT=0) — missing: landlock, seccomp")
    assert sandbox_line([], strict_default()).endswith("missing: none reported")


def test_runs_of_a_killed_process_are_marked_failed(tmp_path):
    import dagster as dg
    from dagster._core.storage.dagster_run import DagsterRun

    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone_token = runner._process_token(gone.pid)
    gone.wait()
    with dg.instance_for_test(temp_dir=str(tmp_path)) as instance:
        runs = {name: DagsterRun(job_name="flywheel", run_id=str(uuid.uuid4()), status=dg.DagsterRunStatus.STARTED,
                                 tags=tags)
                for name, tags in (("killed", {runner.PROCESS_TAG: gone_token}),
                                   ("live", {runner.PROCESS_TAG: runner._process_token(os.getpid())}),
                                   ("untagged", {}))}
        for run in runs.values():
            instance.add_run(run)
        assert runner.fail_stale_runs(instance) == [runs["killed"].run_id]
        status = {name: instance.get_run_by_id(run.run_id).status for name, run in runs.items()}
    assert status == {"killed": dg.DagsterRunStatus.FAILURE, "live": dg.DagsterRunStatus.STARTED,
                      "untagged": dg.DagsterRunStatus.STARTED}


def test_only_orphaned_sandbox_folders_are_removed(tmp_path, monkeypatch):
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))
    folders = {name: tmp_path / f"vthinker-sandbox-{name}" for name in ("orphan", "live", "young")}
    for folder in folders.values():
        (folder / "w0-1").mkdir(parents=True)
    old = time.time() - 3600
    for name in ("orphan", "live"):
        os.utime(folders[name], (old, old))
    worker = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)", f'{{"workdir": '
                               f'"{folders["live"]}/w0-1"}}'])
    try:
        assert runner.remove_orphan_sandbox_dirs() == [str(folders["orphan"])]
    finally:
        worker.kill()
        worker.wait()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["vthinker-sandbox-live", "vthinker-sandbox-young"]
