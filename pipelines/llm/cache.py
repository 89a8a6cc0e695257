"""The response cache of chat completions: one JSON file per request, keyed by the sha256 of the
canonical JSON of the request *body* (model, messages and every param), so the key excludes the
API key and the base URL: the same model served from another host replays the same cache. Only
successful responses are stored, each written atomically; a missing or unreadable entry is a miss."""

from __future__ import annotations

import hashlib
import json
import time
from pathlib import Path
from typing import Any, Mapping

from warehouse.storage import atomic_path


def canonical_json(obj: Any) -> bytes:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      allow_nan=False).encode("utf-8")


def request_hash(body: Mapping[str, Any]) -> str:
    """sha256 of the canonical JSON of a request body (model, messages, params)."""
    return hashlib.sha256(canonical_json(body)).hexdigest()


class ResponseCache:
    """Cached responses under ``folder/<key[:2]>/<key>.json``."""

    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder)

    def _path(self, key: str) -> Path:
        return self.folder / key[:2] / f"{key}.json"

    def get(self, key: str) -> Any | None:
        """The stored response (decoded JSON) for ``key``, or None."""
        try:
            return json.loads(self._path(key).read_bytes())["response"]
        except (OSError, ValueError, TypeError, KeyError):
            return None

    def put(self, key: str, body: Mapping[str, Any], response: Any) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        entry = {"request_hash": key, "request": body, "response": response, "created": time.time()}
        with atomic_path(path) as tmp, open(tmp, "wb") as fh:
            fh.write(canonical_json(entry))
