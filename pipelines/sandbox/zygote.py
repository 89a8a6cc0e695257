"""The warm worker ("zygote"): imports matplotlib once, isolates itself once, forks one hardened
child per task and never runs task code itself.

Started by :class:`pipelines.sandbox.Sandbox` as
``python -I -B -c "<bootstrap>" '<json config>'`` with a scrubbed environment, in its own session.
Protocol on fds 0/1 (moved to private fds at start; see :mod:`._protocol`):

* zygote -> pool, once: ``{"ready": true, "pid": ..., "isolation": {...}}``
* pool -> zygote, per task: ``{"code", "kind", "P", "elements", "limits", "image_len"}`` + image bytes
* zygote -> pool: ``{"ack": true}`` (the task is about to start) then the result header
  ``{"status", "width", "height", "points", "texts", "stdout", "error", "png_len", "child_ms"}``
  + PNG bytes.

Isolation (once per zygote, inherited by every child): empty network namespace (+ private mount,
IPC and UTS namespaces when root); when root the private mount namespace also hides
non-traversable ancestors of the interpreter (``/root`` is 0700 here and the interpreter lives in
``/root/.pyenv``) behind a read-only tmpfs that contains only read-only bind mounts of the needed
subtrees, and ``/dev/shm`` is covered by an empty read-only tmpfs; the zygote moves itself into its
own memory cgroup. Per child: cgroup limit re-armed, task dir, private IPC namespace, rlimits,
unprivileged uid, no_new_privs, Landlock, seccomp.
"""

from __future__ import annotations

import builtins
import gc
import io
import json
import linecache
import math
import os
import pwd
import resource
import select
import shutil
import signal
import stat
import sys
import sysconfig
import tempfile
import time
import traceback

from . import _linux as L
from ._cgroup import MemoryCgroup
from ._protocol import (STATUSES, Eof, FdReader, ProtocolError, clean_points, clean_str, clean_texts,
                        decode_header, encode, png_size, write_all)

# exit codes a child uses when it could not even report (the zygote maps them to a status)
EXIT_MEMORY = 113
EXIT_SETUP = 114
EXIT_REPORT = 115

# stdlib / library modules task code commonly imports: importing them here once makes them free
# per task (a child discards everything it imports) and keeps them working even where the task
# uid could not read the interpreter's files.
PREIMPORT = (
    "json", "re", "math", "cmath", "itertools", "functools", "collections", "collections.abc",
    "random", "fractions", "decimal", "statistics", "io", "string", "textwrap", "copy",
    "dataclasses", "typing", "datetime", "time", "operator", "heapq", "bisect", "numbers",
    "colorsys", "struct", "base64", "enum", "warnings", "contextlib", "abc", "pprint", "hashlib",
    "numpy", "numpy.linalg", "numpy.random", "PIL", "PIL.Image", "PIL.ImageDraw", "PIL.ImageFont",
    "PIL.ImageOps", "PIL.ImageFilter", "PIL.ImageColor", "PIL.PngImagePlugin", "PIL.JpegImagePlugin",
    "matplotlib", "matplotlib.pyplot", "matplotlib.patches", "matplotlib.lines",
    "matplotlib.transforms", "matplotlib.colors", "matplotlib.cm", "matplotlib.ticker",
    "matplotlib.patheffects", "matplotlib.collections", "matplotlib.path", "matplotlib.gridspec",
    "matplotlib.image", "matplotlib.offsetbox", "matplotlib.tri", "matplotlib.text",
    "matplotlib.font_manager", "matplotlib.markers", "matplotlib.table", "matplotlib.animation",
    "matplotlib.dates", "matplotlib.legend", "matplotlib.axes", "matplotlib.figure",
    "matplotlib.backends.backend_agg", "mpl_toolkits.mplot3d", "mpl_toolkits.axes_grid1",
    "defusedxml", "defusedxml.ElementTree", "cairocffi", "cairosvg", "cairosvg.surface", "cairosvg.parser",
)


def _log(msg: str) -> None:
    try:
        os.write(2, f"[sandbox zygote {os.getpid()}] {msg}\n".encode())
    except OSError:
        pass


# ------------------------------------------------------------------------------------------------
# zygote start-up
# ------------------------------------------------------------------------------------------------

def _preimport() -> dict:
    import importlib

    import matplotlib
    matplotlib.use("Agg", force=True)
    missing = []
    for name in PREIMPORT:
        try:
            importlib.import_module(name)
        except Exception as e:  # noqa: BLE001 - optional extras
            missing.append(f"{name}: {type(e).__name__}")
    _warm_up()
    try:  # the svg task kind: cairo, fontconfig and the families' fonts loaded before isolation
        from . import svg
        svg.warm_up()
    except Exception as e:  # noqa: BLE001 - svg tasks then report the error themselves
        missing.append(f"svg renderer: {type(e).__name__}: {e}")
    return {"modules": len(sys.modules), "missing": missing}


