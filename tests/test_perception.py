"""Perception tasks: ground truth on the element's ink for every family, typed annotations,
exact integrated constructions, and the perception-only figure generator.

Every family renders in the real sandbox (2 seeds); each surface and semantic answer point,
and each midpoint of a drawn segment, must sit on non-background pixels (a colour check within
2 px), or inside its own text box when the element is a text (kind ``label``, e.g. a table
cell). A failure names the family, seed, task and label."""

from __future__ import annotations

import json
import math
import random
from statistics import mean

import numpy as np
import pytest

from pipelines.creators import FAMILIES
from pipelines.perception import ELEMENT_TYPES, annotations, build_tasks, figure_from_sample
from pipelines.perception.figure import Figure, Mark, fit_affine
from pipelines.perception.generator import generate, sample_spec
from pipelines.perception.tasks import IN_DATA, IN_PIXELS, LEVELS, integrated_tasks
from pipelines.sandbox import Sandbox, Task
from warehouse.images import decode

SEEDS = (0, 1)


def on_colour(rgb: np.ndarray, x: float, y: float, radius: int = 2, diff: int = 40) -> bool:
    """A pixel within ``radius`` of (x, y) differs from the background colour (the image median)."""
    bg = np.median(rgb.reshape(-1, 3), axis=0)
    xi, yi = int(round(x)), int(round(y))
    win = rgb[max(0, yi - radius): yi + radius + 1, max(0, xi - radius): xi + radius + 1].astype(int)
    return bool((np.abs(win - bg).max(axis=-1) > diff).any())


@pytest.fixture(scope="module")
def rendered():
    """(family, seed) -> (draft, sandbox result), all families rendered in one parallel map."""
    keys, tasks = [], []
    for name in sorted(FAMILIES):
        for seed in SEEDS:
            d = FAMILIES[name].create(random.Random(seed), (), 2)
            keys.append((name, seed, d))
            tasks.append(Task(code=d.render_code, elements={e.name: (e.x, e.y) for e in d.elements}, kind=d.renderer))
    with Sandbox(workers=2) as sb:
        results = sb.map(tasks)
    return {(n, s): (d, r) for (n, s, d), r in zip(keys, results)}


def figure_of(draft, res):
    sample = {"sample_id": f"{draft.family}-{draft.seed}", "image_id": "img", "width": res.width, "height": res.height,
              "round": 1, "domain": draft.domain, "render_code": draft.render_code,
              "points_px": [{"name": k, "x": v[0], "y": v[1]} for k, v in res.points_px.items()]}
    elements = [{"name": e.name, "kind": e.kind, "x": e.x, "y": e.y, "role": e.role} for e in draft.elements]
    texts = [{"text": t.text, "x0": t.bbox[0], "y0": t.bbox[1], "x1": t.bbox[2], "y1": t.bbox[3]} for t in res.texts]
    return figure_from_sample(sample, elements, texts, decode(res.png))


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_ground_truth_points_lie_on_the_element(rendered, family):
    checked, off = 0, []
    for seed in SEEDS:
        draft, res = rendered[(family, seed)]
        assert res.ok, f"{family} seed {seed} did not render: {res.error[-300:]}"
        rgb = decode(res.png)
        fig = figure_of(draft, res)
        tasks = build_tasks(fig)
        for t in tasks:
            assert (t["width"], t["height"]) == (res.width, res.height) and t["convention"]
            answer = json.loads(t["answer"])
            for label, (x, y) in answer.items():
                assert 0 <= x <= res.width and 0 <= y <= res.height, (family, seed, t["kind"], label)
                if t["level"] in ("surface", "semantic") or t["kind"] == "midpoint":
                    checked += 1
                    mark = fig.marks.get(label)
                    in_text = mark is not None and mark.kind == "label" and any(
                        b["text"].strip() == label and b["x0"] <= x <= b["x1"] and b["y0"] <= y <= b["y1"]
                        for b in fig.texts)
                    if not in_text and not on_colour(rgb, x, y):
                        off.append((seed, t["level"], t["kind"], label, (round(x), round(y))))
    assert checked > 0, f"{family}: no surface or semantic task to check"
    assert not off, f"{family}: ground-truth points off the ink: {off}"


