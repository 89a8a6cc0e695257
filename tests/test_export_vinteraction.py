"""The V-Interaction-style export of accepted samples: a real flywheel round (one domain) is
exported through the Dagster asset, checked against V-Thinker's format rules, and loaded back
through the V-Interaction loader."""

from __future__ import annotations

import hashlib

import dagster as dg
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from assets_defs import sources as area
from assets_defs.definitions import defs
from assets_defs.partitions import DOMAINS, partition_key
from assets_defs.resources import LakeResource
from pipelines.export.vinteraction import RELEASE_COLUMNS, vinteraction_rows, write_parts
from train.protocol import code_block, extract_answer, extract_code, format_ok
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


def _samples(root: str) -> dict[str, dict]:
    rows = connect(root).sql("SELECT * FROM samples").to_arrow_table().to_pylist()
    return {r["sample_id"]: r for r in rows}


def test_export_has_the_release_columns_first_then_provenance(round_lake, exported):
    folder, table, result = exported
    samples = _samples(round_lake)
    with_steps = {k for k, s in samples.items() if s["interactions"]}
    assert with_steps and set(table.column("id").to_pylist()) == with_steps
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
        assert cot.count("<code>\n```python\n") == cot.count("</code>") == len(steps) == len(row["sandbox_images"])
        assert cot.count("<sandbox_output><image></sandbox_output>") == len(steps)
        first = extract_code(cot)  # the training/eval parser finds the first block
        assert first.endswith(steps[0]["code"].strip()) and code_block(first) in cot
        compile(first, "cot", "exec")
        for step in steps:
            assert step["code"].strip() in cot and step["code"].strip() in row["tool_code"]


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
    out = vinteraction_rows([*samples, plain, lost], png, {})
    assert len(out.rows) == len(samples)
    assert out.skipped == {"no interaction": 1, "image missing from the image store": 1}
    assert out.rows[0]["knowledge_points"] == samples[0]["node_ids"]  # unknown names fall back to ids


def test_a_smaller_reexport_removes_parts_left_from_a_larger_one(exported, tmp_path):
    _, table, _ = exported
    rows = table.to_pylist()
    assert len(write_parts(rows, tmp_path, rows_per_part=1)) == len(rows)
    write_parts(rows[:1], tmp_path, rows_per_part=1)
    assert [p.name for p in (tmp_path / "data").iterdir()] == ["train_part1-00000-of-00001.parquet"]
