"""Run flywheel rounds through Dagster with the machine busy: a round's domain partitions run
concurrently in *lanes* (worker processes, each with its own warm sandbox and Dagster instance
handle), then the round's coverage report and benchmark run in a lane too. Rounds run in order:
round r + 1 plans from what round r evolved. One writer per data root at a time (lock file).
Every run is tagged with its lane's process, so the next `flywheel run` can fail the runs and
remove the sandbox folders of a process that was killed (:func:`clean_stale`)."""

from __future__ import annotations

import atexit
import concurrent.futures as cf
import fcntl
import glob
import json
import logging
import multiprocessing as mp
import os
import queue
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

LOCK_NAME = ".flywheel-writer.lock"
PROCESS_TAG = "flywheel/process"  # "<pid>:<start time>" of the lane executing the run
SANDBOX_GRACE_S = 120.0  # a younger folder may belong to a sandbox still starting its workers
PRELOAD = ["assets_defs.definitions", "great_expectations.expectations", "pipelines.sandbox"]
_LANE: dict = {}  # this lane process's instance, definitions and shared sandbox


class LakeBusyError(RuntimeError):
    """Another writer holds the data root."""


@contextmanager
def writer_lock(root: str, settings: dict) -> Iterator[None]:
    """Hold the data root's writer lock for the block, or raise :class:`LakeBusyError` naming the
    holder (its pid and settings): two runs interleaving stages would leave a mixed lake."""
    Path(root).mkdir(parents=True, exist_ok=True)
    path = Path(root) / LOCK_NAME
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 4096, 0).decode(errors="replace").strip() or "unknown"
            raise LakeBusyError(f"another flywheel run is writing to {root} ({holder}); wait for it to finish "
                                "or use another data root (FLYWHEEL_DATA_ROOT)") from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps({"pid": os.getpid(), **settings}).encode(), 0)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def _shared_sandbox_resource(sandbox):
    """A sandbox resource whose every ``pool()`` is ``sandbox``: a lane runs many partitions, and
    starting warm workers per step costs seconds each."""
    from assets_defs.resources import SandboxResource

    class SharedSandbox(SandboxResource):
        @contextmanager
        def pool(self):
            yield sandbox

    return SharedSandbox()


class _ForwardSteps(logging.Handler):
    """Sends (partition, step, event) of each step start / success / failure to the parent's
    progress line (a lane draws nothing itself)."""

    EVENTS = frozenset({"STEP_START", "STEP_SUCCESS", "STEP_FAILURE"})

    def emit(self, record: logging.LogRecord) -> None:
        event = getattr(record, "dagster_event", None)
        if event is not None and event.step_key and event.event_type_value in self.EVENTS:
            _LANE["events"].put((_LANE["where"], event.step_key, event.event_type_value))


def _progress_logger_def():
    import dagster as dg

    @dg.logger(description="step progress to the `flywheel run` terminal")
    def progress(_init_context) -> logging.Logger:
        logger = logging.Logger("flywheel.progress", level=logging.DEBUG)
        logger.addHandler(_ForwardSteps())
        return logger

    return progress


def _lane_init(sandbox_workers: int, events=None) -> None:
    import dagster as dg

    from assets_defs.definitions import defs
    from assets_defs.resources import RESOURCES

    sandbox = RESOURCES["sandbox"].open(workers=sandbox_workers)  # local workers, or the Ray cluster's
    atexit.register(sandbox.close)
    instance = dg.DagsterInstance.get()
    atexit.register(instance.dispose)
    _LANE.update(defs=defs, instance=instance, sandbox=sandbox, events=events, where="",
                 resources={"sandbox": _shared_sandbox_resource(sandbox)}, logger=_progress_logger_def())


@dataclass
class Outcome:
    """One partition run, as a lane reports it."""

    ok: bool
    run_id: str
    seconds: float
    error: str  # the first failed step's error in one line ("" when ok)
    missing: list[str]  # isolation features the lane's sandbox lacks (empty where not reported)


