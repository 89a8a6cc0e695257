"""The sandbox with real worker processes (no mocks): rendering truth, failure statuses, hostile
code, recovery, poisoning, parallelism. One module-scoped pool of 2 workers keeps this fast."""

from __future__ import annotations

import io
import os
import signal
import socket
import time
import uuid

import numpy as np
import pytest
from PIL import Image

from pipelines.sandbox import Limits, Result, Sandbox, Task

LIM = Limits(timeout_s=2.0, memory_mb=512)

NORMAL = """
fig, ax = plt.subplots(figsize=(4.8, 4.8), dpi=100)
ax.plot([0, 4, 1.5, 0], [0, 0, 3, 0], 'k-')
for (x, y), s in zip([(0, 0), (4, 0), (1.5, 3)], 'ABC'):
    ax.text(x, y, s)
ax.set_xlim(-1, 5); ax.set_ylim(-1, 4)
"""


@pytest.fixture(scope="module")
def sb():
    with Sandbox(workers=2, limits=LIM) as s:
        yield s


def rgb(png: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(int)


def assert_healthy(sb: Sandbox) -> None:
    """Both workers still serve a normal render (map over 2 tasks touches each idle worker)."""
    for r in sb.map([Task(code=NORMAL), Task(code=NORMAL)]):
        assert r.status == "ok", r.error
        assert r.width == 480 and r.height == 480


def marker(tag: str) -> str:
    return f"/tmp/sandbox-test-{tag}-{uuid.uuid4().hex}"


# ---- rendering truth -------------------------------------------------------------------------------

def test_render_ok_points_hit_the_drawn_marker(sb):
    code = """
fig, ax = plt.subplots(figsize=(4.8, 4.8), dpi=100)
ax.set_xlim(0, 5); ax.set_ylim(0, 5)
ax.plot([2], [3], 'o', color=(1, 0, 0), ms=10)
ax.plot([4], [1], 's', color=(0, 0, 1), ms=10)
"""
    r = sb.run(Task(code=code, elements={"R": (2, 3), "B": (4, 1)}))
    assert r.status == "ok", r.error
    img = rgb(r.png)
    assert img.shape == (480, 480, 3) and (r.width, r.height) == (480, 480)
    x, y = r.points_px["R"]
    pr = img[int(round(y)), int(round(x))]
    assert pr[0] > 200 and pr[1] < 60 and pr[2] < 60, pr          # red where (2, 3) was reported
    x, y = r.points_px["B"]
    pb = img[int(round(y)), int(round(x))]
    assert pb[2] > 200 and pb[0] < 60 and pb[1] < 60, pb          # blue where (4, 1) was reported
    # y grows downwards: (2, 3) is above (4, 1)
    assert r.points_px["R"][1] < r.points_px["B"][1]
    assert r.ms > 0


def test_texts_have_sane_bboxes(sb):
    code = """
fig, ax = plt.subplots(figsize=(4.8, 4.8), dpi=100)
ax.set_xlim(0, 10); ax.set_ylim(0, 10); ax.axis('off')
ax.plot([3], [4], 'ko')
ax.text(3, 4, 'P', fontsize=20, ha='left', va='bottom')
ax.text(8, 8, '', fontsize=20)
"""
    r = sb.run(Task(code=code, elements={"P": (3, 4)}))
    assert r.status == "ok", r.error
    assert [t.text for t in r.texts] == ["P"]                      # no empty / hidden tick texts
    x0, y0, x1, y1 = r.texts[0].bbox
    px, py = r.points_px["P"]
    assert 0 <= x0 < x1 <= 480 and 0 <= y0 < y1 <= 480
    assert 10 < x1 - x0 < 40 and 15 < y1 - y0 < 50                 # a 20 pt glyph at 100 dpi
    assert abs(x0 - px) < 4 and abs(y1 - py) < 4                   # anchored bottom-left at P
    img = rgb(r.png)
    box = img[int(y0):int(y1), int(x0) + 3:int(x1)]               # skip the marker at the corner
    assert (box.sum(axis=2) < 200).any()                           # dark glyph pixels inside


def test_interaction_draws_on_the_given_image(sb):
    w, h = 320, 200
    buf = io.BytesIO()
    Image.new("RGB", (w, h), "white").save(buf, format="PNG")
    code = """
img = plt.imread(image_path)
h, w = img.shape[:2]
fig = plt.figure(figsize=(w / 100, h / 100), dpi=100)
ax = fig.add_axes((0, 0, 1, 1))
ax.imshow(img)
ax.axis('off')
ax.plot([P['A'][0], P['B'][0]], [P['A'][1], P['B'][1]], color=(0, 0, 1), lw=3)
"""
    pts = {"A": (30.0, 40.0), "B": (280.0, 160.0)}
    r = sb.run(Task(code=code, image_png=buf.getvalue(), points_px=pts))
    assert r.status == "ok", r.error
    img = rgb(r.png)
    assert img.shape == (h, w, 3)
    for t in np.linspace(0.1, 0.9, 9):
        x = pts["A"][0] + t * (pts["B"][0] - pts["A"][0])
        y = pts["A"][1] + t * (pts["B"][1] - pts["A"][1])
        patch = img[int(y) - 2:int(y) + 3, int(x) - 2:int(x) + 3]
        assert ((patch[..., 2] > 150) & (patch[..., 0] < 100)).any(), (x, y)
    assert (img[10, 300] > 240).all() and (img[190, 10] > 240).all()   # off the line: still white


# ---- failure statuses ------------------------------------------------------------------------------

def test_exception_is_error_with_text(sb):
    r = sb.run(Task(code="x = 1\nraise ValueError('boom-4711')"))
    assert r.status == "error"
    assert "ValueError: boom-4711" in r.error and "<task>" in r.error
    r = sb.run(Task(code="def f(:\n  pass"))
    assert r.status == "error" and "SyntaxError" in r.error
    assert_healthy(sb)


def test_infinite_loop_times_out(sb):
    for code in ("while True:\n    pass", "import time\ntime.sleep(60)"):
        t = time.monotonic()
        r = sb.run(Task(code=code), limits=LIM)
        assert r.status == "timeout", (code, r)
        assert time.monotonic() - t < LIM.timeout_s + 2
    assert_healthy(sb)


def test_memory_blowup(sb):
    for code in ("x = bytearray(4 * 1024**3)", "a = np.ones(4 * 1024**3 // 8)",
                 "xs = []\nwhile True:\n    xs.append(bytearray(50 * 1024**2))"):
        r = sb.run(Task(code=code))
        assert r.status in ("memory", "crash"), (code, r)
    assert_healthy(sb)


def test_exit_and_segfault_are_crashes(sb):
    r = sb.run(Task(code="import os\nos._exit(3)"))
    assert r.status == "crash" and "code 3" in r.error
    r = sb.run(Task(code="import ctypes\nctypes.string_at(0)"))
    assert r.status == "crash" and "SIGSEGV" in r.error
    r = sb.run(Task(code="import os, signal\nos.kill(os.getpid(), signal.SIGKILL)"))
    assert r.status == "crash"
    assert_healthy(sb)


def test_output_limits(sb):
    noisy = """
fig = plt.figure(figsize=(6, 6), dpi=100)
ax = fig.add_axes((0, 0, 1, 1))
ax.imshow(np.random.default_rng(0).random((600, 600, 3)))
"""
    r = sb.run(Task(code=noisy), limits=Limits(timeout_s=5, max_output_bytes=100_000))
    assert r.status == "output_limit" and r.png is None
    r = sb.run(Task(code=NORMAL + "\nprint('x' * 1_000_000)\nprint('never seen')"),
               limits=Limits(timeout_s=5, max_stdout_bytes=1000))
    assert r.status == "ok" and r.stdout == "x" * 1000
    r = sb.run(Task(code="open('big.bin', 'wb').write(b'x' * (8 << 20))"),
               limits=Limits(timeout_s=5, max_file_bytes=1 << 20))
    assert r.status == "error" and "File too large" in r.error
    assert_healthy(sb)


def test_no_figure(sb):
    r = sb.run(Task(code="x = 1\nprint(x)"))
    assert r.status == "no_figure" and r.stdout == "1\n"
    r = sb.run(Task(code="fig = plt.figure()\nplt.close(fig)"))
    assert r.status == "no_figure"


# ---- hostile code ----------------------------------------------------------------------------------

def test_cannot_write_outside_task_dir(sb):
    targets = [marker("write"), os.path.join(os.path.dirname(os.path.dirname(__file__)), f"escape-{uuid.uuid4().hex}")]
    for target in targets:
        r = sb.run(Task(code=f"open({target!r}, 'w').write('pwned')\n" + NORMAL))
        assert r.status == "error" and ("Permission" in r.error or "denied" in r.error), r
        assert not os.path.exists(target)
    # ... while the task's own dir is writable
    r = sb.run(Task(code="open('ok.txt', 'w').write('fine')\nprint(open('ok.txt').read())\n" + NORMAL))
    assert r.status == "ok" and r.stdout == "fine\n"
    assert_healthy(sb)


def test_cannot_read_secrets(sb):
    for path in ("/etc/shadow", "/root/.bashrc", os.path.abspath(__file__)):
        r = sb.run(Task(code=f"print(open({path!r}).read()[:50])"))
        assert r.status == "error", (path, r)


def test_network_is_unreachable(sb):
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(1)
    srv.settimeout(0.5)
    port = srv.getsockname()[1]
    try:
        code = f"import socket\nsocket.create_connection(('127.0.0.1', {port}), timeout=1).sendall(b'hi')"
        r = sb.run(Task(code=code))
        assert r.status == "error"
        with pytest.raises(socket.timeout):
            srv.accept()                                           # nobody connected
    finally:
        srv.close()
    r = sb.run(Task(code="import urllib.request\nurllib.request.urlopen('http://example.com', timeout=1)"))
    assert r.status == "error"


def test_no_processes(sb):
    m1, m2, m3 = marker("fork"), marker("subprocess"), marker("system")
    r = sb.run(Task(code=f"import os\nif os.fork() == 0:\n    open({m1!r}, 'w')\n    os._exit(0)"))
    assert r.status == "error" and "PermissionError" in r.error
    r = sb.run(Task(code=f"import subprocess\nsubprocess.run(['touch', {m2!r}])"))
    assert r.status == "error"
    r = sb.run(Task(code=f"import os\nprint(os.system('touch {m3}'))"))
    time.sleep(0.2)
    for m in (m1, m2, m3):
        assert not os.path.exists(m)
    # signals to anything but itself are refused: the pool, the worker, this test process
    r = sb.run(Task(code=f"import os, signal\nos.kill({os.getpid()}, signal.SIGKILL)"))
    assert r.status == "error" and "PermissionError" in r.error
    r = sb.run(Task(code="import os, signal\nos.kill(os.getppid(), signal.SIGKILL)"))
    assert r.status == "error"
    assert_healthy(sb)


def test_isolation_report(sb):
    iso = sb.isolation
    for key in ("netns", "seccomp", "landlock", "uid_drop", "rlimits", "task_ipc_ns", "memory_cgroup", "posix_shm",
                "probe"):
        assert key in iso
    assert iso["strict"] is True and iso["missing"] == []
    probe = iso["probe"]
    for action in ("net_connect", "fork", "write_outside_task_dir", "list_project", "read_checkout_file", "memfd",
                   "sysv_shm", "posix_shm"):
        assert probe[action].startswith("blocked"), probe
    assert probe["stdlib_lazy_import"].startswith("ok")


# ---- strict mode (fail closed) ---------------------------------------------------------------------

def _without(monkeypatch, *features: str) -> None:
    """Start zygotes whose feature detection reports ``features`` unavailable (as on a kernel or
    machine without them): the bootstrap patches :mod:`pipelines.sandbox._linux` before main."""
    from pipelines.sandbox import pool
    patches = {"seccomp": "L.seccomp_available = lambda: (False, 'patched out by the test')",
               "landlock": "L.landlock_abi = lambda: 0"}
    monkeypatch.setattr(pool, "_BOOTSTRAP", "import sys; sys.path.insert(0, sys.argv[1]); "
                        "import pipelines.sandbox._linux as L; " + "; ".join(patches[f] for f in features)
                        + "; from pipelines.sandbox.zygote import main; main(sys.argv[2])")


@pytest.mark.parametrize("feature,needs", [("seccomp", "CONFIG_SECCOMP_FILTER"),
                                           ("landlock", "CONFIG_SECURITY_LANDLOCK")])
def test_strict_refuses_to_start_without_a_feature(monkeypatch, feature, needs):
    from pipelines.sandbox import WorkerStartError
    from pipelines.sandbox.pool import STRICT_ENV
    monkeypatch.delenv(STRICT_ENV, raising=False)
    _without(monkeypatch, feature)
    with pytest.raises(WorkerStartError) as err:
        Sandbox(workers=1, limits=LIM)
    msg = str(err.value)
    assert f"{feature} is off (" in msg and needs in msg and "strict=False" in msg and STRICT_ENV in msg, msg


@pytest.mark.parametrize("how", ["argument", "env", "resource"])
def test_opt_out_starts_and_reports_what_is_missing(monkeypatch, how):
    from assets_defs.resources import SandboxResource
    from pipelines.sandbox.pool import STRICT_ENV
    monkeypatch.delenv(STRICT_ENV, raising=False)
    _without(monkeypatch, "seccomp", "landlock")
    if how == "argument":
        s = Sandbox(workers=1, limits=LIM, strict=False)
    elif how == "env":
        monkeypatch.setenv(STRICT_ENV, "0")
        s = Sandbox(workers=1, limits=LIM)
    else:
        cm = SandboxResource(workers=1, strict=False).pool()
        s = cm.__enter__()
    try:
        assert s.isolation["strict"] is False
        # the probe's escapes (fork, writes outside the task dir) may still be stopped by the uid's
        # process limit or file modes, depending on what else runs: the features are what is owed
        assert {"seccomp", "landlock"} <= set(s.isolation["missing"])
        assert s.run(Task(code=NORMAL)).ok
    finally:
        s.close()


# ---- recovery and state ----------------------------------------------------------------------------

def test_killed_worker_is_replaced(sb):
    before = sb.pids()
    assert len(before) == 2
    os.kill(before[0], signal.SIGKILL)
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:                             # wait until it is really dead
        try:
            with open(f"/proc/{before[0]}/stat") as fh:
                if fh.read().split(") ")[-1].startswith("Z"):
                    break
        except FileNotFoundError:
            break
        time.sleep(0.02)
    results = sb.map([Task(code=NORMAL)] * 4)
    assert all(r.status == "ok" for r in results), [r.error for r in results]
    after = sb.pids()
    assert len(after) == 2 and before[0] not in after and before[1] in after


def test_poisoning_does_not_leak(sb):
    poisons = [
        "plt.plot = None",
        "import builtins\nbuiltins.len = None\nbuiltins.print = None",
        "import matplotlib\nmatplotlib.rcParams['figure.figsize'] = (1, 1)\nplt.rcParams['lines.color'] = 'red'",
        "import sys\nsys.modules['numpy'] = None\nnp.ones = None",
        "import os\nos.environ['POISON'] = '1'\nopen('left-behind.txt', 'w').write('x')",
        "import matplotlib.text\nmatplotlib.text.Text.draw = lambda *a, **k: None\nimport json\njson.dumps = None",
    ]
    results = sb.map([Task(code=p) for p in poisons for _ in range(2)])  # each worker gets poisoned
    assert all(r.status in ("no_figure", "error") for r in results)
    check = """
import os, sys
fig = plt.figure()
assert fig.get_size_inches().tolist() == [6.4, 4.8], fig.get_size_inches()
line, = plt.plot([0, 1], [0, 1])
assert plt.rcParams['lines.color'] != 'red'
assert len([1, 2]) == 2 and np.ones(2).sum() == 2 and sys.modules['numpy'] is np
assert 'POISON' not in os.environ and os.listdir('.') == [], os.listdir('.')
plt.text(0.5, 0.5, 'T')
print('clean')
"""
    for r in sb.map([Task(code=check)] * 4):
        assert r.status == "ok", r.error
        assert r.stdout == "clean\n" and (r.width, r.height) == (640, 480)
        assert "T" in [t.text for t in r.texts]


def test_map_preserves_order_and_runs_in_parallel(sb):
    tasks = [Task(code=f"import time\ntime.sleep(0.6)\nprint({i})\n" + NORMAL) for i in range(4)]
    t = time.monotonic()
    results = sb.map(tasks, progress=True)
    elapsed = time.monotonic() - t
    assert [r.stdout for r in results] == [f"{i}\n" for i in range(4)]
    assert all(isinstance(r, Result) and r.ok for r in results)
    assert elapsed < 4 * 0.6 - 0.3, elapsed                       # serial would take > 2.4 s
    assert sb.map([]) == []


def test_run_is_thread_safe(sb):
    from concurrent.futures import ThreadPoolExecutor
    with ThreadPoolExecutor(6) as ex:
        results = list(ex.map(lambda i: sb.run(Task(code=f"print({i})\n" + NORMAL)), range(12)))
    assert [r.stdout for r in results] == [f"{i}\n" for i in range(12)]


def test_close_is_idempotent_and_kills_workers():
    s = Sandbox(workers=1, limits=LIM)
    pids = s.pids()
    assert s.run(Task(code=NORMAL)).ok
    s.close()
    s.close()
    for pid in pids:
        assert not os.path.exists(f"/proc/{pid}") or open(f"/proc/{pid}/stat").read().split(") ")[-1][0] in "ZX"
    with pytest.raises(RuntimeError):
        s.run(Task(code=NORMAL))


def test_stuck_worker_is_replaced_by_the_pool_deadline(sb):
    """A zygote that stops answering (SIGSTOP) is killed by the pool's own deadline and replaced;
    the task it never acknowledged is retried on the new worker."""
    before = sb.pids()
    os.kill(before[1], signal.SIGSTOP)
    t = time.monotonic()
    results = sb.map([Task(code=NORMAL)] * 3, limits=Limits(timeout_s=1.0))
    assert all(r.ok for r in results), [r.error for r in results]
    assert time.monotonic() - t < 20
    after = sb.pids()
    assert before[1] not in after and len(after) == 2
