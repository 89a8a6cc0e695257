"""Model output -> :class:`Draft`: find the one JSON object in a reply and validate every field.

Anything malformed raises :class:`DraftError` naming the field (``interactions[1].code``), so the
creator and repairer turn it into a rejected row with that reason instead of crashing."""

from __future__ import annotations

import json
import math
import re
import typing

from pipelines.check import parse_number
from pipelines.creators.base import MODEL_FAMILY, Draft, Element, Interaction, InteractionKind
from pipelines.creators.common import LETTERS, interaction_header

INTERACTION_KINDS = frozenset(typing.get_args(InteractionKind))
# the sandbox confines code anyway; these are rejected early because they break the render contract
FORBIDDEN_CODE = ("savefig", ".show(", "open(", "import ", "__")
FIELDS = ("renderer", "render_code", "elements", "question", "answer_type", "answer", "choices", "solution",
          "interactions")
_FENCE = re.compile(r"```(?:json)?\s*(\{.*?\})\s*```", re.S)


class DraftError(ValueError):
    """A model reply that is not a valid draft; ``field`` says where."""

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field = field


def extract_json(text: str) -> dict:
    """The first JSON object in ``text`` (inside a ```json fence or bare)."""
    candidates = [m.group(1) for m in _FENCE.finditer(text)]
    decoder = json.JSONDecoder()
    for src in candidates:
        try:
            obj = json.loads(src)
        except json.JSONDecodeError:
            continue
        if isinstance(obj, dict):
            return obj
    for i, ch in enumerate(text):
        if ch == "{":
            try:
                obj, _ = decoder.raw_decode(text, i)
            except json.JSONDecodeError:
                continue
            if isinstance(obj, dict):
                return obj
    raise DraftError("reply", f"no JSON object found in {len(text)} characters: {text[:120]!r}")


def _str(obj: dict, key: str, where: str = "", allow_empty: bool = False) -> str:
    name = f"{where}{key}"
    if key not in obj:
        raise DraftError(name, "missing")
    value = obj[key]
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        raise DraftError(name, f"expected a string, got {type(value).__name__}")
    if not allow_empty and not value.strip():
        raise DraftError(name, "empty")
    return value


def _code(obj: dict, key: str, where: str = "") -> str:
    src = _str(obj, key, where)
    for bad in FORBIDDEN_CODE:
        if bad in src:
            raise DraftError(f"{where}{key}", f"contains forbidden {bad!r}")
    try:
        compile(src, f"<{where}{key}>", "exec")
    except SyntaxError as err:
        raise DraftError(f"{where}{key}", f"syntax error line {err.lineno}: {err.msg}") from None
    return src


def _elements(obj: dict) -> tuple[Element, ...]:
    raw = obj.get("elements")
    if not isinstance(raw, list) or not raw:
        raise DraftError("elements", "expected a non-empty list")
    out, seen = [], set()
    for i, e in enumerate(raw):
        where = f"elements[{i}]."
        if not isinstance(e, dict):
            raise DraftError(f"elements[{i}]", "expected an object")
        name = _str(e, "name", where).strip()
        if name in seen:
            raise DraftError(f"{where}name", f"duplicate element {name!r}")
        seen.add(name)
        xy = []
        for k in ("x", "y"):
            v = e.get(k)
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
                raise DraftError(f"{where}{k}", f"expected a finite number, got {v!r}")
            xy.append(float(v))
        kind = e.get("kind") or "point"
        role = e.get("role") or ""
        if not isinstance(kind, str) or not isinstance(role, str):
            raise DraftError(where.rstrip("."), "kind and role must be strings")
        out.append(Element(name, kind, xy[0], xy[1], role))
    return tuple(out)