def _warm_up() -> None:
    """Render figures like the real workload once: font caches, Agg, PNG encoder, text layout."""
    import matplotlib.pyplot as plt
    import numpy as np

    fig, ax = plt.subplots(figsize=(4.8, 4.8), dpi=100)
    tri = np.array([[0, 0], [4, 0], [1.5, 3], [0, 0]])
    ax.plot(tri[:, 0], tri[:, 1], "k-", lw=2)
    ax.plot([0, 2.75], [0, 1.5], "b--")
    ax.fill(tri[:, 0], tri[:, 1], alpha=0.1)
    for (x, y), s in zip(tri[:3], "ABC"):
        ax.plot(x, y, "ro", ms=4)
        ax.text(x + 0.1, y + 0.1, s, fontsize=14)
    ax.annotate("M", (2.75, 1.5), xytext=(3, 2), arrowprops={"arrowstyle": "->"})
    ax.set_title("warm-up $x^2$")
    ax.set_aspect("equal")
    ax.axis("off")
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=fig.dpi)
    r = fig.canvas.get_renderer()
    for t in fig.findobj(lambda a: hasattr(a, "get_window_extent") and hasattr(a, "get_text")):
        t.get_window_extent(r)
    ax.transData.transform((1.0, 1.0))
    plt.close("all")
    img = np.zeros((64, 64, 3), dtype=np.uint8)
    fig = plt.figure(figsize=(0.64, 0.64), dpi=100)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.imshow(img)
    ax.axis("off")
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=fig.dpi)
    plt.imread(io.BytesIO(buf.getvalue()))
    plt.close("all")
    import PIL.Image
    PIL.Image.open(io.BytesIO(buf.getvalue())).load()


def _project_root() -> str:
    return os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _read_only_roots() -> list[str]:
    """What a task may read: the interpreter (base prefix, stdlib, site-packages), matplotlib's
    data, the font dirs and a few system files.

    Never derived from ``sys.path``: a ``.pth`` file (an editable install) may point at another
    checkout and its data root. No project package dir is needed either: everything a task child
    runs from the project is imported by the zygote before it forks. The project root and its
    ancestors are dropped (the venv's site-packages below it is fine).
    """
    import matplotlib
    project = os.path.realpath(_project_root())
    cands = {sys.base_prefix, sys.base_exec_prefix, matplotlib.get_data_path()}
    for scheme_vars in ({}, {"base": sys.base_prefix, "platbase": sys.base_exec_prefix}):
        paths = sysconfig.get_paths(vars=scheme_vars)
        cands.update(paths[k] for k in ("stdlib", "platstdlib", "purelib", "platlib"))
    try:
        from matplotlib import font_manager
        cands.update(os.path.dirname(f.fname) for f in font_manager.fontManager.ttflist)
    except Exception:  # noqa: BLE001
        pass
    cands.update(["/usr/lib", "/usr/lib64", "/lib", "/lib64", "/usr/share/fonts", "/usr/local/share/fonts",
                  "/usr/share/zoneinfo", "/usr/share/fontconfig", "/etc/fonts", "/etc/ld.so.cache",
                  "/etc/localtime", "/dev/null", "/dev/zero", "/dev/urandom", "/dev/random"])
    out = set()
    for p in cands:
        rp = os.path.realpath(p)
        if rp == "/" or not os.path.exists(rp):
            continue
        if rp == project or (project + os.sep).startswith(rp + os.sep):
            continue
        out.add(rp)
    return sorted(p for p in out if not any(p.startswith(q + os.sep) for q in out))


def _blocking_ancestors(paths: list[str]) -> dict[str, set[str]]:
    """{non-traversable-by-others ancestor: {child names on the way to a needed path}}."""
    blocked: dict[str, set[str]] = {}
    for p in paths:
        parts = p.strip("/").split("/")
        cur = "/"
        for name in parts[:-1] if not os.path.isdir(p) else parts:
            try:
                mode = os.stat(cur).st_mode
            except OSError:
                break
            if not mode & stat.S_IXOTH:
                blocked.setdefault(cur, set()).add(name)
                break
            cur = os.path.join(cur, name)
    return blocked


def _isolate(as_root: bool) -> dict:
    """Namespaces, once. Returns the report's namespace part."""
    rep: dict = {}
    if as_root:
        flags = L.CLONE_NEWNET | L.CLONE_NEWNS | L.CLONE_NEWIPC | L.CLONE_NEWUTS
        try:
            L.unshare(flags)
            rep["netns"] = {"active": True, "detail": "unshare(CLONE_NEWNET|NEWNS|NEWIPC|NEWUTS) as root"}
            rep["ipc_uts_ns"] = {"active": True, "detail": "private SysV IPC / hostname"}
        except OSError as e:
            rep["ipc_uts_ns"] = {"active": False, "detail": str(e)}
            try:
                L.unshare(L.CLONE_NEWNET)
                rep["netns"] = {"active": True, "detail": "unshare(CLONE_NEWNET) as root"}
            except OSError as e2:
                rep["netns"] = {"active": False, "detail": str(e2)}
            rep["mountns"] = {"active": False, "detail": f"no private mount namespace: {e}"}
            return rep
        rep["mountns"] = _private_mounts()
        rep["posix_shm"] = _hide_dev_shm()
    else:
        try:
            myuid, mygid = os.getuid(), os.getgid()
            L.unshare(L.CLONE_NEWUSER | L.CLONE_NEWNET)
            for path, text in (("/proc/self/setgroups", "deny"), ("/proc/self/uid_map", f"{myuid} {myuid} 1"),
                               ("/proc/self/gid_map", f"{mygid} {mygid} 1")):
                try:
                    with open(path, "w") as fh:
                        fh.write(text)
                except OSError:
                    pass
            rep["netns"] = {"active": True, "detail": "unshare(CLONE_NEWUSER|CLONE_NEWNET) (not root)"}
        except OSError as e:
            rep["netns"] = {"active": False, "detail": f"not root and user namespaces unavailable: {e}"}
        rep["mountns"] = {"active": False, "detail": "not root"}
    return rep


