"""The benchmark: built only from held-out samples, leak-free against the train side, reproducible
from a seed; the leak check catches planted overlaps; end to end through Dagster with perception."""

from __future__ import annotations

import io
import json

import dagster as dg
import numpy as np
import pytest
from PIL import Image

from assets_defs.definitions import defs
from assets_defs.partitions import partition_key
from pipelines.benchmark import (
    TASK_TYPES, build_benchmark, build_from_lake, find_leaks, leak_report, leak_report_from_lake, sides,
)
from pipelines.dedup.index import index_history
from pipelines.split import combination_key, split_of
from warehouse.catalog import connect
from warehouse.images import image_row
from tests.counting_lake import CountingLake
from warehouse.storage import Lake

FRACTION = 0.5


def noise_png(i: int, flip: bool = False) -> bytes:
    rgb = (np.random.default_rng(i).random((64, 64, 3)) * 255).astype(np.uint8)
    rgb = np.kron(rgb[:8, :8], np.ones((8, 8, 1), dtype=np.uint8))  # blocky: a stable phash
    if flip:
        rgb[0, 0] = 255 - rgb[0, 0]  # another file, the same picture
    buf = io.BytesIO()
    Image.fromarray(rgb).save(buf, format="PNG")
    return buf.getvalue()


def make_sample(i: int, png: bytes, question: str | None = None, answer: str | None = None,
                nodes: list[str] | None = None) -> tuple[dict, dict]:
    img = image_row(png, 1, "d")
    edit = image_row(noise_png(10_000 + i), 1, "d")
    row = {"sample_id": f"s{i:03d}", "node_ids": nodes or [f"kp{i}"], "image_id": img["image_id"],
           "interactions": [{"kind": "auxiliary_line", "instruction": f"Draw line {i}.", "code": "pass",
                             "elements": [], "image_id": edit["image_id"]}],
           "question": question or f"Question number {i} about a figure with {i * 7} apples and {i % 5} pears?",
           "answer": answer or str(i), "answer_type": "number", "choices": [], "expansion": "none",
           "points_px": [{"name": "A", "x": 10.0, "y": 20.0}], "width": 64, "height": 64, "round": 1, "domain": "d"}
    return row, img | {"edit": edit}


def world(n: int = 40):
    samples, phash, perception = [], {}, []
    for i in range(n):
        row, img = make_sample(i, noise_png(i))
        samples.append(row)
        phash[img["image_id"]] = img["phash"]
        phash[img["edit"]["image_id"]] = img["edit"]["phash"]
        perception.append({"task_id": f"t{i}", "level": "surface", "source": "sample", "image_id": row["image_id"],
                           "subject": "point A", "answer": json.dumps({"A": [10.0, 20.0]})})
    return samples, phash, perception


def test_items_come_only_from_heldout_combinations_three_per_image():
    samples, phash, perception = world()
    out = build_benchmark(samples, samples, perception, phash, seed=3, heldout_fraction=FRACTION)
    held, train = sides(samples, 3, FRACTION)
    assert held and train and out.rows
    assert {r["sample_id"] for r in out.rows} == {s["sample_id"] for s in held}
    per_image = {}
    for r in out.rows:
        per_image.setdefault(r["image_id"], []).append(r["task_type"])
        assert split_of(r["combination"].split("|"), 3, FRACTION) == "heldout"
    assert all(sorted(v) == sorted(TASK_TYPES) for v in per_image.values())
    train_combos = {combination_key(s["node_ids"]) for s in train}
    assert not {r["combination"] for r in out.rows} & train_combos
    ok, details = leak_report(out.rows, samples, phash)
    assert ok, details


def test_reproducible_from_the_seed():
    samples, phash, perception = world()
    a = build_benchmark(samples, samples, perception, phash, seed=5, heldout_fraction=FRACTION).rows
    b = build_benchmark(list(reversed(samples)), samples, perception, phash, seed=5, heldout_fraction=FRACTION).rows
    c = build_benchmark(samples, samples, perception, phash, seed=6, heldout_fraction=FRACTION).rows
    assert a == b
    assert {r["sample_id"] for r in a} != {r["sample_id"] for r in c}


