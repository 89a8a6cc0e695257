"""End to end: a small round materialised through the real Dagster job on an ephemeral instance,
asserted on the Parquet tables through DuckDB."""

from __future__ import annotations

import base64
import re
import subprocess
import sys
from pathlib import Path

import dagster as dg
import pytest

from assets_defs.definitions import defs
from assets_defs.flywheel import samples
from assets_defs.partitions import DOMAINS, partition_key
from assets_defs.resources import RESOURCES
from warehouse.catalog import connect
from warehouse.storage import Lake

REPO = Path(__file__).resolve().parent.parent
STAGES = ["knowledge_nodes", "knowledge_edges", "plans", "drafts", "renders", "verdicts", "repairs",
          "expansions", "samples", "knowledge_evolution"]
# two domains keep the test fast; every family has its own property tests (test_families.py)
TEST_DOMAINS = ["plane_geometry", "statistics_charts"]
PLANS = 6
ROUND2_PLANS = 12  # enough to reach past round 1's uncovered seed points to the evolved nodes


def _config(plans: int) -> dict:
    return {"ops": {"plans": {"config": {"plans_per_domain": plans, "seed": 7}},
                    "expansions": {"config": {"fraction": 1.0, "max_depth": 2, "seed": 7}}}}


def run(instance, domain: str, round: int = 1, plans: int = PLANS):
    return defs.resolve_job_def("flywheel").execute_in_process(
        instance=instance, partition_key=partition_key(round, domain), run_config=_config(plans),
        raise_on_error=False)


@pytest.fixture(scope="module")
def lake_root(tmp_path_factory):
    return tmp_path_factory.mktemp("lake")


@pytest.fixture(scope="module")
def instance():
    with dg.instance_for_test() as inst:
        inst.add_dynamic_partitions("round", ["1", "2", "3"])
        yield inst


@pytest.fixture(scope="module")
def first_round(lake_root, instance):
    mp = pytest.MonkeyPatch()
    mp.setenv("FLYWHEEL_DATA_ROOT", str(lake_root))
    results = {d: run(instance, d) for d in TEST_DOMAINS}
    yield results
    mp.undo()


@pytest.fixture(scope="module")
def second_round(first_round, lake_root, instance):
    """Round 2 of the same domains: plans draw on the nodes round 1 evolved."""
    mp = pytest.MonkeyPatch()
    mp.setenv("FLYWHEEL_DATA_ROOT", str(lake_root))
    results = {d: run(instance, d, round=2, plans=ROUND2_PLANS) for d in TEST_DOMAINS}
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
        # declared per partition: the UI shows which round x domain each result checked
        assert {e.partition for e in evaluations} == {partition_key(1, domain)}


def test_every_domain_has_accepted_samples(first_round, lake_root):
    con = connect(lake_root)
    counts = dict(con.execute("SELECT domain, count(*) FROM samples GROUP BY 1").fetchall())
    assert set(counts) == set(TEST_DOMAINS) and set(TEST_DOMAINS) <= set(DOMAINS.get_partition_keys())
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
    domain = TEST_DOMAINS[0]
    before = connect(lake_root).execute(
        "SELECT sample_id, question, answer, image_id FROM samples WHERE domain = ? ORDER BY 1", [domain]).fetchall()
    assert run(instance, domain).success
    after = connect(lake_root).execute(
        "SELECT sample_id, question, answer, image_id FROM samples WHERE domain = ? ORDER BY 1", [domain]).fetchall()
    assert after == before


def test_second_round_succeeds_on_the_evolved_graph(second_round):
    for domain, result in second_round.items():
        assert result.success, domain
        assert all(e.passed for e in result.get_asset_check_evaluations()), domain


