"""The warehouse contract: schemas reject bad rows by name, writes are atomic and per producer,
the DuckDB catalog sees every table (typed even when empty), and SQL output formats."""

from __future__ import annotations

import json

import duckdb
import pytest

from warehouse import catalog
from warehouse.images import image_row
from warehouse.schemas import SCHEMAS, TABLES
from warehouse.sql import format_result
from warehouse.storage import Lake, LakeError, SchemaError, to_arrow


def plan(i: int, round: int = 1, domain: str = "d") -> dict:
    return {"plan_id": f"p{i}", "node_ids": ["a.b.c"], "creator": "procedural:x", "seed": i,
            "target_difficulty": 1, "evolved_node_id": None, "round": round,
            "domain": domain}


def test_every_table_has_partition_columns():
    for name, sch in SCHEMAS.items():
        assert {"round", "domain"} <= set(sch.names), name


def test_bad_rows_name_table_row_and_field():
    rows = [plan(0), {**plan(1), "seed": "not a number"}]
    with pytest.raises(SchemaError, match=r"plans: row 1 field 'seed'"):
        to_arrow("plans", rows)
    with pytest.raises(SchemaError, match=r"plans: row 0: missing fields \['seed'\]"):
        to_arrow("plans", [{k: v for k, v in plan(0).items() if k != "seed"}])
    with pytest.raises(SchemaError, match=r"unknown fields \['colour'\]"):
        to_arrow("plans", [{**plan(0), "colour": "red"}])
    with pytest.raises(SchemaError, match=r"row 0 field 'plan_id': null"):
        to_arrow("plans", [{**plan(0), "plan_id": None}])


def test_write_refuses_rows_of_another_partition(tmp_path):
    lake = Lake(tmp_path)
    with pytest.raises(SchemaError, match="round=2"):
        lake.write("plans", [plan(0, round=1)], round=2, domain="d", producer="plan")
    assert not lake.exists("plans") and lake.files("plans") == []


def test_producers_own_their_rows_and_rerun_replaces(tmp_path):
    lake = Lake(tmp_path)
    lake.write("plans", [plan(0), plan(1)], round=1, domain="d", producer="a")
    lake.write("plans", [plan(2)], round=1, domain="d", producer="b")
    lake.write("plans", [plan(9, domain="e")], round=1, domain="e", producer="a")
    assert lake.read("plans").num_rows == 4
    lake.write("plans", [plan(3)], round=1, domain="d", producer="a")  # rerun of producer a
    assert sorted(lake.read("plans", 1, "d")["plan_id"].to_pylist()) == ["p2", "p3"]
    assert lake.read("plans", 1, "d", producer="a")["plan_id"].to_pylist() == ["p3"]
    assert lake.producers("plans", 1, "d") == {"a", "b"}
    lake.write("plans", [], round=1, domain="d", producer="b")  # an empty rerun removes what b wrote
    assert sorted(lake.read("plans")["plan_id"].to_pylist()) == ["p3", "p9"]


def test_partition_reads_skip_other_partitions_files_unopened(tmp_path):
    lake = Lake(tmp_path)
    lake.write("plans", [plan(0, domain="d")], round=1, domain="d", producer="plan")
    before = set(lake.files("plans"))
    lake.write("plans", [plan(1, domain="e")], round=1, domain="e", producer="plan")
    (victim,) = set(lake.files("plans")) - before
    with open(victim, "r+b") as f:  # domain e's file made unreadable
        f.truncate(10)
    # reads of domain d never open it: the Delta log's statistics guard every file
    assert lake.read("plans", 1, "d")["domain"].to_pylist() == ["d"]
    with pytest.raises(LakeError, match="flywheel lake repair"):
        lake.read("plans", 1, "e")


def test_crash_mid_write_keeps_the_old_rows_and_leaves_no_partial(tmp_path, monkeypatch):
    import deltalake

    lake = Lake(tmp_path)
    lake.write("plans", [plan(0)], round=1, domain="d", producer="a")
    version = lake.version("plans")

    def crash(*args, **kw):
        raise OSError("disk full")

    monkeypatch.setattr(deltalake, "write_deltalake", crash)
    with pytest.raises(OSError, match="disk full"):
        lake.write("plans", [plan(1), plan(2)], round=1, domain="d", producer="a")
    monkeypatch.undo()
    assert lake.read("plans")["plan_id"].to_pylist() == ["p0"]
    assert lake.version("plans") == version


def test_catalog_has_typed_views_for_empty_tables(tmp_path):
    con = catalog.connect(tmp_path)
    for table in TABLES:
        assert con.execute(f"SELECT count(*) FROM {table}").fetchall() == [(0,)]
    cols = dict(con.execute("SELECT column_name, data_type FROM information_schema.columns "
                            "WHERE table_name = 'drafts'").fetchall())
    assert cols["interactions"].startswith("STRUCT(kind VARCHAR")
    assert cols["attempt"] == "SMALLINT"


def test_catalog_views_have_the_contract_columns_only(tmp_path):
    Lake(tmp_path).write("plans", [plan(0)], round=1, domain="d", producer="plan")
    con = catalog.connect(tmp_path)
    cols = [r[0] for r in con.execute("SELECT column_name FROM information_schema.columns "
                                      "WHERE table_name = 'plans' ORDER BY ordinal_position").fetchall()]
    assert cols == SCHEMAS["plans"].names


