"""Model repairer: a failed model-written draft, its failures (rule reasons, render traceback,
judge reasons) and the draft itself go to the model; the corrected draft is a new attempt that is
rendered and checked again (rules, then the judge), for at most ``max_rounds`` rounds."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace

from pipelines.check import ImageCache, failed_dimensions
from pipelines.llm.client import ChatClient
from pipelines.llm.creator import rejection_row
from pipelines.llm.drafts import DraftError, draft_json, parse_draft
from pipelines.llm.judge import rules_then_judge
from pipelines.llm.prompting import load_prompt
from pipelines.records import draft_to_row, lineage_of, row_to_draft
from pipelines.render import render_drafts
from pipelines.repair import Attempts
from pipelines.sandbox import Sandbox

REPAIR_PARAMS = {"temperature": 0.2, "max_tokens": 3000}
ACTION = "model"


def failure_text(failed: Sequence[Mapping], render: Mapping | None) -> str:
    lines = [f"- [{v['checker']}] {v['dimension']}: {v['reason']}" for v in failed]
    if render is not None and render.get("status") != "ok":
        lines.append(f"- render {render['status']}: {render.get('error', '')[-800:]}")
    return "\n".join(lines)


def repair_with_model(rows: Sequence[Mapping], renders: Sequence[Mapping], verdicts: Sequence[Mapping],
                      images: ImageCache, families: Mapping, client: ChatClient, sandbox: Sandbox,
                      max_rounds: int = 2) -> tuple[Attempts, list[dict]]:
    """New attempts for the failed latest attempts among ``rows``; returns (attempts, rejections)."""
    prompt = load_prompt("repairer")
    out, rejections = Attempts(), []
    renders_by = {(r["sample_id"], r["attempt"]): r for r in renders}
    failing = {k: v for k, v in failed_dimensions(list(verdicts)).items() if v}
    latest: dict[str, Mapping] = {}
    for row in rows:
        if latest.get(row["sample_id"], {"attempt": -1})["attempt"] < row["attempt"]:
            latest[row["sample_id"]] = row
    todo = [r for r in latest.values() if (r["sample_id"], r["attempt"]) in failing]
    for _ in range(max_rounds):
        if not todo:
            break
        requests = []
        for row in todo:
            key = (row["sample_id"], row["attempt"])
            text = prompt.fill(failures=failure_text(failing[key], renders_by.get(key)),
                               sample=draft_json(row_to_draft(dict(row))))
            requests.append({"messages": [{"role": "user", "content": text}], **REPAIR_PARAMS})
        new_rows = []
        for row, done in zip(todo, client.complete_many(requests), strict=True):
            key = (row["sample_id"], row["attempt"])
            attempt = row["attempt"] + 1
            failed = failing[key]
            reason = "; ".join(f"{v['dimension']}: {v['reason']}" for v in failed)[:2000]
            base = {"sample_id": row["sample_id"], "failed": sorted({v["dimension"] for v in failed}),
                    "round": row["round"], "domain": row["domain"]}
            plan = {"plan_id": row["plan_id"], "sample_id": row["sample_id"], "round": row["round"],
                    "domain": row["domain"]}
            fixed = None
            if not done.ok:
                rejections.append(rejection_row(plan, row["creator"], "repair", f"request failed: {done.error}", "",
                                                prompt, done))
            else:
                try:
                    fixed = parse_draft(done.text, domain=row["domain"], node_ids=tuple(row["node_ids"]),
                                        seed=row["seed"], difficulty=row["difficulty"],
                                        params={"prompt": prompt.id})
                except DraftError as err:
                    rejections.append(rejection_row(plan, row["creator"], "repair", f"malformed reply: {err}",
                                                    done.text, prompt, done))
            out.repairs.append({**base, "attempt": attempt if fixed else row["attempt"],
                                "action": ACTION if fixed else "give_up", "reason": reason})
            if fixed is not None:
                at = replace(lineage_of(dict(row)), attempt=attempt, action=f"repair:{ACTION}")
                new_rows.append(draft_to_row(fixed, at, creator=row["creator"], model=client.model,
                                             prompt_hash=prompt.hash,
                                             tokens=done.prompt_tokens + done.completion_tokens,
                                             seconds=done.seconds))
        if not new_rows:
            break
        rendered = render_drafts(new_rows, sandbox)
        images.add(rendered.images)
        new_verdicts = rules_then_judge(new_rows, rendered.renders, images, families, client)
        out.extend(new_rows, rendered, new_verdicts)
        renders_by.update({(r["sample_id"], r["attempt"]): r for r in rendered.renders})
        failing = {k: v for k, v in failed_dimensions(new_verdicts).items() if v}
        todo = [r for r in new_rows if (r["sample_id"], r["attempt"]) in failing]
    return out, rejections
