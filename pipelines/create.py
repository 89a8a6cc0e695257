"""Creation stage: each plan becomes one draft (attempt 0) from its procedural family.

A plan on a sub-point (knowledge.subpoints) is realised by trying the family with derived seeds
until a draft's params match the sub-point's condition (``SUBPOINT_TRIES``); only such a draft
names the sub-point, otherwise the plan's first draft is kept without it."""

from __future__ import annotations

import random
from collections.abc import Mapping

from knowledge.subpoints import matches
from pipelines.creators import variety
from pipelines.creators.base import Draft, Family
from pipelines.records import Lineage, draft_to_row

SUBPOINT_TRIES = 32


class UnknownCreator(ValueError):
    """A plan names a creator this build does not have."""


def create_drafts(plans: list[dict], families: Mapping[str, Family],
                  subpoints: Mapping[str, dict] | None = None) -> list[dict]:
    """Drafts rows of ``plans``; ``subpoints`` maps sub-point ids to their conditions."""
    rows = []
    for plan in plans:
        kind, _, name = plan["creator"].partition(":")
        if kind != "procedural" or name not in families:
            raise UnknownCreator(f"plan {plan['plan_id']}: unknown creator {plan['creator']!r}")
        target = plan.get("evolved_node_id")
        draft = _realise(families[name], plan, target, (subpoints or {}).get(target))
        rows.append(draft_to_row(draft, Lineage(sample_id=plan["plan_id"], plan_id=plan["plan_id"],
                                                round=plan["round"])))
    return rows


def _realise(family: Family, plan: dict, target: str | None, condition: dict | None) -> Draft:
    """The plan's draft; for a sub-point, the first of the derived seeds whose params match it."""
    node_ids, difficulty = tuple(plan["node_ids"]), plan["target_difficulty"]
    first = None
    for k in range(SUBPOINT_TRIES if condition is not None else 1):
        seed = plan["seed"] if k == 0 else plan["seed"] * 1_000_003 + k
        draft = variety.create(family, random.Random(seed), node_ids, difficulty).replace(seed=seed)
        first = first or draft
        if condition is not None and matches(draft.params, condition):
            return draft.replace(node_ids=(*draft.node_ids, target))
    return first
