"""Knowledge evolution: new knowledge nodes and edges proposed from what a round accepted.

Two kinds of evidence, both read from accepted samples of one (round, domain):

* co-occurrence: a sample whose ``node_ids`` hold >= 2 knowledge points links every pair of them
  with a ``cooccurs`` edge (weight = samples this round) and yields a *composite* point whose
  components are exactly that set;
* composition: an accepted expansion child (``expansion`` parallel/sequential) yields a composite
  point "its points + the harder construction ``variant`` of ``family``".

and *sub-points* (knowledge.subpoints): a family's parameter space split into named, checkable
cases, proposed from the construction parameters (``params``) of the accepted samples; these are
new knowledge points, not combinations of existing ones.

Each composite is a level-2 point of the same domain (parent: the topic of its first
component), ``source='evolved'``, with a deterministic id (hash of what it combines), so the
same evidence in a later round names the same node; a node is proposed once (the round it is
first seen), edges every round (that round's weight and evidence). ``composes`` edges link each
component to its composite. Every row carries its round, evidence sample ids and weight.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from knowledge import subpoints
from knowledge.graph import LEVEL_POINT, Edge, KnowledgeGraph, Node

EXPANSIONS = ("parallel", "sequential")


@dataclass(frozen=True)
class Composite:
    """What an evolved point combines: seed points, and for a composition the family and variant."""

    node_id: str
    components: tuple[str, ...]
    family: str | None = None
    variant: str | None = None
    condition: str | None = None  # a sub-point's JSON condition: realised only by samples naming it

    def covered_by(self, sample: Mapping) -> bool:
        """True if an accepted sample realises this composite (its points, and its construction);
        a sub-point is realised by the samples whose creation checked its condition (they name it)."""
        if self.condition is not None:
            return self.node_id in sample["node_ids"]
        if not set(self.components) <= set(sample["node_ids"]):
            return False
        return self.variant is None or (sample["variant"] == self.variant and sample["family"] == self.family)


def composite_id(graph: KnowledgeGraph, components: Sequence[str], family: str | None = None,
                 variant: str | None = None) -> str:
    """Deterministic id ``<topic of first component>.ev_<10 hex>`` for what the composite combines."""
    parts = sorted(set(components))
    key = "|".join(["x", family or "", variant or "", *parts] if variant else ["c", *parts])
    return f"{graph.nodes[parts[0]].parent_id}.ev_{hashlib.sha1(key.encode()).hexdigest()[:10]}"


def _check_points(graph: KnowledgeGraph, domain: str, sample: Mapping) -> tuple[str, ...]:
    ids = tuple(sorted(set(sample["node_ids"])))
    for i in ids:
        node = graph.nodes.get(i)
        if node is None or node.level != LEVEL_POINT or node.domain != domain:
            raise ValueError(f"sample {sample['sample_id']!r}: node id {i!r} is not a knowledge point of {domain!r}")
    return ids


def evolve(graph: KnowledgeGraph, samples: Iterable[Mapping], round: int, domain: str,
           conditions: Mapping[str, dict] | None = None) -> tuple[list[dict], list[dict]]:
    """(node rows, edge rows) evolved from one (round, domain)'s accepted ``samples``.

    ``graph`` holds the seed points and the evolved nodes of earlier rounds: nodes already in it
    are not proposed again. Sample rows need sample_id, node_ids, expansion, family, variant, and
    ``params`` (dict or JSON) for sub-points; ``conditions`` maps the sub-points of earlier rounds
    to their conditions (knowledge.subpoints.conditions). Composites combine seed points only."""
    samples = sorted(samples, key=lambda r: r["sample_id"])
    groups: dict[tuple, list[str]] = {}  # (components, family, variant) -> evidence sample ids
    pairs: dict[tuple[str, str], list[str]] = {}
    for s in samples:
        ids = tuple(i for i in _check_points(graph, domain, s) if graph.nodes[i].source == "seed")
        if len(ids) >= 2:
            groups.setdefault((ids, None, None), []).append(s["sample_id"])
            for a_i, a in enumerate(ids):
                for b in ids[a_i + 1:]:
                    pairs.setdefault((a, b), []).append(s["sample_id"])
        if s["expansion"] in EXPANSIONS and ids:
            groups.setdefault((ids, s["family"], s["variant"]), []).append(s["sample_id"])

    nodes, edges = [], []
    for (ids, family, variant), evidence in sorted(groups.items(), key=lambda kv: (kv[0][0], kv[0][1] or "",
                                                                                   kv[0][2] or "")):
        node_id = composite_id(graph, ids, family, variant)
        if node_id not in graph.nodes:
            nodes.append(_node_row(graph, node_id, ids, family, variant, evidence, round, domain))
        edges += [_edge_row(c, node_id, "composes", evidence, round, domain) for c in ids]
    edges += [_edge_row(a, b, "cooccurs", ev, round, domain) for (a, b), ev in sorted(pairs.items())]
    sub_nodes, sub_edges = _subpoints(graph, samples, round, domain, conditions or {})
    return nodes + sub_nodes, edges + sub_edges


def _subpoints(graph: KnowledgeGraph, samples: list[Mapping], round: int, domain: str,
               conds: Mapping[str, dict]) -> tuple[list[dict], list[dict]]:
    """Sub-points refining what each procedural sample realised (knowledge.subpoints)."""
    found: dict[tuple[str, str], tuple[dict, list[str], set[str]]] = {}  # (family, cond json) -> ...
    for s in samples:
        params = s.get("params")
        if params is None or s.get("expansion", "none") != "none":
            continue
        params = json.loads(params) if isinstance(params, str) else params
        seeds = {i for i in s["node_ids"] if graph.nodes[i].source == "seed"}
        if not seeds:
            continue
        for cond in subpoints.refinements(params, subpoints.realised(s["node_ids"], conds)):
            key = (s["family"], json.dumps(cond, sort_keys=True))
            _, evidence, shared = found.setdefault(key, (cond, [], set(seeds)))
            evidence.append(s["sample_id"])
            shared &= seeds
    nodes, edges = [], []
    by_id = {s["sample_id"]: s for s in samples}
    for (family, cond_json), (cond, evidence, shared) in sorted(found.items()):
        first = by_id[evidence[0]]
        prereqs = sorted(shared) or sorted(i for i in first["node_ids"] if graph.nodes[i].source == "seed")
        topic = graph.nodes[prereqs[0]].parent_id
        node_id = subpoints.subpoint_id(topic, family, cond)
        if node_id not in graph.nodes:
            name, what = subpoints.describe(family, cond, [graph.nodes[i].name for i in prereqs])
            nodes.append({"node_id": node_id, "name": name,
                          "description": f"{what} Evolved in round {round} from {len(evidence)} accepted sample(s).",
                          "level": LEVEL_POINT, "parent_id": topic, "source": "evolved", "components": prereqs,
                          "family": family, "variant": None, "condition": cond_json, "evidence": evidence,
                          "weight": float(len(evidence)), "round": round, "domain": domain})
            edges += [_edge_row(c, node_id, "composes", evidence, round, domain) for c in prereqs]
    return nodes, edges


def _node_row(graph: KnowledgeGraph, node_id: str, ids: tuple[str, ...], family: str | None,
              variant: str | None, evidence: list[str], round: int, domain: str) -> dict:
    names = " + ".join(graph.nodes[i].name for i in ids)
    if variant:
        name = f"{names} + harder construction {variant}"
        what = (f"Composition evolved in round {round}: {names}, extended by the harder construction "
                f"{variant!r} of family {family!r}, accepted in {len(evidence)} sample(s).")
    else:
        name = names
        what = (f"Co-occurrence evolved in round {round}: {names} were combined in {len(evidence)} "
                f"accepted sample(s).")
    return {"node_id": node_id, "name": name, "description": what, "level": LEVEL_POINT,
            "parent_id": graph.nodes[ids[0]].parent_id, "source": "evolved", "components": list(ids),
            "family": family, "variant": variant, "condition": None, "evidence": evidence, "weight": float(len(evidence)),
            "round": round, "domain": domain}


def _edge_row(src: str, dst: str, kind: str, evidence: list[str], round: int, domain: str) -> dict:
    return {"src": src, "dst": dst, "kind": kind, "weight": float(len(evidence)), "evidence": evidence,
            "round": round, "domain": domain}


def composites(node_rows: Iterable[Mapping]) -> dict[str, Composite]:
    """The evolved rows among ``node_rows`` as :class:`Composite` by node id."""
    return {r["node_id"]: Composite(r["node_id"], tuple(r["components"]), r["family"], r["variant"],
                                    r.get("condition"))
            for r in node_rows if r["source"] == "evolved"}


def extend_graph(graph: KnowledgeGraph, node_rows: Iterable[Mapping], edge_rows: Iterable[Mapping] = ()
                 ) -> KnowledgeGraph:
    """``graph`` plus evolved node rows (and edge rows between known nodes), as one closed graph."""
    nodes = dict(graph.nodes)
    for r in sorted(node_rows, key=lambda r: r["node_id"]):
        nodes.setdefault(r["node_id"], Node(r["node_id"], r["domain"], r["name"], r["description"], int(r["level"]),
                                            r["parent_id"], r["source"], int(r["round"])))
    edges = [Edge(e["src"], e["dst"], e["kind"], float(e["weight"]), int(e["round"])) for e in edge_rows
             if e["kind"] != "prerequisite" and e["src"] in nodes and e["dst"] in nodes]
    return KnowledgeGraph(nodes, (*graph.edges, *edges))


def accepted_counts(points: Iterable[str], comps: Mapping[str, Composite], samples: Iterable[Mapping]
                    ) -> dict[str, int]:
    """Accepted samples per node: a point counts the samples naming it, a composite those realising it.
    A row with a ``count`` stands for that many samples (a GROUP BY of history, pipelines.plan)."""
    counts = dict.fromkeys(points, 0) | dict.fromkeys(comps, 0)
    by_first: dict[str, list[Composite]] = {}  # a composite can only match samples naming its first component
    for c in comps.values():
        by_first.setdefault(c.components[0], []).append(c)
    for s in samples:
        n = s.get("count", 1)
        for i in set(s["node_ids"]):
            if i in counts and i not in comps:
                counts[i] += n
            for c in by_first.get(i, ()):
                counts[c.node_id] += n * c.covered_by(s)
    return counts