def test_catalog_unions_partitions_and_dedups_images(tmp_path, tiny_png):
    lake = Lake(tmp_path)
    lake.write("plans", [plan(0, domain="d1")], round=1, domain="d1", producer="plan")
    lake.write("plans", [plan(1, round=2, domain="d2")], round=2, domain="d2", producer="plan")
    lake.write("images", [image_row(tiny_png, 1, "d1")], round=1, domain="d1", producer="render")
    lake.write("images", [image_row(tiny_png, 1, "d1")], round=1, domain="d1", producer="repair")
    con = catalog.connect(tmp_path)
    assert con.execute("SELECT round, domain, count(*) FROM plans GROUP BY ALL ORDER BY 1").fetchall() == [
        (1, "d1", 1), (2, "d2", 1)]
    assert con.execute("SELECT count(*) FROM images").fetchall() == [(1,)]


def test_catalog_file_is_readable_readonly_at_the_version_it_was_written(tmp_path):
    lake = Lake(tmp_path)
    lake.write("plans", [plan(0)], round=1, domain="d", producer="plan")
    lake.write("plans", [plan(1, round=2)], round=2, domain="d", producer="plan")
    lake.write("plans", [plan(2, round=2)], round=2, domain="d", producer="plan")  # replaces p1
    path = catalog.write_catalog(tmp_path)
    with duckdb.connect(str(path), read_only=True) as con:
        assert con.execute("SELECT plan_id FROM plans ORDER BY 1").fetchall() == [("p0",), ("p2",)]
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_compaction_bounds_files_and_keeps_every_row(tmp_path):
    lake = Lake(tmp_path)
    for r in range(1, 4):
        for d in ("a", "b", "c"):
            lake.write("plans", [plan(r * 10 + i, r, d) for i in range(3)], round=r, domain=d, producer="plan")
    before = sorted(lake.read("plans")["plan_id"].to_pylist())
    assert len(lake.files("plans")) == 9
    report = lake.compact("plans", vacuum_hours=0)
    assert report["files_before"] == 9 and report["files_after"] == 1
    assert sorted(lake.read("plans")["plan_id"].to_pylist()) == before
    lake.write("plans", [plan(99, 2, "b")], round=2, domain="b", producer="plan")  # rerun after compaction
    assert sorted(lake.read("plans", 2, "b")["plan_id"].to_pylist()) == ["p99"]
    assert lake.count("plans") == len(before) - 2


def test_image_rows_are_content_addressed(tiny_png):
    a, b = image_row(tiny_png, 1, "d"), image_row(tiny_png, 2, "e")
    assert a["image_id"] == b["image_id"] and len(a["image_id"]) == 64
    assert (a["width"], a["height"]) == (8, 6)
    assert len(a["phash"]) == 16


def test_format_result_table_csv_json():
    cols, rows = ["domain", "n", "png"], [("plane_geometry", 3, b"\x89PNG"), ("x", None, None)]
    table = format_result(cols, rows)
    assert "| plane_geometry | 3    | <4 bytes> |" in table and table.endswith("(2 rows)")
    assert format_result(cols, rows, "csv").splitlines() == ["domain,n,png", "plane_geometry,3,<4 bytes>", "x,,"]
    assert json.loads(format_result(cols, rows, "json").splitlines()[0]) == {
        "domain": "plane_geometry", "n": 3, "png": "<4 bytes>"}
    with pytest.raises(ValueError, match="unknown format"):
        format_result(cols, rows, "xml")


def test_samples_expectations_name_what_failed():
    import pyarrow as pa

    from warehouse.expectations import samples_suite, validate

    good = {"sample_id": ["a", "b"], "question": ["What is the length of AB?"] * 2, "answer": ["1", "2"],
            "image_id": ["i", "j"], "answer_type": ["number", "choice"], "expansion": ["none", "parallel"],
            "difficulty": [1, 2], "width": [480, 480], "height": [480, 480]}
    assert validate(pa.table(good), "samples", samples_suite()) == (True, {"expectations": 10, "failed": {}})
    bad = {**good, "sample_id": ["a", "a"], "answer_type": ["number", "essay"], "difficulty": [1, 9]}
    passed, details = validate(pa.table(bad), "samples", samples_suite())
    assert not passed
    assert details["failed"] == {"expect_column_values_to_be_unique(sample_id)": 2,
                                 "expect_column_values_to_be_in_set(answer_type)": 1,
                                 "expect_column_values_to_be_between(difficulty)": 1}


def _write_partitions(root: str, domain: str) -> None:
    lake = Lake(root)
    for r in range(1, 11):
        lake.write("plans", [plan(r * 100 + i, r, domain) for i in range(3)], round=r, domain=domain, producer="plan")


def test_concurrent_writers_of_different_partitions_lose_no_row(tmp_path):
    import multiprocessing as mp

    ctx = mp.get_context("spawn")
    procs = [ctx.Process(target=_write_partitions, args=(str(tmp_path), d)) for d in ("d1", "d2")]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
        assert p.exitcode == 0
    con = catalog.connect(tmp_path, ["plans"])
    assert con.execute("SELECT domain, count(*) FROM plans GROUP BY 1 ORDER BY 1").fetchall() == [("d1", 30), ("d2", 30)]