def test_round_one_evolves_nodes_with_evidence_that_exists(second_round, lake_root):
    con = connect(lake_root)
    q = lambda sql: con.execute(sql).fetchall()  # noqa: E731
    assert q("SELECT count(*) FROM knowledge_nodes WHERE source = 'evolved' AND round = 1")[0][0] > 0
    # every evidence id of every evolved node and edge is an accepted sample of that round and domain
    assert q("""SELECT count(*) FROM (SELECT round, domain, unnest(evidence) AS sample_id FROM knowledge_nodes
                                      WHERE source = 'evolved') ANTI JOIN samples USING (round, domain, sample_id)
             """) == [(0,)]
    assert q("""SELECT count(*) FROM (SELECT round, domain, unnest(evidence) AS sample_id FROM knowledge_edges
                                      WHERE kind <> 'prerequisite') ANTI JOIN samples USING (round, domain, sample_id)
             """) == [(0,)]
    assert q("SELECT count(*) FROM knowledge_nodes WHERE source = 'evolved' AND weight <> len(evidence)") == [(0,)]
    # components are seed points of the node's domain; node ids are unique over rounds
    assert q("""SELECT count(*) FROM (SELECT node_id, domain, unnest(components) AS c FROM knowledge_nodes
                                      WHERE source = 'evolved') e
                LEFT JOIN knowledge_nodes s ON s.node_id = e.c AND s.source = 'seed' AND s.domain = e.domain
                WHERE s.node_id IS NULL""") == [(0,)]
    assert q("SELECT count(*) - count(DISTINCT node_id) FROM knowledge_nodes") == [(0,)]
    kinds = {k for (k,) in q("SELECT DISTINCT kind FROM knowledge_edges WHERE round = 1")}
    assert {"prerequisite", "cooccurs", "composes"} <= kinds


def test_round_two_samples_evolved_nodes(second_round, lake_root):
    con = connect(lake_root)
    rows = con.execute("""SELECT p.plan_id, p.node_ids, p.creator, n.components, n.family, n.round
                          FROM plans p JOIN knowledge_nodes n ON n.node_id = p.evolved_node_id
                          WHERE p.round = 2""").fetchall()
    assert rows, "round 2 drew no evolved node"
    for plan_id, node_ids, creator, components, family, node_round in rows:
        assert sorted(node_ids) == sorted(components) and node_round < 2, plan_id
        assert family is None or creator == f"procedural:{family}", plan_id
    assert con.execute("SELECT count(*) FROM plans WHERE round = 1 AND evolved_node_id IS NOT NULL"
                       ).fetchall() == [(0,)]
    # round 2's drafts of those plans exist (the families accepted the composite's points)
    assert con.execute("""SELECT count(*) FROM plans p ANTI JOIN drafts d USING (plan_id)
                          WHERE p.round = 2""").fetchall() == [(0,)]


def test_planted_duplicates_are_caught_by_the_samples_asset(second_round, lake_root, instance, monkeypatch):
    """Round 2 partition: an exact copy of a round-1 sample (same question, same image) and a
    near copy (one word changed) are planted as passing drafts; curation must drop both."""
    monkeypatch.setenv("FLYWHEEL_DATA_ROOT", str(lake_root))
    domain, lake = TEST_DOMAINS[0], Lake(lake_root)
    source = min(lake.rows("samples", 1, domain), key=lambda s: s["sample_id"])
    drafts = {(d["sample_id"], d["attempt"]): d for d in lake.rows("drafts", 1, domain)}
    renders = {(r["sample_id"], r["attempt"]): r for r in lake.rows("renders", 1, domain)}
    verdicts = [v for v in lake.rows("verdicts", 1, domain)
                if (v["sample_id"], v["attempt"]) == (source["sample_id"], source["attempt"])]
    words = source["question"].split()
    swap = next(i for i, w in enumerate(words) if w.isalpha() and w.islower() and len(w) > 3)
    near_q = " ".join(words[:swap] + ["shown" if words[swap] != "shown" else "given"] + words[swap + 1:])
    plants = {"r2.planted.exact": source["question"], "r2.planted.near": near_q}
    key = (source["sample_id"], source["attempt"])
    lake.write("drafts", [{**drafts[key], "sample_id": sid, "attempt": 0, "parent_id": None, "expansion": "none",
                           "question": q, "round": 2} for sid, q in plants.items()],
               round=2, domain=domain, producer="planted")
    lake.write("renders", [{**renders[key], "sample_id": sid, "attempt": 0, "round": 2} for sid in plants],
               round=2, domain=domain, producer="planted")
    lake.write("verdicts", [{**v, "sample_id": sid, "attempt": 0, "round": 2} for sid in plants for v in verdicts],
               round=2, domain=domain, producer="planted")
    result = dg.materialize([samples], partition_key=partition_key(2, domain), instance=instance,
                            resources={"lake": RESOURCES["lake"]})
    assert result.success
    con = connect(lake_root)
    dups = {r[0]: r[1:] for r in con.execute(
        "SELECT sample_id, kind, kept_id, similarity, hamming FROM duplicates WHERE round = 2").fetchall()}
    assert dups["r2.planted.exact"] == ("exact", source["sample_id"], 1.0, 0)
    kind, kept, similarity, hamming = dups["r2.planted.near"]
    assert (kind, kept, hamming) == ("near_text", source["sample_id"], 0) and 0.8 <= similarity < 1.0
    assert con.execute("SELECT count(*) FROM samples WHERE sample_id LIKE 'r2.planted%'").fetchall() == [(0,)]
    meta = result.asset_materializations_for_node("samples")[0].metadata
    assert meta["duplicates"].value == len(dups)
    assert meta["duplicates_by_kind"].value.get("exact", 0) >= 1


