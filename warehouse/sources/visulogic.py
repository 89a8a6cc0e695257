"""VisuLogic (VisuLogic/VisuLogic): 1,000 visual-logic questions, options A-D drawn in the image."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import PurePosixPath

from warehouse.sources._benchmark import benchmark_row
from warehouse.sources.base import Layout, RowContext, RowError, Source


def convert(rec: Mapping, ctx: RowContext) -> list[dict]:
    # V-Thinker reads the gold letter from `label`, the official eval from `answer`: accept both
    gold_key = "label" if rec.get("label") else "answer"
    gold = str(rec.get(gold_key) or "").strip()
    if not gold:
        raise RowError("label", "no gold answer in `label` or `answer`")
    item_id = rec.get("id") or PurePosixPath(str(rec["image_path"])).stem
    meta = {"tag": rec.get("tag"), "gold_key": gold_key, "image_path": rec["image_path"], "options_in_image": True}
    return [benchmark_row("visulogic", "test", item_id, rec["question"], [], gold.upper(), "choice",
                          ctx.image(rec["image_path"], "image_path"), meta)]


SOURCE = Source(
    name="visulogic",
    folder="VisuLogic",
    table="source_benchmarks",
    # images from images.zip, read in place or extracted to images/
    layouts=(Layout(("data.jsonl",), ("image_path", "question"), ("tag",), ("label", "answer", "id")),),
    convert=convert,
    description="VisuLogic: single-choice A-D, six categories in `tag`",
)
