"""Leaks between a held-out side and the train side, found with the project's dedup machinery.

A held-out item leaks when it shares with any train-side sample (pipelines.split decides sides):
* an image: its figure or any interaction image has the same content hash (image_id);
* a near-duplicate image: phash Hamming distance <= ``DEFAULT_HAMMING_K`` (pipelines.dedup);
* a near-duplicate question: the same normalised answer, an answer-mixed MinHash LSH band of
  the normalised question + answer (the de-duplication text and keys, pipelines.dedup) and an
  estimated word-3-gram Jaccard of those texts >= ``DEFAULT_TEXT_THRESHOLD``;
* its knowledge-point combination (pipelines.split.combination_key).
Each kind needs a shared key of the dedup index (pipelines.dedup.index), so the train side can
be narrowed to the samples the index matches without changing what is found.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from pipelines.dedup import DEFAULT_HAMMING_K, DEFAULT_TEXT_THRESHOLD, hamming_pairs, near_text_pairs
from pipelines.dedup.index import image_ids_of
from pipelines.split import combination_key

KINDS = ("shared_image", "near_image", "near_question", "shared_combination")


def _cross(i: np.ndarray, j: np.ndarray, n_left: int) -> list[tuple[int, int]]:
    """Pairs (left index, right index) of a combined [left..., right...] index space."""
    out = []
    for a, b in zip(i.tolist(), j.tolist()):
        if (a < n_left) != (b < n_left):
            lo, hi = min(a, b), max(a, b)
            out.append((lo, hi - n_left))
    return out


def find_leaks(heldout: Sequence[Mapping], train: Sequence[Mapping], phash: Mapping[str, str],
               hamming_k: int = DEFAULT_HAMMING_K, text_threshold: float = DEFAULT_TEXT_THRESHOLD
               ) -> dict[int, list[str]]:
    """Index of each leaking held-out row -> the kinds of leak (rows need image_id, question,
    answer, node_ids; interactions / reference_image_id when present). ``phash`` maps image_id ->
    phash hex for every figure image."""
    out: dict[int, list[str]] = {}
    if not heldout or not train:
        return out

    def flag(i: int, kind: str) -> None:
        if kind not in out.setdefault(i, []):
            out[i].append(kind)

    train_images = set().union(*(image_ids_of(t) for t in train))
    train_combos = {combination_key(t["node_ids"]) for t in train}
    for i, h in enumerate(heldout):
        if image_ids_of(h) & train_images:
            flag(i, "shared_image")
        if combination_key(h["node_ids"]) in train_combos:
            flag(i, "shared_combination")
    missing = [r["image_id"] for r in (*heldout, *train) if r["image_id"] not in phash]
    if missing:
        raise KeyError(f"no phash for image {missing[0]} (and {len(missing) - 1} more): is it in the images table?")
    hashes = [phash[r["image_id"]] for r in (*heldout, *train)]
    i, j, _ = hamming_pairs(hashes, hamming_k)
    for a, b in _cross(i, j, len(heldout)):
        if heldout[a]["image_id"] != train[b]["image_id"]:  # the same file is a shared image already
            flag(a, "near_image")
    for a, _b in near_question_pairs(heldout, train, text_threshold):
        flag(a, "near_question")
    return out


def near_question_pairs(heldout: Sequence[Mapping], train: Sequence[Mapping],
                        text_threshold: float = DEFAULT_TEXT_THRESHOLD) -> list[tuple[int, int]]:
    """(held-out index, train index) of every near-duplicate question pair (the rule above); a
    pairwise test, so the train side can be taken a part at a time."""
    if not heldout or not train:
        return []
    i, j = near_text_pairs(heldout, train, text_threshold)
    return list(zip(i.tolist(), j.tolist()))
