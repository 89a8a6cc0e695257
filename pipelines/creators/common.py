"""Shared machinery of the procedural families: answer formatting, figure builders with label
layout, and the code snippets of visual interactions.

Figure builders emit *render code* (a self-contained string using only ``plt``/``np``/``math``)
plus the :class:`~pipelines.creators.base.Element` tuple with the very coordinates written into
that code. Labels are laid out here, at build time, in pixel space (the builders fix the figure
size, the axes rectangle and the axis limits, so the data->pixel map is known in advance):
each label goes to the first free spot around its point, starting from the direction away from
the figure's centroid, avoiding drawn strokes, dots, other labels and the canvas border.

Interaction snippets draw in pixel coordinates from ``P`` (label -> (x_px, y_px)); when a
construction needs a data coordinate that is not an element (an axis, a grid value), the snippet
first fits the affine data->pixel map from the elements (``_px``), which is exact because the
render maps data to pixels affinely.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterable, Mapping, Sequence
from fractions import Fraction

import numpy as np

from pipelines.creators.base import Element

# ----------------------------------------------------------------------------------------------
# interaction header

_HEADER = """img = plt.imread(image_path)
h, w = img.shape[:2]
fig = plt.figure(figsize=(w / 100, h / 100), dpi=100)
ax = fig.add_axes([0, 0, 1, 1])
ax.imshow(img)
ax.set_xlim(0, w)
ax.set_ylim(h, 0)
ax.axis('off')
"""


def interaction_header() -> str:
    """The fixed prologue of every interaction program (full-bleed pixel axes over the image)."""
    return _HEADER


def interaction_code(*snippets: str) -> str:
    return interaction_header() + "".join(s if s.endswith("\n") else s + "\n" for s in snippets)


# ----------------------------------------------------------------------------------------------
# answers


def to_frac(v: float | int | Fraction, max_den: int = 1000) -> Fraction:
    """A measured value as the nearest fraction with a small denominator."""
    if isinstance(v, Fraction):
        return v
    if isinstance(v, int):
        return Fraction(v)
    return Fraction(float(v)).limit_denominator(max_den)


def fmt_frac(q: Fraction | int) -> str:
    """Exact rational answer: ``"7"``, ``"-3/4"`` (lowest terms, sign on the numerator)."""
    q = Fraction(q)
    return str(q.numerator) if q.denominator == 1 else f"{q.numerator}/{q.denominator}"


def fmt_dec(v: float | Fraction, places: int) -> str:
    """``v`` rounded to ``places`` decimals (half away from zero), e.g. ``"7.21"``."""
    if isinstance(v, Fraction):
        scaled = abs(v) * 10**places
        n = math.floor(scaled + Fraction(1, 2))
        sign = "-" if v < 0 and n != 0 else ""
    else:
        scaled = abs(float(v)) * 10**places
        n = math.floor(scaled + 0.5)
        sign = "-" if v < 0 and n != 0 else ""
    if places == 0:
        return f"{sign}{n}"
    s = str(n).rjust(places + 1, "0")
    return f"{sign}{s[:-places]}.{s[-places:]}"


def near_rounding_boundary(v: float, places: int, tol: float = 1e-4) -> bool:
    """True when ``v`` is so close to a rounding boundary that measurement noise could flip it."""
    scaled = abs(v) * 10**places
    return abs(scaled - math.floor(scaled) - 0.5) < tol * 10**places


def is_wellformed_number(s: str) -> bool:
    try:
        float(s)
        return True
    except ValueError:
        pass
    parts = s.split("/")
    return len(parts) == 2 and parts[0].lstrip("-").isdigit() and parts[1].isdigit() and int(parts[1]) > 1


def fraction_note() -> str:
    return "Give an exact value; write a non-integer as a fraction a/b in lowest terms."


LETTERS = "ABCD"


def make_choices(rng: random.Random, correct: str, distractors: Sequence[str]) -> tuple[tuple[str, ...], str]:
    """Shuffle the correct option with three distinct distractors; returns (choices, letter)."""
    options = [correct]
    for d in distractors:
        if d not in options:
            options.append(d)
        if len(options) == 4:
            break
    if len(options) < 4:
        raise ValueError("need three distinct distractors")
    rng.shuffle(options)
    return tuple(options), LETTERS[options.index(correct)]


def choice_letter(choices: Sequence[str], option: str) -> str:
    """The letter of ``option`` among ``choices`` (``"?"`` when absent, so a mismatch shows)."""
    return LETTERS[list(choices).index(option)] if option in choices else "?"


def pick_ask(rng: random.Random, requested: Iterable[str], asks: Mapping[str, frozenset[str]],
             family_nodes: Sequence[str]) -> tuple[str, tuple[str, ...]]:
    """Pick a question kind ("ask") covering the requested knowledge points.

    Prefers asks covering all requested points, else the largest overlap. Returns the ask and
    the node ids the draft honestly exercises: the requested ones it covers (never empty).
    """
    req = [n for n in requested]
    unknown = [n for n in req if n not in family_nodes]
    if unknown:
        raise ValueError(f"node ids not covered by this family: {unknown}")
    if not req:
        req = [rng.choice(list(family_nodes))]
    best = max(len(set(req) & s) for s in asks.values())
    names = sorted(a for a, s in asks.items() if len(set(req) & s) == best)
    ask = rng.choice(names)
    covered = tuple(sorted(set(req) & asks[ask]))
    return ask, covered


def clamp_difficulty(d: int) -> int:
    return max(1, min(3, int(d)))


# ----------------------------------------------------------------------------------------------
# measurement helpers for rederive()


def dist(p: tuple[float, float], q: tuple[float, float]) -> float:
    return math.hypot(q[0] - p[0], q[1] - p[1])


def angle_at(v: tuple[float, float], p: tuple[float, float], q: tuple[float, float]) -> float:
    """Angle pvq in degrees (0..180)."""
    a1 = math.atan2(p[1] - v[1], p[0] - v[0])
    a2 = math.atan2(q[1] - v[1], q[0] - v[0])
    d = abs(a1 - a2) % (2 * math.pi)
    return math.degrees(min(d, 2 * math.pi - d))


def shoelace(pts: Sequence[tuple[float, float]]) -> float:
    s = 0.0
    for i in range(len(pts)):
        x1, y1 = pts[i]
        x2, y2 = pts[(i + 1) % len(pts)]
        s += x1 * y2 - x2 * y1
    return abs(s) / 2


def point_line_distance(p, a, b) -> float:
    return abs((b[0] - a[0]) * (p[1] - a[1]) - (b[1] - a[1]) * (p[0] - a[0])) / dist(a, b)


def rounded(v: float, nd: int = 6) -> float:
    r = round(float(v), nd)
    return 0.0 if r == 0 else r


def num(v: float) -> str:
    """A coordinate literal for generated code."""
    r = rounded(v)
    return repr(int(r)) if r == int(r) and abs(r) < 1e9 else repr(r)


# ----------------------------------------------------------------------------------------------
# label layout (pixel space, y up)


def _support(theta: float, hw: float, hh: float) -> float:
    return abs(math.cos(theta)) * hw + abs(math.sin(theta)) * hh


def layout_labels(
    anchors: Mapping[str, tuple[float, float]],
    refs: Mapping[str, tuple[float, float]],
    obstacles: np.ndarray,
    dots: Sequence[tuple[float, float]],
    bounds: tuple[float, float, float, float],
    font_px: float,
    gap: float = 4.0,
    fixed: Sequence[tuple[float, float, float, float]] = (),
) -> dict[str, tuple[float, float]]:
    """Label centres (pixels) for ``anchors`` (pixels). ``refs[name]`` is the point the label
    should move away from; ``obstacles`` is an (N, 2) array of stroke samples; ``bounds`` is
    (x0, y0, x1, y1) where every label box must stay; ``fixed`` are boxes already taken."""
    placed: list[tuple[float, float, float, float]] = list(fixed)
    out: dict[str, tuple[float, float]] = {}
    dots_arr = np.asarray(dots, dtype=float).reshape(-1, 2)
    obs = np.asarray(obstacles, dtype=float).reshape(-1, 2)
    for name, (px, py) in anchors.items():
        hw = 0.36 * font_px * len(name) + 2.0
        hh = 0.62 * font_px
        rx, ry = refs[name]
        theta0 = math.atan2(py - ry, px - rx) if math.hypot(px - rx, py - ry) > 1e-9 else math.radians(225)
        best = None
        for extra in (0.0, 5.0, 11.0, 18.0):
            for k in range(0, 31):
                step = (k + 1) // 2 * (1 if k % 2 else -1)
                th = theta0 + math.radians(12 * step)
                r = gap + extra + _support(th, hw, hh)
                cx, cy = px + r * math.cos(th), py + r * math.sin(th)
                box = (cx - hw, cy - hh, cx + hw, cy + hh)
                if box[0] < bounds[0] + 2 or box[1] < bounds[1] + 2 or box[2] > bounds[2] - 2 or box[3] > bounds[3] - 2:
                    continue
                cost = 0.0
                for b in placed:
                    if box[0] < b[2] + 3 and b[0] < box[2] + 3 and box[1] < b[3] + 3 and b[1] < box[3] + 3:
                        cost += 1000
                if len(dots_arr):
                    inside = ((dots_arr[:, 0] > box[0] - 5) & (dots_arr[:, 0] < box[2] + 5)
                              & (dots_arr[:, 1] > box[1] - 5) & (dots_arr[:, 1] < box[3] + 5))
                    cost += 500 * int(inside.sum())
                if len(obs):
                    inside = ((obs[:, 0] > box[0] - 2) & (obs[:, 0] < box[2] + 2)
                              & (obs[:, 1] > box[1] - 2) & (obs[:, 1] < box[3] + 2))
                    cost += int(inside.sum())
                score = (cost, extra, abs(step))
                if best is None or score < best[0]:
                    best = (score, (cx, cy), box)
                if cost == 0:
                    break
            if best is not None and best[0][0] == 0:
                break
        if best is None:  # nothing fits inside the bounds: fall back to the preferred spot
            r = gap + _support(theta0, hw, hh)
            c = (px + r * math.cos(theta0), py + r * math.sin(theta0))
            best = ((0, 0, 0), c, (c[0] - hw, c[1] - hh, c[0] + hw, c[1] + hh))
        out[name] = best[1]
        placed.append(best[2])
    return out


def sample_polyline(pts: Sequence[tuple[float, float]], spacing: float = 2.0) -> list[tuple[float, float]]:
    out = []
    for (x1, y1), (x2, y2) in zip(pts[:-1], pts[1:], strict=False):
        n = max(1, int(math.hypot(x2 - x1, y2 - y1) / spacing))
        for i in range(n + 1):
            t = i / n
            out.append((x1 + t * (x2 - x1), y1 + t * (y2 - y1)))
    return out


# ----------------------------------------------------------------------------------------------
# pure geometry figures (axes hidden, equal aspect, square canvas)


class GeoFigure:
    """Points, segments, circles and marks in data coordinates, drawn to scale with labels."""

    SIZE_IN = 4.8
    DPI = 100
    RECT = (0.03, 0.03, 0.94, 0.94)
    FONT = 15
    SIDE_FONT = 13  # lengths written beside sides (side_label)
    MARGIN = 0.13  # fraction of the figure span added on each side

    def __init__(self) -> None:
        self.pts: dict[str, tuple[float, float]] = {}
        self.dots: list[str] = []
        self.strokes: list[tuple[list[tuple[float, float]], str]] = []  # (polyline, style code)
        self.circles: list[tuple[tuple[float, float], float]] = []
        self.deferred: list[tuple[str, tuple]] = []  # marks sized in pixels
        self.ref: tuple[float, float] | None = None
        self.phantoms: list[list[tuple[float, float]]] = []  # not drawn, but labels keep off them
        self.side_texts: list[tuple[str, str, str]] = []  # (a, b, text): a length written beside segment ab
        self.angle_texts: list[tuple] = []  # (vertex, p1, p2, text, radius_px): an angle's size inside it

    def avoid(self, a, b) -> None:
        """Keep labels off segment ab (e.g. where an interaction will draw)."""
        self.phantoms.append([self._xy(a), self._xy(b)])

    def point(self, name: str, xy: tuple[float, float], dot: bool = True) -> tuple[float, float]:
        p = (rounded(xy[0]), rounded(xy[1]))
        self.pts[name] = p
        if dot:
            self.dots.append(name)
        return p

    def _xy(self, p) -> tuple[float, float]:
        return self.pts[p] if isinstance(p, str) else (float(p[0]), float(p[1]))

    def polyline(self, pts: Sequence, color: str = "black", lw: float = 2.0, ls: str = "-") -> None:
        xy = [self._xy(p) for p in pts]
        self.strokes.append((xy, f"color='{color}', lw={lw}, ls='{ls}', solid_capstyle='round'"))

    def segment(self, a, b, **style) -> None:
        self.polyline([a, b], **style)

    def polygon(self, names: Sequence[str], **style) -> None:
        self.polyline(list(names) + [names[0]], **style)

    def circle(self, center, r: float) -> None:
        self.circles.append((self._xy(center), float(r)))

    def right_angle(self, vertex, p1, p2, size_px: float = 13) -> None:
        self.deferred.append(("right", (vertex, p1, p2, size_px)))

    def ticks(self, a, b, n: int = 1, size_px: float = 7) -> None:
        self.deferred.append(("ticks", (a, b, n, size_px)))

    def arc(self, vertex, p1, p2, radius_px: float = 22) -> None:
        self.deferred.append(("arc", (vertex, p1, p2, radius_px)))

    def side_label(self, a: str, b: str, text: str) -> None:
        """Write ``text`` (a given length) beside segment ab, on the side away from the figure's
        centre, so the figure carries the given and the question need not state it."""
        self.side_texts.append((a, b, text))

    def angle_label(self, vertex: str, p1: str, p2: str, text: str, radius_px: float = 30) -> None:
        """Write ``text`` (a given angle) inside angle p1-vertex-p2, on its bisector."""
        self.angle_texts.append((vertex, p1, p2, text, radius_px))

    # -- build ---------------------------------------------------------------------------------

    def build(self) -> tuple[str, tuple[Element, ...]]:
        xs = [p[0] for p in self.pts.values()]
        ys = [p[1] for p in self.pts.values()]
        for poly, _ in self.strokes:
            xs += [p[0] for p in poly]
            ys += [p[1] for p in poly]
        for poly in self.phantoms:
            xs += [p[0] for p in poly]
            ys += [p[1] for p in poly]
        for (cx, cy), r in self.circles:
            xs += [cx - r, cx + r]
            ys += [cy - r, cy + r]
        x0, x1, y0, y1 = min(xs), max(xs), min(ys), max(ys)
        span = max(x1 - x0, y1 - y0)
        half = span * (0.5 + self.MARGIN)
        cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
        lim = (rounded(cx - half, 4), rounded(cx + half, 4), rounded(cy - half, 4), rounded(cy + half, 4))
        axes_px = self.RECT[2] * self.SIZE_IN * self.DPI
        s = axes_px / (lim[1] - lim[0])  # pixels per data unit

        def to_px(p):
            return ((p[0] - lim[0]) * s, (p[1] - lim[2]) * s)

        strokes = list(self.strokes)
        for kind, args in self.deferred:
            if kind == "right":
                v, p1, p2, size = args
                v, p1, p2 = self._xy(v), self._xy(p1), self._xy(p2)
                u1 = _unit(v, p1)
                u2 = _unit(v, p2)
                d = size / s
                a = (v[0] + d * u1[0], v[1] + d * u1[1])
                b = (a[0] + d * u2[0], a[1] + d * u2[1])
                c = (v[0] + d * u2[0], v[1] + d * u2[1])
                strokes.append(([a, b, c], "color='black', lw=1.3"))
            elif kind == "ticks":
                a, b, n, size = args
                a, b = self._xy(a), self._xy(b)
                u = _unit(a, b)
                nrm = (-u[1], u[0])
                m = ((a[0] + b[0]) / 2, (a[1] + b[1]) / 2)
                d = size / s
                for i in range(n):
                    off = (i - (n - 1) / 2) * 5 / s
                    c = (m[0] + off * u[0], m[1] + off * u[1])
                    strokes.append(([(c[0] - d * nrm[0], c[1] - d * nrm[1]), (c[0] + d * nrm[0], c[1] + d * nrm[1])],
                                    "color='black', lw=1.5"))
            elif kind == "arc":
                v, p1, p2, rad = args
                v, p1, p2 = self._xy(v), self._xy(p1), self._xy(p2)
                a1 = math.atan2(p1[1] - v[1], p1[0] - v[0])
                a2 = math.atan2(p2[1] - v[1], p2[0] - v[0])
                diff = (a2 - a1 + math.pi) % (2 * math.pi) - math.pi
                r = rad / s
                arc = [(v[0] + r * math.cos(a1 + diff * t / 16), v[1] + r * math.sin(a1 + diff * t / 16)) for t in range(17)]
                strokes.append((arc, "color='black', lw=1.3"))

        obstacles: list[tuple[float, float]] = []
        for poly in [p for p, _ in strokes] + self.phantoms:
            obstacles += sample_polyline([to_px(p) for p in poly])
        for (ccx, ccy), r in self.circles:
            n = max(24, int(2 * math.pi * r * s / 2))
            obstacles += [to_px((ccx + r * math.cos(2 * math.pi * i / n), ccy + r * math.sin(2 * math.pi * i / n))) for i in range(n)]
        anchors = {n: to_px(p) for n, p in self.pts.items()}
        ref_data = self.ref if self.ref is not None else (sum(xs[: len(self.pts)]) / len(self.pts), sum(ys[: len(self.pts)]) / len(self.pts))
        ref = to_px(ref_data)
        side_px, fixed = [], []
        font_px = self.SIDE_FONT * self.DPI / 72
        for a, b, text in self.side_texts:
            pa, pb = to_px(self._xy(a)), to_px(self._xy(b))
            mx, my = (pa[0] + pb[0]) / 2, (pa[1] + pb[1]) / 2
            ux, uy = _unit(pa, pb)
            nx, ny = -uy, ux
            if (nx * (ref[0] - mx) + ny * (ref[1] - my)) > 0:
                nx, ny = -nx, -ny
            hw, hh = 0.33 * font_px * len(text) + 2, 0.6 * font_px
            off = 6 + abs(nx) * hw + abs(ny) * hh
            cx, cy = mx + nx * off, my + ny * off
            side_px.append((cx, cy, text))
            fixed.append((cx - hw, cy - hh, cx + hw, cy + hh))
        for v, p1, p2, text, rad in self.angle_texts:
            pv, q1, q2 = to_px(self._xy(v)), to_px(self._xy(p1)), to_px(self._xy(p2))
            u1, u2 = _unit(pv, q1), _unit(pv, q2)
            bx, by = _unit((0.0, 0.0), (u1[0] + u2[0], u1[1] + u2[1]))
            hw, hh = 0.33 * font_px * len(text) + 2, 0.6 * font_px
            off = rad + abs(bx) * hw + abs(by) * hh
            cx, cy = pv[0] + bx * off, pv[1] + by * off
            side_px.append((cx, cy, text))
            fixed.append((cx - hw, cy - hh, cx + hw, cy + hh))
        labels_px = layout_labels(anchors, {n: ref for n in anchors}, np.array(obstacles),
                                  [anchors[n] for n in self.dots], (0, 0, axes_px, axes_px),
                                  self.FONT * self.DPI / 72, fixed=fixed)
        labels = {n: (lim[0] + x / s, lim[2] + y / s) for n, (x, y) in labels_px.items()}

        w = self.SIZE_IN
        lines = [
            f"fig = plt.figure(figsize=({w}, {w}), dpi={self.DPI})",
            f"ax = fig.add_axes([{', '.join(map(str, self.RECT))}])",
            f"ax.set_xlim({num(lim[0])}, {num(lim[1])})",
            f"ax.set_ylim({num(lim[2])}, {num(lim[3])})",
            "ax.set_aspect('equal')",
            "ax.axis('off')",
        ]
        for (ccx, ccy), r in self.circles:
            lines.append(f"ax.add_patch(plt.Circle(({num(ccx)}, {num(ccy)}), {num(r)}, fill=False, color='black', lw=2))")
        for poly, style in strokes:
            lines.append(f"ax.plot([{', '.join(num(p[0]) for p in poly)}], [{', '.join(num(p[1]) for p in poly)}], {style})")
        for n in self.dots:
            x, y = self.pts[n]
            lines.append(f"ax.plot([{num(x)}], [{num(y)}], 'o', color='black', ms=5)")
        for n, (x, y) in labels.items():
            lines.append(f"ax.text({num(x)}, {num(y)}, '{n}', fontsize={self.FONT}, ha='center', va='center')")
        for cx, cy, text in side_px:
            lines.append(f"ax.text({num(lim[0] + cx / s)}, {num(lim[2] + cy / s)}, {text!r}, fontsize={self.SIDE_FONT}, "
                         "color='#08519c', ha='center', va='center')")
        roles = self.roles()
        elements = tuple(Element(n, "point", x, y, roles.get(n, "")) for n, (x, y) in self.pts.items())
        return "\n".join(lines) + "\n", elements

    def roles(self) -> dict[str, str]:
        """Structural roles of labelled points that are unique in the figure: the vertex of the
        one marked right angle, the centre of the one circle (perception tasks locate them)."""
        out = {}
        rights = [args[0] for kind, args in self.deferred if kind == "right" and isinstance(args[0], str)]
        if len(rights) == 1 and rights[0] in self.pts:
            out[rights[0]] = "vertex of the marked right angle"
        if len(self.circles) == 1:
            (cx, cy), _ = self.circles[0]
            at = [n for n, (x, y) in self.pts.items() if abs(x - cx) < 1e-9 and abs(y - cy) < 1e-9]
            if len(at) == 1 and at[0] not in out:
                out[at[0]] = "centre of the circle"
        return out


def _unit(a, b) -> tuple[float, float]:
    d = math.hypot(b[0] - a[0], b[1] - a[1])
    return ((b[0] - a[0]) / d, (b[1] - a[1]) / d)


def rotate_all(points: Mapping[str, tuple[float, float]], theta_deg: float) -> dict[str, tuple[float, float]]:
    t = math.radians(theta_deg)
    c, s = math.cos(t), math.sin(t)
    return {n: (x * c - y * s, x * s + y * c) for n, (x, y) in points.items()}


# ----------------------------------------------------------------------------------------------
# coordinate grid figures (analytic geometry)


class GridFigure:
    """A square coordinate grid with integer ticks, the two axes, curves and labelled points."""

    SIZE_IN = 4.8
    DPI = 100
    RECT = (0.09, 0.07, 0.88, 0.88)
    FONT = 14

    def __init__(self, xr: tuple[int, int], yr: tuple[int, int]) -> None:
        (x0, x1), (y0, y1) = xr, yr
        span = max(x1 - x0, y1 - y0)
        # square limits: grow the shorter range evenly (integers)
        gx, gy = span - (x1 - x0), span - (y1 - y0)
        self.xr = (x0 - gx // 2, x1 + (gx - gx // 2))
        self.yr = (y0 - gy // 2, y1 + (gy - gy // 2))
        self.span = span
        self.pts: dict[str, tuple[float, float]] = {}
        self.strokes: list[tuple[list[tuple[float, float]], str]] = []

    def point(self, name: str, xy) -> tuple[float, float]:
        p = (rounded(xy[0]), rounded(xy[1]))
        self.pts[name] = p
        return p

    def polyline(self, pts, color: str = "black", lw: float = 2.0, ls: str = "-") -> None:
        self.strokes.append(([(float(x), float(y)) for x, y in pts], f"color='{color}', lw={lw}, ls='{ls}'"))

    def full_line(self, p, q, **style) -> None:
        """The line through p and q clipped to the grid window."""
        self.polyline(clip_line(p, q, self.xr, self.yr), **style)

    def curve(self, f, n: int = 120, **style) -> None:
        xs = np.linspace(self.xr[0], self.xr[1], n)
        pts = [(float(x), float(f(x))) for x in xs]
        # keep inside the window with a small overshoot (axes clip the rest)
        pts = [(x, max(self.yr[0] - 1, min(self.yr[1] + 1, y))) for x, y in pts]
        self.polyline(pts, **style)

    def build(self, curve_code: Sequence[str] = ()) -> tuple[str, tuple[Element, ...]]:
        axes_px = self.RECT[2] * self.SIZE_IN * self.DPI
        s = axes_px / self.span
        x0, y0 = self.xr[0], self.yr[0]

        def to_px(p):
            return ((p[0] - x0) * s, (p[1] - y0) * s)

        obstacles: list[tuple[float, float]] = []
        for poly, _ in self.strokes:
            obstacles += sample_polyline([to_px(p) for p in poly], 3.0)
        if self.xr[0] <= 0 <= self.xr[1]:
            obstacles += sample_polyline([to_px((0, self.yr[0])), to_px((0, self.yr[1]))], 3.0)
        if self.yr[0] <= 0 <= self.yr[1]:
            obstacles += sample_polyline([to_px((self.xr[0], 0)), to_px((self.xr[1], 0))], 3.0)
        anchors = {n: to_px(p) for n, p in self.pts.items()}
        cx = sum(p[0] for p in anchors.values()) / len(anchors)
        cy = sum(p[1] for p in anchors.values()) / len(anchors)
        labels_px = layout_labels(anchors, {n: (cx, cy) for n in anchors}, np.array(obstacles),
                                  list(anchors.values()), (0, 0, axes_px, axes_px), self.FONT * self.DPI / 72, gap=5)
        labels = {n: (x0 + x / s, y0 + y / s) for n, (x, y) in labels_px.items()}

        step = 1 if self.span <= 14 else 2
        w = self.SIZE_IN
        lines = [
            f"fig = plt.figure(figsize=({w}, {w}), dpi={self.DPI})",
            f"ax = fig.add_axes([{', '.join(map(str, self.RECT))}])",
            f"ax.set_xlim({self.xr[0]}, {self.xr[1]})",
            f"ax.set_ylim({self.yr[0]}, {self.yr[1]})",
            "ax.set_aspect('equal')",
            f"ax.set_xticks(range({self.xr[0]}, {self.xr[1] + 1}, 1), minor=True)",
            f"ax.set_yticks(range({self.yr[0]}, {self.yr[1] + 1}, 1), minor=True)",
            f"ax.set_xticks([t for t in range({self.xr[0]}, {self.xr[1] + 1}) if t % {step} == 0])",
            f"ax.set_yticks([t for t in range({self.yr[0]}, {self.yr[1] + 1}) if t % {step} == 0])",
            "ax.tick_params(labelsize=9, length=3)",
            "ax.tick_params(which='minor', length=0)",
            "ax.grid(True, which='both', color='#d9d9d9', lw=0.8)",
            "ax.set_axisbelow(True)",
        ]
        if self.yr[0] <= 0 <= self.yr[1]:
            lines.append("ax.axhline(0, color='#555555', lw=1.3)")
        if self.xr[0] <= 0 <= self.xr[1]:
            lines.append("ax.axvline(0, color='#555555', lw=1.3)")
        lines += list(curve_code)
        for poly, style in self.strokes:
            lines.append(f"ax.plot([{', '.join(num(p[0]) for p in poly)}], [{', '.join(num(p[1]) for p in poly)}], {style})")
        for n, (x, y) in self.pts.items():
            lines.append(f"ax.plot([{num(x)}], [{num(y)}], 'o', color='#1f3b99', ms=6, zorder=5)")
        for n, (x, y) in labels.items():
            lines.append(f"ax.text({num(x)}, {num(y)}, '{n}', fontsize={self.FONT}, ha='center', va='center', "
                         "color='#1f3b99', zorder=6)")
        elements = tuple(Element(n, "point", x, y) for n, (x, y) in self.pts.items())
        return "\n".join(lines) + "\n", elements


def clip_line(p, q, xr, yr) -> list[tuple[float, float]]:
    """Endpoints of the line pq inside the rectangle xr x yr."""
    (x1, y1), (x2, y2) = p, q
    dx, dy = x2 - x1, y2 - y1
    ts = []
    for lo, hi, o, d in ((xr[0], xr[1], x1, dx), (yr[0], yr[1], y1, dy)):
        if abs(d) < 1e-12:
            continue
        ts += [(lo - o) / d, (hi - o) / d]
    cands = []
    for t in ts:
        x, y = x1 + t * dx, y1 + t * dy
        if xr[0] - 1e-9 <= x <= xr[1] + 1e-9 and yr[0] - 1e-9 <= y <= yr[1] + 1e-9:
            cands.append((t, (x, y)))
    cands.sort()
    return [cands[0][1], cands[-1][1]]


# ----------------------------------------------------------------------------------------------
# interaction snippets (pixel space, P = label -> (x_px, y_px))


def ix_segment(a: str, b: str, color: str = "red", ls: str = "--", lw: float = 2.2) -> str:
    return (f"ax.plot([P['{a}'][0], P['{b}'][0]], [P['{a}'][1], P['{b}'][1]], "
            f"color='{color}', ls='{ls}', lw={lw})\n")


def ix_highlight(a: str, b: str, color: str = "#e6550d") -> str:
    return ix_segment(a, b, color=color, ls="-", lw=4.5)


def ix_shade(names: Sequence[str], color: str = "#fdae6b", alpha: float = 0.45) -> str:
    xs = ", ".join(f"P['{n}'][0]" for n in names)
    ys = ", ".join(f"P['{n}'][1]" for n in names)
    return f"ax.fill([{xs}], [{ys}], color='{color}', alpha={alpha}, lw=0)\n"


def ix_perpendicular(frm: str, l1: str, l2: str, color: str = "red") -> str:
    """Drop the perpendicular from ``frm`` to line l1l2; dotted extension if the foot falls
    outside the segment; right-angle mark at the foot."""
    return f"""_fx, _fy = P['{frm}']
