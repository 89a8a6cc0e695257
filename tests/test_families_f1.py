"""Perception contract of the function-graph, trigonometry, vector, transformation, number-line
and measurement families: every element's rendered position is inked (a dot, marker or vertex),
and element roles are unique within a figure.

Renders run in the real sandbox; an element whose 5x5 pixel window is all white would give a
perception task nothing to point at.
"""

from __future__ import annotations

import io
import random

import numpy as np
import pytest
from PIL import Image

from pipelines.creators import FAMILIES

DOMAINS = ("function_graphs", "trigonometry", "vectors", "transformations", "number_lines", "measurement")
NAMES = sorted(n for n, f in FAMILIES.items() if f.domain in DOMAINS)
INK = 235  # a gray level below this (on a 0..255 scale) counts as ink; the background is white


@pytest.fixture(scope="module")
def sandbox():
    from pipelines.sandbox import Sandbox

    with Sandbox(workers=2) as sb:
        yield sb


def test_every_domain_has_families():
    for dom in DOMAINS:
        assert sum(1 for n in NAMES if FAMILIES[n].domain == dom) >= 2, dom


@pytest.mark.parametrize("name", NAMES)
def test_roles_unique(name):
    fam = FAMILIES[name]
    for seed in range(20):
        draft = fam.create(random.Random(seed), (fam.node_ids[seed % len(fam.node_ids)],), 1 + seed % 3)
        roles = [e.role for e in draft.elements if e.role]
        assert len(roles) == len(set(roles)), roles
        assert all(e.name not in e.role.split() for e in draft.elements if e.role), "a role must not name the label"


@pytest.mark.parametrize("name", NAMES)
def test_elements_are_inked(sandbox, name):
    from pipelines.sandbox import Task

    fam = FAMILIES[name]
    for seed in range(3):
        draft = fam.create(random.Random(500 + seed), (fam.node_ids[(2 * seed) % len(fam.node_ids)],), 1 + seed)
        res = sandbox.run(Task(code=draft.render_code, elements=draft.points(), kind=draft.renderer))
        assert res.status == "ok", res.error
        gray = np.asarray(Image.open(io.BytesIO(res.png)).convert("L")).astype(int)
        for e in draft.elements:
            x, y = (int(round(v)) for v in res.points_px[e.name])
            win = gray[max(0, y - 2): y + 3, max(0, x - 2): x + 3]
            assert win.size and (win < INK).any(), f"{name} seed {seed}: nothing drawn at element {e.name!r} ({e.role})"
