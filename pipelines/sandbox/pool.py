"""The orchestrator side: a pool of warm zygote processes behind a thread-safe ``run``/``map``."""

from __future__ import annotations

import concurrent.futures as cf
import json
import logging
import os
import queue
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import weakref
from collections.abc import Sequence

from ._cgroup import remove_dir
from ._protocol import (STATUSES, Eof, FdReader, ProtocolError, Timeout, clean_int, clean_points, clean_str,
                        clean_texts, decode_header, encode, png_size, write_all)
from .types import KINDS, Limits, Result, Task, TextBox

_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
_BOOTSTRAP = ("import sys; sys.path.insert(0, sys.argv[1]); "
              "from pipelines.sandbox.zygote import main; main(sys.argv[2])")
_START_TIMEOUT_S = 180.0   # import matplotlib + warm-up + probe, on a busy machine
_MARGIN_S = 5.0            # parent-side deadline = timeout_s + margin (+ transfer time)
_ENV_KEEP = ("HOME", "MPLCONFIGDIR", "XDG_CONFIG_HOME", "XDG_CACHE_HOME", "LANG", "LC_ALL", "TZ")
STRICT_ENV = "FLYWHEEL_SANDBOX_STRICT"
TEMP_PREFIX = "vthinker-sandbox-"  # each Sandbox's folder under the temp dir (a killed run's are cleaned by name)
# every isolation feature of the design and what the machine must offer for it
REQUIREMENTS = {
    "netns": "an empty network namespace: root (CAP_SYS_ADMIN) or unprivileged user namespaces",
    "mountns": "a private mount namespace: root (CAP_SYS_ADMIN)",
    "task_fs": "a private tmpfs for task dirs: root (CAP_SYS_ADMIN) and a private mount namespace",
    "posix_shm": "a read-only /dev/shm in a private mount namespace: root (CAP_SYS_ADMIN)",
    "task_ipc_ns": "a private IPC namespace per task: root (CAP_SYS_ADMIN)",
    "memory_cgroup": "a writable cgroup memory controller (v1 memory hierarchy, or v2 with +memory "
                     "delegatable): root or a delegated cgroup",
    "uid_drop": "a dedicated unprivileged uid per worker: root (CAP_SETUID/CAP_SETGID)",
    "seccomp": "seccomp-bpf: a kernel with CONFIG_SECCOMP_FILTER, libseccomp.so.2 and the pyseccomp package",
    "landlock": "Landlock: Linux >= 5.13 with CONFIG_SECURITY_LANDLOCK=y and landlock in the lsm= boot list",
}
_log = logging.getLogger(__name__)


