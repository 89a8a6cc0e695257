"""Judge-free scoring per benchmark, on a finished :class:`Trajectory`, reusing pipelines/scoring.

* Answers (VTBench reasoning, the project's interactive reasoning, MathVision, MathVista): the
  final answer is the last ``<answer>…</answer>`` of the response, unboxed and stripped of "The
  answer is"; a free-text response without tags (VLMEvalKit style) goes through the official
  rule-based extraction (the last ``\\boxed{}``, "the answer is X", else the text itself;
  :func:`pipelines.scoring.extract.extract_answer`); then :func:`pipelines.scoring.answer_matches`
  (option letters or option text, VLMEvalKit's ``can_infer`` for letters in free text such as
  "(C) 70", numbers with tolerance and units, the last number of a free-text answer such as
  "4 triangles", fractions and LaTeX, math-verify).
* We-Math: the option letter of the answer (letter forms or option text; else the official rule:
  first character after the last "Answer", ``:``/``.`` stripped); 1 when it is the gold letter.
  Aggregates: the official four dimensions and the one/two/three-step accuracies (accuracy.py).
* VisuLogic: the official letter extraction over the whole response: the last ``\\boxed{}``, else
  the last ``<answer>`` (either discarded when it holds "letter" or " or ", or is longer than 2),
  else the language rules ("the answer is X", "Answer: X", a trailing " X." or "(X)."); no letter
  is 'N'. 1 when it equals the gold letter (case-insensitive).
* Pixel truth, the project's benchmark (exact, no judge): perception = the produced image's marks
  (blobs of changed pixels) matched one-to-one to the true points within 2.5 % of the diagonal,
  score = fraction hit, correct when all are; instruction-guided = IoU of the dilated change masks
  of the produced and the reference edit, correct (score 1) when IoU >= 0.5 (pipelines/scoring/pixels).
* VTBench perception / instruction without a judge (a proxy, the official score is the judge's):
  the ground-truth annotation image stands in for pixel truth: its marks against the original give
  the true points (perception), its change mask the reference edit (instruction); images of
  another size are resized to the original's first.
"""

from __future__ import annotations

import io
import json
import re
from dataclasses import dataclass, field

import numpy as np

from pipelines.check import parse_number
from pipelines.scoring import IOU_PASS, answer_matches, change_iou
from pipelines.scoring.extract import boxed, extract_answer
from pipelines.scoring.pixels import mark_centroids, match_marks
from train.eval.types import Trajectory
from warehouse.images import decode

LETTERS = "ABCDEFGH"
REASONING_TASKS = {("vtbench", "reasoning"), ("project", "interactive_reasoning")}


@dataclass(frozen=True)
class ItemScore:
    """``score`` in [0, 1]; ``correct`` when the item passes; ``answer`` what was extracted."""

    score: float
    correct: bool
    answer: str
    details: dict = field(default_factory=dict)


def _fail(answer: str, reason: str, **details) -> ItemScore:
    return ItemScore(0.0, False, answer, {"reason": reason, **details})


# ------------------------------------------------------------------------------ answers


def guess_type(reference: str) -> str:
    """answer_type of a free-form reference (VTBench's answer_reasoning has none)."""
    if re.fullmatch(r"\(?[A-H]\)?\.?", reference.strip()):
        return "choice"
    return "number" if parse_number(reference) is not None else "text"


def match_answer(pred: str, reference: str, answer_type: str, choices=()) -> bool:
    if not pred:
        return False
    return answer_matches(pred, reference, answer_type, list(choices))


def response_answer(traj: Trajectory) -> str | None:
    """The answer of a trajectory: its ``<answer>``, else the official free-text extraction."""
    return extract_answer("".join(t.text for t in traj.turns), free_text=True)


def score_answer(traj: Trajectory) -> ItemScore:
    item = traj.item
    pred = response_answer(traj)
    if not pred:
        return _fail("", "no answer")
    kind = guess_type(item.reference) if item.benchmark == "vtbench" else item.answer_type
    ok = match_answer(pred, item.reference, kind, item.choices)
    return ItemScore(float(ok), ok, pred, {"answer_type": kind})


def wemath_letter(answer: str, choices=()) -> str:
    """The option letter of a We-Math answer ('' when none)."""
    from pipelines.scoring.answers import choice_letter

    letter = choice_letter(answer, list(choices))
    if letter:
        return letter
    s = answer.split("Answer")[-1].strip()
    for ch in (">>", "<<", ":", "."):
        s = s.replace(ch, "")
    s = s.strip()
    if s and s[0].upper() in LETTERS:
        return s[0].upper()
    from pipelines.scoring.answers import can_infer

    return can_infer(answer, list(choices)) or ""


def score_wemath(traj: Trajectory) -> ItemScore:
    pred = response_answer(traj)
    if not pred:
        return _fail("", "no answer")
    letter = wemath_letter(pred, traj.item.choices)
    ok = letter == traj.item.reference.strip().upper()
    return ItemScore(float(ok), ok, letter, {})


