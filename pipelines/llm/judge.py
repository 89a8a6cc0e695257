"""Model checker: a vision-language judge scores each draft that passed the rule checks.

Three requests per draft: the judge sees the figure and every interaction image and scores text,
visual and image-action consistency (0-10 with a reason, V-Thinker's checker criteria); a solver
sees only the figure and the question (never the reference) and its answer is compared with the
reference; a third, text-only solve (no image) decides whether the question needs the figure (a
non-gating FIGURE verdict, read into samples.needs_figure). Verdict rows carry ``checker = model:<name>``. The judge only ever adds verdicts: a
draft that failed a rule is never sent, so a model cannot override a failed rule."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from pipelines.check import FIGURE
from pipelines.creators.common import LETTERS
from pipelines.llm.client import ChatClient, Completion, image_message
from pipelines.llm.drafts import DraftError, extract_json
from pipelines.llm.prompting import Prompt, load_prompt
from pipelines.scoring.answers import answer_matches
from pipelines.scoring.extract import extract_answer as _extract_answer

JUDGE_DIMENSIONS = ("text", "visual", "action")
PASS_SCORE = 8  # of 10; V-Thinker does not publish its threshold: we record ours
JUDGE_PARAMS = {"temperature": 0.0, "max_tokens": 800}
SOLVE_PARAMS = {"temperature": 0.0, "max_tokens": 1500}


def choices_text(choices: Sequence[str]) -> str:
    return "Options: " + "; ".join(f"({LETTERS[i]}) {c}" for i, c in enumerate(choices)) if choices else ""


def extract_answer(text: str) -> str | None:
    """The solver's last ``<answer>...</answer>`` as written; None when there is none (the solver must
    use the tags: no free-text guessing). The one extractor, pipelines/scoring/extract.py."""
    return _extract_answer(text, clean=False)


def parse_judgement(text: str) -> dict[str, tuple[float, str]]:
    """dimension -> (score 0..10, reason); :class:`DraftError` for a malformed reply."""
    obj = extract_json(text)
    out = {}
    for dim in JUDGE_DIMENSIONS:
        v = obj.get(dim)
        if not isinstance(v, dict) or isinstance(v.get("score"), bool) or not isinstance(v.get("score"), (int, float)):
            raise DraftError(dim, "expected {\"score\": 0-10, \"reason\": ...}")
        score = float(v["score"])
        if not 0 <= score <= 10:
            raise DraftError(f"{dim}.score", f"{score} is outside 0..10")
        out[dim] = (score, str(v.get("reason", "")))
    return out


def _verdict(row: Mapping, checker: str, dim: str, passed: bool, score: float, reason: str) -> dict:
    return {"sample_id": row["sample_id"], "attempt": row["attempt"], "checker": checker, "dimension": dim,
            "passed": bool(passed), "score": float(score), "reason": reason or ("ok" if passed else "failed"),
            "round": row["round"], "domain": row["domain"]}


def judge_requests(row: Mapping, render: Mapping, png_of: Callable[[str], bytes], judge: Prompt,
                   solver: Prompt, text_solver: Prompt | None = None) -> tuple[dict, ...]:
    interactions = "\n".join(f"{k + 1}. [{i['kind']}] {i['instruction']}" for k, i in enumerate(row["interactions"]))
    figure = png_of(render["image_id"])
    steps = [png_of(i) for i in render["interaction_image_ids"] if i]
    judge_text = judge.fill(question=row["question"], choices=choices_text(row["choices"]), answer=row["answer"],
                            solution=row["solution"], interactions=interactions or "(none)")
    solve_text = solver.fill(question=row["question"], choices=choices_text(row["choices"]))
    requests = ({"messages": [image_message(judge_text, figure, *steps)], **JUDGE_PARAMS},
                {"messages": [image_message(solve_text, figure)], **SOLVE_PARAMS})
    if text_solver is None:
        return requests
    blind = text_solver.fill(question=row["question"], choices=choices_text(row["choices"]))
    return (*requests, {"messages": [{"role": "user", "content": blind}], **SOLVE_PARAMS})


def figure_verdict(row: Mapping, checker: str, blind: Completion) -> list[dict]:
    """The FIGURE verdict of the text-only solve: passed (the figure is needed) when that solve
    did not reach the reference; none when the request failed (needs_figure stays unknown)."""
    if not blind.ok:
        return []
    got = extract_answer(blind.text)
    missed = got is None or not answer_matches(got, row["answer"], row["answer_type"], list(row["choices"]))
    return [_verdict(row, checker, FIGURE, missed, float(missed),
                     f"text-only solve gave {got!r}, reference {row['answer']!r}")]


def judge_verdicts(row: Mapping, checker: str, judged: Completion, solved: Completion,
                   pass_score: float = PASS_SCORE) -> list[dict]:
    """Four verdict rows (text, visual, action, answer) from the two completions of one draft."""
    out = []
    if not judged.ok:
        out += [_verdict(row, checker, d, False, 0.0, f"judge request failed: {judged.error}") for d in JUDGE_DIMENSIONS]
    else:
        try:
            scores = parse_judgement(judged.text)
            out += [_verdict(row, checker, d, s >= pass_score, s / 10, f"{s:g}/10: {r}") for d, (s, r) in scores.items()]
        except DraftError as err:
            out += [_verdict(row, checker, d, False, 0.0, f"judge reply malformed: {err}") for d in JUDGE_DIMENSIONS]
    if not solved.ok:
        out.append(_verdict(row, checker, "answer", False, 0.0, f"solver request failed: {solved.error}"))
        return out
    got = extract_answer(solved.text)
    if got is None:
        out.append(_verdict(row, checker, "answer", False, 0.0, "solver gave no <answer>...</answer>"))
        return out
    same = answer_matches(got, row["answer"], row["answer_type"], list(row["choices"]))
    out.append(_verdict(row, checker, "answer", same, float(same),
                        f"independent solve gave {got!r}, reference {row['answer']!r}"))
    return out


def judge_all(rows: Sequence[Mapping], renders: Sequence[Mapping], png_of: Callable[[str], bytes],
              client: ChatClient, pass_score: float = PASS_SCORE, progress: bool = False) -> list[dict]:
    """Model verdict rows for ``rows`` (draft attempts that passed every rule and rendered)."""
    judge, solver, blind = load_prompt("judge"), load_prompt("solver"), load_prompt("text_solver")
    by_key = {(r["sample_id"], r["attempt"]): r for r in renders}
    requests = []
    for row in rows:
        render = by_key[(row["sample_id"], row["attempt"])]
        requests.extend(judge_requests(row, render, png_of, judge, solver, blind))
    done = client.complete_many(requests, progress=progress)
    checker = f"model:{client.model}"
    out = []
    for k, row in enumerate(rows):
        out += judge_verdicts(row, checker, done[3 * k], done[3 * k + 1], pass_score)
        out += figure_verdict(row, checker, done[3 * k + 2])
    return out


def rules_then_judge(rows: Sequence[Mapping], renders: Sequence[Mapping], images, families: Mapping,
                     client: ChatClient | None, judge_procedural: bool = False, progress: bool = False) -> list[dict]:
    """Rule verdicts for every row, then model verdicts for the rows that passed every rule.

    Model-written drafts are always judged (their answer has no procedural re-derivation, so the
    independent solve is what verifies it); procedural ones only with ``judge_procedural``.
    ``images`` is a :class:`pipelines.check.ImageCache` holding the renders' images."""
    from pipelines.check import check_all, failed_dimensions
    from pipelines.creators.base import MODEL_FAMILY

    verdicts = check_all(list(rows), list(renders), images, families)
    failing = failed_dimensions(verdicts)
    todo = [r for r in rows if not failing[(r["sample_id"], r["attempt"])]
            and (r["family"] == MODEL_FAMILY or judge_procedural)]
    if todo and client is None:
        raise ValueError(f"{len(todo)} model-written drafts need the model judge, but no model client is "
                         "configured (set FLYWHEEL_LLM_BASE_URL or the llm resource)")
    if todo:
        verdicts += judge_all(todo, renders, images.png, client, progress=progress)
    return verdicts
