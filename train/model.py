"""Loading the policy (a local Qwen2.5-VL dir, or the tiny CPU model) and saving checkpoints."""

from __future__ import annotations

import os
from pathlib import Path

from train.config import RunConfig
from train.protocol import chat_template
from train.tiny import build_tiny, load_processor


def resolve_model_path(cfg: RunConfig, workdir: str | os.PathLike) -> str:
    """The model dir to start from; ``tiny`` builds the random-weight model under ``workdir/init``."""
    if cfg.is_tiny:
        path = Path(workdir) / "init"
        if not (path / "config.json").exists():
            build_tiny(path)
        return str(path)
    return cfg.model_path


def load_policy(cfg: RunConfig, path: str, padding_side: str):
    """Model and processor with the protocol templates; dtype from the config."""
    import torch
    from transformers import Qwen2_5_VLForConditionalGeneration

    dtype = getattr(torch, cfg.dtype)
    model = Qwen2_5_VLForConditionalGeneration.from_pretrained(path, dtype=dtype)
    return model, load_processor(path, padding_side=padding_side)


def peft_config(cfg: RunConfig):
    """A LoRA config when ``lora.enabled``, else None (full fine-tuning)."""
    if not cfg.lora.get("enabled"):
        return None
    from peft import LoraConfig

    return LoraConfig(r=int(cfg.lora.get("r", 16)), lora_alpha=int(cfg.lora.get("alpha", 32)),
                      lora_dropout=float(cfg.lora.get("dropout", 0.05)),
                      target_modules=cfg.lora.get("target_modules", ["q_proj", "k_proj", "v_proj", "o_proj"]),
                      task_type="CAUSAL_LM")


def save_checkpoint(trainer, processor, path: str | os.PathLike) -> str:
    """Save weights (merged when LoRA) plus tokenizer, image processor and chat template, loadable by
    :func:`load_policy`. (The processor's own save needs torchvision here, so its parts are saved.)"""
    path = Path(path)
    model = trainer.model
    if hasattr(model, "merge_and_unload"):  # LoRA: a checkpoint the next stage can load as a plain model
        model = model.merge_and_unload()
    model.save_pretrained(path)
    processor.tokenizer.save_pretrained(path)
    processor.image_processor.save_pretrained(path)
    (path / "chat_template.jinja").write_text(chat_template())
    return str(path)
