"""The project's hostile-program suite: each program runs through the real sandbox (one warm
worker, default limits except a short timeout so the time category stays fast), must be contained
(an expected non-ok status, or ok with no effect) and must leave the worker unharmed: the same
zygote then passes a clean-state check that renders a figure.

Categories: time, memory (incl. memfd, System V and POSIX shared memory), processes, files,
network, signals, output, poisoning of warm workers.
"""

from __future__ import annotations

import os
import socket
import tempfile
import uuid
from dataclasses import replace

import pytest

from pipelines.sandbox import Limits, Sandbox, Task

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LIM = replace(Limits(), timeout_s=1.5)  # the defaults, with a short wall clock for the time category
NOT_OK = ("error", "timeout", "memory", "crash", "output_limit", "no_figure")
FAILED = ("error", "timeout", "memory", "crash", "output_limit")
NORMAL = """
fig, ax = plt.subplots(figsize=(4.8, 4.8), dpi=100)
ax.plot([0, 4, 1.5, 0], [0, 0, 3, 0], 'k-')
ax.text(1.5, 3, 'C')
"""
# the next task on the same worker: nothing a previous task did is visible, and it renders
CHECK = """
import os, sys, gc, json, io, matplotlib, ctypes
assert matplotlib.rcParams['figure.figsize'] == [6.4, 4.8] and plt.rcParams['lines.color'] != 'red'
assert len([1, 2]) == 2 and print is not None and np.ones(2).sum() == 2 and sys.modules['numpy'] is np
assert 'POISON' not in os.environ and os.listdir('.') == [], os.listdir('.')
assert gc.isenabled() and sys.getrecursionlimit() >= 1000 and os.getcwd() != '/'
assert json.dumps([1]) == '[1]' and io.BytesIO is not None and os.umask(0o077) == 0o077
libc = ctypes.CDLL(None, use_errno=True)
assert libc.shmget(0x5AFE, 0, 0) == -1, 'SysV segment of a previous task is visible'
fig, ax = plt.subplots(figsize=(4.8, 4.8), dpi=100)
ax.plot([0, 1], [0, 1])
ax.text(0.5, 0.5, 'T')
print('clean')
"""
CTYPES = "import ctypes, os\nlibc = ctypes.CDLL(None, use_errno=True)\n"


def _marker(tag: str) -> str:
    return os.path.join(tempfile.gettempdir(), f"hostile-{tag}-{uuid.uuid4().hex}")


M = {k: _marker(k) for k in ("tmp", "subprocess", "system", "spawn", "clone", "pty", "unix")}
PROJECT_FILE = os.path.join(ROOT, "pyproject.toml")
DATA_ROOT = os.environ.get("FLYWHEEL_DATA_ROOT") or os.path.join(ROOT, "data")

