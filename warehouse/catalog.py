"""DuckDB catalog: one view per table over its Delta table's current files, so SQL joins across
stages and rounds with no load step. Opening it costs O(tables) (one Delta log read each); files
stay few because tables are compacted; tables with no rows yet get a typed empty view."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path

import duckdb

from warehouse.schemas import TABLES, schema
from warehouse.storage import Lake, atomic_path

# images are content addressed: the same PNG written by two stages is one row
_DEDUP_KEY = {"images": "image_id"}


def _empty_select(con: duckdb.DuckDBPyConnection, table: str, where: str = "false") -> str:
    """A typed, row-less SELECT with the table's columns (``where`` may raise instead)."""
    types = con.from_arrow(schema(table).empty_table()).types
    cols = ", ".join(f'CAST(NULL AS {t}) AS "{n}"' for n, t in zip(schema(table).names, types))
    return f"SELECT {cols} WHERE {where}"


def _view(con: duckdb.DuckDBPyConnection, source: str, table: str) -> str:
    """The contract's columns of ``source`` (images de-duplicated by content); a column no file
    holds yet (the contract gained it after the last write) reads as a typed null."""
    have = {r[0] for r in con.execute(f"DESCRIBE SELECT * FROM {source}").fetchall()}
    sch = schema(table)
    types = con.from_arrow(sch.empty_table()).types
    cols = ", ".join(f'"{c}"' if c in have else f'CAST(NULL AS {t}) AS "{c}"' for c, t in zip(sch.names, types))
    select = f"SELECT {cols} FROM {source}"
    key = _DEDUP_KEY.get(table)
    if key:
        select = f"SELECT DISTINCT ON ({key}) * FROM ({select}) ORDER BY {key}, round"
    return select


def _create_views(con: duckdb.DuckDBPyConnection, lake: Lake, tables: list[str]) -> None:
    """A view per table over the Parquet files of its current Delta version, read by DuckDB's own
    Parquet reader (row-group pruning, parallel scans; several times faster than scanning an Arrow
    dataset here). A table whose files cannot be bound gets a view that raises the reason, so the
    other tables stay queryable."""
    for table in tables:
        scan = lake.parquet_scan(table)
        if scan is None:
            con.execute(f'CREATE OR REPLACE VIEW "{table}" AS {_empty_select(con, table)}')
            continue
        try:
            con.execute(f'CREATE OR REPLACE VIEW "{table}" AS {_view(con, scan, table)}')
        except duckdb.Error as err:
            reason = (f"table {table} cannot be read ({str(err).splitlines()[0]}); `flywheel lake check` names "
                      "the unreadable files, `flywheel lake repair` moves them to quarantine/").replace("'", "''")
            # a filter, not a column: every query of the view evaluates it, count(*) included
            failing = _empty_select(con, table, where=f"error('{reason}') IS NULL")
            con.execute(f'CREATE OR REPLACE VIEW "{table}" AS {failing}')


def connect(root: str | os.PathLike | None = None, tables: list[str] | None = None) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB connection with a view for every table (or only ``tables``) of the lake
    at ``root``, at the tables' current versions."""
    lake = Lake(root)
    con = lake.duckdb()  # s3:// files through fsspec (no httpfs extension here)
    _create_views(con, lake, tables or TABLES)
    return con


def write_catalog(root: str | os.PathLike | None = None) -> Path:
    """Write ``<root>/catalog.duckdb`` atomically, for ``duckdb -readonly`` users: the same views
    as :func:`connect` (rewritten after every round and by ``flywheel lake``; DuckDB here
    cannot read the Delta log itself).

    Built in a temporary file and renamed over the old one, so a reader never sees a half-built
    catalog and no long-lived read-write lock is held."""
    lake = Lake(root)
    if not lake.is_local:
        raise ValueError(f"a catalog file can only be written under a local root, not {lake.root!r}")
    target = Path(lake.root).resolve() / "catalog.duckdb"
    target.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(target) as tmp:
        try:
            with duckdb.connect(tmp) as con:
                _create_views(con, lake, TABLES)
        finally:
            if os.path.exists(tmp + ".wal"):
                os.unlink(tmp + ".wal")
    return target


def records(con: duckdb.DuckDBPyConnection, sql: str, params: Sequence | Mapping = ()) -> list[dict]:
    """Rows of ``sql`` as dicts (structs and lists come back as Python dicts and lists); ``params``
    positional (``?``) or named (``$name``)."""
    cur = con.execute(sql, params if isinstance(params, Mapping) else list(params))
    names = [d[0] for d in cur.description]
    return [dict(zip(names, row)) for row in cur.fetchall()]
