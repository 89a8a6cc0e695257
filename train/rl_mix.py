"""The GRPO prompt mix: the flywheel's own RL rows plus the public RL sets V-Thinker trains on
(WeMath 2.0, MMK12, ThinkLite-VL-hard-11k; warehouse/sources/rl_prompts.py), by weights.

Weights are shares of the mixed set (``{"ours": 1, "mmk12": 0.5}`` = two thirds ours, one third
MMK12). The set is as large as the scarcest weighted pool allows, so every share is met to the
nearest row and no row repeats; rows are drawn by a seeded shuffle. Only training splits are drawn (MMK12's
``test`` is an evaluation set). Rows keep the RL schema; ``domain`` names the pool.
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping, Sequence

OURS = "ours"
PUBLIC = ("wemath2_pro", "wemath2_standard", "mmk12", "thinklite")
TRAIN_SPLITS = {"mmk12": ("train",)}  # a pool not listed here is all training data


class MixError(ValueError):
    """Weights that cannot be met: the message names the pool and what to do."""


def public_row(p: Mapping, png: bytes, system_prompt: str) -> dict:
    """A ``source_rl_prompts`` row as an RL row (system + image + question; the answer as ``solution``)."""
    q = p["question"]  # as published: the public sets write their options into the question
    return {"row_id": f"{p['dataset']}:{p['item_id']}",
            "prompt": [{"role": "system", "content": [{"type": "text", "text": system_prompt}]},
                       {"role": "user", "content": [{"type": "image", "text": None}, {"type": "text", "text": q}]}],
            "images": [{"bytes": png, "path": f"{p['image_id']}.png"}], "round": 0, "domain": p["dataset"],
            "solution": p["answer"], "answer_type": p["answer_type"], "choices": list(p["options"] or []),
            "question": p["question"]}


def mix(pools: Mapping[str, Sequence[dict]], weights: Mapping[str, float], seed: int = 0) -> tuple[list[dict], dict]:
    """The mixed rows and how many came from each pool (see the module docstring)."""
    unknown = sorted(set(weights) - {OURS, *PUBLIC})
    if unknown:
        raise MixError(f"unknown RL pool(s) {unknown}; known: {[OURS, *PUBLIC]}")
    if any(w < 0 for w in weights.values()):
        raise MixError(f"RL weights must be >= 0, got {dict(weights)}")
    active = {k: float(w) for k, w in weights.items() if w > 0}
    if not active:
        raise MixError("every RL weight is 0: nothing to train on")
    empty = [k for k in active if not pools.get(k)]
    if empty:
        raise MixError(f"RL pool {empty[0]!r} has weight {active[empty[0]]} but no rows: load it with "
                       f"`python -m warehouse.sources {empty[0]} <download>/<folder>` or set its weight to 0")
    total_w = sum(active.values())
    size = min(math.floor(len(pools[k]) * total_w / w + 1e-9) for k, w in active.items())
    rng = random.Random(seed)
    out, counts = [], {}
    for k in sorted(active):
        take = round(size * active[k] / total_w)
        rows = list(pools[k])
        rng.shuffle(rows)
        out += rows[:take]
        counts[k] = min(take, len(rows))
    rng.shuffle(out)
    return out, counts
