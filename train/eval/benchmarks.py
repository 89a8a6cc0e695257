"""Benchmark items from the warehouse: VTBench (``source_vtbench``), MathVision / We-Math / VisuLogic /
MathVista (``source_benchmarks``, loaded by warehouse/sources) and the project's held-out
``benchmark`` table, as :class:`EvalItem` lists with their prompts and per-task turn limits.

A spec names a benchmark, optionally a split after ``/`` and a task after ``:`` —
``vtbench``, ``vtbench:reasoning``, ``mathvision/testmini``, ``project:perception``. Prompts follow
V-Thinker's eval scripts (answer format ``<answer>X</answer>``), with our sandbox's conventions for
the drawing tasks. Turn limits are V-Thinker's (IR 5, IGI 1, Perception 1, MathVision 5,
We-Math 5, VisuLogic 2).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

from train.eval.types import EvalItem
from warehouse.storage import Lake

LETTERS = "ABCDEFGH"
ANSWER_FORMAT = "\nPlease provide the final answer in the format <answer>X</answer>."
WEMATH_FORMAT = "\nPlease provide the final answer in the format <answer>X</answer>, where X is the correct option letter."
VISULOGIC_HINT = ("\nSolve the complex visual logical reasoning problem through step-by-step reasoning. "
                  "Think about the reasoning process first and answer the question.")
DRAW = ("\nWrite Python code that does this on the image at `image_path` and leaves the result as the current "
        "matplotlib figure; answer with the code only.")
SOURCE_BENCHMARKS = ("mathvision", "wemath", "visulogic", "mathvista")
BENCHMARKS = ("vtbench", "project", *SOURCE_BENCHMARKS)
TASKS = {"vtbench": ("perception", "instruction", "reasoning"),
         "project": ("perception", "instruction_guided", "interactive_reasoning")}
MAX_TURNS = {("vtbench", "perception"): 1, ("vtbench", "instruction"): 1, ("vtbench", "reasoning"): 5,
             ("project", "perception"): 1, ("project", "instruction_guided"): 1,
             ("project", "interactive_reasoning"): 5, ("visulogic", "test"): 2}
LOADERS = {"vtbench": "vtbench", **{b: b for b in SOURCE_BENCHMARKS}}


class BenchmarkMissing(LookupError):
    """The table a benchmark reads has no rows for it; the message says which and how to load it."""


@dataclass(frozen=True)
class Spec:
    name: str
    split: str = ""
    task: str = ""

    @classmethod
    def parse(cls, text: str) -> Spec:
        rest, _, task = text.strip().partition(":")
        name, _, split = rest.partition("/")
        if name not in BENCHMARKS:
            raise ValueError(f"unknown benchmark {name!r} in {text!r}; known: {', '.join(BENCHMARKS)}")
        if task and task not in TASKS.get(name, ()):
            raise ValueError(f"benchmark {name!r} has no task {task!r}; tasks: {', '.join(TASKS.get(name, ('(none)',)))}")
        return cls(name, split, task)


def _missing(table: str, name: str, lake: Lake) -> BenchmarkMissing:
    if name == "project":
        how = "materialize the `benchmark` asset (job `benchmark`) for a round"
    else:
        how = (f"load the published files with `python -m warehouse.sources {LOADERS[name]} <download>/<Folder>` "
               f"or materialize the `source_{LOADERS[name]}` asset")
    return BenchmarkMissing(f"table {table!r} has no rows for benchmark {name!r} in the lake at {lake.root}: {how}")


def query(lake: Lake, sql: str, params: Sequence = ()) -> list[dict]:
    """Rows of a SQL query over the lake's catalog, as dicts."""
    from warehouse.catalog import connect

    con = connect(lake.root)
    try:
        cur = con.execute(sql, list(params))
        cols = [d[0] for d in cur.description]
        return [dict(zip(cols, r)) for r in cur.fetchall()]
    finally:
        con.close()