_VL_RULES = [re.compile(p, re.I | re.S) for p in (
    r"(?:the\s+(?:final\s+)?answer\s+is|answer\s*:)\s*\(?([A-D])\)?(?![A-Za-z])",
    r"\s\(?([A-D])\)?\.?\s*$",
    r"^\(?([A-D])\)?\s*\n",
)]


def _letter_ok(s: str | None) -> str | None:
    if s is None:
        return None
    s = s.strip()
    if "letter" in s.lower() or " or " in f" {s.lower()} " or len(s) > 2:
        return None
    m = re.fullmatch(r"\(?([A-Da-d])\)?", s)
    return m.group(1).upper() if m else None


def visulogic_letter(response: str) -> str:
    """VisuLogic's official extraction (see the module docstring); 'N' when no letter is found."""
    letter = _letter_ok(boxed(response))
    if letter is None:
        letter = _letter_ok(extract_answer(response, clean=False))
    if letter is None:
        for rule in _VL_RULES:
            m = rule.search(response)
            if m:
                return m.group(1).upper()
    return letter or "N"


def score_visulogic(traj: Trajectory) -> ItemScore:
    letter = visulogic_letter("".join(t.text for t in traj.turns))
    ok = letter == traj.item.reference.strip().upper()
    return ItemScore(float(ok), ok, letter, {})


# ------------------------------------------------------------------------------ images


def _rgb(png: bytes, size: tuple[int, int] | None = None) -> np.ndarray:
    """RGB array of a PNG, resized (w, h) when it differs."""
    if size is None:
        return decode(png)
    from PIL import Image

    with Image.open(io.BytesIO(png)) as im:
        im = im.convert("RGB")
        return np.asarray(im if im.size == size else im.resize(size, Image.Resampling.NEAREST))


def score_marks(traj: Trajectory) -> ItemScore:
    """Perception: marks of the produced image against the true points (JSON, or the annotation's marks)."""
    item, png = traj.item, traj.final_png
    if png is None:
        return _fail("", "no image produced")
    before = decode(item.image_png)
    h, w = before.shape[:2]
    after = _rgb(png, (w, h))
    if item.benchmark == "project":
        truth = json.loads(item.reference)
    else:
        if item.reference_png is None:
            return _fail("", "no ground-truth image")
        cents = mark_centroids(before, _rgb(item.reference_png, (w, h)))
        if not cents:
            return _fail("", "the ground-truth image marks nothing")
        truth = {f"m{i}": [x, y] for i, (x, y) in enumerate(cents)}
    marks = mark_centroids(before, after)
    s = match_marks(marks, truth, w, h)
    return ItemScore(s.score, s.correct, f"{len(marks)} marks", s.details)


def score_edit(traj: Trajectory) -> ItemScore:
    """Instruction-guided: IoU of the produced and the reference change masks."""
    item, png = traj.item, traj.final_png
    if png is None:
        return _fail("", "no image produced", iou=0.0)
    if item.reference_png is None:
        return _fail("", "no reference image")
    original = decode(item.image_png)
    size = (original.shape[1], original.shape[0])
    try:
        iou = change_iou(original, _rgb(png, size), _rgb(item.reference_png, size))
    except ValueError as err:  # the reference changes nothing: not scorable without a judge
        return _fail("", str(err))
    ok = iou >= IOU_PASS
    return ItemScore(float(ok), ok, f"iou={iou:.3f}", {"iou": round(iou, 4), "threshold": IOU_PASS})


def score(traj: Trajectory) -> ItemScore:
    """The judge-free score of one trajectory, by benchmark and task."""
    item = traj.item
    if item.benchmark == "wemath":
        return score_wemath(traj)
    if item.benchmark == "visulogic":
        return score_visulogic(traj)
    if item.task in ("perception",):
        return score_marks(traj)
    if item.task in ("instruction", "instruction_guided"):
        return score_edit(traj)
    return score_answer(traj)


# ------------------------------------------------------------------------------ aggregates


