"""Model-proposed knowledge points: from a round's accepted samples the model proposes new points of
the domain (``prompts/proposer.v<N>.md``); each proposal is validated before it joins the graph.

A proposal is kept when it has a name and a description (at least ``MIN_DESCRIPTION`` characters),
prerequisites that are existing knowledge points of the domain, and a procedural family of the domain
that covers all of them (the family realises it). It becomes an evolved level-2 node with condition
``{}`` (knowledge.subpoints): it counts only once an accepted sample names it, which happens when a
plan targets it and its family draws the draft. Everything else is a rejection with its reason."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from knowledge import KnowledgeGraph
from knowledge.graph import LEVEL_POINT
from pipelines.creators.base import Family
from pipelines.llm.client import ChatClient
from pipelines.llm.drafts import DraftError, extract_json
from pipelines.llm.prompting import Prompt, load_prompt

PROPOSE_PARAMS = {"temperature": 0.7, "max_tokens": 2000}
MAX_SAMPLES = 12  # accepted questions shown to the model
MAX_POINTS = 8  # proposals asked for per (round, domain)
MIN_DESCRIPTION = 20


@dataclass
class Proposed:
    nodes: list[dict] = field(default_factory=list)
    edges: list[dict] = field(default_factory=list)
    rejected: list[dict] = field(default_factory=list)  # {"proposal": excerpt, "reason": why}


def proposal_prompt(prompt: Prompt, graph: KnowledgeGraph, domain: str, families: Sequence[Family],
                    samples: Sequence[Mapping]) -> str:
    points = "\n".join(f"- {p.node_id}: {p.name}" for p in graph.points(domain))
    fams = "\n".join(f"- {f.name}: {', '.join(f.node_ids)}" for f in families)
    shown = "\n".join(f"- ({s['family']}) {s['question']}" for s in list(samples)[:MAX_SAMPLES]) or "- none"
    return prompt.fill(domain=domain, points=points, families=fams, samples=shown, limit=MAX_POINTS)


def _validate(p: object, graph: KnowledgeGraph, domain: str, families: Mapping[str, Family]) -> tuple[str, ...]:
    """The proposal's prerequisites when valid; raises ValueError naming the first problem."""
    if not isinstance(p, dict):
        raise ValueError("not an object")
    name, what, pre, fam = p.get("name"), p.get("description"), p.get("prerequisites"), p.get("family")
    if not isinstance(name, str) or not name.strip():
        raise ValueError("no name")
    if not isinstance(what, str) or len(what.strip()) < MIN_DESCRIPTION:
        raise ValueError(f"description shorter than {MIN_DESCRIPTION} characters")
    if not isinstance(pre, list) or not pre or not all(isinstance(i, str) for i in pre):
        raise ValueError("prerequisites must be a non-empty list of point ids")
    for i in pre:
        node = graph.nodes.get(i)
        if node is None or node.level != LEVEL_POINT or node.domain != domain:
            raise ValueError(f"prerequisite {i!r} is not a knowledge point of {domain!r}")
    family = families.get(fam) if isinstance(fam, str) else None
    if family is None or family.domain != domain:
        raise ValueError(f"family {fam!r} is not a procedural family of {domain!r}")
    if not set(pre) <= set(family.node_ids):
        raise ValueError(f"family {fam!r} does not cover the prerequisites {sorted(set(pre) - set(family.node_ids))}")
    return tuple(sorted(set(pre)))


def propose_points(graph: KnowledgeGraph, samples: Sequence[Mapping], round: int, domain: str,
                   families: Mapping[str, Family], client: ChatClient, prompt: Prompt | None = None) -> Proposed:
    """Validated model proposals of new points for (round, domain) as node and ``composes`` edge rows."""
    prompt = prompt or load_prompt("proposer")
    own = [f for f in families.values() if f.domain == domain]
    out = Proposed()
    if not samples or not own:
        return out
    done = client.complete([{"role": "user", "content": proposal_prompt(prompt, graph, domain, own, samples)}],
                           **PROPOSE_PARAMS)
    if not done.ok:
        out.rejected.append({"proposal": "", "reason": f"request failed: {done.error}"})
        return out
    try:
        points = extract_json(done.text).get("points")
    except DraftError as err:
        out.rejected.append({"proposal": done.text[:200], "reason": f"malformed reply: {err}"})
        return out
    evidence = [s["sample_id"] for s in samples]
    for p in (points if isinstance(points, list) else [points])[:MAX_POINTS]:
        try:
            pre = _validate(p, graph, domain, families)
        except ValueError as err:
            out.rejected.append({"proposal": json.dumps(p)[:200], "reason": str(err)})
            continue
        key = f"m|{p['family']}|{p['name'].strip().lower()}|{'|'.join(pre)}"
        topic = graph.nodes[pre[0]].parent_id
        node_id = f"{topic}.mp_{hashlib.sha1(key.encode()).hexdigest()[:10]}"
        if node_id in graph.nodes or any(n["node_id"] == node_id for n in out.nodes):
            out.rejected.append({"proposal": p["name"][:200], "reason": "already in the graph"})
            continue
        out.nodes.append({"node_id": node_id, "name": p["name"].strip(),
                          "description": f"{p['description'].strip()} (Proposed by {client.model} in round {round}.)",
                          "level": LEVEL_POINT, "parent_id": topic, "source": "evolved", "components": list(pre),
                          "family": p["family"], "variant": None, "condition": "{}", "evidence": evidence,
                          "weight": float(len(evidence)), "round": round, "domain": domain})
        out.edges += [{"src": c, "dst": node_id, "kind": "composes", "weight": 1.0, "evidence": evidence,
                       "round": round, "domain": domain} for c in pre]
    return out
