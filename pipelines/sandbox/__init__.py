"""Sandboxed execution of untrusted matplotlib code strings (and SVG documents built by code).

    from pipelines.sandbox import Sandbox, Task, Limits
    with Sandbox() as sb:                        # one warm worker per usable core; strict by default
        r = sb.run(Task(code=..., elements={"A": (0, 0)}))
        r = sb.run(Task(code="svg = '<svg ...>'", kind="svg", elements={"A": (10, 20)}))  # cairosvg
        rs = sb.map(tasks, progress=True)        # order preserved, parallel over workers
        sb.isolation                             # what is actually active on this machine
        sb.isolation["strict"], sb.isolation["missing"]   # fail-closed mode, what is off (opt-out only)

Design (``/work/shared/notes/sandbox.md`` section 3): "zygote per core, fork per task, hardened
child".

* ``pool.py`` (:class:`Sandbox`): starts N zygotes (``python -I -B``, scrubbed env, close_fds, own
  session, spawned from one long-lived thread because PR_SET_PDEATHSIG fires when the *spawning
  thread* exits), hands each task to an idle one over pipes (JSON header line + raw bytes, never
  pickle) with its own deadline (timeout + 5 s); a dead, stuck or misbehaving zygote is killed with
  its process group and replaced. A failure before the zygote acknowledged the task (e.g. the
  zygote was killed from outside) is retried once on the replacement; later failures are charged
  to the task (crash / timeout). Nothing a task does raises into the caller.
* Fail closed (``strict``, default on; opt out with ``Sandbox(strict=False)``,
  ``SandboxResource.strict`` or ``FLYWHEEL_SANDBOX_STRICT=0``): a worker that reports any feature
  of ``pool.REQUIREMENTS`` inactive, or whose start-up probe was not blocked somewhere, is not
  started; one message names each missing feature and the kernel/privilege it needs. Opted out,
  the pool starts, logs a warning and lists the gaps in ``isolation["missing"]``.
* ``zygote.py``: imports matplotlib (Agg) / numpy / PIL and commonly used stdlib modules, renders
  warm-up figures, then isolates itself once: empty network namespace, private mount / IPC / UTS
  namespaces, task dirs on a private size-limited tmpfs, an empty read-only ``/dev/shm``, and its
  own memory cgroup (``_cgroup.py``: v1 or v2, below the caller's cgroup). It never runs task
  code: per task it re-arms the cgroup limit (usage + memory_mb: counts tmpfs files, page cache,
  kernel memory; ~25 µs) and forks a child that gets a private dir (cwd, umask 077), stdin
  /dev/null, stdout to a capped file, its own IPC namespace (SysV IPC / POSIX mqueues die with the
  task; ~0.15 ms), oom_score_adj 1000 (a cgroup OOM kills the task, never the zygote), rlimits
  (AS = VmSize + memory_mb, CPU, FSIZE, NOFILE, NPROC, CORE 0), an unprivileged dedicated uid
  (61000 + worker index), no_new_privs, Landlock (read-only interpreter prefix / stdlib /
  site-packages / matplotlib data / fonts, derived from ``sysconfig`` and never from ``sys.path``,
  so an editable install cannot expose another checkout; read-write task dir; no TCP; scoped
  signals) and a seccomp deny-list (no process creation, exec, sockets, signals to others,
  namespaces, mounts, ptrace, bpf, io_uring, memfd, SysV shm/msg/sem, POSIX mqueues, ...).
  The zygote enforces the wall deadline, SIGKILLs and reaps the child, validates its report and
  removes the task dir; a SIGKILL with a new cgroup OOM kill is status ``memory``. Every feature is
  detected at start-up and proven by a probe child (``Sandbox.isolation["probe"]``: network, fork,
  writes outside the task dir, reading secrets or the checkout, memfd, SysV and POSIX shm); a
  feature reported active is mandatory per task. ``tests/test_hostile.py`` is the adversarial
  suite (80+ programs over time, memory, processes, files, network, signals, output, poisoning).
* Task kinds: ``matplotlib`` (the figure the code leaves) and ``svg`` (``svg.py``: the document the
  code leaves in ``svg``; no DTD/entities, no reference but ``#id`` or inline PNG/JPEG, canvas at
  most 4096 px a side / 8 Mpx, else status ``refused``; cairosvg renders it in the same child, and
  named points map through the renderer's own viewBox matrix). Only the last step differs: the
  code runs under the same hardening either way.
* The interpreter lives in ``/root/.pyenv`` and ``/root`` is 0700 here, so the task uid could not
  import anything not already imported. Decision: the zygote's private mount namespace covers
  every such non-traversable ancestor (``/root``) with a read-only tmpfs holding read-only bind
  mounts of just the needed subtrees (``/root/.pyenv``): imports keep working for the task uid,
  the rest of ``/root`` is invisible, nothing changes on the host. Common stdlib/library modules
  are pre-imported anyway (free per task); without a mount namespace that is the fallback.
"""

from .pool import Sandbox, WorkerStartError
from .types import Limits, Result, Status, Task, TextBox

__all__ = ["Limits", "Result", "Sandbox", "Status", "Task", "TextBox", "WorkerStartError"]
