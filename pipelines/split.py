"""Train / held-out assignment shared by training exports and the benchmark.

A sample's split is a pure function of its knowledge-point combination and a seed, so every
sample with the same combination lands on the same side: the held-out benchmark never shares a
combination with anything exported for training, whatever round or creator produced it.
(Image-hash and near-duplicate leaks are removed separately, by the benchmark's leak check.)
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Literal

Split = Literal["train", "heldout"]
HELDOUT_FRACTION = 0.1


def combination_key(node_ids: Sequence[str]) -> str:
    """The canonical key of a knowledge-point combination (order and repeats ignored)."""
    return "|".join(sorted(set(node_ids)))


def split_of(node_ids: Sequence[str], seed: int = 0, heldout_fraction: float = HELDOUT_FRACTION) -> Split:
    """``"heldout"`` for about ``heldout_fraction`` of combinations, else ``"train"``."""
    if not 0.0 <= heldout_fraction <= 1.0:
        raise ValueError(f"heldout_fraction must be in [0, 1], got {heldout_fraction}")
    if not node_ids:
        raise ValueError("a sample without knowledge points has no split")
    return "heldout" if stable_fraction(f"{seed}:{combination_key(node_ids)}") < heldout_fraction else "train"


def stable_fraction(key: str) -> float:
    """A number in [0, 1) fixed by ``key`` alone (sha256): reproducible shares without an RNG."""
    return int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big") / 2**64
