"""V-Interaction-400K (We-Math/V-Interaction-400K): interactive reasoning samples in 25 train parts."""

from __future__ import annotations

from collections.abc import Mapping

from warehouse.sources.base import Layout, RowContext, Source


def convert(rec: Mapping, ctx: RowContext) -> list[dict]:
    edited = rec.get("edited_image")
    return [{
        "item_id": str(rec["id"]),
        "split": ctx.split,
        "question": str(rec["question"]),
        "image_id": ctx.image(rec.get("image"), "image"),
        "original_img_code": rec.get("original_img_code"),
        "edited_image_id": None if edited is None else ctx.image(edited, "edited_image"),
        "tool_code": rec.get("tool_code"),
        "cot_with_code": rec.get("CoT_with_code"),
        "answer": str(rec["answer"]),
    }]


SOURCE = Source(
    name="vinteraction",
    folder="V-Interaction-400K",
    table="source_vinteraction",
    layouts=tuple(Layout(globs, ("id", "question", "image", "answer"),
                         ("original_img_code", "edited_image", "tool_code", "CoT_with_code"))
                  for globs in (("data/train_part*-*.parquet",), ("data/*.parquet",))),
    convert=convert,
    description="V-Interaction-400K: question, figure and its code, edited figure and tool code, CoT with code",
)
