"""Lake maintenance: compaction, a health check that names unreadable files, their repair, and
the migration of a lake written by an earlier version (one Parquet file per stage, no Delta log).

A damaged file breaks only the queries of its own table; ``check`` names it with the partitions
it held (from the Delta log's statistics), ``repair`` moves it to ``<root>/quarantine/`` and
removes it from the table so those partitions can be rerun."""

from __future__ import annotations

import shutil
import time
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.fs as pafs
import pyarrow.parquet as pq

from warehouse.schemas import TABLES
from warehouse.storage import PRODUCER, Lake, LakeError

COMPACT_ABOVE_FILES = 32  # a table with more active files than this is compacted after a round


@dataclass
class BadFile:
    table: str
    path: str
    error: str
    held: str  # what the file held, from its statistics: "round=1 domain=x producer=y" (or ranges)


def compact(lake: Lake, tables: list[str] | None = None, min_files: int = 2, vacuum_hours: float = 168.0
            ) -> list[dict]:
    """Compact each table with at least ``min_files`` active files; one report dict per table."""
    out = []
    for table in tables or TABLES:
        if len(lake.files(table)) >= min_files:
            t0 = time.perf_counter()
            out.append({**lake.compact(table, vacuum_hours=vacuum_hours), "seconds": time.perf_counter() - t0})
    return out


def _held(actions: pa.Table, i: int) -> str:
    def span(col: str) -> str:
        lo, hi = (actions.column(f"{m}.{col}")[i].as_py() if f"{m}.{col}" in actions.column_names else None
                  for m in ("min", "max"))
        return f"{col}={lo}" if lo == hi else f"{col}={lo}..{hi}"

    return " ".join(span(c) for c in ("round", "domain", PRODUCER))


def check(lake: Lake, tables: list[str] | None = None) -> list[BadFile]:
    """Every active file of every table whose footer cannot be read (missing, truncated, foreign)."""
    bad = []
    for table in tables or TABLES:
        dt = lake._open(table)
        if dt is None:
            continue
        actions = pa.table(dt.get_add_actions(flatten=True))
        base = lake.table_uri(table)
        fs, folder = (None, base) if lake.is_local else pafs.FileSystem.from_uri(base)  # s3://: pyarrow's client
        for i, rel in enumerate(actions.column("path").to_pylist()):
            try:
                pq.read_metadata(f"{folder}/{rel}", filesystem=fs)
            except (OSError, pa.ArrowException) as err:
                bad.append(BadFile(table, f"{base}/{rel}", str(err).splitlines()[0], _held(actions, i)))
    return bad


def repair(lake: Lake, bad: list[BadFile]) -> list[BadFile]:
    """Move ``bad`` files to ``<root>/quarantine/<table>/`` and drop them from their tables (Delta
    FSCK). Their rows are gone: rerun the partitions they held."""
    from deltalake import DeltaTable

    if not lake.is_local:
        raise LakeError(f"`flywheel lake repair` moves files on a local root only; on {lake.root} move the files "
                        "`flywheel lake check` named out of the table's folder with your object-store client, then "
                        "drop them from the Delta log with deltalake's DeltaTable(<table uri>).repair()")
    for b in bad:
        target = Path(lake.root) / "quarantine" / b.table / Path(b.path).name
        target.parent.mkdir(parents=True, exist_ok=True)
        if Path(b.path).exists():
            shutil.move(b.path, target)
    for table in sorted({b.table for b in bad}):
        DeltaTable(lake.table_uri(table)).repair(dry_run=False)
    return bad


def migrate(lake: Lake) -> dict[str, int]:
    """Rewrite every table of the earlier layout (``<table>/round=R/domain=D/<producer>.parquet``)
    as a Delta table, one commit per producer file; the old folder is removed only afterwards."""
    moved = {}
    for table in TABLES:
        folder = Path(lake.table_uri(table))
        if (folder / "_delta_log").exists() or not folder.exists():
            continue
        files = sorted(folder.glob("round=*/domain=*/*.parquet"))
        if not files:
            continue
        legacy = folder.with_name(f".legacy-{table}")
        if legacy.exists():
            raise FileExistsError(f"{legacy} exists: an earlier migration stopped half-way; move it back to "
                                  f"{folder} (if {folder} has no _delta_log) or remove it")
        folder.rename(legacy)
        rows = 0
        for f in sorted(legacy.glob("round=*/domain=*/*.parquet")):
            round = int(f.parent.parent.name.removeprefix("round="))
            domain = f.parent.name.removeprefix("domain=")
            data = pq.read_table(f)
            lake.write(table, data, round=round, domain=domain, producer=f.stem)
            rows += data.num_rows
        shutil.rmtree(legacy)
        moved[table] = rows
    return moved
