"""Training curriculum: export sets from the lake, then perception SFT, cold-start SFT and GRPO,
each trainer in its own process through Dagster Pipes (train/runner.py).

Jobs: ``perception_sft``, ``sft``, ``rl`` (each = its export asset + its checkpoint asset). Launch with
``dg launch --job sft --config train/configs/cpu_sft_job.yaml``."""

import base64
import json
import os
import shlex
import sys
import traceback
from pathlib import Path

import dagster as dg

from assets_defs.resources import LakeResource
from warehouse.storage import REPO_ROOT

GROUP = "training"
SET_OF_JOB = {"perception_sft": "perception_sft", "sft": "sft", "rl": "rl"}


class ExportConfig(dg.Config):
    """Which side of the train/held-out split to export (the benchmark uses the other side); for the RL
    set, the shares of the prompt mix (train/rl_mix.py: ours, wemath2_pro, wemath2_standard, mmk12, thinklite)."""

    split_seed: int = 0
    rl_weights: dict[str, float] = {"ours": 1.0}


class TrainConfig(dg.Config):
    """A trainer run: the YAML run config, where to start from, and how to launch the process."""

    config_file: str  # train/configs/*.yaml, relative to the repo root or absolute
    init_from: str = ""  # a job name: start from its latest successful checkpoint when there is one
    launcher: str = ""  # e.g. "accelerate launch --num_processes 8" or "torchrun --nproc_per_node 8"


def _export_asset(name: str, description: str, deps: tuple[str, ...] = ("samples",)):
    @dg.asset(name=f"{name}_set", group_name=GROUP, kinds={"parquet", "jsonl"}, description=description,
              deps=list(deps))
    def _asset(context: dg.AssetExecutionContext, config: ExportConfig, lake: LakeResource) -> dg.MaterializeResult:
        from train.export import export_from_lake, write_export

        store = lake.lake()
        if not store.is_local:
            raise ValueError(f"training exports need a local lake root, got {store.root!r}")
        meta = write_export(export_from_lake(store, name, config.split_seed, config.rl_weights), store.root)
        if meta["note"]:
            context.log.warning(meta["note"])
        return dg.MaterializeResult(metadata={**{k: v for k, v in meta.items() if k not in ("parquet", "swift_jsonl")},
                                              "parquet": dg.MetadataValue.path(meta["parquet"]),
                                              "swift_jsonl": dg.MetadataValue.path(meta["swift_jsonl"])})

    return _asset


perception_sft_set = _export_asset("perception_sft", "Point-level perception SFT rows from perception_tasks "
                                   "(training side of the split); empty with a note when there are none.",
                                   deps=("samples", "perception_tasks"))
sft_set = _export_asset("sft", "Cold-start SFT trajectories: a code turn per interaction, its sandbox output "
                        "turn holding the interaction's image, then the answer (training side only).")
rl_set = _export_asset("rl", "GRPO prompts: system + image + question and the reference answer (solution); "
                       "training side only, mixed with the public RL sets by the configured weights.")


def _plot_md(history: list) -> dg.MetadataValue:
    from train.plots import curves_png

    data = base64.b64encode(curves_png(history)).decode()
    return dg.MetadataValue.md(f"![training curves](data:image/png;base64,{data})")


def _checkpoint_asset(job: str, stage: str):
    @dg.asset(name=f"{job}_checkpoint", group_name=GROUP, kinds={"pytorch"}, deps=[f"{SET_OF_JOB[job]}_set"],
              description=f"The {stage} checkpoint: train/runner.py run through Dagster Pipes on the "
                          f"{SET_OF_JOB[job]} set; metrics stream back, the run is recorded in training_runs.")
    def _asset(context: dg.AssetExecutionContext, config: TrainConfig, lake: LakeResource) -> dg.MaterializeResult:
        from train.export import export_path
        from train.runs import finish_run, prepare_run, record_run, run_row

        store = lake.lake()
        config_file = config.config_file if os.path.isabs(config.config_file) else str(REPO_ROOT / config.config_file)
        data = str(export_path(store.root, SET_OF_JOB[job]))
        row = prepare_run(store, run_id=context.run_id, job=job, stage=stage, config_file=config_file,
                          data_path=data, init_from=config.init_from)
        meta_file = Path(data).with_name("metadata.json")
        if not meta_file.exists() or json.loads(meta_file.read_text())["rows"] == 0:
            reason = f"{data}: no training rows (materialize {SET_OF_JOB[job]}_set first, or the set is empty)"
            context.log.warning(reason)
            record_run(store, run_row(**row, status="skipped", error=reason))
            return dg.MaterializeResult(metadata={"status": "skipped", "reason": reason})
        out = os.path.join(store.root, "checkpoints", job, context.run_id)
        launcher = shlex.split(config.launcher) if config.launcher else [sys.executable]  # accelerate/torchrun take -m too
        command = [*launcher, "-m", "train.runner", "--config", config_file, "--data", data, "--output-dir", out,
                   "--model", row["model_path"]]
        context.log.info(f"launching: {shlex.join(command)}")
        env = {"PYTHONPATH": str(REPO_ROOT), "PYTHONUNBUFFERED": "1"}
        try:
            invocation = dg.PipesSubprocessClient(cwd=str(REPO_ROOT)).run(command=command, context=context, env=env)
        except Exception:
            record_run(store, run_row(**row, status="failed", error=traceback.format_exc(limit=3)))
            raise
        history = [m for m in invocation.get_custom_messages() if isinstance(m, dict)]
        summary = finish_run(store, row, out)
        result = invocation.get_materialize_result()
        return dg.MaterializeResult(metadata={**(result.metadata or {}),
                                              "checkpoint": dg.MetadataValue.path(summary["checkpoint"]),
                                              "curves": _plot_md(history), "logged_steps": len(history)})

    return _asset


perception_sft_checkpoint = _checkpoint_asset("perception_sft", "perception_sft")
sft_checkpoint = _checkpoint_asset("sft", "sft")
rl_checkpoint = _checkpoint_asset("rl", "grpo")

ASSETS = [perception_sft_set, sft_set, rl_set, perception_sft_checkpoint, sft_checkpoint, rl_checkpoint]
JOBS = [
    dg.define_asset_job(job, selection=[f"{SET_OF_JOB[job]}_set", f"{job}_checkpoint"], description=desc)
    for job, desc in (("perception_sft", "Export the perception set, then perception-alignment SFT."),
                      ("sft", "Export cold-start trajectories, then interactive-reasoning SFT."),
                      ("rl", "Export RL prompts, then GRPO with sandboxed code execution in rollouts."))
]
