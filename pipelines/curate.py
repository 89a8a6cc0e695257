"""Curation: the accepted, de-duplicated samples with everything a trainer needs.

A sample is accepted when the latest attempt of its id passed every checker dimension and it
is not a duplicate. Duplicates (pipelines.dedup rule: exact = same normalised text and image;
near = text shingle Jaccard >= 0.8 with the same answer and image phash within 6 bits) are
found among this partition's passing samples together with the samples accepted in earlier
rounds; each cluster keeps an earlier round's sample if it has one, else its smallest sample id,
and every other member is recorded as a ``duplicates`` row, not accepted. Earlier rounds are
reached through the lake's ``dedup_keys`` index (:func:`dedup_against_history`), never read whole."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial

import numpy as np

from pipelines.check import DIMENSIONS, FIGURE
from pipelines.dedup import DEFAULT_HAMMING_K, find_duplicates, normalise_text, phash_to_int, shingle_hashes
from pipelines.dedup.index import figure_phashes, key_table, matches, phash_hex, probe, read_samples
from warehouse.storage import Lake

# what de-duplication reads of an earlier sample
PRIOR_COLUMNS = ["sample_id", "question", "answer", "image_id", "round", "domain"]
Dedup = Callable[[list[dict]], list[dict]]  # passing rows (PRIOR_COLUMNS) -> their duplicates rows


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
           phash: Mapping[str, str] | None = None, prior: Sequence[dict] = (), dedup: Dedup | None = None
           ) -> Curated:
    """Accepted samples of one partition, de-duplicated within it and against earlier rounds.

    ``dedup`` maps the passing rows to their ``duplicates`` rows; the pipeline passes
    :func:`dedup_against_history`. Without it they are de-duplicated in memory against ``prior``
    rows (PRIOR_COLUMNS of earlier rounds' accepted samples), ``phash`` mapping image_id ->
    perceptual hash of every image (without it images count as near only when identical)."""
    dedup = dedup or partial(duplicate_rows, prior=prior, phash=phash)
    out = Curated()
    render_by = {(r["sample_id"], r["attempt"]): r for r in renders}
    verdicts_by: dict[tuple[str, int], dict[str, dict]] = {}
    for v in verdicts:
        verdicts_by.setdefault((v["sample_id"], v["attempt"]), {})[v["dimension"]] = v
    passing: list[tuple[dict, dict]] = []
    figure: dict[str, bool | None] = {}
    for sid, row in sorted(latest_attempts(drafts).items()):
        key = (sid, row["attempt"])
        got = verdicts_by.get(key, {})
        failed = [d for d in DIMENSIONS if not got.get(d, {}).get("passed", False)]
        if failed:
            d = failed[0]
            out.rejected[f"{d}: {_reason_class(got[d]['reason']) if d in got else 'not checked'}"] += 1
            continue
        passing.append((row, render_by[key]))
        figure[sid] = _needs_figure(row, got)
    out.duplicates = dedup([{"sample_id": r["sample_id"], "question": r["question"], "answer": r["answer"],
                             "image_id": rd["image_id"], "round": r["round"], "domain": r["domain"]}
                            for r, rd in passing])
    dropped = {d["sample_id"] for d in out.duplicates}
    out.samples = [{**_sample(row, render), "needs_figure": figure[row["sample_id"]]}
                   for row, render in passing if row["sample_id"] not in dropped]
    return out


def _needs_figure(row: Mapping, verdicts: Mapping[str, dict]) -> bool | None:
    """The family's decision (drafts.needs_figure); for a model draft, its judge's text-only solve
    (the FIGURE verdict passes when that solve missed the answer); None when neither exists."""
    if row.get("needs_figure") is not None:
        return bool(row["needs_figure"])
    v = verdicts.get(FIGURE)
    return None if v is None else bool(v["passed"])


def duplicate_rows(current: Sequence[dict], prior: Sequence[dict], phash: Mapping[str, str] | None
                   ) -> list[dict]:
    """``duplicates`` rows for the members of ``current`` that duplicate another sample."""
    everything = [*current, *prior]
    hashes, k = _hashes(everything, phash)
    by_id = {r["sample_id"]: r for r in everything}
    current_ids = {r["sample_id"] for r in current}
    rows = []
    for cluster_id, members in _clusters(everything, hashes, k):
        earlier = sorted((by_id[m]["round"], m) for m in members if m not in current_ids)
        kept = earlier[0][1] if earlier else min(members)
        for m in members:
            if m in current_ids and m != kept:
                rows.append(_duplicate(by_id[m], by_id[kept], cluster_id, hashes))
    return rows


def _hashes(rows: Sequence[dict], phash: Mapping[str, str] | None) -> tuple[Mapping[str, str], int]:
    """(image_id -> phash, k) for ``rows``; without ``phash`` distinct images never match: each
    image id gets its own hash and k = 0."""
    if phash is None:
        ids = {i: n for n, i in enumerate(sorted({r["image_id"] for r in rows}))}
        return {i: f"{n:016x}" for i, n in ids.items()}, 0
    _require_phash(rows, phash)
    return phash, DEFAULT_HAMMING_K


def _require_phash(rows: Sequence[dict], phash: Mapping[str, str]) -> None:
    missing = sorted({r["image_id"] for r in rows} - set(phash))
    if missing:
        owner = next(r["sample_id"] for r in rows if r["image_id"] == missing[0])
        raise ValueError(f"sample {owner!r}: image {missing[0]!r} has no phash in the images table")


def _clusters(rows: Sequence[dict], hashes: Mapping[str, str], k: int) -> list[tuple[str, list[str]]]:
    """(cluster id, sorted member ids) of every duplicate cluster among ``rows``, by cluster id."""
    clusters: dict[str, list[str]] = {}
    for rec in find_duplicates([{**r, "phash": hashes[r["image_id"]]} for r in rows], k=k):
        if rec["cluster_size"] > 1:
            clusters.setdefault(rec["cluster_id"], []).append(rec["sample_id"])
    return sorted((c, sorted(m)) for c, m in clusters.items())


def _reached(current: Sequence[dict], prior: Sequence[dict], phash: Mapping[str, str]) -> list[dict]:
    """The ``prior`` rows that share a duplicate cluster with a ``current`` row."""
    if not prior:
        return []
    everything = [*current, *prior]
    ids = {r["sample_id"] for r in current}
    reached = {m for _, members in _clusters(everything, phash, DEFAULT_HAMMING_K) if ids & set(members)
               for m in members}
    return [r for r in prior if r["sample_id"] in reached]


def dedup_against_history(lake: Lake, rows: Sequence[dict], round: int, domain: str) -> list[dict]:
    """``duplicates`` rows of one new partition's passing ``rows`` (PRIOR_COLUMNS) against each
    other and every sample accepted in ``domain``'s earlier rounds.

    The result of :func:`duplicate_rows` over all of that history, read through the lake's
    ``dedup_keys`` index instead: the rows' band keys are joined with the index (a match must
    also have its figure within k bits, so matches are the rule's candidates), and only the
    samples matched, then those their clusters reach in turn, are read. Memory and rows read
    follow the matches, not the history."""
    phash = figure_phashes(lake, (r["image_id"] for r in rows), round, domain)
    _require_phash(rows, phash)
    prior: dict[str, dict] = {}
    frontier, expanded = list(rows), set()
    while frontier:
        expanded |= {r["sample_id"] for r in frontier}
        keys = probe(key_table(frontier, phash, kinds=["band"]), {"band": DEFAULT_HAMMING_K})
        found = matches(lake, keys, domain=domain, before_round=round)
        for r in read_samples(lake, set(found) - prior.keys(), PRIOR_COLUMNS, domain, before_round=round):
            prior[r["sample_id"]] = r
            phash[r["image_id"]] = phash_hex(found[r["sample_id"]])
        frontier = [r for r in _reached(rows, list(prior.values()), phash) if r["sample_id"] not in expanded]
    return duplicate_rows(rows, list(prior.values()), phash)


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
        "renderer": row.get("renderer") or "matplotlib",
        "round": row["round"],
        "domain": row["domain"],
    }
