"""The synthetic lake of bench/lake_scale.py: a real round's rows copied, with new ids, into the
project's own tables through ``Lake.write``.

A *template* is one real (round, domain) partition of the source: its samples, drafts, renders,
verdicts (and de-duplication index rows, where the contract has that table), sorted by sample id,
plus the images those rows reference. A synthetic partition (round r, domain d) is the template
repeated ``copies`` times: copy c renames every id ``r<src>.<src_domain>.<rest>`` to
``r<r>.<d>.<c:03d>.<rest>`` (sample_id, plan_id, parent_id alike, so lineage, expansions and
attempts stay linked), and the last copy is cut after the sample that completes the partition's
accepted-sample count. Image ids are content addresses and stay the real ones: each synthetic
partition writes the template's images once (so the images table holds the real round's images
once per round x domain, not once per sample).

The de-duplication index (``dedup_keys``, when the contract has it) is computed for the template
by the project's own ``pipelines.dedup.index.key_table``. Copies must not all carry their
template's keys (each key would collide with every copy, which real history never does), so each
history copy gets what a distinct sample would have: a random figure phash with its own
pigeonhole pieces, random 64-bit text-band and image keys, and its template's knowledge-point
combination (combinations do recur). Only the first ``PLANTED`` samples of one history partition
keep their true keys: a new partition copied from the same template finds exactly those.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from warehouse.schemas import SCHEMAS
from warehouse.storage import Lake

REPO = Path(__file__).resolve().parent.parent
SOURCE_DOMAINS = "plane_geometry,statistics_charts,graph_theory"
# the producer each copied table is written as (the stage that writes most of its rows)
PRODUCERS = {"samples": "curate", "drafts": "create", "renders": "render", "verdicts": "check", "images": "render"}
INDEX_TABLE = "dedup_keys" if "dedup_keys" in SCHEMAS else None  # the de-duplication index, if any
TABLES = {**PRODUCERS, **({INDEX_TABLE: "curate"} if INDEX_TABLE else {})}  # what the lake fills -> producer
PLANTED = 5  # samples of the probe partition's history copy that keep their true index keys
MARKER = "lake_scale.json"


def log(msg: str) -> None:
    print(f"[lake_scale {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


# ---- the source round -------------------------------------------------------------------------

def run_source_round(root: Path) -> None:
    """A small real round (3 domains x 12 plans, about a minute) into ``root``."""
    log(f"running a real round into {root} (flywheel run --round 1 --plans 12)")
    env = {**os.environ, "FLYWHEEL_DATA_ROOT": str(root), "DAGSTER_HOME": str(root / "dh")}
    (root / "dh").mkdir(parents=True, exist_ok=True)
    subprocess.run([str(REPO / ".venv/bin/flywheel"), "run", "--round", "1", "--plans", "12",
                    "--domains", SOURCE_DOMAINS], env=env, check=True, cwd=REPO,
                   stdout=subprocess.DEVNULL)


@dataclass
class Template:
    """One real partition's sample-keyed rows (sorted by sample id) and the images they show."""
    round: int
    domain: str
    rows: dict[str, pa.Table]
    images: pa.Table
    accepted: list[str]  # sorted ids of its accepted samples

    @property
    def prefix(self) -> str:
        return f"r{self.round}.{self.domain}."

    def copy(self, table: str, round: int, domain: str, index: int, upto: str | None = None,
             rng: np.random.Generator | None = None) -> pa.Table:
        """Copy number ``index`` of the template's ``table`` rows, as partition (round, domain); rows
        of samples after ``upto`` are left out; with ``rng`` index rows get a distinct sample's keys."""
        data = self.rows[table]
        if upto is not None:
            data = data.filter(pc.less_equal(data.column("sample_id"), upto))
        new_prefix = f"r{round}.{domain}.{index:03d}."
        for name in ("sample_id", "plan_id", "parent_id"):
            if name in data.column_names:
                data = _set(data, name, _renamed(data.column(name), self.prefix, new_prefix))
        if rng is not None and table == INDEX_TABLE:
            data = distinct_keys(data, rng)
        return _at(data, round, domain)


def distinct_keys(keys: pa.Table, rng: np.random.Generator) -> pa.Table:
    """``dedup_keys`` rows as a distinct sample would have them: per sample a random figure phash
    (its pigeonhole pieces as the ``phash`` keys), random ``band`` and ``image`` keys; the
    ``combination`` key is kept."""
    from pipelines.dedup.core import DEFAULT_HAMMING_K, phash_pieces

    ids = keys.column("sample_id")
    owner = pc.index_in(ids, pc.unique(ids)).to_numpy()
    figure = rng.integers(0, 2**64, size=owner.max() + 1, dtype=np.uint64)
    kind = keys.column("kind").to_numpy(zero_copy_only=False)
    key = keys.column("key").to_numpy().copy()
    random = (kind == "band") | (kind == "image")
    key[random] = rng.integers(-2**63, 2**63 - 1, size=int(random.sum()), dtype=np.int64)
    piece = kind == "phash"
    block = key[piece] % (DEFAULT_HAMMING_K + 1)  # a piece is value * (k + 1) + block
    key[piece] = phash_pieces(figure, DEFAULT_HAMMING_K)[owner[piece], block].view(np.int64)
    keys = _set(keys, "key", pa.chunked_array([pa.array(key, pa.int64())]))
    return _set(keys, "phash", pa.chunked_array([pa.array(figure.view(np.int64)[owner], pa.int64())]))


