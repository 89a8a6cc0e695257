"""Model creator: knowledge points in, one validated draft per plan out (or a rejected row).

The prompt (``prompts/creator.v<N>.md``) gets each knowledge point's name, description and
prerequisites, plus one accepted sample of the same points from earlier rounds when there is one.
Malformed replies, failed requests and budget refusals become ``draft_rejections`` rows with the
reason; nothing here raises for a bad reply."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from knowledge import KnowledgeGraph
from pipelines.llm.client import ChatClient, Completion
from pipelines.llm.drafts import DraftError, parse_draft
from pipelines.llm.prompting import Prompt, load_prompt
from pipelines.records import Lineage, draft_to_row

CREATE_PARAMS = {"temperature": 0.7, "max_tokens": 3000}


@dataclass
class Created:
    drafts: list[dict] = field(default_factory=list)
    rejections: list[dict] = field(default_factory=list)


def creator_name(model: str) -> str:
    return f"model:{model}"


def knowledge_context(graph: KnowledgeGraph, node_ids: Sequence[str]) -> str:
    """Name, description and prerequisites of each knowledge point, one block per point."""
    blocks = []
    for nid in node_ids:
        node = graph.nodes.get(nid)
        if node is None:
            raise KeyError(f"knowledge point {nid!r} is not in the graph")
        pre = [graph.nodes[p].name for p in graph.prerequisites(nid) if p in graph.nodes]
        blocks.append(f"- {node.name} ({nid}): {node.description}"
                      + (f" Prerequisites: {', '.join(pre)}." if pre else ""))
    return "\n".join(blocks)


def example_text(example: Mapping | None) -> str:
    if not example:
        return ""
    return ("An accepted earlier problem on these points (write a different one):\n"
            f"Question: {example['question']}\nAnswer: {example['answer']}\n")


def creation_prompt(prompt: Prompt, graph: KnowledgeGraph, plan: Mapping, example: Mapping | None) -> str:
    return prompt.fill(domain=plan["domain"], knowledge=knowledge_context(graph, plan["node_ids"]),
                       difficulty=plan["target_difficulty"], example=example_text(example))


def rejection_row(plan: Mapping, creator: str, stage: str, reason: str, reply: str, prompt: Prompt,
                  done: Completion | None) -> dict:
    return {
        "plan_id": plan["plan_id"],
        "sample_id": plan.get("sample_id") or plan["plan_id"],
        "creator": creator,
        "stage": stage,
        "reason": reason,
        "reply_excerpt": reply[:500],
        "prompt_hash": prompt.hash,
        "tokens": (done.prompt_tokens + done.completion_tokens) if done else None,
        "round": plan["round"],
        "domain": plan["domain"],
    }


def create_with_model(plans: Sequence[Mapping], graph: KnowledgeGraph, client: ChatClient,
                      examples: Mapping[tuple[str, ...], Mapping] | None = None, prompt: Prompt | None = None,
                      progress: bool = False) -> Created:
    """One request per plan (batched, bounded concurrency); valid replies become attempt-0 drafts."""
    prompt = prompt or load_prompt("creator")
    creator = creator_name(client.model)
    examples = examples or {}
    requests = [{"messages": [{"role": "user", "content": creation_prompt(
        prompt, graph, p, examples.get(tuple(sorted(p["node_ids"]))))}], **CREATE_PARAMS} for p in plans]
    out = Created()
    for plan, done in zip(plans, client.complete_many(requests, progress=progress), strict=True):
        if not done.ok:
            out.rejections.append(rejection_row(plan, creator, "create", f"request failed: {done.error}", "",
                                                prompt, done))
            continue
        try:
            draft = parse_draft(done.text, domain=plan["domain"], node_ids=tuple(plan["node_ids"]), seed=plan["seed"],
                                difficulty=plan["target_difficulty"], params={"prompt": prompt.id})
        except DraftError as err:
            out.rejections.append(rejection_row(plan, creator, "create", f"malformed reply: {err}", done.text,
                                                prompt, done))
            continue
        out.drafts.append(draft_to_row(
            draft, Lineage(sample_id=plan["plan_id"], plan_id=plan["plan_id"], round=plan["round"]),
            creator=creator, model=client.model, prompt_hash=prompt.hash,
            tokens=done.prompt_tokens + done.completion_tokens, seconds=done.seconds))
    return out


def assign_model_creator(plans: Sequence[dict], model: str, share: float, seed: int = 0) -> list[dict]:
    """``plans`` with about ``share`` of them (chosen reproducibly by plan id) given to the model."""
    from pipelines.split import stable_fraction

    if not 0.0 <= share <= 1.0:
        raise ValueError(f"creator share must be in [0, 1], got {share}")
    return [{**p, "creator": creator_name(model)} if stable_fraction(f"{seed}:{p['plan_id']}") < share else dict(p)
            for p in plans]
