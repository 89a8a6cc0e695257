"""Perception SFT and cold-start SFT with TRL's SFTTrainer, loss on assistant turns only.

``assistant_only_loss`` plus the protocol template's generation markers keep system, user,
sandbox-output turns and every image token out of the loss (labels -100)."""

from __future__ import annotations

import os
from collections.abc import Sequence

from train.config import RunConfig
from train.model import load_policy, peft_config, resolve_model_path, save_checkpoint


def sft_args(cfg: RunConfig, output_dir: str):
    from trl import SFTConfig

    args = {"report_to": "none", "save_strategy": "no", "logging_steps": 1, "remove_unused_columns": True,
            **cfg.trainer_args(), "output_dir": output_dir, "assistant_only_loss": True}
    return SFTConfig(**args)


def build_sft_trainer(cfg: RunConfig, dataset, output_dir: str, callbacks: Sequence = ()):
    """An SFTTrainer over an exported ``messages`` + ``images`` dataset."""
    from trl import SFTTrainer

    path = resolve_model_path(cfg, output_dir)
    model, processor = load_policy(cfg, path, padding_side="right")
    dataset = dataset.select_columns(["messages", "images"])
    trainer = SFTTrainer(model=model, args=sft_args(cfg, output_dir), train_dataset=dataset,
                         processing_class=processor, peft_config=peft_config(cfg), callbacks=list(callbacks))
    return trainer, processor


def train_sft(cfg: RunConfig, dataset, output_dir: str | os.PathLike, callbacks: Sequence = ()) -> dict:
    """Train, save ``<output_dir>/checkpoint`` and return a summary."""
    if len(dataset) == 0:
        raise ValueError(f"{cfg.source}: the {cfg.stage} dataset is empty; nothing to train on")
    output_dir = str(output_dir)
    trainer, processor = build_sft_trainer(cfg, dataset, output_dir, callbacks)
    result = trainer.train()
    ckpt = save_checkpoint(trainer, processor, os.path.join(output_dir, "checkpoint"))
    losses = [h["loss"] for h in trainer.state.log_history if "loss" in h]
    return {"steps": trainer.state.global_step, "final_loss": losses[-1] if losses else result.training_loss,
            "checkpoint": ckpt}
