"""DuckDB catalog: one view per table over its Parquet files, so SQL joins across stages and
rounds with no load step. Tables with no files yet get a typed empty view."""

from __future__ import annotations

import os
from pathlib import Path

import duckdb

from warehouse.schemas import TABLES, schema
from warehouse.storage import Lake, atomic_path

# images are content addressed: the same PNG written by two stages is one row
_DEDUP_KEY = {"images": "image_id"}


def _empty_select(con: duckdb.DuckDBPyConnection, table: str) -> str:
    types = con.from_arrow(schema(table).empty_table()).types
    cols = ", ".join(f'CAST(NULL AS {t}) AS "{n}"' for n, t in zip(schema(table).names, types))
    return f"SELECT {cols} WHERE false"


def view_sql(con: duckdb.DuckDBPyConnection, lake: Lake, table: str) -> str:
    files = lake.files(table)
    if not files:
        return _empty_select(con, table)
    # a glob, so files written after the view was created are seen too
    pattern = lake.uri(lake.table_dir(table)).replace("'", "''") + "/*/*/*.parquet"
    select = f"SELECT * FROM read_parquet('{pattern}', union_by_name = true)"
    key = _DEDUP_KEY.get(table)
    if key:
        select = f"SELECT DISTINCT ON ({key}) * FROM ({select}) ORDER BY {key}, round"
    return select


def _register_filesystem(con: duckdb.DuckDBPyConnection, lake: Lake) -> None:
    # DuckDB 2.x has no httpfs here: object stores are reached through fsspec
    if not lake.is_local:
        import fsspec

        con.register_filesystem(fsspec.filesystem(lake.root.split("://", 1)[0]))


def connect(root: str | os.PathLike | None = None) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB connection with a view for every table of the lake at ``root``."""
    lake = Lake(root)
    con = duckdb.connect()
    _register_filesystem(con, lake)
    for table in TABLES:
        con.execute(f'CREATE OR REPLACE VIEW "{table}" AS {view_sql(con, lake, table)}')
    return con


def write_catalog(root: str | os.PathLike | None = None) -> Path:
    """Write ``<root>/catalog.duckdb`` (views only) atomically, for ``duckdb -readonly`` users.

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
                for table in TABLES:
                    con.execute(f'CREATE OR REPLACE VIEW "{table}" AS {view_sql(con, lake, table)}')
        finally:
            if os.path.exists(tmp + ".wal"):
                os.unlink(tmp + ".wal")
    return target
