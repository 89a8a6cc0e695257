"""GRPO with TRL's GRPOTrainer where rollouts execute their code blocks in the project's sandbox.

Each rollout gets a :class:`SandboxEnv` (TRL ``environment_factory``): its public ``run_python``
method is the tool the protocol's response template maps a ``<code>`` block to. The tool runs the
code on the rollout's current image (train/tool.py) and returns the processed image, which TRL
appends to the conversation for the next turn *and* to the images of the training forward pass;
tool-result tokens get ``tool_mask`` 0 (no loss). Up to ``max_tool_calling_iterations`` rounds
(V-Thinker: 4).
"""

from __future__ import annotations

import hashlib
import io
import os
from collections.abc import Sequence

from train.config import RunConfig
from train.model import load_policy, peft_config, resolve_model_path, save_checkpoint
from train.rewards import REWARD_FUNCS, WEIGHTS
from train.tool import run_code


def _png(image) -> bytes:
    if isinstance(image, (bytes, bytearray)):
        return bytes(image)
    if isinstance(image, dict) and image.get("bytes"):
        return image["bytes"]
    buf = io.BytesIO()
    image.save(buf, format="PNG")
    return buf.getvalue()


class SandboxEnv:
    """One rollout's state: the current image and the sandbox calls it made."""

    def __init__(self, sandbox, limits=None):
        self._sandbox, self._limits = sandbox, limits
        self.image_png: bytes = b""
        self.calls = 0  # over every rollout this (pooled) env served
        self.produced: list[str] = []  # sha256 of every image the sandbox returned

    def reset(self, **row) -> None:
        self.image_png = _png(row["images"][0])  # and nothing else of the row: no true positions

    def run_python(self, code: str) -> list | str:
        """Run Python code that draws on the current image and return the processed image.

        Args:
            code: Python source; `image_path` is the current image (read it with plt.imread).
        """
        from PIL import Image

        self.calls += 1
        out = run_code(self._sandbox, code, self.image_png, self._limits)
        if not out.ok:
            return out.text
        self.image_png = out.png
        self.produced.append(hashlib.sha256(out.png).hexdigest())
        image = Image.open(io.BytesIO(out.png)).convert("RGB")
        parts: list = [{"type": "image", "image": image}]
        if out.text.strip():
            parts.append({"type": "text", "text": out.text})
        return parts


def grpo_args(cfg: RunConfig, output_dir: str):
    from trl import GRPOConfig

    weights = {**WEIGHTS, **cfg.rewards.get("weights", {})}
    args = {"report_to": "none", "save_strategy": "no", "logging_steps": 1, **cfg.trainer_args(),
            "output_dir": output_dir, "reward_weights": [float(weights[k]) for k in REWARD_FUNCS]}
    return GRPOConfig(**args)


def build_grpo_trainer(cfg: RunConfig, dataset, output_dir: str, sandbox, callbacks: Sequence = (),
                       trainer_cls=None):
    """A GRPOTrainer over the exported RL prompts whose tool calls run in ``sandbox``.

    ``trainer_cls`` lets a caller substitute a GRPOTrainer subclass (tests script a first turn, since a
    random-weight model never writes code on its own)."""
    from pipelines.sandbox import Limits
    from trl import GRPOTrainer

    path = resolve_model_path(cfg, output_dir)
    model, processor = load_policy(cfg, path, padding_side="left")
    limits = Limits(timeout_s=float(cfg.tool.get("timeout_s", 10.0)), memory_mb=int(cfg.tool.get("memory_mb", 1024)))
    envs: list[SandboxEnv] = []

    def factory() -> SandboxEnv:
        env = SandboxEnv(sandbox, limits)
        envs.append(env)
        return env

    os.environ.setdefault("TRL_EXPERIMENTAL_SILENCE", "1")
    trainer = (trainer_cls or GRPOTrainer)(
        model=model, reward_funcs=list(REWARD_FUNCS.values()), args=grpo_args(cfg, output_dir),
        train_dataset=dataset, processing_class=processor, peft_config=peft_config(cfg),
        environment_factory=factory, callbacks=list(callbacks))
    trainer.sandbox_envs = envs
    return trainer, processor


def train_grpo(cfg: RunConfig, dataset, output_dir: str | os.PathLike, callbacks: Sequence = (),
               trainer_cls=None) -> dict:
    """Train with a sandbox pool for the tool, save ``<output_dir>/checkpoint``, return a summary."""
    from pipelines.sandbox import Sandbox

    if len(dataset) == 0:
        raise ValueError(f"{cfg.source}: the RL prompt set is empty; nothing to train on")
    output_dir = str(output_dir)
    with Sandbox(workers=int(cfg.tool.get("workers", 1))) as sandbox:
        trainer, processor = build_grpo_trainer(cfg, dataset, output_dir, sandbox, callbacks, trainer_cls)
        trainer.train()
    ckpt = save_checkpoint(trainer, processor, os.path.join(output_dir, "checkpoint"))
    logs = [h for h in trainer.state.log_history if "loss" in h]
    calls = sum(e.calls for e in trainer.sandbox_envs)
    return {"steps": trainer.state.global_step, "final_loss": logs[-1]["loss"] if logs else float("nan"),
            "checkpoint": ckpt, "tool_calls": calls,
            "sandbox_images": sum(len(e.produced) for e in trainer.sandbox_envs), "trainer": trainer}
