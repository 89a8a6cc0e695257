"""A small OpenAI-compatible chat-completions server over a local transformers model.

For a checkpoint on one machine without vLLM (and for tests with a tiny random-weight model):
``python -m pipelines.llm.serve --model DIR --port 8000`` then point ``FLYWHEEL_LLM_BASE_URL`` at
``http://127.0.0.1:8000/v1``. Text-only models see image parts as the text ``[image]``. One
generation at a time (a lock): this is a correctness path, use vLLM for throughput."""

from __future__ import annotations

import argparse
import json
import signal
import threading
import time
from collections.abc import Mapping, Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


def flatten_content(content: Any) -> str:
    """Message content (a string or a list of parts) as text; images become ``[image]``."""
    if isinstance(content, str):
        return content
    parts = []
    for p in content or ():
        if isinstance(p, Mapping) and p.get("type") == "text":
            parts.append(str(p.get("text", "")))
        elif isinstance(p, Mapping):
            parts.append("[image]")
    return "\n".join(parts)


class TextModel:
    """A causal LM and its tokenizer loaded from a local directory (or hub id)."""

    def __init__(self, path: str, device: str = "cpu") -> None:
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer

        self.torch = torch
        self.tokenizer = AutoTokenizer.from_pretrained(path)
        self.model = AutoModelForCausalLM.from_pretrained(path).to(device).eval()
        self.device = device
        self.lock = threading.Lock()

    def prompt(self, messages: Sequence[Mapping[str, Any]]) -> str:
        flat = [{"role": m.get("role", "user"), "content": flatten_content(m.get("content"))} for m in messages]
        if getattr(self.tokenizer, "chat_template", None):
            return self.tokenizer.apply_chat_template(flat, tokenize=False, add_generation_prompt=True)
        return "".join(f"{m['role']}: {m['content']}\n" for m in flat) + "assistant: "

    def generate(self, messages, max_tokens: int = 256, temperature: float = 0.0,
                 seed: int | None = None) -> tuple[str, int, int, str]:
        ids = self.tokenizer(self.prompt(messages), return_tensors="pt").input_ids.to(self.device)
        kw: dict[str, Any] = {"max_new_tokens": max(1, int(max_tokens))}
        if temperature and temperature > 0:
            kw.update(do_sample=True, temperature=float(temperature))
        else:
            kw.update(do_sample=False)
        pad = self.tokenizer.pad_token_id if self.tokenizer.pad_token_id is not None else self.tokenizer.eos_token_id
        with self.lock, self.torch.no_grad():
            if seed is not None:
                self.torch.manual_seed(int(seed))
            out = self.model.generate(ids, attention_mask=self.torch.ones_like(ids), pad_token_id=pad, **kw)
        new = out[0, ids.shape[1]:]
        finish = "length" if len(new) >= kw["max_new_tokens"] else "stop"
        return self.tokenizer.decode(new, skip_special_tokens=True), int(ids.shape[1]), int(len(new)), finish


def make_server(model: TextModel, name: str, host: str = "127.0.0.1", port: int = 0,
                max_new_tokens: int = 0) -> ThreadingHTTPServer:
    """The HTTP server; ``max_new_tokens`` > 0 caps every request's ``max_tokens``."""
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: Any) -> None:
            pass

        def _send(self, status: int, payload: dict) -> None:
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:  # noqa: N802
            if not self.path.rstrip("/").endswith("/models"):  # what clients ask to find the served model
                self._send(404, {"error": {"message": f"unknown path {self.path}"}})
                return
            self._send(200, {"object": "list", "data": [{"id": name, "object": "model", "owned_by": "local"}]})

        def do_POST(self) -> None:  # noqa: N802
            if not self.path.rstrip("/").endswith("/chat/completions"):
                self._send(404, {"error": {"message": f"unknown path {self.path}"}})
                return
            try:
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))
                messages = body["messages"]
            except (ValueError, KeyError, TypeError) as err:
                self._send(400, {"error": {"message": f"bad request: {err}"}})
                return
            wanted = int(body.get("max_tokens") or 256)
            text, n_in, n_out, finish = model.generate(messages, min(wanted, max_new_tokens) if max_new_tokens else wanted,
                                                       body.get("temperature", 0.0), body.get("seed"))
            self._send(200, {"id": f"cmpl-{time.time_ns()}", "object": "chat.completion", "model": name,
                             "choices": [{"index": 0, "message": {"role": "assistant", "content": text},
                                          "finish_reason": finish}],
                             "usage": {"prompt_tokens": n_in, "completion_tokens": n_out,
                                       "total_tokens": n_in + n_out}})

    server = ThreadingHTTPServer((host, port), Handler)
    server.daemon_threads = True
    return server


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", required=True, help="local model directory or hub id")
    ap.add_argument("--name", default="", help="model name reported to clients (default: --model)")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=8000)
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--max-new-tokens", type=int, default=0, help="cap on every request's max_tokens (0 = none)")
    args = ap.parse_args(argv)
    # started in the background by scripts and tests: make SIGINT/SIGTERM stop it
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    server = make_server(TextModel(args.model, args.device), args.name or args.model, args.host, args.port,
                         args.max_new_tokens)
    print(f"serving {args.model} on http://{args.host}:{server.server_address[1]}/v1", flush=True)
    server.serve_forever()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
