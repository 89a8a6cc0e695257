"""Leaks between a held-out side and the train side, found with the project's dedup machinery.

A held-out item leaks when it shares with any train-side sample (pipelines.split decides sides):
* an image: its figure or any interaction image has the same content hash (image_id);
* a near-duplicate image: phash Hamming distance <= ``DEFAULT_HAMMING_K`` (pipelines.dedup);
* a near-duplicate question: the same normalised answer and an estimated word-3-gram Jaccard of
  the normalised question >= ``DEFAULT_TEXT_THRESHOLD`` (MinHash-LSH of pipelines.dedup);
* its knowledge-point combination (pipelines.split.combination_key).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence

import numpy as np

from pipelines.dedup import (
    DEFAULT_HAMMING_K, DEFAULT_TEXT_THRESHOLD, hamming_pairs, lsh_pairs, minhash_signatures, normalise,
    shingle_hashes,
)
from pipelines.split import combination_key

KINDS = ("shared_image", "near_image", "near_question", "shared_combination")


def image_ids_of(sample: Mapping) -> set[str]:
    """The figure and every interaction image of a sample (or benchmark row)."""
    ids = {sample["image_id"]}
    ids |= {i["image_id"] for i in sample.get("interactions") or [] if i.get("image_id")}
    if sample.get("reference_image_id"):
        ids.add(sample["reference_image_id"])
    return {i for i in ids if i}


def _cross(i: np.ndarray, j: np.ndarray, n_left: int) -> list[tuple[int, int]]:
    """Pairs (left index, right index) of a combined [left..., right...] index space."""
    out = []
    for a, b in zip(i.tolist(), j.tolist()):
        if (a < n_left) != (b < n_left):
            lo, hi = min(a, b), max(a, b)
            out.append((lo, hi - n_left))
    return out


def _answer_key(text: str) -> int:
    return int.from_bytes(hashlib.blake2b(normalise(text).encode(), digest_size=8).digest(), "little")


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
    texts = [normalise(r["question"]) for r in (*heldout, *train)]
    sig = minhash_signatures(*shingle_hashes(texts))
    group = np.array([_answer_key(str(r["answer"])) for r in (*heldout, *train)], dtype=np.uint64)
    i, j, _ = lsh_pairs(sig, text_threshold, group=group)
    for a, _b in _cross(i, j, len(heldout)):
        flag(a, "near_question")
    return out
