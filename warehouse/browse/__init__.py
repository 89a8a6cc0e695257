"""`flywheel browse`: a local web page over the lake (samples, rejected drafts, benchmark items,
evaluated items), server-rendered with FastAPI + Jinja2, every query through the DuckDB catalog.

Lists page with keyset paging on an ordered key, so a page costs the same at the first and the
millionth row (bench/browse_paging.py); images are served from the ``images`` table by content id.
"""

from __future__ import annotations

import os
from urllib.parse import quote, urlencode

ENV_PORT = "FLYWHEEL_BROWSE_PORT"
DEFAULT_PORT = 8765
HOST = "127.0.0.1"


def default_port() -> int:
    """The port `flywheel browse` listens on and Dagster's links point at ($FLYWHEEL_BROWSE_PORT or 8765)."""
    return int(os.environ.get(ENV_PORT) or DEFAULT_PORT)


def url(path: str, port: int | None = None, **params) -> str:
    """An absolute link into the browser, e.g. ``url("/sample/" + sid)`` for Dagster metadata."""
    query = urlencode({k: v for k, v in params.items() if v is not None})
    return f"http://{HOST}:{port or default_port()}{path}" + (f"?{query}" if query else "")


def sample_url(sample_id: str, port: int | None = None) -> str:
    return url("/sample/" + quote(sample_id, safe=""), port)
