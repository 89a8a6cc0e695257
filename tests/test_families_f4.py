"""Perception contract of the science and fraction families: every element sits on drawn ink.

For each family of the physics, chemistry, biology and fraction domains, a few drafts are rendered
in the real sandbox and the 5x5 pixel window at each element's rendered position must contain a
non-white pixel; element roles, where set, are unique within a figure.
"""

from __future__ import annotations

import io
import random

import numpy as np
import pytest
from PIL import Image

from pipelines.creators import families_for_domain

DOMAINS = ("physics_mechanics", "physics_electricity_optics", "chemistry", "biology", "fractions_area_models")
FAMILIES = [f for dom in DOMAINS for f in families_for_domain(dom)]
INK = 200  # a pixel with some channel below this is ink, not white paper


@pytest.fixture(scope="module")
def sandbox():
    from pipelines.sandbox import Sandbox

    with Sandbox(workers=2) as sb:
        yield sb


def test_every_domain_has_two_families():
    for dom in DOMAINS:
        assert len(families_for_domain(dom)) >= 2, dom


@pytest.mark.parametrize("fam", FAMILIES, ids=lambda f: f.name)
def test_elements_sit_on_ink(sandbox, fam):
    from pipelines.sandbox import Task

    drafts = []
    for seed in range(3):
        nid = fam.node_ids[seed % len(fam.node_ids)]
        drafts.append(fam.create(random.Random(500 + seed), (nid,), 1 + seed))
    results = sandbox.map([Task(code=d.render_code, elements=d.points(), kind=d.renderer) for d in drafts])
    for draft, res in zip(drafts, results, strict=True):
        assert res.status == "ok", res.error
        img = np.asarray(Image.open(io.BytesIO(res.png)).convert("RGB")).astype(int)
        roles = [e.role for e in draft.elements if e.role]
        assert len(roles) == len(set(roles)), f"{fam.name}: roles repeat {roles}"
        for e in draft.elements:
            x, y = (int(round(v)) for v in res.points_px[e.name])
            win = img[max(0, y - 2): y + 3, max(0, x - 2): x + 3]
            assert win.size and (win.min(axis=2) < INK).any(), \
                f"{fam.name} ({draft.params.get('ask')}): element {e.name!r} ({e.role}) at {x},{y} is on blank paper"
