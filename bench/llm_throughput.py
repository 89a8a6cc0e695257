"""Chat-client throughput against a local chat-completions server at several concurrency levels.

The server (tests/chat_server.py, the protocol server the tests use) answers every request after a
fixed latency, standing in for a model server; the figures show how bounded concurrency hides
latency, relative to concurrency 1 measured in the same run.

    .venv/bin/python bench/llm_throughput.py [--requests 200] [--latency-ms 50]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pipelines.llm import ChatClient  # noqa: E402
from tests.chat_server import MODEL, FakeServer, Reply  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--requests", type=int, default=200)
    ap.add_argument("--latency-ms", type=float, default=50.0)
    args = ap.parse_args()
    server = FakeServer()
    server.default = lambda body: Reply(delay=args.latency_ms / 1000)
    try:
        rates = {}
        for conc in (1, 4, 16, 32):
            client = ChatClient(server.url, MODEL, concurrency=conc, timeout_s=30)
            msgs = [[{"role": "user", "content": f"{conc}-{i}"}] for i in range(args.requests)]
            t0 = time.perf_counter()
            out = client.complete_many(msgs)
            rates[conc] = args.requests / (time.perf_counter() - t0)
            assert all(o.ok for o in out), [o.error for o in out if not o.ok][:3]
            client.close()
            print(f"concurrency {conc:>2}: {rates[conc]:7.1f} req/s  ({rates[conc] / rates[1]:4.1f}x concurrency 1; "
                  f"peak in flight {server.max_in_flight})")
            server.max_in_flight = 0
    finally:
        server.close()


if __name__ == "__main__":
    main()
