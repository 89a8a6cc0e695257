"""The sandbox pool on a Ray cluster: one warm project Sandbox per node, held by a Ray actor.

Stages call ``map(tasks, limits)`` as on the local :class:`~pipelines.sandbox.Sandbox`. Tasks go out
in contiguous batches, one actor call per batch (a Ray call costs about a millisecond, a figure tens
of milliseconds: batching keeps Ray under a few percent of the render time), to whichever node's
actor has room, and come back in the caller's order. Each result is the sandbox's own
:class:`~pipelines.sandbox.Result`, computed by the same zygote code, so a partition rendered here
is byte for byte the partition rendered locally.

The actors are named and detached (namespace ``flywheel``): every step, run and lane pointed at the
cluster reuses the same warm sandboxes instead of starting zygotes per step. :func:`shutdown`
removes them (``ray stop`` on the nodes does too). Every node must have the project installed
(the workers import ``pipelines``); Ray is the optional ``ray`` extra.
"""

from __future__ import annotations

import logging
import math
import os
import time
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass

from pipelines.sandbox.types import Limits, Result, Task

ENV_ADDRESS = "FLYWHEEL_RAY_ADDRESS"  # e.g. 10.0.0.5:6379 or ray://head:10001; unset = the local pool
NAMESPACE = "flywheel"
ACTOR_PREFIX = "flywheel-sandbox"
BATCH = 32  # most tasks in one actor call
IN_FLIGHT = 2  # calls queued per actor, so its workers do not idle during a round trip
START_TIMEOUT_S = 300.0  # an actor places, imports matplotlib and probes its sandbox
_log = logging.getLogger(__name__)


def ray_address() -> str:
    """The configured cluster address (``$FLYWHEEL_RAY_ADDRESS``), "" when Ray is not in use."""
    return os.environ.get(ENV_ADDRESS, "").strip()


def connect(address: str) -> None:
    """Join the cluster at ``address`` as a driver (once per process)."""
    import ray

    if not address:
        raise ValueError(f"no Ray address: set {ENV_ADDRESS} (head:port or ray://head:10001) or the sandbox "
                         "resource's ray_address")
    if not ray.is_initialized():
        ray.init(address=address, namespace=NAMESPACE, log_to_driver=False, logging_level=logging.WARNING)


class SandboxActor:
    """A node's warm Sandbox (the class Ray runs as an actor)."""

    def __init__(self, workers: int, strict: bool) -> None:
        from pipelines.sandbox import Sandbox

        self._sandbox = Sandbox(workers=workers, strict=strict)

    def isolation(self) -> dict:
        return self._sandbox.isolation

    def map(self, tasks: list[Task], limits: Limits) -> tuple[list[Result], float]:
        """The results and the seconds spent inside the actor (for the overhead figure)."""
        t0 = time.perf_counter()
        out = self._sandbox.map(tasks, limits=limits)
        return out, time.perf_counter() - t0

    def close(self) -> None:
        self._sandbox.close()


@dataclass
class Overhead:
    """What Ray adds: driver-side wall time of each call minus the time spent inside the actor."""

    calls: int = 0
    tasks: int = 0
    wall_s: float = 0.0
    inside_s: float = 0.0

    def add(self, tasks: int, wall_s: float, inside_s: float) -> None:
        self.calls += 1
        self.tasks += tasks
        self.wall_s += wall_s
        self.inside_s += inside_s

    @property
    def per_task_ms(self) -> float:
        return 1000 * max(0.0, self.wall_s - self.inside_s) / max(1, self.tasks)

    @property
    def share(self) -> float:
        """Ray's share of a task's time, as seen by the caller."""
        return max(0.0, self.wall_s - self.inside_s) / max(1e-9, self.wall_s)


def _nodes() -> list[tuple[str, int]]:
    """(node id, CPUs) of every alive node that offers CPUs."""
    import ray

    return sorted((n["NodeID"], int(n["Resources"].get("CPU", 0))) for n in ray.nodes()
                  if n.get("Alive") and n["Resources"].get("CPU", 0) >= 1)


