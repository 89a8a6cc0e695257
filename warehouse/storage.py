"""The lake: one Delta Lake table per contract table under one data root.

Layout: ``<root>/tables/<table>/`` is a Delta table (``_delta_log/`` + Parquet files). Every row
carries the hidden ``producer`` column naming the stage that wrote it; a stage's write is one
Delta commit that replaces exactly the rows of (round, domain, producer) and nothing else, so
readers see the old rows or the new ones, never a mix, and a crash leaves no partial table.
Reads prune by the per-file statistics in the Delta log, so their cost depends on the partition
read, not on the history (docs/lakehouse.md has the design and the measurements).

The root is ``$FLYWHEEL_DATA_ROOT`` or ``<repo>/data``, or an object store URL such as
``s3://bucket/prefix``: endpoint, keys and region then come from the standard AWS variables
(``AWS_ENDPOINT_URL``, ``AWS_ACCESS_KEY_ID``, ...), which delta-rs, pyarrow and s3fs all read.
"""

from __future__ import annotations

import os
import random
import time
import uuid
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as pads

from warehouse.schemas import schema

ENV_ROOT = "FLYWHEEL_DATA_ROOT"
REPO_ROOT = Path(__file__).resolve().parent.parent
PRODUCER = "producer"  # hidden column: the stage that wrote the row
COMMIT_RETRIES = 20  # concurrent writers of one table retry a conflicting commit
# set when a table is created: a checkpoint every 50 commits keeps an open to one Parquet
# checkpoint plus at most 49 JSON commits (a partition makes about 26 commits)
TABLE_PROPERTIES = {"delta.checkpointInterval": "50"}


@contextmanager
def atomic_path(target: str | os.PathLike) -> Iterator[str]:
    """A temporary path beside ``target`` (hidden, same folder so the rename is atomic) that is
    renamed over ``target`` when the block exits cleanly and removed otherwise."""
    folder, name = os.path.split(os.fspath(target))
    tmp = os.path.join(folder, f".{name}.{uuid.uuid4().hex}.tmp")
    try:
        yield tmp
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


class SchemaError(ValueError):
    """Rows that do not fit a table's contract; the message names table, row and field."""


class LakeError(RuntimeError):
    """A lake that cannot be read as it is; the message names the path and the command that mends it."""


def data_root() -> str:
    """The configured data root (env var, else the repo's gitignored ``data/`` folder)."""
    return os.environ.get(ENV_ROOT) or str(REPO_ROOT / "data")


def object_store(root: str):
    """An fsspec file system for an object-store root (DuckDB here has no httpfs: ``Lake.duckdb``
    registers this one to read ``s3://`` files), None for a local root."""
    scheme = root.split("://", 1)[0] if "://" in root else "file"
    if scheme == "file":
        return None
    import fsspec

    try:
        return fsspec.filesystem(scheme)
    except (ImportError, ValueError) as err:
        raise LakeError(f"data root {root}: no file system for {scheme}:// ({err}); "
                        "s3:// needs s3fs (the ray extra: pip install '.[ray]')") from err


def to_arrow(table: str, rows: Iterable[Mapping]) -> pa.Table:
    """Validate plain-dict rows against ``table``'s schema and build an Arrow table."""
    sch = schema(table)
    names = set(sch.names)
    rows = list(rows)
    for i, row in enumerate(rows):
        keys = set(row)
        if keys != names:
            missing, extra = sorted(names - keys), sorted(keys - names)
            raise SchemaError(f"{table}: row {i}: missing fields {missing}, unknown fields {extra}")
    try:
        data = pa.Table.from_pylist(rows, schema=sch)
    except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, ValueError, OverflowError) as err:
        _raise_first_bad_field(table, sch, rows, err)
        raise
    check_nulls(table, data)
    return data


def check_nulls(table: str, data: pa.Table) -> None:
    """Arrow does not enforce nullability itself; name the first null of a non-null field."""
    for f in schema(table):
        if not f.nullable and data.column(f.name).null_count:
            i = data.column(f.name).is_null().to_pylist().index(True)
            raise SchemaError(f"{table}: row {i} field {f.name!r}: null in a non-null field")


def _raise_first_bad_field(table: str, sch: pa.Schema, rows: list[Mapping], err: Exception) -> None:
    for i, row in enumerate(rows):
        for f in sch:
            try:
                pa.array([row[f.name]], type=f.type)
            except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, ValueError, OverflowError) as e:
                raise SchemaError(f"{table}: row {i} field {f.name!r}: {e}") from err
    raise SchemaError(f"{table}: {err}") from err


