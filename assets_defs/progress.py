"""Terminal progress for `flywheel run`: one live line (a tqdm bar) whose elapsed time moves twice a
second while the round works, with finished steps written above it, so a user never watches a
silent terminal (the round's lanes are other processes: they report through :mod:`assets_defs.runner`
and never draw bars of their own, which would interleave with this one)."""

from __future__ import annotations

import shutil
import sys
import threading
from contextlib import contextmanager
from collections.abc import Iterator

from tqdm import tqdm

REFRESH_S = 0.5
LANE_ENV = {"TQDM_DISABLE": "1"}  # for the lane processes: only the parent draws (read when tqdm is imported)


class Live:
    """A bar (``total`` steps) or a counter-less status line (``total=None``), redrawn every
    ``REFRESH_S`` by a thread while the caller blocks; :meth:`write` prints a line above it."""

    def __init__(self, desc: str, total: int | None = None, unit: str = "step") -> None:
        fmt = "{desc} {elapsed}{postfix}" if total is None else None
        # drawn on a terminal only (disable=None): a log file or a test gets the written lines alone
        size = shutil.get_terminal_size((100, 24))  # a terminal reporting no size (0 x 0) hides tqdm bars
        self.bar = tqdm(total=total, desc=desc, unit=unit, bar_format=fmt, file=sys.stderr, disable=None,
                        ncols=min(size.columns, 160), nrows=size.lines, leave=False, mininterval=0.2)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._tick, name="progress", daemon=True)
        self._thread.start()

    @property
    def drawn(self) -> bool:
        """Whether the line is drawn (a terminal), else only written lines show."""
        return not self.bar.disable

    def _tick(self) -> None:
        while not self._stop.wait(REFRESH_S):
            self.bar.refresh()

    def describe(self, desc: str) -> None:
        self.bar.set_description_str(desc, refresh=True)

    def note(self, postfix: str) -> None:
        """What is running now, after the bar."""
        self.bar.set_postfix_str(postfix, refresh=False)

    def advance(self, n: int = 1) -> None:
        self.bar.update(n)

    def write(self, line: str) -> None:
        """``line`` on stdout, above the bar."""
        tqdm.write(line, file=sys.stdout)
        sys.stdout.flush()

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
        self.bar.close()


@contextmanager
def live(desc: str, total: int | None = None, unit: str = "step") -> Iterator[Live]:
    """A :class:`Live` line for the block, removed when it ends."""
    line = Live(desc, total, unit)
    try:
        yield line
    finally:
        line.close()
