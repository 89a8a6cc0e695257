"""GRPO rewards as plain functions (V-Thinker's agent_rm.py reward stack, judge-free).

Each TRL reward function returns the *unweighted* component per completion; the weights
(V-Thinker: format 0.5, accuracy 1, consistency 0.5, code 0.3) are ``GRPOConfig.reward_weights``
from the run config. Consistency and code execution count only when the answer is right
(V-Thinker's trainer zeroes them when accuracy <= 0).

* format      1 if the final assistant turn passes V-Thinker's format check, else 0.
* accuracy    +1 right, -1 wrong, 0 when there is no <answer> (V-Thinker's INVALID_REWARD_VALUE).
              Choices compare letters; numbers/text use pipelines.scoring.answer_matches (with math-verify).
* consistency 1 if the end of the final thinking (last 500 chars) states the answer given, else 0.
              V-Thinker asks an LLM judge; this is the rule it approximates, with no judge to call.
* code        fraction of sandbox calls that ran and returned an image; 0 without calls.
"""

from __future__ import annotations

from collections.abc import Sequence

from pipelines.check import parse_number
from pipelines.scoring.answers import answer_matches, numbers
from pipelines.scoring.extract import extract_answer
from train.protocol import extract_thinking, format_ok

WEIGHTS = {"format": 0.5, "accuracy": 1.0, "consistency": 0.5, "code": 0.3}


# ---------------------------------------------------------------------------------------------
# completion text


def _text(content) -> str:
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    return "".join(p.get("text") or "" for p in content if isinstance(p, dict))


def final_text(completion) -> str:
    """The last assistant turn of a completion (a message list or a plain string)."""
    if isinstance(completion, str):
        return completion
    for msg in reversed(completion):
        if msg.get("role") == "assistant":
            return _text(msg.get("content"))
    return ""


def tool_results(completion) -> list[bool]:
    """Per sandbox turn of a completion: did it return an image?"""
    if isinstance(completion, str):
        return []
    return [isinstance(m.get("content"), list) and any(isinstance(p, dict) and p.get("type") == "image"
                                                       for p in m["content"])
            for m in completion if m.get("role") == "tool"]


# ---------------------------------------------------------------------------------------------
# components


def reward_answer(text: str) -> str:
    """V-Thinker's reward reads the *first* ``<answer>`` block, "The answer is" and ``\\boxed{}`` removed."""
    return extract_answer(text, which="first") or ""


def accuracy_score(text: str, gold: str, answer_type: str = "number", choices: Sequence[str] = ()) -> float:
    """+1 right, -1 wrong, 0 without an answer."""
    pred = reward_answer(text)
    if not pred:
        return 0.0
    return 1.0 if answer_matches(pred, gold, answer_type, list(choices)) else -1.0


def consistency_score(text: str, answer_type: str = "number") -> float:
    """1 if the tail of the thinking states the answer that was given."""
    pred, tail = reward_answer(text), extract_thinking(text)[-500:]
    if not pred or not tail:
        return 0.0
    if pred.lower() in tail.lower():
        return 1.0
    value = parse_number(pred)
    if answer_type == "number" and value is not None:
        return float(any(parse_number(n) is not None and abs(float(parse_number(n)) - float(value)) <= 1e-6
                         for n in numbers(tail)))
    return 0.0


def code_score(results: Sequence[bool]) -> float:
    """Fraction of sandbox calls that produced an image."""
    return sum(results) / len(results) if results else 0.0


# ---------------------------------------------------------------------------------------------
# TRL reward functions: (completions, **dataset columns) -> one float per completion


def _col(kwargs: dict, name: str, n: int, default):
    values = kwargs.get(name)
    return list(values) if values is not None else [default] * n


def format_reward(completions, solution=None, **kwargs) -> list[float]:
    return [1.0 if format_ok(final_text(c)) else 0.0 for c in completions]


def accuracy_reward(completions, solution, **kwargs) -> list[float]:
    n = len(completions)
    types, choices = _col(kwargs, "answer_type", n, "number"), _col(kwargs, "choices", n, [])
    return [accuracy_score(final_text(c), g, t, ch or ()) for c, g, t, ch in zip(completions, solution, types, choices)]


def consistency_reward(completions, solution, **kwargs) -> list[float]:
    acc = accuracy_reward(completions, solution, **kwargs)
    types = _col(kwargs, "answer_type", len(completions), "number")
    return [consistency_score(final_text(c), t) if a > 0 else 0.0 for c, a, t in zip(completions, acc, types)]


def code_reward(completions, solution, **kwargs) -> list[float]:
    acc = accuracy_reward(completions, solution, **kwargs)
    return [code_score(tool_results(c)) if a > 0 else 0.0 for c, a in zip(completions, acc)]


REWARD_FUNCS = {"format": format_reward, "accuracy": accuracy_reward, "consistency": consistency_reward,
                "code": code_reward}


def total_reward(completion, solution: str, answer_type: str = "number", choices: Sequence[str] = (),
                 weights: dict[str, float] | None = None) -> float:
    """The weighted sum for one completion (what GRPO optimises), e.g. for evaluation reports."""
    w = {**WEIGHTS, **(weights or {})}
    kw = {"answer_type": [answer_type], "choices": [list(choices)]}
    return sum(w[k] * f([completion], [solution], **kw)[0] for k, f in REWARD_FUNCS.items())
