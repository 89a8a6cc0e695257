"""The wire to an OpenAI-compatible endpoint, on the ``openai`` SDK: one chat completion with the
SDK's retries (408/409/429/5xx, connection errors, timeouts; exponential backoff with jitter,
``Retry-After`` honoured), timeouts and typed errors turned into one-line reasons, and the served
models (``GET {base_url}/models``). No cache, budget or concurrency: :mod:`pipelines.llm.client`
adds those. A request body is sent exactly as built (model, messages and every param)."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any, Mapping
from urllib.parse import urlsplit

NO_KEY = "EMPTY"  # what vLLM's docs pass when the server has no key; the header itself is omitted
_EXCERPT = 300


class EndpointError(RuntimeError):
    """The endpoint cannot serve a round: unreachable, refusing, or serving no (or another) model."""


def excerpt(data: bytes | str, n: int = _EXCERPT) -> str:
    """``data`` on one line, cut to ``n`` characters."""
    text = data.decode("utf-8", "replace") if isinstance(data, bytes) else data
    text = " ".join(text.split())
    return text if len(text) <= n else text[:n] + "..."


@dataclass(frozen=True)
class Reply:
    """One chat completion as the wire returned it: the raw response text, or why there is none."""

    text: str | None  # the 200 response body (JSON not yet decoded); None on error
    error: str | None
    attempts: int  # HTTP requests sent, retries included


class Transport:
    """An ``openai.OpenAI`` client for one endpoint, counting the HTTP requests of each call."""

    def __init__(self, base_url: str, api_key: str | None, timeout_s: float, max_retries: int) -> None:
        parts = urlsplit(str(base_url or "").strip())
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"base_url must be an http(s) URL, e.g. http://127.0.0.1:8000/v1, got {base_url!r}")
        self.base_url = str(base_url).strip().rstrip("/")
        self.timeout_s = float(timeout_s)
        self._sent = threading.local()  # the SDK sends from the calling thread: one counter per thread
        import openai  # here, not at module level: a second of imports that a round without a model never needs

        http = openai.DefaultHttpxClient(event_hooks={"request": [self._count]})
        self._sdk = openai.OpenAI(base_url=self.base_url, api_key=api_key or NO_KEY, timeout=self.timeout_s,
                                  max_retries=int(max_retries), http_client=http)
        self._headers: dict[str, Any] = {} if api_key else {"Authorization": openai.Omit()}

    def _count(self, request: Any) -> None:
        self._sent.n = getattr(self._sent, "n", 0) + 1

    def close(self) -> None:
        self._sdk.close()

    def chat(self, body: Mapping[str, Any]) -> Reply:
        """POST ``/chat/completions`` with ``body``; never raises for a failed request."""
        import openai

        self._sent.n = 0
        params = {k: v for k, v in body.items() if k not in ("model", "messages")}
        try:
            raw = self._sdk.chat.completions.with_raw_response.create(
                model=body["model"], messages=body["messages"], extra_body=params, extra_headers=self._headers)
            return Reply(raw.http_response.text, None, self._sent.n)
        except openai.APITimeoutError:
            error = f"timeout after {self.timeout_s:g}s"
        except openai.APIConnectionError as err:
            cause = err.__cause__ or err
            error = f"connection error: {type(cause).__name__}: {excerpt(str(cause))}"
        except openai.APIStatusError as err:
            error = f"HTTP {err.status_code}: {excerpt(err.response.text)}"
        return Reply(None, error, self._sent.n)

    def models(self) -> list[str]:
        """The model ids the endpoint serves; :class:`EndpointError` (one line) when it cannot say."""
        import openai

        try:
            return [m.id for m in self._sdk.models.list(extra_headers=self._headers).data]
        except openai.APITimeoutError:
            raise EndpointError(f"{self.base_url} did not answer within {self.timeout_s:g}s") from None
        except openai.APIConnectionError as err:
            cause = err.__cause__ or err
            raise EndpointError(f"{self.base_url} is unreachable ({type(cause).__name__}: "
                                f"{excerpt(str(cause), 120)})") from None
        except openai.APIStatusError as err:
            hint = "; set FLYWHEEL_LLM_API_KEY" if err.status_code in (401, 403) else ""
            raise EndpointError(f"{self.base_url}/models answered HTTP {err.status_code} "
                                f"({excerpt(err.response.text, 120)}){hint}") from None


_RESOLVED: dict[tuple[str, str, str], str] = {}


def resolve_model(base_url: str, model: str = "", api_key: str | None = None, timeout_s: float = 10.0) -> str:
    """The model to use at ``base_url``: ``model`` when the endpoint serves it, else the one model it
    serves (vLLM serves one). :class:`EndpointError` naming what is wrong when the endpoint is
    unreachable, refuses, serves several and none is configured, or does not serve ``model``.
    Answers are kept per process: every stage of a round asks."""
    key = (base_url, model, api_key or "")
    if key in _RESOLVED:
        return _RESOLVED[key]
    transport = Transport(base_url, api_key, timeout_s, max_retries=1)
    try:
        served = transport.models()
    finally:
        transport.close()
    if model and model not in served:
        raise EndpointError(f"{transport.base_url} does not serve model {model!r}; it serves: "
                            f"{', '.join(served) or 'none'} (FLYWHEEL_LLM_MODEL)")
    if not model and len(served) != 1:
        raise EndpointError(f"{transport.base_url} serves {len(served)} models ({', '.join(served[:8]) or 'none'}): "
                            "name one with FLYWHEEL_LLM_MODEL")
    _RESOLVED[key] = model or served[0]
    return _RESOLVED[key]
