"""Curation: the accepted, de-duplicated samples with everything a trainer needs.

A sample is accepted when the latest attempt of its id passed every checker dimension and it
is not a duplicate. Duplicates (pipelines.dedup rule: exact = same normalised text and image;
near = text shingle Jaccard >= 0.8 with the same answer and image phash within 6 bits) are
found among this partition's passing samples together with the samples accepted in earlier
rounds (``prior``); each cluster keeps an earlier round's sample if it has one, else its smallest
sample id, and every other member is recorded as a ``duplicates`` row, not accepted."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from pipelines.check import DIMENSIONS
from pipelines.dedup import find_duplicates, normalise_text, phash_to_int, shingle_hashes
from warehouse.storage import Lake


@dataclass
class Curated:
    samples: list[dict] = field(default_factory=list)
    rejected: Counter = field(default_factory=Counter)  # "<dimension>: <first reason>" -> count
    duplicates: list[dict] = field(default_factory=list)  # rows of the ``duplicates`` table

    def duplicate_counts(self) -> dict[str, int]:
        """Removed duplicates by kind (exact, near_text, near_image)."""
        return dict(Counter(d["kind"] for d in self.duplicates))


def latest_attempts(drafts: list[dict]) -> dict[str, dict]:
    latest: dict[str, dict] = {}
    for row in drafts:
        cur = latest.get(row["sample_id"])
        if cur is None or row["attempt"] > cur["attempt"]:
            latest[row["sample_id"]] = row
    return latest


def _reason_class(reason: str) -> str:
    """A short, groupable form of a verdict reason: its first problem, numbers stripped."""
    first = reason.split("; ")[0]
    return re.sub(r"'[^']*'|\d+(\.\d+)?", "_", first)[:80]


def curate(drafts: list[dict], renders: list[dict], verdicts: list[dict],
           phash: Mapping[str, str] | None = None, prior: Sequence[dict] = ()) -> Curated:
    """Accepted samples of one partition, de-duplicated within it and against ``prior``.

    ``phash`` maps image_id -> perceptual hash of every rendered image; without it images count
    as near only when identical. ``prior`` rows (sample_id, question, answer, image_id, round)
    are earlier rounds' accepted samples of the domain."""
    out = Curated()
    render_by = {(r["sample_id"], r["attempt"]): r for r in renders}
    verdicts_by: dict[tuple[str, int], dict[str, dict]] = {}
    for v in verdicts:
        verdicts_by.setdefault((v["sample_id"], v["attempt"]), {})[v["dimension"]] = v
    passing: list[tuple[dict, dict]] = []
    for sid, row in sorted(latest_attempts(drafts).items()):
        key = (sid, row["attempt"])
        got = verdicts_by.get(key, {})
        failed = [d for d in DIMENSIONS if not got.get(d, {}).get("passed", False)]
        if failed:
            d = failed[0]
            out.rejected[f"{d}: {_reason_class(got[d]['reason']) if d in got else 'not checked'}"] += 1
            continue
        passing.append((row, render_by[key]))
    out.duplicates = duplicate_rows([{"sample_id": r["sample_id"], "question": r["question"], "answer": r["answer"],
                                      "image_id": rd["image_id"], "round": r["round"], "domain": r["domain"]}
                                     for r, rd in passing], prior, phash)
    dropped = {d["sample_id"] for d in out.duplicates}
    out.samples = [_sample(row, render) for row, render in passing if row["sample_id"] not in dropped]
    return out