_ax, _ay = P['{l1}']
_bx, _by = P['{l2}']
_dx, _dy = _bx - _ax, _by - _ay
_t = ((_fx - _ax) * _dx + (_fy - _ay) * _dy) / (_dx * _dx + _dy * _dy)
_hx, _hy = _ax + _t * _dx, _ay + _t * _dy
if _t < 0 or _t > 1:
    _ex, _ey = (_ax, _ay) if _t < 0 else (_bx, _by)
    ax.plot([_ex, _hx], [_ey, _hy], color='gray', ls=':', lw=2)
ax.plot([_fx, _hx], [_fy, _hy], color='{color}', ls='--', lw=2.2)
_n = math.hypot(_dx, _dy)
_ux, _uy = _dx / _n, _dy / _n
if _t > 0.5:
    _ux, _uy = -_ux, -_uy
_m = math.hypot(_fx - _hx, _fy - _hy)
_vx, _vy = (_fx - _hx) / _m, (_fy - _hy) / _m
_s = 11
ax.plot([_hx + _s * _ux, _hx + _s * _ux + _s * _vx, _hx + _s * _vx], [_hy + _s * _uy, _hy + _s * _uy + _s * _vy, _hy + _s * _vy], color='{color}', lw=1.6)
ax.plot([_hx], [_hy], 'o', color='{color}', ms=5)
"""


def ix_midpoint(a: str, b: str, label: str = "M", color: str = "red", away_from: str | None = None) -> str:
    """Mark (and label) the midpoint of ab; the label goes to the side away from ``away_from``."""
    away = f"P['{away_from}']" if away_from else "((P['{a}'][0] + P['{b}'][0]) / 2, (P['{a}'][1] + P['{b}'][1]) / 2 - 1)".format(a=a, b=b)
    return f"""_mx, _my = (P['{a}'][0] + P['{b}'][0]) / 2, (P['{a}'][1] + P['{b}'][1]) / 2
