"""Repair and expansion on real families through the real sandbox: broken drafts get the action
their failure calls for, every attempt stays a row, and expansions are checked again."""

from __future__ import annotations

import pytest

from pipelines.check import ImageCache, check_all
from pipelines.create import create_drafts
from pipelines.creators import FAMILIES
from pipelines.curate import curate
from pipelines.expand import expand
from pipelines.render import render_drafts
from pipelines.repair import repair
from pipelines.sandbox import Limits, Sandbox


@pytest.fixture(scope="module")
def sandbox():
    with Sandbox(workers=2, limits=Limits(timeout_s=5)) as sb:
        yield sb


def plan(family: str, i: int) -> dict:
    f = FAMILIES[family]
    return {"plan_id": f"r1.{f.domain}.{i:04d}", "node_ids": [f.node_ids[0]], "creator": f"procedural:{family}",
            "seed": 100 + i, "target_difficulty": 1, "round": 1, "domain": f.domain}


def first_pass(rows, sandbox):
    rendered = render_drafts(rows, sandbox)
    images = ImageCache(rendered.images)
    return rendered, images, check_all(rows, rendered.renders, images, FAMILIES)


def test_broken_drafts_are_repaired_and_every_attempt_is_kept(sandbox):
    rows = create_drafts([plan("triangle_median", 0), plan("triangle_median", 1), plan("triangle_median", 2)],
                         FAMILIES)
    rows[0]["render_code"] = "raise RuntimeError('layout exploded')"         # -> relayout
    rows[1]["answer"] = str(float(rows[1]["answer"].split("/")[0]) + 7)       # wrong answer -> relayout
    good = dict(rows[2]["interactions"][0])
    rows[2]["interactions"] = [good, {**good, "code": "undefined_name + 1"}]  # broken step -> dropped
    rendered, images, verdicts = first_pass(rows, sandbox)
    failed = {(v["sample_id"], v["dimension"]) for v in verdicts if not v["passed"]}
    assert (rows[0]["sample_id"], "visual") in failed and (rows[1]["sample_id"], "answer") in failed
    assert (rows[2]["sample_id"], "action") in failed

    out = repair(rows, rendered.renders, verdicts, images, FAMILIES, sandbox, max_rounds=2)
    actions = {r["sample_id"]: r["action"] for r in out.repairs}
    assert actions == {rows[0]["sample_id"]: "relayout", rows[1]["sample_id"]: "relayout",
                       rows[2]["sample_id"]: "drop_interaction"}
    assert {(d["sample_id"], d["attempt"]) for d in out.drafts} == {(r["sample_id"], 1) for r in rows}
    assert all(d["provenance"]["action"].startswith("repair:") for d in out.drafts)
    assert len(out.drafts[2]["interactions"]) == 1

    curated = curate(rows + out.drafts, rendered.renders + out.renders, verdicts + out.verdicts)
    assert sorted((s["sample_id"], s["attempt"]) for s in curated.samples) == sorted(
        (r["sample_id"], 1) for r in rows)


def test_unrepairable_samples_are_given_up_within_the_bound(sandbox):
    rows = create_drafts([plan("bar_chart", 3)], FAMILIES)
    rows[0]["family"] = "no_such_family"
    rendered, images, verdicts = first_pass(rows, sandbox)
    out = repair(rows, rendered.renders, verdicts, images, FAMILIES, sandbox, max_rounds=3)
    assert [r["action"] for r in out.repairs] == ["give_up"] and out.drafts == []
    assert "answer" in out.repairs[0]["failed"]
    assert curate(rows, rendered.renders, verdicts).samples == []


def test_expansions_are_harder_checked_children(sandbox):
    names = [n for n, f in FAMILIES.items() if f.supports]
    rows = create_drafts([plan(n, i) for i, n in enumerate(names)], FAMILIES)
    rendered, images, verdicts = first_pass(rows, sandbox)
    accepted = curate(rows, rendered.renders, verdicts).samples
    assert len(accepted) == len(rows)
    out = expand(rows, images, FAMILIES, sandbox, fraction=1.0, max_depth=2)
    assert out.drafts and {d["expansion"] for d in out.drafts} == {"parallel", "sequential"}
    parents = {r["sample_id"]: r for r in rows + out.drafts}
    for d in out.drafts:
        parent = parents[d["parent_id"]]
        assert d["difficulty"] == parent["difficulty"] + 1
        assert d["render_code"] == parent["render_code"]
        assert len(d["interactions"]) > len(parent["interactions"])
    assert {(v["sample_id"], v["attempt"]) for v in out.verdicts} == {(d["sample_id"], 0) for d in out.drafts}
    assert all(v["passed"] for v in out.verdicts), [v["reason"] for v in out.verdicts if not v["passed"]]
    assert any(d["sample_id"].endswith(".s.s") for d in out.drafts)  # two sequential levels
