"""VTBench (We-Math/VTBench): 500 images x 3 tasks -> one ``source_vtbench`` row per image and task."""

from __future__ import annotations

from collections.abc import Mapping

from warehouse.sources.base import Layout, RowContext, RowError, Source

# task type -> (question column, answer column, ground-truth image column)
TASKS = {
    "perception": ("question_perception", "answer_perception", "annotation_perception"),
    "instruction": ("question_instruction", "answer_instruction", "annotation_instruction"),
    "reasoning": ("question_reasoning", "answer_reasoning", None),
}


def convert(rec: Mapping, ctx: RowContext) -> list[dict]:
    image_id = ctx.image(rec.get("image"), "image")
    rows = []
    for task, (q_col, a_col, ref_col) in TASKS.items():
        question = rec.get(q_col)
        if q_col not in rec:
            continue  # the whole column is absent: reported once for the file
        if not question:
            ctx.warn(q_col, f"empty question: {task} task skipped")
            continue
        ref = None
        if ref_col is not None and ref_col in rec:
            try:
                ref = ctx.image(rec[ref_col], ref_col)
            except RowError as err:
                ctx.warn(ref_col, f"{err.message}: {task} task skipped", err.kind)
                continue
        answer = rec.get(a_col)
        rows.append({"item_id": str(rec["id"]), "task_type": task, "question": str(question),
                     "answer": None if answer is None else str(answer), "image_id": image_id,
                     "reference_image_id": ref})
    return rows


OPTIONAL = ("question_perception", "annotation_perception", "question_instruction", "annotation_instruction",
            "answer_instruction", "question_reasoning", "answer_reasoning")
EXTRA = ("answer_perception",)  # only in the first upload (data/VTBench-00000-of-00001.parquet)

SOURCE = Source(
    name="vtbench",
    folder="VTBench",
    table="source_vtbench",
    layouts=tuple(Layout(globs, ("id", "image"), OPTIONAL, EXTRA) for globs in (("data/train-*.parquet",),
                                                                              ("data/*.parquet",))),
    convert=convert,
    description="VTBench: Perception, Instruction-Guided Interaction and Interactive Reasoning per image",
)