def _set(data: pa.Table, name: str, values: pa.ChunkedArray) -> pa.Table:
    i = data.schema.get_field_index(name)
    return data.set_column(i, data.schema.field(i), values)


def _renamed(ids: pa.ChunkedArray, old_prefix: str, new_prefix: str) -> pa.ChunkedArray:
    rest = pc.utf8_slice_codeunits(ids, len(old_prefix))
    return pc.binary_join_element_wise(new_prefix, rest, "")


def _at(data: pa.Table, round: int, domain: str) -> pa.Table:
    n = data.num_rows
    data = _set(data, "round", pa.chunked_array([pa.array(np.full(n, round, np.int32))]))
    return _set(data, "domain", pa.chunked_array([pa.array([domain], pa.string()).take(np.zeros(n, np.int64))]))


def load_templates(root: Path, quiet: bool = False) -> list[Template]:
    """The latest round of ``root`` as one template per domain that has accepted samples."""
    lake = Lake(root)
    samples = lake.read("samples", columns=["sample_id", "round", "domain"])
    if samples.num_rows == 0:
        raise SystemExit(f"{root}: no samples; give --source a data root with a finished round")
    rnd = pc.max(samples.column("round")).as_py()
    out = []
    for domain in sorted(set(samples.filter(pc.equal(samples.column("round"), rnd)).column("domain").to_pylist())):
        rows = {t: lake.read(t, rnd, domain).sort_by("sample_id") for t in PRODUCERS if t != "images"}
        images = _images_of(lake, rows, rnd, domain)
        if INDEX_TABLE:
            rows[INDEX_TABLE] = index_rows(rows["samples"], images).sort_by("sample_id")
        tpl = Template(rnd, domain, rows, images, sorted(rows["samples"].column("sample_id").to_pylist()))
        foreign = [i for data in rows.values() for i in data.column("sample_id").to_pylist()
                   if not i.startswith(tpl.prefix)]
        if foreign:
            raise SystemExit(f"{root}: sample id {foreign[0]!r} does not start with {tpl.prefix!r}")
        out.append(tpl)
    if not quiet:
        log(f"templates: round {rnd}, " + ", ".join(f"{t.domain} ({len(t.accepted)} samples)" for t in out))
    return out


def index_rows(samples: pa.Table, images: pa.Table) -> pa.Table:
    """The template's ``dedup_keys`` rows, by the project's own function."""
    from pipelines.dedup.index import key_table

    phash = dict(zip(images.column("image_id").to_pylist(), images.column("phash").to_pylist()))
    return key_table(samples.to_pylist(), phash)


def _images_of(lake: Lake, rows: dict[str, pa.Table], round: int, domain: str) -> pa.Table:
    """The distinct images the template's renders and samples reference."""
    ids = set(rows["renders"].column("image_id").drop_null().to_pylist())
    ids |= {i for lst in rows["renders"].column("interaction_image_ids").to_pylist() for i in lst if i}
    ids |= set(rows["samples"].column("image_id").to_pylist())
    images = lake.read("images", round=round, filter=pc.field("image_id").isin(sorted(ids)))
    first = pc.index_in(pc.unique(images.column("image_id")), images.column("image_id"))
    return images.take(first)


# ---- the synthetic lake -----------------------------------------------------------------------

