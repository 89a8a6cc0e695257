"""Rule-based repairer: fix what can be fixed, re-render, re-check, within a bounded number of
rounds. Every attempt is its own row (drafts, renders, verdicts) plus a ``repairs`` row saying
what was done and why, so a sample's history can be walked in SQL.

Actions, chosen from the failed dimensions of the last attempt:
* ``drop_interaction`` - only the action check failed: drop the interactions that failed or
  changed nothing near their elements (needs at least one good interaction left);
* ``recompute`` - only the answer's form failed but its value re-derives: rewrite it canonically;
* ``relayout`` - anything else (render, visual, wrong answer): recreate the draft with a new seed
  from the same knowledge points (base drafts only; an expansion that fails is dropped);
* ``give_up`` - nothing applies.
"""

from __future__ import annotations

import random
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from pipelines.check import ImageCache, check_all, check_answer, failed_dimensions
from pipelines.creators import variety
from pipelines.creators.base import Draft, Family
from pipelines.records import draft_to_row, lineage_of, row_to_draft
from pipelines.render import render_drafts
from pipelines.sandbox import Sandbox


@dataclass
class Attempts:
    """Rows produced by a stage that renders and checks new draft attempts."""

    drafts: list[dict] = field(default_factory=list)
    renders: list[dict] = field(default_factory=list)
    images: list[dict] = field(default_factory=list)
    verdicts: list[dict] = field(default_factory=list)
    repairs: list[dict] = field(default_factory=list)

    def extend(self, drafts, rendered, verdicts) -> None:
        self.drafts += drafts
        self.renders += rendered.renders
        self.images += rendered.images
        self.verdicts += verdicts


def _reseed(seed: int, sample_id: str, attempt: int) -> int:
    return zlib.crc32(f"{seed}:{sample_id}:{attempt}".encode()) & 0x7FFFFFFF


def choose_repair(draft: Draft, failed: list[dict], render: Mapping, family: Family | None,
                  sample_id: str, attempt: int) -> tuple[str, Draft | None]:
    """The action for a failed attempt and the repaired draft (None when giving up)."""
    dims = {v["dimension"] for v in failed}
    if family is None:
        return "give_up", None
    if dims == {"action"}:
        keep = tuple(
            inter for inter, status, reason_ok in zip(
                draft.interactions, render["interaction_status"], _action_ok(failed[0]["reason"], draft))
            if status == "ok" and reason_ok
        )
        if keep and len(keep) < len(draft.interactions):
            return "drop_interaction", draft.replace(interactions=keep)
    if dims == {"text"} and not check_answer(draft, family):
        canonical = family.rederive(draft)
        if canonical != draft.answer:
            return "recompute", draft.replace(answer=canonical)
    if draft.variant == "base":
        rng = random.Random(_reseed(draft.seed, sample_id, attempt))
        fresh = variety.create(family, rng, draft.node_ids, draft.difficulty)
        return "relayout", fresh.replace(seed=draft.seed)
    return "give_up", None


def _action_ok(reason: str, draft: Draft) -> list[bool]:
    """Which interactions the action verdict did not blame (reasons say 'interaction <k> ...')."""
    return [f"interaction {k} " not in reason for k in range(len(draft.interactions))]


def repair(drafts: list[dict], renders: list[dict], verdicts: list[dict], images: ImageCache,
           families: Mapping[str, Family], sandbox: Sandbox, max_rounds: int = 2) -> Attempts:
    """Repair every failed latest attempt, up to ``max_rounds`` new attempts per sample."""
    out = Attempts()
    renders_by = {(r["sample_id"], r["attempt"]): r for r in renders}
    failing = {k: v for k, v in failed_dimensions(verdicts).items() if v}
    latest = {}
    for row in drafts:
        if latest.get(row["sample_id"], {"attempt": -1})["attempt"] < row["attempt"]:
            latest[row["sample_id"]] = row
    todo = [row for row in latest.values() if (row["sample_id"], row["attempt"]) in failing]
    for _ in range(max_rounds):
        new_rows = []
        for row in todo:
            key = (row["sample_id"], row["attempt"])
            failed = failing[key]
            draft = row_to_draft(row)
            attempt = row["attempt"] + 1
            action, fixed = choose_repair(draft, failed, renders_by[key], families.get(draft.family),
                                          row["sample_id"], attempt)
            out.repairs.append({
                "sample_id": row["sample_id"],
                "attempt": attempt if fixed is not None else row["attempt"],
                "action": action,
                "failed": sorted({v["dimension"] for v in failed}),
                "reason": "; ".join(v["reason"] for v in failed)[:2000],
                "round": row["round"],
                "domain": row["domain"],
            })
            if fixed is not None:
                at = replace(lineage_of(row), attempt=attempt, action=f"repair:{action}")
                new_rows.append(draft_to_row(fixed, at))
        if not new_rows:
            break
        rendered = render_drafts(new_rows, sandbox)
        images.add(rendered.images)
        new_verdicts = check_all(new_rows, rendered.renders, images, families)
        out.extend(new_rows, rendered, new_verdicts)
        renders_by.update({(r["sample_id"], r["attempt"]): r for r in rendered.renders})
        failing = {k: v for k, v in failed_dimensions(new_verdicts).items() if v}
        todo = [r for r in new_rows if (r["sample_id"], r["attempt"]) in failing]
    return out