def _process_token(pid: int) -> str | None:
    """``pid`` with its start time (a reused pid has another), or None when it is gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return f"{pid}:{stat.rsplit(')', 1)[1].split()[19]}"  # field 22, starttime in clock ticks


def _first_error(result) -> str:
    """The first failed step's error, one line: the run's full record is in Dagster."""
    for event in result.all_events:
        if event.is_step_failure and event.step_failure_data.error is not None:
            error = event.step_failure_data.error
            while error.cause is not None and error.cls_name.startswith("Dagster"):
                error = error.cause  # the project's own error, not Dagster's wrapper
            return f"{event.step_key}: {error.cls_name}: {error.message.strip().splitlines()[0]}"
    return "the run failed before any step (see the run in the Dagster UI)"


def _execute(job: str, round: int, domain: str | None, run_config: dict) -> Outcome:
    """Materialise one partition of ``job`` in this lane."""
    from assets_defs.partitions import partition_key

    t0 = time.perf_counter()
    key = partition_key(round, domain) if domain is not None else str(round)
    job_def = _LANE["defs"].resolve_job_def(job)
    if _LANE["events"] is not None:  # the parent shows each step: add the logger that tells it
        _LANE["where"] = domain or job
        job_def = job_def.with_logger_defs({**job_def.loggers, "progress": _LANE["logger"]})
        run_config = {**run_config, "loggers": {**run_config.get("loggers", {}), "progress": {}}}
    result = job_def.execute_in_process(
        instance=_LANE["instance"], partition_key=key, run_config=run_config, raise_on_error=False,
        resources=_LANE["resources"], tags={PROCESS_TAG: _process_token(os.getpid())})
    missing = list(getattr(_LANE["sandbox"], "isolation", {}).get("missing") or [])
    return Outcome(result.success, result.run_id, time.perf_counter() - t0,
                   "" if result.success else _first_error(result), missing)


@dataclass
class RoundSettings:
    plans: int
    seed: int
    lanes: int
    sandbox_workers: int
    debug: bool = False  # Dagster's console log of failed steps, with their tracebacks


def lanes_for(domains: int, lanes: int | None = None) -> tuple[int, int]:
    """(lanes, sandbox workers per lane): a lane per usable core by default, the cores shared out
    among the lanes' sandboxes. While one lane checks, hashes and writes, the others render."""
    from pipelines.sandbox.pool import usable_cores

    cores = usable_cores()
    n = max(1, min(domains, lanes or cores))
    return n, max(1, cores // n)


class _Steps:
    """The steps the lanes report, shown on the parent's progress line: on a terminal the line says
    which step each lane runs and advances per finished step; elsewhere each finished step is a line."""

    def __init__(self, line, events, rnd: int) -> None:
        self.line, self.events, self.rnd = line, events, rnd
        self.running: dict[str, tuple[str, float]] = {}  # partition -> (step, started)
        line.note("starting lanes")

    def drain(self) -> None:
        while True:
            try:
                where, step, kind = self.events.get_nowait()
            except (queue.Empty, OSError, EOFError):
                break
            if kind == "STEP_START":
                self.running[where] = (step, time.perf_counter())
            else:
                _, started = self.running.pop(where, (step, time.perf_counter()))
                self.line.advance()
                if not self.line.drawn:  # no live line (a log file): one line per finished step
                    self.line.write(f"round {self.rnd} · {where} · {step}: "
                                    f"{'done' if kind == 'STEP_SUCCESS' else 'FAILED'} in {time.perf_counter() - started:.1f} s")
        self.line.note(", ".join(f"{w}: {step}" for w, (step, _) in sorted(self.running.items())) or "starting lanes")

    def wait(self, futures) -> Iterator:
        """The futures as they finish, showing the lanes' steps meanwhile."""
        pending = set(futures)
        while pending:
            done, pending = cf.wait(pending, timeout=0.2, return_when=cf.FIRST_COMPLETED)
            self.drain()
            yield from done
        self.drain()


def _step_count(job: str) -> int:
    from assets_defs.definitions import defs

    return len(defs.resolve_job_def(job).graph.node_dict)


def run_rounds(rounds: list[int], domains: list[str], settings: RoundSettings,
               after_round: Callable[[int, list[str]], bool] = lambda rnd, missing: True,
               say: Callable[[str], None] = print) -> bool:
    """Materialise ``rounds`` (each: every domain partition, then coverage and benchmark, then
    ``after_round(round, isolation features the lanes' sandboxes lack)``); False at the first
    failed run, after saying which and why, or when ``after_round`` returns False. While a round
    runs, a progress line (:mod:`assets_defs.progress`) shows every lane's step; ``say`` lines
    are written above it."""
    import dagster as dg

    from assets_defs.partitions import ROUNDS
    from assets_defs.progress import LANE_ENV, live

    quiet = {"loggers": {"console": {"config": {"log_level": "WARNING" if settings.debug else "CRITICAL"}}}}
    flywheel = {"ops": {"plans": {"config": {"plans_per_domain": settings.plans, "seed": settings.seed}},
                        "expansions": {"config": {"seed": settings.seed}}}, **quiet}
    reports = ("coverage", "build_benchmark")
    with live("loading the definitions"), dg.DagsterInstance.get() as instance:
        instance.add_dynamic_partitions(ROUNDS.name, [str(r) for r in rounds])
        total = len(domains) * _step_count("flywheel") + sum(_step_count(job) for job in reports)
    # lanes fork from a clean server process that imported the heavy modules once (Dagster, the
    # definitions, Great Expectations: seconds each), not from this process's threads and handles
    ctx = mp.get_context("forkserver")
    ctx.set_forkserver_preload(PRELOAD)
    # the fork server (started by the first submit) and its lanes read this when they import tqdm;
    # this process imported it already and keeps drawing
    os.environ.update(LANE_ENV)
    events = ctx.Queue()
    with cf.ProcessPoolExecutor(settings.lanes, mp_context=ctx, initializer=_lane_init,
                                initargs=(settings.sandbox_workers, events)) as pool:
        for rnd in rounds:
            t_round = time.perf_counter()
            say(f"round {rnd}: {len(domains)} domain partitions in {settings.lanes} lanes "
                f"({settings.sandbox_workers} sandbox workers each)")
            with live(f"round {rnd}", total=total) as line:
                steps = _Steps(line, events, rnd)
                futures = {pool.submit(_execute, "flywheel", rnd, d, flywheel): d for d in domains}
                missing: set[str] = set()
                for fut in steps.wait(futures):
                    out = fut.result()
                    missing.update(out.missing)
                    line.write(f"round {rnd} · {futures[fut]}: {'ok' if out.ok else 'FAILED'} in {out.seconds:.1f} s "
                               f"(run {out.run_id[:8]}){'' if out.ok else ': ' + out.error}")
                    if not out.ok:
                        for other in futures:
                            other.cancel()
                        return False
                # the round's report and benchmark read what every domain wrote, not each other
                jobs = {pool.submit(_execute, job, rnd, None, quiet): job for job in reports}
                for fut in steps.wait(jobs):
                    out = fut.result()
                    if not out.ok:
                        line.write(f"round {rnd}: {jobs[fut]} FAILED (run {out.run_id[:8]}): {out.error}")
                        return False
            say(f"round {rnd}: {len(domains)} domains, coverage and benchmark in {time.perf_counter() - t_round:.0f} s")
            if not after_round(rnd, sorted(missing)):
                return False
    return True


def fail_stale_runs(instance) -> list[str]:
    """Mark failed the unfinished runs whose lane process is gone (killed with its round): Dagster
    would show them STARTED forever. Returns their run ids."""
    import dagster as dg

    unfinished = [dg.DagsterRunStatus.NOT_STARTED, dg.DagsterRunStatus.STARTING, dg.DagsterRunStatus.STARTED]
    stale = []
    for run in instance.get_runs(dg.RunsFilter(statuses=unfinished)):
        token = run.tags.get(PROCESS_TAG)
        if token and _process_token(int(token.split(":")[0])) != token:
            instance.report_run_failed(run, message=f"its process ({token.split(':')[0]}) is gone: the run was "
                                                    "killed; `flywheel run` marked it failed")
            stale.append(run.run_id)
    return stale


def _command_lines() -> list[bytes]:
    """Every running process's command line (Linux /proc; unreadable ones skipped)."""
    lines = []
    for path in glob.glob("/proc/[0-9]*/cmdline"):
        try:
            lines.append(Path(path).read_bytes())
        except OSError:
            continue
    return lines


def _unused(folders: list[str]) -> list[str]:
    """The ``folders`` that no running process's command line names (a worker names its own)."""
    in_use = b"\0".join(_command_lines())
    return [f for f in folders if (f + "/").encode() not in in_use]


def remove_orphan_sandbox_dirs(min_age_s: float = SANDBOX_GRACE_S, recheck_s: float = 1.0) -> list[str]:
    """Remove the sandbox temp folders that no live worker uses (a worker's command line names its
    folder, and workers die with the process that started them). A folder younger than
    ``min_age_s`` is kept: its sandbox may not have started a worker yet; a folder must stay unused
    over ``recheck_s``, so a sandbox replacing a dead worker keeps its folder."""
    old = []
    from pipelines.sandbox.pool import TEMP_PREFIX

    for folder in glob.glob(os.path.join(tempfile.gettempdir(), TEMP_PREFIX + "*")):
        try:
            st = os.stat(folder)
        except OSError:
            continue
        if st.st_uid == os.getuid() and time.time() - st.st_mtime >= min_age_s:
            old.append(folder)
    candidates = _unused(old)
    if candidates:
        time.sleep(recheck_s)
        candidates = _unused(candidates)
    for folder in candidates:
        shutil.rmtree(folder, ignore_errors=True)
    return candidates


def clean_stale(instance) -> str | None:
    """Fail the runs and remove the sandbox folders of killed processes; one line saying what was
    cleaned, or None when nothing was."""
    runs, folders = fail_stale_runs(instance), remove_orphan_sandbox_dirs()
    if not runs and not folders:
        return None
    return (f"cleaned up after a killed run: {len(runs)} unfinished Dagster run(s) marked failed, "
            f"{len(folders)} orphaned sandbox folder(s) removed")
