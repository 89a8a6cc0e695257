"""The lake under failure and maintenance, through the `flywheel` command as users run it: a
SIGKILL mid-round then a rerun converges to the tables of a clean run; a second writer with
other settings is refused while the first runs; a truncated file breaks only its own table and
`flywheel lake check/repair` name and remove it; compaction and migration keep every row."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from assets_defs.cli import main
from assets_defs.runner import LOCK_NAME
from warehouse.catalog import connect
from warehouse.storage import Lake

REPO = Path(__file__).resolve().parent.parent
DOMAIN = "statistics_charts"
# columns that measure time, not content: they differ between any two runs
TIMING = {"renders": "EXCLUDE (ms)", "drafts": "REPLACE (provenance.action AS provenance)"}
FLYWHEEL_TABLES = ["plans", "drafts", "renders", "verdicts", "repairs", "samples", "duplicates", "images",
                   "knowledge_nodes", "knowledge_edges", "perception_tasks", "element_annotations", "benchmark"]


def flywheel(root: Path, *args: str, **kw) -> subprocess.Popen:
    env = {**os.environ, "FLYWHEEL_DATA_ROOT": str(root / "lake"), "DAGSTER_HOME": str(root / "dagster")}
    return subprocess.Popen([sys.executable, "-m", "assets_defs.cli", *args], cwd=REPO, env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True, **kw)


def round_args(plans: int = 4, seed: int = 0) -> list[str]:
    return ["run", "--round", "1", "--plans", str(plans), "--seed", str(seed), "--domains", DOMAIN]


def finish(proc: subprocess.Popen, timeout: float = 600) -> tuple[int, str]:
    out, _ = proc.communicate(timeout=timeout)
    return proc.returncode, out


def snapshot(root: Path) -> dict[str, list]:
    con = connect(root / "lake", FLYWHEEL_TABLES)
    return {t: sorted(map(repr, con.execute(f"SELECT * {TIMING.get(t, '')} FROM {t}").fetchall()))
            for t in FLYWHEEL_TABLES}


@pytest.fixture(scope="module")
def clean_round(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("clean")
    code, out = finish(flywheel(root, *round_args()))
    assert code == 0, out
    return root


def test_sigkill_mid_round_then_rerun_converges_to_a_clean_run(clean_round, tmp_path):
    proc = flywheel(tmp_path, *round_args())
    deadline = time.time() + 300
    while not Lake(tmp_path / "lake").exists("renders"):  # killed once rendering has written
        assert proc.poll() is None and time.time() < deadline, proc.communicate()[0]
        time.sleep(0.2)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    assert not Lake(tmp_path / "lake").exists("samples")  # the round really was cut short
    code, out = finish(flywheel(tmp_path, *round_args()))
    assert code == 0, out
    assert snapshot(tmp_path) == snapshot(clean_round)


def test_a_second_writer_with_other_settings_is_refused_and_the_lake_is_the_first_runs(tmp_path):
    first = flywheel(tmp_path, *round_args(plans=4))
    lock = tmp_path / "lake" / LOCK_NAME
    deadline = time.time() + 120
    while not (lock.exists() and lock.read_text().strip()):
        assert first.poll() is None and time.time() < deadline, first.communicate()[0]
        time.sleep(0.1)
    code, out = finish(flywheel(tmp_path, *round_args(plans=2, seed=5)), timeout=120)
    assert code == 3, out
    assert "another flywheel run is writing" in out and f'"pid": {first.pid}' in out
    code, out = finish(first)
    assert code == 0, out
    con = connect(tmp_path / "lake", ["plans"])
    assert con.execute("SELECT count(*) FROM plans").fetchone()[0] == 4  # the first run's --plans 4


def _plan(i: int, round: int, domain: str) -> dict:
    return {"plan_id": f"r{round}.{domain}.{i}", "node_ids": ["a.b.c"], "creator": "procedural:x", "seed": i,
            "target_difficulty": 1, "evolved_node_id": None, "round": round, "domain": domain}


def _small_lake(root: Path) -> Lake:
    lake = Lake(root)
    for d in ("d1", "d2"):
        lake.write("plans", [_plan(i, 1, d) for i in range(3)], round=1, domain=d, producer="plan")
        lake.write("knowledge_edges", [{"src": "a", "dst": "b", "kind": "prerequisite", "weight": 1.0,
                                        "evidence": [], "round": 1, "domain": d}], round=1, domain=d, producer="seed")
    return lake


def test_a_truncated_file_breaks_only_its_table_and_repair_names_and_removes_it(tmp_path, capsys):
    lake = _small_lake(tmp_path)
    before = set(lake.files("plans"))
    lake.write("plans", [_plan(9, 2, "d3")], round=2, domain="d3", producer="plan")
    (victim,) = set(lake.files("plans")) - before
    with open(victim, "r+b") as f:
        f.truncate(100)
    root = ["--root", str(tmp_path)]
    assert main(["sql", "SELECT count(*) AS n FROM knowledge_edges", *root, "--format", "csv"]) == 0
    assert capsys.readouterr().out.splitlines() == ["n", "2"]
    assert main(["sql", "SELECT count(*) FROM plans", *root]) == 1
    err = capsys.readouterr().err
    assert "flywheel lake check" in err
    assert main(["lake", "check", *root]) == 1
    out = capsys.readouterr().out
    assert f"plans: unreadable file {victim}" in out and "held round=2 domain=d3 producer=plan" in out
    assert main(["lake", "repair", *root]) == 0
    assert (tmp_path / "quarantine" / "plans" / Path(victim).name).exists()
    assert sorted(Lake(tmp_path).read("plans")["plan_id"].to_pylist()) == sorted(
        f"r1.{d}.{i}" for d in ("d1", "d2") for i in range(3))
    assert main(["lake", "check", *root]) == 0


def test_compact_command_bounds_files_and_keeps_rows(tmp_path, capsys):
    lake = _small_lake(tmp_path)
    rows = sorted(lake.read("plans")["plan_id"].to_pylist())
    assert main(["lake", "compact", "--root", str(tmp_path), "--vacuum-hours", "0"]) == 0
    assert "plans: 2 -> 1 files" in capsys.readouterr().out
    assert len(lake.files("plans")) == 1 and sorted(lake.read("plans")["plan_id"].to_pylist()) == rows
    assert len(list((tmp_path / "tables" / "plans").glob("*.parquet"))) == 1  # vacuumed


def test_a_lake_of_the_earlier_layout_is_refused_with_the_command_that_migrates_it(tmp_path, capsys):
    import pyarrow as pa

    from warehouse.schemas import schema

    legacy = tmp_path / "tables" / "plans" / "round=1" / "domain=d1"
    legacy.mkdir(parents=True)
    pq.write_table(pa.Table.from_pylist([_plan(0, 1, "d1"), _plan(1, 1, "d1")], schema=schema("plans")),
                   legacy / "plan.parquet")
    with pytest.raises(Exception, match="flywheel lake migrate"):
        Lake(tmp_path).read("plans")
    assert main(["lake", "migrate", "--root", str(tmp_path)]) == 0
    assert "plans: 2 rows moved" in capsys.readouterr().out
    lake = Lake(tmp_path)
    assert lake.read("plans", 1, "d1", producer="plan")["plan_id"].to_pylist() == ["r1.d1.0", "r1.d1.1"]
    assert json.loads(json.dumps(sorted(p.name for p in (tmp_path / "tables").iterdir()))) == ["plans"]


def test_a_table_whose_first_file_cannot_be_bound_still_raises_on_every_query(tmp_path, capsys):
    lake = _small_lake(tmp_path)
    with open(sorted(lake.files("plans"))[0].removeprefix("file://"), "r+b") as f:
        f.truncate(100)  # DuckDB reads the first file's schema when the view is created
    con = connect(tmp_path)
    for query in ("SELECT count(*) FROM plans", "SELECT plan_id FROM plans"):
        with pytest.raises(Exception, match="table plans cannot be read.*flywheel lake check"):
            con.execute(query).fetchall()
    assert con.execute("SELECT count(*) FROM knowledge_edges").fetchone() == (2,)


def test_a_lake_written_before_the_contract_gained_a_column_reads_and_writes_on(tmp_path, monkeypatch):
    """Rounds written under an older contract stay in the lake: the next write adds the column to
    the Delta schema, old rows read it as null through SQL and through partition reads."""
    import warehouse.catalog as catalog
    import warehouse.storage as storage
    from warehouse.schemas import schema

    full = schema("duplicates")
    older = full.remove(full.get_field_index("hamming"))
    row = {"sample_id": "r1.d.0002", "cluster_id": "r1.d.0001", "kind": "exact", "kept_id": "r1.d.0001",
           "similarity": 1.0, "text_jaccard": 1.0}
    lake = Lake(tmp_path)
    for module in (storage, catalog):  # the contract as it was before `hamming` existed
        monkeypatch.setattr(module, "schema", lambda t: older if t == "duplicates" else schema(t))
    lake.write("duplicates", [{**row, "round": 1, "domain": "d"}], round=1, domain="d", producer="dedup")
    assert connect(tmp_path, ["duplicates"]).execute("SELECT count(*) FROM duplicates").fetchone() == (1,)
    monkeypatch.undo()

    # before any new write, the column no file holds reads as a typed null
    con = connect(tmp_path, ["duplicates"])
    assert con.execute("SELECT sample_id, hamming FROM duplicates").fetchall() == [("r1.d.0002", None)]
    Lake(tmp_path).write("duplicates", [{**row, "sample_id": "r2.d.0002", "hamming": 3, "round": 2, "domain": "d"}],
                         round=2, domain="d", producer="dedup")
    con = connect(tmp_path, ["duplicates"])
    assert con.execute("SELECT sample_id, hamming FROM duplicates ORDER BY 1").fetchall() == [
        ("r1.d.0002", None), ("r2.d.0002", 3)]
    assert [r["hamming"] for r in Lake(tmp_path).rows("duplicates", round=1, domain="d")] == [None]
