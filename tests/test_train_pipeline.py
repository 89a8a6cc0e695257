"""The training curriculum end to end on a small real round: exports checked row by row, the CPU chain
(perception SFT -> SFT -> GRPO with sandboxed tool calls, tiny model), and the `sft` job through the
Dagster CLI recorded in training_runs."""

from __future__ import annotations

import json
import math
import os
import re
import subprocess
import sys
from pathlib import Path

import dagster as dg
import pytest

from assets_defs.definitions import defs
from assets_defs.partitions import DOMAINS, partition_key
from pipelines.export.vthinker import reproduces
from pipelines.sandbox import Sandbox
from train.export import (SETS, export_from_lake, export_path, is_sandbox_message, load_dataset, write_export)
from train.protocol import SANDBOX_OPEN, extract_code, format_ok
from train.tool import run_code
from warehouse.catalog import connect
from warehouse.storage import Lake

REPO = Path(__file__).resolve().parent.parent
FLYWHEEL = {"ops": {"plans": {"config": {"plans_per_domain": 3, "seed": 7}},
                    "expansions": {"config": {"fraction": 1.0, "max_depth": 2, "seed": 7}}}}


@pytest.fixture(scope="module")
def lake_root(tmp_path_factory):
    """One flywheel round (and its perception tasks) for two domains on a scratch lake, then every export."""
    root = tmp_path_factory.mktemp("train_lake")
    mp = pytest.MonkeyPatch()
    mp.setenv("FLYWHEEL_DATA_ROOT", str(root))
    with dg.instance_for_test() as inst:
        inst.add_dynamic_partitions("round", ["1"])
        for domain in DOMAINS.get_partition_keys()[:2]:
            for job, config in (("flywheel", FLYWHEEL), ("perception", {})):
                res = defs.resolve_job_def(job).execute_in_process(
                    instance=inst, partition_key=partition_key(1, domain), run_config=config, raise_on_error=False)
                assert res.success, (job, domain)
    lake = Lake(root)
    for name in SETS:
        write_export(export_from_lake(lake, name), root)
    yield root
    mp.undo()


def test_exports_hold_only_training_side_samples(lake_root):
    con = connect(lake_root)
    samples = con.execute("SELECT sample_id, node_ids FROM samples").fetchall()
    from pipelines.split import split_of

    train = {f"{s}" for s, nodes in samples if split_of(nodes) == "train"}
    meta = {n: json.loads((Path(lake_root) / "exports" / n / "metadata.json").read_text()) for n in SETS}
    assert meta["sft"]["rows"] == len(train) > 0
    assert meta["sft"]["heldout_skipped"] == len(samples) - len(train)
    sft = load_dataset(export_path(lake_root, "sft"))
    assert {r.split(":")[0] for r in sft["row_id"]} == train
    assert meta["rl"]["rows"] == len(train)
    assert meta["perception_sft"]["rows"] > 0, meta["perception_sft"]


