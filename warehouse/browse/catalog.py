"""The browser's catalog: the lake's DuckDB views, read-only, reopened when a table changes, plus
the images as stored (looked up by content id, pruned by partition)."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import duckdb

from warehouse.browse.paging import one
from warehouse.catalog import connect
from warehouse.sql import lock_down
from warehouse.storage import Lake


class Catalog:
    """The lake's catalog for the web app: one in-memory DuckDB database, read-only (locked like
    `flywheel sql`), reopened when a table of a local lake gets a new commit, so a round written
    while the browser runs shows up on the next page load. Each request works on its own cursor
    (DuckDB connections are not shared between threads).

    ``derived`` names tables computed from the views (``CREATE TABLE name AS select``) for lists
    whose source costs too much to evaluate on every page: each is built on the first request
    that needs it after an open, and rebuilt after the next change of the lake."""

    def __init__(self, root: str | os.PathLike, derived: dict[str, str] | None = None):
        self.lake = Lake(root)
        self.derived = dict(derived or {})
        self._lock = threading.Lock()
        self._stamp: tuple | None = None
        self._con: duckdb.DuckDBPyConnection | None = None
        self._built: set[str] = set()
        self.options: dict[str, list] = {}

    def _version_stamp(self) -> tuple:
        if not self.lake.is_local:
            return ()
        logs = Path(self.lake.table_uri("samples")).parent.glob("*/_delta_log")
        return tuple(sorted((p.parent.name, p.stat().st_mtime_ns) for p in logs))

    def cursor(self, *derived: str) -> duckdb.DuckDBPyConnection:
        """A cursor on the lake's current version, with the named derived tables built."""
        stamp = self._version_stamp()
        with self._lock:
            if self._con is None or stamp != self._stamp:
                self._open(stamp)
            for name in derived:
                if name not in self._built:
                    self._con.execute(f'CREATE OR REPLACE TABLE "{name}" AS {self.derived[name]}')
                    self._built.add(name)
            return self._con.cursor()

    def _open(self, stamp: tuple) -> None:
        con = connect(self.lake.root)
        # images as stored, not de-duplicated: a lookup by (round, domain, id) is pruned by the
        # files' statistics instead of reading every image for the catalog's DISTINCT ON
        scan = self.lake.parquet_scan("images")
        con.execute("CREATE OR REPLACE VIEW image_files AS " + (
            f"SELECT image_id, png, round, domain FROM {scan}" if scan else
            "SELECT NULL::VARCHAR AS image_id, NULL::BLOB AS png, NULL::INTEGER AS round, "
            "NULL::VARCHAR AS domain WHERE false"))
        lock_down(con, self.lake)
        try:
            self.options = filter_options(con)
        except duckdb.Error:  # an unreadable drafts table: the pages show the catalog's reason
            self.options = {}
        # the previous connection is not closed here: a request may still be reading from a cursor
        # of it; it closes when its last cursor is gone
        self._con, self._stamp, self._built = con, stamp, set()


def filter_options(cur: duckdb.DuckDBPyConnection) -> dict[str, list]:
    """Every value the list filters offer, from drafts (accepted samples are drafts too): one scan."""
    row = one(cur, """SELECT list(DISTINCT round ORDER BY round) AS round, list(DISTINCT domain ORDER BY domain) AS domain,
                             list(DISTINCT family ORDER BY family) AS family,
                             list(DISTINCT difficulty ORDER BY difficulty) AS difficulty,
                             list(DISTINCT creator ORDER BY creator) AS creator,
                             list(DISTINCT expansion ORDER BY expansion) AS expansion FROM drafts""")
    return {k: [x for x in (v or []) if x is not None] for k, v in row.items()}


def png_size(png: bytes) -> tuple[int, int]:
    """(width, height) from a PNG's IHDR chunk, without decoding it."""
    if png[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG")
    return int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")


def image_png(cur: duckdb.DuckDBPyConnection, image_id: str, round: int | None = None,
              domain: str | None = None) -> bytes | None:
    """The PNG of a content id; with the (round, domain) it was written in, only that partition's
    files are read (else every file's id column)."""
    if round is not None and domain is not None:
        row = cur.execute("SELECT png FROM image_files WHERE round = ? AND domain = ? AND image_id = ? LIMIT 1",
                          [round, domain, image_id]).fetchone()
        if row:
            return row[0]
    row = cur.execute("SELECT png FROM image_files WHERE image_id = ? LIMIT 1", [image_id]).fetchone()
    return row[0] if row else None
