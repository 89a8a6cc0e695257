"""Parquet storage under one data root, one file per (table, round, domain, producer).

Layout: ``<root>/tables/<table>/round=<r>/domain=<d>/<producer>.parquet``. A table is the union of
its files; each producing stage owns its own file, so a rerun of a stage replaces exactly what
that stage wrote and nothing else. Writes are atomic: a temporary file in the same folder is
renamed over the target, so readers see the old file or the new one, never a partial one.

The root is ``$FLYWHEEL_DATA_ROOT`` or ``<repo>/data``; it may also be an object-store URI that
pyarrow understands (``s3://bucket/lake``), where a single-object PUT is atomic already.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import pyarrow as pa
import pyarrow.fs as pafs
import pyarrow.parquet as pq

from warehouse.schemas import schema

ENV_ROOT = "FLYWHEEL_DATA_ROOT"
REPO_ROOT = Path(__file__).resolve().parent.parent


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


def data_root() -> str:
    """The configured data root (env var, else the repo's gitignored ``data/`` folder)."""
    return os.environ.get(ENV_ROOT) or str(REPO_ROOT / "data")


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
    for f in sch:  # Arrow does not enforce nullability itself
        if not f.nullable and data.column(f.name).null_count:
            i = data.column(f.name).is_null().to_pylist().index(True)
            raise SchemaError(f"{table}: row {i} field {f.name!r}: null in a non-null field")
    return data


def _raise_first_bad_field(table: str, sch: pa.Schema, rows: list[Mapping], err: Exception) -> None:
    for i, row in enumerate(rows):
        for f in sch:
            try:
                pa.array([row[f.name]], type=f.type)
            except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, ValueError, OverflowError) as e:
                raise SchemaError(f"{table}: row {i} field {f.name!r}: {e}") from err
    raise SchemaError(f"{table}: {err}") from err


class Lake:
    """The Parquet tables under one root."""

    def __init__(self, root: str | os.PathLike | None = None):
        self.root = str(root) if root is not None else data_root()
        self.fs, self._base = pafs.FileSystem.from_uri(self._as_uri(self.root))
        self.is_local = isinstance(self.fs, pafs.LocalFileSystem)

    @staticmethod
    def _as_uri(root: str) -> str:
        return root if "://" in root else str(Path(root).resolve())

    def table_dir(self, table: str) -> str:
        schema(table)  # unknown table -> clear error
        return f"{self._base}/tables/{table}"

    def partition_dir(self, table: str, round: int, domain: str) -> str:
        return f"{self.table_dir(table)}/round={round}/domain={domain}"

    def path(self, table: str, round: int, domain: str, producer: str) -> str:
        return f"{self.partition_dir(table, round, domain)}/{producer}.parquet"

    def write(self, table: str, rows: Iterable[Mapping] | pa.Table, *, round: int, domain: str, producer: str) -> str:
        """Validate and atomically (re)place the file that ``producer`` owns in this partition."""
        data = rows if isinstance(rows, pa.Table) else to_arrow(table, rows)
        if data.schema != schema(table):
            data = data.cast(schema(table))
        bad = [k for k, v in (("round", round), ("domain", domain)) if any(x != v for x in data.column(k).to_pylist())]
        if bad:
            raise SchemaError(f"{table}: rows disagree with partition round={round} domain={domain} in {bad}")
        target = self.path(table, round, domain, producer)
        folder = target.rsplit("/", 1)[0]
        self.fs.create_dir(folder, recursive=True)
        if not self.is_local:
            pq.write_table(data, target, filesystem=self.fs)
            return target
        with atomic_path(target) as tmp:
            pq.write_table(data, tmp, filesystem=self.fs)
        return target

    def files(self, table: str, round: int | None = None, domain: str | None = None) -> list[str]:
        """The table's Parquet files, optionally only one round and/or domain."""
        info = self.fs.get_file_info(pafs.FileSelector(self.table_dir(table), recursive=True, allow_not_found=True))
        want = {f"round={round}"} if round is not None else set()
        if domain is not None:
            want.add(f"domain={domain}")
        return sorted(
            i.path for i in info
            if i.type == pafs.FileType.File and i.path.endswith(".parquet") and not i.base_name.startswith(".")
            and want <= set(i.path.split("/"))
        )

    def read(self, table: str, round: int | None = None, domain: str | None = None,
             columns: list[str] | None = None) -> pa.Table:
        """All rows of a table (optionally one round / partition), empty with the schema if none."""
        files = self.files(table, round, domain)
        if not files:
            sch = schema(table)
            return sch.empty_table() if columns is None else pa.schema([sch.field(c) for c in columns]).empty_table()
        parts = [pq.read_table(f, filesystem=self.fs, columns=columns) for f in files]
        return pa.concat_tables(parts, promote_options="default")

    def uri(self, path: str) -> str:
        """A path as DuckDB should see it."""
        return path if self.is_local else f"{self.root.split('://', 1)[0]}://{path}"

    def rows(self, table: str, round: int, domain: str) -> list[dict]:
        """One partition's rows as plain dicts (all producers' files)."""
        return self.read(table, round, domain).to_pylist()