def sql_literal(value: str | int) -> str:
    return str(int(value)) if isinstance(value, int) else "'" + str(value).replace("'", "''") + "'"


def partition_predicate(round: int | None = None, domain: str | None = None, producer: str | None = None) -> str:
    """The SQL predicate (Delta and DuckDB dialect) selecting one partition's rows."""
    parts = [f"{k} = {sql_literal(v)}" for k, v in (("round", round), ("domain", domain), (PRODUCER, producer))
             if v is not None]
    return " AND ".join(parts) or "true"


def partition_filter(round: int | None = None, domain: str | None = None, producer: str | None = None
                     ) -> pc.Expression | None:
    """The same selection as an Arrow expression (pruned by the Delta log's file statistics)."""
    out = None
    for k, v in (("round", round), ("domain", domain), (PRODUCER, producer)):
        if v is not None:
            term = pc.field(k) == v
            out = term if out is None else out & term
    return out


GUARDED = ("round", "domain", PRODUCER)  # plus each table's key (first column)


def delta_dataset(dt, table: str) -> pads.Dataset:
    """An Arrow dataset over the active files of ``dt``, each guarded by its min/max statistics
    from the Delta log, so a filter on round, domain, producer or the key skips files unopened.

    Built here on pyarrow's own file system rather than with ``DeltaTable.to_pyarrow_dataset``:
    pyarrow threads calling back into delta-rs's file handler abort the interpreter at exit now
    and then (delta-rs#2184, polars#24169)."""
    import pyarrow.fs as pafs

    sch = schema(table).append(pa.field(PRODUCER, pa.string(), nullable=False))
    actions = pa.table(dt.get_add_actions(flatten=True))
    guarded = [c for c in (sch.names[0], *GUARDED) if f"min.{c}" in actions.column_names]
    stats = {c: (actions.column(f"min.{c}").to_pylist(), actions.column(f"max.{c}").to_pylist(),
                 actions.column(f"null_count.{c}").to_pylist()) for c in guarded}
    base = dt.table_uri.removeprefix("file://").rstrip("/")
    fmt = pads.ParquetFileFormat()
    if "://" in base:  # an object store: pyarrow's own client (endpoint, keys, region from AWS_* variables)
        fs, base = pafs.FileSystem.from_uri(base)
    else:
        fs = pafs.LocalFileSystem()
    fragments = []
    for i, path in enumerate(actions.column("path").to_pylist()):
        guard = pc.scalar(True)
        for c, (lo, hi, nulls) in stats.items():
            if lo[i] is not None and hi[i] is not None and not nulls[i]:
                guard = guard & (pc.field(c) >= lo[i]) & (pc.field(c) <= hi[i])
        fragments.append(fmt.make_fragment(f"{base}/{path}", filesystem=fs, partition_expression=guard))
    return pads.FileSystemDataset(fragments, sch, fmt, fs)


ROW_GROUP_BYTES = 2 << 20  # a compacted row group: what one partition's read decodes at most
_OPEN: dict = {}  # table uri -> DeltaTable: a stage reads and writes the same tables many times


def _row_group_rows(dt) -> int:
    """Rows per row group of a compacted file, ~ROW_GROUP_BYTES each: a partition read decodes
    its own row groups (statistics skip the others), never a whole round's images."""
    actions = pa.table(dt.get_add_actions(flatten=True))
    rows = max(1, pc.sum(actions.column("num_records")).as_py() or 1)
    per_row = (pc.sum(actions.column("size_bytes")).as_py() or 0) / rows
    return int(min(1 << 16, max(128, ROW_GROUP_BYTES / max(per_row, 1.0))))


