"""Diversity: wording grammars and figure styles keep answers exact and figures checkable; the
``diversity`` table counts what the issue's table counts, by DuckDB over a real lake; sub-points
evolve from construction parameters and are realised only by drafts whose params match them."""

from __future__ import annotations

import json
import random

import dagster as dg
import pyarrow as pa
import pytest

from knowledge import load_taxonomy
from knowledge.evolve import accepted_counts, composites, evolve, extend_graph
from knowledge.subpoints import conditions, matches, refinements
from pipelines.check import check_all, check_text
from pipelines.create import create_drafts
from pipelines.creators import FAMILIES, style, variety, wording
from pipelines.records import Lineage, draft_to_row
from warehouse.catalog import connect
from warehouse.diversity import diversity, low_yield, templates_of
from warehouse.schemas import schema
from warehouse.storage import Lake

NAMED = ("number_pyramid", "magic_square", "parabola_symmetry", "resistor_network")


# ---------------------------------------------------------------------------------------------- wording


def test_grammar_picks_are_recorded_and_reproducible():
    g = wording.Grammar({"q": ["{a} is {n}.", "{b}, {n}."], "a": ["one", "two"], "b": ["three"]})
    text, tid = g.expand(random.Random(1), "q", n=5)
    assert (text, tid) == g.expand(random.Random(1), "q", n=5)
    assert tid.split(".")[0] in ("q0", "q1") and "5" in text and text[0].isupper()


def test_grammar_refuses_upper_case_words_and_unknown_slots():
    with pytest.raises(ValueError, match="upper-case"):
        wording.Grammar({"q": ["Ask I about it."]})
    assert wording.Grammar({"q": ["Find X."]}, labels=("X",)).expand(random.Random(0), "q")[0] == "Find X."
    with pytest.raises(KeyError, match="missing"):
        wording.Grammar({"q": ["{missing}"]}).expand(random.Random(0), "q")


@pytest.mark.parametrize("name", sorted(FAMILIES))
def test_framed_drafts_keep_the_answer_and_pass_the_text_rules(name):
    fam = FAMILIES[name]
    for seed in range(3):
        plain = fam.create(random.Random(seed), (), 2)
        varied = variety.create(fam, random.Random(seed), (), 2)
        assert (varied.answer, varied.elements, varied.params) == (plain.answer, plain.elements, plain.params)
        assert plain.question.strip() in varied.question and varied.template_id and varied.style
        assert check_text(varied) == [] and fam.rederive(varied) == varied.answer


def test_identical_problems_get_identical_wording_and_style():
    fam = FAMILIES["number_pyramid"]
    a, b = (variety.create(fam, random.Random(7), (), 1) for _ in range(2))
    assert (a.question, a.render_code, a.style) == (b.question, b.render_code, b.style)


def test_named_families_vary_wording_and_style():
    for name in NAMED:
        drafts = [variety.create(FAMILIES[name], random.Random(s), (), 1 + s % 3) for s in range(24)]
        assert len(set(templates_of([d.question for d in drafts]))) >= 18, name
        assert len({d.style for d in drafts}) >= 12, name


def test_styled_figures_render_and_pass_every_check():
    from pipelines.render import render_drafts
    from pipelines.sandbox import Sandbox

    rows = []
    for name in NAMED:
        for seed in range(2):
            d = variety.create(FAMILIES[name], random.Random(seed), (), 2)
            rows.append(draft_to_row(d.replace(seed=seed), Lineage(f"{name}.{seed}", f"{name}.{seed}", 1)))
    assert sum(style.parse(r["style"]).tag != style.Style().tag for r in rows) >= 4
    with Sandbox(workers=1) as sb:
        out = render_drafts(rows, sb)
    from pipelines.check import ImageCache

    failed = [v for v in check_all(rows, out.renders, ImageCache(out.images), FAMILIES) if not v["passed"]]
    assert failed == []


def test_style_tag_round_trips():
    s = style.Style("ivory", "navy", "serif", "bold", (("fills", "green"),))
    assert style.parse(s.tag) == s


# ---------------------------------------------------------------------------------------------- the table


def test_template_normalisation():
    assert templates_of(["Find AB when A = 3.5 and X = 12?", "Points A, B lie on circle O."]) == [
        "Find AB when L = # and L = #?", "Points L, L lie on circle L."]


def _default(t: pa.DataType):
    if pa.types.is_string(t):
        return ""
    if pa.types.is_binary(t):
        return b""
    if pa.types.is_list(t):
        return []
    if pa.types.is_struct(t):
        return {f.name: _default(f.type) for f in t}
    if pa.types.is_boolean(t):
        return False
    return 0


def _row(table: str, **values) -> dict:
    """A row of ``table`` with every contract field (other helpers add columns), then ``values``."""
    return {f.name: _default(f.type) for f in schema(table)} | values


