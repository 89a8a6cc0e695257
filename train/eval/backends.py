"""Model backends behind one interface: ``generate(conversations, max_new_tokens, stop)``.

Conversations use one neutral message shape: ``{"role": system|user|assistant|tool, "content":
[{"type": "text", "text": ...} | {"type": "image", "png": bytes}]}``; role ``tool`` is a sandbox
output. Each backend converts it:

* :class:`TransformersBackend`: in-process ``generate`` (greedy) for Qwen2.5-VL checkpoints (loaded
  as train/ loads them, with the protocol's chat template, where ``tool`` renders as a
  ``<sandbox_output>`` user turn) and any other image-text-to-text model (``AutoProcessor`` +
  ``AutoModelForImageTextToText``; ``tool`` becomes a user turn with the tags written out);
* :class:`OpenAIBackend`: an OpenAI-compatible endpoint through :class:`pipelines.llm.ChatClient`
  (images as data URLs, the batch through ``complete_many``);
* :class:`VLLMBackend`: the in-process :class:`pipelines.llm.vllm_engine.VLLMEngine` (``gpu`` extra),
  same request shape as the endpoint.
"""

from __future__ import annotations

import io
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from train.protocol import SANDBOX_CLOSE, SANDBOX_OPEN


@dataclass(frozen=True)
class Generation:
    """One generated turn. ``finish_reason``: stop | length | error; ``error`` set on failure."""

    text: str
    finish_reason: str = "stop"
    tokens: int = 0
    error: str | None = None


class Backend(Protocol):
    name: str
    checkpoint: str

    def generate(self, conversations: Sequence[list[dict]], max_new_tokens: int,
                 stop: Sequence[str]) -> list[Generation]: ...


def sandbox_as_user(message: dict) -> dict:
    """A ``tool`` message as a user turn with the ``<sandbox_output>`` tags written out."""
    return {"role": "user", "content": [{"type": "text", "text": SANDBOX_OPEN}, *message["content"],
                                        {"type": "text", "text": SANDBOX_CLOSE}]}


# ------------------------------------------------------------------------------ OpenAI-compatible


def openai_messages(conversation: list[dict]) -> list[dict]:
    """Neutral messages as chat-completions messages (images as PNG data URLs)."""
    from pipelines.llm import png_data_url

    out = []
    for m in conversation:
        m = sandbox_as_user(m) if m["role"] == "tool" else m
        parts = [{"type": "image_url", "image_url": {"url": png_data_url(p["png"])}} if p["type"] == "image"
                 else {"type": "text", "text": p["text"]} for p in m["content"]]
        if m["role"] in ("system", "assistant"):  # text-only roles: plain strings are the portable form
            out.append({"role": m["role"], "content": "".join(p["text"] for p in parts if p["type"] == "text")})
        else:
            out.append({"role": m["role"], "content": parts})
    return out


class OpenAIBackend:
    """Greedy chat completions from an OpenAI-compatible endpoint (vLLM server, hosted API)."""

    name = "openai"

    def __init__(self, client, temperature: float = 0.0, progress: bool = False) -> None:
        self.client = client
        self.checkpoint = f"{getattr(client, 'base_url', 'in-process')}#{client.model}"
        self.temperature = temperature
        self.progress = progress

    def generate(self, conversations: Sequence[list[dict]], max_new_tokens: int,
                 stop: Sequence[str]) -> list[Generation]:
        requests = [{"messages": openai_messages(c), "max_tokens": int(max_new_tokens),
                     "temperature": self.temperature, "stop": list(stop)} for c in conversations]
        out = []
        for done in self.client.complete_many(requests, progress=self.progress):
            if done.error is not None:
                out.append(Generation("", "error", 0, done.error))
            else:
                out.append(Generation(done.text, done.finish_reason or "stop", done.completion_tokens))
        return out


class VLLMBackend(OpenAIBackend):
    """In-process vLLM (``pip install -e '.[gpu]'``): a clear ImportError without it."""

    name = "vllm"

    def __init__(self, model: str, temperature: float = 0.0, **engine_args: Any) -> None:
        from pipelines.llm.vllm_engine import VLLMEngine  # raises the install hint without vllm

        super().__init__(VLLMEngine(model, **engine_args), temperature)
        self.checkpoint = model


# ------------------------------------------------------------------------------ transformers


def is_qwen25_vl(path: str | os.PathLike) -> bool:
    cfg = Path(path) / "config.json"
    return cfg.exists() and json.loads(cfg.read_text()).get("model_type") == "qwen2_5_vl"


def _pil(png: bytes):
    from PIL import Image

    with Image.open(io.BytesIO(png)) as im:
        return im.convert("RGB")


