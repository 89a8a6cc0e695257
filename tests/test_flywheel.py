"""End to end: a small round materialised through the real Dagster job on an ephemeral instance,
asserted on the Parquet tables through DuckDB."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import dagster as dg
import pytest

from assets_defs.definitions import defs
from assets_defs.partitions import DOMAINS, partition_key
from warehouse.catalog import connect
from warehouse.storage import Lake

REPO = Path(__file__).resolve().parent.parent
STAGES = ["knowledge_nodes", "knowledge_edges", "plans", "drafts", "renders", "verdicts", "repairs",
          "expansions", "samples"]
PLANS = 6
CONFIG = {"ops": {"plans": {"config": {"plans_per_domain": PLANS, "seed": 7}},
                  "expansions": {"config": {"fraction": 1.0, "max_depth": 2, "seed": 7}}}}


def run(instance, domain: str, round: int = 1):
    return defs.resolve_job_def("flywheel").execute_in_process(
        instance=instance, partition_key=partition_key(round, domain), run_config=CONFIG, raise_on_error=False)


@pytest.fixture(scope="module")
def lake_root(tmp_path_factory):
    return tmp_path_factory.mktemp("lake")


@pytest.fixture(scope="module")
def instance():
    with dg.instance_for_test() as inst:
        inst.add_dynamic_partitions("round", ["1", "2"])
        yield inst


@pytest.fixture(scope="module")
def first_round(lake_root, instance):
    mp = pytest.MonkeyPatch()
    mp.setenv("FLYWHEEL_DATA_ROOT", str(lake_root))
    results = {d: run(instance, d) for d in DOMAINS.get_partition_keys()}
    yield results
    mp.undo()


def test_definitions_show_every_stage():
    keys = {k.to_user_string() for k in defs.resolve_asset_graph().get_all_asset_keys()}
    assert set(STAGES) <= keys
    assert defs.resolve_job_def("flywheel").partitions_def is not None


def test_every_domain_partition_succeeds_and_its_gates_pass(first_round):
    for domain, result in first_round.items():
        assert result.success, domain
        evaluations = result.get_asset_check_evaluations()
        assert evaluations and all(e.passed for e in evaluations), [
            (e.check_name, e.metadata) for e in evaluations if not e.passed]


def test_every_domain_has_accepted_samples(first_round, lake_root):
    con = connect(lake_root)
    counts = dict(con.execute("SELECT domain, count(*) FROM samples GROUP BY 1").fetchall())
    assert set(counts) == set(DOMAINS.get_partition_keys())
    assert all(n >= PLANS // 2 for n in counts.values()), counts


def test_tables_join_across_stages(first_round, lake_root):
    con = connect(lake_root)
    q = lambda sql: con.execute(sql).fetchall()  # noqa: E731
    # every plan became a draft, every draft attempt has a render and four verdicts
    assert q("SELECT count(*) FROM plans p ANTI JOIN drafts d ON d.plan_id = p.plan_id") == [(0,)]
    assert q("SELECT count(*) FROM drafts ANTI JOIN renders USING (sample_id, attempt)") == [(0,)]
    assert q("""SELECT count(*) FROM (SELECT sample_id, attempt, count(DISTINCT dimension) n
                FROM verdicts GROUP BY ALL) WHERE n <> 4""") == [(0,)]
    # accepted samples passed every dimension on the attempt they were accepted at
    assert q("""SELECT count(*) FROM samples s JOIN verdicts v USING (sample_id, attempt)
                WHERE NOT v.passed""") == [(0,)]
    # images are stored once and are real PNGs of the recorded size
    assert q("SELECT count(*) - count(DISTINCT image_id) FROM images") == [(0,)]
    assert q("""SELECT count(*) FROM samples s JOIN images i USING (image_id)
                WHERE i.width <> s.width OR NOT starts_with(hex(i.png), '89504E470D0A1A0A')""") == [(0,)]
    # element pixel positions lie on the canvas
    assert q("""SELECT count(*) FROM (SELECT width, height, unnest(points_px) p FROM samples)
                WHERE p.x < 0 OR p.y < 0 OR p.x > width OR p.y > height""") == [(0,)]


def test_expansions_are_harder_children_of_accepted_samples(first_round, lake_root):
    con = connect(lake_root)
    rows = con.execute("""SELECT c.expansion, c.difficulty - p.difficulty, p.sample_id IS NOT NULL
                          FROM drafts c LEFT JOIN samples p ON c.parent_id = p.sample_id
                          WHERE c.expansion <> 'none'""").fetchall()
    assert {r[0] for r in rows} == {"parallel", "sequential"}
    assert all(r[1] == 1 and r[2] for r in rows)
    assert con.execute("SELECT count(*) FROM samples WHERE expansion <> 'none'").fetchall()[0][0] > 0


def test_rerun_is_idempotent_and_reproducible(first_round, lake_root, instance, monkeypatch):
    monkeypatch.setenv("FLYWHEEL_DATA_ROOT", str(lake_root))
    domain = DOMAINS.get_partition_keys()[0]
    before = connect(lake_root).execute(
        "SELECT sample_id, question, answer, image_id FROM samples WHERE domain = ? ORDER BY 1", [domain]).fetchall()
    assert run(instance, domain).success
    after = connect(lake_root).execute(
        "SELECT sample_id, question, answer, image_id FROM samples WHERE domain = ? ORDER BY 1", [domain]).fetchall()
    assert after == before


def test_a_failing_gate_stops_everything_downstream(first_round, lake_root, instance, monkeypatch):
    monkeypatch.setenv("FLYWHEEL_DATA_ROOT", str(lake_root))
    domain = DOMAINS.get_partition_keys()[-1]
    lake = Lake(lake_root)
    rogue = lake.read("drafts", 2, domain)  # nothing yet in round 2
    assert rogue.num_rows == 0
    result = run(instance, domain, round=2)
    assert result.success
    # a stray producer file duplicates a draft id: the drafts gate must fail and block renders
    copy = lake.read("drafts", 2, domain).slice(0, 1)
    lake.write("drafts", copy, round=2, domain=domain, producer="stray")
    samples_before = lake.read("samples", 2, domain).num_rows
    result = run(instance, domain, round=2)
    assert not result.success
    failed = [e for e in result.get_asset_check_evaluations() if not e.passed]
    assert [e.check_name for e in failed] == ["unique_draft_ids"]
    materialized = {e.asset_key.to_user_string() for e in result.get_asset_materialization_events()}
    assert "renders" not in materialized and "samples" not in materialized
    assert lake.read("samples", 2, domain).num_rows == samples_before  # nothing written was lost


def test_sql_console_prints_samples_per_domain(first_round, lake_root):
    out = subprocess.run([sys.executable, "-m", "assets_defs.cli", "sql",
                          "SELECT domain, count(*) AS n FROM samples GROUP BY 1 ORDER BY 1", "--format", "csv",
                          "--root", str(lake_root)], capture_output=True, text=True, cwd=REPO, check=True).stdout
    lines = out.strip().splitlines()
    assert lines[0] == "domain,n"
    assert [line.split(",")[0] for line in lines[1:]] == sorted(DOMAINS.get_partition_keys())
    bad = subprocess.run([sys.executable, "-m", "assets_defs.cli", "sql", "SELECT * FROM nope",
                          "--root", str(lake_root)], capture_output=True, text=True, cwd=REPO)
    assert bad.returncode == 1 and "nope" in bad.stderr


def test_dagster_loads_the_code_location_from_the_repo_root_with_no_flags(tmp_path):
    """What `dagster dev` does on start: find the location through pyproject and load it."""
    env = {"DAGSTER_HOME": str(tmp_path), "PATH": str(Path(sys.executable).parent) + ":/usr/bin:/bin"}
    (tmp_path / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    proc = subprocess.run([str(Path(sys.executable).parent / "dagster"), "definitions", "validate"],
                          cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert "flywheel" in proc.stdout + proc.stderr
