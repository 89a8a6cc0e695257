"""Items/s of the evaluation loop on CPU: the tiny random-weight Qwen2.5-VL (transformers backend)
and a scripted OpenAI-compatible server replaying a code turn then an answer (loop + sandbox cost
without a model). Prints figures; no assertions.

    .venv/bin/python bench/eval_loop.py [--items 16] [--tokens 48]
"""

from __future__ import annotations

import argparse
import tempfile
import time

from pipelines.llm import ChatClient
from pipelines.sandbox import Sandbox
from tests.chat_server import MODEL, FakeServer, Reply, ok_body
from tests.eval_fixtures import GOOD_EDIT, answer_turn, code_turn, figure_png
from train.eval.backends import OpenAIBackend, build_backend
from train.eval.loop import run_items
from train.eval.types import EvalItem


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--items", type=int, default=16)
    ap.add_argument("--tokens", type=int, default=48)
    ap.add_argument("--batch", type=int, default=8)
    args = ap.parse_args()
    import torch

    torch.set_num_threads(1)
    items = [EvalItem("vtbench", "reasoning", f"i{i}", f"[i{i}] What is {i}?", figure_png(i % 50), str(i), max_turns=3)
             for i in range(args.items)]
    with Sandbox() as sb, tempfile.TemporaryDirectory() as tmp:
        tiny = build_backend("transformers", "tiny", batch_size=args.batch, workdir=tmp)
        t0 = time.perf_counter()
        trajs = run_items(items, tiny, sb, max_new_tokens=args.tokens)
        dt = time.perf_counter() - t0
        turns = sum(len(t.turns) for t in trajs)
        print(f"tiny transformers (CPU, 1 thread, batch {args.batch}, {args.tokens} new tokens/turn): "
              f"{len(items) / dt:.2f} items/s, {turns} turns")
        srv = FakeServer()
        srv.default = lambda body: Reply(body=ok_body(
            answer_turn("1") if any(m["role"] == "assistant" for m in body["messages"]) else code_turn(GOOD_EDIT)))
        try:
            be = OpenAIBackend(ChatClient(srv.url, MODEL, concurrency=8))
            t0 = time.perf_counter()
            trajs = run_items(items, be, sb, max_new_tokens=args.tokens)
            dt = time.perf_counter() - t0
        finally:
            srv.close()
        print(f"scripted endpoint (code turn in the sandbox, then answer; {sb.workers} sandbox workers): "
              f"{len(items) / dt:.2f} items/s, {sum(t.tool_calls for t in trajs)} tool calls")


if __name__ == "__main__":
    main()