def test_coverage_report_embeds_plots_consistent_with_sql(second_round, lake_root, instance, monkeypatch):
    monkeypatch.setenv("FLYWHEEL_DATA_ROOT", str(lake_root))
    result = defs.resolve_job_def("coverage").execute_in_process(instance=instance, partition_key="2")
    assert result.success
    meta = result.asset_materializations_for_node("coverage_report")[0].metadata
    pngs = re.findall(r"data:image/png;base64,([A-Za-z0-9+/=]+)", meta["plots"].value)
    assert len(pngs) >= 6 and all(base64.b64decode(p).startswith(b"\x89PNG\r\n\x1a\n") for p in pngs)
    con = connect(lake_root)
    one = lambda sql: con.execute(sql).fetchall()[0][0]  # noqa: E731
    assert meta["samples"].value == one("SELECT count(*) FROM samples")
    assert meta["domains_with_samples"].value == one("SELECT count(DISTINCT domain) FROM samples") == len(
        TEST_DOMAINS)
    assert meta["knowledge_points"].value == one("SELECT count(*) FROM knowledge_nodes WHERE level = 2")
    assert meta["evolved_nodes"].value == one("SELECT count(*) FROM knowledge_nodes WHERE source = 'evolved'") > 0
    assert meta["duplicates"].value == one("SELECT count(*) FROM duplicates")
    growth = meta["graph_growth"].value
    assert [g["round"] for g in growth] == [1, 2] and growth[1]["evolved_nodes"] >= growth[0]["evolved_nodes"] > 0
    assert meta["samples_per_domain"].value == dict(con.execute(
        "SELECT domain, count(*) FROM samples GROUP BY 1").fetchall())


def test_a_failing_gate_stops_everything_downstream(first_round, lake_root, instance, monkeypatch):
    monkeypatch.setenv("FLYWHEEL_DATA_ROOT", str(lake_root))
    domain = TEST_DOMAINS[-1]
    lake = Lake(lake_root)
    rogue = lake.read("drafts", 3, domain)  # nothing yet in round 3
    assert rogue.num_rows == 0
    result = run(instance, domain, round=3)
    assert result.success
    # a stray producer file duplicates a draft id: the drafts gate must fail and block renders
    copy = lake.read("drafts", 3, domain).slice(0, 1)
    lake.write("drafts", copy, round=3, domain=domain, producer="stray")
    samples_before = lake.read("samples", 3, domain).num_rows
    result = run(instance, domain, round=3)
    assert not result.success
    failed = [e for e in result.get_asset_check_evaluations() if not e.passed]
    assert [e.check_name for e in failed] == ["unique_draft_ids"]
    materialized = {e.asset_key.to_user_string() for e in result.get_asset_materialization_events()}
    assert "renders" not in materialized and "samples" not in materialized
    assert lake.read("samples", 3, domain).num_rows == samples_before  # nothing written was lost


def test_sql_console_prints_samples_per_domain(first_round, lake_root):
    out = subprocess.run([sys.executable, "-m", "assets_defs.cli", "sql",
                          "SELECT domain, count(*) AS n FROM samples GROUP BY 1 ORDER BY 1", "--format", "csv",
                          "--root", str(lake_root)], capture_output=True, text=True, cwd=REPO, check=True).stdout
    lines = out.strip().splitlines()
    assert lines[0] == "domain,n"
    assert [line.split(",")[0] for line in lines[1:]] == sorted(TEST_DOMAINS)
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


def test_run_command_rejects_bad_arguments_before_running(tmp_path, monkeypatch, capsys):
    from assets_defs.cli import main

    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path))
    monkeypatch.setenv("FLYWHEEL_DATA_ROOT", str(tmp_path / "lake"))
    assert main(["run", "--rounds", "0"]) == 2
    assert "--rounds must be >= 1" in capsys.readouterr().err
    assert main(["run", "--domains", "plane_geometry,nope"]) == 2
    assert "nope" in capsys.readouterr().err
    assert not (tmp_path / "lake").exists()  # nothing ran
