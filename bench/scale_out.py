"""One flywheel round scaled out on this machine, compared with the same round run locally.

    .venv/bin/python bench/scale_out.py [--plans 8] [--domains a,b,c] [--cpus-per-node 1]

Starts (tests/servers.py, all on 127.0.0.1, stopped by pid at the end):
  * a 2-node Ray cluster (`ray start --head` and `ray start --address=...`, ``--cpus-per-node`` each),
  * an S3-compatible server (moto) with a bucket ``lake``,
  * PostgreSQL 15, holding the Dagster instance of deploy/dagster.yaml.
Then runs ``flywheel run --round 1`` for 3 domains twice, as subprocesses:
  scaled out - Dagster on PostgreSQL, renders/repairs/expansions on the Ray cluster's warm sandboxes
               (FLYWHEEL_RAY_ADDRESS), the lake at s3://lake/flywheel (FLYWHEEL_DATA_ROOT);
  local      - the default settings: sqlite Dagster home, local sandbox pool, local lake.
and compares the two lakes' samples (sample ids, answers, image ids, interaction image ids).

Also measured: Ray's per-task overhead on the round's own figure code (one actor call per batch,
driver wall time minus the time inside the actor, per task, against the render time per task).

Last line: ``scale_out nodes=2 samples=N identical=true|false ray_s=X local_s=X``
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.servers import postgres_server, ray_cluster, s3_server  # noqa: E402

DOMAINS = ("plane_geometry", "statistics_charts", "graph_theory")
SAMPLE_COLUMNS = ["sample_id", "answer", "image_id", "interactions"]


CPUACCT = Path("/sys/fs/cgroup/cpuacct")  # cgroup v1 CPU accounting: every process of a tree, reaped or not


def flywheel_round(env: dict, plans: int, domains: list[str], log: Path) -> tuple[float, float | None]:
    """Wall seconds and CPU seconds of ``flywheel run --round 1`` with ``env`` (the command and
    every process it starts: lanes, sandbox workers, tasks; not Ray's actors), counted by a cpuacct
    cgroup of its own where one can be made (else None); its output goes to ``log``."""
    group = CPUACCT / f"scale_out-{os.getpid()}-{log.stem}"
    try:
        group.mkdir()
    except OSError:
        group = None

    def enter_group() -> None:
        if group is not None:
            (group / "cgroup.procs").write_text(str(os.getpid()))

    t0 = time.perf_counter()
    with open(log, "w") as out:
        code = subprocess.run([str(REPO / ".venv/bin/flywheel"), "run", "--round", "1", "--plans", str(plans),
                               "--domains", ",".join(domains)], cwd=REPO, env=env, stdout=out,
                              stderr=subprocess.STDOUT, preexec_fn=enter_group).returncode
    seconds = time.perf_counter() - t0
    cpu = None
    if group is not None:
        cpu = int((group / "cpuacct.usage").read_text()) / 1e9
        for _ in range(50):  # the tree's last processes are gone a moment after the command
            try:
                group.rmdir()
                break
            except OSError:
                time.sleep(0.1)
    if code != 0:
        sys.exit(f"flywheel run failed ({code}); its output:\n{log.read_text()[-4000:]}")
    return seconds, cpu


def samples_of(root: str, env: dict) -> list[tuple]:
    """(sample id, answer, image id, interaction image ids) of every sample, sorted."""
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        from warehouse.storage import Lake

        rows = Lake(root).read("samples", columns=SAMPLE_COLUMNS).to_pylist()
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    return sorted((r["sample_id"], r["answer"], r["image_id"], tuple(i["image_id"] for i in r["interactions"]))
                  for r in rows)


def changed_since(t: float) -> list[str]:
    """Project source files modified after ``t`` (a change between the two rounds breaks the comparison)."""
    return sorted(str(f.relative_to(REPO)) for d in ("pipelines", "knowledge", "warehouse", "assets_defs")
                  for f in (REPO / d).rglob("*") if f.is_file() and f.suffix in (".py", ".yaml")
                  and f.stat().st_mtime > t)


def wait_for_nodes(address: str, nodes: int, timeout_s: float = 120.0) -> None:
    """Until the cluster's resource view lists ``nodes`` alive nodes (this process stays a driver)."""
    import ray

    from pipelines.distributed.ray_pool import connect

    connect(address)
    deadline = time.monotonic() + timeout_s
    while sum(n["Alive"] for n in ray.nodes()) < nodes:
        if time.monotonic() > deadline:
            sys.exit(f"the Ray cluster at {address} did not show {nodes} nodes in {timeout_s:.0f} s")
        time.sleep(0.5)


def ray_overhead(address: str, root: str, env: dict) -> list[str]:
    """Ray's cost per task on the round's own matplotlib figures, calls not overlapped: driver wall
    time of each actor call minus the time inside the actor, per task, against the render time
    per task inside one worker; one task per call (the worst case) and the default batches."""
    os.environ.update(env)
    from pipelines.distributed.ray_pool import BATCH, RaySandboxPool, shutdown
    from pipelines.sandbox import Task
    from warehouse.storage import Lake

    drafts = Lake(root).read("drafts", columns=["render_code", "renderer"]).to_pylist()
    tasks = [Task(code=d["render_code"]) for d in drafts if d["renderer"] == "matplotlib"]
    lines = []
    for batch in (1, BATCH):
        pool = RaySandboxPool(address, batch=batch, in_flight=1)
        pool.map(tasks[:4])  # warm
        pool.overhead = type(pool.overhead)()
        results = pool.map(tasks)
        o = pool.overhead
        render_ms = 1000 * o.inside_s / max(1, o.tasks) * pool.workers / len(pool.nodes)  # per task, one worker
        lines.append(f"ray_overhead batch={batch} tasks={o.tasks} ok={sum(r.ok for r in results)} calls={o.calls} "
                     f"per_task_ms={o.per_task_ms:.2f} render_ms_per_task={render_ms:.1f} "
                     f"share={o.per_task_ms / max(1e-9, render_ms):.3f}")
    shutdown(address)
    return lines


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--plans", type=int, default=8, help="plans per domain")
    ap.add_argument("--domains", default=",".join(DOMAINS))
    ap.add_argument("--cpus-per-node", type=int, default=1)
    args = ap.parse_args()
    domains = [d for d in args.domains.split(",") if d]
    work = Path(tempfile.mkdtemp(prefix="scale_out-"))
    base = {k: v for k, v in os.environ.items() if not k.startswith(("FLYWHEEL_", "AWS_", "DAGSTER_"))}
    t0, started = time.perf_counter(), time.time()
    with ray_cluster(2, args.cpus_per_node) as address, s3_server("lake") as s3, postgres_server() as pg:
        wait_for_nodes(address, 2)
        print(f"servers up in {time.perf_counter() - t0:.1f} s: ray {address} (2 nodes), s3 {s3['AWS_ENDPOINT_URL']}, "
              f"postgres {pg.rsplit('@', 1)[1]}", flush=True)
        home = work / "dagster_pg"
        home.mkdir()
        (home / "dagster.yaml").write_text((REPO / "deploy" / "dagster.yaml").read_text())
        remote_root = "s3://lake/flywheel"
        scaled = {**base, **s3, "DAGSTER_HOME": str(home), "DAGSTER_PG_URL": pg, "FLYWHEEL_MAX_RUNS": "4",
                  "FLYWHEEL_DATA_ROOT": remote_root, "FLYWHEEL_RAY_ADDRESS": address}
        ray_s, _ = flywheel_round(scaled, args.plans, domains, work / "scaled.log")
        print(f"scaled out (Ray + s3 + postgres): {ray_s:.1f} s; log {work / 'scaled.log'}", flush=True)
        local_root = str(work / "lake")
        local = {**base, "DAGSTER_HOME": str(work / "dagster_local"), "FLYWHEEL_DATA_ROOT": local_root}
        local_s, local_cpu = flywheel_round(local, args.plans, domains, work / "local.log")
        on_s3, on_disk = samples_of(remote_root, s3), samples_of(local_root, {})
        cost = "n/a" if local_cpu is None else f"{local_cpu:.0f} CPU s = {local_cpu / max(1, len(on_disk)):.2f} CPU s"
        print(f"local (default settings): {local_s:.1f} s, {cost} per accepted sample; log {work / 'local.log'}",
              flush=True)
        for line in ray_overhead(address, remote_root, s3):
            print(line, flush=True)
    identical = on_s3 == on_disk and bool(on_disk)
    edited = changed_since(started)
    if edited:
        print(f"the project's code changed while the bench ran, so the rounds ran different code: {edited[:5]}")
    if not identical:
        only = sorted(set(on_s3) ^ set(on_disk))[:5]
        print(f"differences (first 5 of the symmetric difference): {only}")
    print(f"scale_out nodes=2 samples={len(on_s3)} identical={str(identical).lower()} "
          f"ray_s={ray_s:.1f} local_s={local_s:.1f}")


if __name__ == "__main__":
    main()
