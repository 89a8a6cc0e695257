"""Creation stage: each plan becomes one draft (attempt 0) from its procedural family."""

from __future__ import annotations

import random
from collections.abc import Mapping

from pipelines.creators.base import Family
from pipelines.records import Lineage, draft_to_row


class UnknownCreator(ValueError):
    """A plan names a creator this build does not have."""


def create_drafts(plans: list[dict], families: Mapping[str, Family]) -> list[dict]:
    rows = []
    for plan in plans:
        kind, _, name = plan["creator"].partition(":")
        if kind != "procedural" or name not in families:
            raise UnknownCreator(f"plan {plan['plan_id']}: unknown creator {plan['creator']!r}")
        draft = families[name].create(random.Random(plan["seed"]), tuple(plan["node_ids"]),
                                      plan["target_difficulty"])
        draft = draft.replace(seed=plan["seed"])
        rows.append(draft_to_row(draft, Lineage(sample_id=plan["plan_id"], plan_id=plan["plan_id"],
                                                round=plan["round"])))
    return rows
