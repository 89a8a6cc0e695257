"""The benchmark and its leak check against a lake's whole history, without reading it.

Only the round's samples (or the benchmark's own) are read as rows. The train side is reached
through the dedup index (pipelines.dedup.index): a held-out row can only leak into a sample it
shares a key with (pipelines.benchmark.leaks), so those samples stand for every sample in
:func:`build_benchmark` and :func:`leak_report`, and the result is the same."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import pyarrow as pa

from pipelines.benchmark.build import Benchmark, benchmark_items, build_benchmark, leak_report, sides
from pipelines.benchmark.leaks import near_question_pairs
from pipelines.dedup import DEFAULT_HAMMING_K
from pipelines.dedup.index import (
    ANY_DISTANCE, figure_phashes, key_table, matches, phash_hex, probe, read_samples,
)
from pipelines.split import HELDOUT_FRACTION, split_of
from warehouse.storage import Lake

# what the leak check reads of a sample
SUSPECT_COLUMNS = ["sample_id", "node_ids", "image_id", "interactions", "question", "answer", "round", "domain"]
# the kinds of key that name few samples: the same image, a near figure, the same combination
SHARED = {"image": ANY_DISTANCE, "phash": DEFAULT_HAMMING_K, "combination": ANY_DISTANCE}


def suspects(lake: Lake, rows: Sequence[Mapping], phash: Mapping[str, str]) -> tuple[list[dict], dict[str, str]]:
    """(the samples of any round and domain that may leak into one of ``rows``, held-out samples
    or benchmark items; image_id -> phash of their figures): those sharing an image, a near
    figure or the combination, and those sharing a text band that the near-question rule pairs
    with one of ``rows``."""
    keys = key_table(rows, phash)
    shared = matches(lake, probe(keys, SHARED))
    banded = matches(lake, probe(keys, {"band": ANY_DISTANCE}))
    out = read_samples(lake, shared, SUSPECT_COLUMNS) + near_questions(lake, rows, banded.keys() - shared.keys())
    return out, {r["image_id"]: phash_hex({**banded, **shared}[r["sample_id"]]) for r in out}


def near_questions(lake: Lake, rows: Sequence[Mapping], sample_ids: Iterable[str]) -> list[dict]:
    """The samples of ``sample_ids`` that the near-question rule pairs with one of ``rows``: their
    texts stream through one scan, and only the near ones are read whole (a templated question
    shares a band with many samples, few of them near)."""
    scan, ids = lake.parquet_scan("samples"), sorted(sample_ids)
    if scan is None or not ids:
        return []
    near = []
    with lake.duckdb() as con:
        con.register("wanted", pa.table({"sample_id": ids}))
        texts = con.sql(f"SELECT sample_id, question, answer FROM {scan} "
                        "WHERE sample_id IN (SELECT sample_id FROM wanted)").to_arrow_reader()
        for batch in texts:
            part = batch.to_pylist()
            near += [part[b]["sample_id"] for b in sorted({b for _, b in near_question_pairs(rows, part)})]
    return read_samples(lake, near, SUSPECT_COLUMNS)


def build_from_lake(lake: Lake, candidates: Sequence[Mapping], perception: Sequence[Mapping], seed: int = 0,
                    heldout_fraction: float = HELDOUT_FRACTION) -> Benchmark:
    """:func:`build_benchmark` of ``candidates`` (one round's samples) against every sample in the lake."""
    held, _ = sides(candidates, seed, heldout_fraction)
    phash = figure_phashes(lake, (s["image_id"] for s in held), round=_round_of(held))
    train, train_phash = suspects(lake, held, phash)
    return build_benchmark(candidates, train, perception, {**phash, **train_phash}, seed, heldout_fraction)


def leak_report_from_lake(lake: Lake, bench: Sequence[Mapping]) -> tuple[bool, dict]:
    """:func:`leak_report` of the benchmark rows as written, against every sample in the lake;
    ``train_samples`` counts the whole train side (by combination, in SQL)."""
    own = read_samples(lake, {b["sample_id"] for b in bench}, SUSPECT_COLUMNS)
    items = benchmark_items(bench, {s["sample_id"]: s for s in own})
    phash = figure_phashes(lake, (i["image_id"] for i in items), round=_round_of(items))
    train, train_phash = suspects(lake, items, phash)
    everything = {s["sample_id"]: s for s in [*own, *train]}
    ok, details = leak_report(bench, list(everything.values()), {**phash, **train_phash})
    if "train_samples" in details:
        details["train_samples"] = train_side_size(lake, details["split_seed"], details["heldout_fraction"])
    return ok, details


def train_side_size(lake: Lake, seed: int, heldout_fraction: float) -> int:
    """The number of samples the split puts on the train side: counted per knowledge-point
    combination by DuckDB, the split decided once per combination."""
    scan = lake.parquet_scan("samples")
    if scan is None:
        return 0
    with lake.duckdb() as con:
        groups = con.execute(f"SELECT list_sort(list_distinct(node_ids)) AS nodes, count(*) FROM {scan} "
                             "GROUP BY nodes").fetchall()
    return sum(n for nodes, n in groups if split_of(nodes, seed, heldout_fraction) == "train")


def _round_of(rows: Sequence[Mapping]) -> int | None:
    """The round all ``rows`` belong to (their images are read from it first), else None."""
    rounds = {r["round"] for r in rows}
    return rounds.pop() if len(rounds) == 1 else None
