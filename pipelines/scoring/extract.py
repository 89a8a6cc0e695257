"""The one answer extractor and the one code parser of evaluation, rewards and the judge, plus
coordinate extraction. Options name the differences between callers instead of copies:

* :func:`extract_answer` - ``which`` (``"first"`` ``<answer>`` block: V-Thinker's reward and format
  rules; ``"last"``: scoring), ``clean`` (unbox ``\\boxed{}``, drop "The answer is", ``$`` and a final
  period) and ``free_text`` (no ``<answer>`` block: the official benchmarks' rule-based extraction
  over the whole response - the last ``\\boxed{}``, else "the answer is X" / "Answer: X", else the
  response itself, as VLMEvalKit passes free-text predictions on to its matchers).
* :func:`extract_code` - ``which`` block; fences ```` ```python ```` and ``'''python`` (V-Thinker's
  extractor reads the latter, its prompts ask for the former), else a bare ``<code>`` body.
"""

from __future__ import annotations

import re
from typing import Literal

Which = Literal["first", "last"]

_ANSWER = re.compile(r"<answer>(.*?)</answer>", re.S | re.I)
# a fenced block: the same fence opens and closes it (a ''' docstring inside ``` stays code)
_FENCE = re.compile(r"(```|''')[ \t]*(?:python|py)?[ \t]*\n?(.*?)\1", re.S | re.I)
_CODE_TAG = re.compile(r"<code>(.*?)(?:</code>|\Z)", re.S | re.I)
_PREFIX = re.compile(r"^\s*(?:the\s+(?:final\s+)?answer\s+is|final\s+answer|answer|the\s+best\s+option\s+is)"
                     r"\s*[:：]?\s*", re.I)
# free text: "the answer is X" / "Answer: X" (MathVista's quick extraction, VisuLogic's language rules)
_STATED = re.compile(r"(?:the\s+(?:final\s+|correct\s+)?answer\s+is|answer\s*[:：])\s*(.+?)\s*(?:\n|$)", re.I)
_NUM = r"-?\d+(?:\.\d+)?"
_LABELLED = re.compile(
    rf"""["']?([A-Za-z][A-Za-z0-9_']*)["']?\s*[:=]\s*[\[(]\s*({_NUM})\s*,\s*({_NUM})\s*[\])]""")
_BARE = re.compile(rf"[\[(]\s*({_NUM})\s*,\s*({_NUM})\s*[\])]")


def boxed(text: str) -> str | None:
    """The content of the last ``\\boxed{...}`` (braces balanced), else None."""
    start = text.rfind("\\boxed{")
    if start < 0:
        return None
    i, depth = start + len("\\boxed{"), 1
    for j in range(i, len(text)):
        depth += {"{": 1, "}": -1}.get(text[j], 0)
        if depth == 0:
            return text[i:j]
    return None


def _clean(s: str) -> str:
    b = boxed(s)
    if b is not None:
        s = b
    s = _PREFIX.sub("", s.strip())
    s = s.strip().strip("$").strip()
    return s[:-1].strip() if s.endswith(".") else s


def _free_text(text: str) -> str:
    """The official rule-based extraction from a response without ``<answer>`` tags."""
    b = boxed(text)
    if b is not None:
        return b
    stated = _STATED.findall(text)
    if stated:
        return stated[-1]
    return text


def extract_answer(text: str | None, *, which: Which = "last", clean: bool = True,
                   free_text: bool = False) -> str | None:
    """The answer of a response (see the module docstring); None when there is none."""
    text = text or ""
    found = _ANSWER.findall(text)
    if found:
        s = found[0] if which == "first" else found[-1]
    elif free_text and text.strip():
        s = _free_text(text)
    else:
        return None
    return _clean(s) if clean else s.strip()


def extract_code(text: str | None, *, which: Which = "first") -> str | None:
    """A code block of a response (see the module docstring); None when there is none."""
    text = text or ""
    fences = [m.group(2) for m in _FENCE.finditer(text)]
    if fences:
        return (fences[0] if which == "first" else fences[-1]).strip("\n")
    tags = [t for t in _CODE_TAG.findall(text) if t.strip()]
    if tags:
        return (tags[0] if which == "first" else tags[-1]).strip("\n")
    return None


def points(text: str, expected: list[str]) -> dict[str, tuple[float, float]]:
    """Predicted label -> (x, y) from JSON / dict / ``A: (x, y)`` / ``A = [x, y]`` forms. Labels
    not among ``expected`` and bare ``(x, y)`` pairs fill the expected labels still missing, in
    the order given (so an unlabelled list answers in the order asked)."""
    found = _ANSWER.findall(text or "")
    body = found[-1] if found else (text or "")
    out: dict[str, tuple[float, float]] = {}
    spare: list[tuple[int, tuple[float, float]]] = []  # (position in the text, point)
    used: list[tuple[int, int]] = []
    for m in _LABELLED.finditer(body):
        xy = (float(m.group(2)), float(m.group(3)))
        used.append(m.span())
        if m.group(1) in expected and m.group(1) not in out:
            out[m.group(1)] = xy
        else:
            spare.append((m.start(), xy))
    for m in _BARE.finditer(body):
        if not any(a <= m.start() < b for a, b in used):
            spare.append((m.start(), (float(m.group(1)), float(m.group(2)))))
    spare.sort()
    for label in expected:
        if label not in out and spare:
            out[label] = spare.pop(0)[1]
    return out
