"""A small SVG builder for the families that render through cairosvg (``renderer = "svg"``).

The document's viewBox is its pixel grid (``0 0 W H``, y down), so an element's coordinates are
its pixel position and the sandbox maps them exactly. The look is the SVG families' own, unlike
the matplotlib families': Liberation Sans / Serif type, a warm paper, slate ink, round caps and a
muted four-colour palette. :meth:`Svg.code` is the render program: one assignment of the document
to ``svg`` (the sandbox's svg task kind), nothing else.
"""

from __future__ import annotations

import math
from xml.sax.saxutils import escape, quoteattr

from pipelines.creators.base import Element

SANS = "Liberation Sans"
SERIF = "Liberation Serif"
PAPER = "#fbf8f1"
INK = "#24313f"
MUTED = "#6b7a89"
ACCENT = "#c8553d"
TEAL = "#2a7f8f"
GOLD = "#e0a030"
PLUM = "#7a4d8c"
SOFT = ("#d6e9ef", "#f7dcc1", "#e4d9ef", "#dcebd3", "#f3e3a9")
STYLE = "renderer=svg;paper=warm;ink=slate;font=liberation"


def _fmt(v) -> str:
    if isinstance(v, float):
        r = round(v, 2)
        return str(int(r)) if r == int(r) else repr(r)
    return str(v)


class Svg:
    """Shapes and texts in pixel units; ``elements`` collects the named points."""

    def __init__(self, width: float, height: float, paper: str = PAPER) -> None:
        self.w, self.h = int(width), int(height)
        self.parts: list[str] = [f'<rect x="0" y="0" width="{self.w}" height="{self.h}" fill="{paper}"/>']
        self.elements: list[Element] = []

    # -- primitives ----------------------------------------------------------------------------

    def add(self, tag: str, text: str | None = None, **attrs) -> None:
        """One element; attribute names use ``_`` for ``-`` (``stroke_width``)."""
        a = " ".join(f"{k.rstrip('_').replace('_', '-')}={quoteattr(_fmt(v))}" for k, v in attrs.items() if v is not None)
        self.parts.append(f"<{tag} {a}/>" if text is None else f"<{tag} {a}>{escape(text)}</{tag}>")

    def line(self, x1, y1, x2, y2, stroke: str = INK, width: float = 2.5, dash: str | None = None) -> None:
        self.add("line", x1=x1, y1=y1, x2=x2, y2=y2, stroke=stroke, stroke_width=width, stroke_linecap="round",
                 stroke_dasharray=dash)

    def polyline(self, pts, stroke: str = INK, width: float = 2.5, fill: str = "none", dash: str | None = None) -> None:
        self.add("polyline", points=" ".join(f"{_fmt(float(x))},{_fmt(float(y))}" for x, y in pts), fill=fill,
                 stroke=stroke, stroke_width=width, stroke_linejoin="round", stroke_linecap="round",
                 stroke_dasharray=dash)

    def polygon(self, pts, fill: str = "none", stroke: str = INK, width: float = 2.5, opacity: float | None = None) -> None:
        self.add("polygon", points=" ".join(f"{_fmt(float(x))},{_fmt(float(y))}" for x, y in pts), fill=fill,
                 stroke=stroke, stroke_width=width, stroke_linejoin="round", fill_opacity=opacity)

    def rect(self, x, y, w, h, fill: str = "none", stroke: str = INK, width: float = 2.0, rx: float = 0,
             opacity: float | None = None) -> None:
        self.add("rect", x=x, y=y, width=w, height=h, rx=rx or None, fill=fill, stroke=stroke, stroke_width=width,
                 fill_opacity=opacity)

    def circle(self, cx, cy, r, fill: str = "none", stroke: str = INK, width: float = 2.5,
               opacity: float | None = None) -> None:
        self.add("circle", cx=cx, cy=cy, r=r, fill=fill, stroke=stroke, stroke_width=width, fill_opacity=opacity)

    def path(self, d: str, fill: str = "none", stroke: str = INK, width: float = 2.5) -> None:
        self.add("path", d=d, fill=fill, stroke=stroke, stroke_width=width, stroke_linejoin="round",
                 stroke_linecap="round")

    def text(self, x, y, s: str, size: float = 16, fill: str = INK, weight: str = "normal", anchor: str = "middle",
             family: str = SANS, style: str = "normal") -> None:
        """A text centred vertically on ``y`` (``anchor``: start | middle | end)."""
        self.add("text", s, x=x, y=y, font_family=family, font_size=size, font_weight=weight, font_style=style,
                 fill=fill, text_anchor=anchor, dominant_baseline="central")

    # -- elements ------------------------------------------------------------------------------

    def element(self, name: str, x: float, y: float, kind: str = "point", role: str = "") -> tuple[float, float]:
        x, y = round(float(x), 2), round(float(y), 2)
        self.elements.append(Element(name, kind, x, y, role))
        return x, y

    def dot(self, name: str, x: float, y: float, dx: float, dy: float, role: str = "", r: float = 5,
            color: str = INK, size: float = 17) -> tuple[float, float]:
        """A labelled point: a dot at (x, y) and its name at (x + dx, y + dy)."""
        self.circle(x, y, r, fill=color, stroke=PAPER, width=1.5)
        self.text(x + dx, y + dy, name, size=size, weight="bold", fill=color)
        return self.element(name, x, y, "point", role)

    # -- output --------------------------------------------------------------------------------

    def document(self) -> str:
        return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{self.w}" height="{self.h}" '
                f'viewBox="0 0 {self.w} {self.h}">' + "".join(self.parts) + "</svg>")

    def code(self) -> str:
        """The render program: the document assigned to ``svg``."""
        return "svg = " + repr(self.document()) + "\n"

    def build(self) -> tuple[str, tuple[Element, ...]]:
        return self.code(), tuple(self.elements)


