"""Perception contract of the solid, spatial, map, graph and counting families: every element's
data coordinate is drawn ink, so a perception task pointing at it points at something visible."""

from __future__ import annotations

import io
import random

import numpy as np
import pytest
from PIL import Image

from pipelines.creators import FAMILIES

F2_DOMAINS = ("solid_geometry", "spatial_reasoning", "maps_coordinates", "graph_theory", "counting_combinatorics")
NAMES = sorted(n for n, f in FAMILIES.items() if f.domain in F2_DOMAINS)


@pytest.fixture(scope="module")
def sandbox():
    from pipelines.sandbox import Sandbox

    with Sandbox(workers=2) as sb:
        yield sb


def test_every_f2_domain_has_two_families():
    for dom in F2_DOMAINS:
        assert sum(1 for n in NAMES if FAMILIES[n].domain == dom) >= 2, dom


@pytest.mark.parametrize("name", NAMES)
def test_elements_are_drawn_ink(sandbox, name):
    from pipelines.sandbox import Task

    fam = FAMILIES[name]
    for seed in range(3):
        nid = fam.node_ids[seed % len(fam.node_ids)]
        draft = fam.create(random.Random(500 + seed), (nid,), 1 + seed)
        res = sandbox.run(Task(code=draft.render_code, elements=draft.points(), kind=draft.renderer))
        assert res.status == "ok", res.error
        img = np.asarray(Image.open(io.BytesIO(res.png)).convert("RGB")).astype(int)
        ink = (img < 235).any(axis=2)  # anything darker than near-white
        roles = [e.role for e in draft.elements if e.role]
        assert len(roles) == len(set(roles)), f"{name}: roles repeat {roles}"
        for e in draft.elements:
            x, y = (int(round(v)) for v in res.points_px[e.name])
            win = ink[max(0, y - 2): y + 3, max(0, x - 2): x + 3]
            assert win.any(), f"{name} seed {seed}: element {e.name!r} at ({x}, {y}) is not drawn"
