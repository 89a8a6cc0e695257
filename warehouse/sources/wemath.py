"""We-Math (We-Math/We-Math) testmini: multi-step problems split into sub-questions; the
four-dimensional metric joins sub-questions by problem ``ID`` and ``key``, kept in metadata."""

from __future__ import annotations

import re
from collections.abc import Mapping

from warehouse.sources._benchmark import benchmark_row
from warehouse.sources.base import Layout, RowContext, RowError, Source

_OPTION = re.compile(r"(?:^|;)\s*([A-H])[.:]\s*(.*?)(?=;\s*[A-H][.:]|$)", re.S)


def parse_options(text: str) -> list[str]:
    """``"A. 3;B. 4;...;E. No correct answer"`` -> ``["3", "4", ..., "No correct answer"]``."""
    found = _OPTION.findall(text or "")
    letters = [letter for letter, _ in found]
    if not found or letters != [chr(ord("A") + i) for i in range(len(found))]:
        raise RowError("option", f"cannot split options {text!r} into A., B., ...")
    return [body.strip() for _, body in found]


def convert(rec: Mapping, ctx: RowContext) -> list[dict]:
    if "option" in rec:  # Hub parquet / testmini.json: one "A. ..;B. .." string
        options, image_col = parse_options(str(rec["option"])), "image_path"
    else:  # VLMEvalKit Wemath.tsv: letter columns, base64 image
        options, image_col = [rec[c] for c in "ABCDEFGH" if rec.get(c)], "image"
    meta = {
        "problem_id": rec["ID"],
        "key": rec["key"],
        "question_number": rec.get("question number"),
        "knowledge_concept": rec.get("knowledge concept"),
        "knowledge_concept_description": rec.get("knowledge concept description"),
        "option": rec.get("option"),
    }
    return [benchmark_row("wemath", "testmini", f"{rec['ID']}|{rec['key']}", rec["question"], options, rec["answer"],
                          "choice", ctx.image(rec.get(image_col), image_col), meta)]


_COLUMNS = ("split", "knowledge concept", "question number", "knowledge concept description")
SOURCE = Source(
    name="wemath",
    folder="We-Math",
    table="source_benchmarks",
    layouts=(
        Layout(("data/testmini-*.parquet",), ("ID", "key", "question", "option", "answer", "image_path"), _COLUMNS),
        # testmini.json names image files inside testmini.zip (read in place or extracted)
        Layout(("testmini.json",), ("ID", "key", "question", "option", "answer", "image_path"), _COLUMNS),
        Layout(("Wemath.tsv",), ("ID", "key", "question", "answer", "image", "A", "B"), (),
               (*_COLUMNS, "index", "C", "D", "E", "F", "G", "H")),
    ),
    convert=convert,
    description="We-Math testmini: choice questions with knowledge concepts (four-dimensional metric)",
)
