"""A memory cgroup per zygote, re-armed per task: counts everything a task can hold in memory.

``RLIMIT_AS`` counts address space only; the cgroup also charges tmpfs files (the task dir),
page-cache and kernel memory the task causes. The zygote moves itself into a fresh cgroup below
its own (so any limit of the caller's cgroup still applies) once at start; children are born in
it (no per-task migration, which would cost an RCU grace period). Before each fork the zygote sets
``limit = current usage + memory_mb``: the zygote's pages charged before the move stay with the
old cgroup, so the child gets ``memory_mb`` of new memory. The child raises its own
``oom_score_adj`` to 1000, so a cgroup OOM kills the task, never the zygote.

Both hierarchies: cgroup v1 (``memory`` controller, ``memory.limit_in_bytes``) and v2
(``memory.max``; the parent must be able to enable ``+memory`` for its children). Anything
missing raises ``OSError`` with the reason; the caller reports the feature as inactive.
"""

from __future__ import annotations

import os

PREFIX = "flywheel-sandbox-"


def _read(path: str) -> str:
    with open(path) as fh:
        return fh.read()


def _write(path: str, text: str) -> None:
    fd = os.open(path, os.O_WRONLY)
    try:
        os.write(fd, text.encode())
    finally:
        os.close(fd)


def _own_dir() -> tuple[str, int]:
    """(directory of this process's memory cgroup, version): v1 memory hierarchy first, else v2."""
    mounts: dict[str, tuple[str, str]] = {}  # "v1"/"v2" -> (mount point, mount root)
    for line in _read("/proc/self/mountinfo").splitlines():
        pre, _, post = line.partition(" - ")
        fields, fs = pre.split(), post.split()
        if fs and fs[0] == "cgroup" and "memory" in fs[-1].split(","):
            mounts.setdefault("v1", (fields[4], fields[3]))
        elif fs and fs[0] == "cgroup2":
            mounts.setdefault("v2", (fields[4], fields[3]))
    for line in _read("/proc/self/cgroup").splitlines():
        _, ctrls, path = line.split(":", 2)
        key = "v1" if "memory" in ctrls.split(",") else "v2" if ctrls == "" else None
        if key in mounts:
            point, root = mounts[key]
            rel = os.path.relpath(path, root) if path.startswith(root) else path.lstrip("/")
            d = os.path.normpath(os.path.join(point, rel))
            if key == "v1" or "memory" in _read(os.path.join(d, "cgroup.controllers")).split():
                return d, 1 if key == "v1" else 2
    raise OSError("no cgroup memory controller (neither a v1 memory hierarchy nor v2 with memory)")


def _sweep(parent: str) -> None:
    """Remove cgroups left behind by zygotes that died (rmdir only succeeds when empty)."""
    for name in os.listdir(parent):
        if name.startswith(PREFIX) and not os.path.exists(f"/proc/{name[len(PREFIX):]}"):
            try:
                os.rmdir(os.path.join(parent, name))
            except OSError:
                pass


class MemoryCgroup:
    """The calling process's own cgroup ``<parent>/flywheel-sandbox-<pid>``."""

    def __init__(self) -> None:
        parent, self.version = _own_dir()
        _sweep(parent)
        if self.version == 2 and "memory" not in _read(os.path.join(parent, "cgroup.subtree_control")).split():
            _write(os.path.join(parent, "cgroup.subtree_control"), "+memory")
        self.path = os.path.join(parent, f"{PREFIX}{os.getpid()}")
        os.mkdir(self.path, 0o700)
        v1 = self.version == 1
        self._usage = os.path.join(self.path, "memory.usage_in_bytes" if v1 else "memory.current")
        self._limit = os.path.join(self.path, "memory.limit_in_bytes" if v1 else "memory.max")
        self._events = os.path.join(self.path, "memory.oom_control" if v1 else "memory.events")
        try:
            if not v1:
                _write(os.path.join(self.path, "memory.swap.max"), "0")
            self.arm(64 << 20)
            _write(os.path.join(self.path, "cgroup.procs"), str(os.getpid()))
        except OSError:
            self.remove()
            raise

    def arm(self, memory_bytes: int) -> None:
        """Allow ``memory_bytes`` on top of what is charged now (called before each fork; ~25 µs)."""
        _write(self._limit, str(int(_read(self._usage)) + memory_bytes))

    def oom_kills(self) -> int:
        """How many processes the kernel's OOM killer has killed in this cgroup so far."""
        for line in _read(self._events).splitlines():
            key, _, val = line.partition(" ")
            if key == "oom_kill":
                return int(val)
        return 0

    def remove(self) -> None:
        try:
            os.rmdir(self.path)
        except OSError:
            pass


def remove_dir(path: str) -> None:
    """Best-effort rmdir of a zygote's cgroup after it died (the pool calls this; name checked)."""
    if os.path.basename(path).startswith(PREFIX) and path.startswith("/sys/fs/cgroup/"):
        try:
            os.rmdir(path)
        except OSError:
            pass
