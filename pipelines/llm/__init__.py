"""Model client: OpenAI-compatible chat completions with retries, a response cache and a budget.

    from pipelines.llm import ChatClient, image_message

    client = ChatClient("http://127.0.0.1:8000/v1", "Qwen2.5-VL-7B-Instruct", cache_dir="data/llm_cache",
                        prices={"Qwen2.5-VL-7B-Instruct": (0.2, 0.6)}, budget_usd=5.0)
    done = client.complete([image_message("What is BC?", png)], temperature=0, max_tokens=256)
    if done.error: ...          # per-request failures never raise: the pipeline rejects the row
    many = client.complete_many([[msg], {"messages": [msg], "temperature": 0.7}], progress=True)
    client.usage()              # calls, http_requests, retries, cache_hits, errors, tokens, cost_usd

The wire is the ``openai`` SDK (``transport.py``: its retries, timeouts and errors, and the served
models for ``resolve_model``); the cache (``cache.py``), budget and concurrency are ours. No Dagster.
"""

from .client import (
    API_KEY_ENV,
    ChatClient,
    Completion,
    Usage,
    canonical_json,
    image_message,
    png_data_url,
    request_hash,
)
from .transport import EndpointError, resolve_model

__all__ = [
    "API_KEY_ENV",
    "ChatClient",
    "Completion",
    "EndpointError",
    "Usage",
    "canonical_json",
    "image_message",
    "png_data_url",
    "request_hash",
    "resolve_model",
]
