"""Perception and instruction-guided-interaction scorers: exact, from pixel truth.

Perception: a predicted point is correct when it lies within ``POINT_TOL`` x the image diagonal
of the true point (2.5 %: 17 px on a 480 x 480 figure); the score is the fraction of true points
hit. Predictions come either as text (coordinates parsed from the response) or as marking code
run in the sandbox on the image: the marks are the connected blobs of changed pixels (the
checker's change rule) and each blob's centroid is a predicted point, matched one-to-one to the
nearest true point. A response that sprays more than ``max(40, 10 x points)`` blobs scores 0.

Instruction-guided interaction: the model's code runs in the sandbox on the image (only
``image_path`` bound: the model locates what it draws); its change mask (pixels that differ from
the original) is compared with the reference edit's change mask by IoU after dilating both by
``DILATE`` x the image diagonal (1 %: 7 px at 480 x 480), which forgives a stroke drawn a few
pixels off or thicker; the item scores 1 when IoU >= ``IOU_PASS`` (0.5).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field

import numpy as np
from scipy import ndimage

from pipelines.check import changed_mask
from pipelines.export.vthinker import model_program
from pipelines.sandbox import Sandbox
from pipelines.sandbox.types import Task
from pipelines.scoring.extract import extract_code, points
from warehouse.images import decode

POINT_TOL = 0.025
DILATE = 0.01
IOU_PASS = 0.5
MIN_BLOB_PX = 3


@dataclass(frozen=True)
class Score:
    """A scored item: ``score`` in [0, 1], ``correct`` when it passes, and what decided it."""

    score: float
    correct: bool
    details: dict = field(default_factory=dict)


def tolerance_px(width: int, height: int) -> float:
    return POINT_TOL * math.hypot(width, height)


def _truth(answer: str | dict) -> dict[str, tuple[float, float]]:
    raw = json.loads(answer) if isinstance(answer, str) else answer
    return {k: (float(v[0]), float(v[1])) for k, v in raw.items()}


def score_points(pred: dict[str, tuple[float, float]], answer: str | dict, width: int, height: int) -> Score:
    """Fraction of true points with a prediction of the same label within the tolerance."""
    truth = _truth(answer)
    tol = tolerance_px(width, height)
    errors = {k: (math.dist(pred[k], xy) if k in pred else None) for k, xy in truth.items()}
    hits = sum(1 for e in errors.values() if e is not None and e <= tol)
    s = hits / len(truth)
    return Score(s, s == 1.0, {"tolerance_px": round(tol, 2), "errors_px": errors})


def score_perception_text(response: str, answer: str | dict, width: int, height: int) -> Score:
    """Coordinates parsed from the response (JSON, dict, ``A: (x, y)`` or a list in order)."""
    return score_points(points(response, list(_truth(answer))), answer, width, height)


def mark_centroids(before: np.ndarray, after: np.ndarray) -> list[tuple[float, float]]:
    """Centroids (x, y) of the blobs of changed pixels (8-connected, at least MIN_BLOB_PX)."""
    labels, n = ndimage.label(changed_mask(before, after), structure=np.ones((3, 3)))
    if n == 0:
        return []
    sizes = ndimage.sum_labels(np.ones_like(labels), labels, range(1, n + 1))
    cents = ndimage.center_of_mass(np.ones_like(labels), labels, range(1, n + 1))
    return [(float(c[1]), float(c[0])) for c, sz in zip(cents, sizes) if sz >= MIN_BLOB_PX]


def match_marks(marks: list[tuple[float, float]], answer: str | dict, width: int, height: int) -> Score:
    """Greedy one-to-one matching of mark centroids to true points, nearest pairs first."""
    truth = _truth(answer)
    tol = tolerance_px(width, height)
    limit = max(40, 10 * len(truth))
    if len(marks) > limit:
        return Score(0.0, False, {"reason": f"{len(marks)} marks (more than {limit})", "marks": len(marks)})
    pairs = sorted((math.dist(m, xy), i, k) for i, m in enumerate(marks) for k, xy in truth.items())
    used_m, got = set(), {}
    for d, i, k in pairs:
        if d <= tol and i not in used_m and k not in got:
            used_m.add(i)
            got[k] = marks[i]
    s = len(got) / len(truth)
    return Score(s, s == 1.0, {"tolerance_px": round(tol, 2), "marks": len(marks), "matched": sorted(got)})


def _run(code: str, png: bytes, sandbox: Sandbox) -> tuple[np.ndarray | None, str]:
    """Run a model's code on ``png`` with only ``image_path`` bound (never the true points)."""
    res = sandbox.run(Task(code=model_program(code), image_png=png))
    if not res.ok:
        return None, f"{res.status}: {res.error[-300:]}"
    return decode(res.png), ""


def score_perception_code(response: str, image_png: bytes, answer: str | dict, sandbox: Sandbox) -> Score:
    """Run the response's marking code on the image and match where its marks landed."""
    code = extract_code(response, which="last") or response
    if not code.strip():
        return Score(0.0, False, {"reason": "no code"})
    before = decode(image_png)
    after, err = _run(code, image_png, sandbox)
    if after is None:
        return Score(0.0, False, {"reason": err})
    if after.shape != before.shape:
        return Score(0.0, False, {"reason": f"image size changed {before.shape[:2]} -> {after.shape[:2]}"})
    return match_marks(mark_centroids(before, after), answer, before.shape[1], before.shape[0])


def _disk(r: int) -> np.ndarray:
    y, x = np.ogrid[-r: r + 1, -r: r + 1]
    return x * x + y * y <= r * r


def change_iou(original: np.ndarray, edited: np.ndarray, reference: np.ndarray) -> float:
    """IoU of the dilated change masks of ``edited`` and ``reference`` against ``original``."""
    r = max(2, round(DILATE * math.hypot(original.shape[1], original.shape[0])))
    ref = ndimage.binary_dilation(changed_mask(original, reference), structure=_disk(r))
    got = ndimage.binary_dilation(changed_mask(original, edited), structure=_disk(r))
    if not ref.any():
        raise ValueError("the reference edit changes no pixels")
    return float((ref & got).sum() / (ref | got).sum())


def score_instruction(response: str, image_png: bytes, reference_png: bytes, sandbox: Sandbox) -> Score:
    """Run the response's code on the image; 1 when its change mask matches the reference's."""
    code = extract_code(response, which="last") or response
    if not code.strip():
        return Score(0.0, False, {"reason": "no code"})
    original, reference = decode(image_png), decode(reference_png)
    edited, err = _run(code, image_png, sandbox)
    if edited is None:
        return Score(0.0, False, {"reason": err, "iou": 0.0})
    if edited.shape != original.shape:
        return Score(0.0, False, {"reason": f"image size changed {original.shape[:2]} -> {edited.shape[:2]}", "iou": 0.0})
    iou = change_iou(original, edited, reference)
    return Score(float(iou >= IOU_PASS), iou >= IOU_PASS, {"iou": round(iou, 4), "threshold": IOU_PASS})
