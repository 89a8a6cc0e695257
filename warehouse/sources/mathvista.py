"""MathVista (AI4Math/MathVista): testmini (1,000) and test (5,141, answers withheld)."""

from __future__ import annotations

from collections.abc import Mapping

from warehouse.sources._benchmark import benchmark_row
from warehouse.sources.base import Layout, RowContext, Source

_TYPES = {"integer": "number", "float": "number", "text": "text", "list": "list"}


def convert(rec: Mapping, ctx: RowContext) -> list[dict]:
    choices = list(rec.get("choices") or [])
    answer_type = "choice" if rec["question_type"] == "multi_choice" else _TYPES.get(rec["answer_type"], "text")
    meta = {k: rec.get(k) for k in ("question_type", "answer_type", "unit", "precision", "metadata", "query", "image")}
    return [benchmark_row("mathvista", ctx.split, rec["pid"], rec["question"], choices, rec["answer"], answer_type,
                          ctx.image(rec.get("decoded_image"), "decoded_image"), meta)]


SOURCE = Source(
    name="mathvista",
    folder="MathVista",
    table="source_benchmarks",
    layouts=(Layout(("data/testmini-*.parquet", "data/test-*.parquet"),
                    ("pid", "question", "answer", "decoded_image", "question_type", "answer_type"),
                    ("choices", "unit", "precision", "metadata", "query", "image")),),
    convert=convert,
    description="MathVista: multi_choice answers are the choice text; precision/unit for free-form",
)