class Lake:
    """The Delta tables under one root."""

    def __init__(self, root: str | os.PathLike | None = None):
        self.root = str(root) if root is not None else data_root()
        self.is_local = "://" not in self.root or self.root.startswith("file://")
        self._base = str(Path(self.root.removeprefix("file://")).resolve()) if self.is_local else self.root.rstrip("/")

    def table_uri(self, table: str) -> str:
        schema(table)  # unknown table -> clear error
        return f"{self._base}/tables/{table}"

    # ---- writes ----

    def write(self, table: str, rows: Iterable[Mapping] | pa.Table, *, round: int, domain: str, producer: str) -> None:
        """Validate ``rows`` and replace, in one commit, the rows ``producer`` owns in this partition.

        Writers of other partitions may commit at the same time; a conflicting commit is retried
        (the write is idempotent)."""
        data = rows if isinstance(rows, pa.Table) else to_arrow(table, rows)
        if data.schema != schema(table):
            data = data.select(schema(table).names).cast(schema(table))
        bad = [k for k, v in (("round", round), ("domain", domain)) if pc.any(pc.not_equal(data.column(k), v)).as_py()]
        if bad:
            raise SchemaError(f"{table}: rows disagree with partition round={round} domain={domain} in {bad}")
        if data.num_rows == 0 and not self._may_hold(table, round, domain, producer):
            return  # nothing to replace and nothing to add: no commit
        data = data.append_column(pa.field(PRODUCER, pa.string(), nullable=False),
                                  pa.array([producer] * data.num_rows, pa.string()))
        self._commit(table, data, partition_predicate(round, domain, producer))

    def _may_hold(self, table: str, round: int, domain: str, producer: str) -> bool:
        """Whether a file of the table may hold rows of (round, domain, producer), by its statistics."""
        dt = self._open(table)
        if dt is None:
            return False
        actions = pa.table(dt.get_add_actions(flatten=True))
        may = pa.array([True] * actions.num_rows)
        for col, value in (("round", round), ("domain", domain), (PRODUCER, producer)):
            if f"min.{col}" in actions.column_names:  # a column without statistics may hold anything
                lo, hi = actions.column(f"min.{col}"), actions.column(f"max.{col}")
                inside = pc.and_(pc.less_equal(lo, value), pc.greater_equal(hi, value))
                may = pc.and_(may, pc.fill_null(inside, True))
        return bool(pc.any(may).as_py())

    def _commit(self, table: str, data: pa.Table | pa.RecordBatchReader, predicate: str) -> None:
        from deltalake import write_deltalake
        from deltalake.exceptions import CommitFailedError

        uri = self.table_uri(table)
        if self.is_local:
            Path(uri).mkdir(parents=True, exist_ok=True)
            self._refuse_legacy(table)
        for attempt in range(COMMIT_RETRIES):
            try:
                # merge: a contract that gained a column adds it to the Delta schema; earlier files
                # read it as null (readers bind by name: parquet_scan, delta_dataset)
                write_deltalake(uri, data, mode="overwrite", predicate=predicate, configuration=TABLE_PROPERTIES,
                                schema_mode="merge")
                return
            except CommitFailedError:
                if attempt == COMMIT_RETRIES - 1 or isinstance(data, pa.RecordBatchReader):
                    raise
                time.sleep(random.uniform(0.05, 0.1) * (attempt + 1))  # writers that collided spread out

    def write_batches(self, table: str, batches: Iterable[pa.RecordBatch], *, round: int, domain: str,
                      producer: str) -> None:
        """Stream ``batches`` (the table's columns) into this partition as one commit."""
        base = schema(table)
        sch = base.append(pa.field(PRODUCER, pa.string(), nullable=False))

        def stamped() -> Iterator[pa.RecordBatch]:
            for b in batches:
                cols = [b.column(n).cast(f.type) for n, f in zip(base.names, base)]
                yield pa.RecordBatch.from_arrays([*cols, pa.array([producer] * b.num_rows, pa.string())], schema=sch)

        self._commit(table, pa.RecordBatchReader.from_batches(sch, stamped()),
                     partition_predicate(round, domain, producer))

    def drop(self, table: str, round: int | None = None, domain: str | None = None, producer: str | None = None
             ) -> int:
        """Delete one partition's rows (all producers unless one is named); returns rows deleted."""
        dt = self._open(table)
        if dt is None:
            return 0
        metrics = dt.delete(partition_predicate(round, domain, producer))
        return int(metrics.get("num_deleted_rows") or 0)

    # ---- reads ----

    def _refuse_legacy(self, table: str) -> None:
        folder = Path(self.table_uri(table))
        if not (folder / "_delta_log").exists() and any(folder.glob("round=*/domain=*/*.parquet")):
            raise LakeError(f"{folder}: written by an earlier version (one Parquet file per stage, no Delta log); "
                            f"convert it with `flywheel lake migrate --root {self.root}` or move it away")

    def _open(self, table: str):
        """The table's DeltaTable at its latest version, or None before its first write."""
        from deltalake import DeltaTable

        uri = self.table_uri(table)
        if self.is_local and not (Path(uri) / "_delta_log").exists():
            _OPEN.pop(uri, None)
            self._refuse_legacy(table)
            return None
        dt = _OPEN.get(uri)
        if dt is not None:
            try:
                dt.update_incremental()  # replays only the commits since it was last read
                return dt
            except Exception:  # noqa: BLE001 - a table replaced under us: open it afresh
                _OPEN.pop(uri, None)
        from deltalake.exceptions import TableNotFoundError

        try:
            dt = DeltaTable(uri)
        except TableNotFoundError:
            return None
        _OPEN[uri] = dt
        return dt

    def exists(self, table: str) -> bool:
        return self._open(table) is not None

    def version(self, table: str) -> int | None:
        dt = self._open(table)
        return None if dt is None else dt.version()

    def dataset(self, table: str) -> pads.Dataset | None:
        """The table as an Arrow dataset (schema + ``producer``), each file guarded by its
        statistics from the Delta log so filters skip files without opening them."""
        dt = self._open(table)
        return None if dt is None else delta_dataset(dt, table)

    def read(self, table: str, round: int | None = None, domain: str | None = None,
             columns: list[str] | None = None, producer: str | None = None,
             filter: pc.Expression | None = None) -> pa.Table:
        """Rows of a table (optionally one round / domain / producer, plus ``filter``), with the
        table's schema (or ``columns`` of it); empty with the schema before the first write."""
        sch = schema(table)
        want = pa.schema([sch.field(c) for c in columns]) if columns is not None else sch
        dataset = self.dataset(table)
        if dataset is None:
            return want.empty_table()
        where = partition_filter(round, domain, producer)
        if filter is not None:
            where = filter if where is None else where & filter
        try:
            data = dataset.to_table(columns=want.names, filter=where)
        except (OSError, pa.ArrowInvalid) as err:
            raise LakeError(f"{table}: {err}; `flywheel lake check` names the unreadable files and "
                            "`flywheel lake repair` removes them so their partitions can be rerun") from err
        try:
            return data.cast(want)
        except ValueError:  # rows written before the contract gained a column hold null there
            return data.cast(pa.schema([f.with_nullable(True) for f in want]))

    def rows(self, table: str, round: int, domain: str, producer: str | None = None) -> list[dict]:
        """One partition's rows as plain dicts (all producers unless one is named)."""
        return self.read(table, round, domain, producer=producer).to_pylist()

    def count(self, table: str, round: int | None = None, domain: str | None = None,
              filter: pc.Expression | None = None) -> int:
        dataset = self.dataset(table)
        if dataset is None:
            return 0
        where = partition_filter(round, domain)
        if filter is not None:
            where = filter if where is None else where & filter
        return dataset.count_rows(filter=where)

    def producers(self, table: str, round: int, domain: str) -> set[str]:
        """The stages that wrote rows in this partition."""
        dataset = self.dataset(table)
        if dataset is None:
            return set()
        return set(dataset.to_table(columns=[PRODUCER], filter=partition_filter(round, domain))
                   .column(PRODUCER).unique().to_pylist())

    def files(self, table: str) -> list[str]:
        """The Parquet files of the table's current version (what a query reads)."""
        dt = self._open(table)
        return [] if dt is None else sorted(dt.file_uris())

    def duckdb(self):
        """A fresh in-memory DuckDB connection that reads this lake's files (``parquet_scan``): for
        an object-store root its fsspec file system is registered (DuckDB here has no httpfs)."""
        import duckdb

        con = duckdb.connect()
        fs = object_store(self.root)
        if fs is not None:
            con.register_filesystem(fs)
        return con

    def parquet_scan(self, table: str) -> str | None:
        """``read_parquet([...])`` over the table's current files, for DuckDB's own Parquet reader
        (None before the first write). Columns bind by name: files written before the contract
        gained a column lack it (compaction keeps the file count small, so this costs little)."""
        files = self.files(table)
        if not files:
            return None
        return "read_parquet([" + ", ".join("'" + f.removeprefix("file://").replace("'", "''") + "'"
                                             for f in files) + "], union_by_name = true)"

    # ---- maintenance ----

    def compact(self, table: str, vacuum_hours: float = 168.0) -> dict:
        """Merge small files (Delta OPTIMIZE), then delete files no version newer than
        ``vacuum_hours`` needs (VACUUM) and the expired log entries."""
        dt = self._open(table)
        if dt is None:
            return {"table": table, "files_before": 0, "files_after": 0, "vacuumed": 0}
        from deltalake import WriterProperties

        before = len(dt.file_uris())
        dt.optimize.compact(writer_properties=WriterProperties(max_row_group_size=_row_group_rows(dt)))
        dt = self._open(table)
        vacuumed = dt.vacuum(retention_hours=int(vacuum_hours), enforce_retention_duration=False, dry_run=False)
        dt.create_checkpoint()
        dt.cleanup_metadata()
        return {"table": table, "files_before": before, "files_after": len(dt.file_uris()),
                "vacuumed": len(vacuumed)}
