"""DuckDB catalog: one view per table over its Delta table, so SQL joins across stages and rounds
with no load step. Opening it costs O(tables): each view scans an Arrow dataset of the table's
current files, guarded by the Delta log's statistics (filters skip files unopened); tables with
no rows yet get a typed empty view."""

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


def _view(source: str, table: str) -> str:
    """The contract's columns of ``source`` (images de-duplicated by content)."""
    cols = ", ".join(f'"{c}"' for c in schema(table).names)
    select = f"SELECT {cols} FROM {source}"
    key = _DEDUP_KEY.get(table)
    if key:
        select = f"SELECT DISTINCT ON ({key}) * FROM ({select}) ORDER BY {key}, round"
    return select


def connect(root: str | os.PathLike | None = None, tables: list[str] | None = None) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB connection with a view for every table (or only ``tables``) of the lake
    at ``root``, at the tables' current versions."""
    lake = Lake(root)
    con = duckdb.connect()
    for table in tables or TABLES:
        dataset = lake.dataset(table)
        if dataset is None:
            con.execute(f'CREATE OR REPLACE VIEW "{table}" AS {_empty_select(con, table)}')
            continue
        con.register(f"__{table}", dataset)
        con.execute(f'CREATE OR REPLACE VIEW "{table}" AS {_view(f"__{table}", table)}')
    return con


def write_catalog(root: str | os.PathLike | None = None) -> Path:
    """Write ``<root>/catalog.duckdb`` atomically, for ``duckdb -readonly`` users: views over the
    Parquet files of each table's current version (rewritten after every partition and by
    ``flywheel lake compact``; DuckDB here cannot read the Delta log itself).

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
                    files = lake.files(table)
                    if not files:
                        select = _empty_select(con, table)
                    else:
                        paths = ", ".join("'" + f.removeprefix("file://").replace("'", "''") + "'" for f in files)
                        select = _view(f"read_parquet([{paths}])", table)
                    con.execute(f'CREATE OR REPLACE VIEW "{table}" AS {select}')
        finally:
            if os.path.exists(tmp + ".wal"):
                os.unlink(tmp + ".wal")
    return target

