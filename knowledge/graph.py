"""The knowledge graph: domains -> topics -> knowledge points, plus typed edges between nodes.

A :class:`KnowledgeGraph` is immutable and closed: every ``parent_id`` and every edge endpoint
names a node of the same graph (checked on construction), so its node and edge tables can be
written to Parquet without dangling references.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

LEVEL_DOMAIN, LEVEL_TOPIC, LEVEL_POINT = 0, 1, 2
SOURCES = frozenset({"seed", "evolved"})
EDGE_KINDS = frozenset({"prerequisite", "cooccurs", "composes"})


@dataclass(frozen=True)
class Node:
    node_id: str
    domain: str
    name: str
    description: str
    level: int  # 0 domain, 1 topic, 2 knowledge point
    parent_id: str | None
    source: str = "seed"  # seed | evolved
    round: int = 0  # round it was introduced (seed: 0)


@dataclass(frozen=True)
class Edge:
    src: str
    dst: str
    kind: str  # prerequisite | cooccurs | composes; for prerequisite: src is required before dst
    weight: float = 1.0
    round: int = 0


@dataclass(frozen=True)
class KnowledgeGraph:
    nodes: dict[str, Node]
    edges: tuple[Edge, ...] = ()
    _prereqs: dict[str, tuple[str, ...]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        for key, node in self.nodes.items():
            if key != node.node_id:
                raise ValueError(f"node stored under {key!r} has node_id {node.node_id!r}")
            if node.level not in (LEVEL_DOMAIN, LEVEL_TOPIC, LEVEL_POINT):
                raise ValueError(f"node {key!r}: level {node.level!r} is not 0, 1 or 2")
            if node.source not in SOURCES:
                raise ValueError(f"node {key!r}: source {node.source!r} not in {sorted(SOURCES)}")
            if (node.parent_id is None) != (node.level == LEVEL_DOMAIN):
                raise ValueError(f"node {key!r}: only domains (level 0) have no parent")
            parent = self.nodes.get(node.parent_id) if node.parent_id is not None else None
            if node.parent_id is not None and (parent is None or parent.level != node.level - 1):
                raise ValueError(f"node {key!r}: parent {node.parent_id!r} is not a level-{node.level - 1} node")
        prereqs: dict[str, list[str]] = {}
        for edge in self.edges:
            if edge.kind not in EDGE_KINDS:
                raise ValueError(f"edge {edge.src!r} -> {edge.dst!r}: kind {edge.kind!r} not in {sorted(EDGE_KINDS)}")
            for end in (edge.src, edge.dst):
                if end not in self.nodes:
                    raise ValueError(f"edge {edge.src!r} -> {edge.dst!r} ({edge.kind}): unknown node {end!r}")
            if edge.kind == "prerequisite":
                prereqs.setdefault(edge.dst, []).append(edge.src)
        object.__setattr__(self, "_prereqs", {k: tuple(sorted(set(v))) for k, v in prereqs.items()})

    def domains(self) -> list[str]:
        """Sorted ids of the domain (level-0) nodes."""
        return sorted(n.node_id for n in self.nodes.values() if n.level == LEVEL_DOMAIN)

    def points(self, domain: str) -> list[Node]:
        """Knowledge points (level 2) of ``domain``, sorted by id. KeyError for an unknown domain."""
        node = self.nodes.get(domain)
        if node is None or node.level != LEVEL_DOMAIN:
            raise KeyError(f"unknown domain {domain!r}")
        return sorted(
            (n for n in self.nodes.values() if n.level == LEVEL_POINT and n.domain == domain),
            key=lambda n: n.node_id,
        )

    def prerequisites(self, node_id: str) -> list[str]:
        """Sorted ids of the direct prerequisites of ``node_id``. KeyError for an unknown node."""
        if node_id not in self.nodes:
            raise KeyError(f"unknown node {node_id!r}")
        return list(self._prereqs.get(node_id, ()))

    def node_rows(self) -> list[dict]:
        """One plain dict per node (keys = Node fields), sorted by node_id."""
        return [dataclasses.asdict(self.nodes[k]) for k in sorted(self.nodes)]

    def edge_rows(self) -> list[dict]:
        """One plain dict per edge (keys = Edge fields), sorted by (kind, src, dst)."""
        return [dataclasses.asdict(e) for e in sorted(self.edges, key=lambda e: (e.kind, e.src, e.dst, e.round))]
