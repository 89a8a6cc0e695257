"""Near- and exact-duplicate detection for accepted samples, without all-pairs work.

Pure functions (numpy + scipy only); see :func:`find_duplicates` for the duplicate rule."""

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
    normalise,
    normalise_text,
    phash_to_int,
    shingle_hashes,
)

__all__ = [
    "DEFAULT_HAMMING_K", "DEFAULT_NUM_PERM", "DEFAULT_SHINGLE", "DEFAULT_TEXT_THRESHOLD",
    "choose_bands", "find_duplicates", "hamming_pairs", "lsh_pairs", "minhash_signatures",
    "normalise", "normalise_text", "phash_to_int", "shingle_hashes",
]
