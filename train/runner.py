"""Process entry point of a training run: ``python -m train.runner --config FILE --data PARQUET --output-dir DIR``.

Dagster launches it through Pipes (directly, or under ``accelerate launch`` / ``torchrun`` on GPUs);
only rank 0 opens the Pipes channel (a second rank would break it) and reports: log lines, one custom
message per trainer log (loss, reward components, tool-call rate), and the final materialization
metadata. Without Pipes (run by hand) the same reports go to stdout as JSON lines. Either way the
summary and the log history are written to ``<output-dir>/metrics.json``.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
from contextlib import contextmanager
from pathlib import Path

from train.config import load_config

REPORTED = ("loss", "grad_norm", "learning_rate", "reward", "reward_std", "tools/call_frequency",
            "tools/failure_frequency", "entropy", "mean_token_accuracy", "num_tokens", "kl", "step_time")


def _number(v):
    return v if isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) else None


def log_record(step: int, logs: dict) -> dict:
    """The numeric metrics worth reporting from one trainer log."""
    keep = {k: _number(v) for k, v in logs.items() if k in REPORTED or k.startswith("rewards/")}
    return {"step": step, **{k: v for k, v in keep.items() if v is not None}}


class _Stdout:
    """Reporter for runs outside Dagster."""

    class log:  # noqa: N801 - mirrors PipesContext.log
        info = staticmethod(lambda msg: print(msg, flush=True))
        warning = info

    @staticmethod
    def report_custom_message(payload):
        print(json.dumps({"metrics": payload}), flush=True)

    @staticmethod
    def report_asset_materialization(metadata=None, **_):
        print(json.dumps({"materialization": metadata}), flush=True)


@contextmanager
def reporter():
    """Pipes on rank 0 when launched by Dagster, stdout on rank 0 otherwise, nothing on other ranks."""
    rank = int(os.environ.get("RANK", "0"))
    if rank != 0:
        yield None
    elif "DAGSTER_PIPES_CONTEXT" in os.environ:
        from dagster_pipes import open_dagster_pipes

        with open_dagster_pipes() as pipes:
            yield pipes
    else:
        yield _Stdout()


def metrics_callback(report, history: list):
    from transformers import TrainerCallback

    class Metrics(TrainerCallback):
        def on_log(self, args, state, control, logs=None, **kwargs):
            if not state.is_world_process_zero or not logs or "train_runtime" in logs:
                return
            record = log_record(state.global_step, logs)
            history.append(record)
            if report is not None:
                report.report_custom_message(record)

    return Metrics()


def run(config: str, data: str, output_dir: str, model: str | None = None, report=None) -> dict:
    """Train one stage; returns the summary (also written to metrics.json)."""
    from train.export import load_dataset

    cfg = load_config(config, model_path=model)
    threads = int(cfg.runtime.get("torch_threads", 0) or os.environ.get("TRAIN_TORCH_THREADS", 0))
    if threads:  # oversubscribed CPUs: one thread per process is much faster than two fighting
        import torch

        torch.set_num_threads(threads)
    dataset = load_dataset(data)
    Path(output_dir).mkdir(parents=True, exist_ok=True)
    history: list = []
    callbacks = [metrics_callback(report, history)]
    started = time.time()
    if report is not None:
        report.log.info(f"{cfg.stage}: {len(dataset)} rows from {data}, model {cfg.model_path}, output {output_dir}")
    if cfg.stage == "grpo":
        from train.grpo import train_grpo

        summary = train_grpo(cfg, dataset, output_dir, callbacks)
        summary.pop("trainer", None)
    else:
        from train.sft import train_sft

        summary = train_sft(cfg, dataset, output_dir, callbacks)
    summary = {**summary, "stage": cfg.stage, "rows": len(dataset), "seconds": round(time.time() - started, 2),
               "config": cfg.as_dict()}
    if cfg.stage == "grpo":
        calls = [h["tools/call_frequency"] for h in history if "tools/call_frequency" in h]
        summary["tool_call_rate"] = sum(calls) / len(calls) if calls else 0.0
        for key in sorted({k for h in history for k in h if k.startswith("rewards/") and k.endswith("/mean")}):
            values = [h[key] for h in history if key in h]
            summary[key] = values[-1]
    Path(output_dir, "metrics.json").write_text(json.dumps({"summary": summary, "history": history}, indent=1))
    return summary


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--config", required=True, help="YAML run config (train/configs/*.yaml)")
    ap.add_argument("--data", required=True, help="exported Parquet set (exports/<set>/data.parquet)")
    ap.add_argument("--output-dir", required=True, help="where the checkpoint and metrics.json go")
    ap.add_argument("--model", default=None, help="start from this local model dir (overrides model.path)")
    args = ap.parse_args(argv)
    with reporter() as report:
        summary = run(args.config, args.data, args.output_dir, args.model, report)
        if report is not None:
            meta = {k: v for k, v in summary.items() if isinstance(v, (int, float, str)) and k != "config"}
            report.report_asset_materialization(metadata=meta)
    return 0


if __name__ == "__main__":
    sys.exit(main())
