"""MathVision (MathLLMs/MathVision): competition problems, splits test (3,040) and testmini (304).

Read from the Hub parquet, or from VLMEvalKit's ``MathVision_MINI.tsv`` / ``MathVision.tsv``
(what V-Thinker's eval scripts use: base64 ``image``, ``index``, stringified ``choices``, ``category``)."""

from __future__ import annotations

import ast
from collections.abc import Mapping

from warehouse.sources._benchmark import answer_type_of, benchmark_row
from warehouse.sources.base import Layout, RowContext, RowError, Source

LETTERS = "ABCDEFGH"
TSV_SPLITS = {"MathVision_MINI": "testmini", "MathVision": "test"}


def _tsv_options(rec: Mapping) -> list[str]:
    """Options from VLMEvalKit letter columns, else the stringified ``choices`` list."""
    letters = [rec[c] for c in LETTERS if rec.get(c)]
    if letters:
        return letters
    text = rec.get("choices")
    if not text:
        return []
    try:
        options = ast.literal_eval(text)
    except (ValueError, SyntaxError):
        raise RowError("choices", f"not a list literal: {text[:60]!r}") from None
    if not isinstance(options, (list, tuple)):
        raise RowError("choices", f"not a list: {text[:60]!r}")
    return [str(o) for o in options]


def convert(rec: Mapping, ctx: RowContext) -> list[dict]:
    answer = str(rec["answer"])
    if "decoded_image" in rec:  # Hub parquet
        options = list(rec.get("options") or [])
        meta = {k: rec.get(k) for k in ("level", "subject", "solution", "image")}
        return [benchmark_row("mathvision", ctx.split, rec["id"], rec["question"], options, answer,
                              answer_type_of(answer, options), ctx.image(rec["decoded_image"], "decoded_image"),
                              meta)]
    options = _tsv_options(rec)
    meta = {k: rec.get(k) for k in ("category", "hint", "level", "subject")}
    return [benchmark_row("mathvision", TSV_SPLITS.get(ctx.split, ctx.split), rec["index"], rec["question"], options,
                          answer, answer_type_of(answer, options), ctx.image(rec["image"], "image"), meta)]


SOURCE = Source(
    name="mathvision",
    folder="MathVision",
    table="source_benchmarks",
    layouts=(
        Layout(("data/testmini-*.parquet", "data/test-*.parquet"), ("id", "question", "answer", "decoded_image"),
               ("options", "solution", "level", "subject", "image")),
        Layout(("MathVision_MINI.tsv", "MathVision.tsv"), ("index", "image", "question", "answer"),
               ("choices", "category"), ("hint", "level", "subject", *LETTERS)),
    ),
    convert=convert,
    description="MathVision: options empty = free answer; answer is a letter for multiple choice",
)
