"""The V-Interaction-style export of accepted samples: a real flywheel round (one domain) is
exported through the Dagster asset, checked against V-Thinker's format rules and its released code
extraction, kept free of the benchmark, and loaded back through the V-Interaction loader and
``datasets``."""

from __future__ import annotations

import ast
import hashlib
import re

import dagster as dg
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from assets_defs import sources as area
from assets_defs.definitions import defs
from assets_defs.partitions import DOMAINS, partition_key
from assets_defs.resources import LakeResource
from pipelines.export.vinteraction import RELEASE_COLUMNS, vinteraction_rows, write_parts
from pipelines.split import split_of
from train.protocol import extract_answer, format_ok
from warehouse.catalog import connect
from warehouse.sources import load
from warehouse.storage import Lake

DOMAIN = DOMAINS.get_partition_keys()[0]


@pytest.fixture(scope="module")
def round_lake(tmp_path_factory) -> str:
    """One small flywheel round for one domain, run through the real job up to ``samples``."""
    root = str(tmp_path_factory.mktemp("lake"))
    mp = pytest.MonkeyPatch()
    mp.setenv("FLYWHEEL_DATA_ROOT", root)
    upstream = (dg.AssetSelection.assets("samples").upstream().required_multi_asset_neighbors()
                .resolve(defs.resolve_asset_graph()))
    with dg.instance_for_test() as inst:
        inst.add_dynamic_partitions("round", ["1"])
        result = defs.resolve_job_def("flywheel").execute_in_process(
            instance=inst, partition_key=partition_key(1, DOMAIN), asset_selection=list(upstream),
            run_config={"ops": {"plans": {"config": {"plans_per_domain": 4, "seed": 3}},
                                "expansions": {"config": {"fraction": 0.5, "max_depth": 1, "seed": 3}}}})
    mp.undo()
    assert result.success
    return root


@pytest.fixture(scope="module")
def exported(round_lake, tmp_path_factory):
    folder = tmp_path_factory.mktemp("export") / "V-Interaction"
    result = dg.materialize([area.export_vinteraction], resources={"lake": LakeResource(root=round_lake)},
                           run_config={"ops": {"export_vinteraction": {"config": {"folder": str(folder),
                                                                                   "rows_per_part": 3}}}})
    assert result.success
    table = pa.concat_tables([pq.read_table(p) for p in sorted((folder / "data").glob("*.parquet"))])
    return folder, table, result


# V-Thinker's released code extraction (eval/*/utils*.py, ../shared/notes/vthinker.md section 8)
VTHINKER_CODE = re.compile(r"'''python\s*([\s\S]*?)\s*'''", re.IGNORECASE)


def _samples(root: str) -> dict[str, dict]:
    rows = connect(root).sql("SELECT * FROM samples").to_arrow_table().to_pylist()
    return {r["sample_id"]: r for r in rows}


def _reads_p(code: str) -> bool:
    return any(isinstance(n, ast.Name) and n.id == "P" for n in ast.walk(ast.parse(code)))


def test_export_has_the_release_columns_first_then_provenance(round_lake, exported):
    folder, table, result = exported
    samples = _samples(round_lake)
    with_steps = {k for k, s in samples.items() if s["interactions"] and split_of(s["node_ids"]) == "train"}
    assert with_steps and set(table.column("id").to_pylist()) == with_steps
    assert set(table.column("split").to_pylist()) == {"train"}
    assert tuple(table.column_names[:8]) == RELEASE_COLUMNS
    assert table.schema.field("image").type == pa.struct([("bytes", pa.binary()), ("path", pa.string())])
    assert b"huggingface" in table.schema.metadata
    (mat,) = result.get_asset_materialization_events()
    assert mat.materialization.metadata["dagster/row_count"].value == len(with_steps)
    names = dict(connect(round_lake).execute("SELECT node_id, name FROM knowledge_nodes").fetchall())
    for row in table.to_pylist():
        s = samples[row["id"]]
        assert hashlib.sha256(row["image"]["bytes"]).hexdigest() == s["image_id"]
        assert hashlib.sha256(row["edited_image"]["bytes"]).hexdigest() == s["interactions"][-1]["image_id"]
        assert [i["path"] for i in row["sandbox_images"]] == [f"{st['image_id']}.png" for st in s["interactions"]]
        assert row["original_img_code"] == s["render_code"] and row["answer"] == s["answer"]
        assert (row["domain"], row["round"], row["difficulty"], row["creator"], row["family"]) == (
            s["domain"], s["round"], s["difficulty"], s["creator"], s["family"])
        assert row["knowledge_points"] == [names[n] for n in s["node_ids"]]