def fetch_images(lake: Lake, ids: Sequence[str | None], table: str) -> dict[str, bytes]:
    """PNG bytes by image id; an id absent from ``images`` is an error naming the table that refers to it."""
    want = sorted({i for i in ids if i})
    if not want:
        return {}
    rows = query(lake, "SELECT image_id, png FROM images WHERE list_contains(?, image_id)", [want])
    found = {r["image_id"]: bytes(r["png"]) for r in rows}
    lost = [i for i in want if i not in found]
    if lost:
        raise BenchmarkMissing(f"{len(lost)} image(s) that {table!r} refers to are not in table 'images' "
                               f"(first: {lost[0]}) in the lake at {lake.root}")
    return found


def options_text(choices: Sequence[str]) -> str:
    return "\nOptions:\n" + "\n".join(f"{LETTERS[i]}. {c}" for i, c in enumerate(choices)) if choices else ""


def _limit(rows: list[dict], limit: int, key: str) -> list[dict]:
    """At most ``limit`` rows per value of ``key`` (0 = all), in the given order."""
    if not limit:
        return rows
    seen: dict = {}
    out = []
    for r in rows:
        seen[r[key]] = seen.get(r[key], 0) + 1
        if seen[r[key]] <= limit:
            out.append(r)
    return out


GROUND_TRUTH = {"perception": "annotation_perception", "instruction": "annotation_instruction"}


def scorable(row: dict) -> bool:
    """A VTBench task row can be scored: the drawing tasks need their ground-truth image."""
    return row["task_type"] not in GROUND_TRUTH or bool(row["reference_image_id"])


def vtbench_items(lake: Lake, spec: Spec, limit: int = 0) -> list[EvalItem]:
    rows = query(lake, "SELECT * FROM source_vtbench WHERE domain = 'vtbench' ORDER BY task_type, item_id")
    if not rows:
        raise _missing("source_vtbench", "vtbench", lake)
    rows = [r for r in rows if scorable(r)]  # the others are reported unavailable (unavailable_tasks), not scored 0
    rows = _limit([r for r in rows if not spec.task or r["task_type"] == spec.task], limit, "task_type")
    png = fetch_images(lake, [r["image_id"] for r in rows] + [r["reference_image_id"] for r in rows], "source_vtbench")
    items = []
    for r in rows:
        task = r["task_type"]
        if task == "reasoning":
            q = r["question"] + ("" if "<answer>" in r["question"] else ANSWER_FORMAT)
        else:
            q = r["question"] + DRAW
        items.append(EvalItem("vtbench", task, r["item_id"], q, png[r["image_id"]], r["answer"] or "",
                              "text", (), png.get(r["reference_image_id"]), "", MAX_TURNS[("vtbench", task)],
                              {"question": r["question"]}, r["image_id"]))
    return items


def _source_prompt(r: dict, meta: dict) -> str:
    name, opts = r["benchmark"], list(r["options"] or [])
    if name == "wemath":
        return r["question"] + options_text(opts) + WEMATH_FORMAT
    if name == "visulogic":
        return r["question"] + VISULOGIC_HINT + ANSWER_FORMAT
    if name == "mathvista" and meta.get("query"):
        return meta["query"] + ANSWER_FORMAT
    hint = f"Hint: {meta['hint']}\n" if meta.get("hint") else ""
    return f"{hint}Question: {r['question']}" + options_text(opts) + ANSWER_FORMAT


def _category(name: str, meta: dict) -> str:
    if name == "mathvision":
        return str(meta.get("subject") or meta.get("category") or "")
    if name == "visulogic":
        return str(meta.get("tag") or "")
    if name == "wemath":
        return str(meta.get("knowledge_concept") or "")
    if name == "mathvista":
        inner = meta.get("metadata") or {}
        return str(inner.get("category") or "") if isinstance(inner, dict) else ""
    return ""


