"""Coverage-balanced sampling of knowledge-point combinations for problem families.

Each pick is made in three steps, all driven by one ``random.Random`` seeded from
``(domain, seed)``:

1. target: a covered point picked least often so far (random tie-break);
2. family: among the families covering the target, the one used least so far (random tie-break);
3. combo: a size drawn uniformly from ``1..min(max_combo, #points of that family)``; the target
   plus the family's least-picked other points (random tie-breaks) fill it.

Counts start at zero, so the first ``#covered points`` picks touch every covered point once.
Inputs are sorted before use, so the result does not depend on dict or list ordering.

Evolved graph: ``composites`` (evolved points, see knowledge.evolve) join the targets when a
family covers all their components (their own family for a composition); a composite target is
picked as exactly its components, and counts it and them. ``prior`` seeds the counts with
accepted samples of earlier rounds, so under-covered points and composites are picked first.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from knowledge.graph import LEVEL_POINT, KnowledgeGraph

if TYPE_CHECKING:
    from knowledge.evolve import Composite


@dataclass(frozen=True)
class Pick:
    node_ids: tuple[str, ...]  # 1..max_combo knowledge points (a composite's components), sorted
    family: str
    evolved_node_id: str | None = None  # the composite this pick realises, if any


def _least(rng: random.Random, candidates: Sequence[str], counts: Mapping[str, int]) -> str:
    """The candidate with the smallest count; ties broken by ``rng`` (candidates must be sorted)."""
    low = min(counts[c] for c in candidates)
    return rng.choice([c for c in candidates if counts[c] == low])


def sample_picks(
    graph: KnowledgeGraph,
    domain: str,
    families: Mapping[str, Sequence[str]],
    n: int,
    seed: int,
    max_combo: int = 2,
    composites: Mapping[str, Composite] | None = None,
    prior: Mapping[str, int] | None = None,
) -> list[Pick]:
    """``n`` picks of 1..max_combo knowledge points of ``domain``, each jointly covered by one family.

    ``families`` maps a family name to the knowledge-point ids (of ``domain``) it covers;
    ``composites`` maps evolved point ids (points of ``domain`` in ``graph``) to what they combine;
    ``prior`` holds accepted samples per node from earlier rounds (missing: 0).
    Raises ValueError for an unknown domain, ids that are not knowledge points of ``domain``,
    no family covering any point, ``n < 0`` or ``max_combo < 1``.
    """
    if n < 0:
        raise ValueError(f"n must be >= 0, got {n}")
    if max_combo < 1:
        raise ValueError(f"max_combo must be >= 1, got {max_combo}")
    if domain not in graph.domains():
        raise ValueError(f"unknown domain {domain!r}")

    cover: dict[str, tuple[str, ...]] = {}
    for name in sorted(families):
        ids = families[name]
        if isinstance(ids, str):
            raise ValueError(f"family {name!r}: expected a sequence of node ids, got the string {ids!r}")
        unknown = sorted(i for i in set(ids) if i not in graph.nodes)
        if unknown:
            raise ValueError(f"family {name!r}: unknown node ids {unknown}")
        foreign = sorted(
            i for i in set(ids) if graph.nodes[i].level != LEVEL_POINT or graph.nodes[i].domain != domain
        )
        if foreign:
            raise ValueError(f"family {name!r}: not knowledge points of domain {domain!r}: {foreign}")
        if ids:
            cover[name] = tuple(sorted(set(ids)))
    if not cover:
        raise ValueError(f"no family covers any knowledge point of domain {domain!r}")

    by_point: dict[str, list[str]] = {}
    for name, ids in cover.items():
        for i in ids:
            by_point.setdefault(i, []).append(name)
    realisable = _realisable(graph, domain, cover, composites or {})
    for cid, names in realisable.items():
        by_point[cid] = names
    targets = sorted(by_point)
    prior = prior or {}
    point_counts = {i: int(prior.get(i, 0)) for i in targets}
    family_counts = dict.fromkeys(cover, 0)

    rng = random.Random(f"{domain}:{seed}")  # str seeds hash with sha512: stable across runs
    picks: list[Pick] = []
    for _ in range(n):
        target = _least(rng, targets, point_counts)
        family = _least(rng, by_point[target], family_counts)
        if target in realisable:
            chosen = list(composites[target].components)
            point_counts[target] += 1
        else:
            size = rng.randint(1, min(max_combo, len(cover[family])))
            chosen = [target]
            while len(chosen) < size:
                chosen.append(_least(rng, [i for i in cover[family] if i not in chosen], point_counts))
        for i in chosen:
            if i in point_counts:
                point_counts[i] += 1
        family_counts[family] += 1
        picks.append(Pick(tuple(sorted(chosen)), family, target if target in realisable else None))
    return picks


def _realisable(graph: KnowledgeGraph, domain: str, cover: Mapping[str, tuple[str, ...]],
                composites: Mapping[str, Composite]) -> dict[str, list[str]]:
    """Composite id -> the families covering all its components (only its own family for a
    composition); composites no family can realise are left out."""
    out: dict[str, list[str]] = {}
    for cid in sorted(composites):
        c = composites[cid]
        node = graph.nodes.get(cid)
        if node is None or node.level != LEVEL_POINT or node.domain != domain:
            raise ValueError(f"composite {cid!r}: not a knowledge point of domain {domain!r} in the graph")
        names = [f for f, ids in cover.items() if set(c.components) <= set(ids)
                 and (c.family is None or f == c.family)]
        if names:
            out[cid] = names
    return out
