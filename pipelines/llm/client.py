"""A small, dependency-free client for OpenAI-compatible chat completions.

``ChatClient.complete`` sends ``POST {base_url}/chat/completions`` and returns a ``Completion``;
``complete_many`` runs a batch on a thread pool with bounded concurrency, order preserved.

Design decisions (see the package docstring for the short version):

* Per-request failures never raise. After ``max_retries`` retries (429, 5xx, connection errors,
  timeouts; exponential backoff with jitter, ``Retry-After`` honoured) or at once for any other
  4xx or a malformed body, the call returns a ``Completion`` whose ``error`` says why. Programmer
  errors (bad arguments) raise ``ValueError``.
* The response cache key is the sha256 of the canonical JSON of the request *body*
  (model, messages and every param), so it excludes the API key and the base URL: the same model
  served from another host or port replays the same cache. Only successful responses are cached,
  one JSON file per key, written atomically (temp file + ``os.replace``).
* ``budget_usd`` is a hard stop: once the money spent on live responses reaches it, every further
  HTTP attempt is refused with the error ``"budget exhausted"`` (cache hits are free and still
  served). Requests already in flight when the budget is reached still complete, so the overshoot
  is at most ``concurrency`` responses.
* Standard library only: ``http.client`` with a small keep-alive connection pool.
"""

from __future__ import annotations

import base64
import email.utils
import hashlib
import http.client
import json
import os
import random
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence
from urllib.parse import urlsplit

from warehouse.storage import atomic_path

API_KEY_ENV = "FLYWHEEL_LLM_API_KEY"
RETRY_STATUSES = frozenset({408, 429}) | frozenset(range(500, 600))  # 408: the server timed out
_RESERVED_PARAMS = frozenset({"model", "messages", "stream"})
_EXCERPT = 300
_MAX_SLEEP_S = 60.0

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


def canonical_json(obj: Any) -> bytes:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      allow_nan=False).encode("utf-8")


def request_hash(body: Mapping[str, Any]) -> str:
    """sha256 of the canonical JSON of a request body (model, messages, params)."""
    return hashlib.sha256(canonical_json(body)).hexdigest()


def _excerpt(data: bytes | str, n: int = _EXCERPT) -> str:
    text = data.decode("utf-8", "replace") if isinstance(data, bytes) else data
    text = " ".join(text.split())
    return text if len(text) <= n else text[:n] + "..."


def _parse_retry_after(value: str | None) -> float | None:
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when is None:
        return None
    return max(0.0, when.timestamp() - time.time())


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


class _Parsed:
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


