"""The ``training_runs`` table: one row per training run, written when the run ends (any outcome)."""

from __future__ import annotations

import json
import math
from datetime import datetime, timezone

from warehouse.storage import Lake

RUN_ROUND, RUN_DOMAIN = 0, "all"  # a run trains on every round and domain


def run_row(*, run_id: str, job: str, stage: str, config_path: str, config_text: str, model_path: str,
            data_path: str, started_at: datetime, ended_at: datetime | None = None, steps: int = 0,
            final_loss: float | None = None, checkpoint_path: str | None = None, status: str = "success",
            error: str = "") -> dict:
    """A ``training_runs`` row; a non-finite loss is stored as null."""
    loss = final_loss if final_loss is not None and math.isfinite(final_loss) else None
    return {"run_id": run_id, "job": job, "stage": stage,
            "config": json.dumps({"path": config_path, "text": config_text}), "model_path": model_path,
            "data_path": data_path, "started_at": started_at, "ended_at": ended_at or datetime.now(timezone.utc),
            "steps": int(steps), "final_loss": loss, "checkpoint_path": checkpoint_path, "status": status,
            "error": error[:4000], "round": RUN_ROUND, "domain": RUN_DOMAIN}


def record_run(lake: Lake, row: dict) -> str:
    """Write the run's row (its own file, named by run id) atomically."""
    return lake.write("training_runs", [row], round=RUN_ROUND, domain=RUN_DOMAIN, producer=f"run-{row['run_id']}")


def latest_checkpoint(lake: Lake, job: str) -> str | None:
    """The checkpoint of the most recent successful run of ``job``, if any."""
    rows = [r for r in lake.read("training_runs").to_pylist() if r["job"] == job and r["status"] == "success"
            and r["checkpoint_path"]]
    return max(rows, key=lambda r: r["ended_at"])["checkpoint_path"] if rows else None


def prepare_run(lake: Lake, *, run_id: str, job: str, stage: str, config_file: str, data_path: str,
                init_from: str = "") -> dict:
    """The run's row before launch: config read and validated for ``stage``, start model resolved
    (``init_from``'s latest checkpoint, else the config's). A run that cannot start is recorded as failed."""
    import traceback
    from pathlib import Path

    from train.config import load_config

    row = dict(run_id=run_id, job=job, stage=stage, config_path=config_file, config_text="", model_path="",
               data_path=data_path, started_at=datetime.now(timezone.utc))
    try:
        row["config_text"] = Path(config_file).read_text()
        cfg = load_config(config_file)
        if cfg.stage != stage:
            raise ValueError(f"{config_file}: stage {cfg.stage!r} does not fit job {job!r} (wants {stage!r})")
        row["model_path"] = (latest_checkpoint(lake, init_from) if init_from else None) or cfg.model_path
    except Exception:
        record_run(lake, run_row(**row, status="failed", error=traceback.format_exc(limit=3)))
        raise
    return row


def finish_run(lake: Lake, row: dict, output_dir: str) -> dict:
    """Record a finished run from the trainer's ``metrics.json``; returns its summary."""
    from pathlib import Path

    summary = json.loads(Path(output_dir, "metrics.json").read_text())["summary"]
    record_run(lake, run_row(**row, steps=summary["steps"], final_loss=summary["final_loss"],
                             checkpoint_path=summary["checkpoint"]))
    return summary
