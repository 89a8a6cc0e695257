"""The VTBench-style benchmark: three tasks per held-out image, leak-free, reproducible from a seed.

Per image of a held-out sample (pipelines.split, so whole knowledge-point combinations sit on
one side): *perception* (mark the named points; reference = their pixel positions, from the
image's surface perception task, or its semantic one when no point is named beside it),
*instruction_guided* (the sample's first interaction, when it
rendered and is not a crop: its instruction; reference = its output image and code) and
*interactive_reasoning* (the question; reference = the answer, its type and choices). Held-out
samples that leak into the train side (:mod:`pipelines.benchmark.leaks`) are dropped first, and
only images with all three tasks are kept.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from pipelines.benchmark.leaks import KINDS, find_leaks
from pipelines.split import HELDOUT_FRACTION, combination_key, split_of

TASK_TYPES = ("perception", "instruction_guided", "interactive_reasoning")
MARK = ("Write Python code that marks {subject} on the image: draw a small dot, circle or cross at each "
        "one (the image is at image_path).")
EDIT = "{instruction} Write Python code that performs this on the image (the image is at image_path)."


@dataclass
class Benchmark:
    rows: list[dict] = field(default_factory=list)
    dropped: Counter = field(default_factory=Counter)  # leak kind / missing task -> held-out samples


def sides(samples: Sequence[Mapping], seed: int, heldout_fraction: float) -> tuple[list, list]:
    """(held-out, train) samples under this split."""
    held, train = [], []
    for s in samples:
        (held if split_of(s["node_ids"], seed, heldout_fraction) == "heldout" else train).append(s)
    return held, train


def _item(kind: str, s: Mapping, seed: int, frac: float, **cols) -> dict:
    row = {
        "item_id": hashlib.sha256(f"{kind}:{s['sample_id']}:{seed}".encode()).hexdigest()[:20],
        "task_type": kind, "sample_id": s["sample_id"], "image_id": s["image_id"],
        "choices": [], "reference_image_id": None,
        "points_px": json.dumps({p["name"]: [p["x"], p["y"]] for p in s["points_px"]}),
        "width": s["width"], "height": s["height"], "combination": combination_key(s["node_ids"]),
        "split_seed": seed, "heldout_fraction": frac, "round": s["round"], "domain": s["domain"],
    }
    row.update(cols)
    return row


def build_benchmark(candidates: Sequence[Mapping], all_samples: Sequence[Mapping], perception: Sequence[Mapping],
                    phash: Mapping[str, str], seed: int = 0, heldout_fraction: float = HELDOUT_FRACTION) -> Benchmark:
    """Benchmark rows from the held-out ``candidates`` (e.g. one round's samples); the train side
    is every sample of ``all_samples`` that the split puts on it (those sharing no dedup-index key
    with a held-out candidate may be left out: pipelines.benchmark.history). ``perception`` are
    ``perception_tasks`` rows (their surface tasks give the perception references)."""
    out = Benchmark()
    held, _ = sides(candidates, seed, heldout_fraction)
    _, train = sides(all_samples, seed, heldout_fraction)
    leaks = find_leaks(held, train, phash)
    surface = {}  # image -> its surface task, else its semantic one (points named only by role)
    for t in sorted(perception, key=lambda t: (t["level"] != "surface", t["task_id"])):
        if t["level"] in ("surface", "semantic") and t["source"] == "sample":
            surface.setdefault(t["image_id"], t)
    done: set[str] = set()
    for k, s in sorted(enumerate(held), key=lambda x: (x[1]["expansion"] != "none", x[1]["sample_id"])):
        if k in leaks:
            for kind in leaks[k]:
                out.dropped[kind] += 1
            continue
        if s["image_id"] in done:
            out.dropped["image already used"] += 1
            continue
        # the first interaction only: later ones start from an already edited image
        first = s["interactions"][0] if s["interactions"] else None
        edit = first if first and first["kind"] != "crop" and first.get("image_id") else None
        task = surface.get(s["image_id"])
        if edit is None or task is None:
            out.dropped["no interaction" if edit is None else "no perception task"] += 1
            continue
        done.add(s["image_id"])
        out.rows += [
            _item("perception", s, seed, heldout_fraction, question=MARK.format(subject=task["subject"]),
                  reference=task["answer"], answer_type="points"),
            _item("instruction_guided", s, seed, heldout_fraction, question=EDIT.format(instruction=edit["instruction"]),
                  reference=json.dumps({"image_id": edit["image_id"], "code": edit["code"]}), answer_type="edit",
                  reference_image_id=edit["image_id"]),
            _item("interactive_reasoning", s, seed, heldout_fraction, question=s["question"],
                  reference=json.dumps({"answer": s["answer"]}), answer_type=s["answer_type"],
                  choices=list(s["choices"] or [])),
        ]
    return out


def leak_report(bench: Sequence[Mapping], all_samples: Sequence[Mapping], phash: Mapping[str, str]) -> tuple[bool, dict]:
    """Check the benchmark as written: no item may share an image (hash or near-duplicate
    phash), a near-duplicate question or a knowledge-point combination with the train side, and
    every item's sample must be held out under the recorded seed and fraction. ``all_samples``
    holds the items' samples and the train side (or those of it sharing an index key with an item)."""
    if not bench:
        return True, {"items": 0, **{k: 0 for k in KINDS}, "not_heldout": 0}
    settings = {(b["split_seed"], b["heldout_fraction"]) for b in bench}
    if len(settings) != 1:
        return False, {"reason": f"items were built under several split settings: {sorted(settings)}"}
    seed, frac = settings.pop()
    _, train = sides(all_samples, seed, frac)
    leaks = find_leaks(benchmark_items(bench, {s["sample_id"]: s for s in all_samples}), train, phash)
    counts = Counter(kind for kinds in leaks.values() for kind in kinds)
    not_held = sum(1 for b in bench if split_of(b["combination"].split("|"), seed, frac) != "heldout")
    details = {"items": len(bench), **{k: counts.get(k, 0) for k in KINDS}, "not_heldout": not_held,
               "train_samples": len(train), "split_seed": seed, "heldout_fraction": frac}
    if leaks:
        details["examples"] = [bench[i]["item_id"] for i in sorted(leaks)[:5]]
    return not leaks and not_held == 0, details


def benchmark_items(bench: Sequence[Mapping], samples_by_id: Mapping[str, Mapping]) -> list[dict]:
    """Benchmark rows as the leak check sees them: their images, combination, and their sample's
    question and answer (the item's question when the sample is gone)."""
    items = []
    for b in bench:
        s = samples_by_id.get(b["sample_id"], {})
        items.append({"sample_id": b["sample_id"], "image_id": b["image_id"],
                      "reference_image_id": b["reference_image_id"], "interactions": [],
                      "node_ids": b["combination"].split("|"), "question": s.get("question", b["question"]),
                      "answer": s.get("answer", ""), "round": b["round"], "domain": b["domain"]})
    return items