def test_annotations_are_typed_and_match_the_figure(rendered):
    draft, res = rendered[("triangle_median", 0)]
    fig = figure_of(draft, res)
    rows = annotations(fig)
    assert {r["type"] for r in rows} <= set(ELEMENT_TYPES)
    assert {"point", "line", "angle", "text"} <= {r["type"] for r in rows}
    px = res.points_px
    for r in rows:
        g = json.loads(r["geometry"])
        if r["type"] == "point":
            assert (g["x"], g["y"]) == pytest.approx(px[r["label"]])
        if r["type"] == "line":  # endpoints are the two labelled points it joins
            a, b = r["label"][0], r["label"][1]
            assert (g["x1"], g["y1"], g["x2"], g["y2"]) == pytest.approx((*px[a], *px[b]))
    lines = {r["label"] for r in rows if r["type"] == "line"}
    assert {"AB", "AC"} <= lines, lines  # triangle sides are drawn segments


def test_circles_are_read_from_the_render_and_verified_on_ink(rendered):
    draft, res = rendered[("circle_angles", 0)]
    fig = figure_of(draft, res)
    assert len(fig.circles) == 1
    c = fig.circles[0]
    rgb = decode(res.png)
    rim = [(c["cx"] + c["r"] * math.cos(t), c["cy"] + c["r"] * math.sin(t)) for t in np.linspace(0, 6.28, 16)]
    assert all(on_colour(rgb, x, y) for x, y in rim)


def _hand_figure(scale_y: float) -> Figure:
    data = {"A": (0.0, 0.0), "B": (4.0, 0.0), "C": (1.0, 3.0)}
    marks = {n: Mark(n, "point", (50 + 40 * x, 300 - scale_y * y), (x, y), "", True) for n, (x, y) in data.items()}
    fig = Figure("img", 400, 400, marks, "sample", "hand", 1, "d", segments=[("A", "B"), ("A", "C"), ("B", "C")])
    fig.affine = fit_affine(list(marks.values()))
    return fig


def test_integrated_constructions_are_exact():
    fig = _hand_figure(40.0)
    tasks = {t["kind"]: t for t in integrated_tasks(fig, random.Random(0), max_tasks=10)}
    assert {"midpoint", "centroid", "incentre", "foot_of_perpendicular"} <= set(tasks)
    assert tasks["centroid"]["computed_in"] == IN_PIXELS and tasks["incentre"]["computed_in"] == IN_DATA
    (gx, gy), = json.loads(tasks["centroid"]["answer"]).values()
    assert (gx, gy) == pytest.approx((50 + 40 * 5 / 3, 300 - 40 * 1), abs=0.01)
    # the foot F of the perpendicular from P to line XY: PF is perpendicular to XY (in pixels,
    # since this figure's data units are square)
    q = tasks["foot_of_perpendicular"]["question"]
    p, line = q.split("from ")[1].split(" to line ")
    x, y = line[0], line[1]
    (fx, fy), = json.loads(tasks["foot_of_perpendicular"]["answer"]).values()
    P, X, Y = (fig.marks[n].px for n in (p, x, y[0]))
    cos = ((P[0] - fx) * (Y[0] - X[0]) + (P[1] - fy) * (Y[1] - X[1])) / (math.dist(P, (fx, fy)) * math.dist(X, Y))
    assert abs(cos) < 1e-3  # answers are rounded to 0.01 px
    # incentre: equidistant from the three sides
    (ix, iy), = json.loads(tasks["incentre"]["answer"]).values()
    pts = [fig.marks[n].px for n in "ABC"]
    d = [abs((b[0] - a[0]) * (iy - a[1]) - (b[1] - a[1]) * (ix - a[0])) / math.dist(a, b)
         for a, b in ((pts[0], pts[1]), (pts[1], pts[2]), (pts[0], pts[2]))]
    assert max(d) - min(d) < 0.02


