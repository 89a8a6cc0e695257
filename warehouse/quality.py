"""Data-quality gates as SQL over the catalog views; each returns (passed, details).

Pure functions over a DuckDB connection, so the Dagster checks, the CLI and tests share them.
``where`` scopes a gate to one partition (e.g. ``round = 1 AND domain = 'x'``)."""

from __future__ import annotations

import duckdb


def _count(con: duckdb.DuckDBPyConnection, sql: str) -> int:
    return con.execute(sql).fetchall()[0][0]


def unique_ids(con: duckdb.DuckDBPyConnection, table: str, keys: list[str], where: str = "true") -> tuple[bool, dict]:
    """No two rows share ``keys``."""
    cols = ", ".join(keys)
    dupes = _count(con, f"SELECT count(*) FROM (SELECT {cols} FROM {table} WHERE {where} "
                        f"GROUP BY ALL HAVING count(*) > 1)")
    return dupes == 0, {"duplicate_keys": dupes, "keys": cols}


def no_orphans(con: duckdb.DuckDBPyConnection, child: str, parent: str, keys: list[str],
               where: str = "true", child_expr: str | None = None) -> tuple[bool, dict]:
    """Every ``child`` row's ``keys`` (or ``child_expr`` values) exist in ``parent``."""
    cols = ", ".join(keys)
    source = child_expr or f"SELECT {cols} FROM {child} WHERE {where}"
    orphans = _count(con, f"SELECT count(*) FROM ({source}) c ANTI JOIN {parent} p USING ({cols})")
    return orphans == 0, {"orphans": orphans, "child": child, "parent": parent, "keys": cols}


def accepted_are_verified(con: duckdb.DuckDBPyConnection, where: str = "true") -> tuple[bool, dict]:
    """Every sample has an image and a passed answer verdict on its accepted attempt."""
    no_image = _count(con, f"SELECT count(*) FROM samples s WHERE {where} AND (s.image_id IS NULL OR "
                           "s.image_id NOT IN (SELECT image_id FROM images))")
    unverified = _count(con, f"""
        SELECT count(*) FROM samples s WHERE {where} AND NOT EXISTS (
            SELECT 1 FROM verdicts v WHERE v.sample_id = s.sample_id AND v.attempt = s.attempt
              AND v.dimension = 'answer' AND v.passed)""")
    return no_image == 0 and unverified == 0, {"without_image": no_image, "without_passed_answer": unverified}


def interaction_images_exist(con: duckdb.DuckDBPyConnection, where: str = "true") -> tuple[bool, dict]:
    """Every interaction image a sample points at is in the image store."""
    missing = _count(con, f"""
        SELECT count(*) FROM (SELECT unnest(interactions).image_id AS image_id FROM samples WHERE {where}) i
        WHERE i.image_id IS NULL OR i.image_id NOT IN (SELECT image_id FROM images)""")
    return missing == 0, {"missing_interaction_images": missing}
