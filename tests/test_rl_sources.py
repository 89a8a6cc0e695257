"""The public RL prompt sets of V-Thinker's GRPO mix (We-Math 2.0, MMK12, ThinkLite-VL-hard-11k):
loaded from their published layouts (fixtures written here), malformed rows named by file, row and
field, and mixed with the flywheel's own RL rows by weights."""

from __future__ import annotations

import pytest

from tests.test_sources import hf, png, q, write_parquet
from train.export import Export, mix_public_prompts
from train.rl_mix import MixError, mix
from warehouse.sources import load
from warehouse.sources.rl_prompts import inline_options
from warehouse.storage import Lake


@pytest.fixture
def lake(tmp_path) -> Lake:
    return Lake(tmp_path / "lake")


def write_downloads(root) -> None:
    write_parquet(root / "We-Math2.0-Pro" / "data" / "pro-00000-of-00002-abc.parquet", [
        {"question_id": f"p{i}", "question": f"Find x ({i}).", "image": hf(png(i)), "difficulty": "3",
         "knowledge points": ["Triangle", "Angles"], "idx": str(i), "answer": str(30 + i)} for i in range(3)], ("image",))
    write_parquet(root / "We-Math2.0-Standard" / "mathbook_standard.parquet", [
        {"id": i, "question": f"Area {i}?", "image": hf(png(10 + i)), "answer": f"{i}\\pi", "data_source": "s"}
        for i in range(2)], ("image",))
    write_parquet(root / "MMK12" / "data" / "train-00000-of-00001.parquet", [
        {"id": f"t{i}", "subject": "math", "image": hf(png(20 + i)), "question": f"Compute {i} + 1.", "answer": str(i + 1)}
        for i in range(4)], ("image",))
    write_parquet(root / "MMK12" / "data" / "test-00000-of-00001.parquet", [
        {"id": "e0", "subject": "physics", "image": hf(png(30)), "answer": "B",
         "question": "Which force is larger?\nA. F1\nB. F2\nC. equal\nD. cannot tell"}], ("image",))
    write_parquet(root / "ThinkLite-VL-hard-11k" / "data" / "train-00000-of-00001.parquet", [
        {"id": "h0", "problem": "How many cubes?", "answer": "7", "image": hf(png(40))},
        {"id": "h1", "problem": None, "answer": "2", "image": hf(png(41))},           # no question
        {"id": "h2", "problem": "Which is red?", "answer": "A", "image": hf(b"\x89PNG-broken")},  # corrupt image
        {"id": "h3", "problem": "What is the angle?", "answer": "45", "image": hf(png(43))}], ("image",))


def test_each_public_rl_set_loads_from_its_published_layout(tmp_path, lake):
    write_downloads(tmp_path / "dl")
    reports = {name: load(name, tmp_path / "dl" / folder, lake) for name, folder in (
        ("wemath2_pro", "We-Math2.0-Pro"), ("wemath2_standard", "We-Math2.0-Standard"), ("mmk12", "MMK12"),
        ("thinklite", "ThinkLite-VL-hard-11k"))}
    assert q(lake, "SELECT dataset, split, count(*) FROM source_rl_prompts GROUP BY ALL ORDER BY ALL") == [
        ("mmk12", "test", 1), ("mmk12", "train", 4), ("thinklite", "train", 2), ("wemath2_pro", "pro", 3),
        ("wemath2_standard", "mathbook_standard", 2)]
    # MMK12's test options are inline: a choice item whose answer is the letter
    assert q(lake, "SELECT answer_type, options, answer FROM source_rl_prompts WHERE item_id = 'e0'") == [
        ("choice", ["F1", "F2", "equal", "cannot tell"], "B")]
    assert q(lake, "SELECT answer_type, metadata->>'difficulty' FROM source_rl_prompts WHERE item_id = 'p1'") == [
        ("number", "3")]
    assert q(lake, "SELECT count(*) FROM source_rl_prompts r ANTI JOIN images i USING (image_id)") == [(0,)]
    # malformed rows are named by file, 1-based row and field; the rest of the file loads
    errors = [str(e) for e in reports["thinklite"].errors]
    assert len(errors) == 2, errors
    assert errors[0].startswith("ThinkLite-VL-hard-11k/data/train-00000-of-00001.parquet row 2 [problem]: bad_value: "
                                "no question"), errors
    assert "row 3 [image]: corrupt_image" in errors[1], errors
    assert all(not r.errors for k, r in reports.items() if k != "thinklite")


