"""Near- and exact-duplicate detection for accepted samples, without all-pairs work.

:mod:`pipelines.dedup.core` holds the pure functions (numpy + scipy only; :func:`find_duplicates`
states the duplicate rule); :mod:`pipelines.dedup.index` keeps their keys in the lake so a new
partition is compared with the few earlier samples it shares a key with, never all of history."""

from pipelines.dedup.core import (
    DEFAULT_HAMMING_K,
    DEFAULT_NUM_PERM,
    DEFAULT_SHINGLE,
    DEFAULT_TEXT_THRESHOLD,
    choose_bands,
    find_duplicates,
    hamming_pairs,
    lsh_pairs,
    minhash_signatures,
    near_text_pairs,
    normalise,
    normalise_text,
    phash_pieces,
    phash_to_int,
    shingle_hashes,
    text_keys,
)

__all__ = [
    "DEFAULT_HAMMING_K", "DEFAULT_NUM_PERM", "DEFAULT_SHINGLE", "DEFAULT_TEXT_THRESHOLD",
    "choose_bands", "find_duplicates", "hamming_pairs", "lsh_pairs", "minhash_signatures",
    "near_text_pairs", "normalise", "normalise_text", "phash_pieces", "phash_to_int", "shingle_hashes", "text_keys",
]
