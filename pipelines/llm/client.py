"""Chat completions for the pipeline: the ``openai`` SDK's transport (:mod:`pipelines.llm.transport`)
under three thin layers of ours, the response cache (:mod:`pipelines.llm.cache`), a budget and a
concurrency bound.

``ChatClient.complete`` returns a ``Completion``; ``complete_many`` runs a batch on a thread pool
with at most ``concurrency`` requests in flight, order preserved.

* Per-request failures never raise. After the SDK's ``max_retries`` retries (429, 5xx, connection
  errors, timeouts) or at once for any other 4xx or a malformed body, the call returns a
  ``Completion`` whose ``error`` says why. Programmer errors (bad arguments) raise ``ValueError``.
* Only successful responses are cached (see the cache module for the key).
* ``budget_usd`` is a hard stop: once the money spent on live responses reaches it, every further
  request is refused with the error ``"budget exhausted"`` (cache hits are free and still served).
  Requests already in flight when the budget is reached still complete, so the overshoot is at
  most ``concurrency`` responses.
"""

from __future__ import annotations

import base64
import json
import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import asdict, dataclass
from typing import Any, Iterable, Mapping, Sequence

from .cache import ResponseCache, canonical_json, request_hash
from .transport import Transport, excerpt

API_KEY_ENV = "FLYWHEEL_LLM_API_KEY"
_RESERVED_PARAMS = frozenset({"model", "messages", "stream"})

Message = Mapping[str, Any]
Request = Sequence[Message] | Mapping[str, Any]


# ---------------------------------------------------------------------------------------- messages


def png_data_url(png: bytes, mime: str = "image/png") -> str:
    """``data:image/png;base64,...`` for raw image bytes."""
    return f"data:{mime};base64,{base64.b64encode(bytes(png)).decode('ascii')}"


def image_message(text: str, *pngs: bytes, role: str = "user", mime: str = "image/png",
                  detail: str | None = None) -> dict[str, Any]:
    """A chat message with a text part followed by one ``image_url`` part per image (data URLs)."""
    if not pngs:
        raise ValueError("image_message needs at least one image")
    parts: list[dict[str, Any]] = [{"type": "text", "text": text}]
    for png in pngs:
        image_url: dict[str, Any] = {"url": png_data_url(png, mime)}
        if detail is not None:
            image_url["detail"] = detail
        parts.append({"type": "image_url", "image_url": image_url})
    return {"role": role, "content": parts}


# ---------------------------------------------------------------------------------------- results


@dataclass(frozen=True)
class Completion:
    text: str = ""
    finish_reason: str | None = None
    prompt_tokens: int = 0
    completion_tokens: int = 0
    seconds: float = 0.0
    cost_usd: float | None = None  # None: no price known for the model; 0.0 for a cache hit
    cached: bool = False
    error: str | None = None
    request_hash: str = ""
    attempts: int = 0  # HTTP requests this call made (0 for a cache hit or a budget refusal)

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass(frozen=True)
class Usage:
    calls: int = 0  # complete() calls finished
    http_requests: int = 0  # HTTP attempts sent, retries included
    retries: int = 0
    cache_hits: int = 0
    errors: int = 0  # calls that ended with an error Completion (budget refusals included)
    budget_refusals: int = 0
    prompt_tokens: int = 0  # live (billed) responses only
    completion_tokens: int = 0
    cost_usd: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


# ---------------------------------------------------------------------------------------- helpers


def _normalise_prices(prices: Mapping[str, Any] | None) -> dict[str, tuple[float, float]]:
    out: dict[str, tuple[float, float]] = {}
    for model, price in (prices or {}).items():
        if isinstance(price, Mapping):
            pin, pout = price.get("input"), price.get("output")
        else:
            pin, pout = price
        if pin is None or pout is None or float(pin) < 0 or float(pout) < 0:
            raise ValueError(f"price for {model!r} needs non-negative input and output USD per 1M tokens")
        out[model] = (float(pin), float(pout))
    return out


def _message_text(message: Mapping[str, Any] | None) -> str:
    content = (message or {}).get("content")
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, list):  # some servers answer with content parts
        return "".join(p.get("text", "") for p in content if isinstance(p, Mapping))
    raise TypeError(f"unexpected message content type {type(content).__name__}")


