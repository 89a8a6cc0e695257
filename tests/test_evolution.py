"""Knowledge evolution rules (knowledge.evolve, the sampler on an evolved graph). Two real rounds
through Dagster (evolved nodes with evidence, round 2 sampling them) are in test_flywheel.py."""

from __future__ import annotations

import pytest

from knowledge import KnowledgeGraph, Node, sample_picks
from knowledge.evolve import accepted_counts, composite_id, composites, evolve, extend_graph


def _graph() -> KnowledgeGraph:
    nodes = [Node("d", "d", "D", "dom", 0, None), Node("d.t", "d", "T", "topic", 1, "d"),
             Node("d.u", "d", "U", "topic", 1, "d")]
    nodes += [Node(f"d.t.p{i}", "d", f"P{i}", "pt", 2, "d.t") for i in range(4)]
    nodes += [Node("d.u.q", "d", "Q", "pt", 2, "d.u")]
    return KnowledgeGraph({n.node_id: n for n in nodes})


def _s(sid, ids, expansion="none", family="f", variant="base"):
    return {"sample_id": sid, "node_ids": ids, "expansion": expansion, "family": family, "variant": variant}


SAMPLES = [
    _s("r1.d.0000", ["d.t.p1", "d.t.p0"]),
    _s("r1.d.0000.p", ["d.t.p0", "d.t.p1"], "parallel", "f", "par_x"),
    _s("r1.d.0001", ["d.t.p2"]),
    _s("r1.d.0001.s", ["d.t.p2"], "sequential", "f", "seq_y"),
    _s("r1.d.0002", ["d.t.p0", "d.t.p1", "d.u.q"]),
]


def test_cooccurrence_and_composition_nodes_with_provenance():
    g = _graph()
    nodes, edges = evolve(g, SAMPLES, round=1, domain="d")
    by_comp = {(tuple(n["components"]), n["variant"]): n for n in nodes}
    pair = by_comp[(("d.t.p0", "d.t.p1"), None)]
    assert pair["evidence"] == ["r1.d.0000", "r1.d.0000.p"] and pair["weight"] == 2.0
    assert pair["level"] == 2 and pair["source"] == "evolved" and pair["parent_id"] == "d.t" and pair["round"] == 1
    assert pair["name"] == "P0 + P1" and "2 accepted sample" in pair["description"]
    assert pair["node_id"] == composite_id(g, ["d.t.p1", "d.t.p0"]) and pair["node_id"].startswith("d.t.ev_")
    triple = by_comp[(("d.t.p0", "d.t.p1", "d.u.q"), None)]
    assert triple["evidence"] == ["r1.d.0002"]
    seq = by_comp[(("d.t.p2",), "seq_y")]
    assert seq["family"] == "f" and seq["evidence"] == ["r1.d.0001.s"] and "seq_y" in seq["name"]
    assert (("d.t.p0", "d.t.p1"), "par_x") in by_comp  # the parallel child is a composition too
    assert len(nodes) == 4
    cooc = {(e["src"], e["dst"]): e for e in edges if e["kind"] == "cooccurs"}
    assert cooc[("d.t.p0", "d.t.p1")]["weight"] == 3.0  # two samples of the pair and the triple
    assert cooc[("d.t.p0", "d.t.p1")]["evidence"] == ["r1.d.0000", "r1.d.0000.p", "r1.d.0002"]
    assert set(cooc) == {("d.t.p0", "d.t.p1"), ("d.t.p0", "d.u.q"), ("d.t.p1", "d.u.q")}
    composes = [e for e in edges if e["kind"] == "composes"]
    assert {(e["src"], e["dst"]) for e in composes if e["dst"] == triple["node_id"]} == {
        (c, triple["node_id"]) for c in triple["components"]}
    assert all(e["round"] == 1 and e["domain"] == "d" for e in edges)


def test_evolution_is_deterministic_and_proposes_a_node_once():
    g = _graph()
    nodes, edges = evolve(g, SAMPLES, 1, "d")
    assert (nodes, edges) == evolve(g, list(reversed(SAMPLES)), 1, "d")
    grown = extend_graph(g, nodes, edges)
    again_nodes, again_edges = evolve(grown, [{**s, "sample_id": s["sample_id"].replace("r1", "r2")} for s in SAMPLES],
                                      2, "d")
    assert again_nodes == []  # same evidence, same ids: already in the graph
    assert len(again_edges) == len(edges) and all(e["round"] == 2 for e in again_edges)


