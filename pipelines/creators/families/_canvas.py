"""A fixed-geometry drawing canvas for the solid, spatial, map, graph and counting families.

The figure size, the axes rectangle and the data limits are decided here, with equal data
units on both axes, so the data->pixel map is known at build time: labels of dots are laid out
with :func:`common.layout_labels` and fixed texts (edge weights, lengths, scale marks) are placed
on free spots, so no two texts overlap and none leaves the canvas. Every element is a drawn dot
or node, so the pixel at its data coordinate is ink (the perception contract).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from pipelines.creators.base import Element
from pipelines.creators.common import layout_labels, num, rounded, sample_polyline

DPI = 100


def _box(cx: float, cy: float, text: str, font_px: float, pad: float = 0.0) -> tuple[float, float, float, float]:
    hw = 0.36 * font_px * len(text) + 2.0 + pad
    hh = 0.62 * font_px + pad
    return (cx - hw, cy - hh, cx + hw, cy + hh)


def _hit(a, b, gap: float = 3.0) -> bool:
    return a[0] < b[2] + gap and b[0] < a[2] + gap and a[1] < b[3] + gap and b[1] < a[3] + gap


class Canvas:
    """Strokes, fills, dots, nodes and texts in data coordinates; ``build`` emits render code."""

    def __init__(self, xlim: tuple[float, float], ylim: tuple[float, float], scale_px: float,
                 pad_px: int = 10, font: int = 14) -> None:
        self.x0, self.x1 = float(xlim[0]), float(xlim[1])
        self.y0, self.y1 = float(ylim[0]), float(ylim[1])
        self.s = float(scale_px)  # pixels per data unit
        self.aw = int(round((self.x1 - self.x0) * self.s))
        self.ah = int(round((self.y1 - self.y0) * self.s))
        # make the limits match the whole-pixel axes box exactly (equal units on both axes)
        self.x1 = self.x0 + self.aw / self.s
        self.y1 = self.y0 + self.ah / self.s
        self.pad = pad_px
        self.W, self.H = self.aw + 2 * pad_px, self.ah + 2 * pad_px
        self.font = font
        self.font_px = font * DPI / 72
        self.lines: list[str] = []
        self.obstacles: list[tuple[float, float]] = []
        self.boxes: list[tuple[float, float, float, float]] = []  # taken text boxes (axes px)
        self.dot_px: list[tuple[float, float]] = []
        self.labelled: dict[str, tuple[float, float]] = {}  # dots whose labels are laid out at build
        self.elements: list[Element] = []
        self.label_color: dict[str, str] = {}

    # -- coordinates ---------------------------------------------------------------------------

    def px(self, p) -> tuple[float, float]:
        """Axes pixel coordinates (y up) of a data point."""
        return ((p[0] - self.x0) * self.s, (p[1] - self.y0) * self.s)

    def data(self, q) -> tuple[float, float]:
        return (self.x0 + q[0] / self.s, self.y0 + q[1] / self.s)

    def inside(self, box, margin: float = 2.0) -> bool:
        return box[0] >= margin and box[1] >= margin and box[2] <= self.aw - margin and box[3] <= self.ah - margin

    def free(self, box, gap: float = 3.0, strokes: bool = False) -> bool:
        """No taken text box, dot or (optionally) stroke sample near ``box``, and inside the axes."""
        if not self.inside(box):
            return False
        if any(_hit(box, b, gap) for b in self.boxes):
            return False
        for x, y in self.dot_px:
            if box[0] - 5 < x < box[2] + 5 and box[1] - 5 < y < box[3] + 5:
                return False
        if strokes and self.obstacles:
            obs = np.asarray(self.obstacles)
            ins = (obs[:, 0] > box[0] - 1) & (obs[:, 0] < box[2] + 1) & (obs[:, 1] > box[1] - 1) & (obs[:, 1] < box[3] + 1)
            if ins.any():
                return False
        return True

    # -- drawing -------------------------------------------------------------------------------

    def raw(self, line: str) -> None:
        self.lines.append(line)

    def line(self, pts: Sequence, color: str = "black", lw: float = 2.0, ls: str = "-", z: int = 2,
             obstacle: bool = True, alpha: float | None = None) -> None:
        xs = ", ".join(num(p[0]) for p in pts)
        ys = ", ".join(num(p[1]) for p in pts)
        extra = f", alpha={alpha}" if alpha is not None else ""
        self.lines.append(f"ax.plot([{xs}], [{ys}], color='{color}', lw={lw}, ls='{ls}', "
                          f"solid_capstyle='round', zorder={z}{extra})")
        if obstacle:
            self.obstacles += sample_polyline([self.px(p) for p in pts], 2.5)

    def fill(self, pts: Sequence, color: str, alpha: float = 1.0, ec: str = "none", lw: float = 0.0, z: float = 1,
             obstacle: bool = False) -> None:
        if obstacle:  # labels keep off the outline
            self.obstacles += sample_polyline([self.px(p) for p in list(pts) + [pts[0]]], 2.5)
        xs = ", ".join(num(p[0]) for p in pts)
        ys = ", ".join(num(p[1]) for p in pts)
        self.lines.append(f"ax.fill([{xs}], [{ys}], facecolor='{color}', alpha={alpha}, edgecolor='{ec}', lw={lw}, zorder={z})")

    def dot(self, name: str, xy, role: str = "", color: str = "black", ms: float = 6, label: bool = True,
            z: int = 6, label_color: str = "black") -> tuple[float, float]:
        """An element: a dot at ``xy`` with its label laid out at build time."""
        p = (rounded(xy[0]), rounded(xy[1]))
        self.lines.append(f"ax.plot([{num(p[0])}], [{num(p[1])}], 'o', color='{color}', ms={ms}, zorder={z})")
        self.dot_px.append(self.px(p))
        self.elements.append(Element(name, "point", p[0], p[1], role))
        if label:
            self.labelled[name] = self.px(p)
            self.label_color[name] = label_color
        return p

    def node(self, name: str, xy, role: str = "", r_px: float = 15, fc: str = "#c6dbef", ec: str = "#08306b",
             font: int | None = None) -> tuple[float, float]:
        """An element drawn as a filled disc with its label inside (graph vertices, map towns)."""
        p = (rounded(xy[0]), rounded(xy[1]))
        ms = 2 * r_px * 72 / DPI
        self.lines.append(f"ax.plot([{num(p[0])}], [{num(p[1])}], 'o', ms={rounded(ms, 2)}, markerfacecolor='{fc}', "
                          f"markeredgecolor='{ec}', mew=1.8, zorder=6)")
        f = font or self.font
        self.lines.append(f"ax.text({num(p[0])}, {num(p[1])}, '{name}', fontsize={f}, ha='center', va='center', zorder=7)")
        cx, cy = self.px(p)
        self.boxes.append((cx - r_px, cy - r_px, cx + r_px, cy + r_px))
        self.elements.append(Element(name, "point", p[0], p[1], role))
        return p

    def text(self, s: str, xy, font: int | None = None, color: str = "black", z: int = 8, box: bool = False,
             ha: str = "center", weight: str = "normal") -> None:
        """A fixed (non-element) text centred at ``xy``; its box is taken for later texts."""
        f = font or self.font
        extra = ", bbox=dict(boxstyle='square,pad=0.1', fc='white', ec='none')" if box else ""
        wt = f", fontweight='{weight}'" if weight != "normal" else ""
        self.lines.append(f"ax.text({num(xy[0])}, {num(xy[1])}, {s!r}, fontsize={f}, color='{color}', ha='{ha}', "
                          f"va='center', zorder={z}{wt}{extra})")
        cx, cy = self.px(xy)
        fpx = f * DPI / 72
        if ha == "center":
            self.boxes.append(_box(cx, cy, s, fpx, 1.0))
        else:
            b = _box(cx, cy, s, fpx, 1.0)
            w = b[2] - b[0]
            self.boxes.append((cx - 2, b[1], cx + w, b[3]) if ha == "left" else (cx - w, b[1], cx + 2, b[3]))

    def text_box_free(self, s: str, xy, font: int | None = None, strokes: bool = False) -> bool:
        f = (font or self.font) * DPI / 72
        cx, cy = self.px(xy)
        return self.free(_box(cx, cy, s, f, 1.0), strokes=strokes)

    def text_near_segment(self, s: str, p, q, font: int | None = None, color: str = "black", offset_px: float = 12,
                          side: int = 0) -> tuple[float, float]:
        """Place ``s`` beside segment pq at the first free spot (middle first, either side unless
        ``side`` is +1/-1); falls back to the middle on a white box."""
        f = font or self.font
        fpx = f * DPI / 72
        a, b = self.px(p), self.px(q)
        dx, dy = b[0] - a[0], b[1] - a[1]
        n = math.hypot(dx, dy) or 1.0
        nx, ny = -dy / n, dx / n
        hw = 0.36 * fpx * len(s) + 2.0
        hh = 0.62 * fpx
        sides = (side,) if side else (1, -1)
        for t in (0.5, 0.42, 0.58, 0.34, 0.66, 0.27, 0.73):
            for sd in sides:
                r = offset_px * 0.4 + abs(nx) * hw + abs(ny) * hh
                cx = a[0] + t * dx + sd * nx * r
                cy = a[1] + t * dy + sd * ny * r
                if self.free(_box(cx, cy, s, fpx, 1.0), strokes=True):
                    xy = self.data((cx, cy))
                    self.text(s, xy, font=f, color=color)
                    return xy
        for t in (0.5, 0.4, 0.6, 0.3, 0.7):
            cx, cy = a[0] + t * dx, a[1] + t * dy
            if self.free(_box(cx, cy, s, fpx, 1.0)):
                xy = self.data((cx, cy))
                self.text(s, xy, font=f, color=color, box=True)
                return xy
        raise ValueError(f"no free spot for the text {s!r} beside a segment")

    # -- build ---------------------------------------------------------------------------------

    def build(self, ref=None, refs: dict | None = None) -> tuple[str, tuple[Element, ...]]:
        """Render code and elements. Labels of dots move away from ``ref`` (data point, default
        the centroid of the labelled dots) or from their own entry in ``refs``."""
        if self.labelled:
            if ref is None:
                xs = [p[0] for p in self.labelled.values()]
                ys = [p[1] for p in self.labelled.values()]
                rp = (sum(xs) / len(xs), sum(ys) / len(ys))
            else:
                rp = self.px(ref)
            rmap = {n: (self.px(refs[n]) if refs and n in refs else rp) for n in self.labelled}
            placed = layout_labels(self.labelled, rmap, np.array(self.obstacles).reshape(-1, 2), self.dot_px,
                                   (0, 0, self.aw, self.ah), self.font_px, gap=4, fixed=self.boxes)
            for n, c in placed.items():
                x, y = self.data(c)
                self.lines.append(f"ax.text({num(x)}, {num(y)}, '{n}', fontsize={self.font}, ha='center', "
                                  f"va='center', color='{self.label_color[n]}', zorder=9)")
        W, H = self.W, self.H
        head = [
            f"fig = plt.figure(figsize=({W / DPI}, {H / DPI}), dpi={DPI})",
            f"ax = fig.add_axes([{rounded(self.pad / W, 8)}, {rounded(self.pad / H, 8)}, "
            f"{rounded(self.aw / W, 8)}, {rounded(self.ah / H, 8)}])",
            f"ax.set_xlim({num(self.x0)}, {num(self.x1)})",
            f"ax.set_ylim({num(self.y0)}, {num(self.y1)})",
            "ax.axis('off')",
        ]
        return "\n".join(head + self.lines) + "\n", tuple(self.elements)


def canvas_for(points: Sequence[tuple[float, float]], target_px: float = 440, margin: float = 0.14,
               min_margin_px: float = 34, font: int = 14) -> Canvas:
    """A canvas whose limits hold ``points`` with a margin, the longer side ``target_px`` pixels."""
    xs = [p[0] for p in points]
    ys = [p[1] for p in points]
    spanx, spany = max(xs) - min(xs), max(ys) - min(ys)
    span = max(spanx, spany, 1e-9)
    s = target_px / span
    m = max(margin * span, min_margin_px / s)
    return Canvas((min(xs) - m, max(xs) + m), (min(ys) - m, max(ys) + m), s, font=font)
