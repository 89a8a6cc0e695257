"""How close a whole flywheel round comes to the machine's rendering bound, measured in one run.

    .venv/bin/python bench/flywheel_throughput.py [--plans 24] [--domains a,b,...] [--lanes N]

1. A real round through ``flywheel run`` (a subprocess on a fresh data root, as a user runs it;
   the wall time includes its start-up, the benchmark build and the summary).
   round renders = every image the sandbox produced for the round: each render row's figure plus
   its interaction images (first attempts, repairs, expansions) and the perception-only figures.
2. The bound: the same round's own rendering work replayed as raw warm matplotlib (exec + savefig
   PNG, no sandbox, no checks) in one forked process per usable core: every render row's figure
   code, then its interaction chain (each step's code on the previous step's image, as the render
   stage runs it). Also printed: the rate over the figure code alone (first attempts only).

3. The same work through the project's Sandbox alone (warm zygotes, hardened children, no checks,
   no Dagster): the sandboxed bound.
4. Where the CPU went, in core-seconds, when this machine lets the bench make a cpuacct cgroup
   (root, cgroup v1 or v2): the round's whole process tree, the sandbox replay and the raw replay.
   Core-seconds do not depend on what else the machine runs, so these figures stay meaningful on a
   busy machine where the rates do not; raw/round core-seconds is the ratio a round would reach
   with both cores busy all the time.

Last line: ``flywheel_throughput ratio=R round_renders_per_s=X bound_renders_per_s=X samples_per_s=X``
with R = round renders/s / bound renders/s over the same kind of work: the share of the machine's
rendering capacity the round turned into images (1.0 = a round that did nothing but render).
"""

from __future__ import annotations

import argparse
import io
import math
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

DOMAINS = ("plane_geometry", "statistics_charts", "graph_theory", "physics_mechanics", "fractions_area_models",
           "clocks_calendars_money")


class CpuMeter:
    """Core-seconds used by a process tree, through a cpuacct cgroup of its own (None where the
    machine does not allow one: not root, or no cpu accounting controller)."""

    def __init__(self, path: str, usage: str) -> None:
        self.path, self.usage = path, usage

    @classmethod
    def make(cls, name: str) -> CpuMeter | None:
        for base, usage in (("/sys/fs/cgroup/cpuacct", "cpuacct.usage"), ("/sys/fs/cgroup/cpu,cpuacct", "cpuacct.usage"),
                            ("/sys/fs/cgroup", "cpu.stat")):
            if not os.path.exists(os.path.join(base, usage)) and base != "/sys/fs/cgroup":
                continue
            path = os.path.join(base, f"{name}-{os.getpid()}")
            try:
                os.makedirs(path, exist_ok=True)
                if os.path.exists(os.path.join(path, usage)):
                    return cls(path, usage)
            except OSError:
                continue
        return None

    def join(self) -> None:
        """Move the calling process (and so everything it starts) into the cgroup."""
        with open(os.path.join(self.path, "cgroup.procs"), "w") as f:
            f.write(str(os.getpid()))

    def seconds(self) -> float:
        with open(os.path.join(self.path, self.usage)) as f:
            text = f.read()
        if self.usage == "cpu.stat":
            return int(dict(line.split() for line in text.splitlines())["usage_usec"]) / 1e6
        return int(text) / 1e9

    def remove(self) -> None:
        try:
            os.rmdir(self.path)
        except OSError:
            pass


def in_cgroup(meter: CpuMeter | None, fn) -> tuple[float, float | None]:
    """Run ``fn()`` in a forked child inside ``meter``'s cgroup: (wall seconds, core-seconds)."""
    t = time.perf_counter()
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            if meter is not None:
                meter.join()
            fn()
            code = 0
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    wall = time.perf_counter() - t
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit("a replay failed")
    return wall, (meter.seconds() if meter is not None else None)