def plant_leaks(samples: list[dict], phash: dict) -> list[dict]:
    """Train samples (seed 3) leaking into the first three held-out ones: h0's very image, h1's
    picture in another file (near phash), h2's question and answer on another figure."""
    held, train = sides(samples, 3, FRACTION)
    h0, h1, h2 = held[:3]
    t = train[0]
    planted = []
    # a train sample with the very same image as h0
    row, _ = make_sample(900, noise_png(900), nodes=t["node_ids"])
    planted.append(row | {"image_id": h0["image_id"], "sample_id": "p0"})
    # a train sample whose image is the same picture as h1 in another file (near-duplicate phash)
    row, img = make_sample(901, noise_png(int(h1["sample_id"][1:]), flip=True), nodes=t["node_ids"])
    assert img["image_id"] != h1["image_id"]
    phash[img["image_id"]], phash[img["edit"]["image_id"]] = img["phash"], img["edit"]["phash"]
    planted.append(row | {"sample_id": "p1"})
    # a train sample asking h2's question with h2's answer on another figure
    row, img = make_sample(902, noise_png(902), question=h2["question"], answer=h2["answer"], nodes=t["node_ids"])
    phash[img["image_id"]], phash[img["edit"]["image_id"]] = img["phash"], img["edit"]["phash"]
    planted.append(row | {"sample_id": "p2"})
    return planted


def test_heldout_samples_that_leak_into_train_are_dropped():
    samples, phash, perception = world()
    held, _ = sides(samples, 3, FRACTION)
    h0, h1, h2 = held[:3]
    planted = plant_leaks(samples, phash)
    everything = samples + planted
    assert all(split_of(p["node_ids"], 3, FRACTION) == "train" for p in planted)
    leaks = find_leaks(held, [s for s in everything if split_of(s["node_ids"], 3, FRACTION) == "train"], phash)
    assert leaks == {0: ["shared_image"], 1: ["near_image"], 2: ["near_question"]}
    out = build_benchmark(samples, everything, perception, phash, seed=3, heldout_fraction=FRACTION)
    assert out.dropped == {"shared_image": 1, "near_image": 1, "near_question": 1}
    kept = {r["sample_id"] for r in out.rows}
    assert not kept & {h0["sample_id"], h1["sample_id"], h2["sample_id"]}
    assert leak_report(out.rows, everything, phash)[0]


def test_leak_check_catches_planted_overlaps():
    samples, phash, perception = world()
    out = build_benchmark(samples, samples, perception, phash, seed=3, heldout_fraction=FRACTION)
    assert leak_report(out.rows, samples, phash)[0]
    _, train = sides(samples, 3, FRACTION)
    t = train[0]
    # an item whose input image is a train sample's figure
    bad = dict(out.rows[0], item_id="planted", image_id=t["image_id"])
    ok, details = leak_report(out.rows + [bad], samples, phash)
    assert not ok and details["shared_image"] == 1 and "planted" in details["examples"]
    # an item built from a train-side combination
    bad = dict(out.rows[0], item_id="planted2", combination=combination_key(t["node_ids"]))
    ok, details = leak_report(out.rows + [bad], samples, phash)
    assert not ok and details["shared_combination"] == 1 and details["not_heldout"] == 1
    # an instruction reference that is a train sample's interaction image
    bad = dict(out.rows[1], item_id="planted3", reference_image_id=t["interactions"][0]["image_id"])
    ok, details = leak_report(out.rows + [bad], samples, phash)
    assert not ok and details["shared_image"] == 1


def lake_of(root, samples: list[dict], phash: dict) -> CountingLake:
    """A lake holding ``samples`` (one partition; columns the benchmark never reads filled in), their
    images' phashes and the dedup index."""
    lake = CountingLake(root)
    fill = {"attempt": 0, "parent_id": None, "creator": "procedural:f", "family": "f", "variant": "base",
            "difficulty": 1, "solution": "", "render_code": "", "renderer": "matplotlib", "needs_figure": True}
    lake.write("samples", [fill | s | {"plan_id": s["sample_id"]} for s in samples], round=1, domain="d",
               producer="curate")
    lake.write("images", [{"image_id": i, "png": b"", "width": 64, "height": 64, "phash": h, "round": 1, "domain": "d"}
                          for i, h in phash.items()], round=1, domain="d", producer="render")
    assert index_history(lake) == [(1, "d")]
    lake.samples_read.clear()
    return lake


def test_against_the_lake_same_benchmark_and_report_reading_only_suspects(tmp_path):
    samples, phash, perception = world()
    planted = plant_leaks(samples, phash)
    everything = samples + planted
    lake = lake_of(tmp_path, everything, phash)
    want = build_benchmark(samples, everything, perception, phash, seed=3, heldout_fraction=FRACTION)
    got = build_from_lake(lake, samples, perception, seed=3, heldout_fraction=FRACTION)
    assert got.rows == want.rows and got.dropped == want.dropped
    assert want.dropped == {"shared_image": 1, "near_image": 1, "near_question": 1}
    # of the train side, only the planted samples were read (each shares a key with a held-out one)
    assert sorted(lake.samples_read) == ["p0", "p1", "p2"]
    _, train = sides(everything, 3, FRACTION)
    t = train[0]
    bad = [dict(got.rows[0], item_id="planted", image_id=t["image_id"]),
           dict(got.rows[0], item_id="planted2", combination=combination_key(t["node_ids"])),
           dict(got.rows[1], item_id="planted3", reference_image_id=t["interactions"][0]["image_id"])]
    for bench in (got.rows, got.rows + bad):
        lake.samples_read.clear()
        assert leak_report_from_lake(lake, bench) == leak_report(bench, everything, phash)
        assert len(lake.samples_read) < len(everything) / 2
    ok, details = leak_report_from_lake(lake, got.rows + bad)
    assert not ok and details["shared_image"] == 2 and details["shared_combination"] == 1