def _lake(root, domain: str = "d") -> Lake:
    """Round 1: 4 samples of family f (2 share a template), 1 of g; round 2: 2 of f, one template new."""
    lake = Lake(root)
    qs = {1: [("f", "Find A when B = 3.", "1"), ("f", "Find C when D = 4.", "2"), ("f", "What is AB?", "1"),
              ("f", "How long is CD in cm?", "3"), ("g", "Count the dots.", "5")],
          2: [("f", "Find A when B = 9.", "4"), ("f", "Name the largest angle.", "4")]}
    for rnd, items in qs.items():
        samples, drafts, images = [], [], []
        for i, (fam, q, a) in enumerate(items):
            sid = f"r{rnd}.{i}"
            samples.append(_row("samples", sample_id=sid, family=fam, question=q, answer=a, node_ids=[f"d.t.p{i % 2}"],
                                image_id=f"img{rnd}{i % 3}", round=rnd, domain=domain))
            drafts.append(_row("drafts", sample_id=sid, family=fam, question=q, style=f"ink={i % 2}", round=rnd,
                               domain=domain, params="{}"))
            if i < 3:
                images.append(_row("images", image_id=f"img{rnd}{i}", phash=f"{i:016x}", round=rnd, domain=domain))
        lake.write("samples", samples, round=rnd, domain=domain, producer="curate")
        lake.write("drafts", drafts, round=rnd, domain=domain, producer="create")
        lake.write("images", images, round=rnd, domain=domain, producer="render")
    return lake


def test_diversity_rows_per_family_and_scope(tmp_path):
    lake = _lake(tmp_path)
    rows = {(r["family"], r["scope"]): r for r in diversity(connect(tmp_path), 2, "d").to_pylist()}
    assert set(rows) == {(f, s) for f in ("*", "f") for s in ("round", "cumulative")} | {("g", "cumulative")}
    r2, cum = rows[("f", "round")], rows[("*", "cumulative")]
    assert (r2["samples"], r2["templates"], r2["new_templates"], r2["template_yield"]) == (2, 2, 1, 50.0)
    assert (cum["samples"], cum["templates"], cum["question_texts"], cum["answers"]) == (7, 5, 7, 5)
    assert cum["nodes_with_samples"] == 2 and cum["styles"] == 2 and cum["image_clusters"] == 3
    assert r2["ngram_entropy"] > 0
    lake.write("diversity", diversity(connect(tmp_path), 2, "d"), round=2, domain="d", producer="diversity")
    got = connect(tmp_path).execute("SELECT sum(samples) FROM diversity WHERE family = '*' AND scope = 'round'")
    assert got.fetchone()[0] == 2


def test_low_yield_names_the_family_under_the_threshold():
    rows = [{"family": "f", "scope": "round", "samples": 40, "template_yield": 5.0},
            {"family": "g", "scope": "round", "samples": 40, "template_yield": 60.0},
            {"family": "h", "scope": "round", "samples": 3, "template_yield": 0.0},
            {"family": "*", "scope": "round", "samples": 83, "template_yield": 1.0}]
    assert [r["family"] for r in low_yield(rows, threshold=20)] == ["f"]


def test_diversity_asset_writes_the_table_and_warns_without_blocking(tmp_path):
    from assets_defs.diversity import diversity as asset
    from assets_defs.partitions import partition_key
    from assets_defs.resources import LakeResource

    _lake(tmp_path, "logic_puzzles")
    instance = dg.DagsterInstance.ephemeral()
    instance.add_dynamic_partitions("round", ["2"])
    result = dg.materialize([asset], partition_key=partition_key(2, "logic_puzzles"), instance=instance,
                            resources={"lake": LakeResource(root=str(tmp_path))},
                            run_config={"ops": {"diversity": {"config": {"min_template_yield": 60.0,
                                                                         "min_samples": 2}}}})
    [check] = result.get_asset_check_evaluations()
    assert result.success and not check.passed and check.severity == dg.AssetCheckSeverity.WARN
    assert check.partition == partition_key(2, "logic_puzzles")
    assert check.metadata["low"].value == [{"family": "f", "samples": 2, "template_yield": 50.0}]
    assert Lake(tmp_path).count("diversity", round=2, domain="logic_puzzles") == 5


# ---------------------------------------------------------------------------------------------- sub-points


def test_refinements_add_the_question_kind_first_then_one_parameter():
    params = {"ask": "area", "obtuse": True, "AB": 5, "BC": 17, "year": 2024, "hidden": [1, 2]}
    assert refinements(params, {}) == [{"ask": "area"}, {"ask": "area", "AB": 5}, {"ask": "area", "obtuse": True}]
    assert refinements(params, {"ask": "area"}) == [{"ask": "area", "AB": 5}, {"ask": "area", "obtuse": True}]
    assert matches(params, {"ask": "area", "obtuse": True}) and not matches(params, {"obtuse": 1})


