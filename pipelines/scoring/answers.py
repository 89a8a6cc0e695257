"""Interactive-reasoning scorer: robust final-answer matching, extending
:func:`pipelines.check.answers_equal` in this one place.

* the final answer is the last ``<answer>`` block, unboxed (``\\boxed{}``), without "The answer
  is" (:func:`pipelines.scoring.extract.extract_answer`; free text without tags by the
  official rules);
* numbers: integers, decimals, fractions ``a/b``, LaTeX ``\\frac``/``\\dfrac``, ``\\sqrt``,
  ``\\pi``, implicit products (``2\\sqrt{3}``), a trailing unit (degrees, %, words such as
  ``cm``; lengths in mm/cm/m/km are converted when both sides carry one). Equal when within
  1e-6 relative (as the checker), or when the prediction is the reference rounded to the
  prediction's decimals (at least 2), or the reference is the prediction rounded to the
  reference's decimals;
* choices: an option letter in the usual forms (``B``, ``(B)``, ``B.``, ``option B``) or the
  option's text (or its numeric value);
* text: case- and space-insensitive equality after the dedup normaliser;
* last, for numbers and text: math-verify (``math_equal``: LaTeX equivalence such as
  ``2\sqrt{3}`` = ``\sqrt{12}``, sets, ``x=5`` vs ``5``).
"""

from __future__ import annotations

import ast
import math
import operator
import re

from pipelines.check import answers_equal, parse_number
from pipelines.dedup import normalise
from pipelines.scoring.extract import extract_answer
from pipelines.scoring.pixels import Score

_LETTERS = "ABCDEFGH"
_LENGTH = {"mm": 1e-3, "cm": 1e-2, "m": 1.0, "km": 1e3}
_UNIT = re.compile(r"\s*(\^\s*\{?\\circ\}?|\\circ|°|%|\\%|degrees?|deg|(?:square|sq\.?|cubic)\s+[a-z]+|"
                   r"[a-z]+(?:\^\{?[23]\}?|²|³)?)\s*$", re.I)
_OPS = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv,
        ast.Pow: operator.pow, ast.USub: operator.neg, ast.UAdd: operator.pos}
_NAMES = {"pi": math.pi, "sqrt": math.sqrt}


def _eval(node):
    if isinstance(node, ast.Expression):
        return _eval(node.body)
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)):
        return float(node.value)
    if isinstance(node, ast.BinOp) and type(node.op) in _OPS:
        right = _eval(node.right)
        if isinstance(node.op, ast.Pow) and abs(right) > 64:
            raise ValueError("exponent too large")
        return _OPS[type(node.op)](_eval(node.left), right)
    if isinstance(node, ast.UnaryOp) and type(node.op) in _OPS:
        return _OPS[type(node.op)](_eval(node.operand))
    if isinstance(node, ast.Name) and node.id == "pi":
        return math.pi
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "sqrt" and len(node.args) == 1:
        return math.sqrt(_eval(node.args[0]))
    raise ValueError(f"not a number expression: {ast.dump(node)[:60]}")


def _latex_to_expr(s: str) -> str:
    s = s.replace("\\left", "").replace("\\right", "").replace("\\,", "").replace("\\!", "").replace("\\ ", "")
    s = re.sub(r"\\[dt]frac", r"\\frac", s)
    for _ in range(4):  # nested fractions / roots, innermost first
        s = re.sub(r"\\frac\s*\{([^{}]*)\}\s*\{([^{}]*)\}", r"((\1)/(\2))", s)
        s = re.sub(r"\\sqrt\s*\{([^{}]*)\}", r"sqrt(\1)", s)
    s = re.sub(r"\\sqrt\s*(\d+)", r"sqrt(\1)", s)
    s = s.replace("\\pi", "pi").replace("π", "pi").replace("√", "sqrt").replace("\\cdot", "*").replace("\\times", "*")
    s = s.replace("×", "*").replace("^", "**").replace("{", "(").replace("}", ")").replace("\u2212", "-")
    s = re.sub(r"sqrt\s*(\d+(?:\.\d+)?)", r"sqrt(\1)", s)
    s = re.sub(r"(\d|\))\s*(sqrt|pi|\()", r"\1*\2", s)
    s = re.sub(r"(pi)\s*(\d|sqrt|\()", r"\1*\2", s)
    return s.replace(" ", "")


def split_unit(text: str) -> tuple[str, str]:
    """(number part, unit) of an answer such as ``12 cm`` or ``45^\\circ`` (unit '' if none)."""
    s = text.strip().strip("$").strip()
    m = _UNIT.search(s)
    if m and m.start() > 0 and m.group(1).lower() not in ("pi", "sqrt"):
        return s[: m.start()].strip(), m.group(1).strip().lower()
    return s, ""


def to_number(text: str) -> float | None:
    """The value of a numeric answer (see the module docstring), else None."""
    num, _ = split_unit(text)
    v = parse_number(num)
    if v is not None:
        return float(v)
    try:
        return float(_eval(ast.parse(_latex_to_expr(num), mode="eval")))
    except (SyntaxError, ValueError, TypeError, ZeroDivisionError, OverflowError, RecursionError):
        return None


