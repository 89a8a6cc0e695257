"""Knowledge tables' rows for one (round, domain): the seed graph enters in a domain's first round."""

from __future__ import annotations

from knowledge import KnowledgeGraph
from warehouse.storage import Lake

# seed nodes have no components or evidence: those columns describe evolved nodes
SEED_PROVENANCE = {"components": [], "family": None, "variant": None, "condition": None, "evidence": [],
                   "weight": None}


def knowledge_rows(graph: KnowledgeGraph, domain: str, round: int) -> tuple[list[dict], list[dict]]:
    """All seed nodes of ``domain`` and the edges ending in them, stamped with ``round``."""
    nodes = [{**{k: v for k, v in n.items() if k != "round"}, **SEED_PROVENANCE, "round": round}
             for n in graph.node_rows() if n["domain"] == domain]
    ids = {n["node_id"] for n in nodes}
    edges = [{"src": e["src"], "dst": e["dst"], "kind": e["kind"], "weight": e["weight"], "evidence": [],
              "round": round, "domain": domain} for e in graph.edge_rows() if e["dst"] in ids]
    return nodes, edges


def seed_rows_for(graph: KnowledgeGraph, lake: Lake, round: int, domain: str) -> tuple[list[dict], list[dict]]:
    """The seed rows if no earlier round of ``domain`` holds them already, else none."""
    import pyarrow.compute as pc

    earlier = lake.count("knowledge_nodes", domain=domain, filter=pc.field("round") < round)
    return ([], []) if earlier else knowledge_rows(graph, domain, round)
