"""Coverage metrics (warehouse.coverage) on a lake built here with real Parquet files and the
shipped taxonomy: SQL counts agree with the sampler's Python rule, figures are real PNGs sized
for every domain, the Dagster report embeds them."""

from __future__ import annotations

import io
import random

import pytest
from PIL import Image

from knowledge import load_taxonomy
from knowledge.evolve import accepted_counts, composites, evolve, extend_graph
from pipelines.knowledge_rows import knowledge_rows
from warehouse.catalog import connect
from warehouse.coverage import THRESHOLDS, coverage, markdown
from warehouse.storage import Lake
from warehouse.summary import coverage_summary


def _sample(sid: str, domain: str, rnd: int, node_ids: list[str], rng: random.Random, expansion="none",
            variant="base") -> dict:
    return {"sample_id": sid, "attempt": 0, "plan_id": sid.rsplit(".", 1)[0] if expansion != "none" else sid,
            "parent_id": sid.rsplit(".", 1)[0] if expansion != "none" else None, "expansion": expansion,
            "creator": "procedural:fam", "family": "fam", "variant": variant, "node_ids": node_ids,
            "difficulty": rng.randint(1, 4), "question": f"question {sid}", "answer": str(rng.randint(0, 9)),
            "answer_type": rng.choice(["number", "choice", "text"]), "choices": [], "solution": "",
            "image_id": f"img-{sid}", "width": 100, "height": 100, "interactions": [], "points_px": [],
            "render_code": "", "renderer": "matplotlib", "needs_figure": [True, True, False, None][int(sid[-1]) % 4]
            if sid[-1].isdigit() else True, "round": rnd, "domain": domain}


@pytest.fixture(scope="module")
def lake(tmp_path_factory):
    """Two rounds over every shipped domain: seed nodes, samples on 1-2 points (with expansion
    children), evolved nodes from round 1, a few duplicate rows."""
    root = tmp_path_factory.mktemp("lake")
    store, graph, rng = Lake(root), load_taxonomy(), random.Random(5)
    all_samples = []
    for domain in graph.domains():
        nodes, edges = knowledge_rows(graph, domain, 1)
        store.write("knowledge_nodes", nodes, round=1, domain=domain, producer="seed")
        store.write("knowledge_edges", edges, round=1, domain=domain, producer="seed")
        points = [p.node_id for p in graph.points(domain)]
        grown = graph
        for rnd in (1, 2):
            rows = []
            for i in range(rng.randint(2, 9)):
                ids = sorted(rng.sample(points, rng.choice([1, 2])))
                rows.append(_sample(f"r{rnd}.{domain}.{i:04d}", domain, rnd, ids, rng))
                if rng.random() < 0.5:
                    rows.append(_sample(f"r{rnd}.{domain}.{i:04d}.s", domain, rnd, ids, rng, "sequential", "seq_v"))
            store.write("samples", rows, round=rnd, domain=domain, producer="curate")
            dups = [{"sample_id": f"r{rnd}.{domain}.dup", "cluster_id": rows[0]["sample_id"], "kind": "near_text",
                     "kept_id": rows[0]["sample_id"], "similarity": 0.9, "text_jaccard": 0.9, "hamming": 0,
                     "round": rnd, "domain": domain}] if rng.random() < 0.3 else []
            store.write("duplicates", dups, round=rnd, domain=domain, producer="curate")
            ev_nodes, ev_edges = evolve(grown, rows, rnd, domain)
            store.write("knowledge_nodes", ev_nodes, round=rnd, domain=domain, producer="evolve")
            store.write("knowledge_edges", ev_edges, round=rnd, domain=domain, producer="evolve")
            grown = extend_graph(grown, ev_nodes, ev_edges)
            all_samples += rows
    return root, all_samples


def test_node_counts_match_the_sampler_rule(lake):
    root, samples = lake
    con = connect(root)
    c = coverage(con, 2, figures=False)
    evolved = [r for r in Lake(root).read("knowledge_nodes").to_pylist() if r["source"] == "evolved"]
    comps = composites(evolved)
    assert comps and any(x.variant for x in comps.values()) and any(x.variant is None for x in comps.values())
    seed_points = [n for (n,) in con.execute("SELECT node_id FROM knowledge_nodes WHERE level = 2 AND source = 'seed'"
                                             ).fetchall()]
    expected = accepted_counts(seed_points, comps, samples)
    assert {node: n for node, _, _, n in c.node_samples} == expected
    for k in THRESHOLDS:
        assert c.share_at_least[k] == pytest.approx(sum(v >= k for v in expected.values()) / len(expected))


def test_round_filter_and_table_figures(lake):
    root, samples = lake
    con = connect(root)
    one, two = coverage(con, 1, figures=False), coverage(con, 2, figures=False)
    assert sum(one.samples_per_domain.values()) == sum(s["round"] == 1 for s in samples)
    assert sum(two.samples_per_domain.values()) == len(samples)
    assert len(two.samples_per_domain) == len(load_taxonomy().domains()) >= 3
    assert sum(two.difficulty.values()) == sum(two.answer_types.values()) == len(samples)
    assert [g["round"] for g in two.growth] == [1, 2]
    assert two.growth[0]["seed_points"] == two.growth[1]["seed_points"] == sum(
        len(load_taxonomy().points(d)) for d in load_taxonomy().domains())
    assert 0 < two.growth[0]["evolved_nodes"] < two.growth[1]["evolved_nodes"]
    dup_total = con.execute("SELECT count(*) FROM duplicates").fetchall()[0][0]
    assert sum(d["duplicates"] for d in two.duplicates) == dup_total
    assert two.numbers()["duplicate_rate"] == pytest.approx(dup_total / (len(samples) + dup_total), abs=1e-4)
    kept = con.execute("SELECT needs_figure FROM samples").fetchall()
    decided = [v for (v,) in kept if v is not None]
    assert 0 < len(decided) < len(kept)
    assert two.numbers()["needs_figure_share"] == pytest.approx(sum(decided) / len(decided), abs=1e-4)
    assert two.numbers()["needs_figure_unknown"] == len(kept) - len(decided)
    text = coverage_summary(con, 2)
    assert f"{len(samples)} accepted samples in {len(two.samples_per_domain)} domains" in text


def test_figures_are_pngs_sized_for_every_domain(lake, tmp_path):
    root, _ = lake
    c = coverage(connect(root), 2)
    assert set(c.figures) == {"samples_per_domain", "samples_per_node", "share_at_least_k",
                              "difficulty_answer_types", "graph_growth", "duplicate_rates"}
    sizes = {name: Image.open(io.BytesIO(png)).size for name, png in c.figures.items()}
    # one bar row per domain: at least ~20 px each so 25 labels do not overlap
    assert sizes["samples_per_domain"][1] >= 20 * len(c.samples_per_domain)
    md = markdown(c)
    assert md.count("data:image/png;base64,") == len(c.figures)