ax.plot([_mx], [_my], 'o', color='{color}', ms=7)
_rx, _ry = {away}
_nx, _ny = _mx - _rx, _my - _ry
_nn = math.hypot(_nx, _ny) or 1.0
ax.text(_mx + 18 * _nx / _nn, _my + 18 * _ny / _nn, '{label}', color='{color}', fontsize=14, ha='center', va='center')
"""


def ix_angle_arc(v: str, p1: str, p2: str, radius: float = 24, color: str = "red", right: bool = False) -> str:
    """Mark angle p1-v-p2: a filled wedge arc, or a small square when ``right``."""
    if right:
        return f"""_vx, _vy = P['{v}']
_u = np.array(P['{p1}']) - np.array(P['{v}'])
_w = np.array(P['{p2}']) - np.array(P['{v}'])
_u = _u / np.linalg.norm(_u) * {radius * 0.6}
_w = _w / np.linalg.norm(_w) * {radius * 0.6}
ax.plot([_vx + _u[0], _vx + _u[0] + _w[0], _vx + _w[0]], [_vy + _u[1], _vy + _u[1] + _w[1], _vy + _w[1]], color='{color}', lw=2.2)
ax.fill([_vx, _vx + _u[0], _vx + _u[0] + _w[0], _vx + _w[0]], [_vy, _vy + _u[1], _vy + _u[1] + _w[1], _vy + _w[1]], color='{color}', alpha=0.25, lw=0)
"""
    return f"""_vx, _vy = P['{v}']