class _Failure(Exception):
    """One HTTP attempt failed; ``retry`` says whether another attempt may succeed."""

    def __init__(self, message: str, retry: bool, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry = retry
        self.retry_after = retry_after


# ---------------------------------------------------------------------------------------- client


class ChatClient:
    """OpenAI-compatible chat-completions client: retries, cache, usage and budget, thread-safe."""

    def __init__(self, base_url: str, model: str, api_key: str | None = None, concurrency: int = 4,
                 timeout_s: float = 60, max_retries: int = 4, backoff_s: float = 0.5,
                 cache_dir: str | os.PathLike[str] | None = None,
                 prices: Mapping[str, Any] | None = None, budget_usd: float | None = None) -> None:
        if not base_url or not str(base_url).strip():
            raise ValueError("ChatClient needs a base_url, e.g. http://127.0.0.1:8000/v1")
        if not model or not str(model).strip():
            raise ValueError("ChatClient needs a model name")
        parts = urlsplit(str(base_url).strip())
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"base_url must be an http(s) URL, got {base_url!r}")
        if int(concurrency) < 1:
            raise ValueError("concurrency must be >= 1")
        if timeout_s <= 0:
            raise ValueError("timeout_s must be > 0")
        if int(max_retries) < 0 or backoff_s < 0:
            raise ValueError("max_retries and backoff_s must be >= 0")
        self.base_url = str(base_url).strip().rstrip("/")
        self.model = str(model)
        self.api_key = api_key if api_key is not None else (os.environ.get(API_KEY_ENV) or None)
        self.concurrency = int(concurrency)
        self.timeout_s = float(timeout_s)
        self.max_retries = int(max_retries)
        self.backoff_s = float(backoff_s)
        self.cache_dir = Path(cache_dir) if cache_dir is not None else None
        self.prices = _normalise_prices(prices)
        if budget_usd is not None:
            if budget_usd < 0:
                raise ValueError("budget_usd must be >= 0")
            if self.model not in self.prices:
                raise ValueError(f"budget_usd needs a price for model {self.model!r} in prices")
        self.budget_usd = None if budget_usd is None else float(budget_usd)

        self._scheme = parts.scheme
        self._host = parts.hostname
        self._port = parts.port
        self._path = (parts.path.rstrip("/") + "/chat/completions") + (f"?{parts.query}" if parts.query else "")
        self._slots = threading.BoundedSemaphore(self.concurrency)
        self._pool: list[http.client.HTTPConnection] = []
        self._pool_lock = threading.Lock()
        self._lock = threading.Lock()
        self._usage = Usage()
        self._rng = random.Random()

    # ------------------------------------------------------------------ public API

    def __repr__(self) -> str:
        return f"ChatClient(base_url={self.base_url!r}, model={self.model!r}, concurrency={self.concurrency})"

    def __enter__(self) -> ChatClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close idle keep-alive connections (the client stays usable)."""
        with self._pool_lock:
            conns, self._pool = self._pool, []
        for conn in conns:
            conn.close()

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

        hit = self._cache_get(key)
        if hit is not None:
            self._add_usage(calls=1, cache_hits=1)
            return Completion(text=hit.text, finish_reason=hit.finish_reason, prompt_tokens=hit.prompt_tokens,
                              completion_tokens=hit.completion_tokens, seconds=time.perf_counter() - t0,
                              cost_usd=0.0, cached=True, request_hash=key)

        payload = canonical_json(body)
        attempts = 0
        error = "no attempt made"
        while True:
            if self._budget_exhausted():
                self._add_usage(calls=1, errors=1, budget_refusals=1)
                return Completion(seconds=time.perf_counter() - t0, error="budget exhausted",
                                  request_hash=key, attempts=attempts)
            attempts += 1
            self._add_usage(http_requests=1, retries=1 if attempts > 1 else 0)
            try:
                with self._slots:
                    raw = self._post(payload)
                parsed, data = self._parse(raw)
            except _Failure as f:
                error = str(f)
                if not f.retry or attempts > self.max_retries:
                    break
                time.sleep(self._delay(attempts, f.retry_after))
                continue
            cost = self._cost(parsed.prompt_tokens, parsed.completion_tokens)
            self._add_usage(calls=1, prompt_tokens=parsed.prompt_tokens,
                            completion_tokens=parsed.completion_tokens, cost_usd=cost or 0.0)
            self._cache_put(key, body, data)
            return Completion(text=parsed.text, finish_reason=parsed.finish_reason,
                              prompt_tokens=parsed.prompt_tokens, completion_tokens=parsed.completion_tokens,
                              seconds=time.perf_counter() - t0, cost_usd=cost, request_hash=key,
                              attempts=attempts)
        self._add_usage(calls=1, errors=1)
        if attempts > 1:
            error = f"{error} (after {attempts} attempts)"
        return Completion(seconds=time.perf_counter() - t0, error=error, request_hash=key, attempts=attempts)

    def _delay(self, attempt: int, retry_after: float | None) -> float:
        if retry_after is not None:
            return min(retry_after, _MAX_SLEEP_S)
        base = min(self.backoff_s * 2 ** (attempt - 1), _MAX_SLEEP_S)
        return base * (0.5 + 0.5 * self._rng.random())  # "equal jitter": [base/2, base)

    @staticmethod
    def _parse(raw: bytes) -> tuple[_Parsed, Any]:
        try:
            data = json.loads(raw)
            return _Parsed(data), data
        except (ValueError, TypeError, AttributeError) as exc:
            raise _Failure(f"malformed response: {exc}: {_excerpt(raw)}", retry=False) from None

    # ------------------------------------------------------------------ HTTP

    def _new_conn(self) -> http.client.HTTPConnection:
        cls = http.client.HTTPSConnection if self._scheme == "https" else http.client.HTTPConnection
        return cls(self._host, self._port, timeout=self.timeout_s)

    def _headers(self, n: int) -> dict[str, str]:
        headers = {"Content-Type": "application/json", "Accept": "application/json",
                   "Content-Length": str(n), "User-Agent": "vthinker-flywheel-llm/0.1"}
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        return headers

    def _post(self, payload: bytes) -> bytes:
        """One HTTP attempt. Returns the 200 body or raises ``_Failure``."""
        with self._pool_lock:
            conn = self._pool.pop() if self._pool else None
        reused = conn is not None
        while True:
            if conn is None:
                conn = self._new_conn()
            try:
                conn.request("POST", self._path, body=payload, headers=self._headers(len(payload)))
                resp = conn.getresponse()
                data = resp.read()
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError) as exc:
                conn.close()
                conn = None
                if reused:  # an idle keep-alive connection the server had closed: reconnect once
                    reused = False
                    continue
                raise _Failure(f"connection error: {type(exc).__name__}: {exc}", retry=True) from None
            except (TimeoutError, socket.timeout):
                conn.close()
                raise _Failure(f"timeout after {self.timeout_s:g}s", retry=True) from None
            except (OSError, http.client.HTTPException) as exc:
                conn.close()
                raise _Failure(f"connection error: {type(exc).__name__}: {exc}", retry=True) from None
            break
        if resp.will_close:
            conn.close()
        else:
            with self._pool_lock:
                self._pool.append(conn)
        if resp.status == 200:
            return data
        retry_after = _parse_retry_after(resp.getheader("Retry-After"))
        raise _Failure(f"HTTP {resp.status}: {_excerpt(data)}", retry=resp.status in RETRY_STATUSES,
                       retry_after=retry_after)

    # ------------------------------------------------------------------ cache

    def _cache_path(self, key: str) -> Path:
        assert self.cache_dir is not None
        return self.cache_dir / key[:2] / f"{key}.json"

    def _cache_get(self, key: str) -> _Parsed | None:
        if self.cache_dir is None:
            return None
        try:
            entry = json.loads(self._cache_path(key).read_bytes())
            return _Parsed(entry["response"])
        except (OSError, ValueError, TypeError, KeyError):  # missing or unreadable: a miss
            return None

    def _cache_put(self, key: str, body: Mapping[str, Any], response: Any) -> None:
        if self.cache_dir is None:
            return
        path = self._cache_path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        entry = {"request_hash": key, "request": body, "response": response, "created": time.time()}
        with atomic_path(path) as tmp, open(tmp, "wb") as fh:
            fh.write(canonical_json(entry))