def nearest(elements, x: float, y: float, names=None) -> str:
    """The name of the element (among ``names`` when given) closest to (x, y)."""
    best = min((e for e in elements if names is None or e.name in names), key=lambda e: math.hypot(e.x - x, e.y - y))
    return best.name


def text_width(s: str, size: float) -> float:
    """A generous width estimate of ``s`` in Liberation Sans at ``size`` px (layout only)."""
    return 0.6 * size * len(s) + 2


def svg_draft(fam, **fields):
    """``fam.draft(...)`` for a figure rendered from SVG, in this kit's look."""
    return fam.draft(renderer="svg", style=STYLE, **fields)


class ParallelSum:
    """The parallel expansion the SVG families share: a second, independent sub-question on the
    same figure, answered together with the first as their sum (variant ``par_sum``).

    A family lists ``PAR``: base ask -> the asks a second sub-question may use (same unit), and
    ``PAR_WORDS``: ask -> the sub-question as a phrase ("how many edges the graph has"; ``{param}``
    fields are filled from the draft's params). Its
    ``_value(draft)`` (answer, or (answer, marks)) must compute any of those asks from the
    draft's elements; :meth:`rederive` sends ``par_sum`` drafts to :meth:`rederive_sum`."""

    PAR: dict[str, tuple[str, ...]] = {}
    PAR_WORDS: dict[str, str] = {}

    def rederive(self, draft) -> str:
        if draft.variant == "par_sum":
            return self.rederive_sum(draft)
        v = self._value(draft)  # type: ignore[attr-defined]
        return v[0] if isinstance(v, tuple) else v

    def _ask_value(self, draft, ask: str) -> tuple[str, list[str]]:
        v = self._value(draft.replace(variant="base", params={**draft.params, "ask": ask}))  # type: ignore[attr-defined]
        return (v[0], list(v[1])) if isinstance(v, tuple) else (v, [])

    def expand_parallel(self, draft, rng):
        from fractions import Fraction

        from pipelines.creators.base import Interaction
        from pipelines.creators.common import fmt_frac, interaction_code
        from pipelines.creators.families._f3kit import ix_rings

        options = self.PAR.get(draft.params.get("ask"), ())
        if draft.variant != "base" or draft.answer_type != "number" or not options:
            return None
        second = rng.choice(sorted(options))
        value, marks = self._ask_value(draft, second)
        marks = marks or [e.name for e in draft.elements][:3]
        answer = fmt_frac(Fraction(draft.answer) + Fraction(value))
        words = self.PAR_WORDS[second].format(**draft.params)
        question = f"{draft.question} Also find {words}, and give the sum of the two answers."
        ix = Interaction("highlight", f"Circle {', '.join(marks)}, which the second quantity uses.",
                         interaction_code(ix_rings(marks, color="#2a5db0", r=26)), tuple(marks))
        return draft.replace(variant="par_sum", difficulty=draft.difficulty + 1, question=question, answer=answer,
                             solution=f"{draft.solution} The second quantity is {value}, so the sum is {answer}.",
                             interactions=draft.interactions + (ix,), params={**draft.params, "par": second})

    def rederive_sum(self, draft) -> str:
        from fractions import Fraction

        from pipelines.creators.common import fmt_frac

        base = self._ask_value(draft, draft.params["ask"])[0]
        second = self._ask_value(draft, draft.params["par"])[0]
        return fmt_frac(Fraction(base) + Fraction(second))