def _decimals(text: str) -> int:
    m = re.fullmatch(r"-?\d+\.(\d+)", split_unit(text)[0].replace(" ", ""))
    return len(m.group(1)) if m else 0


def numbers_equal(pred: str, ref: str) -> bool:
    p, r = to_number(pred), to_number(ref)
    if p is None or r is None:
        return False
    pu, ru = split_unit(pred)[1], split_unit(ref)[1]
    if pu in _LENGTH and ru in _LENGTH:
        p *= _LENGTH[pu] / _LENGTH[ru]
    if abs(p - r) <= 1e-6 * max(1.0, abs(r)):
        return True
    dp, dr = _decimals(pred), _decimals(ref)
    if dp >= 2 and abs(p - r) <= 0.5 * 10 ** -dp + 1e-12:
        return True
    return dr >= 1 and abs(round(p, dr) - r) <= 1e-9


def choice_letter(pred: str, choices: list[str]) -> str | None:
    """The option letter a prediction picks: by letter, else by the option's text or value."""
    s = pred.strip()
    n = len(choices) or len(_LETTERS)
    m = (re.fullmatch(r"\(?([A-Ha-h])\)?[.:)]?", s) or re.match(r"^\(?([A-H])\)?[.:)]\s", s)
         or re.search(r"\b(?:option|choice)\s*\(?([A-H])\)?", s, re.I))
    if m and m.group(1).upper() in _LETTERS[:n]:
        return m.group(1).upper()
    hits = [i for i, c in enumerate(choices) if normalise(c) == normalise(s)]
    if not hits:
        hits = [i for i, c in enumerate(choices) if to_number(c) is not None and numbers_equal(s, c)]
    return _LETTERS[hits[0]] if len(hits) == 1 else None


def math_equal(pred: str, gold: str) -> bool:
    """math-verify's equivalence of two answers (bare LaTeX is wrapped in ``$...$``)."""
    try:
        from math_verify import parse, verify
    except ImportError:  # a declared dependency; without it only the rules above remain
        return False
    import threading

    # its signal-based timeouts work on the main thread only; trainers score off it
    main = threading.current_thread() is threading.main_thread()
    limits = ({}, {}) if main else ({"parsing_timeout": None}, {"timeout_seconds": None})

    def latex(s: str):
        return parse(s if "$" in s else f"${s}$", **limits[0])

    try:
        return bool(verify(latex(gold), latex(pred), **limits[1]))
    except Exception:  # noqa: BLE001 - an unparsable answer is simply not equal
        return False


def can_infer(pred: str, choices: list[str]) -> str | None:
    """VLMEvalKit's ``can_infer`` (MathVision, MathVista and the multiple-choice sets): with the
    punctuation ``.()[],:;!*#{}`` turned to spaces, the one option letter standing alone in the
    text (``(C) 70``, ``I pick B because``), else the one option whose text the answer contains."""
    n = len(choices) or len(_LETTERS)
    letters = _LETTERS[:n]
    words = re.sub(r"[.()\[\],:;!*#{}]", " ", pred).split()
    found = [c for c in letters if c in words]
    if len(found) == 1:
        return found[0]
    low = pred.lower()
    hits = [i for i, c in enumerate(choices) if str(c).strip() and str(c).lower() in low]
    return _LETTERS[hits[0]] if len(hits) == 1 else None


_NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:/\d+)?")


def numbers(text: str) -> list[str]:
    """The numbers written in ``text``, in order (integers, decimals, fractions; ``1,000`` is 1000)."""
    return _NUMBER.findall(text.replace(",", ""))


def last_number(text: str) -> str | None:
    """The last number written in a free-text answer (``4 triangles``, ``so x = 12 cm``)."""
    found = numbers(text)
    return found[-1] if found else None


def gold_letter(ref: str) -> str:
    """A choice reference as a bare letter (``(B)``, ``B.`` -> ``B``)."""
    m = re.fullmatch(r"\s*\(?([A-Ha-h])\)?[.:)]?\s*", ref)
    return m.group(1).upper() if m else ref.strip().upper()


def answer_matches(pred: str, ref: str, answer_type: str, choices: list[str] | None = None) -> bool:
    """True when the (extracted) prediction equals the reference answer; the official extraction
    rules (VLMEvalKit's ``can_infer`` for options, the last number of free text) are the fallbacks."""
    if answers_equal(pred, ref, answer_type):
        return True
    if answer_type == "choice":
        gold, opts = gold_letter(ref), list(choices or [])
        return (choice_letter(pred, opts) or can_infer(pred, opts)) == gold
    if answer_type == "number" and numbers_equal(pred, ref):
        return True
    if answer_type != "number" and normalise(pred).rstrip(".") == normalise(ref).rstrip("."):
        return True
    if bool(pred.strip()) and math_equal(pred, ref):
        return True
    number = last_number(pred) if answer_type == "number" else None
    return number is not None and number != pred.strip() and numbers_equal(number, ref)


def score_reasoning(response: str, reference: str, answer_type: str, choices: list[str] | None = None) -> Score:
    """1 when the response's final answer matches the reference, else 0."""
    pred = extract_answer(response, free_text=True) or ""
    ok = bool(pred) and answer_matches(pred, reference, answer_type, choices)
    return Score(float(ok), ok, {"extracted": pred[:200]})
