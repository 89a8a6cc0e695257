"""Curation: the accepted, de-duplicated samples with everything a trainer needs.

A sample is accepted when the latest attempt of its id passed every checker dimension. Exact
duplicates (same normalised question, answer and image) keep the smallest sample id."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from pipelines.check import DIMENSIONS


@dataclass
class Curated:
    samples: list[dict] = field(default_factory=list)
    rejected: Counter = field(default_factory=Counter)  # "<dimension>: <first reason>" -> count
    duplicates: int = 0


def latest_attempts(drafts: list[dict]) -> dict[str, dict]:
    latest: dict[str, dict] = {}
    for row in drafts:
        cur = latest.get(row["sample_id"])
        if cur is None or row["attempt"] > cur["attempt"]:
            latest[row["sample_id"]] = row
    return latest


def normalise(text: str) -> str:
    return re.sub(r"\s+", " ", text.strip().lower())


def _reason_class(reason: str) -> str:
    """A short, groupable form of a verdict reason: its first problem, numbers stripped."""
    first = reason.split("; ")[0]
    return re.sub(r"'[^']*'|\d+(\.\d+)?", "_", first)[:80]


def curate(drafts: list[dict], renders: list[dict], verdicts: list[dict]) -> Curated:
    out = Curated()
    render_by = {(r["sample_id"], r["attempt"]): r for r in renders}
    verdicts_by: dict[tuple[str, int], dict[str, dict]] = {}
    for v in verdicts:
        verdicts_by.setdefault((v["sample_id"], v["attempt"]), {})[v["dimension"]] = v
    seen: set[tuple[str, str, str]] = set()
    for sid, row in sorted(latest_attempts(drafts).items()):
        key = (sid, row["attempt"])
        got = verdicts_by.get(key, {})
        failed = [d for d in DIMENSIONS if not got.get(d, {}).get("passed", False)]
        if failed:
            d = failed[0]
            out.rejected[f"{d}: {_reason_class(got[d]['reason']) if d in got else 'not checked'}"] += 1
            continue
        render = render_by[key]
        dedup_key = (normalise(row["question"]), normalise(row["answer"]), render["image_id"])
        if dedup_key in seen:
            out.duplicates += 1
            continue
        seen.add(dedup_key)
        out.samples.append({
            "sample_id": sid,
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
        })
    return out