# (id, code, statuses the containment allows)
PROGRAMS: list[tuple[str, str, tuple[str, ...]]] = [
    # ---- time ----
    ("time/busy_loop", "while True:\n    pass", ("timeout",)),
    ("time/sleep", "import time\ntime.sleep(1e6)", ("timeout",)),
    ("time/c_level_bigint", "x = 10 ** 10 ** 9", ("timeout", "memory")),
    ("time/regex_redos", "import re\nre.match(r'(a+)+$', 'a' * 64 + 'b')", ("timeout",)),
    ("time/swallow_everything", "import time\nwhile True:\n    try:\n        time.sleep(10)\n"
                                "    except BaseException:\n        pass", ("timeout",)),
    ("time/signal_pause", "import signal\nsignal.pause()", ("timeout",)),
    ("time/ignore_sigxcpu", "import signal\nsignal.signal(signal.SIGXCPU, signal.SIG_IGN)\nwhile True:\n    pass",
     ("timeout",)),
    ("time/spinning_thread_after_render", "import threading\nthreading.Thread(target=lambda: [0 for _ in iter(int, 1)])"
                                          ".start()\n" + NORMAL, ("ok", "timeout")),
    ("time/atexit_sleep", "import atexit, time\natexit.register(time.sleep, 100)\n" + NORMAL, ("ok",)),
    # ---- memory ----
    ("memory/bytearray_4g", "x = bytearray(4 * 1024 ** 3)", ("memory",)),
    ("memory/numpy_4g", "a = np.ones(4 * 1024 ** 3 // 8)", ("memory",)),
    ("memory/grow_list", "xs = []\nwhile True:\n    xs.append(bytearray(50 * 1024 ** 2))", ("memory", "crash", "timeout")),
    # 1.5 GiB held in kernel objects without mapping them: invisible to RLIMIT_AS
    ("memory/memfd_1_5g", "import os\nchunk = b'x' * (30 << 20)\nfds = [os.memfd_create('hold') for _ in range(52)]\n"
                          "for fd in fds:\n    os.write(fd, chunk)", ("error", "memory", "crash")),
    ("memory/memfd_raw_syscall", CTYPES + "chunk = b'x' * (30 << 20)\nfor _ in range(52):\n"
                                          "    fd = libc.syscall(319, b'hold', 0)\n    assert fd >= 0, 'refused'\n"
                                          "    os.write(fd, chunk)", ("error", "memory", "crash")),
    ("memory/sysv_shm_1_5g", CTYPES + "libc.shmat.restype = ctypes.c_void_p\nfor _ in range(24):\n"
                                      "    i = libc.shmget(0, 64 << 20, 0o1600)\n    assert i >= 0, 'refused'\n"
                                      "    p = libc.shmat(i, None, 0)\n    ctypes.memset(p, 1, 64 << 20)\n"
                                      "    libc.shmdt(ctypes.c_void_p(p))", ("error", "memory", "crash")),
    ("memory/sysv_shm_outlives_task", CTYPES + "i = libc.shmget(0x5AFE, 1 << 20, 0o1666)\nprint(i)", NOT_OK),
    ("memory/sysv_msg_and_sem", CTYPES + "assert libc.msgget(0x5AFE, 0o1666) >= 0 or "
                                         "libc.semget(0x5AFE, 1, 0o1666) >= 0, 'refused'", ("error",)),
    ("memory/posix_shm_shared_memory", "from multiprocessing import shared_memory\n"
                                       "s = shared_memory.SharedMemory(create=True, size=1 << 30)\ns.buf[:] = b'x' * (1 << 30)",
     ("error", "memory")),
    ("memory/posix_shm_dev_shm", "open('/dev/shm/hostile', 'wb').write(b'x' * (1 << 20))", ("error",)),
    ("memory/posix_mqueue", CTYPES + "assert libc.mq_open(b'/hostile', 0o102, 0o600, None) >= 0, 'refused'",
     ("error",)),
    ("memory/tmpfs_files", "for i in range(40):\n    open(f'f{i}', 'wb').write(b'x' * (30 << 20))",
     ("error", "memory")),
    ("memory/mmap_shared_anon_4g", "import mmap\nm = mmap.mmap(-1, 4 << 30, flags=mmap.MAP_SHARED | mmap.MAP_ANONYMOUS)\n"
                                   "for i in range(0, 4 << 30, 4096):\n    m[i] = 1", ("error", "memory", "crash")),
    # the stack grows until the memory limit, or the deadline on a loaded machine: contained either way
    ("memory/deep_recursion", "import sys\nsys.setrecursionlimit(10 ** 7)\ndef f(n):\n    return f(n + 1)\nf(0)",
     ("error", "crash", "memory", "timeout")),
    # ---- processes ----
    ("processes/fork", "import os\nif os.fork() == 0:\n    os._exit(0)", ("error",)),
    ("processes/subprocess", f"import subprocess\nsubprocess.run(['touch', {M['subprocess']!r}])", ("error",)),
    ("processes/os_system", f"import os\nprint(os.system('touch {M['system']}'))", ("error", "no_figure")),
    ("processes/posix_spawn", f"import os\nos.posix_spawn('/usr/bin/touch', ['touch', {M['spawn']!r}], {{}})",
     ("error",)),
    ("processes/multiprocessing", "import multiprocessing as mp\np = mp.Process(target=print)\np.start()\np.join()",
     ("error",)),
    ("processes/execv", "import os\nos.execv('/bin/sh', ['sh', '-c', 'sleep 100'])", ("error",)),
    ("processes/raw_clone", CTYPES + f"pid = libc.syscall(56, 17, 0, 0, 0, 0)\nif pid == 0:\n"
                                     f"    open({M['clone']!r}, 'w')\n    os._exit(0)\nassert pid > 0, 'refused'",
     ("error",)),
    ("processes/pty_fork", f"import pty, os\nif pty.fork()[0] == 0:\n    open({M['pty']!r}, 'w')\n    os._exit(0)",
     ("error",)),
    ("processes/thread_bomb", "import threading, time\nfor _ in range(10000):\n"
                              "    threading.Thread(target=time.sleep, args=(100,), daemon=True).start()",
     ("error", "memory")),
    ("processes/setsid", "import os\nos.setsid()", ("error",)),
    ("processes/setuid_root", "import os\nos.setuid(0)", ("error",)),
    # ---- files ----
    ("files/write_tmp", f"open({M['tmp']!r}, 'w').write('pwned')", ("error",)),
    ("files/write_project", f"open({os.path.join(ROOT, 'hostile-' + uuid.uuid4().hex)!r}, 'w')", ("error",)),
    ("files/read_shadow", "print(open('/etc/shadow').read())", ("error",)),
    ("files/read_checkout", f"print(open({PROJECT_FILE!r}).read())", ("error",)),
    ("files/list_data_root", f"import os\nprint(os.listdir({DATA_ROOT!r}))", ("error",)),
    ("files/sys_path_entries", "import sys, os\nfor p in sys.path:\n    try:\n        os.listdir(p)\n"
                               "        print('LISTED', p)\n    except OSError:\n        pass", ("no_figure",)),
    ("files/list_root_home", "import os\nprint(os.listdir('/root'))", ("error",)),
    ("files/symlink_escape", f"import os\nos.symlink({PROJECT_FILE!r}, 'l')\nprint(open('l').read())", ("error",)),
    ("files/hardlink_escape", f"import os\nos.link({PROJECT_FILE!r}, 'h')\nprint(open('h').read())", ("error",)),
    ("files/sibling_task_dir", "open('../t999999', 'w')", ("error",)),
    ("files/proc_environ", "print(open('/proc/1/environ').read())", ("error",)),
    ("files/fd_exhaustion", "fs = [open('/dev/null') for _ in range(100000)]", ("error",)),
    ("files/chmod_tmp", "import os\nos.chmod('/tmp', 0o700)", ("error",)),
    ("files/mpl_cache_poison", "import matplotlib, os\nd = matplotlib.get_cachedir()\n"
                               "open(os.path.join(d, 'fontlist-v390.json'), 'w').write('{}')", ("error",)),
    ("files/big_file", "open('big', 'wb').write(b'x' * (64 << 20))", ("error",)),
    # ---- network ----
    ("network/tcp_to_host", "import socket\nsocket.create_connection(('127.0.0.1', @PORT@), timeout=1).sendall(b'hi')",
     ("error",)),
    ("network/udp", "import socket\nsocket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b'x', ('127.0.0.1', 53))",
     ("error",)),
    ("network/unix_path", "import socket\ns = socket.socket(socket.AF_UNIX)\ns.connect(@UNIX@)", ("error",)),
    ("network/unix_abstract", "import socket\ns = socket.socket(socket.AF_UNIX)\ns.connect('\\0hostile')", ("error",)),
    ("network/dns", "import socket\nprint(socket.getaddrinfo('example.com', 80))", ("error",)),
    ("network/socketpair", "import socket\nsocket.socketpair()", ("error",)),
    ("network/urllib", "import urllib.request\nurllib.request.urlopen('http://example.com', timeout=1)", ("error",)),
    # ---- signals ----
    ("signals/kill_pool", "import os, signal\nos.kill(@POOL@, signal.SIGKILL)", ("error",)),
    ("signals/kill_zygote", "import os, signal\nos.kill(os.getppid(), signal.SIGKILL)", ("error",)),
    ("signals/killpg", "import os, signal\nos.killpg(0, signal.SIGKILL)", ("error", "crash")),
    ("signals/kill_everyone", "import os, signal\nos.kill(-1, signal.SIGKILL)", ("error",)),
    ("signals/stop_self", "import os, signal\nos.kill(os.getpid(), signal.SIGSTOP)", ("timeout",)),
    ("signals/alarm", "import signal, time\nsignal.alarm(1)\ntime.sleep(5)", ("crash", "timeout")),
    ("signals/segfault", "import ctypes\nctypes.string_at(0)", ("crash",)),
    ("signals/tgkill_zygote", CTYPES + "assert libc.syscall(234, os.getppid(), os.getppid(), 9) == 0, 'refused'",
     ("error",)),
    ("signals/pidfd_zygote", CTYPES + "assert libc.syscall(434, os.getppid(), 0) >= 0, 'refused'", ("error",)),
    # ---- output ----
    ("output/stdout_flood", "print('x' * 100_000_000)", ("no_figure",)),
    ("output/raw_fd1_flood", "import os\nfor _ in range(200):\n    os.write(1, b'x' * (1 << 20))",
     ("error", "no_figure")),
    ("output/stderr_flood", "import sys\nsys.stderr.write('x' * 100_000_000)\nimport os\nos.write(2, b'y' * (1 << 20))",
     ("no_figure",)),
    ("output/garbage_on_every_fd", "import os\nfor fd in range(3, 300):\n    try:\n        os.write(fd, b'garbage\\n')\n"
                                   "    except OSError:\n        pass\nos._exit(0)", ("crash",)),
    ("output/forged_header", "import os\nfor fd in range(3, 300):\n    try:\n"
                             "        os.write(fd, b'{\"status\":\"ok\",\"png_len\":999999999}\\n')\n"
                             "    except OSError:\n        pass\nos._exit(0)", ("crash",)),
    ("output/close_all_fds", "import os\nos.closerange(3, 100000)\n" + NORMAL, ("crash",)),
    ("output/huge_figure", "fig = plt.figure(figsize=(300, 300), dpi=100)\nfig.add_subplot().plot([0, 1])",
     ("output_limit", "memory", "error", "timeout")),
    ("output/huge_error_text", "raise ValueError('x' * 100_000_000)", ("error",)),
    ("output/non_utf8_stdout", "import os\nos.write(1, b'\\xff\\xfe bad')\n" + NORMAL, ("ok",)),
    # ---- poisoning of the warm worker ----
    ("poison/pyplot", "plt.plot = None\nplt.figure = None", ("no_figure",)),
    ("poison/builtins", "import builtins\nbuiltins.len = None\nbuiltins.print = None", ("no_figure",)),
    ("poison/rcparams", "import matplotlib\nmatplotlib.rcParams['figure.figsize'] = (1, 1)\n"
                        "plt.rcParams['lines.color'] = 'red'", ("no_figure",)),
    ("poison/sys_modules", "import sys\nsys.modules['numpy'] = None\nnp.ones = None", ("no_figure",)),
    ("poison/env_and_files", "import os\nos.environ['POISON'] = '1'\nopen('left-behind.txt', 'w').write('x')",
     ("no_figure",)),
    ("poison/render_and_report", "import matplotlib.text, json, io, os\nmatplotlib.text.Text.draw = lambda *a, **k: None\n"
                                 "json.dumps = None\nio.BytesIO = None\nos.write = None\n" + NORMAL, ("ok", "error")),
    ("poison/gc_recursion_cwd_umask", "import gc, sys, os\ngc.disable()\nsys.setrecursionlimit(60)\nos.chdir('/')\n"
                                      "os.umask(0)", ("no_figure",)),
    ("poison/signal_handlers", "import signal\nfor s in (signal.SIGTERM, signal.SIGINT, signal.SIGALRM):\n"
                               "    signal.signal(s, signal.SIG_IGN)", ("no_figure",)),
    ("poison/font_manager", "from matplotlib import font_manager\nfont_manager.fontManager.ttflist.clear()\n"
                            "font_manager.findfont = None", ("no_figure",)),
    ("poison/backend_switch", "import matplotlib\nmatplotlib.use('svg', force=True)", ("no_figure",)),
]


