"""Run SQL over the catalog and format the result as a table, CSV or JSON lines."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Sequence

from warehouse.catalog import connect


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
    found = re.search(r"/tables/(\w+)/[^'\s]*\.parquet", text)
    if found and "flywheel lake" not in text:
        text += (f"\nA file of table {found.group(1)!r} is unreadable: `flywheel lake check` names it, "
                 "`flywheel lake repair` moves it to quarantine/ so its partitions can be rerun.")
    return text


def run_sql(query: str, root: str | None = None) -> tuple[list[str], list[tuple]]:
    con = connect(root)
    cur = con.execute(query)
    columns = [d[0] for d in cur.description] if cur.description else []
    return columns, cur.fetchall() if columns else []