def _hide_dev_shm() -> dict:
    """An empty read-only tmpfs over ``/dev/shm`` in the private mount namespace: POSIX shared
    memory (``shm_open``) is refused by file permissions even where Landlock is off."""
    try:
        L.mount("tmpfs", "/dev/shm", "tmpfs", L.MS_RDONLY | L.MS_NOSUID | L.MS_NODEV | L.MS_NOEXEC,
                "mode=0755,size=4k,nr_inodes=16")
    except OSError as e:
        return {"active": False, "detail": f"cannot cover /dev/shm: {e}"}
    return {"active": True, "detail": "/dev/shm is an empty read-only tmpfs"}


def _private_mounts() -> dict:
    """In the zygote's private mount namespace: make the interpreter reachable for the task uid.

    For every ancestor A of a needed path that others cannot traverse (``/root`` 0700 here), mount
    a tmpfs over A (mode 0755) holding only read-only bind mounts of the needed children of A
    (e.g. ``/root/.pyenv``). Everything else in A (``/root/.ssh`` ...) disappears from the
    namespace. Mount propagation is made private first so nothing leaks to the host.
    """
    try:
        L.mount(None, "/", None, L.MS_REC | L.MS_PRIVATE)
    except OSError as e:
        return {"active": False, "detail": f"cannot make / private: {e}"}
    blocked = _blocking_ancestors(_read_only_roots())
    if not blocked:
        return {"active": True, "detail": "private mount namespace (interpreter already reachable)"}
    done, failed = [], []
    for anc in sorted(blocked, key=lambda p: p.count("/")):
        fds = {}
        try:
            for name in sorted(blocked[anc]):
                fds[name] = os.open(os.path.join(anc, name), os.O_PATH | os.O_DIRECTORY | os.O_NOFOLLOW)
            L.mount("tmpfs", anc, "tmpfs", L.MS_NOSUID | L.MS_NODEV | L.MS_NOEXEC,
                    "mode=0755,size=64k,nr_inodes=256")
            for name, fd in fds.items():
                target = os.path.join(anc, name)
                os.mkdir(target, 0o755)
                L.mount(f"/proc/self/fd/{fd}", target, None, L.MS_BIND | L.MS_REC)
                try:
                    L.mount(None, target, None, L.MS_BIND | L.MS_REMOUNT | L.MS_RDONLY | L.MS_NOSUID)
                except OSError:
                    pass
            try:
                L.mount(None, anc, None, L.MS_REMOUNT | L.MS_RDONLY | L.MS_NOSUID | L.MS_NODEV | L.MS_NOEXEC)
            except OSError:
                pass
            done.append(f"{anc} -> tmpfs + ro bind {sorted(blocked[anc])}")
        except OSError as e:
            failed.append(f"{anc}: {e}")
        finally:
            for fd in fds.values():
                os.close(fd)
    # "active" = a private mount namespace exists (the task tmpfs relies on it); failures to
    # re-expose the interpreter show up in the detail and in the probe's stdlib_lazy_import
    return {"active": True, "detail": "private mount namespace; " + "; ".join(done + [f"FAILED {f}" for f in failed])}


def _pick_uid(index: int) -> int:
    uid = 61000 + index
    while True:
        try:
            pwd.getpwuid(uid)
        except KeyError:
            return uid
        uid += 97