@dataclass(frozen=True)
class Plan:
    """Where the synthetic samples go: ``partitions`` of ``partition_samples`` (the last one
    partial) over ``domains``, round by round from round 1."""
    samples: int
    partition_samples: int
    domains: tuple[str, ...]

    @cached_property
    def partitions(self) -> list[tuple[int, str, int]]:
        """(round, domain, samples) of every synthetic partition."""
        out, left, k = [], self.samples, 0
        while left > 0:
            n = min(left, self.partition_samples)
            out.append((k // len(self.domains) + 1, self.domains[k % len(self.domains)], n))
            left, k = left - n, k + 1
        return out

    @property
    def last_round(self) -> int:
        return self.partitions[-1][0]


def domain_names(count: int) -> tuple[str, ...]:
    """The project's own domain ids (25), then made-up ones beyond that."""
    from pipelines.creators import FAMILIES

    real = sorted({f.domain for f in FAMILIES.values()})
    return tuple(real[:count]) + tuple(f"domain_{k:02d}" for k in range(len(real), count))


def template_for(templates: list[Template], domain: str) -> Template:
    """The template a synthetic domain copies: its own real domain if the source has it."""
    by_domain = {t.domain: t for t in templates}
    if domain in by_domain:
        return by_domain[domain]
    return templates[sum(map(ord, domain)) % len(templates)]


def partition_tables(tpl: Template, round: int, domain: str, samples: int, rng: np.random.Generator,
                     planted: bool = False) -> Iterator[tuple[str, pa.Table]]:
    """(table, rows) of one synthetic partition of ``samples`` accepted samples copied from ``tpl``.
    ``planted``: the first PLANTED samples of copy 0 keep their true index keys."""
    per_copy = len(tpl.accepted)
    copies = math.ceil(samples / per_copy)
    last_upto = tpl.accepted[samples - (copies - 1) * per_copy - 1]
    for table in TABLES:
        if table == "images":
            yield table, _at(tpl.images, round, domain)
            continue
        parts = [tpl.copy(table, round, domain, c, last_upto if c == copies - 1 else None, rng)
                 for c in range(copies)]
        if planted and table == INDEX_TABLE:
            true = tpl.copy(table, round, domain, 0, upto=tpl.accepted[PLANTED - 1])
            parts[0] = pa.concat_tables([true, parts[0].slice(true.num_rows)])
        yield table, pa.concat_tables(parts)


def write_partition(lake: Lake, tpl: Template, round: int, domain: str, samples: int, seed: int,
                    planted: bool = False) -> None:
    rng = np.random.default_rng(seed)
    for table, data in partition_tables(tpl, round, domain, samples, rng, planted):
        lake.write(table, data, round=round, domain=domain, producer=TABLES[table])


def probe_partition(plan: Plan) -> tuple[int, str]:
    """The middle of history, where the queries look: the middle round's plane_geometry partition
    (its first domain when that round has none). Its index rows of copy 0's first PLANTED
    samples keep their true keys."""
    mid = max(1, plan.last_round // 2)
    domains = [d for r, d, _ in plan.partitions if r == mid]
    return mid, "plane_geometry" if "plane_geometry" in domains else domains[0]


def build(lake_root: Path, source: Path, plan: Plan, workers: int) -> dict:
    """Write every synthetic partition (``workers`` spawned processes, each its share of the
    partitions, one commit per table and partition), then compact every table (one more spawned
    process), so none of it counts in the caller's peak RSS. Returns build statistics."""
    import multiprocessing as mp

    ctx = mp.get_context("spawn")
    log(f"building {plan.samples} samples: {len(plan.partitions)} partitions x {len(TABLES)} tables "
        f"({plan.last_round} rounds x {len(plan.domains)} domains), {workers} writer processes")
    t0 = time.perf_counter()
    with ctx.Pool(workers) as pool:
        list(pool.imap_unordered(_write_share, [(str(lake_root), str(source), plan, w, workers)
                                                for w in range(workers)]))
    write_s = time.perf_counter() - t0
    with ctx.Pool(1) as pool:
        files_before = pool.apply(compact_all, (str(lake_root),))
    return {"write_s": round(write_s, 1), "compact_s": round(time.perf_counter() - t0 - write_s, 1),
            "commits": len(plan.partitions) * len(TABLES), "files_before_compaction": files_before}


def compact_all(root: str) -> int:
    """``Lake.compact(table, vacuum_hours=0)`` of every table; returns the files before."""
    lake = Lake(root)
    before = 0
    for table in TABLES:
        n = len(lake.files(table))
        log(f"compacting {table} ({n} files)")
        lake.compact(table, vacuum_hours=0)
        before += n
    return before


def _write_share(args: tuple[str, str, Plan, int, int]) -> None:
    """Worker ``w`` of ``workers``: partitions w, w + workers, ... (so both write every table)."""
    root, source, plan, w, workers = args
    templates = load_templates(Path(source), quiet=w > 0)
    lake = Lake(root)
    planted = probe_partition(plan)
    parts = plan.partitions
    t0 = time.perf_counter()
    for k in range(w, len(parts), workers):
        round, domain, n = parts[k]
        write_partition(lake, template_for(templates, domain), round, domain, n, seed=k,
                        planted=(round, domain) == planted)
        if w == 0 and k % (25 * workers) == 0:
            log(f"written about {k + 1}/{len(parts)} partitions ({time.perf_counter() - t0:.0f} s)")


# ---- the cache marker ---------------------------------------------------------------------------

def marker_matches(lake_root: Path, plan: Plan) -> dict | None:
    """The marker of a lake fully built with this plan, else None."""
    path = lake_root / MARKER
    if not path.exists():
        return None
    marker = json.loads(path.read_text())
    same = marker["plan"] == _plan_json(plan) and marker["tables"] == list(TABLES)
    return marker if same and marker["build"] else None


def write_marker(lake_root: Path, plan: Plan, source: Path, stats: dict | None) -> dict:
    """Mark ``lake_root`` as this script's lake of ``plan`` (``stats`` None: still being built)."""
    marker = {"plan": _plan_json(plan), "tables": list(TABLES), "source": str(source), "build": stats}
    (lake_root / MARKER).write_text(json.dumps(marker, indent=1))
    return marker


def _plan_json(plan: Plan) -> dict:
    return {"samples": plan.samples, "partition_samples": plan.partition_samples, "domains": list(plan.domains)}