@pytest.fixture(scope="module")
def sb():
    with Sandbox(workers=1, limits=LIM) as s:
        yield s


@pytest.fixture(scope="module")
def listeners():
    """A TCP and a unix-socket server on the host: nothing may ever connect to them."""
    tcp = socket.socket()
    tcp.bind(("127.0.0.1", 0))
    tcp.listen(1)
    tcp.setblocking(False)
    unix = socket.socket(socket.AF_UNIX)
    unix.bind(M["unix"])
    unix.listen(1)
    unix.setblocking(False)
    yield tcp, unix
    tcp.close()
    unix.close()
    os.unlink(M["unix"])


def test_suite_is_large_enough():
    cats = {pid.split("/")[0] for pid, _, _ in PROGRAMS}
    assert len(PROGRAMS) >= 60 and len({pid for pid, _, _ in PROGRAMS}) == len(PROGRAMS)
    assert cats == {"time", "memory", "processes", "files", "network", "signals", "output", "poison"}


@pytest.mark.parametrize("pid,code,allowed", PROGRAMS, ids=[p[0] for p in PROGRAMS])
def test_hostile_program_is_contained(sb, listeners, pid, code, allowed):
    tcp, unix = listeners
    code = (code.replace("@PORT@", str(tcp.getsockname()[1])).replace("@UNIX@", repr(M["unix"]))
            .replace("@POOL@", str(os.getpid())))
    zygote = sb.pids()
    r = sb.run(Task(code=code))
    assert r.status in allowed, (r.status, r.error[-600:])
    if r.status == "ok":
        assert (r.width, r.height) == (480, 480)
    assert len(r.stdout) <= LIM.max_stdout_bytes and len(r.error) <= 20_000
    assert "LISTED " + ROOT + "\n" not in r.stdout + "\n"
    assert not any(line.startswith("LISTED " + ROOT + os.sep) and ".venv" not in line for line in r.stdout.splitlines())
    for m in M.values():
        assert m == M["unix"] or not os.path.exists(m), m
    for srv in (tcp, unix):
        with pytest.raises(BlockingIOError):
            srv.accept()
    # the next task on the same (unreplaced) worker sees nothing of it
    nxt = sb.run(Task(code=CHECK))
    assert nxt.status == "ok", nxt.error[-600:]
    assert nxt.stdout == "clean\n" and (nxt.width, nxt.height) == (480, 480)
    assert sb.pids() == zygote
