"""Accepted samples as V-Interaction-400K rows, plus the provenance the release lacks.

The release's eight columns keep their names and types (images as Hub ``Image`` structs
``{bytes, path}``); provenance columns follow. Files use the release's layout
(``<folder>/data/train_partN-00000-of-00001.parquet``) so the V-Interaction loader
(``python -m warehouse.sources vinteraction <folder>``) reads an export back unchanged.

``CoT_with_code`` uses V-Thinker's tag protocol: everything inside one ``<think>...</think>``
(each interaction's instruction, its code in ``<code>`` with a ```` ```python ```` fence, then
``<sandbox_output><image></sandbox_output>`` standing for the image it produced, in order, then the
written solution), one space, ``<answer>...</answer>``: the shape V-Thinker's format reward accepts.
Code follows this project's sandbox convention: ``image_path`` is bound to the current image, the
result is the current matplotlib figure, and ``P`` (element label -> pixel) is defined in the block."""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from warehouse.storage import atomic_path

LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
ROWS_PER_PART = 10_000
HF_IMAGE = pa.struct([("bytes", pa.binary()), ("path", pa.string())])

RELEASE_COLUMNS = ("id", "question", "image", "original_img_code", "edited_image", "tool_code", "CoT_with_code",
                   "answer")
SCHEMA = pa.schema([
    ("id", pa.string()),
    ("question", pa.string()),
    ("image", HF_IMAGE),
    ("original_img_code", pa.string()),
    ("edited_image", HF_IMAGE),
    ("tool_code", pa.string()),
    ("CoT_with_code", pa.string()),
    ("answer", pa.string()),
    # provenance (not in the release)
    ("domain", pa.string()),
    ("round", pa.int32()),
    ("knowledge_points", pa.list_(pa.string())),
    ("node_ids", pa.list_(pa.string())),
    ("difficulty", pa.int8()),
    ("creator", pa.string()),
    ("family", pa.string()),
    ("variant", pa.string()),
    ("expansion", pa.string()),
    ("parent_id", pa.string()),
    ("attempt", pa.int16()),
    ("answer_type", pa.string()),
    ("choices", pa.list_(pa.string())),
    ("sandbox_images", pa.list_(HF_IMAGE)),
])
_VALUE = {"dtype": "string", "_type": "Value"}
# the `huggingface` schema key lets `datasets.load_dataset("parquet", ...)` decode the image columns
HF_FEATURES = {
    **{c: _VALUE for c in ("id", "question", "original_img_code", "tool_code", "CoT_with_code", "answer", "domain",
                           "creator", "family", "variant", "expansion", "parent_id", "answer_type")},
    "image": {"_type": "Image"}, "edited_image": {"_type": "Image"},
    "round": {"dtype": "int32", "_type": "Value"}, "difficulty": {"dtype": "int8", "_type": "Value"},
    "attempt": {"dtype": "int16", "_type": "Value"},
    "knowledge_points": {"feature": _VALUE, "_type": "Sequence"}, "node_ids": {"feature": _VALUE, "_type": "Sequence"},
    "choices": {"feature": _VALUE, "_type": "Sequence"}, "sandbox_images": {"feature": {"_type": "Image"},
                                                                            "_type": "Sequence"},
}
SCHEMA = SCHEMA.with_metadata({"huggingface": json.dumps({"info": {"features": HF_FEATURES}})})


@dataclass
class Exported:
    """Rows in the export schema and why samples were left out."""

    rows: list[dict] = field(default_factory=list)
    skipped: Counter = field(default_factory=Counter)


def _image(png: bytes, image_id: str) -> dict:
    return {"bytes": png, "path": f"{image_id}.png"}


def _points_literal(points_px: Iterable[Mapping]) -> str:
    pts = ", ".join(f"{p['name']!r}: ({p['x']:.1f}, {p['y']:.1f})" for p in points_px)
    return f"P = {{{pts}}}  # element label -> pixel (x, y), origin top-left"


