"""One evaluation run: items from the lake -> the loop -> judge-free scores (+ optional judge) ->
``eval_results`` / ``eval_turns`` / ``eval_summary`` rows and the produced images, written per
benchmark partition (round 0, domain = benchmark) in files named after the run."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone

from pipelines.sandbox import Limits, Sandbox
from train.eval.backends import Backend
from train.eval.benchmarks import load_items, unavailable_tasks
from train.eval.judge import judge
from train.eval.loop import run_items
from train.eval.scoring import score, summarize
from train.eval.types import Trajectory
from warehouse.images import image_row
from warehouse.storage import Lake

ROUND = 0


@dataclass
class EvalRun:
    results: list[dict] = field(default_factory=list)
    turns: list[dict] = field(default_factory=list)
    summary: list[dict] = field(default_factory=list)
    images: dict[str, bytes] = field(default_factory=dict)  # produced images by id
    unavailable: list[dict] = field(default_factory=list)  # tasks the loaded files cannot score (and why)
    seconds: float = 0.0

    @property
    def items_per_s(self) -> float:
        return len(self.results) / self.seconds if self.seconds else 0.0


def result_rows(trajs: Sequence[Trajectory], run_id: str, checkpoint: str, backend: str,
                judge_client=None) -> tuple[list[dict], list[dict]]:
    """(eval_results rows, eval_turns rows) of scored trajectories."""
    scores = [score(t) for t in trajs]
    verdicts = judge(trajs, [s.answer for s in scores], judge_client) if judge_client is not None else [None] * len(trajs)
    results, turns = [], []
    for t, s, v in zip(trajs, scores, verdicts):
        it = t.item
        results.append({
            "run_id": run_id, "checkpoint": checkpoint, "backend": backend, "benchmark": it.benchmark,
            "task": it.task, "item_id": it.item_id, "category": it.category, "turns": len(t.turns),
            "tool_calls": t.tool_calls, "code_errors": t.code_errors, "stop_reason": t.stop_reason,
            "answer": s.answer, "score": float(s.score), "correct": bool(s.correct),
            "score_details": json.dumps(s.details, default=str), "judge_score": v.score if v else None,
            "judge_reason": v.reason if v else None, "judge_prompt": v.prompt if v else None,
            "reference": it.reference, "response": t.response, "image_id": it.image_id,
            "final_image_id": next((x.output_image_id for x in reversed(t.turns) if x.output_image_id), None),
            "seconds": float(t.seconds), "round": ROUND, "domain": it.benchmark})
        for x in t.turns:
            turns.append({
                "run_id": run_id, "benchmark": it.benchmark, "task": it.task, "item_id": it.item_id,
                "turn": x.index, "text": x.text, "finish_reason": x.finish_reason, "status": x.status,
                "code": x.code, "error": x.error, "stdout": x.stdout, "input_image_id": x.input_image_id,
                "output_image_id": x.output_image_id, "replayed_blocks": x.replayed_blocks,
                "seconds": float(x.seconds), "round": ROUND, "domain": it.benchmark})
    return results, turns


def summary_rows(results: list[dict], run_id: str, checkpoint: str, backend: str,
                 unavailable: Sequence[dict] = ()) -> list[dict]:
    now = datetime.now(timezone.utc)
    return [{"run_id": run_id, "checkpoint": checkpoint, "backend": backend, **m, "created_at": now,
             "round": ROUND, "domain": m["benchmark"]} for m in summarize(results, unavailable)]


def evaluate(lake: Lake, specs: Sequence[str], backend: Backend, sandbox: Sandbox, run_id: str, *,
             limit: int = 0, max_new_tokens: int = 1024, max_turns: int | None = None,
             limits: Limits | None = None, judge_client=None, progress: bool = True) -> EvalRun:
    """Evaluate ``backend`` on the benchmarks named by ``specs`` (see train/eval/benchmarks.py)."""
    import time

    items = load_items(lake, specs, limit)  # every benchmark is found before any model time is spent
    missing = unavailable_tasks(lake, specs)
    t0 = time.perf_counter()
    trajs = run_items(items, backend, sandbox, max_new_tokens=max_new_tokens, max_turns=max_turns, limits=limits,
                      progress=progress)
    run = EvalRun(seconds=time.perf_counter() - t0)
    run.results, run.turns = result_rows(trajs, run_id, backend.checkpoint, backend.name, judge_client)
    run.summary = summary_rows(run.results, run_id, backend.checkpoint, backend.name, missing)
    run.unavailable = missing
    for t in trajs:
        for x in t.turns:
            if x.output_png is not None:
                run.images[x.output_image_id] = x.output_png
    return run


def write_run(lake: Lake, run: EvalRun, run_id: str) -> list[str]:
    """Write the run's rows and produced images, one file per table and benchmark."""
    producer = f"eval-{run_id}"
    paths = []
    by_bench = sorted({r["benchmark"] for r in run.results} | {r["benchmark"] for r in run.summary})
    for bench in by_bench:
        pngs = {r["final_image_id"] for r in run.results if r["benchmark"] == bench and r["final_image_id"]}
        pngs |= {t["output_image_id"] for t in run.turns if t["benchmark"] == bench and t["output_image_id"]}
        if pngs:
            paths.append(lake.write("images", [image_row(run.images[i], ROUND, bench) for i in sorted(pngs)],
                                    round=ROUND, domain=bench, producer=producer))
        for table, rows in (("eval_turns", run.turns), ("eval_summary", run.summary), ("eval_results", run.results)):
            mine = [r for r in rows if r["domain"] == bench]
            if mine:
                paths.append(lake.write(table, mine, round=ROUND, domain=bench, producer=producer))
    return paths
