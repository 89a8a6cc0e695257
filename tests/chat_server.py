"""A real local HTTP server speaking the OpenAI chat-completions protocol, for client tests.

``GET /v1/models`` lists ``models``; each POST is answered from a queue of scripted replies (or
``default(body)``); the server records every request body, the request count and the peak number
of requests in flight."""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable

MODEL = "test-vlm"


@dataclass
class Reply:
    status: int = 200
    body: Any = None  # dict -> JSON; bytes/str sent verbatim; None -> a default success
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


def ok_body(text: str = "hello", prompt_tokens: int = 11, completion_tokens: int = 7,
            finish_reason: str = "stop") -> dict[str, Any]:
    return {"id": "cmpl-1", "object": "chat.completion", "model": MODEL,
            "choices": [{"index": 0, "message": {"role": "assistant", "content": text},
                         "finish_reason": finish_reason}],
            "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens,
                      "total_tokens": prompt_tokens + completion_tokens}}


class _Server(ThreadingHTTPServer):
    request_queue_size = 128  # listen backlog; the default 5 drops SYNs when 16 clients connect at once
    daemon_threads = True
    block_on_close = False


class FakeServer:
    def __init__(self, protocol: str = "HTTP/1.1") -> None:
        self.replies: deque[Reply] = deque()
        self.default: Callable[[dict[str, Any]], Reply] = lambda body: Reply()
        self.models: list[str] = [MODEL]  # what GET /v1/models lists
        self.models_status = 200
        self.bodies: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []
        self.paths: list[str] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self.lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = protocol
            disable_nagle_algorithm = True  # else headers + body as two writes cost ~40 ms (delayed ACK)

            def log_message(self, *args: Any) -> None:  # keep pytest output clean
                pass

            def do_GET(self) -> None:  # noqa: N802
                if self.path.rstrip("/") != "/v1/models":
                    self.send_error(404)
                    return
                payload = json.dumps({"object": "list", "data": [
                    {"id": m, "object": "model", "created": 0, "owned_by": "test"} for m in server.models]}).encode()
                self.send_response(server.models_status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def do_POST(self) -> None:  # noqa: N802
                raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with server.lock:
                    server.in_flight += 1
                    server.max_in_flight = max(server.max_in_flight, server.in_flight)
                    server.paths.append(self.path)
                    server.headers.append({k.title(): v for k, v in self.headers.items()})
                    try:
                        body = json.loads(raw)
                    except ValueError:
                        body = {"unparsable": raw.decode("utf-8", "replace")}
                    server.bodies.append(body)
                    reply = server.replies.popleft() if server.replies else None
                try:
                    reply = reply or server.default(body)
                    if reply.delay:
                        time.sleep(reply.delay)
                    payload = reply.body if reply.body is not None else ok_body()
                    if isinstance(payload, dict):
                        payload = json.dumps(payload)
                    if isinstance(payload, str):
                        payload = payload.encode()
                    self.send_response(reply.status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(payload)))
                    for k, v in reply.headers.items():
                        self.send_header(k, v)
                    self.end_headers()
                    self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):  # the client timed out and left
                    self.close_connection = True
                finally:
                    with server.lock:
                        server.in_flight -= 1

        self.httpd = _Server(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                       daemon=True)
        self.thread.start()

    @property
    def count(self) -> int:
        with self.lock:
            return len(self.bodies)

    def script(self, *replies: Reply) -> None:
        self.replies.extend(replies)

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=5)