def test_evolve_rejects_unknown_points():
    with pytest.raises(ValueError, match=r"r1.d.9.*d.t.ghost"):
        evolve(_graph(), [_s("r1.d.9", ["d.t.ghost", "d.t.p0"])], 1, "d")


def test_sampler_draws_composites_and_favours_under_covered_nodes():
    g = _graph()
    nodes, edges = evolve(g, SAMPLES, 1, "d")
    grown, comps = extend_graph(g, nodes, edges), composites(nodes)
    families = {"f": ["d.t.p0", "d.t.p1", "d.t.p2"], "h": ["d.u.q"]}
    prior = accepted_counts([p.node_id for p in g.points("d")], comps, SAMPLES)
    assert prior["d.t.p0"] == 3 and prior["d.t.p3"] == 0
    assert prior[composite_id(g, ["d.t.p0", "d.t.p1"])] == 3  # the pair, its child, the triple
    assert prior[composite_id(g, ["d.t.p2"], "f", "seq_y")] == 1  # only the seq_y child realises it
    picks = sample_picks(grown, "d", families, n=12, seed=1, composites=comps, prior=prior)
    realised = [p for p in picks if p.evolved_node_id]
    assert realised, picks
    for p in realised:
        c = comps[p.evolved_node_id]
        assert p.node_ids == c.components and set(c.components) <= set(families[p.family])
        assert c.family in (None, p.family)
    # the triple spans two families' points: no single family covers it, so it is never drawn
    triple = composite_id(g, ["d.t.p0", "d.t.p1", "d.u.q"])
    assert all(p.evolved_node_id != triple for p in picks)
    # under-covered first: the first picks go to nodes with the fewest accepted samples
    first = picks[0].evolved_node_id or picks[0].node_ids[0]
    assert prior.get(first, 0) == min(prior[i] for i in [*families["f"], *families["h"],
                                                          *(c for c in comps if c != triple)])
    # without composites and priors the sampler is the seed-graph sampler
    assert sample_picks(g, "d", families, 12, 1) == sample_picks(grown, "d", families, 12, 1)


def test_planning_counts_history_from_grouped_reads(tmp_path):
    """knowledge_state reads earlier rounds' samples as (node set, family, variant) counts; the
    sampler's coverage counts are the same as from every row."""
    from pipelines.plan import knowledge_state
    from warehouse.storage import Lake

    g = _graph()
    nodes, edges = evolve(g, SAMPLES, 1, "d")
    comps = composites(nodes)
    points = [p.node_id for p in g.points("d")]
    lake = Lake(tmp_path)
    fill = {"attempt": 0, "plan_id": "p", "parent_id": None, "creator": "procedural:f", "difficulty": 1,
            "question": "q", "answer": "1", "answer_type": "number", "choices": [], "solution": "", "image_id": "i",
            "width": 1, "height": 1, "interactions": [], "points_px": [], "render_code": "", "renderer": "matplotlib",
            "needs_figure": True, "domain": "d"}
    history = SAMPLES + [{**s, "sample_id": s["sample_id"] + ".again", "node_ids": s["node_ids"][::-1]} for s in SAMPLES]
    for rnd in (1, 2):
        lake.write("samples", [fill | s | {"round": rnd, "sample_id": f"{s['sample_id']}.{rnd}"} for s in history],
                   round=rnd, domain="d", producer="curate")
    lake.write("knowledge_nodes", nodes, round=1, domain="d", producer="evolve")
    lake.write("knowledge_edges", edges, round=1, domain="d", producer="evolve")
    state = knowledge_state(lake, "d", 2)
    assert len(state.samples) < len(history) and sum(s["count"] for s in state.samples) == len(history)
    assert accepted_counts(points, comps, state.samples) == accepted_counts(points, comps, history)
    assert {n["node_id"] for n in state.nodes} == {n["node_id"] for n in nodes}
    assert len(state.edges) == len(edges)
    later = knowledge_state(lake, "d", 3)  # both rounds
    assert accepted_counts(points, comps, later.samples) == accepted_counts(points, comps, history + history)
