"""In-process vLLM engine behind the same interface as :class:`ChatClient` (``model``,
``complete``, ``complete_many``, ``usage``), for a GPU machine without a separate server.

vllm is imported lazily (the ``gpu`` extra); without it, constructing the engine raises an
ImportError saying how to install it. Responses are cached with the client's cache layout, so a
rerun costs nothing here too."""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from pipelines.llm.cache import ResponseCache, request_hash
from pipelines.llm.client import Completion, Usage, cached_response

_SAMPLING_KEYS = {"temperature": "temperature", "top_p": "top_p", "max_tokens": "max_tokens", "seed": "seed",
                  "stop": "stop"}


class VLLMEngine:
    """Chat completions from a local model directory (or hub id) through ``vllm.LLM.chat``."""

    def __init__(self, model: str, cache_dir: str | Path | None = None, **engine_args: Any) -> None:
        try:
            import vllm
        except ImportError as err:
            raise ImportError("the in-process vLLM engine needs the gpu extra: pip install -e '.[gpu]' "
                              f"on a machine with a CUDA GPU ({err})") from err
        self.model = model
        self._vllm = vllm
        self._llm = vllm.LLM(model=model, **engine_args)
        # the HTTP client's cache files: same key (the full request body), same format
        self._cache = ResponseCache(cache_dir) if cache_dir else None
        self._usage = Usage()

    def usage(self) -> Usage:
        return self._usage

    def complete(self, messages: Sequence[Mapping[str, Any]], **params: Any) -> Completion:
        return self.complete_many([{"messages": list(messages), **params}])[0]

    def complete_many(self, requests: Iterable[Any], progress: bool = False) -> list[Completion]:
        bodies = [r if isinstance(r, Mapping) else {"messages": list(r)} for r in requests]
        bodies = [{"model": self.model, **b} for b in bodies]
        keys = [request_hash(b) for b in bodies]
        out: list[Completion | None] = [None] * len(bodies)
        todo = []
        for i, key in enumerate(keys):
            hit = cached_response(self._cache, key)
            if hit is not None:
                out[i] = Completion(text=hit.text, finish_reason=hit.finish_reason, cached=True, request_hash=key)
            else:
                todo.append(i)
        t0 = time.perf_counter()
        for i in todo:  # one chat call per distinct sampling setting keeps params exact per request
            body = bodies[i]
            sp = self._vllm.SamplingParams(**{v: body[k] for k, v in _SAMPLING_KEYS.items() if k in body})
            res = self._llm.chat([body["messages"]], sp, use_tqdm=progress)[0]
            gen = res.outputs[0]
            out[i] = Completion(text=gen.text, finish_reason=gen.finish_reason,
                                prompt_tokens=len(res.prompt_token_ids or ()), completion_tokens=len(gen.token_ids),
                                seconds=time.perf_counter() - t0, request_hash=keys[i], attempts=1)
            if self._cache:
                self._cache.put(keys[i], body, {
                    "choices": [{"message": {"role": "assistant", "content": gen.text},
                                 "finish_reason": gen.finish_reason}]})
        return out  # type: ignore[return-value]