def wemath_four_dimensions(rows: list[dict]) -> dict[str, float]:
    """We-Math's official four-dimensional metric over ``eval_results``-shaped rows (``item_id`` =
    ``ID|key``, ``correct``): per multi-step problem, sub-questions vs the ``*_multi`` question.

    IK: a sub wrong and multi wrong; IG: all subs right, multi wrong; CM (strict): all right;
    RM (strict): a sub wrong, multi right; loose: CM adds "a sub right, multi right", RM keeps only
    "all subs wrong, multi right". Score = (n - 0.5 IG - RM - IK) / n (the official code fixes n at
    525, testmini's problem count; here n = problems present). RM rate = RM / (CM + RM)."""
    problems: dict[str, dict] = {}
    for r in rows:
        pid, _, key = r["item_id"].partition("|")
        if not re.match(r"[23]steps", pid):
            continue
        p = problems.setdefault(pid, {"subs": [], "multi": None})
        if key.endswith("multi"):
            p["multi"] = bool(r["correct"])
        else:
            p["subs"].append(bool(r["correct"]))
    full = [p for p in problems.values() if p["multi"] is not None and p["subs"]]
    n = len(full)
    if not n:
        return {}
    ik = sum(1 for p in full if not all(p["subs"]) and not p["multi"])
    ig = sum(1 for p in full if all(p["subs"]) and not p["multi"])
    cm_s = sum(1 for p in full if all(p["subs"]) and p["multi"])
    rm_s = sum(1 for p in full if not all(p["subs"]) and p["multi"])
    cm_l = sum(1 for p in full if any(p["subs"]) and p["multi"])
    rm_l = sum(1 for p in full if not any(p["subs"]) and p["multi"])
    return {"wemath_problems": n, "wemath_IK": ik / n, "wemath_IG": ig / n, "wemath_CM_strict": cm_s / n,
            "wemath_RM_strict": rm_s / n, "wemath_CM_loose": cm_l / n, "wemath_RM_loose": rm_l / n,
            "wemath_score_strict": (n - 0.5 * ig - rm_s - ik) / n, "wemath_score_loose": (n - 0.5 * ig - rm_l - ik) / n,
            "wemath_RM_rate_strict": rm_s / (cm_s + rm_s) if cm_s + rm_s else 0.0,
            "wemath_RM_rate_loose": rm_l / (cm_l + rm_l) if cm_l + rm_l else 0.0}


def _mean(xs: list[float]) -> float:
    return float(sum(xs) / len(xs)) if xs else 0.0


def wemath_steps(rows: list[dict]) -> dict[str, tuple[float, int]]:
    """We-Math's accuracy.py: one-step accuracy over every single-step question (the sub-questions,
    ``key`` not ``*_multi``), two- and three-step accuracy over the ``*_multi`` questions of 2-step and
    3-step problems. metric -> (accuracy, n); a level with no rows is left out."""
    levels: dict[str, list[bool]] = {"wemath_one_step": [], "wemath_two_step": [], "wemath_three_step": []}
    for r in rows:
        pid, _, key = r["item_id"].partition("|")
        if not key.endswith("multi"):
            levels["wemath_one_step"].append(bool(r["correct"]))
        elif pid.startswith("2steps") or key.startswith("2steps"):
            levels["wemath_two_step"].append(bool(r["correct"]))
        elif pid.startswith("3steps") or key.startswith("3steps"):
            levels["wemath_three_step"].append(bool(r["correct"]))
    return {k: (sum(v) / len(v), len(v)) for k, v in levels.items() if v}


def summarize(rows: list[dict], unavailable=()) -> list[dict]:
    """``eval_summary`` metrics of one run's ``eval_results`` rows: accuracy (judge-free) and
    judge_accuracy (where a judge ran) per benchmark x task, per category, overall; VTBench's Avg
    (mean of its three task accuracies, only when all three were scored) and We-Math's four
    dimensions and step accuracies. ``unavailable`` tasks (train/eval/benchmarks.unavailable_tasks)
    get one ``unavailable`` metric (value 1, n = their items) instead of an accuracy.

    Each metric: {benchmark, task, subset, metric, value, n}; task/subset 'all' = aggregated."""
    out = []

    def add(bench, task, group, metric, value, n):
        out.append({"benchmark": bench, "task": task, "subset": group, "metric": metric, "value": float(value),
                    "n": int(n)})

    def both(bench, task, group, rs):
        add(bench, task, group, "accuracy", _mean([r["score"] for r in rs]), len(rs))
        judged = [r["judge_score"] for r in rs if r["judge_score"] is not None]
        if judged:
            add(bench, task, group, "judge_accuracy", _mean(judged), len(judged))

    benches = sorted({r["benchmark"] for r in rows})
    for bench in benches:
        brs = [r for r in rows if r["benchmark"] == bench]
        tasks = sorted({r["task"] for r in brs})
        for task in tasks:
            trs = [r for r in brs if r["task"] == task]
            both(bench, task, "all", trs)
            for cat in sorted({r["category"] for r in trs} - {""}):
                both(bench, task, f"category={cat}", [r for r in trs if r["category"] == cat])
        both(bench, "all", "all", brs)
        if bench == "vtbench" and len(tasks) == 3:
            add(bench, "all", "all", "vtbench_avg",
                _mean([_mean([r["score"] for r in brs if r["task"] == t]) for t in tasks]), len(brs))
        if bench == "wemath":
            four = wemath_four_dimensions(brs)
            n = four.pop("wemath_problems", 0)
            for k, v in four.items():
                add(bench, "all", "all", k, v, n)
            for k, (v, m) in wemath_steps(brs).items():
                add(bench, "all", "all", k, v, m)
    for u in unavailable:
        add(u["benchmark"], u["task"], "all", "unavailable", 1.0, u["n"])
    return out
