"""Pull the parts a scorer needs out of a model's response: the final answer, code, coordinates."""

from __future__ import annotations

import re

_ANSWER = re.compile(r"<answer>(.*?)</answer>", re.S | re.I)
_FENCE = re.compile(r"(?:```|''')\s*(?:python|py)?[ \t]*\n?(.*?)(?:```|''')", re.S | re.I)
_CODE_TAG = re.compile(r"<code>(.*?)</code>", re.S | re.I)
_PREFIX = re.compile(r"^\s*(?:the\s+(?:final\s+)?answer\s+is|final\s+answer|answer|the\s+best\s+option\s+is)\s*[:：]?\s*",
                     re.I)
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


def final_answer(text: str) -> str:
    """The last ``<answer>`` block (else the whole text), unboxed, without "The answer is" and
    surrounding ``$``/period."""
    found = _ANSWER.findall(text or "")
    s = found[-1] if found else (text or "")
    b = boxed(s)
    if b is not None:
        s = b
    s = _PREFIX.sub("", s.strip())
    s = s.strip().strip("$").strip()
    return s[:-1].strip() if s.endswith(".") else s


def code_of(text: str) -> str | None:
    """The last code block of a response: a ```python / '''python fence (inside ``<code>`` or
    not), else the raw ``<code>`` body; None when there is none."""
    fences = _FENCE.findall(text or "")
    if fences:
        return fences[-1].strip("\n")
    tags = _CODE_TAG.findall(text or "")
    return tags[-1].strip("\n") if tags else None


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
