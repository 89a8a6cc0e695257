"""The tiny random-weight Qwen2.5-VL through the whole loop on CPU, and the Dagster ``eval`` job end to end
(``dagster job execute`` with the CPU config) on a fixture VTBench and a small project benchmark."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from pipelines.sandbox import Limits, Sandbox
from tests.eval_fixtures import GOOD_EDIT, code_turn, write_downloads, write_project_benchmark
from train.eval.backends import Generation, build_backend
from train.eval.benchmarks import load_items
from train.eval.loop import run_items
from train.eval.run import evaluate, write_run
from warehouse.catalog import connect
from warehouse.sources import load
from warehouse.storage import Lake

REPO = Path(__file__).resolve().parent.parent
CONFIG = REPO / "train" / "configs" / "eval_cpu_tiny.yaml"


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    root = tmp_path_factory.mktemp("eval_tiny")
    lake = Lake(root / "lake")
    with Sandbox(workers=1) as sb:
        write_downloads(root / "downloads", sb)
        write_project_benchmark(lake, sb)
    assert not load("vtbench", root / "downloads" / "VTBench", lake).errors
    return lake


def test_tiny_random_vlm_runs_the_loop_scores_near_zero_and_records_its_turns(world):
    import torch

    torch.set_num_threads(1)
    lake = world
    backend = build_backend("transformers", "tiny", batch_size=4, workdir=Path(lake.root) / "checkpoints" / "eval")
    with Sandbox(workers=1, limits=Limits(timeout_s=5)) as sb:
        run = evaluate(lake, ["project", "vtbench:reasoning"], backend, sb, "tiny-run", limit=1, max_new_tokens=24,
                       progress=False)
    write_run(lake, run, "tiny-run")
    assert len(run.results) == 4
    assert all(r["stop_reason"] in ("answer", "no_code", "max_turns", "length") for r in run.results)
    assert sum(r["score"] for r in run.results) / len(run.results) <= 0.25  # random weights: near zero
    con = connect(lake.root)
    turns = con.execute("SELECT item_id, turn, text, finish_reason FROM eval_turns WHERE run_id = 'tiny-run' "
                        "ORDER BY item_id, turn").fetchall()
    assert len(turns) == sum(r["turns"] for r in run.results) >= 4
    assert all(text for _, _, text, _ in turns)  # what the model generated is kept
    first = {(r["item_id"], r["response"][:20]) for r in run.results}
    assert {(i, t[:20]) for i, n, t, _ in turns if n == 0} == first
    assert run.items_per_s > 0


class FirstTurnScripted:
    """The tiny model never writes code: its first turn is replaced by a code block (as the GRPO smoke
    test does), so the real model then generates with the sandbox's image in its context."""

    def __init__(self, inner):
        self.inner, self.name, self.checkpoint = inner, inner.name, inner.checkpoint

    def generate(self, conversations, max_new_tokens, stop):
        real = [c for c in conversations if any(m["role"] == "assistant" for m in c)]
        done = iter(self.inner.generate(real, max_new_tokens, stop) if real else [])
        return [next(done) if any(m["role"] == "assistant" for m in c) else Generation(code_turn(GOOD_EDIT))
                for c in conversations]


def test_tiny_vlm_generates_with_the_sandbox_image_in_context(world):
    lake = world
    tiny = build_backend("transformers", "tiny", batch_size=4, workdir=Path(lake.root) / "checkpoints" / "eval")
    items = load_items(lake, ["vtbench:reasoning"])
    with Sandbox(workers=1, limits=Limits(timeout_s=5)) as sb:
        trajs = run_items(items, FirstTurnScripted(tiny), sb, max_new_tokens=16, max_turns=2)
    for t in trajs:
        assert [x.status for x in t.turns][:1] == ["ok"] and len(t.turns) == 2
        assert t.turns[1].input_image_id == t.turns[0].output_image_id and t.turns[1].text
        assert [m["role"] for m in t.messages] == ["system", "user", "assistant", "tool", "assistant"]


def test_dagster_eval_job_with_the_cpu_config(world, tmp_path):
    lake = world
    home = tmp_path / "dagster_home"
    home.mkdir()
    env = {**os.environ, "FLYWHEEL_DATA_ROOT": lake.root, "DAGSTER_HOME": str(home), "PYTHONPATH": str(REPO)}
    proc = subprocess.run([str(Path(sys.executable).with_name("dagster")), "job", "execute", "-m",
                           "assets_defs.definitions", "-j", "eval", "--config", str(CONFIG)],
                          cwd=REPO, env=env, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "RUN_SUCCESS" in proc.stdout + proc.stderr
    con = connect(lake.root)
    rows = con.execute("SELECT benchmark, task, count(*) FROM eval_results WHERE run_id NOT IN ('tiny-run') "
                       "GROUP BY ALL ORDER BY ALL").fetchall()
    # limit 2 per task: the project has one item per task, the fixture VTBench two
    assert rows == [("project", "instruction_guided", 1), ("project", "interactive_reasoning", 1),
                    ("project", "perception", 1), ("vtbench", "instruction", 2), ("vtbench", "perception", 2),
                    ("vtbench", "reasoning", 2)]
    assert con.execute("SELECT count(DISTINCT checkpoint) FROM eval_results").fetchone() == (1,)
    assert con.execute("SELECT count(*) FROM eval_summary WHERE metric = 'accuracy'").fetchone()[0] > 0
    assert "eval_report" in proc.stdout + proc.stderr
