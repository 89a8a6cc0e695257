"""Run flywheel rounds through Dagster with the machine busy: a round's domain partitions run
concurrently in *lanes* (worker processes, each with its own warm sandbox and Dagster instance
handle), then the round's coverage report and benchmark run in a lane too. Rounds run in order:
round r + 1 plans from what round r evolved. One writer per data root at a time (lock file)."""

from __future__ import annotations

import atexit
import concurrent.futures as cf
import fcntl
import json
import multiprocessing as mp
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

LOCK_NAME = ".flywheel-writer.lock"
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


def _lane_init(sandbox_workers: int) -> None:
    import dagster as dg

    from assets_defs.definitions import defs
    from assets_defs.resources import RESOURCES
    from pipelines.sandbox import Limits, Sandbox

    cfg = RESOURCES["sandbox"]
    sandbox = Sandbox(workers=sandbox_workers, limits=Limits(timeout_s=cfg.timeout_s, memory_mb=cfg.memory_mb))
    atexit.register(sandbox.close)
    instance = dg.DagsterInstance.get()
    atexit.register(instance.dispose)
    _LANE.update(defs=defs, instance=instance, resources={"sandbox": _shared_sandbox_resource(sandbox)})


def _execute(job: str, round: int, domain: str | None, run_config: dict) -> tuple[bool, str, float]:
    """Materialise one partition of ``job`` in this lane: (success, run id, seconds)."""
    from assets_defs.partitions import partition_key

    t0 = time.perf_counter()
    key = partition_key(round, domain) if domain is not None else str(round)
    result = _LANE["defs"].resolve_job_def(job).execute_in_process(
        instance=_LANE["instance"], partition_key=key, run_config=run_config, raise_on_error=False,
        resources=_LANE["resources"])
    return result.success, result.run_id, time.perf_counter() - t0


@dataclass
class RoundSettings:
    plans: int
    seed: int
    lanes: int
    sandbox_workers: int


def lanes_for(domains: int, lanes: int | None = None) -> tuple[int, int]:
    """(lanes, sandbox workers per lane): a lane per usable core by default, the cores shared out
    among the lanes' sandboxes. While one lane checks, hashes and writes, the others render."""
    from pipelines.sandbox.pool import usable_cores

    cores = usable_cores()
    n = max(1, min(domains, lanes or cores))
    return n, max(1, cores // n)


def run_rounds(rounds: list[int], domains: list[str], settings: RoundSettings,
               after_round: Callable[[int], None] = lambda rnd: None, say: Callable[[str], None] = print) -> bool:
    """Materialise ``rounds`` (each: every domain partition, then coverage and benchmark, then
    ``after_round``); False at the first failure, after saying which run failed."""
    import dagster as dg

    from assets_defs.partitions import ROUNDS

    quiet = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}
    flywheel = {"ops": {"plans": {"config": {"plans_per_domain": settings.plans, "seed": settings.seed}},
                        "expansions": {"config": {"seed": settings.seed}}}, **quiet}
    with dg.DagsterInstance.get() as instance:
        instance.add_dynamic_partitions(ROUNDS.name, [str(r) for r in rounds])
    # lanes fork from a clean server process that imported the heavy modules once (Dagster, the
    # definitions, Great Expectations: seconds each), not from this process's threads and handles
    ctx = mp.get_context("forkserver")
    ctx.set_forkserver_preload(PRELOAD)
    with cf.ProcessPoolExecutor(settings.lanes, mp_context=ctx, initializer=_lane_init,
                                initargs=(settings.sandbox_workers,)) as pool:
        for rnd in rounds:
            t_round = time.perf_counter()
            futures = {pool.submit(_execute, "flywheel", rnd, d, flywheel): d for d in domains}
            say(f"round {rnd}: {len(domains)} domain partitions in {settings.lanes} lanes "
                f"({settings.sandbox_workers} sandbox workers each)")
            for fut in cf.as_completed(futures):
                ok, run_id, seconds = fut.result()
                say(f"round {rnd} · {futures[fut]}: {'ok' if ok else 'FAILED'} in {seconds:.1f} s (run {run_id[:8]})")
                if not ok:
                    for other in futures:
                        other.cancel()
                    return False
            # the round's report and benchmark read what every domain wrote, not each other
            reports = {job: pool.submit(_execute, job, rnd, None, quiet) for job in ("coverage", "build_benchmark")}
            for job, fut in reports.items():
                ok, run_id, seconds = fut.result()
                if not ok:
                    say(f"round {rnd}: {job} FAILED (run {run_id[:8]})")
                    return False
            say(f"round {rnd}: {len(domains)} domains, coverage and benchmark in {time.perf_counter() - t_round:.0f} s")
            after_round(rnd)
    return True
