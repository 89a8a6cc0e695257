"""Perception-only figures: random labelled points, segments and circles with a controlled element
count (V-Thinker samples it from Normal(8, 2)), rendered in the sandbox, then turned into
perception tasks like the samples' figures.

Figures use V-Perception's pixel boilerplate (full-bleed axes, x 0..w, y h..0, equal aspect), so
data coordinates are pixels; the pixel truth still comes from the sandbox's transform. Points
keep apart, segments keep clear of points they do not join, circles of points off their rim, so
every element is unambiguous; structural roles (circle centre, hub, isolated point, extreme
points with a clear margin) are given only when unique.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field

import numpy as np

from pipelines.creators.common import layout_labels, num, sample_polyline
from pipelines.perception.figure import Figure, Mark, annotations, fit_affine, is_labelled
from pipelines.perception.tasks import build_tasks
from pipelines.sandbox import Sandbox
from pipelines.sandbox.types import Task
from warehouse.images import image_row

SOURCE = "perception_figure"
DOMAIN = "perception"
W = H = 480
DPI = 100
FONT = 14
_COLOURS = ("black", "#1f3b99", "#b2182b", "#1a7f37", "#6a3d9a")  # all dark: ink on white


@dataclass
class Spec:
    """A figure to draw: points (label -> px), segments, circles (centre label, radius), roles."""

    points: dict[str, tuple[float, float]]
    segments: list[tuple[str, str]]
    circles: list[tuple[str, float]]
    roles: dict[str, str] = field(default_factory=dict)

    @property
    def element_count(self) -> int:
        return len(self.points) + len(self.segments) + len(self.circles)


def _seg_dist(p, a, b) -> float:
    ax, ay = a
    bx, by = b
    t = max(0.0, min(1.0, ((p[0] - ax) * (bx - ax) + (p[1] - ay) * (by - ay)) / ((bx - ax) ** 2 + (by - ay) ** 2)))
    return math.dist(p, (ax + t * (bx - ax), ay + t * (by - ay)))


def sample_spec(rng: random.Random, mean: float = 8.0, sd: float = 2.0, lo: int = 4, hi: int = 14) -> Spec:
    """A random figure whose element count (points + segments + circles) is ~Normal(mean, sd)."""
    n = max(lo, min(hi, round(rng.gauss(mean, sd))))
    n_points = max(3, math.ceil(n / 2))
    rest = n - n_points
    n_circles = min(rest, rng.choice((0, 1, 1, 2)))
    n_segments = rest - n_circles
    names = "ABCDEFGHJKLMNPQRSTUVW"
    pts: dict[str, tuple[float, float]] = {}
    while len(pts) < n_points:
        p = (float(rng.randint(60, W - 60)), float(rng.randint(60, H - 60)))
        if all(math.dist(p, q) >= 70 for q in pts.values()):
            pts[names[len(pts)]] = p
    labels = list(pts)
    segments: list[tuple[str, str]] = []
    pairs = [(a, b) for i, a in enumerate(labels) for b in labels[i + 1:]]
    rng.shuffle(pairs)
    for a, b in pairs:
        if len(segments) == n_segments:
            break
        if all(_seg_dist(pts[c], pts[a], pts[b]) > 14 for c in labels if c not in (a, b)):
            segments.append((a, b))
    circles: list[tuple[str, float]] = []
    for c in rng.sample(labels, len(labels)):
        if len(circles) == n_circles:
            break
        cx, cy = pts[c]
        room = min(cx, cy, W - cx, H - cy) - 12
        if room < 30:
            continue
        r = float(rng.randint(30, int(min(room, 90))))
        if all(abs(math.dist(pts[o], (cx, cy)) - r) > 14 for o in labels if o != c):
            circles.append((c, r))
    spec = Spec(pts, segments, circles)
    spec.roles = _roles(spec)
    return spec


def _roles(spec: Spec) -> dict[str, str]:
    roles: dict[str, str] = {}
    if len(spec.circles) == 1:
        roles[spec.circles[0][0]] = "centre of the circle"
    elif len(spec.circles) == 2:
        (c1, r1), (c2, r2) = sorted(spec.circles, key=lambda c: c[1])
        if r2 >= 1.3 * r1:
            roles[c1], roles[c2] = "centre of the smaller circle", "centre of the larger circle"
    deg = {p: 0 for p in spec.points}
    for a, b in spec.segments:
        deg[a] += 1
        deg[b] += 1
    top = sorted(deg.values(), reverse=True)
    if top[0] >= 2 and (len(top) == 1 or top[0] > top[1]):
        hub = max(deg, key=deg.get)
        roles.setdefault(hub, "point where the most segments meet")
    centres = {c for c, _ in spec.circles}
    lonely = [p for p, d in deg.items() if d == 0 and p not in centres]
    if spec.segments and len(lonely) == 1:
        roles.setdefault(lonely[0], "isolated point, on no segment and not a circle centre")
    for role, key in (("leftmost point", lambda p: spec.points[p][0]), ("topmost point", lambda p: spec.points[p][1]),
                      ("rightmost point", lambda p: -spec.points[p][0]), ("lowest point", lambda p: -spec.points[p][1])):
        order = sorted(spec.points, key=key)
        if abs(key(order[0]) - key(order[1])) >= 25 and order[0] not in roles:
            roles[order[0]] = role
    return roles


def render_code(spec: Spec, rng: random.Random) -> str:
    """Matplotlib code for the figure, labels laid out clear of strokes, dots and each other."""
    obstacles: list[tuple[float, float]] = []
    for a, b in spec.segments:
        obstacles += sample_polyline([spec.points[a], spec.points[b]], 2.5)
    for c, r in spec.circles:
        cx, cy = spec.points[c]
        obstacles += [(cx + r * math.cos(t), cy + r * math.sin(t)) for t in np.linspace(0, 2 * math.pi, 90)]
    centre = (sum(p[0] for p in spec.points.values()) / len(spec.points),
              sum(p[1] for p in spec.points.values()) / len(spec.points))
    labels = layout_labels(spec.points, {n: centre for n in spec.points}, np.array(obstacles),
                           list(spec.points.values()), (0, 0, W, H), FONT * DPI / 72)
    lines = [
        f"w, h, DPI = {W}, {H}, {DPI}",
        "fig = plt.figure(figsize=(w / DPI, h / DPI), dpi=DPI)",
        "ax = fig.add_axes([0, 0, 1, 1])",
        "ax.set_xlim(0, w)",
        "ax.set_ylim(h, 0)",
        "ax.axis('off')",
        "ax.set_aspect('equal')",
    ]
    for c, r in spec.circles:
        x, y = spec.points[c]
        lines.append(f"ax.add_patch(plt.Circle(({num(x)}, {num(y)}), {num(r)}, fill=False, "
                     f"color='{rng.choice(_COLOURS)}', lw=2))")
    for a, b in spec.segments:
        (x1, y1), (x2, y2) = spec.points[a], spec.points[b]
        lines.append(f"ax.plot([{num(x1)}, {num(x2)}], [{num(y1)}, {num(y2)}], color='{rng.choice(_COLOURS)}', lw=2)")
    for n, (x, y) in spec.points.items():
        lines.append(f"ax.plot([{num(x)}], [{num(y)}], 'o', color='black', ms=6, zorder=5)")
    for n, (x, y) in labels.items():
        lines.append(f"ax.text({num(x)}, {num(y)}, '{n}', fontsize={FONT}, ha='center', va='center')")
    return "\n".join(lines) + "\n"


@dataclass
class Generated:
    """Rows for ``perception_figures``, ``images``, ``perception_tasks`` and ``element_annotations``."""

    figures: list[dict] = field(default_factory=list)
    images: list[dict] = field(default_factory=list)
    tasks: list[dict] = field(default_factory=list)
    annotations: list[dict] = field(default_factory=list)


def generate(n: int, round: int, seed: int, sandbox: Sandbox, mean: float = 8.0, sd: float = 2.0) -> Generated:
    """``n`` perception figures for ``round``, reproducible from ``seed``."""
    specs, codes = [], []
    for i in range(n):
        rng = random.Random(f"{seed}:{round}:{i}")
        spec = sample_spec(rng, mean, sd)
        specs.append(spec)
        codes.append(render_code(spec, rng))
    results = sandbox.map([Task(code=c, elements=dict(s.points)) for c, s in zip(codes, specs)])
    out = Generated()
    for i, (spec, code, res) in enumerate(zip(specs, codes, results)):
        fid = f"pf-{round}-{seed}-{i:04d}"
        img = image_row(res.png, round, DOMAIN) if res.ok else None
        out.figures.append({
            "figure_id": fid, "image_id": img["image_id"] if img else None, "render_code": code,
            "element_count": spec.element_count, "n_points": len(spec.points), "n_segments": len(spec.segments),
            "n_circles": len(spec.circles), "seed": seed, "status": res.status, "error": res.error,
            "width": res.width, "height": res.height, "round": round, "domain": DOMAIN,
        })
        if img is None:
            continue
        out.images.append(img)
        fig = figure_of(spec, fid, img["image_id"], res, round)
        out.tasks += build_tasks(fig)
        out.annotations += annotations(fig)
    return out


def figure_of(spec: Spec, figure_id: str, image_id: str, res, round: int) -> Figure:
    """The :class:`Figure` of a rendered spec (segments and circles known from construction)."""
    texts = [{"text": t.text, "x0": t.bbox[0], "y0": t.bbox[1], "x1": t.bbox[2], "y1": t.bbox[3]} for t in res.texts]
    marks = {n: Mark(n, "point", res.points_px[n], spec.points[n], spec.roles.get(n, ""),
                     is_labelled("point", n, res.points_px[n], texts)) for n in spec.points}
    fig = Figure(image_id, res.width, res.height, marks, SOURCE, figure_id, round, DOMAIN,
                 segments=[tuple(sorted(s)) for s in spec.segments], texts=texts)
    fig.affine = fit_affine(list(marks.values()))
    for c, r in spec.circles:
        px = marks[c].px
        fig.circles.append({"label": f"circle {c}", "cx": px[0], "cy": px[1], "r": abs(fig.affine[0]) * r if fig.affine else r,
                            "role": ""})
    return fig
