"""The creator contract: a *family* turns knowledge points and a seed into a :class:`Draft`.

A draft is data only: the render code is a string that is executed solely in the sandbox; the
answer is computed from the construction parameters, and :meth:`Family.rederive` recomputes it
independently from the drawn element coordinates so the checker can compare the two.

Conventions every family follows (the sandbox and checker rely on them):

* Render code uses matplotlib (``plt``/``np`` are pre-imported in the sandbox), draws on ONE
  axes bound to the variable ``ax``, uses data coordinates, never calls ``savefig``/``show``,
  never reads or writes files. The sandbox saves the current figure and maps every element's
  data coordinates to pixels with ``ax.transData`` (origin top-left, y down).
* Every point element that is a label is drawn as a text artist whose string is exactly the
  element's ``name`` (the checker looks for it among the rendered texts).
* Interaction code receives ``image_path`` (the current image, PNG) and ``P`` (a dict
  label -> (x_px, y_px) of the render's elements) and draws on a full-bleed axes over the
  image with pixel coordinates, leaving the result as the current figure.
* Questions name elements only by their labels (upper-case tokens such as ``A``, ``AB``,
  ``ABC``); no other all-upper-case words appear in a question (write "One", not "A").
"""

from __future__ import annotations

import dataclasses
import json
import random
import re
from dataclasses import dataclass, field
from typing import ClassVar, Literal

AnswerType = Literal["number", "choice", "text"]
InteractionKind = Literal["auxiliary_line", "midpoint", "angle_mark", "shade", "crop", "highlight"]
Expansion = Literal["none", "parallel", "sequential"]
MODEL_FAMILY = "model"  # the ``family`` of model-written drafts: no procedural re-derivation exists
# an all-capital word: the checker reads it in a question as an element label, so wording never writes one
LABEL_TOKEN = re.compile(r"\b[A-Z][A-Z0-9']*\b")


@dataclass(frozen=True)
class Element:
    """A named thing on the figure with its data coordinates (a point, a bar top, a marker)."""

    name: str
    kind: str  # point | bar | marker | label
    x: float
    y: float
    # what the element is, structurally, without its label ("right-angle vertex", "peak of the
    # curve", "top-left front corner"); perception tasks locate elements by it. "" when none.
    role: str = ""


@dataclass(frozen=True)
class Interaction:
    """One visual interaction: what a solver would do, and the code that does it on the image."""

    kind: InteractionKind
    instruction: str
    code: str
    elements: tuple[str, ...]  # labels of the elements it works near (for the action check)


@dataclass(frozen=True)
class Draft:
    """One synthesized sample before rendering (a row of the ``drafts`` table)."""

    family: str
    domain: str
    node_ids: tuple[str, ...]
    seed: int
    variant: str  # "base" or the expansion variant a family's rederive() dispatches on
    render_code: str
    question: str
    answer: str
    answer_type: AnswerType
    choices: tuple[str, ...]
    solution: str
    interactions: tuple[Interaction, ...]
    elements: tuple[Element, ...]
    difficulty: int
    params: dict = field(default_factory=dict)  # JSON-serialisable construction parameters
    # the figure style the seed chose (pipelines.creators.style: "paper=...;ink=...;font=...;..."), and the
    # wording template of the question (pipelines.creators.wording: "<family>.<ask>.<phrasing>...");
    # the create stage frames every draft, so both are filled for every family
    style: str = ""
    template_id: str = ""
    # the engine that draws ``render_code``: "matplotlib" (a figure on ``ax``) or "svg" (the code
    # leaves an SVG document in ``svg``; elements are in its viewBox units; see pipelines.sandbox.svg)
    renderer: str = "matplotlib"

    def element(self, name: str) -> Element:
        for e in self.elements:
            if e.name == name:
                return e
        raise KeyError(f"draft of family {self.family!r} has no element {name!r}")

    def points(self) -> dict[str, tuple[float, float]]:
        return {e.name: (e.x, e.y) for e in self.elements}

    def replace(self, **changes) -> Draft:
        return dataclasses.replace(self, **changes)

    def params_json(self) -> str:
        return json.dumps(self.params, sort_keys=True)