_a1 = math.atan2(P['{p1}'][1] - _vy, P['{p1}'][0] - _vx)
_a2 = math.atan2(P['{p2}'][1] - _vy, P['{p2}'][0] - _vx)
_d = (_a2 - _a1 + math.pi) % (2 * math.pi) - math.pi
_ts = _a1 + np.linspace(0, 1, 40) * _d
ax.fill(np.r_[_vx, _vx + {radius} * np.cos(_ts)], np.r_[_vy, _vy + {radius} * np.sin(_ts)], color='{color}', alpha=0.3, lw=0)
ax.plot(_vx + {radius} * np.cos(_ts), _vy + {radius} * np.sin(_ts), color='{color}', lw=2)
"""


def ix_datamap(data: Mapping[str, tuple[float, float]]) -> str:
    """Define ``_px(x, y)``: the data->pixel map fitted from the elements (needs two distinct
    x values and two distinct y values among ``data``)."""
    items = ", ".join(f"'{n}': ({num(x)}, {num(y)})" for n, (x, y) in data.items())
    return f"""_D = {{{items}}}
_kx = np.polyfit([_D[k][0] for k in _D], [P[k][0] for k in _D], 1)
_ky = np.polyfit([_D[k][1] for k in _D], [P[k][1] for k in _D], 1)
def _px(x, y):
    return (_kx[0] * x + _kx[1], _ky[0] * y + _ky[1])
"""


def ix_window_line(p, q, xr, yr, color: str = "red", ls: str = "--", lw: float = 2.0) -> str:
    """The full line through data points p, q clipped to the plot window xr x yr (needs ``_px``
    from :func:`ix_datamap`)."""
    (x1, y1), (x2, y2) = clip_line(p, q, xr, yr)
    return (f"_l0 = _px({num(x1)}, {num(y1)})\n_l1 = _px({num(x2)}, {num(y2)})\n"
            f"ax.plot([_l0[0], _l1[0]], [_l0[1], _l1[1]], color='{color}', ls='{ls}', lw={lw})\n")
