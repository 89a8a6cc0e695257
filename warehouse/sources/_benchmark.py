"""The shared row shape of ``source_benchmarks`` (MathVision, We-Math, VisuLogic, MathVista)."""

from __future__ import annotations

import json


def answer_type_of(answer: str, options: list[str]) -> str:
    """choice when options exist, number when the answer parses as one, else text."""
    from pipelines.check import parse_number  # the checker's number rule, so both agree

    if options:
        return "choice"
    return "number" if parse_number(answer) is not None else "text"


def benchmark_row(benchmark: str, split: str, item_id, question, options, answer, answer_type: str,
                  image_id: str | None, metadata: dict) -> dict:
    return {
        "benchmark": benchmark,
        "split": split,
        "item_id": str(item_id),
        "question": str(question),
        "options": [str(o) for o in options or []],
        "answer": "" if answer is None else str(answer),
        "answer_type": answer_type,
        "image_id": image_id,
        "metadata": json.dumps(metadata, sort_keys=True, ensure_ascii=False, default=str),
    }
