"""Shared pieces of the function-graph, trigonometry, vector, transformation, number-line and
measurement families: a plain canvas with a known data->pixel map and label layout, and role
assignment.

The canvas fixes figure size, axes rectangle and limits (no autoscaling, no aspect fitting), so
the pixel position of every data coordinate is known at build time; labels are laid out with
:func:`pipelines.creators.common.layout_labels` around the drawn points, avoiding strokes and the
fixed texts (tick numbers, captions) the family draws.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence

import numpy as np

from pipelines.creators.base import Element
from pipelines.creators.common import layout_labels, num, rounded, sample_polyline


def with_roles(elements: Sequence[Element], roles: Mapping[str, str]) -> tuple[Element, ...]:
    """The elements with their structural roles set (roles must be unique when non-empty)."""
    used = [r for r in roles.values() if r]
    if len(used) != len(set(used)):
        raise ValueError(f"duplicate element roles: {used}")
    return tuple(dataclasses.replace(e, role=roles.get(e.name, "")) for e in elements)


def q(s: str) -> str:
    """A string literal for generated code."""
    return repr(s)


class Canvas:
    """One axes with fixed limits, raw drawing code, fixed texts and labelled dots."""

    DPI = 100

    def __init__(self, size: tuple[float, float], rect: tuple[float, float, float, float],
                 xlim: tuple[float, float], ylim: tuple[float, float], font: int = 14) -> None:
        self.size, self.rect, self.xlim, self.ylim, self.font = size, rect, xlim, ylim, font
        self.lines: list[str] = []
        self.obstacles: list[tuple[float, float]] = []  # pixel samples (y up, axes origin)
        self.fixed: list[tuple[float, float, float, float]] = []
        self.pts: dict[str, tuple[float, float]] = {}
        self.roles: dict[str, str] = {}
        self.dot_style: dict[str, str] = {}
        self.label_color: dict[str, str] = {}
        self.ref: tuple[float, float] | None = None  # labels move away from it (data); None: centroid
        self.refs: dict[str, tuple[float, float]] = {}

    # -- coordinates ----------------------------------------------------------------------------

    @property
    def axes_px(self) -> tuple[float, float]:
        return self.rect[2] * self.size[0] * self.DPI, self.rect[3] * self.size[1] * self.DPI

    def to_px(self, p) -> tuple[float, float]:
        """Data -> axes pixels, y up (the label layout's space)."""
        w, h = self.axes_px
        return ((p[0] - self.xlim[0]) / (self.xlim[1] - self.xlim[0]) * w,
                (p[1] - self.ylim[0]) / (self.ylim[1] - self.ylim[0]) * h)

    def from_px(self, p) -> tuple[float, float]:
        w, h = self.axes_px
        return (self.xlim[0] + p[0] / w * (self.xlim[1] - self.xlim[0]),
                self.ylim[0] + p[1] / h * (self.ylim[1] - self.ylim[0]))

    # -- drawing --------------------------------------------------------------------------------

    def code(self, line: str, *polys: Sequence[tuple[float, float]], spacing: float = 3.0) -> None:
        """Raw drawing code; ``polys`` (data coordinates) are what it draws, kept free of labels."""
        self.lines.append(line)
        for poly in polys:
            self.obstacles += sample_polyline([self.to_px(p) for p in poly], spacing)

    def polyline(self, pts: Sequence[tuple[float, float]], style: str = "color='black', lw=2") -> None:
        xs = ", ".join(num(p[0]) for p in pts)
        ys = ", ".join(num(p[1]) for p in pts)
        self.code(f"ax.plot([{xs}], [{ys}], {style})", list(pts))

    def text(self, x: float, y: float, s: str, size: float = 10, ha: str = "center", va: str = "center",
             extra: str = "") -> None:
        """A fixed text at data (x, y); its box is reserved so labels keep off it."""
        font_px = size * self.DPI / 72
        hw, hh = 0.33 * font_px * len(s) + 1.5, 0.6 * font_px
        cx, cy = self.to_px((x, y))
        cx += {"left": hw, "right": -hw}.get(ha, 0.0)
        cy += {"bottom": hh, "top": -hh}.get(va, 0.0)
        self.fixed.append((cx - hw, cy - hh, cx + hw, cy + hh))
        self.lines.append(f"ax.text({num(x)}, {num(y)}, {q(s)}, fontsize={size}, ha='{ha}', va='{va}'{extra})")

    def point(self, name: str, xy, role: str = "", dot: str = "'o', color='black', ms=6, zorder=5",
              color: str = "black", ref: tuple[float, float] | None = None) -> tuple[float, float]:
        p = (rounded(xy[0]), rounded(xy[1]))
        self.pts[name] = p
        self.roles[name] = role
        self.dot_style[name] = dot
        self.label_color[name] = color
        if ref is not None:
            self.refs[name] = ref
        return p

    def build(self) -> tuple[str, tuple[Element, ...]]:
        w, h = self.axes_px
        anchors = {n: self.to_px(p) for n, p in self.pts.items()}
        if self.ref is not None:
            ref = self.to_px(self.ref)
        else:
            ref = (sum(a[0] for a in anchors.values()) / len(anchors), sum(a[1] for a in anchors.values()) / len(anchors))
        refs = {n: (self.to_px(self.refs[n]) if n in self.refs else ref) for n in anchors}
        labels_px = layout_labels(anchors, refs, np.array(self.obstacles or [(-1e6, -1e6)]), list(anchors.values()),
                                  (0, 0, w, h), self.font * self.DPI / 72, gap=4, fixed=self.fixed)
        out = [
            f"fig = plt.figure(figsize=({self.size[0]}, {self.size[1]}), dpi={self.DPI})",
            f"ax = fig.add_axes([{', '.join(map(str, self.rect))}])",
            f"ax.set_xlim({num(self.xlim[0])}, {num(self.xlim[1])})",
            f"ax.set_ylim({num(self.ylim[0])}, {num(self.ylim[1])})",
            "ax.axis('off')",
        ]
        out += self.lines
        for n, (x, y) in self.pts.items():
            out.append(f"ax.plot([{num(x)}], [{num(y)}], {self.dot_style[n]})")
        for n, pp in labels_px.items():
            x, y = self.from_px(pp)
            out.append(f"ax.text({num(x)}, {num(y)}, {q(n)}, fontsize={self.font}, ha='center', va='center', "
                       f"color='{self.label_color[n]}', zorder=7)")
        els = tuple(Element(n, "point", x, y, self.roles[n]) for n, (x, y) in self.pts.items())
        return "\n".join(out) + "\n", els
