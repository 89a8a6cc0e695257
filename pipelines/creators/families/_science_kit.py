"""Figure kit of the science and fraction families: a fixed-frame canvas whose element labels are
laid out at build time, plus the draft constructor and pixel-space interaction snippets they share.

The canvas fixes the figure size, the axes rectangle and the data limits, so the data->pixel map is
known in advance; labels are placed with :func:`~pipelines.creators.common.layout_labels`, keeping
off drawn strokes, marker dots and the boxes of the canvas's other texts. Every element is a drawn
point (a marker, a vertex, a filled cell) so perception tasks find ink at its position.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from pipelines.creators.base import Element
from pipelines.creators.common import layout_labels, num, sample_polyline

DPI = 100


class Canvas:
    """A figure of fixed size with one axes of fixed rectangle and limits; draws strokes, texts
    and labelled element points, and lays the labels out so they neither overlap nor leave it."""

    def __init__(self, xlim: tuple[float, float], ylim: tuple[float, float], size=(5.6, 4.2),
                 rect=(0.04, 0.04, 0.92, 0.92), font: int = 13, axis_off: bool = True) -> None:
        self.xlim, self.ylim, self.size, self.rect, self.font = xlim, ylim, size, rect, font
        self.axis_off = axis_off
        self.setup: list[str] = []  # axis configuration lines (ticks, grid) after the limits
        self.lines: list[str] = []  # drawing lines in order
        self.obstacles: list[tuple[float, float]] = []  # pixel samples labels keep off
        self.boxes: list[tuple[float, float, float, float]] = []  # pixel boxes of fixed texts
        self.pts: dict[str, tuple[float, float]] = {}
        self.roles: dict[str, str] = {}
        self.kinds: dict[str, str] = {}
        self.dots: list[str] = []
        self.labelled: dict[str, str] = {}  # name -> label style ('' = layout), or 'none' (caller draws)
        self.refs: dict[str, tuple[float, float]] = {}

    # -- geometry ---------------------------------------------------------------------------------
    @property
    def axes_px(self) -> tuple[float, float]:
        return self.rect[2] * self.size[0] * DPI, self.rect[3] * self.size[1] * DPI

    def px(self, p) -> tuple[float, float]:
        """Data -> axes pixels (origin bottom-left of the axes, y up)."""
        w, h = self.axes_px
        return ((p[0] - self.xlim[0]) / (self.xlim[1] - self.xlim[0]) * w,
                (p[1] - self.ylim[0]) / (self.ylim[1] - self.ylim[0]) * h)

    def data(self, q) -> tuple[float, float]:
        w, h = self.axes_px
        return (self.xlim[0] + q[0] / w * (self.xlim[1] - self.xlim[0]),
                self.ylim[0] + q[1] / h * (self.ylim[1] - self.ylim[0]))

    def img_px(self, p) -> tuple[float, float]:
        """Data -> pixels of the saved image (origin top-left, y down), as the sandbox maps them."""
        ax, ay = self.px(p)
        return (round(self.rect[0] * self.size[0] * DPI + ax, 2),
                round(self.size[1] * DPI - (self.rect[1] * self.size[1] * DPI + ay), 2))

    # -- drawing ----------------------------------------------------------------------------------
    def raw(self, line: str) -> None:
        self.lines.append(line)

    def avoid(self, pts: Sequence) -> None:
        """Keep labels off the polyline ``pts`` (data coordinates)."""
        self.obstacles += sample_polyline([self.px(p) for p in pts], 3.0)

    def avoid_box(self, x0, y0, x1, y1) -> None:
        """Keep labels off a data rectangle (its pixel box joins the fixed boxes)."""
        a, b = self.px((x0, y0)), self.px((x1, y1))
        self.boxes.append((min(a[0], b[0]), min(a[1], b[1]), max(a[0], b[0]), max(a[1], b[1])))

    def plot(self, pts: Sequence, style: str = "color='black', lw=2", avoid: bool = True) -> None:
        xs = ", ".join(num(p[0]) for p in pts)
        ys = ", ".join(num(p[1]) for p in pts)
        self.lines.append(f"ax.plot([{xs}], [{ys}], {style})")
        if avoid:
            self.avoid(pts)

    def text(self, x: float, y: float, s: str, size: float | None = None, ha: str = "center",
             va: str = "center", extra: str = "") -> None:
        """A fixed text (not an element label); its approximate box is reserved."""
        fs = size or self.font
        fpx = fs * DPI / 72
        w = 0.62 * fpx * max(1, len(s)) + 4
        hgt = 1.25 * fpx + 2
        cx, cy = self.px((x, y))
        x0 = {"center": cx - w / 2, "left": cx, "right": cx - w}[ha]
        y0 = {"center": cy - hgt / 2, "bottom": cy, "top": cy - hgt, "baseline": cy - 0.25 * fpx}[va]
        self.boxes.append((x0, y0, x0 + w, y0 + hgt))
        tail = f", {extra}" if extra else ""
        self.lines.append(f"ax.text({num(x)}, {num(y)}, {s!r}, fontsize={fs}, ha='{ha}', va='{va}'{tail})")

    def point(self, name: str, xy, role: str = "", kind: str = "point", dot: str | None = "color='black', ms=6",
              label: str = "", ref=None) -> None:
        """An element at data ``xy``; ``dot`` is the marker style (None: the point is already ink);
        ``label`` = 'none' when the caller draws the name text itself."""
        self.pts[name] = (float(xy[0]), float(xy[1]))
        self.roles[name] = role
        self.kinds[name] = kind
        self.labelled[name] = label
        if ref is not None:
            self.refs[name] = (float(ref[0]), float(ref[1]))
        if dot is not None:
            self.dots.append(name)
            self.lines.append(f"ax.plot([{num(xy[0])}], [{num(xy[1])}], 'o', {dot}, zorder=6)")

    # -- build ------------------------------------------------------------------------------------
    def build(self, label_color: str = "black") -> tuple[str, tuple[Element, ...]]:
        w, h = self.axes_px
        anchors = {n: self.px(p) for n, p in self.pts.items() if self.labelled[n] != "none"}
        if anchors:
            cx = sum(p[0] for p in anchors.values()) / len(anchors)
            cy = sum(p[1] for p in anchors.values()) / len(anchors)
            refs = {n: (self.px(self.refs[n]) if n in self.refs else (cx, cy)) for n in anchors}
            placed = layout_labels(anchors, refs, np.array(self.obstacles).reshape(-1, 2),
                                   [self.px(self.pts[n]) for n in self.dots], (0, 0, w, h),
                                   self.font * DPI / 72, gap=5, fixed=self.boxes)
        else:
            placed = {}
        head = [
            f"fig = plt.figure(figsize=({self.size[0]}, {self.size[1]}), dpi={DPI})",
            f"ax = fig.add_axes([{', '.join(str(v) for v in self.rect)}])",
            f"ax.set_xlim({num(self.xlim[0])}, {num(self.xlim[1])})",
            f"ax.set_ylim({num(self.ylim[0])}, {num(self.ylim[1])})",
        ]
        if self.axis_off:
            head.append("ax.axis('off')")
        body = list(self.lines)
        for n, q in placed.items():
            x, y = self.data(q)
            body.append(f"ax.text({num(x)}, {num(y)}, {n!r}, fontsize={self.font}, ha='center', va='center', "
                        f"color='{label_color}', zorder=7)")
        elements = tuple(Element(n, self.kinds[n], p[0], p[1], self.roles[n]) for n, p in self.pts.items())
        return "\n".join(head + self.setup + body) + "\n", elements


# ------------------------------------------------------------------------------------------------
# interaction snippets (pixel space, P = label -> (x_px, y_px))


def ix_rings(names: Sequence[str], color: str = "red", r: float = 13, lw: float = 2.5) -> str:
    """A circle around each named element."""
    out = []
    for n in names:
        out.append(f"ax.add_patch(plt.Circle((P[{n!r}][0], P[{n!r}][1]), {r}, fill=False, color='{color}', lw={lw}, zorder=9))\n")
    return "".join(out)


def ix_path(names: Sequence[str], color: str = "#e6550d", lw: float = 4.0, alpha: float = 0.8) -> str:
    """A thick polyline through the named elements in order."""
    xs = ", ".join(f"P[{n!r}][0]" for n in names)
    ys = ", ".join(f"P[{n!r}][1]" for n in names)
    return f"ax.plot([{xs}], [{ys}], color='{color}', lw={lw}, alpha={alpha}, zorder=9)\n"
