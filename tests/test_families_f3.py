"""Perception contract of the everyday-maths families (probability, tables, sequences, logic
puzzles, Venn diagrams, clocks/calendars/money): every element's data coordinate is drawn ink.

Each family renders 3 drafts in the real sandbox; the 5x5 pixel window at every element's
rendered position must contain a non-white pixel, and element roles, where set, are unique.
"""

from __future__ import annotations

import io
import random

import numpy as np
import pytest
from PIL import Image

from pipelines.creators import FAMILIES

F3_FAMILIES = ("spinner_sectors", "die_roll_frequency", "counter_tree", "two_way_table", "bus_timetable",
               "sequence_bars", "matchstick_pattern", "dot_pattern", "magic_square", "number_pyramid", "venn_region_counts", "venn_placed_numbers",
               "analog_clock", "calendar_month", "coin_stacks")
INK = 235  # a pixel is ink when some channel is darker than this (the background is pure white)


@pytest.fixture(scope="module")
def sandbox():
    from pipelines.sandbox import Sandbox

    with Sandbox(workers=2) as sb:
        yield sb


def test_families_are_registered():
    missing = [n for n in F3_FAMILIES if n not in FAMILIES]
    assert not missing, missing
    domains = {FAMILIES[n].domain for n in F3_FAMILIES}
    assert domains == {"probability", "tables", "sequences_patterns", "logic_puzzles", "venn_sets",
                       "clocks_calendars_money"}


@pytest.mark.parametrize("name", F3_FAMILIES)
def test_every_element_is_drawn_ink(sandbox, name):
    from pipelines.sandbox import Task

    fam = FAMILIES[name]
    for seed in range(3):
        nid = fam.node_ids[(seed * 2) % len(fam.node_ids)]
        draft = fam.create(random.Random(500 + seed), (nid,), 1 + seed)
        roles = [e.role for e in draft.elements if e.role]
        assert len(roles) == len(set(roles)), f"{name}: duplicate roles {roles}"
        res = sandbox.run(Task(code=draft.render_code, elements=draft.points(), kind=draft.renderer))
        assert res.status == "ok", res.error
        img = np.asarray(Image.open(io.BytesIO(res.png)).convert("RGB"))
        for e in draft.elements:
            x, y = (int(round(v)) for v in res.points_px[e.name])
            win = img[max(0, y - 2): y + 3, max(0, x - 2): x + 3]
            assert win.size and (win < INK).any(), f"{name} seed {seed}: no ink at element {e.name!r} ({x}, {y})"