class Zygote:
    def __init__(self, cfg: dict) -> None:
        self.cfg = cfg
        self.workdir = cfg["workdir"]
        self.as_root = os.geteuid() == 0
        self.uid = _pick_uid(int(cfg.get("index", 0))) if self.as_root else os.getuid()
        self.gid = self.uid if self.as_root else os.getgid()
        self.report: dict = {}
        self.required: set[str] = set()
        self.seccomp_prog: L.SeccompProgram | None = None
        self.cgroup: MemoryCgroup | None = None
        self.oom_seen = 0
        self.landlock_abi = 0
        self.ro_fds: list[tuple[int, bool, int]] = []  # (fd, is_dir, rights)
        self.n = 0
        self.pid = os.getpid()

    # -- start-up ---------------------------------------------------------------------------------
    def start(self) -> dict:
        os.makedirs(self.workdir, mode=0o711, exist_ok=True)
        os.chmod(self.workdir, 0o711)
        rep = self.report
        t0 = time.monotonic()
        rep["preimport"] = _preimport()
        rep["preimport"]["seconds"] = round(time.monotonic() - t0, 3)
        rep.update(_isolate(self.as_root))
        rep["task_fs"] = self._task_fs(rep)
        rep["task_ipc_ns"] = (
            {"active": True, "detail": "unshare(CLONE_NEWIPC) per task: SysV IPC / POSIX mqueues die with the task"}
            if rep.get("ipc_uts_ns", {}).get("active") else {"active": False, "detail": "needs root (CAP_SYS_ADMIN)"})
        rep["memory_cgroup"] = self._memory_cgroup()
        rep["uid_drop"] = ({"active": True, "detail": f"uid/gid {self.uid} (no supplementary groups)"}
                           if self.as_root else {"active": False, "detail": "not root: runs as the caller's uid"})
        ok, why = L.seccomp_available()
        if ok:
            try:
                self.seccomp_prog = L.SeccompProgram(L.compile_seccomp())
                rep["seccomp"] = {"active": True, "detail": f"{why}; deny-list, {len(self.seccomp_prog.prog) // 8} BPF insns"}
            except Exception as e:  # noqa: BLE001
                rep["seccomp"] = {"active": False, "detail": f"compile failed: {type(e).__name__}: {e}"}
        else:
            rep["seccomp"] = {"active": False, "detail": why}
        self.landlock_abi = L.landlock_abi()
        if self.landlock_abi:
            skipped = []
            for p in _read_only_roots():
                try:
                    fd = os.open(p, os.O_PATH | os.O_CLOEXEC)
                except OSError as e:
                    skipped.append(f"{p}: {e.strerror}")
                    continue
                is_dir = stat.S_ISDIR(os.fstat(fd).st_mode)
                rights = L.READ_RIGHTS
                if p in ("/dev/null", "/dev/zero"):
                    rights |= L.FS_WRITE_FILE
                self.ro_fds.append((fd, is_dir, rights))
            rep["landlock"] = {"active": True, "detail": f"ABI {self.landlock_abi}: read-only {len(self.ro_fds)} "
                               f"system/python roots, read-write task dir"
                               + ("; TCP bind/connect denied" if self.landlock_abi >= 4 else "")
                               + ("; signals + abstract unix sockets scoped" if self.landlock_abi >= 6 else "")}
            if skipped:
                rep["landlock"]["skipped"] = skipped
        else:
            rep["landlock"] = {"active": False, "detail": "Landlock not supported by this kernel"}
        rep["rlimits"] = {"active": True, "detail": "AS=VmSize+memory_mb, CPU=ceil(timeout)+1, FSIZE, NOFILE=256, "
                          "CORE=0" + (", NPROC=64 (threads)" if self.as_root else "")}
        rep["no_new_privs"] = {"active": True, "detail": "PR_SET_NO_NEW_PRIVS, not dumpable, PDEATHSIG=SIGKILL"}
        rep["env"] = {"active": True, "detail": "scrubbed environment; child env cleared"}
        self.required = {k for k in ("seccomp", "landlock", "uid_drop", "task_ipc_ns", "memory_cgroup")
                         if rep.get(k, {}).get("active")}
        rep["probe"] = self._probe()
        gc.collect()
        gc.freeze()
        return rep

    def _memory_cgroup(self) -> dict:
        """Move this zygote into its own memory cgroup (see :mod:`._cgroup`)."""
        try:
            self.cgroup = MemoryCgroup()
        except (OSError, ValueError) as e:
            return {"active": False, "detail": f"{type(e).__name__}: {e}"}
        self.oom_seen = self.cgroup.oom_kills()
        return {"active": True, "path": self.cgroup.path,
                "detail": f"cgroup v{self.cgroup.version} per worker, limit = usage + memory_mb re-armed per task, "
                          "task oom_score_adj 1000"}

    def _task_fs(self, rep: dict) -> dict:
        """Task dirs on a size-limited tmpfs private to this zygote's mount namespace (a task
        cannot fill the host disk nor leave files behind when the zygote dies)."""
        if not rep.get("mountns", {}).get("active"):
            return {"active": False, "detail": f"task dirs on the host file system under {self.workdir}"}
        mb = int(self.cfg.get("task_fs_mb", 512))
        try:
            L.mount("tmpfs", self.workdir, "tmpfs", L.MS_NOSUID | L.MS_NODEV | L.MS_NOEXEC,
                    f"mode=0711,size={mb}m,nr_inodes=32768")
        except OSError as e:
            return {"active": False, "detail": f"tmpfs mount failed ({e}); task dirs on the host file system"}
        return {"active": True, "detail": f"private tmpfs ({mb} MiB, 32768 inodes), noexec/nosuid/nodev"}

    def _probe(self) -> dict:
        """Fork one hardened child that tries hostile things; report what was actually blocked."""
        code = PROBE_CODE
        res = self.run_task({"code": code, "P": {}, "elements": {}, "image_len": 0,
                             "limits": {"timeout_s": 10.0, "memory_mb": 512, "max_output_bytes": 1 << 20,
                                        "max_stdout_bytes": 1 << 16, "max_file_bytes": 1 << 20}}, b"")[0]
        try:
            out = json.loads(res.get("stdout", "").strip().splitlines()[-1])
        except Exception:  # noqa: BLE001
            out = {"error": f"probe failed: {res.get('status')} {res.get('error', '')[-400:]}"}
        return out

    # -- per task ---------------------------------------------------------------------------------
    def run_task(self, req: dict, image: bytes) -> tuple[dict, bytes]:
        lim = req["limits"]
        timeout = float(lim["timeout_s"])
        max_out = int(lim["max_output_bytes"])
        self.n += 1
        tdir = os.path.join(self.workdir, f"t{self.n}")
        os.mkdir(tdir, 0o700)
        out_fd = r = w = tdir_fd = -1
        try:
            if self.as_root:
                os.chown(tdir, self.uid, self.gid)
            img_path = None
            if image:
                img_path = os.path.join(tdir, "image.png")
                fd = os.open(img_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
                try:
                    write_all(fd, image)
                finally:
                    os.close(fd)
                if self.as_root:
                    os.chown(img_path, self.uid, self.gid)
            try:
                out_fd = os.open(self.workdir, os.O_TMPFILE | os.O_RDWR, 0o600)
            except OSError:
                fd, p = tempfile.mkstemp(dir=self.workdir)
                os.unlink(p)
                out_fd = fd
            tdir_fd = os.open(tdir, os.O_PATH | os.O_DIRECTORY | os.O_NOFOLLOW)
            with open("/proc/self/statm", "rb") as fh:
                vmsize = int(fh.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
            if self.cgroup is not None:
                self.cgroup.arm(int(lim["memory_mb"]) << 20)
                # this task's baseline: an OOM kill of an earlier task whose status came from its
                # own report (not from a SIGKILL) must not be charged to this one
                self.oom_seen = self.cgroup.oom_kills()
            r, w = os.pipe()
            t0 = time.monotonic()
            pid = os.fork()
            if pid == 0:  # ---- child: never returns
                try:
                    os.close(r)
                    _child(self, req, image_path=img_path, tdir=tdir, tdir_fd=tdir_fd, out_fd=out_fd, wfd=w,
                           vmsize=vmsize)
                finally:
                    os._exit(EXIT_SETUP)
            os.close(w)
            w = -1
            res, png = self._collect(pid, r, t0 + timeout, max_out)
            res["child_ms"] = round((time.monotonic() - t0) * 1000, 3)
            cap = int(lim["max_stdout_bytes"])
            raw = os.pread(out_fd, cap, 0)
            res["stdout"] = raw.decode("utf-8", "replace")
            return res, png
        finally:
            for fd in (out_fd, r, w, tdir_fd):
                if fd >= 0:
                    try:
                        os.close(fd)
                    except OSError:
                        pass
            shutil.rmtree(tdir, ignore_errors=True)

    def _collect(self, pid: int, r: int, deadline: float, max_out: int) -> tuple[dict, bytes]:
        os.set_blocking(r, False)
        buf = bytearray()
        timed_out = over = False
        poller = select.poll()
        poller.register(r, select.POLLIN | select.POLLHUP | select.POLLERR)
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                timed_out = True
                break
            if not poller.poll(max(1, math.ceil(left * 1000))):
                continue
            try:
                chunk = os.read(r, 1 << 20)
            except BlockingIOError:
                continue
            if not chunk:
                break
            buf += chunk
            if len(buf) > max_out + 1:
                over = True
                break
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        _, wstatus = os.waitpid(pid, 0)
        if over:
            return {"status": "output_limit", "error": f"result larger than max_output_bytes={max_out}"}, b""
        parsed = _parse_child(bytes(buf))
        if parsed is not None:
            return parsed
        if timed_out:
            return {"status": "timeout", "error": "wall-clock deadline exceeded"}, b""
        if os.WIFSIGNALED(wstatus):
            sig = os.WTERMSIG(wstatus)
            if sig == signal.SIGXCPU:
                return {"status": "timeout", "error": "CPU time limit exceeded (SIGXCPU)"}, b""
            if sig == signal.SIGKILL and self._oom_killed():
                return {"status": "memory", "error": "out of memory (killed by the cgroup memory limit)"}, b""
            name = signal.Signals(sig).name if sig in signal.Signals._value2member_map_ else str(sig)
            return {"status": "crash", "error": f"killed by signal {name}"}, b""
        code = os.WEXITSTATUS(wstatus)
        if code == EXIT_MEMORY:
            return {"status": "memory", "error": "out of memory"}, b""
        if code == EXIT_SETUP:
            return {"status": "crash", "error": "sandbox setup failed in the task process"}, b""
        if buf:
            return {"status": "crash", "error": f"malformed result from the task process (exit code {code})"}, b""
        return {"status": "crash", "error": f"task process exited with code {code} without a result"}, b""

    # -- main loop --------------------------------------------------------------------------------
    def _oom_killed(self) -> bool:
        """Whether the cgroup's OOM killer killed a process since this task started (or the last check)."""
        if self.cgroup is None:
            return False
        n, self.oom_seen = self.oom_seen, self.cgroup.oom_kills()
        return self.oom_seen > n

    def serve(self, rfd: int, wfd: int) -> None:
        reader = FdReader(rfd)
        while True:
            try:
                line = reader.read_line(1 << 28)
            except Eof:
                return
            req = decode_header(line)
            image = reader.read_exact(int(req.get("image_len", 0)))
            write_all(wfd, encode({"ack": True}))
            try:
                res, png = self.run_task(req, image)
            except Exception as e:  # noqa: BLE001 - zygote-side failure, the task never ran
                res, png = {"status": "crash", "error": f"sandbox internal error: {type(e).__name__}: {e}"}, b""
            res["png_len"] = len(png)
            write_all(wfd, encode(res, png))


def _parse_child(data: bytes) -> tuple[dict, bytes] | None:
    """Validate a child's report (untrusted: the task's code could have written anything)."""
    i = data.find(b"\n")
    if i < 0:
        return None
    try:
        h = decode_header(data[:i])
        status = h.get("status")
        if status not in STATUSES:
            return None
        png_len = h.get("png_len", 0)
        if not isinstance(png_len, int) or png_len < 0 or i + 1 + png_len != len(data):
            return None
        png = data[i + 1:]
        res = {"status": status, "error": clean_str(h.get("error", ""), 20_000),
               "points": {k: list(v) for k, v in clean_points(h.get("points", {})).items()},
               "texts": [[s, *bb] for s, bb in clean_texts(h.get("texts", []))]}
        if png:
            res["width"], res["height"] = png_size(png)
        elif status == "ok":
            return None
        return res, png
    except (ProtocolError, ValueError, TypeError):
        return None


# ------------------------------------------------------------------------------------------------
# the task child
# ------------------------------------------------------------------------------------------------

class _CappedOut(io.TextIOBase):
    """sys.stdout of a task: writes to fd 1 up to ``cap`` bytes, silently drops the rest."""

    def __init__(self, fd: int, cap: int) -> None:
        self._fd, self._cap, self._n = fd, cap, 0

    @property
    def encoding(self) -> str:
        return "utf-8"

    def writable(self) -> bool:
        return True

    def write(self, s: str) -> int:
        b = str(s).encode("utf-8", "replace")
        room = self._cap - self._n
        if room > 0:
            try:
                os.write(self._fd, b[:room])
            except OSError:
                pass
        self._n += len(b)
        return len(s)

    def flush(self) -> None:
        pass


class _Null(io.TextIOBase):
    def writable(self) -> bool:
        return True

    def write(self, s: str) -> int:
        return len(s)


def _child(z: Zygote, req: dict, *, image_path: str | None, tdir: str, tdir_fd: int, out_fd: int, wfd: int,
           vmsize: int) -> None:
    # Captured before any task code runs: the code may monkeypatch anything afterwards.
    _write, _exit, _dumps = os.write, os._exit, json.dumps
    lim = req["limits"]

    def report(h: dict, png: bytes = b"") -> None:
        h["png_len"] = len(png)
        data = _dumps(h, separators=(",", ":")).encode() + b"\n" + png
        view = memoryview(data)
        while view:
            view = view[_write(wfd, view):]

    # ---- hardening (fail closed for every feature the zygote reported active) ----
    try:
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGUSR1, signal.SIGUSR2,
                    signal.SIGALRM, signal.SIGCHLD):
            signal.signal(sig, signal.SIG_DFL)
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # EFBIG instead of a kill
        devnull = os.open("/dev/null", os.O_RDWR)
        os.dup2(devnull, 0)
        os.dup2(out_fd, 1)
        os.dup2(devnull, 2)
        os.chdir(tdir)
        os.umask(0o077)
        ll = None
        if "landlock" in z.required:
            ll = L.Landlock(z.landlock_abi)
            for fd, is_dir, rights in z.ro_fds:
                ll.allow(fd, rights, is_dir)
            ll.allow(tdir_fd, ll.fs, True)
        mem = int(lim["memory_mb"]) << 20
        cpu = int(math.ceil(float(lim["timeout_s"]))) + 1
        for res_, val in ((resource.RLIMIT_AS, vmsize + mem), (resource.RLIMIT_CPU, cpu),
                          (resource.RLIMIT_FSIZE, int(lim["max_file_bytes"])), (resource.RLIMIT_NOFILE, 256),
                          (resource.RLIMIT_CORE, 0)):
            cur_hard = resource.getrlimit(res_)[1]
            hard = val + 1 if res_ == resource.RLIMIT_CPU else val
            if cur_hard != resource.RLIM_INFINITY:  # never try to raise a hard limit
                val, hard = min(val, cur_hard), min(hard, cur_hard)
            resource.setrlimit(res_, (val, hard))
        if "task_ipc_ns" in z.required:
            L.unshare(L.CLONE_NEWIPC)
        if "memory_cgroup" in z.required:
            fd = os.open("/proc/self/oom_score_adj", os.O_WRONLY)
            os.write(fd, b"1000")
            os.close(fd)
        if z.as_root:
            resource.setrlimit(resource.RLIMIT_NPROC, (64, 64))
            os.setgroups([])
            os.setresgid(z.gid, z.gid, z.gid)
            os.setresuid(z.uid, z.uid, z.uid)
            if os.getuid() != z.uid or os.geteuid() != z.uid:
                raise OSError("setuid did not take")
        L.prctl(L.PR_SET_PDEATHSIG, signal.SIGKILL)  # after setuid: credential changes clear it
        if os.getppid() != z.pid:
            _exit(EXIT_SETUP)
        L.prctl(L.PR_SET_DUMPABLE, 0)
        L.prctl(L.PR_SET_NO_NEW_PRIVS, 1)
        if ll is not None:
            ll.restrict_self()
        os.closerange(3, wfd)
        os.closerange(wfd + 1, 1 << 20)
        if "seccomp" in z.required:
            L.load_bpf(z.seccomp_prog.for_pid(os.getpid()))
        os.environ.clear()
        os.environ.update({"HOME": tdir, "TMPDIR": tdir, "MPLBACKEND": "Agg", "LANG": "C.UTF-8"})
        tempfile.tempdir = tdir
        sys.stdin = open(0, closefd=False)  # noqa: SIM115
        sys.stdout = _CappedOut(1, int(lim["max_stdout_bytes"]))
        sys.stderr = _Null()
        sys.argv = ["<task>"]
    except BaseException as e:  # noqa: BLE001
        try:
            report({"status": "crash", "error": f"sandbox setup failed: {type(e).__name__}: {e}"})
        finally:
            _exit(EXIT_SETUP)

    # ---- run the task ----
    try:
        _run_and_report(req, image_path, report)
    except MemoryError:
        _exit(EXIT_MEMORY)
    except BaseException:  # noqa: BLE001
        _exit(EXIT_REPORT)
    _exit(0)


def _format_error(exc: BaseException, max_lines: int = 25, max_chars: int = 4000) -> str:
    """The traceback's last lines, starting at the task's own frames (``<task>``)."""
    try:
        tb = exc.__traceback__
        while tb is not None and tb.tb_frame.f_code.co_filename != "<task>":
            tb = tb.tb_next
        lines = traceback.format_exception(type(exc), exc, tb if tb is not None else exc.__traceback__)
        text = "".join(lines).rstrip()
        keep = text.splitlines()[-max_lines:]
        return "\n".join(keep)[-max_chars:]
    except BaseException:  # noqa: BLE001
        try:
            return f"{type(exc).__name__}: {exc}"[:max_chars]
        except BaseException:  # noqa: BLE001
            return "exception (unprintable)"


def _run_and_report(req: dict, image_path: str | None, report) -> None:
    import matplotlib.pyplot as plt
    import numpy as np
    from matplotlib.axes import Axes
    from matplotlib.text import Text

    code = req["code"]
    lim = req["limits"]
    max_out = int(lim["max_output_bytes"])
    kind = req.get("kind", "matplotlib")
    # references used after the task ran, captured now (poisoning only hurts the task itself)
    _BytesIO, _gcf, _fignums, _draw = io.BytesIO, plt.gcf, plt.get_fignums, Text.draw
    if kind == "svg":
        _svg_mod = sys.modules.get(__package__ + ".svg")  # imported by the zygote, never from disk here
        if _svg_mod is None:
            report({"status": "error", "error": "the svg renderer is unavailable in this worker (cairosvg failed "
                    "to import at start-up; see isolation['preimport']['missing'])"})
            return
        _svg_render, _SvgRefused = _svg_mod.render, _svg_mod.SvgRefused
    _isinstance, _float, _len, _str, _jd = isinstance, float, len, str, json.dumps

    g = {"__name__": "__main__", "__builtins__": builtins, "plt": plt, "np": np, "math": math}
    if req.get("P"):  # the generator's truth, for the flywheel's own interactions only: a model's code has none
        g["P"] = {str(k): (float(v[0]), float(v[1])) for k, v in req["P"].items()}
    if image_path is not None:
        g["image_path"] = image_path
    linecache.cache["<task>"] = (len(code), None, code.splitlines(True), "<task>")
    bi_dict = builtins.__dict__
    bi_snapshot = dict(bi_dict)
    exc = None
    try:
        exec(compile(code, "<task>", "exec"), g)  # noqa: S102 - this is the sandbox
    except BaseException as e:  # noqa: BLE001
        exc = e
    # the task may have replaced builtins (len, print, ...); saving and reporting need them back
    bi_dict.clear()
    bi_dict.update(bi_snapshot)
    if exc is not None:
        if isinstance(exc, SystemExit) and exc.code in (None, 0):
            pass  # a normal end of the script
        elif isinstance(exc, SystemExit):
            report({"status": "error", "error": f"SystemExit: {exc.code!r}"[:4000]})
            return
        elif isinstance(exc, MemoryError):
            g.clear()
            report({"status": "memory", "error": _format_error(exc)})
            return
        else:
            report({"status": "error", "error": _format_error(exc)})
            return

    if kind == "svg":
        _report_svg(g, req, report, _svg_render, _SvgRefused, max_out, _jd)
        return
    try:
        if not _fignums():
            report({"status": "no_figure", "error": "the code left no matplotlib figure"})
            return
        fig = _gcf()
        drawn: list = []

        def draw(self, renderer, *a, **k):
            out = _draw(self, renderer, *a, **k)
            try:
                if self.get_visible() and str(self.get_text()).strip():
                    drawn.append(self)
            except Exception:  # noqa: BLE001
                pass
            return out

        buf = _BytesIO()
        Text.draw = draw
        try:
            fig.savefig(buf, format="png", dpi=fig.dpi)
        finally:
            Text.draw = _draw
        png = buf.getvalue()
        renderer = fig.canvas.get_renderer()
        height = _float(renderer.height)

        points = {}
        elements = req.get("elements", {})
        if elements:
            ax = g.get("ax")
            if not _isinstance(ax, Axes) or _root_figure(ax) is not fig:
                ax = fig.axes[0] if fig.axes else None
            if ax is None:
                report({"status": "error", "error": "elements requested but the figure has no axes"})
                return
            for label, (x, y) in elements.items():
                dx, dy = ax.transData.transform((_float(x), _float(y)))
                points[str(label)] = [_float(dx), height - _float(dy)]

        texts, seen = [], set()
        for t in drawn:
            if id(t) in seen:
                continue
            seen.add(id(t))
            bb = t.get_window_extent(renderer)
            texts.append([str(t.get_text()), _float(bb.x0), height - _float(bb.y1), _float(bb.x1),
                          height - _float(bb.y0)])
        _report_ok(report, points, texts, png, max_out, _jd, _len)
    except MemoryError as e:
        report({"status": "memory", "error": _format_error(e)})
    except BaseException as e:  # noqa: BLE001
        report({"status": "error", "error": "while rendering the figure: " + _format_error(e)})


def _report_svg(g: dict, req: dict, report, render, refused: type, max_out: int, dumps) -> None:
    """Report an ``svg`` task: the document the code left in ``svg``, checked and rendered
    (:mod:`.svg`); a refused document is status ``refused`` with the reason."""
    doc = g.get("svg")
    if not isinstance(doc, (str, bytes)) or not doc:
        report({"status": "no_figure", "error": "the code left no svg document (a str or bytes in `svg`)"})
        return
    try:
        png, points, texts = render(doc, req.get("elements", {}))
    except refused as e:
        report({"status": "refused", "error": f"svg refused: {e}"[:4000]})
        return
    except MemoryError as e:
        report({"status": "memory", "error": _format_error(e)})
        return
    except BaseException as e:  # noqa: BLE001
        report({"status": "error", "error": f"while rendering the svg: {type(e).__name__}: {e}"[:4000]})
        return
    _report_ok(report, points, texts, png, max_out, dumps, len)


def _report_ok(report, points: dict, texts: list, png: bytes, max_out: int, dumps, length) -> None:
    """Report a rendered figure, or ``output_limit`` when header and PNG exceed ``max_out`` (``dumps``
    and ``length`` are the caller's references, captured before the task's code ran)."""
    header = {"status": "ok", "error": "", "points": points, "texts": texts}
    size = length(dumps(header, separators=(",", ":"))) + length(png) + 32
    if size > max_out:
        report({"status": "output_limit", "error": f"result of {size} bytes exceeds max_output_bytes={max_out}"})
        return
    report(header, png)


def _root_figure(ax):
    try:
        return ax.get_figure(root=True)
    except TypeError:
        f = ax.figure
        while getattr(f, "figure", None) is not None and f.figure is not f:
            f = f.figure
        return f


PROBE_CODE = r'''
import json, os, errno
out = {}
def attempt(name, fn):
    try:
        fn()
        out[name] = "ALLOWED"
    except Exception as e:
        out[name] = "blocked (%s)" % type(e).__name__
attempt("net_connect", lambda: __import__("socket").create_connection(("127.0.0.1", 9), timeout=0.5))
attempt("fork", os.fork)
attempt("write_outside_task_dir", lambda: open("/tmp/.sandbox-probe-%d" % os.getpid(), "w").close())
attempt("read_/etc/shadow", lambda: open("/etc/shadow").read())
attempt("list_project", lambda: os.listdir(@PROJECT@))
attempt("kill_pid_1", lambda: os.kill(1, 0))
attempt("read_checkout_file", lambda: open(os.path.join(@PROJECT@, "pyproject.toml")).close())
attempt("memfd", lambda: os.close(os.memfd_create("probe")))
def sysv_shm():
    import ctypes
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.shmget(0, 1 << 20, 0o1600) < 0:
        raise OSError(ctypes.get_errno(), "shmget")
attempt("sysv_shm", sysv_shm)
attempt("posix_shm", lambda: os.close(os.open("/dev/shm/probe-%d" % os.getpid(), os.O_CREAT | os.O_RDWR, 0o600)))
out["uid"] = os.getuid()
for mod in ("tabnanny", "wave", "netrc", "sched"):
    import sys
    if mod not in sys.modules:
        try:
            __import__(mod); out["stdlib_lazy_import"] = "ok (%s)" % mod
        except Exception as e:
            out["stdlib_lazy_import"] = "FAILED (%s: %s)" % (mod, type(e).__name__)
        break
import matplotlib
try:
    open(os.path.join(matplotlib.get_data_path(), "matplotlibrc")).close(); out["read_mpl_data"] = "ok"
except Exception as e:
    out["read_mpl_data"] = "FAILED (%s)" % type(e).__name__
plt.figure(figsize=(1, 1)); plt.plot([0, 1], [0, 1]); plt.text(0.5, 0.5, "x")
print(json.dumps(out))
'''.replace("@PROJECT@", repr(_project_root()))


# ------------------------------------------------------------------------------------------------

def main(cfg_json: str) -> None:
    cfg = json.loads(cfg_json)
    try:
        L.prctl(L.PR_SET_PDEATHSIG, signal.SIGKILL)
    except OSError:
        pass
    if os.getppid() != int(cfg["parent_pid"]):
        os._exit(1)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # private copies of the command pipes; 0/1 become /dev/null so children never see them
    rfd = os.dup(0)
    wfd = os.dup(1)
    devnull = os.open("/dev/null", os.O_RDWR)
    os.dup2(devnull, 0)
    os.dup2(devnull, 1)
    os.close(devnull)
    sys.stdin = open(0, closefd=False)  # noqa: SIM115
    sys.stdout = open(1, "w", closefd=False)  # noqa: SIM115
    z = Zygote(cfg)
    try:
        rep = z.start()
    except BaseException as e:  # noqa: BLE001
        write_all(wfd, encode({"ready": False, "error": _format_error(e)}))
        os._exit(2)
    write_all(wfd, encode({"ready": True, "pid": os.getpid(), "isolation": rep}))
    try:
        z.serve(rfd, wfd)
    except (Eof, ProtocolError, BrokenPipeError):
        pass
    os._exit(0)