def duplicate_rows(current: Sequence[dict], prior: Sequence[dict], phash: Mapping[str, str] | None
                   ) -> list[dict]:
    """``duplicates`` rows for the members of ``current`` that duplicate another sample."""
    everything = [*current, *prior]
    if phash is None:  # distinct images never match: each image id gets its own hash, k = 0
        ids = {i: n for n, i in enumerate(sorted({r["image_id"] for r in everything}))}
        hashes, k = {i: f"{n:016x}" for i, n in ids.items()}, 0
    else:
        missing = sorted({r["image_id"] for r in everything} - set(phash))
        if missing:
            owner = next(r["sample_id"] for r in everything if r["image_id"] == missing[0])
            raise ValueError(f"sample {owner!r}: image {missing[0]!r} has no phash in the images table")
        hashes, k = phash, 6
    clusters: dict[str, list[dict]] = {}
    for rec in find_duplicates([{**r, "phash": hashes[r["image_id"]]} for r in everything], k=k):
        if rec["cluster_size"] > 1:
            clusters.setdefault(rec["cluster_id"], []).append(rec["sample_id"])
    by_id = {r["sample_id"]: r for r in everything}
    current_ids = {r["sample_id"] for r in current}
    rows = []
    for cluster_id, members in sorted(clusters.items()):
        earlier = sorted((by_id[m]["round"], m) for m in members if m not in current_ids)
        kept = earlier[0][1] if earlier else min(members)
        for m in sorted(members):
            if m in current_ids and m != kept:
                rows.append(_duplicate(by_id[m], by_id[kept], cluster_id, hashes))
    return rows


def _duplicate(dup: dict, kept: dict, cluster_id: str, hashes: Mapping[str, str]) -> dict:
    """One ``duplicates`` row: how ``dup`` relates to the sample kept in its place."""
    a, b = normalise_text(dup["question"], dup["answer"]), normalise_text(kept["question"], kept["answer"])
    sh, starts = shingle_hashes([a, b])
    sa, sb = set(sh[:starts[1]].tolist()), set(sh[starts[1]:].tolist())
    jaccard = len(sa & sb) / len(sa | sb)
    hamming = int(np.bitwise_count(np.uint64(phash_to_int(hashes[dup["image_id"]]) ^
                                             phash_to_int(hashes[kept["image_id"]]))))
    same_image = dup["image_id"] == kept["image_id"]
    kind = "exact" if a == b and same_image else "near_image" if a == b else "near_text"
    similarity = 1.0 if kind == "exact" else 1 - hamming / 64 if kind == "near_image" else jaccard
    return {"sample_id": dup["sample_id"], "cluster_id": cluster_id, "kind": kind, "kept_id": kept["sample_id"],
            "similarity": similarity, "text_jaccard": jaccard, "hamming": 0 if same_image else hamming,
            "round": dup["round"], "domain": dup["domain"]}


def _sample(row: dict, render: dict) -> dict:
    return {
        "sample_id": row["sample_id"],
        "attempt": row["attempt"],
        "plan_id": row["plan_id"],
        "parent_id": row["parent_id"],
        "expansion": row["expansion"],
        "creator": row["creator"],
        "family": row["family"],
        "variant": row["variant"],
        "node_ids": row["node_ids"],
        "difficulty": row["difficulty"],
        "question": row["question"],
        "answer": row["answer"],
        "answer_type": row["answer_type"],
        "choices": row["choices"],
        "solution": row["solution"],
        "image_id": render["image_id"],
        "width": render["width"],
        "height": render["height"],
        "interactions": [
            {**inter, "image_id": img}
            for inter, img in zip(row["interactions"], render["interaction_image_ids"])
        ],
        "points_px": render["points_px"],
        "render_code": row["render_code"],
        "round": row["round"],
        "domain": row["domain"],
    }


def dedup_context(lake: Lake, round: int, domain: str) -> tuple[dict[str, str], list[dict]]:
    """(image_id -> phash of the domain's images up to ``round``, accepted samples of earlier rounds)."""
    images = lake.read("images", domain=domain, columns=["image_id", "phash", "round"]).to_pylist()
    phash = {r["image_id"]: r["phash"] for r in images if r["round"] <= round}
    cols = ["sample_id", "question", "answer", "image_id", "round", "domain"]
    prior = [r for r in lake.read("samples", domain=domain, columns=cols).to_pylist() if r["round"] < round]
    return phash, prior
