"""Rule-based checker: one verdict per dimension (text, visual, action, answer) per attempt.

Each dimension lists every failed rule in its reason, so a failing sample says why in SQL."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from fractions import Fraction

import numpy as np

from pipelines.creators.base import LABEL_TOKEN, MODEL_FAMILY, Draft, Family
from pipelines.records import row_to_draft
from warehouse.images import decode

CHECKER = "rules"
DIMENSIONS = ("text", "visual", "action", "answer")
# not a gate: the model judge's text-only solve (passed = it missed, so the figure is needed);
# curation reads it into samples.needs_figure for model drafts
FIGURE = "figure"
# an interaction must change pixels this close (px) to each element it names
NEAR_PX = 25
# per-channel difference that counts as a changed pixel (ignores anti-aliasing noise)
CHANGED = 40
# an interaction that changes this many pixels of the image's outermost rows and columns draws off
# the canvas (a line that runs out of the figure is clipped there); crops are exempt
EDGE_PIXELS = 2
# a measurement written after a number: "is 45°", "30 volts" state a value as a given
_UNIT = (r"(?:°|degrees?\b|volts?\b|ohms?\b|Ω|amperes?\b|newtons?\b|cm\b|mm\b|km\b|m\b|kg\b|g\b|%|"
         r"percent\b|minutes?\b|hours?\b|seconds?\b|cents?\b)")
_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def parse_number(text: str) -> Fraction | float | None:
    """A number answer: integer, decimal, fraction ``a/b`` (optionally negative); else None."""
    s = text.strip().replace("\u2212", "-").replace(" ", "")
    try:
        if re.fullmatch(r"-?\d+/\d+", s):
            return Fraction(s)
        if re.fullmatch(r"-?\d+(\.\d+)?([eE]-?\d+)?", s):
            return float(s)
    except (ValueError, ZeroDivisionError):
        return None
    return None


def answers_equal(a: str, b: str, answer_type: str) -> bool:
    if answer_type == "number":
        x, y = parse_number(a), parse_number(b)
        return x is not None and y is not None and abs(float(x) - float(y)) <= 1e-6 * max(1.0, abs(float(y)))
    return a.strip().lower() == b.strip().lower()


def _label_tokens(question: str) -> list[str]:
    return LABEL_TOKEN.findall(question)


def answer_stated(d: Draft) -> str | None:
    """Why the question already states its answer, or None: the correct option's text written in
    the question, or the number answer given as a value ("= 45", "is 45°", "30 volts")."""
    text = d.question.replace("\u2212", "-")
    if d.answer_type == "choice":
        k = _LETTERS.find(d.answer.strip())
        if not 0 <= k < len(d.choices):
            return None
        option = d.choices[k].strip()
        if len(option) >= 2 and re.search(rf"(?<![\w.]){re.escape(option)}(?![\w.])", text):
            return f"the question writes the correct option {option!r}"
        return None
    value = re.escape(d.answer.strip().replace("\u2212", "-"))
    if value and re.search(rf"(?:=\s*{value}|(?<![\w./-]){value}\s*{_UNIT})(?![\w/]|\.\d)", text):
        return f"the question states the answer {d.answer.strip()!r} as a given"
    return None


def check_text(d: Draft) -> list[str]:
    problems = []
    if not d.question.strip():
        problems.append("empty question")
    labels = {e.name for e in d.elements}
    single = {n for n in labels if len(n) == 1}
    for tok in _label_tokens(d.question):
        if tok not in labels and not all(ch in single for ch in tok):
            problems.append(f"question names {tok!r}, which is not an element")
    if d.answer_type == "number":
        if parse_number(d.answer) is None:
            problems.append(f"answer {d.answer!r} is not a number")
    elif d.answer_type == "choice":
        if not d.choices:
            problems.append("choice question without choices")
        elif d.answer not in _LETTERS[: len(d.choices)]:
            problems.append(f"answer {d.answer!r} is not one of the {len(d.choices)} option letters")
    elif d.answer_type == "text":
        if not d.answer.strip():
            problems.append("empty answer")
    else:
        problems.append(f"unknown answer type {d.answer_type!r}")
    stated = answer_stated(d)
    if stated:
        problems.append(stated)
    return problems


def _overlap(a: dict, b: dict, slack: float = 1.0) -> bool:
    return min(a["x1"], b["x1"]) - max(a["x0"], b["x0"]) > slack and min(a["y1"], b["y1"]) - max(a["y0"], b["y0"]) > slack


def check_visual(d: Draft, render: Mapping, image: np.ndarray | None) -> list[str]:
    if render["status"] != "ok" or image is None:
        return [f"render {render['status']}: {render['error'][-300:]}"]
    problems = []
    grey = image.mean(axis=2)
    ink = (np.abs(grey - np.median(grey)) > 30).mean()
    if grey.std() < 2 or ink < 0.002:
        problems.append(f"image is blank (ink {ink:.4f})")
    w, h = render["width"], render["height"]
    texts = render["texts"]
    for t in texts:
        if t["x0"] < 0 or t["y0"] < 0 or t["x1"] > w or t["y1"] > h:
            problems.append(f"label {t['text']!r} leaves the canvas")
    for i, a in enumerate(texts):
        for b in texts[i + 1:]:
            if _overlap(a, b):
                problems.append(f"labels {a['text']!r} and {b['text']!r} overlap")
    shown = {t["text"].strip() for t in texts}
    for e in d.elements:
        if e.kind == "point" and e.name not in shown:
            problems.append(f"point {e.name!r} has no label on the canvas")
    for p in render["points_px"]:
        if not (0 <= p["x"] <= w and 0 <= p["y"] <= h):
            problems.append(f"element {p['name']!r} lies outside the canvas")
    return problems


def changed_mask(before: np.ndarray, after: np.ndarray) -> np.ndarray:
    """Pixels whose colour changed by more than anti-aliasing noise (the one change rule)."""
    return (np.abs(before.astype(np.int16) - after.astype(np.int16)) > CHANGED).any(axis=2)


def check_action(d: Draft, render: Mapping, load: Callable[[str], np.ndarray]) -> list[str]:
    if not d.interactions:
        return ["no interactions"]
    if render["status"] != "ok":
        return ["figure did not render, interactions not run"]
    problems = []
    points = {p["name"]: (p["x"], p["y"]) for p in render["points_px"]}
    before = load(render["image_id"])
    for k, (inter, status, error, img_id) in enumerate(zip(
            d.interactions, render["interaction_status"], render["interaction_errors"],
            render["interaction_image_ids"])):
        if status != "ok":
            problems.append(f"interaction {k} ({inter.kind}) {status}: {error[-200:]}")
            continue
        after = load(img_id)
        if inter.kind == "crop":
            if after.shape[0] * after.shape[1] >= before.shape[0] * before.shape[1]:
                problems.append(f"interaction {k} (crop) did not shrink the image")
        elif after.shape != before.shape:
            problems.append(f"interaction {k} ({inter.kind}) changed the image size {before.shape[:2]} -> {after.shape[:2]}")
        else:
            mask = changed_mask(before, after)
            if not mask.any():
                problems.append(f"interaction {k} ({inter.kind}) changed no pixels")
            edge = int(mask[0].sum() + mask[-1].sum() + mask[1:-1, 0].sum() + mask[1:-1, -1].sum())
            if edge >= EDGE_PIXELS:
                problems.append(f"interaction {k} ({inter.kind}) draws off the canvas ({edge} border pixels changed)")
            for name in inter.elements:
                if name not in points:
                    problems.append(f"interaction {k} names {name!r}, which has no pixel position")
                    continue
                x, y = (int(round(v)) for v in points[name])
                win = mask[max(0, y - NEAR_PX): y + NEAR_PX + 1, max(0, x - NEAR_PX): x + NEAR_PX + 1]
                if not win.any():
                    problems.append(f"interaction {k} ({inter.kind}) changed nothing near {name!r}")
        before = after
    return problems


def check_answer(d: Draft, family: Family | None) -> list[str]:
    if d.family == MODEL_FAMILY:
        # nothing to re-derive from: the model judge's independent solve checks the value
        # (pipelines.llm.judge); the answer's form is checked by check_text
        return []
    if family is None:
        return [f"no family {d.family!r} to re-derive the answer"]
    try:
        derived = family.rederive(d)
    except Exception as err:  # a family bug is a failed check, not a crashed stage
        return [f"re-derivation failed: {type(err).__name__}: {err}"]
    if not answers_equal(d.answer, derived, d.answer_type):
        return [f"answer {d.answer!r} but re-derived {derived!r}"]
    return []


def check_sample(row: Mapping, render: Mapping, load: Callable[[str], np.ndarray],
                 families: Mapping[str, Family]) -> list[dict]:
    """The four verdict rows for one draft attempt and its render."""
    d = row_to_draft(dict(row))
    image = load(render["image_id"]) if render["status"] == "ok" and render["image_id"] else None
    found = {
        "text": check_text(d),
        "visual": check_visual(d, render, image),
        "action": check_action(d, render, load),
        "answer": check_answer(d, families.get(d.family)),
    }
    return [
        {
            "sample_id": row["sample_id"],
            "attempt": row["attempt"],
            "checker": CHECKER,
            "dimension": dim,
            "passed": not problems,
            "score": 1.0 if not problems else 0.0,
            "reason": "; ".join(problems) if problems else "ok",
            "round": row["round"],
            "domain": row["domain"],
        }
        for dim, problems in found.items()
    ]


class ImageCache:
    """Decoded images by id from the image rows at hand (a render's own images)."""

    def __init__(self, image_rows):
        self._png = {r["image_id"]: r["png"] for r in image_rows}
        self._rgb: dict[str, np.ndarray] = {}

    def add(self, image_rows) -> None:
        self._png.update({r["image_id"]: r["png"] for r in image_rows})

    def png(self, image_id: str) -> bytes:
        """The encoded PNG of an image (what a model judge is sent)."""
        return self._png[image_id]

    def __call__(self, image_id: str) -> np.ndarray:
        if image_id not in self._rgb:
            self._rgb[image_id] = decode(self._png[image_id])
        return self._rgb[image_id]


def check_all(drafts: list[dict], renders: list[dict], images: ImageCache,
              families: Mapping[str, Family]) -> list[dict]:
    by_key = {(r["sample_id"], r["attempt"]): r for r in renders}
    out = []
    for row in drafts:
        render = by_key.get((row["sample_id"], row["attempt"]))
        if render is None:
            raise KeyError(f"draft {row['sample_id']} attempt {row['attempt']} has no render row")
        out.extend(check_sample(row, render, images, families))
    return out


def failed_dimensions(verdicts: list[dict]) -> dict[tuple[str, int], list[dict]]:
    """(sample_id, attempt) -> its failed verdict rows (empty list when all passed)."""
    out: dict[tuple[str, int], list[dict]] = {}
    for v in verdicts:
        key = (v["sample_id"], v["attempt"])
        out.setdefault(key, [])
        if not v["passed"] and v["dimension"] in DIMENSIONS:
            out[key].append(v)
    return out