def source_items(lake: Lake, spec: Spec, limit: int = 0) -> list[EvalItem]:
    sql, params = "SELECT * FROM source_benchmarks WHERE benchmark = ?", [spec.name]
    if spec.split:
        sql, params = sql + " AND split = ?", params + [spec.split]
    rows = query(lake, sql + " ORDER BY split, item_id", params)
    if not rows:
        raise _missing("source_benchmarks", spec.name + (f"/{spec.split}" if spec.split else ""), lake)
    rows = _limit(rows, limit, "split")
    png = fetch_images(lake, [r["image_id"] for r in rows], "source_benchmarks")
    items = []
    for r in rows:
        if not r["image_id"]:
            raise BenchmarkMissing(f"source_benchmarks: {spec.name} item {r['item_id']} ({r['source_file']} row "
                                   f"{r['source_row']}) has no image")
        meta = json.loads(r["metadata"] or "{}")
        opts, ref, kind = tuple(r["options"] or ()), r["answer"], r["answer_type"]
        if spec.name == "mathvista" and kind == "choice" and ref in opts:  # gold is the choice text
            ref = LETTERS[opts.index(ref)]
        items.append(EvalItem(spec.name, r["split"], r["item_id"], _source_prompt(r, meta), png[r["image_id"]], ref,
                              kind, opts, None, _category(spec.name, meta),
                              MAX_TURNS.get((spec.name, r["split"]), 2 if spec.name == "visulogic" else 5),
                              meta, r["image_id"]))
    return items


def project_items(lake: Lake, spec: Spec, limit: int = 0) -> list[EvalItem]:
    rows = query(lake, "SELECT * FROM benchmark ORDER BY task_type, round, item_id")
    if not rows:
        raise _missing("benchmark", "project", lake)
    rows = _limit([r for r in rows if not spec.task or r["task_type"] == spec.task], limit, "task_type")
    png = fetch_images(lake, [r["image_id"] for r in rows] + [r["reference_image_id"] for r in rows], "benchmark")
    items = []
    for r in rows:
        task, choices = r["task_type"], tuple(r["choices"] or ())
        ref = json.loads(r["reference"])
        if task == "interactive_reasoning":
            prompt, reference = r["question"] + options_text(choices) + ANSWER_FORMAT, str(ref["answer"])
        else:
            prompt, reference = r["question"], r["reference"]
        items.append(EvalItem("project", task, r["item_id"], prompt, png[r["image_id"]], reference, r["answer_type"],
                              choices, png.get(r["reference_image_id"]), r["domain"],
                              MAX_TURNS[("project", task)], {"round": r["round"], "question": r["question"]},
                              r["image_id"]))
    return items


def load_items(lake: Lake, specs: Sequence[str], limit: int = 0) -> list[EvalItem]:
    """Items of every spec, in order; ``limit`` caps items per task (VTBench, project) or split."""
    items = []
    for text in specs:
        spec = Spec.parse(text)
        if spec.name == "vtbench":
            items += vtbench_items(lake, spec, limit)
        elif spec.name == "project":
            items += project_items(lake, spec, limit)
        else:
            items += source_items(lake, spec, limit)
    return items


def unavailable_tasks(lake: Lake, specs: Sequence[str]) -> list[dict]:
    """VTBench tasks that cannot be scored with the loaded files - no question column, or no
    ground-truth image column (e.g. a file without ``annotation_perception``) - as
    ``{benchmark, task, n, reason}``: reported as unavailable instead of scoring every item 0."""
    out, rows = [], None
    for text in specs:
        spec = Spec.parse(text)
        if spec.name != "vtbench":
            continue
        if rows is None:  # one read for every vtbench spec
            rows = query(lake, "SELECT task_type, reference_image_id FROM source_vtbench WHERE domain = 'vtbench'")
        for task in [spec.task] if spec.task else TASKS["vtbench"]:
            mine = [r for r in rows if r["task_type"] == task]
            if not mine:
                out.append({"benchmark": "vtbench", "task": task, "n": 0,
                            "reason": f"the loaded VTBench files have no {task} question column"})
            elif not any(scorable(r) for r in mine):
                out.append({"benchmark": "vtbench", "task": task, "n": len(mine),
                            "reason": f"the loaded VTBench files have no {GROUND_TRUTH[task]} (ground-truth image) column"})
    return out
