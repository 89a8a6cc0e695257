"""Framing shared by the pool, the zygotes and the task children.

Every message is one JSON header line (``json.dumps`` never emits a raw newline) optionally
followed by raw bytes whose length the header announces. Nothing is ever unpickled. Readers are
bounded (line length, blob size) and, when given a deadline, never block past it.
"""

from __future__ import annotations

import errno
import json
import math
import os
import select
import time

STATUSES = ("ok", "error", "timeout", "memory", "crash", "output_limit", "no_figure", "refused")


class ProtocolError(Exception):
    """The peer sent something malformed, too long, or closed the stream."""


class Eof(ProtocolError):
    pass


class Timeout(Exception):
    pass


class FdReader:
    """Buffered reader on a raw fd; with a deadline the fd must be non-blocking."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self.buf = bytearray()

    def _fill(self, deadline: float | None) -> None:
        while True:
            if deadline is not None:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise Timeout()
                p = select.poll()
                p.register(self.fd, select.POLLIN | select.POLLHUP | select.POLLERR)
                if not p.poll(max(1, math.ceil(left * 1000))):
                    continue
            try:
                chunk = os.read(self.fd, 1 << 20)
            except BlockingIOError:
                continue
            except InterruptedError:
                continue
            if not chunk:
                raise Eof("end of stream")
            self.buf += chunk
            return

    def read_line(self, max_len: int, deadline: float | None = None) -> bytes:
        start = 0
        while True:
            i = self.buf.find(b"\n", start)
            if i >= 0:
                line = bytes(self.buf[:i])
                del self.buf[:i + 1]
                return line
            if len(self.buf) > max_len:
                raise ProtocolError(f"header line longer than {max_len} bytes")
            start = len(self.buf)
            self._fill(deadline)

    def read_exact(self, n: int, deadline: float | None = None) -> bytes:
        while len(self.buf) < n:
            self._fill(deadline)
        out = bytes(self.buf[:n])
        del self.buf[:n]
        return out


def write_all(fd: int, data: bytes, deadline: float | None = None) -> None:
    """Write everything; with a deadline ``fd`` must be non-blocking."""
    view = memoryview(data)
    while view:
        if deadline is not None:
            left = deadline - time.monotonic()
            if left <= 0:
                raise Timeout()
            p = select.poll()
            p.register(fd, select.POLLOUT | select.POLLERR | select.POLLHUP)
            if not p.poll(max(1, math.ceil(left * 1000))):
                continue
        try:
            n = os.write(fd, view)
        except (BlockingIOError, InterruptedError):
            continue
        except OSError as e:
            if e.errno == errno.EPIPE:
                raise Eof("peer closed the pipe") from e
            raise
        view = view[n:]


def encode(header: dict, blob: bytes = b"") -> bytes:
    return json.dumps(header, separators=(",", ":")).encode() + b"\n" + blob


def decode_header(line: bytes) -> dict:
    try:
        h = json.loads(line)
    except (ValueError, UnicodeDecodeError) as e:
        raise ProtocolError(f"bad header: {e}") from e
    if not isinstance(h, dict):
        raise ProtocolError("header is not an object")
    return h


# --- validation of untrusted result headers ------------------------------------------------------

def _num(v) -> float:
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        raise ProtocolError("not a number")
    return float(v)


def clean_points(v, limit: int = 100_000) -> dict[str, tuple[float, float]]:
    if not isinstance(v, dict) or len(v) > limit:
        raise ProtocolError("points: not an object")
    out = {}
    for k, xy in v.items():
        if not isinstance(k, str) or not isinstance(xy, (list, tuple)) or len(xy) != 2:
            raise ProtocolError("points: bad entry")
        out[k] = (_num(xy[0]), _num(xy[1]))
    return out


def clean_texts(v, limit: int = 100_000) -> list[tuple[str, tuple[float, float, float, float]]]:
    if not isinstance(v, list) or len(v) > limit:
        raise ProtocolError("texts: not a list")
    out = []
    for item in v:
        if not isinstance(item, (list, tuple)) or len(item) != 5 or not isinstance(item[0], str):
            raise ProtocolError("texts: bad entry")
        out.append((item[0], (_num(item[1]), _num(item[2]), _num(item[3]), _num(item[4]))))
    return out


def clean_str(v, limit: int) -> str:
    if not isinstance(v, str):
        raise ProtocolError("not a string")
    return v[:limit]


def clean_int(v, lo: int = 0, hi: int = 1 << 40) -> int:
    if isinstance(v, bool) or not isinstance(v, int) or not lo <= v <= hi:
        raise ProtocolError("not an int in range")
    return v


def png_size(png: bytes) -> tuple[int, int]:
    """(width, height) from the IHDR chunk; raises ProtocolError if ``png`` is not a PNG."""
    if len(png) < 24 or png[:8] != b"\x89PNG\r\n\x1a\n" or png[12:16] != b"IHDR":
        raise ProtocolError("result is not a PNG")
    return int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