class Family:
    """Base class of procedural families. Subclasses set the class attributes and implement
    :meth:`create` and :meth:`rederive`; expansions are optional."""

    name: ClassVar[str]
    domain: ClassVar[str]
    node_ids: ClassVar[tuple[str, ...]]  # knowledge points (ids in knowledge/taxonomy) it covers
    supports: ClassVar[frozenset[str]] = frozenset()  # subset of {"parallel", "sequential"}
    # what the answer is computed from: ``params`` keys, or ELEMENTS for the drawn element
    # coordinates; :func:`needs_figure` asks whether the question states all of them
    givens: ClassVar[tuple[str, ...]]

    def draft(self, **fields) -> Draft:
        """A draft of this family with the shared defaults (seed 0: the create stage stamps the
        plan's seed; base variant; a number answer without choices; no params). Sequences are
        stored as tuples so drafts compare and hash by value."""
        for key in ("node_ids", "choices", "interactions", "elements"):
            if key in fields:
                fields[key] = tuple(fields[key])
        fields.setdefault("seed", 0)
        fields.setdefault("variant", "base")
        fields.setdefault("answer_type", "number")
        fields.setdefault("choices", ())
        fields.setdefault("params", {})
        fields.setdefault("style", "")
        fields.setdefault("template_id", "")
        return Draft(family=self.name, domain=self.domain, **fields)

    def create(self, rng: random.Random, node_ids: tuple[str, ...], difficulty: int) -> Draft:
        """A fresh draft for these knowledge points; deterministic given ``rng``'s state."""
        raise NotImplementedError

    def rederive(self, draft: Draft) -> str:
        """The answer recomputed from ``draft.elements`` (measured coordinates), not from the
        generation path. Must handle every ``variant`` this family emits."""
        raise NotImplementedError

    def expand_parallel(self, draft: Draft, rng: random.Random) -> Draft | None:
        """A harder draft on the same figure with an independent extra construction/condition."""
        raise NotImplementedError(f"family {self.name} does not support parallel expansion")

    def expand_sequential(self, draft: Draft, rng: random.Random) -> Draft | None:
        """A harder draft whose new construction builds on the previous answer/construction."""
        raise NotImplementedError(f"family {self.name} does not support sequential expansion")

    def declares_givens(self) -> bool:
        """Whether this family says what its answers are computed from (:attr:`givens` or its own
        :meth:`given_values`)."""
        return bool(getattr(self, "givens", None)) or type(self).given_values is not Family.given_values

    def given_values(self, draft: Draft) -> dict[str, object]:
        """given name -> its value in ``draft`` (from :attr:`givens`); a family whose givens depend
        on the variant overrides this."""
        if not getattr(self, "givens", None):
            raise NotImplementedError(f"family {self.name} declares no givens (Family.givens)")
        out: dict[str, object] = {}
        for key in self.givens:
            if key == ELEMENTS:
                out[key] = [[e.name, e.x, e.y] for e in draft.elements]
            elif key not in draft.params:
                raise KeyError(f"family {self.name}: given {key!r} is not a param of variant {draft.variant!r}")
            else:
                out[key] = draft.params[key]
        return out


# a given that is the drawn elements' coordinates (positions read off a grid, a chart, a diagram)
ELEMENTS = "@elements"
_TOKEN = re.compile(r"-?[0-9]+(?:\.[0-9]+)?|[^\W\d_]+")


def tokens(value: object) -> set[str]:
    """The numbers (canonical: 3.0 -> 3) and lower-cased words of a value; dict values, not keys."""
    if isinstance(value, dict):
        return set().union(*(tokens(v) for v in value.values())) if value else set()
    if isinstance(value, (list, tuple, set)):
        return set().union(*(tokens(v) for v in value)) if value else set()
    if isinstance(value, bool) or value is None:
        return set()
    out = set()
    for t in _TOKEN.findall(str(value).replace("\u2212", "-").lower()):
        if t[-1] in "0123456789":
            f = float(t)
            t = str(int(f)) if f == int(f) else repr(f)
        out.add(t)
    return out


def needs_figure(family: Family, draft: Draft) -> bool:
    """True when some given of ``draft`` is not stated in its question: one of its numbers or
    words is missing from the question's (the rule is exact and errs towards "stated": a number
    that also appears for another reason counts as stated)."""
    said = tokens(draft.question)  # options are candidate answers, not givens
    return any(not tokens(v) <= said for v in family.given_values(draft).values())