class RaySandboxPool:
    """The local pool's interface (``map``, ``run``, ``isolation``, ``workers``, ``close``) over one
    warm Sandbox actor per Ray node, each with ``workers_per_node`` workers (default: the node's CPUs).

    ``in_flight`` calls per actor overlap one batch's round trip with the next batch's rendering."""

    def __init__(self, address: str | None = None, limits: Limits = Limits(), strict: bool | None = None,
                 workers_per_node: int = 0, batch: int = BATCH, in_flight: int = IN_FLIGHT) -> None:
        import ray
        from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

        from pipelines.sandbox.pool import strict_default

        connect(address if address is not None else ray_address())
        self.limits = limits
        self.strict = strict_default() if strict is None else bool(strict)
        self.batch = max(1, int(batch))
        self.in_flight = max(1, int(in_flight))
        self.overhead = Overhead()
        nodes = _nodes()
        if not nodes:
            raise RuntimeError("the Ray cluster has no alive node with a CPU")
        remote = ray.remote(SandboxActor)
        self._actors = []
        self.nodes = []
        for node_id, cpus in nodes:
            workers = workers_per_node or cpus
            name = f"{ACTOR_PREFIX}-{node_id[:16]}-{workers}w-{'strict' if self.strict else 'lax'}"
            actor = remote.options(
                name=name, namespace=NAMESPACE, lifetime="detached", get_if_exists=True,
                num_cpus=min(workers, cpus), max_concurrency=self.in_flight, max_restarts=1, max_task_retries=1,
                scheduling_strategy=NodeAffinitySchedulingStrategy(node_id, soft=False),
            ).remote(workers, self.strict)
            self._actors.append(actor)
            self.nodes.append((node_id, workers))
        self.workers = sum(w for _, w in self.nodes)
        try:  # every actor's sandbox started (a strict refusal names what is missing on which node)
            isolations = ray.get([a.isolation.remote() for a in self._actors], timeout=START_TIMEOUT_S)
        except ray.exceptions.GetTimeoutError:
            raise RuntimeError(f"Ray sandbox actors did not start within {START_TIMEOUT_S:.0f} s: does every node "
                               f"have {workers_per_node or 'its'} CPUs free ({self.nodes})?") from None
        except ray.exceptions.RayError as err:
            from pipelines.sandbox import WorkerStartError

            raise WorkerStartError(f"a Ray node's sandbox did not start: {err}") from err
        self.isolation = dict(isolations[0])
        self.isolation["missing"] = sorted({m for iso in isolations for m in iso.get("missing", [])})

    def map(self, tasks: Sequence[Task], limits: Limits | None = None, progress: bool = False) -> list[Result]:
        """Run ``tasks`` over every node's sandbox; results in the order of ``tasks``."""
        import ray

        tasks = list(tasks)
        if not tasks:
            return []
        lim = limits or self.limits
        size = max(1, min(self.batch, math.ceil(len(tasks) / len(self._actors))))
        todo = deque((i, tasks[i:i + size]) for i in range(0, len(tasks), size))
        free = deque(a for _ in range(self.in_flight) for a in self._actors)
        pending: dict = {}
        results: list[Result | None] = [None] * len(tasks)
        bar = None
        if progress:
            from tqdm.auto import tqdm
            bar = tqdm(total=len(tasks), desc="sandbox (ray)", unit="task")
        while todo or pending:
            while todo and free:
                actor, (start, chunk) = free.popleft(), todo.popleft()
                pending[actor.map.remote(chunk, lim)] = (actor, start, chunk, time.perf_counter())
            done, _ = ray.wait(list(pending), num_returns=1)
            for ref in done:
                actor, start, chunk, t0 = pending.pop(ref)
                try:
                    out, inside = ray.get(ref)
                    self.overhead.add(len(chunk), time.perf_counter() - t0, inside)
                except ray.exceptions.RayError as err:  # the node or its actor died twice: charge the batch
                    first = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
                    out = [Result(status="crash", error=f"Ray sandbox actor failed: {first}")] * len(chunk)
                results[start:start + len(chunk)] = out
                free.append(actor)
                if bar is not None:
                    bar.update(len(chunk))
        if bar is not None:
            bar.close()
        return results  # type: ignore[return-value]

    def run(self, task: Task, limits: Limits | None = None) -> Result:
        return self.map([task], limits)[0]

    def close(self) -> None:
        """Drop this pool's handles; the detached actors stay warm for the next step (see :func:`shutdown`)."""
        self._actors = []

    def __enter__(self) -> RaySandboxPool:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"RaySandboxPool(nodes={len(self.nodes)}, workers={self.workers})"


def shutdown(address: str | None = None) -> int:
    """Close and remove every sandbox actor of the cluster; returns how many."""
    import ray

    connect(address if address is not None else ray_address())
    names = [a["name"] for a in ray.util.list_named_actors(all_namespaces=True)
             if a.get("namespace") == NAMESPACE and a["name"].startswith(ACTOR_PREFIX)]
    for name in names:
        actor = ray.get_actor(name, namespace=NAMESPACE)
        try:
            ray.get(actor.close.remote(), timeout=30)
        except ray.exceptions.RayError:
            pass
        ray.kill(actor, no_restart=True)
    return len(names)
