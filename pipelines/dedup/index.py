"""The de-duplication index in the lake: ``dedup_keys`` rows per accepted sample, and the samples
that share a key with new rows, found by one semi-join of the index's files with the new rows'
keys. History is scanned, never loaded: memory follows the matches and a few row
groups, not the size of the lake.

Kinds of key (warehouse.schemas ``dedup_keys``), each a necessary condition of one rule:
* ``band``: the answer-mixed MinHash LSH bands of the normalised question + answer
  (:func:`pipelines.dedup.text_keys`), the buckets :func:`find_duplicates` takes near-text
  candidates from;
* ``phash``: the k+1 pigeonhole pieces of the figure's phash (two hashes within k bits share one);
* ``image``: the figure's, every interaction image's and a reference image's id;
* ``combination``: the knowledge-point combination (pipelines.split).
Every row also holds its figure's phash, so a join can demand image nearness on the spot.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from pipelines.dedup.core import DEFAULT_HAMMING_K, equal_in_sorted, phash_pieces, phash_to_int, text_keys
from pipelines.split import combination_key
from warehouse.schemas import schema
from warehouse.storage import Lake

KINDS = ("band", "phash", "image", "combination")
ANY_DISTANCE = 64  # a probe row's max_hamming that admits every figure


def id_key(text: str) -> int:
    """A signed 64-bit key of a string (an image id, a combination key)."""
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "little", signed=True)


def image_ids_of(sample: Mapping) -> set[str]:
    """The figure, every interaction image and the reference image of a sample or benchmark item."""
    ids = {sample["image_id"], sample.get("reference_image_id")}
    ids |= {i.get("image_id") for i in sample.get("interactions") or []}
    return {i for i in ids if i}


def key_table(samples: Sequence[Mapping], phash: Mapping[str, str], kinds: Sequence[str] = KINDS,
              k: int = DEFAULT_HAMMING_K) -> pa.Table:
    """The ``dedup_keys`` rows (of ``kinds``) of ``samples``: rows with sample_id, question,
    answer, image_id, round, domain, node_ids for ``combination``, interactions when present;
    ``phash`` maps each figure's image id to its phash."""
    if not samples:
        return schema("dedup_keys").empty_table()
    figure = np.array([phash_to_int(phash[s["image_id"]]) for s in samples], dtype=np.uint64)
    blocks = {}
    if "band" in kinds:
        blocks["band"] = text_keys([s["question"] for s in samples], [s["answer"] for s in samples])
    if "phash" in kinds:
        blocks["phash"] = phash_pieces(figure, k)
    owner, names, keys = [], [], []
    for kind, block in blocks.items():
        owner.append(np.repeat(np.arange(len(samples)), block.shape[1]))
        names += [kind] * block.size
        keys.append(block.view(np.int64).ravel())
    for i, s in enumerate(samples):
        named = [*(("image", x) for x in sorted(image_ids_of(s)) if "image" in kinds),
                 *([("combination", combination_key(s["node_ids"]))] if "combination" in kinds else [])]
        owner.append(np.full(len(named), i, dtype=np.int64))
        names += [kind for kind, _ in named]
        keys.append(np.array([id_key(v) for _, v in named], dtype=np.int64))
    at = pa.array(np.concatenate(owner))

    def column(name: str) -> pa.Array:
        return pa.array([s[name] for s in samples]).take(at)

    return pa.table({"key": np.concatenate(keys), "kind": pa.array(names, pa.string()),
                     "sample_id": column("sample_id"), "phash": figure.view(np.int64)[at.to_numpy()],
                     "round": column("round"), "domain": column("domain")},
                    schema=schema("dedup_keys"))


def probe(keys: pa.Table, max_hamming: Mapping[str, int]) -> pa.Table:
    """The rows of ``keys`` of the kinds named in ``max_hamming``, each with the figure distance
    (phash bits) a match may have: what :func:`matches` looks up."""
    rows = keys.filter(pc.field("kind").isin(list(max_hamming)))
    limit = pa.array([max_hamming[kind] for kind in rows.column("kind").to_pylist()], pa.int32())
    return rows.select(["kind", "key", "sample_id", "phash"]).append_column("max_hamming", limit)


