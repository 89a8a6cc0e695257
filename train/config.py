"""Training run configuration: one YAML file per run (train/configs/*.yaml), validated here.

Keys: ``stage`` (perception_sft | sft | grpo), ``model`` (``path`` of a local model dir, or ``tiny``
to build the random-weight CPU model; ``dtype``), ``lora`` (``enabled``, ``r``, ``alpha``,
``dropout``, ``target_modules``), ``trainer`` (passed to TRL's SFTConfig / GRPOConfig as is),
``rewards`` (weights per component, GRPO only), ``tool`` (sandbox limits and workers, GRPO only),
``runtime`` (``torch_threads``: 1 on oversubscribed CPUs).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import yaml

STAGES = ("perception_sft", "sft", "grpo")
# V-Thinker's GRPO settings (vthinker.md §6.3); a config's trainer section overrides them
GRPO_DEFAULTS = {"loss_type": "grpo", "beta": 0.01, "num_generations": 8, "learning_rate": 5e-7,
                 "lr_scheduler_type": "cosine", "warmup_steps": 0.05, "temperature": 1.0, "top_p": 0.9,
                 "top_k": 50, "repetition_penalty": 1.05, "epsilon": 0.2, "max_tool_calling_iterations": 4}
SFT_DEFAULTS = {"learning_rate": 1e-5, "weight_decay": 0.1, "warmup_steps": 0.03, "num_train_epochs": 1,
                "max_length": None}
_KEYS = {"stage", "model", "lora", "trainer", "rewards", "tool", "runtime"}


class ConfigError(ValueError):
    """A run config that cannot be used; the message names the file and key."""


@dataclass
class RunConfig:
    stage: str
    model_path: str = "tiny"
    dtype: str = "float32"
    lora: dict = field(default_factory=dict)
    trainer: dict = field(default_factory=dict)
    rewards: dict = field(default_factory=dict)
    tool: dict = field(default_factory=dict)
    runtime: dict = field(default_factory=dict)
    source: str = ""

    @property
    def is_tiny(self) -> bool:
        return self.model_path == "tiny"

    def trainer_args(self) -> dict:
        """The TRL config kwargs: stage defaults, then the file's ``trainer`` section."""
        base = GRPO_DEFAULTS if self.stage == "grpo" else SFT_DEFAULTS
        return {**base, **self.trainer}

    def as_dict(self) -> dict:
        return {"stage": self.stage, "model": {"path": self.model_path, "dtype": self.dtype}, "lora": self.lora,
                "trainer": self.trainer, "rewards": self.rewards, "tool": self.tool, "runtime": self.runtime}


def parse_config(data: dict, source: str = "<dict>") -> RunConfig:
    """Validate a config mapping."""
    if not isinstance(data, dict):
        raise ConfigError(f"{source}: expected a mapping at the top level")
    unknown = set(data) - _KEYS
    if unknown:
        raise ConfigError(f"{source}: unknown keys {sorted(unknown)}; allowed: {sorted(_KEYS)}")
    stage = data.get("stage")
    if stage not in STAGES:
        raise ConfigError(f"{source}: stage must be one of {STAGES}, got {stage!r}")
    model = data.get("model") or {}
    for key in ("lora", "trainer", "rewards", "tool", "runtime"):
        if not isinstance(data.get(key) or {}, dict):
            raise ConfigError(f"{source}: {key} must be a mapping")
    weights = (data.get("rewards") or {}).get("weights", {})
    from train.rewards import WEIGHTS

    bad = set(weights) - set(WEIGHTS)
    if bad:
        raise ConfigError(f"{source}: rewards.weights has unknown components {sorted(bad)}; known: {sorted(WEIGHTS)}")
    path = str(model.get("path", "tiny"))
    if path != "tiny" and not os.path.isdir(path):
        raise ConfigError(f"{source}: model.path {path!r} is not a local model directory (nothing is downloaded)")
    return RunConfig(stage=stage, model_path=path, dtype=str(model.get("dtype", "float32")),
                     lora=dict(data.get("lora") or {}), trainer=dict(data.get("trainer") or {}),
                     rewards=dict(data.get("rewards") or {}), tool=dict(data.get("tool") or {}),
                     runtime=dict(data.get("runtime") or {}), source=source)


def load_config(path: str | os.PathLike, model_path: str | None = None) -> RunConfig:
    """Read and validate a YAML run config; ``model_path`` overrides ``model.path`` (e.g. the previous
    stage's checkpoint)."""
    try:
        data = yaml.safe_load(Path(path).read_text())
    except (OSError, yaml.YAMLError) as err:
        raise ConfigError(f"{path}: {err}") from None
    if model_path:
        data = {**data, "model": {**(data.get("model") or {}), "path": model_path}}
    return parse_config(data, str(path))