def usable_cores() -> int:
    """Cores this process may run on (its affinity), the default number of workers."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def _zygote_env() -> dict[str, str]:
    env = {k: os.environ[k] for k in _ENV_KEEP if k in os.environ}
    env.setdefault("LANG", "C.UTF-8")
    env.update({"PATH": "/usr/bin:/bin", "MPLBACKEND": "Agg", "OPENBLAS_NUM_THREADS": "1",
                "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "NUMEXPR_NUM_THREADS": "1",
                "PYTHONUNBUFFERED": "1"})
    return env


class WorkerStartError(RuntimeError):
    pass


def strict_default() -> bool:
    """Strict mode unless ``$FLYWHEEL_SANDBOX_STRICT`` is 0/false/no/off."""
    return os.environ.get(STRICT_ENV, "1").strip().lower() not in ("0", "false", "no", "off")


def missing_isolation(iso: dict) -> list[str]:
    """Features of the design that are not active, plus probe actions that were not blocked
    (``probe:<action>``): what strict mode refuses and the non-strict report lists."""
    missing = [k for k in REQUIREMENTS if not iso.get(k, {}).get("active")]
    probe = iso.get("probe", {})
    missing += [f"probe:{k}" for k, v in probe.items()
                if k == "error" or (isinstance(v, str) and v.startswith(("ALLOWED", "FAILED")))]
    return missing


def _refusal(iso: dict, missing: list[str]) -> str:
    """One message naming each missing feature, why it is off here and what it needs."""
    parts = []
    for m in missing:
        if m in REQUIREMENTS:
            parts.append(f"{m} is off ({iso.get(m, {}).get('detail', 'not reported')}); needs {REQUIREMENTS[m]}")
        else:
            parts.append(f"the start-up probe's {m[6:]!r} was not blocked ({iso.get('probe', {}).get(m[6:])})")
    return ("sandbox refused to start (strict mode): " + "; ".join(parts)
            + f". To run with weaker isolation anyway pass Sandbox(strict=False), set SandboxResource.strict "
              f"to false, or set {STRICT_ENV}=0.")


class _Worker:
    def __init__(self, index: int, proc: subprocess.Popen, workdir: str) -> None:
        self.index = index
        self.proc = proc
        self.workdir = workdir
        self.wfd = proc.stdin.fileno()
        self.rfd = proc.stdout.fileno()
        os.set_blocking(self.wfd, False)
        os.set_blocking(self.rfd, False)
        self.reader = FdReader(self.rfd)
        self.isolation: dict = {}

    @property
    def pid(self) -> int:
        return self.proc.pid

    def alive(self) -> bool:
        return self.proc.poll() is None

    def kill(self) -> None:
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        try:
            self.proc.kill()
        except OSError:
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass
        for f in (self.proc.stdin, self.proc.stdout):
            try:
                f.close()
            except OSError:
                pass
        shutil.rmtree(self.workdir, ignore_errors=True)
        cgroup = self.isolation.get("memory_cgroup", {}).get("path")
        if isinstance(cgroup, str):
            remove_dir(cgroup)


def _kill_all(workers: dict, base: str) -> None:
    for w in list(workers.values()):
        if w is not None:
            w.kill()
    workers.clear()
    shutil.rmtree(base, ignore_errors=True)


class Sandbox:
    """Runs untrusted matplotlib code strings in warm, isolated worker processes.

    ``run`` is thread-safe and uses any idle worker; ``map`` fans out over all of them. Nothing a
    task does raises into the caller: every failure is a :class:`Result` status. A worker that dies
    or stops answering is killed (with its process group) and replaced. ``isolation`` describes the
    isolation features actually active on this machine, with ``isolation["strict"]`` and
    ``isolation["missing"]`` (features off or probe escapes not blocked).

    ``strict`` (default: on unless ``$FLYWHEEL_SANDBOX_STRICT=0``): a worker whose isolation is
    incomplete is not started; the constructor raises :class:`WorkerStartError` naming each missing
    feature and what it needs. ``strict=False`` runs anyway and logs a warning.
    """

    def __init__(self, workers: int | None = None, limits: Limits = Limits(), strict: bool | None = None) -> None:
        self.workers = int(workers) if workers else usable_cores()
        if self.workers < 1:
            raise ValueError("workers must be >= 1")
        self.limits = limits
        self.strict = strict_default() if strict is None else bool(strict)
        self._closed = False
        self._lock = threading.Lock()
        self._base = tempfile.mkdtemp(prefix=TEMP_PREFIX)
        os.chmod(self._base, 0o711)
        self._workers: dict[int, _Worker] = {}
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._spawn_seq = 0
        # Zygotes die with the thread that spawned them (PR_SET_PDEATHSIG): spawn from one
        # long-lived thread, never from a caller's (possibly short-lived) thread.
        self._spawner = cf.ThreadPoolExecutor(max_workers=1, thread_name_prefix="sandbox-spawner")
        self._finalizer = weakref.finalize(self, _kill_all, self._workers, self._base)
        self.isolation: dict = {}
        procs: list[tuple[subprocess.Popen, str]] = []
        try:
            procs = [self._popen(i) for i in range(self.workers)]  # start all, then wait for each
            for i, (proc, workdir) in enumerate(procs):
                self._workers[i] = self._handshake(i, proc, workdir)
            self.isolation = dict(self._workers[0].isolation)
            self.isolation.update(strict=self.strict, missing=missing_isolation(self.isolation))
            if self.isolation["missing"]:
                _log.warning("sandbox runs WITHOUT %s (strict mode off)", ", ".join(self.isolation["missing"]))
        except BaseException:
            for i, (proc, workdir) in enumerate(procs):
                if i not in self._workers and not proc.stdin.closed:  # not yet killed by _handshake
                    _Worker(i, proc, workdir).kill()
            self.close()
            raise
        for i in range(self.workers):
            self._idle.put(self._workers[i])

    # ---- worker life cycle ------------------------------------------------------------------------
    def _popen(self, index: int) -> tuple[subprocess.Popen, str]:
        with self._lock:
            self._spawn_seq += 1
            workdir = os.path.join(self._base, f"w{index}-{self._spawn_seq}")
        cfg = {"index": index, "workdir": workdir, "parent_pid": os.getpid()}
        debug = bool(os.environ.get("VTHINKER_SANDBOX_DEBUG"))

        def spawn() -> subprocess.Popen:
            return subprocess.Popen(
                [sys.executable, "-I", "-B", "-c", _BOOTSTRAP, _ROOT, json.dumps(cfg)],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=None if debug else subprocess.DEVNULL,
                env=_zygote_env(), cwd="/", close_fds=True, start_new_session=True, bufsize=0)

        return self._spawner.submit(spawn).result(), workdir

    def _handshake(self, index: int, proc: subprocess.Popen, workdir: str) -> _Worker:
        w = _Worker(index, proc, workdir)
        try:
            h = decode_header(w.reader.read_line(1 << 24, time.monotonic() + _START_TIMEOUT_S))
        except (ProtocolError, Timeout) as e:
            w.kill()
            raise WorkerStartError(f"sandbox worker failed to start: {type(e).__name__}: {e}") from None
        if not h.get("ready"):
            w.kill()
            raise WorkerStartError(f"sandbox worker failed to start: {h.get('error', h)}")
        w.isolation = h.get("isolation", {})
        missing = missing_isolation(w.isolation)
        if self.strict and missing:
            w.kill()
            raise WorkerStartError(_refusal(w.isolation, missing))
        return w

    def _respawn(self, w: _Worker) -> _Worker:
        """Kill ``w`` (whole process group) and start a replacement in the same slot."""
        w.kill()
        if self._closed:
            raise WorkerStartError("sandbox closed")
        last: Exception | None = None
        for _ in range(3):
            try:
                proc, workdir = self._popen(w.index)
                nw = self._handshake(w.index, proc, workdir)
            except (WorkerStartError, OSError, RuntimeError) as e:
                last = e
                continue
            with self._lock:
                if self._closed:
                    nw.kill()
                    raise WorkerStartError("sandbox closed")
                self._workers[w.index] = nw
            return nw
        raise WorkerStartError(f"could not restart sandbox worker: {last}")

    def pids(self) -> list[int]:
        """Process ids of the current zygote processes (for monitoring and tests)."""
        with self._lock:
            return [w.pid for w in self._workers.values()]

    # ---- running tasks ----------------------------------------------------------------------------
    def run(self, task: Task, limits: Limits | None = None) -> Result:
        """Run one task on any idle worker; blocks until a worker is free. Never raises for
        anything the task does (only for a closed sandbox)."""
        lim = limits or self.limits
        try:
            req, image = _request(task, lim)
        except (TypeError, ValueError, AttributeError) as e:
            return Result(status="error", error=f"invalid task: {type(e).__name__}: {e}")
        w = self._acquire()
        try:
            w, result = self._run_on(w, req, image, lim)
        finally:
            self._release(w)
        return result

    def map(self, tasks: Sequence[Task], limits: Limits | None = None, progress: bool = False) -> list[Result]:
        """Run ``tasks`` in parallel over all workers; results in the order of ``tasks``."""
        tasks = list(tasks)
        if not tasks:
            return []
        bar = None
        if progress:
            from tqdm.auto import tqdm
            bar = tqdm(total=len(tasks), desc="sandbox", unit="task")
        results: list[Result | None] = [None] * len(tasks)
        with cf.ThreadPoolExecutor(max_workers=min(self.workers, len(tasks)),
                                   thread_name_prefix="sandbox-map") as ex:
            futs = {ex.submit(self.run, t, limits): i for i, t in enumerate(tasks)}
            for fut in cf.as_completed(futs):
                results[futs[fut]] = fut.result()
                if bar is not None:
                    bar.update(1)
        if bar is not None:
            bar.close()
        return results  # type: ignore[return-value]

    def _acquire(self) -> _Worker:
        while True:
            if self._closed:
                raise RuntimeError("Sandbox is closed")
            try:
                return self._idle.get(timeout=0.5)
            except queue.Empty:
                continue

    def _release(self, w: _Worker) -> None:
        if not self._closed:
            self._idle.put(w)

    def _run_on(self, w: _Worker, req: bytes, image: bytes, lim: Limits) -> tuple[_Worker, Result]:
        t0 = time.perf_counter()
        # Phase 1: hand the task over. Failures before the zygote's "ack" mean the task never
        # started (e.g. the zygote was killed from outside): replace the worker and retry once.
        for attempt in range(2):
            try:
                if not w.alive():
                    raise Eof("worker is dead")
                deadline = time.monotonic() + _MARGIN_S + len(image) / 20e6
                write_all(w.wfd, req, deadline)
                write_all(w.wfd, image, deadline)
                ack = decode_header(w.reader.read_line(1 << 10, deadline))
                if ack.get("ack") is not True:
                    raise ProtocolError("no ack")
                break
            except (ProtocolError, Timeout, OSError) as e:
                try:
                    w = self._respawn(w)
                except WorkerStartError as e2:
                    return w, Result(status="crash", error=f"sandbox worker unavailable: {e2}",
                                     ms=_ms(t0))
                if attempt == 1:
                    return w, Result(status="crash", error=f"sandbox worker failed twice: {e}", ms=_ms(t0))
        # Phase 2: the task runs; any failure from here on is charged to the task.
        deadline = time.monotonic() + lim.timeout_s + _MARGIN_S + lim.max_output_bytes / 20e6
        try:
            h = decode_header(w.reader.read_line(lim.max_output_bytes + 6 * lim.max_stdout_bytes + (1 << 20),
                                                 deadline))
            png_len = clean_int(h.get("png_len", 0), 0, lim.max_output_bytes)
            png = w.reader.read_exact(png_len, deadline) if png_len else b""
            return w, _result(h, png, _ms(t0))
        except Timeout:
            status, err = "timeout", f"sandbox worker did not answer within {lim.timeout_s + _MARGIN_S:.1f}s"
        except (ProtocolError, OSError, ValueError, TypeError) as e:
            status, err = "crash", f"sandbox worker failed: {type(e).__name__}: {e}"
        try:
            w = self._respawn(w)
        except WorkerStartError:
            pass
        return w, Result(status=status, error=err, ms=_ms(t0))

    # ---- shutdown ---------------------------------------------------------------------------------
    def close(self) -> None:
        """Kill every worker process (idempotent)."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
        self._finalizer()
        self._spawner.shutdown(wait=False)

    def __enter__(self) -> Sandbox:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Sandbox(workers={self.workers}, closed={self._closed})"


