"""Figure styles chosen by the seed: paper and ink colours, font, line weight, and for families
that opt in, fill schemes and title wording; recorded per sample as the ``style`` string.

:func:`pick` draws a :class:`Style`; :func:`apply` wraps a draft's render code in a prologue
(default font) and an epilogue that recolours what the family drew in near-black ink and the
white paper. Nothing moves: coordinates, label positions and colours that carry meaning
(fills, highlights, series colours) are kept, so elements, rederive() and the checker see the
same figure geometry. Fonts are width-compatible with the label layout's box estimate
(DejaVu Sans / Serif, upright or oblique)."""

from __future__ import annotations

import random
from dataclasses import dataclass

from pipelines.creators.base import Draft
from pipelines.creators.wording import content_rng

PAPERS = {"white": "#ffffff", "ivory": "#fbf8ef", "mist": "#f3f6fb", "sage": "#f4f7f1"}
INKS = {"black": "#000000", "navy": "#1f2a44", "graphite": "#2e2e2e", "umber": "#3b2a22", "pine": "#14372a"}
FONTS = {"sans": ("DejaVu Sans", "normal"), "serif": ("DejaVu Serif", "normal"),
         "sans-oblique": ("DejaVu Sans", "oblique")}
LINE_WEIGHTS = {"thin": 0.85, "regular": 1.0, "bold": 1.25}
# fill schemes for families whose figures are shaded cells or bricks: (shown, asked, blank, edge)
FILL_SCHEMES = {
    "blue": ("#dbe5f4", "#f6d8a8", "#f4f4f4", "#333333"),
    "green": ("#dcefdc", "#f9d5c8", "#f5f5f0", "#2f3b2f"),
    "sand": ("#f3e7cf", "#cfe0f3", "#f7f7f7", "#4a3b2a"),
    "lilac": ("#e6def2", "#fbe3a4", "#f6f6f6", "#3a3350"),
    "grey": ("#e3e3e3", "#ffd9b3", "#fafafa", "#222222"),
}


@dataclass(frozen=True)
class Style:
    """One figure style; ``tag`` is its ``style`` column value (``key=value`` pairs, ``;``-joined)."""

    paper: str = "white"
    ink: str = "black"
    font: str = "sans"
    weight: str = "regular"
    extra: tuple[tuple[str, str], ...] = ()  # family-specific picks (fills, layout, title), recorded too

    @property
    def tag(self) -> str:
        pairs = [("paper", self.paper), ("ink", self.ink), ("font", self.font), ("lines", self.weight), *self.extra]
        return ";".join(f"{k}={v}" for k, v in pairs)


def pick(rng: random.Random) -> Style:
    """A style drawn with ``rng`` (plain white/black/sans/regular about one time in four)."""
    if rng.random() < 0.25:
        return Style()
    return Style(rng.choice(sorted(PAPERS)), rng.choice(sorted(INKS)), rng.choice(sorted(FONTS)),
                 rng.choice(sorted(LINE_WEIGHTS)))


def with_extra(draft: Draft, **extra: str) -> Draft:
    """``draft`` with family-specific style picks recorded (before :func:`apply` adds the common ones)."""
    return draft.replace(style=";".join(p for p in (draft.style, *(f"{k}={v}" for k, v in extra.items())) if p))


_EPILOGUE = """
def _style_dark(c):
    try:
        r, g, b, a = matplotlib.colors.to_rgba(c)
    except (TypeError, ValueError):
        return False
    return a > 0 and max(r, g, b) < 0.2
def _style_white(c):
    try:
        return matplotlib.colors.to_rgba(c)[:3] == (1.0, 1.0, 1.0)
    except (TypeError, ValueError):
        return False
_style_fig = plt.gcf()
for _style_ax in _style_fig.axes:
    if _style_white(_style_ax.get_facecolor()):
        _style_ax.set_facecolor({paper!r})
    for _l in _style_ax.lines:
        _l.set_linewidth(_l.get_linewidth() * {lw!r})
        if _style_dark(_l.get_color()):
            _l.set_color({ink!r})
        if _style_dark(_l.get_markerfacecolor()):
            _l.set_markerfacecolor({ink!r})
        if _style_dark(_l.get_markeredgecolor()):
            _l.set_markeredgecolor({ink!r})
    for _p in _style_ax.patches:
        if _style_dark(_p.get_edgecolor()):
            _p.set_edgecolor({ink!r})
        if _style_dark(_p.get_facecolor()):
            _p.set_facecolor({ink!r})
        _p.set_linewidth(_p.get_linewidth() * {lw!r})
    for _t in _style_ax.texts:
        if _style_dark(_t.get_color()):
            _t.set_color({ink!r})
    for _s in _style_ax.spines.values():
        if _style_dark(_s.get_edgecolor()):
            _s.set_edgecolor({ink!r})
if _style_white(_style_fig.get_facecolor()):
    _style_fig.set_facecolor({paper!r})
"""


def _prologue(font: str) -> str:
    family, style = FONTS[font]
    return f"plt.rcParams['font.family'] = {family!r}\nplt.rcParams['font.style'] = {style!r}\n"


def apply(draft: Draft, style: Style) -> Draft:
    """``draft`` drawn in ``style``: render code wrapped, ``style`` column = family picks + common picks.
    Only matplotlib code is wrapped; another renderer's family (an SVG document) records its own
    picks with :func:`with_extra` and keeps its code."""
    if draft.renderer != "matplotlib":
        return draft
    if style == Style():
        code = draft.render_code
    else:
        epilogue = _EPILOGUE.format(paper=PAPERS[style.paper], ink=INKS[style.ink], lw=LINE_WEIGHTS[style.weight])
        code = "import matplotlib\n" + _prologue(style.font) + draft.render_code.rstrip("\n") + "\n" + epilogue
    tag = ";".join(p for p in (style.tag, draft.style) if p)
    return draft.replace(render_code=code, style=tag)


def parse(tag: str) -> Style:
    """The :class:`Style` a ``style`` column value names (unknown keys are family extras)."""
    pairs = [p.split("=", 1) for p in tag.split(";") if "=" in p]
    common = {"paper": "paper", "ink": "ink", "font": "font", "lines": "weight"}
    known = {common[k]: v for k, v in pairs if k in common}
    return Style(**known, extra=tuple((k, v) for k, v in pairs if k not in common))


def for_draft(draft: Draft) -> Style:
    """The common style of a draft, seeded by its content like the wording frame (identical
    problems look identical, so image de-duplication still sees them)."""
    return pick(content_rng("style", draft.family, draft.question, draft.answer, draft.render_code))
