"""The lake on an object store: with the data root at ``s3://bucket/prefix`` every table is a Delta
table in the bucket (delta-rs writes, pyarrow reads, DuckDB's catalog reads through s3fs), `flywheel
sql` works over it, and a writer killed mid-write leaves nothing partial. Against moto's S3 server
on 127.0.0.1, started here; the client code is the real one (endpoint and keys from AWS_* variables)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
import uuid

import pytest

from tests.servers import Unavailable, s3_server
from warehouse.storage import Lake

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.fixture(scope="module")
def s3():
    """moto's S3 server with a bucket ``lake``; the AWS variables point every client at it."""
    pytest.importorskip("s3fs", reason="s3:// roots need the ray extra's s3fs (pip install '.[ray]')")
    server = s3_server("lake")
    try:
        env = server.__enter__()
    except Unavailable as err:
        pytest.skip(f"no S3-compatible server here: {err}")
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    yield env
    for k, v in saved.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v
    server.__exit__(None, None, None)


@pytest.fixture
def root(s3) -> str:
    return f"s3://lake/{uuid.uuid4().hex[:8]}"


def plan(i: int, domain: str = "d", round: int = 1) -> dict:
    return {"plan_id": f"p{i}", "node_ids": ["n1"], "creator": "procedural:x", "seed": i, "target_difficulty": 1,
            "evolved_node_id": None, "round": round, "domain": domain}


def bucket_keys(prefix: str) -> list[str]:
    import s3fs

    return sorted(s3fs.S3FileSystem().find(prefix.removeprefix("s3://")))


def test_tables_are_delta_tables_in_the_bucket_and_partitions_replace_atomically(root):
    lake = Lake(root)
    assert not lake.is_local
    lake.write("plans", [plan(0), plan(1)], round=1, domain="d", producer="plan")
    lake.write("plans", [plan(5, "e")], round=1, domain="e", producer="plan")
    lake.write("plans", [plan(2)], round=1, domain="d", producer="plan")  # a rerun replaces its own rows
    assert sorted(lake.read("plans")["plan_id"].to_pylist()) == ["p2", "p5"]
    assert lake.read("plans", 1, "e")["plan_id"].to_pylist() == ["p5"]
    assert lake.count("plans", 1, "d") == 1
    keys = bucket_keys(f"{root}/tables/plans")
    assert any("/_delta_log/" in k for k in keys) and any(k.endswith(".parquet") for k in keys)
    assert all(f.startswith(f"{root}/tables/plans/") for f in lake.files("plans"))
    report = lake.compact("plans", vacuum_hours=0)
    assert report["files_after"] == 1
    assert sorted(lake.read("plans")["plan_id"].to_pylist()) == ["p2", "p5"]


def test_flywheel_sql_queries_the_bucket_and_stays_read_only(root, capsys):
    from assets_defs.cli import main

    lake = Lake(root)
    lake.write("plans", [plan(i) for i in range(3)], round=1, domain="d", producer="plan")
    lake.write("plans", [plan(9, "e")], round=1, domain="e", producer="plan")
    assert main(["sql", "SELECT domain, count(*) AS n FROM plans GROUP BY 1 ORDER BY 1", "--root", root,
                 "--format", "csv"]) == 0
    assert capsys.readouterr().out.strip().splitlines() == ["domain,n", "d,3", "e,1"]
    assert main(["sql", "COPY (SELECT 1) TO 'out.parquet'", "--root", root]) == 2  # refused, as on a local lake


def test_lake_check_reads_every_file_in_the_bucket(root):
    from warehouse.maintenance import check

    Lake(root).write("plans", [plan(0)], round=1, domain="d", producer="plan")
    assert check(Lake(root), ["plans"]) == []


WRITER = textwrap.dedent("""
    import functools, os, sys, time
    import deltalake
    import pyarrow as pa
    from warehouse.schemas import schema
    from warehouse.storage import Lake

    # small files, so that some are in the bucket before the kill (the write is not yet committed)
    deltalake.write_deltalake = functools.partial(deltalake.write_deltalake, target_file_size=1 << 20)

    def batches():
        for b in range(6):
            yield pa.RecordBatch.from_pylist(
                [{"plan_id": os.urandom(100).hex(), "node_ids": ["n1", "n2"], "creator": "procedural:x",
                  "seed": i, "target_difficulty": 1, "evolved_node_id": None, "round": 1, "domain": "d"}
                 for i in range(10000)], schema=schema("plans"))
        print("mid-write", flush=True)
        time.sleep(600)  # killed here: files uploaded, no commit

    Lake(sys.argv[1]).write_batches("plans", batches(), round=1, domain="d", producer="plan")
""")


def test_a_writer_killed_mid_write_leaves_the_old_version_and_nothing_partial(root):
    lake = Lake(root)
    lake.write("plans", [plan(0), plan(1)], round=1, domain="d", producer="plan")
    version = lake.version("plans")
    proc = subprocess.Popen([sys.executable, "-c", WRITER, root], cwd=REPO, stdout=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONPATH": REPO})
    try:
        assert proc.stdout.readline().strip() == "mid-write"
        time.sleep(1.0)  # let the writer flush what it holds
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    uploaded = [k for k in bucket_keys(f"{root}/tables/plans") if k.endswith(".parquet")]
    assert len(uploaded) > len(lake.files("plans")), "the writer was killed before it wrote anything"
    fresh = Lake(root)
    assert fresh.version("plans") == version
    assert sorted(fresh.read("plans")["plan_id"].to_pylist()) == ["p0", "p1"]
    from warehouse.sql import run_sql

    assert run_sql("SELECT count(*) FROM plans", root)[1] == [(2,)]
    fresh.write("plans", [plan(3)], round=1, domain="d", producer="plan")  # the next writer is not blocked
    assert fresh.read("plans")["plan_id"].to_pylist() == ["p3"]


CONCURRENT = textwrap.dedent("""
    import sys
    from warehouse.storage import Lake

    root, domain = sys.argv[1], sys.argv[2]
    for i in range(5):
        Lake(root).write("plans", [{"plan_id": f"{domain}-{i}", "node_ids": ["n1"], "creator": "procedural:x",
                                    "seed": i, "target_difficulty": 1, "evolved_node_id": None, "round": 1,
                                    "domain": domain}], round=1, domain=domain, producer=f"p{i}")
""")


def test_two_writers_of_different_partitions_commit_to_one_bucket_table_and_lose_no_row(root):
    Lake(root).write("plans", [plan(0, "d0")], round=1, domain="d0", producer="plan")  # the table exists
    procs = [subprocess.Popen([sys.executable, "-c", CONCURRENT, root, d], cwd=REPO,
                              env={**os.environ, "PYTHONPATH": REPO}) for d in ("d1", "d2")]
    assert [p.wait(120) for p in procs] == [0, 0]
    from warehouse.sql import run_sql

    assert run_sql("SELECT domain, count(*) FROM plans GROUP BY 1 ORDER BY 1", root)[1] == [
        ("d0", 1), ("d1", 5), ("d2", 5)]