def _interactions(obj: dict, labels: set[str]) -> tuple[Interaction, ...]:
    raw = obj.get("interactions")
    if not isinstance(raw, list) or not 1 <= len(raw) <= 4:
        raise DraftError("interactions", "expected a list of 1 to 4 interactions")
    out = []
    for i, it in enumerate(raw):
        where = f"interactions[{i}]."
        if not isinstance(it, dict):
            raise DraftError(f"interactions[{i}]", "expected an object")
        kind = _str(it, "kind", where)
        if kind not in INTERACTION_KINDS:
            raise DraftError(f"{where}kind", f"{kind!r} is not one of {sorted(INTERACTION_KINDS)}")
        code = _code(it, "code", where)
        names = it.get("elements")
        if not isinstance(names, list) or not names or not all(isinstance(n, str) for n in names):
            raise DraftError(f"{where}elements", "expected a non-empty list of element labels")
        unknown = sorted(set(names) - labels)
        if unknown:
            raise DraftError(f"{where}elements", f"unknown labels {unknown}")
        if not code.startswith(interaction_header()):
            code = interaction_header() + code
        out.append(Interaction(kind, _str(it, "instruction", where), code, tuple(names)))
    return tuple(out)


RENDERERS = ("matplotlib", "svg")
_SVG_ASSIGN = re.compile(r"^\s*svg\s*=", re.M)


def _renderer(obj: dict) -> str:
    """The figure engine the model chose (default matplotlib); an svg program must assign ``svg``."""
    renderer = obj.get("renderer") or "matplotlib"
    if renderer not in RENDERERS:
        raise DraftError("renderer", f"{renderer!r} is not one of {list(RENDERERS)}")
    if renderer == "svg" and not _SVG_ASSIGN.search(str(obj.get("render_code", ""))):
        raise DraftError("render_code", "an svg program must assign the document to the variable `svg`")
    return renderer


def parse_draft(text: str, *, domain: str, node_ids: tuple[str, ...], seed: int, difficulty: int,
                params: dict | None = None) -> Draft:
    """The draft a model reply describes; :class:`DraftError` when any field is malformed."""
    obj = extract_json(text)
    renderer = _renderer(obj)
    elements = _elements(obj)
    answer_type = _str(obj, "answer_type")
    answer = _str(obj, "answer").strip()
    choices = obj.get("choices") or []
    if not isinstance(choices, list) or not all(isinstance(c, (str, int, float)) for c in choices):
        raise DraftError("choices", "expected a list of option texts")
    choices = tuple(str(c) for c in choices)
    if answer_type == "number":
        if parse_number(answer) is None:
            raise DraftError("answer", f"{answer!r} is not a number (integer, decimal or a/b)")
        choices = ()
    elif answer_type == "choice":
        if not 2 <= len(choices) <= len(LETTERS) or len(set(choices)) != len(choices):
            raise DraftError("choices", f"expected 2-{len(LETTERS)} distinct options, got {len(choices)}")
        answer = answer.strip("() .").upper()
        if answer not in LETTERS[: len(choices)]:
            raise DraftError("answer", f"{answer!r} is not one of the option letters {LETTERS[:len(choices)]}")
    else:
        raise DraftError("answer_type", f"{answer_type!r} is not 'number' or 'choice'")
    return Draft(
        family=MODEL_FAMILY,
        domain=domain,
        node_ids=tuple(node_ids),
        seed=seed,
        variant="base",
        render_code=_code(obj, "render_code"),
        question=_str(obj, "question"),
        answer=answer,
        answer_type=answer_type,
        choices=choices,
        solution=_str(obj, "solution"),
        interactions=_interactions(obj, {e.name for e in elements}),
        elements=elements,
        difficulty=max(1, min(3, int(difficulty))),
        params=dict(params or {}),
        renderer=renderer,
    )


def draft_json(draft: Draft) -> str:
    """The draft in the creator's JSON shape (what the repairer is shown); interaction code
    without the fixed prologue."""
    header = interaction_header()
    return json.dumps({
        "renderer": draft.renderer,
        "render_code": draft.render_code,
        "elements": [{"name": e.name, "kind": e.kind, "x": e.x, "y": e.y, "role": e.role} for e in draft.elements],
        "question": draft.question,
        "answer_type": draft.answer_type,
        "answer": draft.answer,
        "choices": list(draft.choices),
        "solution": draft.solution,
        "interactions": [{"kind": i.kind, "instruction": i.instruction, "elements": list(i.elements),
                          "code": i.code[len(header):] if i.code.startswith(header) else i.code}
                         for i in draft.interactions],
    }, indent=1)
