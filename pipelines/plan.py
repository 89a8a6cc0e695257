"""Planning stage: which knowledge-point combinations each creator works on this round."""

from __future__ import annotations

import zlib
from collections.abc import Mapping

from knowledge import KnowledgeGraph, sample_picks
from pipelines.creators.base import Family


def round_seed(seed: int, round: int, domain: str) -> int:
    """A stable per-(round, domain) seed, so partitions are reproducible independently."""
    return zlib.crc32(f"{seed}:{round}:{domain}".encode()) & 0x7FFFFFFF


def make_plans(graph: KnowledgeGraph, domain: str, round: int, n: int, seed: int,
               families: Mapping[str, Family]) -> list[dict]:
    """``n`` plan rows for one (round, domain): knowledge points, creator, seed, difficulty."""
    covering = {f.name: list(f.node_ids) for f in families.values() if f.domain == domain}
    base = round_seed(seed, round, domain)
    picks = sample_picks(graph, domain, covering, n, base)
    return [
        {
            "plan_id": f"r{round}.{domain}.{i:04d}",
            "node_ids": list(p.node_ids),
            "creator": f"procedural:{p.family}",
            "seed": base + i,
            "target_difficulty": 1 + i % 3,
            "round": round,
            "domain": domain,
        }
        for i, p in enumerate(picks)
    ]