# ---------------------------------------------------------------------------------------------
# end to end: a small round (2 domains) -> perception tasks -> benchmark, on a scratch lake

DOMAINS = ["plane_geometry", "statistics_charts"]
ONE_WORKER = {"sandbox": {"config": {"workers": 1}}}
FLYWHEEL = {"ops": {"plans": {"config": {"plans_per_domain": 4, "seed": 7}},
                    "expansions": {"config": {"fraction": 0.0, "max_depth": 1, "seed": 7}}},
            "resources": ONE_WORKER}
BENCH = {"ops": {"perception_figures": {"config": {"count": 3, "seed": 1}},
                 "benchmark": {"config": {"heldout_fraction": FRACTION, "seed": 0}}},
         "resources": ONE_WORKER}


@pytest.fixture(scope="module")
def small_round(tmp_path_factory):
    root = tmp_path_factory.mktemp("lake")
    mp = pytest.MonkeyPatch()
    mp.setenv("FLYWHEEL_DATA_ROOT", str(root))
    with dg.instance_for_test() as instance:
        instance.add_dynamic_partitions("round", ["1"])
        for domain in DOMAINS:
            key = partition_key(1, domain)
            assert defs.resolve_job_def("flywheel").execute_in_process(
                instance=instance, partition_key=key, run_config=FLYWHEEL).success
            assert defs.resolve_job_def("perception").execute_in_process(instance=instance, partition_key=key).success
        result = defs.resolve_job_def("build_benchmark").execute_in_process(
            instance=instance, partition_key="1", run_config=BENCH, raise_on_error=False)
        yield {"root": root, "instance": instance, "result": result}
    mp.undo()


def test_round_yields_every_perception_level_and_benchmark_type(small_round):
    assert small_round["result"].success
    con = connect(small_round["root"])
    levels = dict(con.execute("SELECT level, count(*) FROM perception_tasks GROUP BY 1").fetchall())
    assert set(levels) == {"surface", "semantic", "integrated"}, levels
    types = dict(con.execute("SELECT task_type, count(*) FROM benchmark GROUP BY 1").fetchall())
    assert set(types) == set(TASK_TYPES) and len(set(types.values())) == 1, types
    # answers are JSON label -> [x, y] on the image, every task's image is in the image store
    for answer, w, h in con.execute("SELECT answer, width, height FROM perception_tasks").fetchall():
        pts = json.loads(answer)
        assert pts and all(0 <= x <= w and 0 <= y <= h for x, y in pts.values())
    assert con.execute("SELECT count(*) FROM perception_tasks ANTI JOIN images USING (image_id)").fetchall() == [(0,)]
    assert con.execute("""SELECT count(*) FROM benchmark b ANTI JOIN samples s USING (sample_id)""").fetchall() == [(0,)]
    assert con.execute("""SELECT count(*) FROM benchmark WHERE task_type = 'instruction_guided'
                          AND reference_image_id NOT IN (SELECT image_id FROM images)""").fetchall() == [(0,)]
    checks = {e.check_name: e.passed for e in small_round["result"].get_asset_check_evaluations()}
    assert checks == {"benchmark_leak_free": True}


def test_planted_overlap_fails_the_blocking_leak_check(small_round):
    root, instance = small_round["root"], small_round["instance"]
    lake = Lake(root)
    bench = lake.read("benchmark", round=1).to_pylist()
    samples = lake.read("samples").to_pylist()
    train = [s for s in samples if split_of(s["node_ids"], 0, FRACTION) == "train"]
    assert bench and train
    stray = dict(bench[0], item_id="planted", image_id=train[0]["image_id"])
    lake.write("benchmark", [stray], round=1, domain=stray["domain"], producer="stray")
    mp = pytest.MonkeyPatch()
    mp.setenv("FLYWHEEL_DATA_ROOT", str(root))
    try:
        result = defs.resolve_job_def("build_benchmark").execute_in_process(
            instance=instance, partition_key="1", run_config=BENCH, raise_on_error=False)
    finally:
        mp.undo()
    failed = [e for e in result.get_asset_check_evaluations() if not e.passed]
    assert [e.check_name for e in failed] == ["benchmark_leak_free"]
    assert failed[0].metadata["shared_image"].value == 1