def test_cot_follows_vthinkers_tag_protocol(round_lake, exported):
    _, table, _ = exported
    samples = _samples(round_lake)
    for row in table.to_pylist():
        cot, steps = row["CoT_with_code"], samples[row["id"]]["interactions"]
        assert format_ok(cot), cot[-200:]  # V-Thinker's fmt_orm: one <think>, `</think> <answer>..</answer>` at the end
        assert extract_answer(cot) == row["answer"]
        assert cot.count("<code>\n'''python\n") == cot.count("</code>") == len(steps) == len(row["sandbox_images"])
        assert cot.count("<sandbox_output><image></sandbox_output>") == len(steps)
        blocks = VTHINKER_CODE.findall(cot)  # V-Thinker's own extraction finds every block
        assert len(blocks) == len(steps)
        for code in [*blocks, row["tool_code"]]:
            assert not _reads_p(code), code  # no oracle: coordinates are literals
        assert [b.splitlines()[4] for b in blocks] == [f"image_path = 'images/{i}.png'" for i in
                                                       [row["image"]["path"][:-4]] + [x["path"][:-4] for x in
                                                                                      row["sandbox_images"][:-1]]]


def test_export_loads_back_through_the_vinteraction_loader(round_lake, exported, tmp_path):
    folder, table, _ = exported
    assert len(list((folder / "data").glob("train_part*-00000-of-00001.parquet"))) == -(-table.num_rows // 3)
    lake = Lake(tmp_path / "lake")
    report = load("vinteraction", folder, lake)
    assert report.errors == [] and report.rows == table.num_rows
    samples = _samples(round_lake)
    loaded = connect(lake.root).execute(
        "SELECT item_id, image_id, edited_image_id, cot_with_code FROM source_vinteraction").fetchall()
    assert len(loaded) == table.num_rows
    for item_id, image_id, edited_id, cot in loaded:
        s = samples[item_id]
        # the same PNG bytes, so the same content address as in the flywheel's image store
        assert (image_id, edited_id) == (s["image_id"], s["interactions"][-1]["image_id"])
        assert cot.endswith(f"<answer>{s['answer']}</answer>")


def test_samples_without_interaction_or_image_are_skipped_and_counted(round_lake):
    con = connect(round_lake)
    samples = con.sql("SELECT * FROM samples WHERE len(interactions) > 0").to_arrow_table().to_pylist()
    png = dict(con.execute("SELECT image_id, png FROM images").fetchall())
    plain = {**samples[0], "sample_id": "no-steps", "interactions": []}
    lost = {**samples[0], "sample_id": "lost-image", "image_id": "0" * 64}
    out = vinteraction_rows([*samples, plain, lost], png, {}, include_heldout=True)
    assert len(out.rows) == len(samples)
    assert out.skipped == {"no interaction": 1, "image missing from the image store": 1}
    assert out.rows[0]["knowledge_points"] == samples[0]["node_ids"]  # unknown names fall back to ids


def test_a_smaller_reexport_removes_parts_left_from_a_larger_one(exported, tmp_path):
    _, table, _ = exported
    rows = table.to_pylist()
    assert len(write_parts(rows, tmp_path, rows_per_part=1)) == len(rows)
    write_parts(rows[:1], tmp_path, rows_per_part=1)
    assert [p.name for p in (tmp_path / "data").iterdir()] == ["train_part1-00000-of-00001.parquet"]


def _split_seed_with_heldout(samples) -> int:
    """A split seed under which this small round has held-out samples with interactions."""
    return next(seed for seed in range(200)
                if any(s["interactions"] and split_of(s["node_ids"], seed) == "heldout" for s in samples))


def test_the_benchmark_never_reaches_the_export_unless_asked(round_lake, tmp_path):
    """Joined on sample id and on image hash: no benchmark sample, and no sample sharing an image with
    one, is exported by default; ``include_heldout`` keeps them, marked ``split = 'heldout'``."""
    samples = [s for s in _samples(round_lake).values() if s["interactions"]]
    seed = _split_seed_with_heldout(samples)
    held = [s for s in samples if split_of(s["node_ids"], seed) == "heldout"]
    train = [s for s in samples if split_of(s["node_ids"], seed) == "train"]
    shared = train[0]  # a train-side sample whose figure a benchmark item also uses
    lake = Lake(round_lake)
    base = {"task_type": "interactive_reasoning", "question": "q", "reference": "{}", "answer_type": "number",
            "choices": [], "reference_image_id": None, "points_px": "{}", "width": 1, "height": 1,
            "combination": "c", "split_seed": seed, "heldout_fraction": 0.1, "round": 1, "domain": DOMAIN}
    lake.write("benchmark", [{**base, "item_id": f"b{i}", "sample_id": s["sample_id"], "image_id": s["image_id"]}
                             for i, s in enumerate([*held, {"sample_id": "elsewhere", "image_id": shared["image_id"]}])],
               round=1, domain=DOMAIN, producer="test")
    try:
        tables = {}
        for include in (False, True):
            folder = tmp_path / f"include-{include}"
            config = {"folder": str(folder), "include_heldout": include, "split_seed": seed}
            res = dg.materialize([area.export_vinteraction], resources={"lake": LakeResource(root=round_lake)},
                                 run_config={"ops": {"export_vinteraction": {"config": config}}})
            assert res.success
            tables[include] = pq.read_table(next((folder / "data").glob("*.parquet"))).to_pylist()
        bench = connect(round_lake).execute("SELECT sample_id, image_id FROM benchmark").fetchall()
        bench_ids, bench_images = {b[0] for b in bench}, {b[1] for b in bench}

        def leaks(rows):
            return [r["id"] for r in rows if r["id"] in bench_ids or hashlib.sha256(r["image"]["bytes"]).hexdigest()
                    in bench_images or {hashlib.sha256(i["bytes"]).hexdigest() for i in r["sandbox_images"]}
                    & bench_images]

        assert leaks(tables[False]) == [] and len(tables[False]) == len(train) - 1
        assert sorted(leaks(tables[True])) == sorted([s["sample_id"] for s in held] + [shared["sample_id"]])
        assert {r["id"]: r["split"] for r in tables[True] if r["split"] == "heldout"}.keys() == set(leaks(tables[True]))
        card = (tmp_path / "include-False" / "README.md").read_text()
        assert "held out for the benchmark: " in card and f"({len(train) - 1} in all)" in card
    finally:
        lake.drop("benchmark", round=1, domain=DOMAIN, producer="test")


def test_the_export_loads_with_datasets_and_decodes_images(exported):
    import datasets

    folder, table, _ = exported
    files = sorted(str(p) for p in (folder / "data").glob("*.parquet"))
    ds = datasets.load_dataset("parquet", data_files=files, split="train")
    assert len(ds) == table.num_rows and ds[0]["image"].size == ds[0]["edited_image"].size
    assert ds[0]["sandbox_images"][-1].mode in ("RGB", "RGBA") and ds[0]["split"] == "train"
    card = (folder / "README.md").read_text()
    assert card.startswith("---\nlicense: other") and "## Rows per domain" in card and f"| {DOMAIN} |" in card
