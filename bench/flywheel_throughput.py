"""How close a whole flywheel round comes to the machine's rendering bound, measured in one run.

    .venv/bin/python bench/flywheel_throughput.py [--plans 24] [--domains a,b,...] [--lanes N]

1. A real round through ``flywheel run`` (a subprocess on a fresh data root, as a user runs it;
   the wall time includes its start-up, the benchmark build and the summary).
   round renders = every image the sandbox produced for the round: each render row's figure plus
   its interaction images (first attempts, repairs, expansions) and the perception-only figures.
2. The bound: the raw warm matplotlib render rate of the same round's own figure code
   (``drafts.render_code``: exec + savefig PNG, no sandbox) in one forked process per usable core.

Last line: ``flywheel_throughput ratio=R round_renders_per_s=X bound_renders_per_s=X samples_per_s=X``
with R = round renders/s / bound renders/s. An interaction image replays its figure plus the
interaction code, so it costs at least one figure render: R is a lower bound on how much of the
machine's rendering capacity the round used.
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


def run_round(root: Path, plans: int, domains: list[str], lanes: int | None) -> float:
    """Wall seconds of ``flywheel run --round 1`` on a fresh root."""
    env = {**os.environ, "FLYWHEEL_DATA_ROOT": str(root / "lake"), "DAGSTER_HOME": str(root / "dagster")}
    cmd = [str(REPO / ".venv/bin/flywheel"), "run", "--round", "1", "--plans", str(plans), "--domains", ",".join(domains)]
    if lanes:
        cmd += ["--lanes", str(lanes)]
    t = time.perf_counter()
    done = subprocess.run(cmd, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - t
    if done.returncode != 0:
        sys.exit(f"flywheel run failed ({done.returncode}):\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    return wall


def round_counts(lake_root: Path) -> tuple[int, int, list[str]]:
    """(sandbox images of the round, accepted samples, first-attempt figure code)."""
    from warehouse.catalog import connect

    con = connect(lake_root, ["renders", "perception_figures", "samples", "drafts"])
    renders = con.execute("SELECT count(*) + coalesce(sum(len(interaction_image_ids)), 0) FROM renders").fetchone()[0]
    figures = con.execute("SELECT count(*) FROM perception_figures").fetchone()[0]
    samples = con.execute("SELECT count(*) FROM samples").fetchone()[0]
    codes = [r[0] for r in con.execute("SELECT render_code FROM drafts WHERE attempt = 0 ORDER BY sample_id").fetchall()]
    return int(renders + figures), int(samples), codes


def _render_loop(codes: list[str]) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    for code in codes:
        try:
            exec(code, {"__name__": "__main__", "plt": plt, "np": np, "math": math})  # noqa: S102 - the round's own code
            buf = io.BytesIO()
            plt.gcf().savefig(buf, format="png", dpi=plt.gcf().dpi)
        finally:
            plt.close("all")


def bound(codes: list[str], procs: int, repeat: int) -> float:
    """Renders/s of ``codes`` (``repeat`` times over) in ``procs`` forked warm processes."""
    _render_loop(codes[:5])  # warm: imports, fonts
    work = codes * repeat
    shares = [work[i::procs] for i in range(procs)]
    t = time.perf_counter()
    pids = []
    for share in shares:
        pid = os.fork()
        if pid == 0:
            try:
                _render_loop(share)
            finally:
                os._exit(0)
        pids.append(pid)
    for pid in pids:
        os.waitpid(pid, 0)
    return len(work) / (time.perf_counter() - t)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--plans", type=int, default=24, help="plans per domain (default 24)")
    ap.add_argument("--domains", default=",".join(DOMAINS), help="comma-separated domains")
    ap.add_argument("--lanes", type=int, default=None, help="flywheel run --lanes (default: its own)")
    ap.add_argument("--repeat", type=int, default=2, help="passes over the round's figure code for the bound")
    args = ap.parse_args()
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # as in the sandbox workers
    procs = len(os.sched_getaffinity(0))
    domains = args.domains.split(",")
    with tempfile.TemporaryDirectory(prefix="flywheel-throughput-") as tmp:
        print(f"round: {len(domains)} domains x {args.plans} plans through flywheel run ...", file=sys.stderr, flush=True)
        wall = run_round(Path(tmp), args.plans, domains, args.lanes)
        images, samples, codes = round_counts(Path(tmp) / "lake")
    print(f"bound: {len(codes)} figures x {args.repeat} in {procs} processes ...", file=sys.stderr, flush=True)
    limit = bound(codes, procs, args.repeat)
    rate = images / wall
    print(f"round: {wall:.1f} s wall, {images} sandbox images, {samples} samples")
    print(f"bound: {limit:.1f} renders/s ({procs} processes, raw matplotlib on the round's {len(codes)} figures)")
    print(f"flywheel_throughput ratio={rate / limit:.2f} round_renders_per_s={rate:.2f} "
          f"bound_renders_per_s={limit:.2f} samples_per_s={samples / wall:.2f}")


if __name__ == "__main__":
    main()