def test_subpoints_evolve_and_only_matching_drafts_realise_them():
    graph = load_taxonomy()
    fam = FAMILIES["number_pyramid"]
    drafts = [variety.create(fam, random.Random(s), (), 2) for s in range(6)]
    samples = [{"sample_id": f"s{i}", "node_ids": list(d.node_ids), "expansion": "none", "family": fam.name,
                "variant": "base", "params": json.dumps(d.params)} for i, d in enumerate(drafts)]
    nodes, edges = evolve(graph, samples, 1, fam.domain)
    subs = [n for n in nodes if n["condition"]]
    asks = {d.params["ask"] for d in drafts}
    assert {json.loads(n["condition"])["ask"] for n in subs} == asks and all(n["components"] for n in subs)
    assert {json.dumps({"ask": a}) for a in asks} <= {n["condition"] for n in subs}
    assert all(set(n["components"]) <= set(fam.node_ids) and n["family"] == fam.name for n in subs)
    assert {e["dst"] for e in edges if e["kind"] == "composes"} >= {n["node_id"] for n in subs}
    # the next round plans a sub-point: the draft names it only if its params match the condition
    target = next(n for n in subs if len(json.loads(n["condition"])) == 1)
    conds = conditions(nodes)
    plan = {"plan_id": "p", "node_ids": target["components"], "creator": f"procedural:{fam.name}", "seed": 3,
            "target_difficulty": 2, "evolved_node_id": target["node_id"], "round": 2, "domain": fam.domain}
    row = create_drafts([plan], FAMILIES, conds)[0]
    assert target["node_id"] in row["node_ids"] and matches(json.loads(row["params"]), conds[target["node_id"]])
    # it counts for the sub-point; a sample with the same points but not naming it does not
    grown = extend_graph(graph, nodes, edges)
    comps = composites(nodes)
    counts = accepted_counts([p.node_id for p in grown.points(fam.domain) if p.node_id not in comps], comps,
                             [row, {**row, "node_ids": target["components"]}])
    assert counts[target["node_id"]] == 1
    # its samples propose only narrower cases of it that are not in the graph yet
    nxt, _ = evolve(grown, [row], 2, fam.domain, conds)
    cond = json.loads(target["condition"])
    assert not {n["node_id"] for n in nxt} & set(grown.nodes)
    assert all(json.loads(n["condition"]).items() > cond.items() for n in nxt if n["condition"])


def test_model_proposals_are_validated_before_they_join_the_graph():
    from pipelines.llm import ChatClient
    from pipelines.llm.proposer import propose_points
    from tests.chat_server import MODEL, FakeServer, Reply, ok_body

    graph, fam = load_taxonomy(), FAMILIES["triangle_altitude_area"]
    good = {"name": "Area when the altitude falls outside", "family": fam.name,
            "description": "Find the area of an obtuse triangle whose altitude meets the extended base.",
            "prerequisites": list(fam.node_ids[:1])}
    points = [good,
              {**good, "name": "Too short", "description": "area"},
              {**good, "name": "Unknown prerequisite", "prerequisites": ["plane_geometry.nope"]},
              {**good, "name": "Foreign family", "family": "magic_square"},
              {**good, "name": ""}]
    srv = FakeServer()
    try:
        srv.replies.append(Reply(body=ok_body(json.dumps({"points": points}))))
        with ChatClient(srv.url, MODEL, timeout_s=2.0, max_retries=1, concurrency=1) as client:
            samples = [{"sample_id": "s1", "family": fam.name, "question": "What is the area of triangle ABC?"}]
            out = propose_points(graph, samples, 1, fam.domain, FAMILIES, client)
    finally:
        srv.close()
    [node] = out.nodes
    assert node["name"] == good["name"] and node["condition"] == "{}" and node["components"] == good["prerequisites"]
    assert {e["src"] for e in out.edges} == set(good["prerequisites"])
    reasons = [r["reason"] for r in out.rejected]
    assert len(reasons) == 4 and any("description" in r for r in reasons) and any("nope" in r for r in reasons)
    assert any("magic_square" in r for r in reasons) and any("no name" in r for r in reasons)
    # realised like a sub-point: a plan on it gets a draft of its family that names it
    plan = {"plan_id": "p", "node_ids": node["components"], "creator": f"procedural:{fam.name}", "seed": 1,
            "target_difficulty": 1, "evolved_node_id": node["node_id"], "round": 2, "domain": fam.domain}
    assert node["node_id"] in create_drafts([plan], FAMILIES, conditions(out.nodes))[0]["node_ids"]


def test_the_frame_speaks_of_knowledge_by_its_taxonomy_names():
    """Context sentences name the point and its topic as the taxonomy does, never an id's words
    ("physics electricity optics"); an evolved sub-point reads as the topic it refines."""
    point = "physics_electricity_optics.circuits.series_resistance"
    assert wording.point_phrase(point) == "resistors in series"
    assert wording.subject_phrase(point, "physics_electricity_optics") == "resistor circuits"
    assert wording.point_phrase("physics_electricity_optics.circuits.ohms_law_current").startswith("Ohm's law")
    assert wording.point_phrase("transformations.rotations.sp_774d3f7f2b") == "rotations"
    # a name with an all-capital word would read as an element label: its topic speaks instead
    assert wording.point_phrase("function_graphs.quadratic.y_intercept_quadratic") == "quadratic functions"
