"""Conversions between creator drafts and ``drafts`` table rows (plain dicts)."""

from __future__ import annotations

import json
from dataclasses import dataclass

from pipelines.creators.base import Draft, Element, Interaction


@dataclass(frozen=True)
class Lineage:
    """Where a draft row sits: its ids, attempt and how it was produced."""

    sample_id: str
    plan_id: str
    round: int
    attempt: int = 0
    parent_id: str | None = None
    expansion: str = "none"
    action: str = "create"


def draft_to_row(draft: Draft, at: Lineage, creator: str | None = None, model: str | None = None,
                 prompt_hash: str | None = None, tokens: int | None = None,
                 seconds: float | None = None) -> dict:
    """A ``drafts`` row; ``creator`` defaults to the procedural family, model fields to null."""
    return {
        "sample_id": at.sample_id,
        "attempt": at.attempt,
        "plan_id": at.plan_id,
        "parent_id": at.parent_id,
        "expansion": at.expansion,
        "creator": creator or f"procedural:{draft.family}",
        "family": draft.family,
        "variant": draft.variant,
        "render_code": draft.render_code,
        "question": draft.question,
        "answer": draft.answer,
        "answer_type": draft.answer_type,
        "choices": list(draft.choices),
        "solution": draft.solution,
        "interactions": [
            {"kind": i.kind, "instruction": i.instruction, "code": i.code, "elements": list(i.elements)}
            for i in draft.interactions
        ],
        "elements": [
            {"name": e.name, "kind": e.kind, "x": float(e.x), "y": float(e.y), "role": e.role} for e in draft.elements
        ],
        "node_ids": list(draft.node_ids),
        "difficulty": draft.difficulty,
        "seed": draft.seed,
        "params": draft.params_json(),
        "style": draft.style,
        "template_id": draft.template_id,
        "renderer": draft.renderer,
        "tokens": tokens,
        "needs_figure": _figure_needed(draft),
        "provenance": {"model": model, "prompt_hash": prompt_hash, "tokens": tokens, "seconds": seconds,
                       "action": at.action},
        "round": at.round,
        "domain": draft.domain,
    }


def _figure_needed(draft: Draft) -> bool | None:
    from pipelines.creators import figure_needed  # the registry imports every family: only on use

    return figure_needed(draft)


def row_to_draft(row: dict) -> Draft:
    return Draft(
        family=row["family"],
        domain=row["domain"],
        node_ids=tuple(row["node_ids"]),
        seed=row["seed"],
        variant=row["variant"],
        render_code=row["render_code"],
        question=row["question"],
        answer=row["answer"],
        answer_type=row["answer_type"],
        choices=tuple(row["choices"]),
        solution=row["solution"],
        interactions=tuple(
            Interaction(kind=i["kind"], instruction=i["instruction"], code=i["code"], elements=tuple(i["elements"]))
            for i in row["interactions"]
        ),
        elements=tuple(
            Element(name=e["name"], kind=e["kind"], x=e["x"], y=e["y"], role=e.get("role") or "") for e in row["elements"]
        ),
        difficulty=row["difficulty"],
        params=json.loads(row["params"]),
        style=row.get("style") or "",
        template_id=row.get("template_id") or "",
        renderer=row.get("renderer") or "matplotlib",
    )


def lineage_of(row: dict) -> Lineage:
    return Lineage(
        sample_id=row["sample_id"],
        plan_id=row["plan_id"],
        round=row["round"],
        attempt=row["attempt"],
        parent_id=row["parent_id"],
        expansion=row["expansion"],
        action=(row.get("provenance") or {}).get("action") or "create",
    )