def test_metric_constructions_need_square_data_units():
    fig = _hand_figure(25.0)  # y squashed: angles and perpendiculars do not survive the map
    kinds = {t["kind"] for t in integrated_tasks(fig, random.Random(0), max_tasks=10)}
    assert "midpoint" in kinds and "centroid" in kinds
    assert not kinds & {"foot_of_perpendicular", "incentre"}


def test_generator_controls_the_element_count():
    counts = [sample_spec(random.Random(i)).element_count for i in range(300)]
    assert 7.3 <= mean(counts) <= 8.7, mean(counts)
    small = [sample_spec(random.Random(i), mean=5, sd=0.0).element_count for i in range(50)]
    assert mean(small) < 6


def test_generated_figures_give_all_levels_with_truth_on_ink():
    with Sandbox(workers=1) as sb:
        out = generate(4, 1, 11, sb)
    assert all(f["status"] == "ok" for f in out.figures)
    assert {t["level"] for t in out.tasks} == set(LEVELS)
    assert {t["source"] for t in out.tasks} == {"perception_figure"}
    png = {i["image_id"]: decode(i["png"]) for i in out.images}
    for t in out.tasks:
        if t["level"] in ("surface", "semantic") or t["kind"] == "midpoint":
            for label, (x, y) in json.loads(t["answer"]).items():
                assert on_colour(png[t["image_id"]], x, y), (t["source_id"], t["kind"], label)
    # reproducible from the seed
    with Sandbox(workers=1) as sb:
        again = generate(4, 1, 11, sb)
    assert [t["answer"] for t in again.tasks] == [t["answer"] for t in out.tasks]


def _venn_figure(roles: dict[str, str], n_circles: int) -> Figure:
    """A hand-made Venn figure: count labels with roles, and ``n_circles`` unlabelled circles."""
    pos = {"7": (200.0, 40.0), "12": (200.0, 200.0), "A": (120.0, 120.0), "B": (280.0, 120.0)}
    marks = {n: Mark(n, "label" if n.isdigit() else "point", p, p, roles.get(n, ""), True) for n, p in pos.items()}
    fig = Figure("img", 400, 300, marks, "sample", "venn", 1, "venn_sets")
    fig.circles = [{"label": "", "cx": 150.0 + 100 * k, "cy": 150.0, "r": 90.0} for k in range(n_circles)]
    return fig


def test_roles_must_be_unique_things_and_subjects_must_name_one_thing():
    from pipelines.perception.tasks import role_problems, subject_problems

    assert role_problems("outside every circle", ["outside every circle"]) == [
        "role 'outside every circle' is a place, not a thing"]
    assert role_problems("number outside every circle", ["number outside every circle"]) == []
    assert role_problems("apex", ["apex", "Apex"]) == ["role 'apex' is not unique in the figure"]
    assert subject_problems("Let M be the centre of the circle", _venn_figure({}, 3)) == [
        "'the circle' in a figure with 3 circles"]
    assert subject_problems("Let M be the centre of the circle", _venn_figure({}, 1)) == []


def test_venn_tasks_never_ask_the_centre_of_the_circle_or_the_outside():
    """The old defects: 'the centre of the circle' asked of 2-3 circles, and '(1) the outside
    every circle' from a role that was a place. Old roles are skipped, new ones are asked."""
    old = build_tasks(_venn_figure({"7": "outside every circle", "12": "centre of the diagram"}, 3))
    new = build_tasks(_venn_figure({"7": "number outside every circle",
                                    "12": "number in the region inside all three circles"}, 3))
    for tasks in (old, new):
        assert not any("centre of the circle" in t["question"] for t in tasks)
        assert not any("the outside" in t["question"] for t in tasks)
    asked = " ".join(t["question"] for t in new if t["level"] == "semantic")
    assert "the number outside every circle" in asked
    one = build_tasks(_venn_figure({}, 1))
    assert any(t["kind"] == "circle_centre" for t in one), "one circle: its centre is still asked"