def question_text(sample: Mapping) -> str:
    """The question, with lettered options appended for choice questions (the release inlines them)."""
    q = sample["question"].strip()
    if sample["answer_type"] == "choice" and sample["choices"]:
        q += "\nChoices:\n" + "\n".join(f"{LETTERS[i]}. {c}" for i, c in enumerate(sample["choices"]))
    return q


def tool_code(sample: Mapping) -> str:
    """The interaction steps in order, as one text. Each step reads ``image_path`` as the image the
    previous step produced (run them one by one in the sandbox, as the render stage does)."""
    blocks = [f"# step {k + 1}: {step['instruction']}\n{step['code'].strip()}"
              for k, step in enumerate(sample["interactions"])]
    return _points_literal(sample["points_px"]) + "\n\n" + "\n\n".join(blocks) + "\n"


def cot_with_code(sample: Mapping) -> str:
    """The solution as a V-Thinker trajectory: instruction, code, sandbox output, per step; then the solution."""
    head = _points_literal(sample["points_px"])
    steps = [f"{step['instruction'].strip()}\n<code>\n```python\n{head}\n{step['code'].strip()}\n```\n</code>\n"
             f"<sandbox_output><image></sandbox_output>\n" for step in sample["interactions"]]
    return f"<think>{''.join(steps)}{sample['solution'].strip()}</think> <answer>{sample['answer'].strip()}</answer>"


def vinteraction_rows(samples: Iterable[Mapping], png: Mapping[str, bytes], node_names: Mapping[str, str]) -> Exported:
    """Export rows for accepted ``samples``; ``png`` maps image ids to bytes, ``node_names`` node ids to names.

    A sample without interactions (nothing to edit) or with an image missing from ``png`` is skipped
    and counted by reason."""
    out = Exported()
    for s in samples:
        steps = s["interactions"]
        if not steps:
            out.skipped["no interaction"] += 1
            continue
        ids = [s["image_id"], *(step["image_id"] for step in steps)]
        if any(i is None or i not in png for i in ids):
            out.skipped["image missing from the image store"] += 1
            continue
        out.rows.append({
            "id": s["sample_id"],
            "question": question_text(s),
            "image": _image(png[ids[0]], ids[0]),
            "original_img_code": s["render_code"],
            "edited_image": _image(png[ids[-1]], ids[-1]),
            "tool_code": tool_code(s),
            "CoT_with_code": cot_with_code(s),
            "answer": s["answer"],
            "domain": s["domain"],
            "round": s["round"],
            "knowledge_points": [node_names.get(n, n) for n in s["node_ids"]],
            "node_ids": list(s["node_ids"]),
            "difficulty": s["difficulty"],
            "creator": s["creator"],
            "family": s["family"],
            "variant": s["variant"],
            "expansion": s["expansion"],
            "parent_id": s["parent_id"],
            "attempt": s["attempt"],
            "answer_type": s["answer_type"],
            "choices": list(s["choices"]),
            "sandbox_images": [_image(png[i], i) for i in ids[1:]],
        })
    return out


def write_parts(rows: list[dict], folder: str | os.PathLike, rows_per_part: int = ROWS_PER_PART) -> list[Path]:
    """Write ``rows`` as ``<folder>/data/train_partN-00000-of-00001.parquet`` (N from 1), each file
    atomically; parts left from a larger earlier export are removed."""
    data_dir = Path(folder) / "data"
    data_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for k, start in enumerate(range(0, max(len(rows), 1), rows_per_part), start=1):
        path = data_dir / f"train_part{k}-00000-of-00001.parquet"
        table = pa.Table.from_pylist(rows[start:start + rows_per_part], schema=SCHEMA)
        with atomic_path(path) as tmp:
            pq.write_table(table, tmp)
        paths.append(path)
    for old in data_dir.glob("train_part*-00000-of-00001.parquet"):
        if old not in paths:
            old.unlink()
    return paths