def _ms(t0: float) -> float:
    return round((time.perf_counter() - t0) * 1000, 3)


def _pair(v) -> list[float]:
    x, y = v
    return [float(x), float(y)]


def _request(task: Task, lim: Limits) -> tuple[bytes, bytes]:
    if not isinstance(task.code, str):
        raise TypeError("Task.code must be a str")
    if task.kind not in KINDS:
        raise ValueError(f"Task.kind must be one of {KINDS}, got {task.kind!r}")
    image = bytes(task.image_png) if task.image_png else b""
    header = {
        "code": task.code,
        "kind": task.kind,
        "P": {str(k): _pair(v) for k, v in (task.points_px or {}).items()},
        "elements": {str(k): _pair(v) for k, v in (task.elements or {}).items()},
        "limits": {"timeout_s": float(lim.timeout_s), "memory_mb": int(lim.memory_mb),
                   "max_output_bytes": int(lim.max_output_bytes), "max_stdout_bytes": int(lim.max_stdout_bytes),
                   "max_file_bytes": int(lim.max_file_bytes)},
        "image_len": len(image),
    }
    return encode(header), image


def _result(h: dict, png: bytes, ms: float) -> Result:
    """A Result from a zygote's header (validated again: defence in depth)."""
    status = h.get("status")
    if status not in STATUSES:
        raise ProtocolError(f"bad status {status!r}")
    width = height = 0
    if png:
        width, height = png_size(png)
    if status == "ok" and not png:
        raise ProtocolError("ok without a PNG")
    return Result(
        status=status,
        png=png or None,
        width=width,
        height=height,
        points_px=clean_points(h.get("points", {})),
        texts=tuple(TextBox(s, bb) for s, bb in clean_texts(h.get("texts", []))),
        stdout=clean_str(h.get("stdout", ""), 1 << 24),
        error=clean_str(h.get("error", ""), 1 << 20),
        ms=ms,
    )