class TransformersBackend:
    """In-process generation with a local model dir (or hub id), batched, left padding; greedy unless
    ``temperature`` > 0 (RL rollouts sample)."""

    name = "transformers"

    def __init__(self, model_path: str, device: str = "cpu", dtype: str = "float32", batch_size: int = 4,
                 temperature: float = 0.0, top_p: float = 1.0) -> None:
        import torch

        self.checkpoint = str(model_path)
        self.sampling = {"do_sample": True, "temperature": temperature, "top_p": top_p} if temperature > 0 \
            else {"do_sample": False}
        self.batch_size = max(1, int(batch_size))
        self.device = device
        torch_dtype = getattr(torch, dtype)
        if is_qwen25_vl(model_path):  # as train/ loads the policy: protocol template, no torchvision needed
            from transformers import Qwen2_5_VLForConditionalGeneration

            from train.tiny import load_processor

            self.processor = load_processor(model_path, padding_side="left")
            self.model = Qwen2_5_VLForConditionalGeneration.from_pretrained(model_path, dtype=torch_dtype)
        else:
            from transformers import AutoModelForImageTextToText, AutoProcessor

            self.processor = AutoProcessor.from_pretrained(model_path)
            self.processor.tokenizer.padding_side = "left"
            self.model = AutoModelForImageTextToText.from_pretrained(model_path, dtype=torch_dtype)
        self.model.to(device).eval()
        # the protocol template renders role "tool" as a sandbox turn; other templates get the tags as text
        self.tool_role = SANDBOX_OPEN in (self.processor.chat_template or "")

    def _hf_messages(self, conversation: list[dict]) -> list[dict]:
        out = []
        for m in conversation:
            if m["role"] == "tool" and not self.tool_role:
                m = sandbox_as_user(m)
            out.append({"role": m["role"], "content": [
                {"type": "image", "image": _pil(p["png"])} if p["type"] == "image" else p for p in m["content"]]})
        return out

    def generate(self, conversations: Sequence[list[dict]], max_new_tokens: int,
                 stop: Sequence[str]) -> list[Generation]:
        import torch

        tok = self.processor.tokenizer
        out: list[Generation] = []
        for start in range(0, len(conversations), self.batch_size):
            batch = [self._hf_messages(c) for c in conversations[start:start + self.batch_size]]
            inputs = self.processor.apply_chat_template(batch, add_generation_prompt=True, tokenize=True,
                                                        return_dict=True, return_tensors="pt",
                                                        processor_kwargs={"padding": True})
            inputs = {k: v.to(self.device) if hasattr(v, "to") else v for k, v in inputs.items()}
            with torch.inference_mode():
                ids = self.model.generate(**inputs, max_new_tokens=int(max_new_tokens), **self.sampling,
                                          stop_strings=list(stop), tokenizer=tok,
                                          pad_token_id=tok.pad_token_id)
            new = ids[:, inputs["input_ids"].shape[1]:]
            eos = {tok.eos_token_id, tok.pad_token_id} - {None}
            for row in new:
                toks = [t for t in row.tolist() if t != tok.pad_token_id]
                text = tok.decode(toks, skip_special_tokens=True)
                ended = bool(toks) and (toks[-1] in eos or any(text.endswith(s) for s in stop))
                out.append(Generation(text, "stop" if ended or len(toks) < max_new_tokens else "length", len(toks)))
        return out


# ------------------------------------------------------------------------------ factory

BACKENDS = ("transformers", "openai", "vllm")


def build_backend(kind: str, checkpoint: str, *, model: str = "", device: str = "cpu", dtype: str = "float32",
                  batch_size: int = 4, concurrency: int = 8, timeout_s: float = 600.0, cache_dir: str | None = None,
                  workdir: str | os.PathLike = ".") -> Backend:
    """The backend named ``kind`` for ``checkpoint``: a model dir / hub id (``tiny`` builds the
    random-weight CPU model under ``workdir``), or for ``openai`` the endpoint's base URL (``model``:
    the served model name; empty: the one it serves)."""
    if kind == "transformers":
        if checkpoint == "tiny":
            from train.tiny import build_tiny

            path = Path(workdir) / "tiny"
            if not (path / "config.json").exists():
                build_tiny(path)
            checkpoint = str(path)
        return TransformersBackend(checkpoint, device=device, dtype=dtype, batch_size=batch_size)
    if kind == "openai":
        from pipelines.llm import ChatClient, resolve_model

        model = resolve_model(checkpoint, model)  # empty: the one model the endpoint serves
        return OpenAIBackend(ChatClient(checkpoint, model, concurrency=concurrency, timeout_s=timeout_s,
                                        cache_dir=cache_dir))
    if kind == "vllm":
        return VLLMBackend(checkpoint, dtype="auto" if dtype == "float32" else dtype)  # auto: the checkpoint's
    raise ValueError(f"unknown backend {kind!r}; known: {', '.join(BACKENDS)}")
