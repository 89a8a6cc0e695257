"""The public RL prompt sets of V-Thinker's GRPO mix (its README: WeMath 2.0, MMK12, ThinkLite-VL-hard-11k)
-> ``source_rl_prompts``: one image, a question, a verifiable answer per row.

Layouts (Hub repositories, files unchanged):
* We-Math 2.0 (``We-Math/We-Math2.0-Pro``, ``We-Math/We-Math2.0-Standard``; CC BY-NC 4.0):
  ``data/pro-*.parquet`` / ``data/standard-*.parquet`` (or ``mathbook_standard.parquet``) with
  ``question``, ``image``, ``answer`` and, Pro, ``question_id``, ``idx``, ``difficulty``,
  ``knowledge points``.
* MMK12 (``FanqingM/MMK12``): ``data/train-*.parquet``, ``data/test-*.parquet`` with ``id``,
  ``subject``, ``image``, ``question`` (test: options inline as ``A. ...`` lines) and ``answer``.
* ThinkLite-VL-hard-11k (``russwang/ThinkLite-VL-hard-11k``): parquet with ``image``, the question in
  ``problem`` (or ``question``), the answer in ``answer`` (or ``ground_truth``) and an id; the
  column names are not pinned by a public schema, so each row names what it lacks.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping

from warehouse.sources._benchmark import answer_type_of
from warehouse.sources.base import Layout, RowContext, RowError, Source

TABLE = "source_rl_prompts"
_INLINE_OPTION = re.compile(r"^\s*\(?([A-H])\)?[.:：、)]\s*(.+?)\s*$", re.M)


def inline_options(question: str) -> list[str]:
    """Options written as ``A. ...`` lines in the question (MMK12), in letter order; [] when the lines
    do not run A, B, C, ... (a stray "A." in prose is not an option list)."""
    found = _INLINE_OPTION.findall(question or "")
    letters = [letter for letter, _ in found]
    if len(found) < 2 or letters != [chr(ord("A") + i) for i in range(len(found))]:
        return []
    return [text for _, text in found]


def _first(rec: Mapping, names: tuple[str, ...], what: str) -> str:
    for n in names:
        v = rec.get(n)
        if v is not None and str(v).strip():
            return str(v).strip()
    raise RowError(names[0], f"no {what}: none of the columns {list(names)} holds a value")


def prompt_row(dataset: str, split: str, item_id, question: str, answer: str, image_id: str | None,
               metadata: dict) -> dict:
    """One ``source_rl_prompts`` row; choice items keep the letter as the answer."""
    if image_id is None:
        raise RowError("image", "no image: an RL prompt of this mix is always visual")
    options = inline_options(question)
    letter = re.fullmatch(r"\(?([A-H])\)?\.?", answer.strip())
    kind = "choice" if options and letter else answer_type_of(answer, [])
    return {"dataset": dataset, "split": split, "item_id": str(item_id), "question": question,
            "options": options if kind == "choice" else [], "answer": letter.group(1) if kind == "choice" else answer,
            "answer_type": kind, "image_id": image_id,
            "metadata": json.dumps(metadata, sort_keys=True, ensure_ascii=False, default=str)}


def _wemath2(name: str):
    def convert(rec: Mapping, ctx: RowContext) -> list[dict]:
        item = rec.get("question_id") or rec.get("idx") or rec.get("id") or f"{ctx.split}-{ctx.row}"
        meta = {k: rec.get(k) for k in ("idx", "difficulty", "knowledge points", "data_source") if rec.get(k) is not None}
        return [prompt_row(name, ctx.split, item, _first(rec, ("question",), "question"),
                           _first(rec, ("answer",), "answer"), ctx.image(rec.get("image"), "image"), meta)]
    return convert


def convert_mmk12(rec: Mapping, ctx: RowContext) -> list[dict]:
    item = rec.get("id") or f"{ctx.split}-{ctx.row}"
    return [prompt_row("mmk12", ctx.split, item, _first(rec, ("question",), "question"),
                       _first(rec, ("answer",), "answer"), ctx.image(rec.get("image"), "image"),
                       {"subject": rec.get("subject")})]


def convert_thinklite(rec: Mapping, ctx: RowContext) -> list[dict]:
    item = rec.get("id") or rec.get("ID") or rec.get("idx") or f"{ctx.split}-{ctx.row}"
    meta = {k: rec.get(k) for k in ("choices", "source", "data_source") if rec.get(k) is not None}
    return [prompt_row("thinklite", ctx.split, item, _first(rec, ("problem", "question"), "question"),
                       _first(rec, ("answer", "ground_truth", "solution"), "answer"),
                       ctx.image(rec.get("image"), "image"), meta)]


_WEMATH2_EXTRA = ("question_id", "idx", "id", "difficulty", "knowledge points", "data_source")
WEMATH2_PRO = Source(
    name="wemath2_pro", folder="We-Math2.0-Pro", table=TABLE,
    layouts=(Layout(("data/pro-*.parquet",), ("question", "image", "answer"), (), _WEMATH2_EXTRA),),
    convert=_wemath2("wemath2_pro"),
    description="We-Math 2.0 MathBook-Pro: RL prompts by difficulty and knowledge point (CC BY-NC 4.0)")
WEMATH2_STANDARD = Source(
    name="wemath2_standard", folder="We-Math2.0-Standard", table=TABLE,
    layouts=(Layout(("data/standard-*.parquet",), ("question", "image", "answer"), (), _WEMATH2_EXTRA),
             Layout(("mathbook_standard.parquet",), ("question", "image", "answer"), (), _WEMATH2_EXTRA)),
    convert=_wemath2("wemath2_standard"),
    description="We-Math 2.0 MathBook-Standard: RL prompts over the MathBook principles (CC BY-NC 4.0)")
MMK12 = Source(
    name="mmk12", folder="MMK12", table=TABLE,
    layouts=(Layout(("data/train-*.parquet", "data/test-*.parquet"), ("question", "image", "answer"),
                    ("id", "subject")),),
    convert=convert_mmk12,
    description="MMK12: K-12 math/physics/chemistry/biology questions with verifiable answers")
THINKLITE = Source(
    name="thinklite", folder="ThinkLite-VL-hard-11k", table=TABLE,
    layouts=(Layout(("data/train-*.parquet", "*.parquet"), ("image",), (),
                    ("id", "ID", "idx", "problem", "question", "answer", "ground_truth", "solution", "choices",
                     "source", "data_source")),),
    convert=convert_thinklite,
    description="ThinkLite-VL-hard-11k: MCTS-selected hard visual reasoning prompts")
SOURCES = (WEMATH2_PRO, WEMATH2_STANDARD, MMK12, THINKLITE)
