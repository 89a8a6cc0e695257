"""Training sets from the lake: perception SFT, cold-start SFT trajectories and RL prompts.

Two formats per set, both written under ``<lake root>/exports/<set>/``:

* ``data.parquet`` - TRL conversational rows: ``messages`` (role + content parts ``{type, text}``;
  ``{type: image}`` parts bind to ``images`` in order) and ``images`` (list of ``{bytes, path}``,
  the Hugging Face Image storage), plus ids and, for RL, ``solution``/``answer_type``/``choices``/
  ``points_px``. Load with :func:`load_dataset`.
* ``swift.jsonl`` - ms-swift's standard rows: ``messages`` with ``<image>`` tags, ``images`` (paths
  ``images/<image_id>.png`` relative to the export folder, so the folder moves as one), and
  ``solution``/``question`` for GRPO. Trajectories use V-Thinker's native layout: one assistant
  message with ``<sandbox_output><image></sandbox_output>`` inline.
* ``README.md`` - the dataset card (fields, rows per domain, licence, how it was made).

No oracle: every code turn is V-Thinker sandbox code (pipelines/export/vthinker.py) with the
coordinates as literals, in the ``'''python`` fence V-Thinker's extractor reads; nothing binds the
true positions ``P``. The Parquet carries Hugging Face features, so ``datasets.load_dataset("parquet")``
decodes the images. Only samples whose knowledge-point combination is on the training side
(pipelines.split) are exported; the held-out side belongs to the benchmark. Row builders are pure.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from pipelines.export.card import card, write_card
from pipelines.export.vthinker import OracleError, step_programs
from pipelines.split import split_of
from train.protocol import SANDBOX_CLOSE, SANDBOX_OPEN, SYSTEM_PROMPT, code_turn, final_turn

SETS = ("perception_sft", "sft", "rl")
PERCEPTION_PROMPT = ("Locate the labelled points in the image. Reply with a JSON object mapping each label to its "
                     "pixel coordinates [x, y], origin top-left.")

_PART = pa.struct([pa.field("type", pa.string()), pa.field("text", pa.string())])
_MESSAGE = pa.struct([pa.field("role", pa.string()), pa.field("content", pa.list_(_PART))])
_IMAGE = pa.struct([pa.field("bytes", pa.binary()), pa.field("path", pa.string())])
_COMMON = [pa.field("row_id", pa.string()), pa.field("messages", pa.list_(_MESSAGE)),
           pa.field("images", pa.list_(_IMAGE)), pa.field("round", pa.int32()), pa.field("domain", pa.string())]
SCHEMAS = {
    "perception_sft": pa.schema([*_COMMON, pa.field("level", pa.string())]),
    "sft": pa.schema([*_COMMON, pa.field("n_code_turns", pa.int32())]),
    "rl": pa.schema([*_COMMON[:1], pa.field("prompt", pa.list_(_MESSAGE)), *_COMMON[2:],
                     pa.field("solution", pa.string()), pa.field("answer_type", pa.string()),
                     pa.field("choices", pa.list_(pa.string())), pa.field("question", pa.string())]),
}


class ExportError(ValueError):
    """A sample that cannot become a training row; the message names the sample and field."""


def _t(text: str) -> dict:
    return {"type": "text", "text": text}


_I = {"type": "image", "text": None}


def sandbox_message() -> dict:
    """The sandbox's answer to a code turn: its own user turn ``<sandbox_output><image></sandbox_output>``,
    token-identical to how the chat template renders a GRPO tool result, and masked from the loss.
    (TRL's SFT collator binds dataset images only to system/user/assistant placeholders, not tool ones.)"""
    return {"role": "user", "content": [_t(SANDBOX_OPEN), _I, _t(SANDBOX_CLOSE)]}


def is_sandbox_message(message: Mapping) -> bool:
    parts = message["content"]
    return message["role"] == "tool" or (message["role"] == "user" and bool(parts) and parts[0]["type"] == "text"
                                         and parts[0]["text"] == SANDBOX_OPEN)


def question_text(question: str, answer_type: str, choices: Sequence[str]) -> str:
    """The user's question, with lettered options for multiple choice."""
    if answer_type != "choice" or not choices:
        return question
    options = "\n".join(f"{chr(ord('A') + i)}. {c}" for i, c in enumerate(choices))
    return f"{question}\nOptions:\n{options}\nAnswer with the option's letter."


def is_train(sample: Mapping, seed: int = 0) -> bool:
    return split_of(list(sample["node_ids"]), seed) == "train"


def _png(images: Mapping[str, bytes], image_id: str | None, where: str) -> dict:
    if not image_id or image_id not in images:
        raise ExportError(f"{where}: image {image_id!r} is not in the images table")
    return {"bytes": images[image_id], "path": f"{image_id}.png"}


def _prompt(sample: Mapping) -> list[dict]:
    q = question_text(sample["question"], sample["answer_type"], sample["choices"] or [])
    return [{"role": "system", "content": [_t(SYSTEM_PROMPT)]}, {"role": "user", "content": [_I, _t(q)]}]


def sft_row(sample: Mapping, images: Mapping[str, bytes]) -> dict:
    """One cold-start trajectory: a code turn per interaction, each answered by a sandbox turn holding
    the interaction's stored image, then the answer turn."""
    sid = sample["sample_id"]
    imgs = [_png(images, sample["image_id"], f"sample {sid} field image_id")]
    messages = _prompt(sample)
    try:
        programs = step_programs(sample)
    except OracleError as err:
        raise ExportError(str(err)) from None
    for k, it in enumerate(sample["interactions"] or []):
        if not it["code"].strip():
            raise ExportError(f"sample {sid} interactions[{k}].code: empty")
        imgs.append(_png(images, it["image_id"], f"sample {sid} interactions[{k}].image_id"))
        messages.append({"role": "assistant", "content": [_t(code_turn(it["instruction"], programs[k]))]})
        messages.append(sandbox_message())
    messages.append({"role": "assistant", "content": [_t(final_turn(sample["solution"], sample["answer"]))]})
    return {"row_id": f"{sid}:{sample['attempt']}", "messages": messages, "images": imgs,
            "round": sample["round"], "domain": sample["domain"], "n_code_turns": len(sample["interactions"] or [])}


def rl_row(sample: Mapping, images: Mapping[str, bytes]) -> dict:
    """One GRPO prompt: system + user(image, question) and the reference answer (no true positions)."""
    sid = sample["sample_id"]
    return {"row_id": f"{sid}:{sample['attempt']}", "prompt": _prompt(sample),
            "images": [_png(images, sample["image_id"], f"sample {sid} field image_id")],
            "round": sample["round"], "domain": sample["domain"], "solution": sample["answer"],
            "answer_type": sample["answer_type"], "choices": list(sample["choices"] or []),
            "question": sample["question"]}


def perception_row(task: Mapping, images: Mapping[str, bytes]) -> dict:
    """One point-level perception example: the image and question in, the label->[x, y] JSON out."""
    tid = task["task_id"]
    answer = task["answer"]
    try:
        json.loads(answer)
    except (TypeError, ValueError) as err:
        raise ExportError(f"perception task {tid} field answer: not JSON ({err})") from None
    return {"row_id": str(tid),
            "messages": [{"role": "user", "content": [_I, _t(task["question"] or PERCEPTION_PROMPT)]},
                         {"role": "assistant", "content": [_t(answer)]}],
            "images": [_png(images, task["image_id"], f"perception task {tid} field image_id")],
            "round": task.get("round", 0), "domain": task.get("domain", ""), "level": str(task["level"])}


# ---------------------------------------------------------------------------------------------
# ms-swift rows


def _swift_text(content: Sequence[Mapping]) -> str:
    return "".join("<image>" if p["type"] == "image" else p["text"] for p in content)


def swift_sft_row(row: Mapping, image_dir: str = "images") -> dict:
    """V-Thinker's native layout: one assistant message, sandbox outputs inline, all thinking in one
    ``<think>``."""
    msgs = row["messages"]
    turns = [m for m in msgs if m["role"] == "assistant" or is_sandbox_message(m)]
    head = [{"role": m["role"], "content": _swift_text(m["content"])} for m in msgs if m not in turns]
    body: list[str] = []
    for m in turns:
        text = _swift_text(m["content"])
        if is_sandbox_message(m):
            body.append(f"\n{text}\n")
        else:  # unwrap each turn's <think>…</think>, keep the code blocks and the answer
            body.append(text.replace("<think>", "").replace("</think>", "", 1) if "<answer>" not in text
                        else text.replace("<think>", ""))
    assistant = "<think>" + "".join(body)
    if len(turns) == 1:  # perception: a plain answer
        assistant = _swift_text(turns[0]["content"])
    return {"messages": [*head, {"role": "assistant", "content": assistant}],
            "images": [os.path.join(image_dir, i["path"]) for i in row["images"]]}


def swift_rl_row(row: Mapping, image_dir: str = "images") -> dict:
    return {"messages": [{"role": m["role"], "content": _swift_text(m["content"])} for m in row["prompt"]],
            "images": [os.path.join(image_dir, i["path"]) for i in row["images"]],
            "solution": row["solution"], "question": row["question"]}


# ---------------------------------------------------------------------------------------------
# building a set from tables


@dataclass
class Export:
    """Rows of one set plus what was left out and why."""

    name: str
    rows: list[dict] = field(default_factory=list)
    heldout: int = 0
    note: str = ""
    pools: dict = field(default_factory=dict)  # RL: rows drawn from each pool of the mix (train/rl_mix.py)

    def counts(self) -> dict:
        return {"rows": len(self.rows), "images": sum(len(r["images"]) for r in self.rows),
                "heldout_skipped": self.heldout,
                "code_turns": sum(r.get("n_code_turns", 0) for r in self.rows),
                **({"pools": self.pools} if self.pools else {})}


def build_samples_set(name: str, samples: Iterable[Mapping], images: Mapping[str, bytes], seed: int = 0) -> Export:
    """The ``sft`` or ``rl`` set from ``samples`` rows (training side only)."""
    build = {"sft": sft_row, "rl": rl_row}[name]
    out = Export(name)
    for s in samples:
        if not is_train(s, seed):
            out.heldout += 1
            continue
        out.rows.append(build(s, images))
    out.rows.sort(key=lambda r: r["row_id"])
    return out


def heldout_image_ids(samples: Iterable[Mapping], seed: int = 0) -> set[str]:
    """Every image of a held-out sample (its figure and its interaction images)."""
    ids: set[str] = set()
    for s in samples:
        if not is_train(s, seed):
            ids.add(s["image_id"])
            ids.update(i["image_id"] for i in s["interactions"] or [] if i["image_id"])
    return ids


def build_perception_set(tasks: Iterable[Mapping] | None, images: Mapping[str, bytes],
                         heldout_images: set[str]) -> Export:
    """The perception set; ``tasks is None`` (no perception_tasks table) gives an empty set with a note."""
    out = Export("perception_sft")
    if tasks is None:
        out.note = "no perception_tasks table in this lake: the perception set is empty"
        return out
    for t in tasks:
        if t["image_id"] in heldout_images:
            out.heldout += 1
            continue
        out.rows.append(perception_row(t, images))
    if not out.rows:
        out.note = "perception_tasks has no training rows: the perception set is empty"
    out.rows.sort(key=lambda r: r["row_id"])
    return out


FIELDS = {
    "row_id": "`<sample_id>:<attempt>` (perception: the task id)",
    "messages": "TRL conversation: `{role, content: [{type: text|image, text}]}`; image parts bind to `images` "
                "in order; sandbox outputs are user turns `<sandbox_output><image></sandbox_output>`",
    "prompt": "RL: system + user turns (the completion is generated)",
    "images": "the figure, then each interaction's processed image (Hugging Face Image)",
    "round": "flywheel round", "domain": "knowledge domain",
    "level": "perception: surface | semantic | integrated", "n_code_turns": "SFT: code turns before the answer",
    "solution": "RL: reference answer", "answer_type": "RL: number | choice | text",
    "choices": "RL: option texts in letter order", "question": "RL: the question without options",
}
TITLES = {"perception_sft": ("Point-level perception SFT", "Locate labelled points: the image and a question in, "
                             "a JSON label -> [x, y] pixel map out (V-Perception-40K's task)."),
          "sft": ("Cold-start interaction SFT", "V-Thinker-style trajectories: think, draw with code on the image, "
                  "read the sandbox's processed image, answer. `swift.jsonl` is ms-swift's layout (one assistant "
                  "message, sandbox outputs inline), `data.parquet` TRL's (sandbox outputs as their own turns)."),
          "rl": ("GRPO prompts", "Image + question prompts with the reference answer for GRPO with a code sandbox.")}


def hf_schema(schema: pa.Schema) -> pa.Schema:
    """``schema`` with the Hugging Face ``features`` metadata (``images`` as a list of Image), so
    ``datasets.load_dataset("parquet", ...)`` decodes the images."""
    import datasets

    features = datasets.Features.from_arrow_schema(schema)
    features["images"] = datasets.List(datasets.Image())
    return schema.with_metadata({"huggingface": json.dumps({"info": {"features": features.to_dict()}})})


def write_export(export: Export, root: str | os.PathLike) -> dict:
    """Write ``data.parquet``, ``swift.jsonl``, ``images/``, ``README.md`` and ``metadata.json`` under
    ``root/exports/<set>``; every file is replaced atomically. Returns the metadata."""
    from warehouse.storage import atomic_path

    folder = Path(root) / "exports" / export.name
    image_dir = folder / "images"
    image_dir.mkdir(parents=True, exist_ok=True)
    for row in export.rows:
        for img in row["images"]:
            target = image_dir / img["path"]
            if not target.exists():  # content-addressed: an existing file is already right
                with atomic_path(target) as tmp:
                    Path(tmp).write_bytes(img["bytes"])
    schema = hf_schema(SCHEMAS[export.name])
    table = pa.Table.from_pylist(export.rows, schema=schema)
    with atomic_path(folder / "data.parquet") as tmp:
        pq.write_table(table, tmp)
    swift = swift_rl_row if export.name == "rl" else swift_sft_row
    with atomic_path(folder / "swift.jsonl") as tmp, open(tmp, "w") as fh:
        for row in export.rows:
            fh.write(json.dumps(swift(row)) + "\n")
    title, summary = TITLES[export.name]
    extra = ""
    if export.pools:
        extra = ("## Mix\n\nRows per pool (train/rl_mix.py): " + ", ".join(f"{k} {n}" for k, n in sorted(export.pools.items()))
                 + ". Public pools keep their own licences, as their Hub cards declare: We-Math 2.0 CC BY-NC 4.0, "
                   "MMK12 Apache-2.0, ThinkLite-VL MIT; the non-commercial one binds the whole mix.")
    write_card(folder, card(title, summary + f" Held-out samples left out: {export.heldout}.", ["data.parquet"],
                            {c: FIELDS[c] for c in schema.names}, export.rows, extra=extra))
    meta = {"set": export.name, **export.counts(), "note": export.note,
            "parquet": str(folder / "data.parquet"), "swift_jsonl": str(folder / "swift.jsonl")}
    with atomic_path(folder / "metadata.json") as tmp:
        Path(tmp).write_text(json.dumps(meta, indent=1))
    return meta


def export_path(root: str | os.PathLike, name: str) -> Path:
    return Path(root) / "exports" / name / "data.parquet"


def load_dataset(path: str | os.PathLike):
    """An exported Parquet set as a ``datasets.Dataset`` whose ``images`` decode to PIL images."""
    import datasets

    return datasets.load_dataset("parquet", data_files=str(path), split="train")


def _pngs(lake, ids: set[str]) -> dict[str, bytes]:
    """image_id -> PNG of the ``images`` rows with those ids (only they are read)."""
    imgs = lake.read("images", columns=["image_id", "png"], filter=pc.field("image_id").isin(list(ids)))
    return dict(zip(imgs.column("image_id").to_pylist(), imgs.column("png").to_pylist()))


def public_weighted(weights: Mapping[str, float]) -> list[str]:
    """The public RL prompt sets ``weights`` gives a positive weight (not our own rows)."""
    from train.rl_mix import OURS

    return [k for k, w in weights.items() if k != OURS and w > 0]


def mix_public_prompts(lake, ours: Export, weights: Mapping[str, float], seed: int = 0) -> Export:
    """``ours`` (the RL set) mixed with the public RL prompt sets of ``source_rl_prompts`` by ``weights``."""
    from train.rl_mix import OURS, TRAIN_SPLITS, mix, public_row

    pools: dict[str, list[dict]] = {OURS: ours.rows}
    wanted = public_weighted(weights)
    if wanted:
        prompts = lake.read("source_rl_prompts").to_pylist() if lake.exists("source_rl_prompts") else []
        prompts = [p for p in prompts if p["dataset"] in wanted and p["split"] in TRAIN_SPLITS.get(p["dataset"], (p["split"],))]
        png = _pngs(lake, {p["image_id"] for p in prompts})
        for p in prompts:
            if p["image_id"] not in png:
                raise ExportError(f"source_rl_prompts {p['dataset']} item {p['item_id']}: image {p['image_id']} "
                                  "is not in the images table")
            pools.setdefault(p["dataset"], []).append(public_row(p, png[p["image_id"]], SYSTEM_PROMPT))
    rows, counts = mix(pools, weights, seed)
    return Export("rl", sorted(rows, key=lambda r: r["row_id"]), ours.heldout, ours.note, counts)


def export_from_lake(lake, name: str, seed: int = 0, rl_weights: Mapping[str, float] | None = None) -> Export:
    """Build one set from a :class:`warehouse.storage.Lake`; the RL set is mixed with the public RL
    prompt sets when ``rl_weights`` gives one of them a positive weight (train/rl_mix.py)."""
    from warehouse.schemas import SCHEMAS as TABLES

    samples = lake.read("samples").to_pylist()
    if name == "perception_sft":
        tasks = lake.read("perception_tasks").to_pylist() if "perception_tasks" in TABLES else None
        if tasks is not None and not lake.exists("perception_tasks"):
            tasks = None
        wanted = {t["image_id"] for t in tasks or []}
    else:
        wanted = {s["image_id"] for s in samples} | {i["image_id"] for s in samples for i in s["interactions"] or []}
    images = _pngs(lake, wanted)
    if name == "perception_sft":
        return build_perception_set(tasks, images, heldout_image_ids(samples, seed))
    out = build_samples_set(name, samples, images, seed)
    if name == "rl" and rl_weights and public_weighted(rl_weights):
        return mix_public_prompts(lake, out, rl_weights, seed)
    return out