def test_every_sft_row_is_well_formed_and_each_code_turn_reproduces_its_image(lake_root):
    """V-Thinker's format check on the final turn; every code turn, run in the project's sandbox on the
    previous image with nothing but ``image_path`` bound, gives the image stored with its sandbox turn
    (within the tolerance of pipelines/export/vthinker.py)."""
    ds = load_dataset(export_path(lake_root, "sft"))
    table = ds.with_format("arrow")[:]  # raw PNG bytes, not decoded images
    checked = 0
    with Sandbox(workers=1) as sandbox:
        for row_id, messages, images in zip(ds["row_id"], ds["messages"], table.column("images").to_pylist()):
            assert messages[-1]["role"] == "assistant" and format_ok(messages[-1]["content"][0]["text"]), row_id
            turns = messages[2:-1]
            assert len(turns) % 2 == 0 and len(turns) // 2 == len(images) - 1, row_id
            for k in range(0, len(turns), 2):
                code = extract_code(turns[k]["content"][0]["text"])
                assert turns[k]["role"] == "assistant" and code, (row_id, k)
                assert is_sandbox_message(turns[k + 1]) and turns[k + 1]["content"][1]["type"] == "image"
                before, stored = images[k // 2]["bytes"], images[k // 2 + 1]["bytes"]
                out = run_code(sandbox, code, before)
                assert out.ok, (row_id, k, out.text)
                assert reproduces(out.png, stored), (row_id, k, "sandbox output differs from the stored image")
                checked += 1
    assert checked > 0


def test_swift_jsonl_mirrors_the_parquet_sets(lake_root):
    folder = Path(lake_root) / "exports"
    sft = [json.loads(line) for line in (folder / "sft" / "swift.jsonl").read_text().splitlines()]
    rl = [json.loads(line) for line in (folder / "rl" / "swift.jsonl").read_text().splitlines()]
    assert sft and len(rl) == len(sft)
    for row in sft:  # V-Thinker's native layout: one assistant message, sandbox outputs inline
        text = row["messages"][-1]["content"]
        assert format_ok(text), text[-200:]
        n_images = sum(m["content"].count("<image>") for m in row["messages"])
        assert n_images == len(row["images"]) and not any(os.path.isabs(p) for p in row["images"])
        assert all((folder / "sft" / p).is_file() for p in row["images"])  # relative to the export folder
        assert text.count("<sandbox_output><image></sandbox_output>") == len(row["images"]) - 1
    for row in rl:
        assert row["solution"] and row["messages"][-1]["content"].startswith("<image>")
        assert [m["role"] for m in row["messages"]] == ["system", "user"]


# V-Thinker's released code extraction (eval/*/utils*.py; ../shared/notes/vthinker.md section 8)
VTHINKER_CODE = re.compile(r"'''python\s*([\s\S]*?)\s*'''", re.IGNORECASE)


def test_every_swift_code_block_runs_in_vthinkers_convention_and_gives_back_its_image(lake_root, tmp_path):
    """V-Thinker's own extraction finds every block of the ms-swift export; each block, run in a plain
    process following V-Thinker's sandbox convention (tests/vthinker_harness.py: no P, no project
    helper; images reachable as the export folder's relative paths), prints the path of an image
    that redraws the stored one."""
    folder = Path(lake_root) / "exports" / "sft"
    jobs, stored = [], []
    for n, line in enumerate((folder / "swift.jsonl").read_text().splitlines()):
        row = json.loads(line)
        text = row["messages"][-1]["content"]
        blocks = VTHINKER_CODE.findall(text)
        assert len(blocks) == text.count("<code>") == len(row["images"]) - 1, n
        for k, code in enumerate(blocks):
            cwd = tmp_path / f"job{len(jobs)}"
            cwd.mkdir()
            (cwd / "images").symlink_to(folder / "images")
            jobs.append({"code": code, "cwd": str(cwd)})
            stored.append(folder / row["images"][k + 1])
    assert jobs
    (tmp_path / "jobs.json").write_text(json.dumps(jobs))
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    subprocess.run([sys.executable, str(REPO / "tests" / "vthinker_harness.py"), str(tmp_path / "jobs.json"),
                    str(tmp_path / "out.json")], check=True, cwd=tmp_path, env={**env, "MPLBACKEND": "Agg"})
    results = json.loads((tmp_path / "out.json").read_text())
    for job, res, want in zip(jobs, results, stored):
        assert res["error"] is None and len(res["outputs"]) == 1, (job["code"][-300:], res)
        assert reproduces(Path(res["outputs"][0]).read_bytes(), want.read_bytes()), job["code"][-300:]


def test_no_exported_code_or_column_carries_the_true_positions(lake_root):
    """The oracle P exists only in the flywheel's own rendering: no code turn of the SFT set refers to
    it, the RL set has no points column, and the system prompt promises only ``image_path``."""
    import ast

    import pyarrow.parquet as pq

    from train.protocol import SYSTEM_PROMPT

    sft = pq.read_table(export_path(lake_root, "sft")).to_pylist()
    codes = [extract_code(p["text"]) for r in sft for m in r["messages"] if m["role"] == "assistant"
             for p in m["content"] if p["text"] and "<code>" in p["text"]]
    assert codes and not [c for c in codes if any(isinstance(x, ast.Name) and x.id == "P" for x in ast.walk(ast.parse(c)))]
    assert "points_px" not in pq.read_schema(export_path(lake_root, "rl")).names
    assert "`image_path`" in SYSTEM_PROMPT and "`P`" not in SYSTEM_PROMPT
    ds = load_dataset(export_path(lake_root, "sft"))  # datasets.load_dataset("parquet") decodes the images
    assert type(ds[0]["images"][0]).__module__.startswith("PIL.")
    card = (Path(lake_root) / "exports" / "sft" / "README.md").read_text()
    assert "## Fields" in card and "## Licence" in card and "## How it was made" in card


# ---------------------------------------------------------------------------------------------
# the CPU chain


def _weights(folder) -> dict:
    from safetensors.torch import load_file

    return load_file(str(Path(folder) / "model.safetensors"))


def _changed(a: str, b: str) -> int:
    import torch

    wa, wb = _weights(a), _weights(b)
    return sum(not torch.equal(wa[k], wb[k]) for k in wa)


def test_sft_loss_mask_is_exactly_the_assistant_turns(lake_root, tmp_path):
    from train.config import load_config
    from train.sft import build_sft_trainer

    cfg = load_config(REPO / "train/configs/cpu_sft.yaml")
    ds = load_dataset(export_path(lake_root, "sft"))
    trainer, processor = build_sft_trainer(cfg, ds, str(tmp_path))
    tok = processor.tokenizer
    for i in range(min(2, len(ds))):
        batch = trainer.data_collator([trainer.train_dataset[i]])
        ids, labels = batch["input_ids"][0].tolist(), batch["labels"][0].tolist()
        spans, cur = [], []
        for t, lab in zip(ids, labels):
            if lab != -100:
                assert lab == t
                cur.append(t)
            elif cur:
                spans.append(cur)
                cur = []
        spans += [cur] if cur else []
        assistant = [m["content"][0]["text"] for m in ds[i]["messages"] if m["role"] == "assistant"]
        assert [tok.decode(s) for s in spans] == [a + "<|im_end|>\n" for a in assistant]
        trained = {t for s in spans for t in s}
        for marker in ("<|image_pad|>", SANDBOX_OPEN, "<|im_start|>"):
            assert tok.convert_tokens_to_ids(marker) not in trained, marker
        assert ids.count(tok.convert_tokens_to_ids("<|vision_start|>")) == len(ds[i]["images"])


CODE = "img = plt.imread(image_path)\nfig = plt.figure()\nplt.imshow(img)\nplt.plot([0, 99], [0, 99])"


def _scripted_trainer():
    """GRPOTrainer whose first turn is scripted for every rollout (a random-weight model never writes code):
    even rollouts call the sandbox, odd ones answer; later turns are sampled. Records the forward batches."""
    from trl import GRPOTrainer

    from train.protocol import code_turn

    class Scripted(GRPOTrainer):
        forward_images: list = []
        in_tool_loop = False

        def _tool_call_loop(self, *args, **kwargs):
            self.in_tool_loop = True
            try:
                return super()._tool_call_loop(*args, **kwargs)
            finally:
                self.in_tool_loop = False

        def _generate_single_turn(self, prompt_ids, images, multimodal_fields, num_generations,
                                  has_tool_images=False):
            ids, logprobs = super()._generate_single_turn(prompt_ids, images, multimodal_fields, num_generations,
                                                          has_tool_images)
            if not self.in_tool_loop:
                tok = self.processing_class.tokenizer
                script = [tok.encode(code_turn("draw", CODE) + "<|im_end|>"),
                          tok.encode("<think>x</think> <answer>0</answer><|im_end|>")]
                ids = [script[i % 2] for i in range(len(ids))]
            return ids, logprobs

        def compute_loss(self, model, inputs, *args, **kwargs):
            grid = inputs.get("image_grid_thw")
            Scripted.forward_images.append((inputs["prompt_ids"].shape[0], 0 if grid is None else grid.shape[0]))
            return super().compute_loss(model, inputs, *args, **kwargs)

    return Scripted


def test_cpu_chain_perception_sft_then_sft_then_grpo_with_sandboxed_tools(lake_root, tmp_path):
    import torch

    from train.config import load_config
    from train.grpo import train_grpo
    from train.runner import metrics_callback
    from train.sft import train_sft

    torch.set_num_threads(1)
    history: list = []
    cb = [metrics_callback(None, history)]
    # stage 1: perception SFT from the tiny random model
    cfg1 = load_config(REPO / "train/configs/cpu_perception_sft.yaml")
    s1 = train_sft(cfg1, load_dataset(export_path(lake_root, "perception_sft")), tmp_path / "p", cb)
    assert s1["steps"] == 2 and math.isfinite(s1["final_loss"])
    assert _changed(tmp_path / "p" / "init", s1["checkpoint"]) > 0
    # stage 2a: cold-start SFT from the perception checkpoint
    cfg2 = load_config(REPO / "train/configs/cpu_sft.yaml", model_path=s1["checkpoint"])
    s2 = train_sft(cfg2, load_dataset(export_path(lake_root, "sft")), tmp_path / "s", cb)
    assert s2["steps"] == 2 and math.isfinite(s2["final_loss"])
    assert _changed(s1["checkpoint"], s2["checkpoint"]) > 0
    # stage 2b: GRPO from the SFT checkpoint, tool calls executed in the sandbox
    cfg3 = load_config(REPO / "train/configs/cpu_grpo.yaml", model_path=s2["checkpoint"])
    trainer_cls = _scripted_trainer()
    s3 = train_grpo(cfg3, load_dataset(export_path(lake_root, "rl")), tmp_path / "g", cb, trainer_cls=trainer_cls)
    trainer = s3.pop("trainer")
    assert s3["steps"] == 2 and math.isfinite(s3["final_loss"])
    assert _changed(s2["checkpoint"], s3["checkpoint"]) > 0
    produced = [h for env in trainer.sandbox_envs for h in env.produced]
    assert s3["tool_calls"] >= 2 and produced, "the sandbox returned no image"
    # a training forward pass saw more images than prompts: the sandbox's output was trained on
    assert any(n_images > n_seqs for n_seqs, n_images in trainer_cls.forward_images), trainer_cls.forward_images
    grpo_logs = [h for h in history if "tools/call_frequency" in h]
    assert grpo_logs and all(h["tools/call_frequency"] > 0 for h in grpo_logs)
    assert all(any(k.startswith("rewards/") for k in h) for h in grpo_logs)
    for stage_dir in ("p", "s", "g"):
        assert (tmp_path / stage_dir / "checkpoint" / "chat_template.jinja").exists()


# ---------------------------------------------------------------------------------------------
# the job through the Dagster CLI


def test_sft_job_from_the_cli_is_recorded_in_training_runs(lake_root, tmp_path):
    home = tmp_path / "dagster_home"
    home.mkdir()
    (home / "dagster.yaml").write_text("")
    env = {**os.environ, "DAGSTER_HOME": str(home), "FLYWHEEL_DATA_ROOT": str(lake_root)}
    cmd = [str(Path(sys.executable).parent / "dagster"), "job", "execute", "-m", "assets_defs.definitions",
           "-j", "sft", "--config", "train/configs/cpu_sft_job.yaml"]
    proc = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    rows = connect(lake_root).execute("SELECT * FROM training_runs").fetchdf().to_dict("records")
    assert len(rows) == 1, rows
    run = rows[0]
    assert (run["job"], run["stage"], run["status"], run["steps"]) == ("sft", "sft", "success", 2)
    assert math.isfinite(run["final_loss"]) and Path(run["checkpoint_path"], "model.safetensors").exists()
    assert json.loads(run["config"])["path"].endswith("cpu_sft.yaml")
    with dg.DagsterInstance.from_config(str(home)) as instance:
        event = instance.get_latest_materialization_event(dg.AssetKey("sft_checkpoint"))
        meta = event.asset_materialization.metadata
        assert {"final_loss", "checkpoint", "curves", "steps"} <= set(meta), set(meta)
        assert "data:image/png;base64," in meta["curves"].value
        assert instance.get_run_by_id(run["run_id"]).job_name == "sft"
    # the trainer's log lines streamed into the run's event log
    logs = " ".join(proc.stdout.splitlines()[-400:]) + proc.stderr
    assert "rows from" in logs