class ParsedResponse:
    __slots__ = ("text", "finish_reason", "prompt_tokens", "completion_tokens")

    def __init__(self, data: Any) -> None:
        if not isinstance(data, Mapping):
            raise TypeError("response is not a JSON object")
        choices = data.get("choices")
        if not isinstance(choices, list) or not choices or not isinstance(choices[0], Mapping):
            raise TypeError("response has no choices")
        choice = choices[0]
        self.text = _message_text(choice.get("message"))
        self.finish_reason = choice.get("finish_reason")
        usage = data.get("usage") or {}
        self.prompt_tokens = int(usage.get("prompt_tokens") or 0)
        self.completion_tokens = int(usage.get("completion_tokens") or 0)


# ---------------------------------------------------------------------------------------- client


class ChatClient:
    """OpenAI-compatible chat completions with a cache, usage and a budget; thread-safe."""

    def __init__(self, base_url: str, model: str, api_key: str | None = None, concurrency: int = 4,
                 timeout_s: float = 60, max_retries: int = 4,
                 cache_dir: str | os.PathLike[str] | None = None,
                 prices: Mapping[str, Any] | None = None, budget_usd: float | None = None) -> None:
        if not model or not str(model).strip():
            raise ValueError("ChatClient needs a model name (pipelines.llm.transport.resolve_model asks the endpoint)")
        if int(concurrency) < 1:
            raise ValueError("concurrency must be >= 1")
        if timeout_s <= 0:
            raise ValueError("timeout_s must be > 0")
        if int(max_retries) < 0:
            raise ValueError("max_retries must be >= 0")
        self.model = str(model)
        self.api_key = api_key if api_key is not None else (os.environ.get(API_KEY_ENV) or None)
        self.transport = Transport(base_url, self.api_key, float(timeout_s), int(max_retries))
        self.base_url = self.transport.base_url
        self.concurrency = int(concurrency)
        self.timeout_s = float(timeout_s)
        self.max_retries = int(max_retries)
        self.cache = ResponseCache(cache_dir) if cache_dir is not None else None
        self.prices = _normalise_prices(prices)
        if budget_usd is not None:
            if budget_usd < 0:
                raise ValueError("budget_usd must be >= 0")
            if self.model not in self.prices:
                raise ValueError(f"budget_usd needs a price for model {self.model!r} in prices")
        self.budget_usd = None if budget_usd is None else float(budget_usd)
        self._slots = threading.BoundedSemaphore(self.concurrency)
        self._lock = threading.Lock()
        self._usage = Usage()

    # ------------------------------------------------------------------ public API

    def __repr__(self) -> str:
        return f"ChatClient(base_url={self.base_url!r}, model={self.model!r}, concurrency={self.concurrency})"

    def __enter__(self) -> ChatClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the SDK's connections."""
        self.transport.close()

    def usage(self) -> Usage:
        """A snapshot of the running totals."""
        with self._lock:
            return self._usage

    def build_body(self, messages: Sequence[Message], **params: Any) -> dict[str, Any]:
        """The JSON body sent for these messages and params (the cache key is its hash)."""
        if isinstance(messages, (str, bytes)) or not isinstance(messages, Sequence) or not messages:
            raise ValueError("messages must be a non-empty list of chat messages")
        for m in messages:
            if not isinstance(m, Mapping) or "role" not in m:
                raise ValueError(f"each message needs a role: {m!r:.80}")
        bad = _RESERVED_PARAMS & params.keys()
        if bad:
            raise ValueError(f"params may not set {sorted(bad)} (model is the client's; streaming is unsupported)")
        body = {"model": self.model, "messages": [dict(m) for m in messages], **params}
        try:
            canonical_json(body)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"request is not JSON-serialisable: {exc}") from exc
        return body

    def complete(self, messages: Sequence[Message], **params: Any) -> Completion:
        """One chat completion. Never raises for a failed request: see ``Completion.error``."""
        body = self.build_body(messages, **params)
        return self._complete_body(body)

    def complete_many(self, requests: Iterable[Request], progress: bool = False) -> list[Completion]:
        """Complete a batch with at most ``concurrency`` requests in flight; results in input order.

        Each request is either a list of messages or a mapping ``{"messages": [...], **params}``.
        """
        bodies = [self._body_of(r) for r in requests]  # validate everything before sending anything
        if not bodies:
            return []
        results: list[Completion | None] = [None] * len(bodies)
        bar = None
        if progress:
            from tqdm import tqdm

            bar = tqdm(total=len(bodies), desc=f"llm {self.model}", unit="req")
        try:
            with ThreadPoolExecutor(max_workers=min(self.concurrency, len(bodies)),
                                    thread_name_prefix="llm") as pool:
                futures = {pool.submit(self._complete_body, b): i for i, b in enumerate(bodies)}
                for fut in as_completed(futures):
                    results[futures[fut]] = fut.result()
                    if bar is not None:
                        bar.update(1)
        finally:
            if bar is not None:
                bar.close()
        return results  # type: ignore[return-value]

    # ------------------------------------------------------------------ internals

    def _body_of(self, request: Request) -> dict[str, Any]:
        if isinstance(request, Mapping):
            params = dict(request)
            if "messages" not in params:
                raise ValueError("a request mapping needs 'messages'")
            messages = params.pop("messages")
            return self.build_body(messages, **params)
        return self.build_body(request)

    def _cost(self, prompt_tokens: int, completion_tokens: int) -> float | None:
        price = self.prices.get(self.model)
        if price is None:
            return None
        return (prompt_tokens * price[0] + completion_tokens * price[1]) / 1e6

    def _add_usage(self, **delta: float) -> None:
        with self._lock:
            u = self._usage
            self._usage = Usage(**{k: getattr(u, k) + delta.get(k, 0) for k in u.__dataclass_fields__})

    def _budget_exhausted(self) -> bool:
        if self.budget_usd is None:
            return False
        with self._lock:
            return self._usage.cost_usd >= self.budget_usd

    def _complete_body(self, body: dict[str, Any]) -> Completion:
        t0 = time.perf_counter()
        key = request_hash(body)
        hit = cached_response(self.cache, key)
        if hit is not None:
            self._add_usage(calls=1, cache_hits=1)
            return Completion(text=hit.text, finish_reason=hit.finish_reason, prompt_tokens=hit.prompt_tokens,
                              completion_tokens=hit.completion_tokens, seconds=time.perf_counter() - t0,
                              cost_usd=0.0, cached=True, request_hash=key)
        if self._budget_exhausted():
            self._add_usage(calls=1, errors=1, budget_refusals=1)
            return Completion(seconds=time.perf_counter() - t0, error="budget exhausted", request_hash=key)
        with self._slots:
            reply = self.transport.chat(body)
        self._add_usage(http_requests=reply.attempts, retries=max(0, reply.attempts - 1))
        error = reply.error
        if error is None:
            try:
                data = json.loads(reply.text)
                parsed = ParsedResponse(data)
            except (ValueError, TypeError, AttributeError) as exc:
                error = f"malformed response: {exc}: {excerpt(reply.text)}"
        if error is not None:
            self._add_usage(calls=1, errors=1)
            if reply.attempts > 1:
                error = f"{error} (after {reply.attempts} attempts)"
            return Completion(seconds=time.perf_counter() - t0, error=error, request_hash=key,
                              attempts=reply.attempts)
        cost = self._cost(parsed.prompt_tokens, parsed.completion_tokens)
        self._add_usage(calls=1, prompt_tokens=parsed.prompt_tokens,
                        completion_tokens=parsed.completion_tokens, cost_usd=cost or 0.0)
        if self.cache is not None:
            self.cache.put(key, body, data)
        return Completion(text=parsed.text, finish_reason=parsed.finish_reason,
                          prompt_tokens=parsed.prompt_tokens, completion_tokens=parsed.completion_tokens,
                          seconds=time.perf_counter() - t0, cost_usd=cost, request_hash=key,
                          attempts=reply.attempts)


def cached_response(cache: ResponseCache | None, key: str) -> ParsedResponse | None:
    """The cached response for ``key`` parsed, or None (no cache, a miss, or an entry that does
    not parse): the one cache read of the HTTP client and the vLLM engine."""
    response = cache.get(key) if cache is not None else None
    try:
        return ParsedResponse(response) if response is not None else None
    except (TypeError, ValueError, AttributeError):
        return None
