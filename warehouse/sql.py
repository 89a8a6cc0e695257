"""Run SQL over the catalog and format the result as a table, CSV or JSON lines.

Read-only by default: one SELECT (or EXPLAIN) statement, over a connection that may read files
under the lake's ``tables/`` folder only and whose settings are locked, so a query cannot write
files (COPY TO, EXPORT), attach databases, install or load extensions, or read other files."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Sequence

import duckdb

from warehouse.catalog import connect
from warehouse.storage import Lake

READ_ONLY_STATEMENTS = {duckdb.StatementType.SELECT, duckdb.StatementType.EXPLAIN}  # SHOW, DESCRIBE: SELECT


class RefusedQuery(ValueError):
    """A query the read-only ``flywheel sql`` will not run; the message says why."""


def _cell(v) -> object:
    if isinstance(v, (bytes, bytearray)):
        return f"<{len(v)} bytes>"
    return v


def format_result(columns: Sequence[str], rows: Sequence[Sequence], fmt: str = "table", max_width: int = 60) -> str:
    rows = [[_cell(v) for v in r] for r in rows]
    if fmt == "json":
        return "\n".join(json.dumps(dict(zip(columns, r)), default=str) for r in rows)
    if fmt == "csv":
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows(rows)
        return buf.getvalue().rstrip("\n")
    if fmt != "table":
        raise ValueError(f"unknown format {fmt!r}: use table, csv or json")

    def text(v) -> str:
        s = "NULL" if v is None else str(v).replace("\n", " ")
        return s if len(s) <= max_width else s[: max_width - 1] + "…"

    cells = [[text(v) for v in r] for r in rows]
    widths = [max([len(c)] + [len(r[i]) for r in cells]) for i, c in enumerate(columns)]
    line = "+" + "+".join("-" * (w + 2) for w in widths) + "+"
    fmt_row = lambda r: "| " + " | ".join(v.ljust(w) for v, w in zip(r, widths)) + " |"  # noqa: E731
    out = [line, fmt_row(list(columns)), line, *[fmt_row(r) for r in cells], line,
           f"({len(rows)} row{'s' if len(rows) != 1 else ''})"]
    return "\n".join(out)


def explain(err: Exception) -> str:
    """The error as users should read it: an unreadable lake file names its table and the commands
    that find and quarantine it."""
    text = str(err)
    if isinstance(err, duckdb.PermissionException):
        return (f"{text.splitlines()[0]}: `flywheel sql` reads only the lake's tables and cannot write, attach "
                "or load anything (--allow-write lifts this)")
    found = re.search(r"/tables/(\w+)/[^'\s]*\.parquet", text)
    if found and "flywheel lake" not in text:
        text += (f"\nA file of table {found.group(1)!r} is unreadable: `flywheel lake check` names it, "
                 "`flywheel lake repair` moves it to quarantine/ so its partitions can be rerun.")
    return text


def check_read_only(query: str) -> None:
    """Raise :class:`RefusedQuery` unless ``query`` is exactly one read-only statement: several
    statements would hide a write behind a harmless first one, and the statement type is known
    before anything runs."""
    statements = duckdb.extract_statements(query)
    if len(statements) != 1:
        raise RefusedQuery(f"one statement at a time, got {len(statements)} (--allow-write runs several)")
    kind = statements[0].type
    if kind not in READ_ONLY_STATEMENTS:
        raise RefusedQuery(f"{kind.name} statements are refused: `flywheel sql` runs one SELECT or EXPLAIN "
                           "(--allow-write runs anything)")


def lock_down(con: duckdb.DuckDBPyConnection, lake: Lake) -> None:
    """Limit ``con`` to reading the lake's table files, then lock its configuration so no query
    can lift the limit (the views read their Parquet files through the allowed folder)."""
    tables = lake.table_uri("samples").rsplit("/", 1)[0] + "/"
    con.execute(f"SET allowed_directories = ['{tables.replace(chr(39), chr(39) * 2)}']")
    con.execute("SET enable_external_access = false")
    con.execute("SET lock_configuration = true")


def run_sql(query: str, root: str | None = None, allow_write: bool = False) -> tuple[list[str], list[tuple]]:
    """Columns and rows of ``query`` over the lake at ``root``; read-only unless ``allow_write``."""
    if not allow_write:
        check_read_only(query)
    con = connect(root)
    if not allow_write:
        lock_down(con, Lake(root))
    cur = con.execute(query)
    columns = [d[0] for d in cur.description] if cur.description else []
    return columns, cur.fetchall() if columns else []
