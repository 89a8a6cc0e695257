"""What a rendered figure shows, with exact pixel truth: its elements, their roles, the drawn
segments and circles, and the typed element annotations derived from it.

Pixel positions come from the sandbox (it maps every element's data coordinates through the
axes' data->pixel transform after drawing), never from a model. Segments between labelled points
are annotated only when the pixels along them are ink (so a "line AB" is drawn, not implied);
circles are read from the render code's ``plt.Circle`` literals, mapped with the affine
data->pixel map fitted from the elements, and kept only when their circumference is ink.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy import ndimage

CONVENTION = "pixel (x, y) in the image, origin top-left, x right, y down"
ELEMENT_TYPES = ("point", "line", "angle", "circle", "curve", "text", "symbol")
# a pixel is ink when it is this much darker than the background (grid #d9d9d9 and pale fills are not)
INK_DARKER = 90
# a label text this close (px) to a point names it on the canvas
LABEL_NEAR = 40.0
_CIRCLE = re.compile(r"plt\.Circle\(\(\s*(-?[\d.eE+-]+)\s*,\s*(-?[\d.eE+-]+)\s*\)\s*,\s*(-?[\d.eE+-]+)")


@dataclass(frozen=True)
class Mark:
    """One element of a figure: label, kind (point | bar | marker | ...), pixel and data position."""

    name: str
    kind: str
    px: tuple[float, float]
    data: tuple[float, float]
    role: str = ""
    labelled: bool = False  # its name is drawn on the canvas (beside it, for a point)


@dataclass
class Figure:
    """A rendered image and everything known about where its elements are."""

    image_id: str
    width: int
    height: int
    marks: dict[str, Mark]
    source: str  # sample | perception_figure
    source_id: str
    round: int
    domain: str
    segments: list[tuple[str, str]] = field(default_factory=list)  # drawn segments between marks
    circles: list[dict] = field(default_factory=list)  # {label, cx, cy, r} in pixels
    texts: list[dict] = field(default_factory=list)  # {text, x0, y0, x1, y1}
    affine: tuple[float, float, float, float] | None = None  # px = (ax*x + bx, ay*y + by)

    def equal_aspect(self, tol: float = 0.005) -> bool:
        """True when a data unit is as long in x as in y, so angles and perpendiculars survive."""
        return self.affine is not None and abs(abs(self.affine[0]) - abs(self.affine[2])) <= tol * abs(self.affine[0])

    def to_px(self, x: float, y: float) -> tuple[float, float]:
        if self.affine is None:
            raise ValueError(f"figure {self.source_id}: no data->pixel map")
        ax, bx, ay, by = self.affine
        return (ax * x + bx, ay * y + by)


def fit_affine(marks: Sequence[Mark], tol_px: float = 0.5) -> tuple[float, float, float, float] | None:
    """The axis-aligned affine data->pixel map fitted from the marks (least squares per axis);
    None when it is under-determined or does not fit every mark within ``tol_px``."""
    if len(marks) < 2:
        return None
    dx = np.array([m.data[0] for m in marks])
    dy = np.array([m.data[1] for m in marks])
    px = np.array([m.px[0] for m in marks])
    py = np.array([m.px[1] for m in marks])
    if np.ptp(dx) < 1e-9 or np.ptp(dy) < 1e-9:
        return None
    ax, bx = np.polyfit(dx, px, 1)
    ay, by = np.polyfit(dy, py, 1)
    if max(np.abs(ax * dx + bx - px).max(), np.abs(ay * dy + by - py).max()) > tol_px:
        return None
    return float(ax), float(bx), float(ay), float(by)


def ink_mask(rgb: np.ndarray) -> np.ndarray:
    """Pixels clearly darker than the background (the image's median grey)."""
    grey = rgb[..., :3].astype(np.float32).mean(axis=2)
    return grey < np.median(grey) - INK_DARKER


def ink_near(mask: np.ndarray, x: float, y: float, radius: int = 2) -> bool:
    """Any ink within ``radius`` pixels of (x, y)."""
    h, w = mask.shape
    xi, yi = int(round(x)), int(round(y))
    win = mask[max(0, yi - radius): min(h, yi + radius + 1), max(0, xi - radius): min(w, xi + radius + 1)]
    return bool(win.any())


def ink_within_one_pixel(mask: np.ndarray) -> np.ndarray:
    """``mask`` grown by one pixel: anti-aliased thin strokes may miss the exact sample point."""
    return ndimage.binary_dilation(mask, structure=np.ones((3, 3), dtype=bool))


def _ink_fraction(near: np.ndarray, pts: np.ndarray) -> float:
    """Fraction of ``pts`` on ``near`` (:func:`ink_within_one_pixel` of the ink mask, computed once
    per image); points off the image count as no ink."""
    h, w = near.shape
    xi, yi = np.rint(pts[:, 0]).astype(int), np.rint(pts[:, 1]).astype(int)
    inside = (xi >= 0) & (xi < w) & (yi >= 0) & (yi < h)
    return float(near[yi[inside], xi[inside]].sum() / max(1, len(pts)))


def drawn_segments(marks: Mapping[str, Mark], near: np.ndarray, min_len: float = 20.0,
                   skip: float = 7.0, need: float = 0.97) -> list[tuple[str, str]]:
    """Pairs of point marks joined by ink along the straight path (ends excluded: dots, labels)."""
    pts = [m for m in marks.values() if m.kind == "point"]
    out = []
    for i, a in enumerate(pts):
        for b in pts[i + 1:]:
            L = math.dist(a.px, b.px)
            if L < min_len:
                continue
            ts = np.arange(skip, L - skip, 1.0) / L
            if ts.size < 5:
                continue
            path = np.array(a.px)[None, :] + ts[:, None] * (np.array(b.px) - np.array(a.px))[None, :]
            if _ink_fraction(near, path) >= need:
                out.append(tuple(sorted((a.name, b.name))))
    # a segment AC with B on it is drawn as AB + BC; keep only the pieces without a mark inside
    keep = []
    for a, b in out:
        pa, pb = np.array(marks[a].px), np.array(marks[b].px)
        inner = False
        for m in pts:
            if m.name in (a, b):
                continue
            t = float(np.dot(np.array(m.px) - pa, pb - pa) / np.dot(pb - pa, pb - pa))
            foot = pa + t * (pb - pa)
            if 0.05 < t < 0.95 and math.dist(foot, m.px) < 2.0:
                inner = True
                break
        if not inner:
            keep.append((a, b))
    return keep


def drawn_circles(render_code: str, fig: Figure, near: np.ndarray) -> list[dict]:
    """``plt.Circle`` literals of the render code, mapped to pixels; kept when their rim is ink."""
    if fig.affine is None or not fig.equal_aspect():
        return []
    out = []
    for m in _CIRCLE.finditer(render_code or ""):
        cx, cy, r = (float(v) for v in m.groups())
        pcx, pcy = fig.to_px(cx, cy)
        pr = abs(fig.affine[0]) * r
        rim = np.array([(pcx + pr * math.cos(t), pcy + pr * math.sin(t)) for t in np.linspace(0, 2 * math.pi, 24, endpoint=False)])
        if pr < 4 or _ink_fraction(near, rim) < 0.75:
            continue
        centre = [k for k, mk in fig.marks.items() if math.dist(mk.px, (pcx, pcy)) < 1.5]
        out.append({"label": f"circle {centre[0]}" if centre else f"circle {len(out) + 1}", "cx": pcx, "cy": pcy, "r": pr})
    return out


def _box_dist(p: tuple[float, float], t: Mapping) -> float:
    dx = max(t["x0"] - p[0], 0.0, p[0] - t["x1"])
    dy = max(t["y0"] - p[1], 0.0, p[1] - t["y1"])
    return math.hypot(dx, dy)


def is_labelled(kind: str, name: str, px: tuple[float, float], texts: Sequence[Mapping], near: float = LABEL_NEAR) -> bool:
    """A point is named on the canvas when a text equal to its name sits beside it (a bar or a
    marker is named by its category text wherever that is)."""
    boxes = [t for t in texts if t["text"].strip() == name]
    if kind != "point":
        return bool(boxes)
    return any(_box_dist(px, t) <= near for t in boxes)


def figure_from_sample(sample: Mapping, elements: Sequence[Mapping], texts: Sequence[Mapping],
                       rgb: np.ndarray) -> Figure:
    """The figure of an accepted sample: ``samples`` row, its draft's ``elements`` and its
    render's ``texts``, and the decoded image."""
    px = {p["name"]: (float(p["x"]), float(p["y"])) for p in sample["points_px"]}
    marks = {}
    w, h = int(sample["width"]), int(sample["height"])
    for e in elements:
        p = px.get(e["name"])
        if p is None or not (0 <= p[0] <= w and 0 <= p[1] <= h):  # nothing to locate off the canvas
            continue
        marks[e["name"]] = Mark(e["name"], e["kind"], p, (float(e["x"]), float(e["y"])),
                                (e.get("role") or "").strip(), is_labelled(e["kind"], e["name"], p, texts))
    fig = Figure(sample["image_id"], int(sample["width"]), int(sample["height"]), marks, "sample",
                 sample["sample_id"], int(sample["round"]), sample["domain"], texts=[dict(t) for t in texts])
    fig.affine = fit_affine(list(marks.values()))
    mask = ink_mask(rgb)
    near = ink_within_one_pixel(mask)
    fig.segments = drawn_segments(marks, near)
    fig.circles = drawn_circles(sample.get("render_code", ""), fig, near)
    return fig


def _unit(a: tuple[float, float], b: tuple[float, float]) -> list[float]:
    d = math.dist(a, b)
    return [round((b[0] - a[0]) / d, 6), round((b[1] - a[1]) / d, 6)]


def _ann(fig: Figure, label: str, type_: str, x: float, y: float, geometry: dict, role: str = "") -> dict:
    assert type_ in ELEMENT_TYPES, type_
    return {"image_id": fig.image_id, "source": fig.source, "source_id": fig.source_id, "label": label,
            "type": type_, "x": float(x), "y": float(y), "geometry": json.dumps(geometry, sort_keys=True),
            "role": role, "round": fig.round, "domain": fig.domain}


def annotations(fig: Figure) -> list[dict]:
    """Typed element annotations (``element_annotations`` rows): points and symbols from the
    marks, drawn segments as lines, angles where two drawn segments share an end, circles, texts.
    ``x, y`` is the element's anchor pixel (a point, a segment's midpoint, a circle's centre)."""
    rows = []
    for m in fig.marks.values():
        if m.kind == "point":
            rows.append(_ann(fig, m.name, "point", *m.px, {"x": m.px[0], "y": m.px[1]}, m.role))
        elif m.kind == "label":  # the element is a text (a table cell's number): annotated below
            continue
        else:
            rows.append(_ann(fig, m.name, "symbol", *m.px, {"x": m.px[0], "y": m.px[1], "symbol_type": m.kind}, m.role))
    ends: dict[str, list[str]] = {}
    for a, b in fig.segments:
        pa, pb = fig.marks[a].px, fig.marks[b].px
        rows.append(_ann(fig, a + b, "line", (pa[0] + pb[0]) / 2, (pa[1] + pb[1]) / 2,
                         {"x1": pa[0], "y1": pa[1], "x2": pb[0], "y2": pb[1]}))
        ends.setdefault(a, []).append(b)
        ends.setdefault(b, []).append(a)
    for v, others in sorted(ends.items()):
        others = sorted(others)
        pv = fig.marks[v].px
        for i, p in enumerate(others):
            for q in others[i + 1:]:
                d1, d2 = _unit(pv, fig.marks[p].px), _unit(pv, fig.marks[q].px)
                if abs(d1[0] * d2[1] - d1[1] * d2[0]) < 1e-3:  # collinear: a straight angle, not one
                    continue
                rows.append(_ann(fig, f"angle {p}{v}{q}", "angle", *pv, {"vertex": list(pv), "dir1": d1, "dir2": d2}))
    for c in fig.circles:
        rows.append(_ann(fig, c["label"], "circle", c["cx"], c["cy"], {"cx": c["cx"], "cy": c["cy"], "r": c["r"]},
                         c.get("role", "")))
    for t in fig.texts:
        m = fig.marks.get(t["text"].strip())
        role = "" if m is None else m.role if m.kind == "label" else f"label of {m.name}"
        rows.append(_ann(fig, t["text"], "text", (t["x0"] + t["x1"]) / 2, (t["y0"] + t["y1"]) / 2,
                         {"content": t["text"], "bbox": [t["x0"], t["y0"], t["x1"], t["y1"]]}, role))
    return rows
