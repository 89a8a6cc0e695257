"""A family's draft with the wording frame and the figure style the content seeds: the one way
the create stage and the relayout repair make a procedural draft (pipelines.creators.wording,
pipelines.creators.style)."""

from __future__ import annotations

import random

from pipelines.creators import style, wording
from pipelines.creators.base import Draft, Family


def create(family: Family, rng: random.Random, node_ids: tuple[str, ...], difficulty: int) -> Draft:
    """``family.create(...)`` on the family's own points among ``node_ids`` (an evolved sub-point
    is named by the caller that checked its condition), then the question framed and the figure
    styled (``template_id`` and ``style`` filled); answer, elements and params are the family's."""
    own = tuple(i for i in node_ids if i in family.node_ids)
    draft = wording.frame(family.create(rng, own, difficulty))
    return style.apply(draft, style.for_draft(draft))
