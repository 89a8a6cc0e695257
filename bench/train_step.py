"""Training step times of the tiny model on exported sets: SFT tokens/s and GRPO rollouts/s.

    FLYWHEEL_DATA_ROOT=... python bench/train_step.py [--steps 3] [--device cpu|cuda] [--dtype float32|bfloat16]

Needs the lake's exports (materialize sft_set and rl_set, or run the training tests' fixture). On a GPU
the same script measures a real bf16 step of the small randomly initialised model. Rollouts here are
sampled by the random model (it rarely calls the tool); the figure is generation + scoring + update.
"""

from __future__ import annotations

import argparse
import tempfile
import time

from train.config import parse_config
from train.export import export_path, load_dataset
from train.grpo import train_grpo
from train.runner import metrics_callback
from train.sft import train_sft
from warehouse.storage import data_root


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=3)
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--dtype", default="float32")
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()
    import torch

    torch.set_num_threads(args.threads)
    cpu = args.device == "cpu"
    common = {"max_steps": args.steps, "use_cpu": cpu, "bf16": args.dtype == "bfloat16", "seed": 0,
              "learning_rate": 1e-3}
    root = data_root()
    with tempfile.TemporaryDirectory() as tmp:
        history: list = []
        sft = parse_config({"stage": "sft", "model": {"dtype": args.dtype},
                            "trainer": {**common, "per_device_train_batch_size": 1}})
        t = time.perf_counter()
        s = train_sft(sft, load_dataset(export_path(root, "sft")), f"{tmp}/sft", [metrics_callback(None, history)])
        wall = time.perf_counter() - t
        tokens = max((h.get("num_tokens", 0) for h in history), default=0)
        print(f"sft   {args.device} {args.dtype}: {s['steps']} steps, {wall / s['steps']:.2f} s/step (incl. load), "
              f"{tokens / wall:.0f} tokens/s, final loss {s['final_loss']:.3f}")
        grpo = parse_config({"stage": "grpo", "model": {"dtype": args.dtype},
                             "trainer": {**common, "per_device_train_batch_size": 2, "num_generations": 2,
                                         "max_completion_length": 64, "use_vllm": False}})
        t = time.perf_counter()
        g = train_grpo(grpo, load_dataset(export_path(root, "rl")), f"{tmp}/grpo")
        wall = time.perf_counter() - t
        print(f"grpo  {args.device} {args.dtype}: {g['steps']} steps, {wall / g['steps']:.2f} s/step (incl. load), "
              f"{2 * g['steps'] / wall:.2f} rollouts/s, tool calls {g['tool_calls']}")


if __name__ == "__main__":
    main()