def run_round(root: Path, plans: int, domains: list[str], lanes: int | None,
              meter: CpuMeter | None = None) -> float:
    """Wall seconds of ``flywheel run --round 1`` on a fresh root."""
    env = {**os.environ, "FLYWHEEL_DATA_ROOT": str(root / "lake"), "DAGSTER_HOME": str(root / "dagster")}
    cmd = [str(REPO / ".venv/bin/flywheel"), "run", "--round", "1", "--plans", str(plans), "--domains", ",".join(domains)]
    if lanes:
        cmd += ["--lanes", str(lanes)]
    t = time.perf_counter()
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, preexec_fn=meter.join if meter else None)
    wall = time.perf_counter() - t
    if done.returncode != 0:
        sys.exit(f"flywheel run failed ({done.returncode}):\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    return wall


def round_work(lake_root: Path) -> tuple[int, int, list[tuple[str, list[str], dict, dict]], list[str]]:
    """(sandbox images of the round, accepted samples, render work: one (figure code, interaction
    codes in order, pixel positions of the figure's elements, the elements' data positions) per
    rendered draft attempt, first-attempt figure codes)."""
    from warehouse.catalog import connect

    con = connect(lake_root, ["renders", "perception_figures", "samples", "drafts"])
    renders = con.execute("SELECT count(*) + coalesce(sum(len(interaction_image_ids)), 0) FROM renders").fetchone()[0]
    figures = con.execute("SELECT count(*) FROM perception_figures").fetchone()[0]
    samples = con.execute("SELECT count(*) FROM samples").fetchone()[0]
    rows = con.execute("""
        SELECT d.render_code, [i.code FOR i IN d.interactions], r.points_px,
               [s FOR s IN r.interaction_status], d.elements
        FROM drafts d JOIN renders r USING (sample_id, attempt) WHERE r.status = 'ok'
        ORDER BY d.sample_id, d.attempt""").fetchall()
    work = []
    for code, steps, points, status, elements in rows:
        done = [c for c, st in zip(steps, status) if st == "ok"]
        work.append((code, done, {p["name"]: (p["x"], p["y"]) for p in points},
                     {e["name"]: (e["x"], e["y"]) for e in elements}))
    codes = [r[0] for r in con.execute("SELECT render_code FROM drafts WHERE attempt = 0").fetchall()]
    return int(renders + figures), int(samples), work, codes


def _render(code: str, g: dict) -> bytes:
    import matplotlib.pyplot as plt

    try:
        exec(code, g)  # noqa: S102 - the round's own code, already checked by the sandbox
        buf = io.BytesIO()
        plt.gcf().savefig(buf, format="png", dpi=plt.gcf().dpi)
        return buf.getvalue()
    finally:
        plt.close("all")


def _render_loop(work: list[tuple[str, list[str], dict]], tmp: str) -> int:
    """Render ``work`` raw; the number of images made."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    made = 0
    path = f"{tmp}/current-{os.getpid()}.png"
    for code, steps, points, _ in work:
        png = _render(code, {"__name__": "__main__", "plt": plt, "np": np, "math": math})
        made += 1
        for step in steps:
            with open(path, "wb") as f:
                f.write(png)
            png = _render(step, {"__name__": "__main__", "plt": plt, "np": np, "math": math, "P": points,
                                 "image_path": path})
            made += 1
    return made


def bound(work: list[tuple[str, list[str], dict]], procs: int) -> float:
    """Images/s of ``work`` rendered raw in ``procs`` forked warm processes."""
    with tempfile.TemporaryDirectory(prefix="flywheel-bound-") as tmp:
        _render_loop(work[:5], tmp)  # warm: imports, fonts
        shares = [work[i::procs] for i in range(procs)]
        images = sum(1 + len(steps) for _, steps, _, _ in work)
        t = time.perf_counter()
        pids = []
        for share in shares:
            pid = os.fork()
            if pid == 0:
                try:
                    _render_loop(share, tmp)
                finally:
                    os._exit(0)
            pids.append(pid)
        for pid in pids:
            os.waitpid(pid, 0)
        return images / (time.perf_counter() - t)


def sandboxed(work: list[tuple[str, list[str], dict, dict]]) -> None:
    """The round's render work through the project's Sandbox alone, chained as the render stage
    chains it (interaction k of every draft after interaction k-1)."""
    from pipelines.sandbox import Sandbox, Task

    with Sandbox() as sb:
        sb.map([Task(code=c, elements=e) for c, _, _, e in work[:5]])  # warm, as in the raw loop
        figures = sb.map([Task(code=c, elements=e) for c, _, _, e in work])
        current = [f.png if f.ok else None for f in figures]
        for k in range(max((len(s) for _, s, _, _ in work), default=0)):
            todo = [i for i, (_, s, _, _) in enumerate(work) if k < len(s) and current[i] is not None]
            done = sb.map([Task(code=work[i][1][k], image_png=current[i], points_px=figures[i].points_px) for i in todo])
            for i, r in zip(todo, done):
                current[i] = r.png if r.ok else None


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--plans", type=int, default=24, help="plans per domain (default 24)")
    ap.add_argument("--domains", default=",".join(DOMAINS), help="comma-separated domains")
    ap.add_argument("--lanes", type=int, default=None, help="flywheel run --lanes (default: its own)")
    args = ap.parse_args()
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # as in the sandbox workers
    procs = len(os.sched_getaffinity(0))
    domains = args.domains.split(",")
    meters = {k: CpuMeter.make(f"flywheel-throughput-{k}") for k in ("round", "sandbox", "raw")}
    with tempfile.TemporaryDirectory(prefix="flywheel-throughput-") as tmp:
        print(f"round: {len(domains)} domains x {args.plans} plans through flywheel run ...", file=sys.stderr, flush=True)
        wall = run_round(Path(tmp), args.plans, domains, args.lanes, meters["round"])
        images, samples, work, codes = round_work(Path(tmp) / "lake")
    print(f"bound: the round's {len(work)} renders with their interactions, raw, in {procs} processes ...",
          file=sys.stderr, flush=True)
    limit = bound(work, procs)
    figures_only = bound([(c, [], {}, {}) for c in codes], procs)
    print("sandboxed bound and core-seconds: the same work through the Sandbox alone, then raw ...",
          file=sys.stderr, flush=True)
    replayed = sum(1 + len(s) for _, s, _, _ in work)
    sb_wall, sb_cpu = in_cgroup(meters["sandbox"], lambda: sandboxed(work))
    _, raw_cpu = in_cgroup(meters["raw"], lambda: bound(work, procs))
    round_cpu = meters["round"].seconds() if meters["round"] is not None else None
    for m in meters.values():
        if m is not None:
            m.remove()
    rate = images / wall
    print(f"round: {wall:.1f} s wall, {images} sandbox images, {samples} samples")
    print(f"bound: {limit:.1f} images/s raw for the round's own work ({procs} processes); "
          f"{figures_only:.1f} figures/s over its {len(codes)} first-attempt figures alone "
          f"(ratio against that: {rate / figures_only:.2f})")
    print(f"sandboxed bound: {replayed / sb_wall:.1f} images/s for the same work through the Sandbox alone "
          f"(ratio against it: {rate / (replayed / sb_wall):.2f})")
    if round_cpu is not None and sb_cpu is not None and raw_cpu is not None:
        print(f"core-seconds: round {round_cpu:.1f} ({round_cpu / images * 1000:.0f} ms/image), sandbox alone "
              f"{sb_cpu:.1f} ({sb_cpu / replayed * 1000:.0f} ms/image), raw {raw_cpu:.1f} "
              f"({raw_cpu / replayed * 1000:.0f} ms/image); at full CPU use a round reaches "
              f"raw/round = {raw_cpu / replayed / (round_cpu / images):.2f}, the sandbox alone "
              f"raw/sandbox = {raw_cpu / sb_cpu:.2f}")
    else:
        print("core-seconds: not measured (no cpuacct cgroup could be made here; run as root)")
    print(f"flywheel_throughput ratio={rate / limit:.2f} round_renders_per_s={rate:.2f} "
          f"bound_renders_per_s={limit:.2f} samples_per_s={samples / wall:.2f}")


if __name__ == "__main__":
    main()
