"""Accepted samples as V-Interaction-400K rows, plus the provenance the release lacks.

The release's eight columns keep their names and types (images as Hub ``Image`` structs
``{bytes, path}``); provenance columns follow. Files use the release's layout
(``<folder>/data/train_partN-00000-of-00001.parquet``) so the V-Interaction loader
(``python -m warehouse.sources vinteraction <folder>``) reads an export back unchanged.

``CoT_with_code`` uses V-Thinker's tag protocol: everything inside one ``<think>...</think>``
(each interaction's instruction, its code in ``<code>`` with the ``'''python`` fence V-Thinker's
extractor reads, then ``<sandbox_output><image></sandbox_output>`` standing for the image it
produced, in order, then the written solution), one space, ``<answer>...</answer>``: the shape
V-Thinker's format reward accepts. Code follows V-Thinker's sandbox convention with the coordinates
as literals, no oracle (pipelines/export/vthinker.py); ``tool_code`` chains the steps in one program.

Held-out samples (pipelines/split.py), and any sample sharing an image with the project's
benchmark, are left out by default (``include_heldout`` keeps them, marked in ``split``)."""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from pipelines.export.card import card, write_card as _write_card
from pipelines.export.vthinker import OracleError, chained_program, code_block, step_programs
from pipelines.split import split_of
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
    ("split", pa.string()),
])
_VALUE = {"dtype": "string", "_type": "Value"}
# the `huggingface` schema key lets `datasets.load_dataset("parquet", ...)` decode the image columns
HF_FEATURES = {
    **{c: _VALUE for c in ("id", "question", "original_img_code", "tool_code", "CoT_with_code", "answer", "domain",
                           "creator", "family", "variant", "expansion", "parent_id", "answer_type", "split")},
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


def question_text(sample: Mapping) -> str:
    """The question, with lettered options appended for choice questions (the release inlines them)."""
    q = sample["question"].strip()
    if sample["answer_type"] == "choice" and sample["choices"]:
        q += "\nChoices:\n" + "\n".join(f"{LETTERS[i]}. {c}" for i, c in enumerate(sample["choices"]))
    return q


def tool_code(sample: Mapping) -> str:
    """The interaction steps as one V-Thinker sandbox program from the figure to the last image."""
    return chained_program(sample)


def cot_with_code(sample: Mapping) -> str:
    """The solution as a V-Thinker trajectory: instruction, code, sandbox output, per step; then the solution."""
    steps = [f"{step['instruction'].strip()}\n{code_block(code)}\n<sandbox_output><image></sandbox_output>\n"
             for step, code in zip(sample["interactions"], step_programs(sample))]
    return f"<think>{''.join(steps)}{sample['solution'].strip()}</think> <answer>{sample['answer'].strip()}</answer>"


def vinteraction_rows(samples: Iterable[Mapping], png: Mapping[str, bytes], node_names: Mapping[str, str],
                      benchmark: Iterable[tuple[str, str]] = (), include_heldout: bool = False,
                      split_seed: int = 0) -> Exported:
    """Export rows for accepted ``samples``; ``png`` maps image ids to bytes, ``node_names`` node ids to names.

    Skipped and counted by reason: a sample without interactions (nothing to edit), with an image
    missing from ``png``, and unless ``include_heldout``, a held-out sample or one the benchmark
    (``benchmark``: its ``(sample_id, image_id)`` rows) was built from or shares an image with."""
    out = Exported()
    bench_samples = {sid for sid, _ in benchmark}
    bench = {iid for _, iid in benchmark}
    for s in samples:
        steps = s["interactions"]
        if not steps:
            out.skipped["no interaction"] += 1
            continue
        ids = [s["image_id"], *(step["image_id"] for step in steps)]
        if any(i is None or i not in png for i in ids):
            out.skipped["image missing from the image store"] += 1
            continue
        split = split_of(list(s["node_ids"]), split_seed)
        if s["sample_id"] in bench_samples or bench.intersection(ids):
            split = "heldout"
        if split == "heldout" and not include_heldout:
            out.skipped["held out for the benchmark"] += 1
            continue
        try:
            cot, tool = cot_with_code(s), tool_code(s)
        except OracleError as err:
            out.skipped[f"code not exportable: {err}"] += 1
            continue
        out.rows.append({
            "id": s["sample_id"],
            "question": question_text(s),
            "image": _image(png[ids[0]], ids[0]),
            "original_img_code": s["render_code"],
            "edited_image": _image(png[ids[-1]], ids[-1]),
            "tool_code": tool,
            "CoT_with_code": cot,
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
            "split": split,
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


FIELDS = {
    "id": "sample id", "question": "the question, options inlined for choice questions",
    "image": "the figure (I0)", "original_img_code": "matplotlib code that renders the figure",
    "edited_image": "the image after the last interaction", "tool_code": "one V-Thinker sandbox program from the "
    "figure to `edited_image` (coordinates as literals)", "CoT_with_code": "V-Thinker trajectory: think, code, "
    "sandbox output per interaction, `</think> <answer>`", "answer": "the exact answer",
    "domain": "knowledge domain", "round": "flywheel round", "knowledge_points": "knowledge-point names",
    "node_ids": "knowledge-point ids", "difficulty": "1-5", "creator": "procedural | model", "family": "creator family",
    "variant": "family variant", "expansion": "none | parallel | sequential", "parent_id": "expanded from",
    "attempt": "repair attempt", "answer_type": "number | choice | text", "choices": "option texts",
    "sandbox_images": "the image after each interaction, in order",
    "split": "train | heldout (heldout only with include_heldout: those samples make the benchmark)",
}


def write_card(folder: str | os.PathLike, exported: Exported, parts: list[Path]) -> Path:
    """The export's dataset card: the release's columns, provenance, rows per domain, what was left out."""
    left = "\n".join(f"- {why}: {n}" for why, n in sorted(exported.skipped.items())) or "- nothing"
    text = card("V-Interaction-style interaction samples",
                "Accepted samples in V-Interaction-400K's columns (same names and types), then provenance columns "
                "the release lacks; files in the release's layout.",
                [str(p.relative_to(folder)) for p in parts], FIELDS, exported.rows,
                extra="## Left out\n\n" + left)
    return _write_card(folder, text)
