"""The SVG families: breadth, their own look, pixel truth on ink, answers read from the figure,
and the render + rule-check stages accepting them as they accept matplotlib figures.

The contract every family has (answer re-derived over many seeds, questions naming only labels,
labels drawn inside the canvas without overlap, interactions changing pixels near their elements)
runs for these families in tests/test_families.py too, through the svg task kind.
"""

from __future__ import annotations

import io
import random

import numpy as np
import pytest
from PIL import Image

from pipelines.creators import FAMILIES
from pipelines.creators.base import Element
from pipelines.creators.families._svgkit import PAPER

SVG = sorted(n for n, f in FAMILIES.items() if f.name.startswith("svg_"))


@pytest.fixture(scope="module")
def sandbox():
    from pipelines.sandbox import Sandbox

    with Sandbox(workers=2) as sb:
        yield sb


def _draft(name: str, seed: int):
    fam = FAMILIES[name]
    return fam.create(random.Random(seed), (fam.node_ids[seed % len(fam.node_ids)],), 1 + seed % 3)


def test_at_least_twelve_svg_families_over_six_domains():
    assert len(SVG) >= 12
    assert len({FAMILIES[n].domain for n in SVG}) >= 6
    for n in SVG:
        d = _draft(n, 0)
        assert d.renderer == "svg" and d.style.startswith("renderer=svg")
    assert all(_draft(n, 0).renderer == "matplotlib" for n in FAMILIES if n not in SVG)


def test_own_look():
    """Liberation type on a warm paper, never matplotlib's default DejaVu Sans."""
    for n in SVG:
        code = _draft(n, 1).render_code
        assert code.startswith("svg = ") and "Liberation" in code and "DejaVu" not in code, n
        assert f'fill="{PAPER}"' in code, n


@pytest.mark.parametrize("name", SVG)
def test_elements_sit_on_ink(sandbox, name):
    """Perception truth: the 5x5 window at every element's rendered pixel holds a colour clearly
    off the paper (the perception tasks' rule), or, for a text label, lies inside its drawn text."""
    from pipelines.sandbox import Task

    drafts = [_draft(name, 500 + s) for s in range(4)]
    results = sandbox.map([Task(code=d.render_code, elements=d.points(), kind="svg") for d in drafts])
    for d, r in zip(drafts, results, strict=True):
        assert r.status == "ok", r.error
        img = np.asarray(Image.open(io.BytesIO(r.png)).convert("RGB")).astype(int)
        ink = (np.abs(img - np.median(img.reshape(-1, 3), axis=0)) > 40).any(axis=2)
        assert (img[2, 2] == [int(PAPER[i:i + 2], 16) for i in (1, 3, 5)]).all(), "the paper is the SVG families' own"
        for e in d.elements:
            x, y = r.points_px[e.name]
            assert (x, y) == pytest.approx((e.x, e.y)), "the viewBox is the pixel grid"
            if e.kind == "label" and any(t.text == e.name and t.bbox[0] <= x <= t.bbox[2] and t.bbox[1] <= y <= t.bbox[3]
                                         for t in r.texts):
                continue
            xi, yi = int(round(x)), int(round(y))
            assert ink[max(0, yi - 2): yi + 3, max(0, xi - 2): xi + 3].any(), f"{name}: {e.name!r} at ({xi}, {yi}) on paper"


@pytest.mark.parametrize("name", SVG)
def test_answer_is_read_from_element_coordinates(name):
    """Moving the elements (coordinates rotated one place, or the first element shifted) changes
    the re-derived answer in some seed: rederive measures the figure, it does not echo the
    generation path."""
    fam = FAMILIES[name]
    changed = 0
    for seed in range(12):
        d = _draft(name, seed)
        els = list(d.elements)
        rotated = tuple(Element(e.name, e.kind, n.x, n.y, e.role) for e, n in zip(els, els[1:] + els[:1]))
        shifted = (Element(els[0].name, els[0].kind, els[0].x + 61, els[0].y + 47, els[0].role), *els[1:])
        for moved in (rotated, shifted):
            try:
                changed += fam.rederive(d.replace(elements=moved)) != d.answer
            except (ValueError, KeyError, StopIteration, ZeroDivisionError):
                changed += 1  # the moved figure no longer reads as a valid one
    assert changed, f"{name}: the answer never depends on where the elements are"


def test_render_and_check_stages_accept_svg_drafts(sandbox):
    """One draft per family through the real render stage and the rule checker: all four
    dimensions pass, and the render row carries the svg renderer's pixel points and texts."""
    from pipelines.check import ImageCache, check_all
    from pipelines.records import Lineage, draft_to_row
    from pipelines.render import render_drafts

    rows = [draft_to_row(_draft(n, 7), Lineage(sample_id=f"s-{n}", plan_id=f"p-{n}", round=1)) for n in SVG]
    assert {r["renderer"] for r in rows} == {"svg"}
    out = render_drafts(rows, sandbox)
    assert all(r["status"] == "ok" for r in out.renders), [r["error"] for r in out.renders if r["status"] != "ok"]
    assert all(r["texts"] and r["points_px"] for r in out.renders)
    verdicts = check_all(rows, out.renders, ImageCache(out.images), FAMILIES)
    failed = [(v["sample_id"], v["dimension"], v["reason"]) for v in verdicts if not v["passed"]]
    assert not failed, failed