def test_a_file_without_a_required_column_is_named_and_skipped(tmp_path, lake):
    write_parquet(tmp_path / "MMK12" / "data" / "train-00000-of-00001.parquet",
                  [{"id": "t0", "subject": "math", "image": hf(png(1)), "question": "2 + 2?"}], ("image",))
    (err,) = load("mmk12", tmp_path / "MMK12", lake).errors
    assert str(err).startswith("MMK12/data/train-00000-of-00001.parquet [answer]: missing_column"), str(err)
    assert q(lake, "SELECT count(*) FROM source_rl_prompts") == [(0,)]


def test_inline_options_need_consecutive_letters():
    assert inline_options("Q?\nA. 1\nB. 2\nC. 3") == ["1", "2", "3"]
    assert inline_options("Point A. is the apex") == []
    assert inline_options("Q?\nA. 1\nC. 3") == []


def _rows(name: str, n: int) -> list[dict]:
    return [{"row_id": f"{name}:{i}", "domain": name} for i in range(n)]


def test_mix_meets_every_share_to_the_row_and_is_sized_by_the_scarcest_pool():
    rows, counts = mix({"ours": _rows("ours", 10), "mmk12": _rows("mmk12", 100), "thinklite": _rows("thinklite", 3)},
                       {"ours": 2, "mmk12": 1, "thinklite": 0.5}, seed=1)
    # ours (10 rows at 2/3.5 of the set) allows 17 rows: 2:1:0.5 of 17 = 9.7, 4.9, 2.4
    assert counts == {"ours": 10, "mmk12": 5, "thinklite": 2}
    assert len(rows) == len({r["row_id"] for r in rows}) == 17
    again, _ = mix({"ours": _rows("ours", 10), "mmk12": _rows("mmk12", 100), "thinklite": _rows("thinklite", 3)},
                   {"ours": 2, "mmk12": 1, "thinklite": 0.5}, seed=1)
    assert [r["row_id"] for r in again] == [r["row_id"] for r in rows]  # seeded
    only_ours, c = mix({"ours": _rows("ours", 5)}, {"ours": 1, "mmk12": 0})
    assert c == {"ours": 5} and len(only_ours) == 5


@pytest.mark.parametrize("weights, message", [
    ({"ours": 1, "mmk12": 1}, "RL pool 'mmk12' has weight 1.0 but no rows: load it with"),
    ({"ours": -1}, "must be >= 0"),
    ({"ours": 0}, "every RL weight is 0"),
    ({"ours": 1, "mmmu": 1}, "unknown RL pool(s) ['mmmu']"),
])
def test_mix_weights_that_cannot_be_met_are_named(weights, message):
    with pytest.raises(MixError) as err:
        mix({"ours": _rows("ours", 4)}, weights)
    assert message in str(err.value)


def test_the_rl_set_mixes_loaded_public_prompts_and_never_draws_mmk12_test(tmp_path, lake):
    write_downloads(tmp_path / "dl")
    load("mmk12", tmp_path / "dl" / "MMK12", lake)
    load("wemath2_pro", tmp_path / "dl" / "We-Math2.0-Pro", lake)
    ours = Export("rl", [{**r, "images": []} for r in _rows("ours", 8)])
    out = mix_public_prompts(lake, ours, {"ours": 2, "mmk12": 1, "wemath2_pro": 1}, seed=0)
    assert out.pools == {"ours": 6, "mmk12": 3, "wemath2_pro": 3}  # limited by We-Math 2.0 Pro (3 rows)
    public = [r for r in out.rows if r["domain"] != "ours"]
    assert all(not r["row_id"].endswith(":e0") for r in public)  # MMK12 test is an evaluation set
    row = next(r for r in public if r["domain"] == "wemath2_pro")
    assert row["images"][0]["bytes"].startswith(b"\x89PNG") and row["solution"] in {"30", "31", "32"}
    assert [m["role"] for m in row["prompt"]] == ["system", "user"] and "`P`" not in row["prompt"][0]["content"][0]["text"]
