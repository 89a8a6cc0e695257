"""Planning stage: which knowledge-point combinations each creator works on this round."""

from __future__ import annotations

import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pyarrow.compute as pc

from knowledge import KnowledgeGraph, sample_picks
from knowledge.evolve import accepted_counts, composites, extend_graph
from pipelines.creators.base import Family
from warehouse.catalog import records
from warehouse.storage import Lake


@dataclass
class KnowledgeState:
    """What earlier rounds of a domain left in the lake: evolved nodes/edges, and accepted samples
    as groups (node_ids, family, variant, count: the samples with that knowledge-point set and
    construction), which is all the sampler's coverage counts need."""

    nodes: list[dict] = field(default_factory=list)
    edges: list[dict] = field(default_factory=list)
    samples: list[dict] = field(default_factory=list)


def round_seed(seed: int, round: int, domain: str) -> int:
    """A stable per-(round, domain) seed, so partitions are reproducible independently."""
    return zlib.crc32(f"{seed}:{round}:{domain}".encode()) & 0x7FFFFFFF


def evolved_nodes(lake: Lake, domain: str, round: int) -> list[dict]:
    """``domain``'s knowledge nodes evolved in rounds before ``round``."""
    return lake.read("knowledge_nodes", domain=domain,
                     filter=(pc.field("round") < round) & (pc.field("source") == "evolved")).to_pylist()


def knowledge_state(lake: Lake, domain: str, round: int) -> KnowledgeState:
    """Evolved knowledge and accepted-sample groups of ``domain`` from rounds before ``round``."""
    edges = lake.read("knowledge_edges", domain=domain,
                      filter=(pc.field("round") < round) & (pc.field("kind") != "prerequisite"))
    return KnowledgeState(nodes=evolved_nodes(lake, domain, round), edges=edges.to_pylist(),
                          samples=sample_groups(lake, domain, round))


def sample_groups(lake: Lake, domain: str, round: int) -> list[dict]:
    """``domain``'s accepted samples of rounds before ``round``, counted by DuckDB per (distinct
    sorted node_ids, family, variant): history as a few hundred groups, not a million rows."""
    scan = lake.parquet_scan("samples")
    if scan is None:
        return []
    with lake.duckdb() as con:
        return records(con, f"""
            SELECT list_sort(list_distinct(node_ids)) AS node_ids, family, variant, count(*) AS count
            FROM {scan} WHERE domain = ? AND round < ? GROUP BY ALL ORDER BY ALL""", [domain, round])


def make_plans(graph: KnowledgeGraph, domain: str, round: int, n: int, seed: int,
               families: Mapping[str, Family], state: KnowledgeState | None = None) -> list[dict]:
    """``n`` plan rows for one (round, domain): knowledge points, creator, seed, difficulty.

    With ``state``, the sampler draws from the seed graph plus evolved nodes and favours the
    nodes (points and composites) with the fewest accepted samples so far."""
    state = state or KnowledgeState()
    covering = {f.name: list(f.node_ids) for f in families.values() if f.domain == domain}
    full = extend_graph(graph, state.nodes, state.edges)
    comps = composites(state.nodes)
    prior = accepted_counts(_points(full, domain, comps), comps, state.samples)
    base = round_seed(seed, round, domain)
    picks = sample_picks(full, domain, covering, n, base, composites=comps, prior=prior)
    return [
        {
            "plan_id": f"r{round}.{domain}.{i:04d}",
            "node_ids": list(p.node_ids),
            "creator": f"procedural:{p.family}",
            "seed": base + i,
            "target_difficulty": 1 + i % 3,
            "evolved_node_id": p.evolved_node_id,
            "round": round,
            "domain": domain,
        }
        for i, p in enumerate(picks)
    ]


def _points(graph: KnowledgeGraph, domain: str, comps: Mapping) -> Sequence[str]:
    return [p.node_id for p in graph.points(domain) if p.node_id not in comps]