def matches(lake: Lake, probe: pa.Table, domain: str | None = None, before_round: int | None = None
            ) -> dict[str, int]:
    """sample_id -> figure phash (signed) of the indexed samples that share a (kind, key) with a
    ``probe`` row, with a figure within its max_hamming, other than the probe row's own sample;
    only ``domain``'s and rounds before ``before_round`` when given. A combination key yields
    one sample (the smallest id): a split puts every sample of a combination on one side.

    DuckDB's Parquet reader semi-joins the index's current files with the probe's keys (a
    parallel scan of the key column; 10x faster than filtering an Arrow scan of 28M rows), and
    the few candidate rows are matched with the probe and cut to their near figures here."""
    scan = lake.parquet_scan("dedup_keys")
    if scan is None or probe.num_rows == 0:
        return {}
    where, params = ["key IN (SELECT key FROM probe_keys)", "kind IN (SELECT kind FROM probe_kinds)"], []
    if domain is not None:
        where.append("domain = ?")
        params.append(domain)
    if before_round is not None:
        where.append("round < ?")
        params.append(before_round)
    with lake.duckdb() as con:
        con.register("probe_keys", pa.table({"key": probe.column("key").unique()}))
        con.register("probe_kinds", pa.table({"kind": probe.column("kind").unique()}))
        reader = con.sql(f"SELECT kind, key, sample_id, phash FROM {scan} WHERE {' AND '.join(where)}",
                         params=params).to_arrow_reader()
        probe = probe.sort_by("key")
        found: dict[str, int] = {}
        first: dict[int, tuple[str, int]] = {}  # combination key -> its smallest sample
        for batch in reader:
            near = _near(batch, probe)
            for kind, key, sample_id, phash in zip(*(near.column(c).to_pylist() for c in near.column_names)):
                if kind != "combination":
                    found[sample_id] = phash
                elif key not in first or sample_id < first[key][0]:
                    first[key] = (sample_id, phash)
    return found | dict(first.values())


def _near(batch: pa.RecordBatch, probe: pa.Table) -> pa.RecordBatch:
    """The rows of ``batch`` that match a row of ``probe`` (sorted by key): the same kind and
    key, another sample, a figure within the probe row's max_hamming bits."""
    row, at = equal_in_sorted(probe.column("key").to_numpy(), batch.column("key").to_numpy())
    xor = batch.column("phash").to_numpy()[row] ^ probe.column("phash").to_numpy()[at]
    keep = np.bitwise_count(xor.view(np.uint64)) <= probe.column("max_hamming").to_numpy()[at]  # bits, not |value|
    for col, other in (("kind", pc.equal), ("sample_id", pc.not_equal)):
        keep &= other(batch.column(col).take(row), probe.column(col).take(at)).to_numpy(zero_copy_only=False)
    return batch.take(np.unique(row[keep]))


def figure_phashes(lake: Lake, image_ids: Iterable[str], round: int | None = None, domain: str | None = None
                   ) -> dict[str, str]:
    """image_id -> phash of those of ``image_ids`` in the images table: the (round, domain)
    partition is read first, the rest of the table (``domain``'s, when given) only for ids not
    found there (a sample may reuse an earlier round's figure; ids are content hashes)."""
    want = sorted(set(image_ids))
    found: dict[str, str] = {}
    for part in ({"round": round, "domain": domain}, *([{"domain": domain}] if round is not None else [])):
        missing = [i for i in want if i not in found]
        if missing:
            got = lake.read("images", **part, columns=["image_id", "phash"], filter=pc.field("image_id").isin(missing))
            found.update(zip(got.column("image_id").to_pylist(), got.column("phash").to_pylist()))
    return found


def read_samples(lake: Lake, sample_ids: Iterable[str], columns: list[str], domain: str | None = None,
                 before_round: int | None = None) -> list[dict]:
    """The ``samples`` rows of ``sample_ids`` (files pruned by their sample-id ranges)."""
    ids = sorted(set(sample_ids))
    if not ids:
        return []
    where = pc.field("sample_id").isin(ids)
    if before_round is not None:
        where = where & (pc.field("round") < before_round)
    return lake.read("samples", domain=domain, columns=columns, filter=where).to_pylist()


def phash_hex(signed: int) -> str:
    """The index's signed phash as the images table writes it (16 hex digits)."""
    return f"{signed & 0xFFFFFFFFFFFFFFFF:016x}"


def index_keys(lake: Lake, samples: Sequence[dict], round: int, domain: str) -> pa.Table:
    """The ``dedup_keys`` rows of one partition's accepted ``samples``, written beside them so
    later rounds find them."""
    return key_table(samples, figure_phashes(lake, (s["image_id"] for s in samples), round, domain))


def index_history(lake: Lake, producer: str = "curate") -> list[tuple[int, str]]:
    """Write the ``dedup_keys`` of every ``samples`` partition that has none (a lake from before
    the index), one partition at a time; returns the (round, domain) partitions indexed."""
    def partitions(table: str) -> set[tuple[int, str]]:
        scan = lake.parquet_scan(table)
        if scan is None:
            return set()
        with lake.duckdb() as con:
            return set(con.execute(f"SELECT DISTINCT round, domain FROM {scan}").fetchall())

    todo = sorted(partitions("samples") - partitions("dedup_keys"))
    for round, domain in todo:
        lake.write("dedup_keys", index_keys(lake, lake.rows("samples", round, domain), round, domain),
                   round=round, domain=domain, producer=producer)
    return todo
