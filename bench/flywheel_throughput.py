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


def round_work(lake_root: Path) -> tuple[int, int, list[tuple[str, list[str], dict]]]:
    """(sandbox images of the round, accepted samples, render work: one (figure code, interaction
    codes in order, pixel positions of the figure's elements) per rendered draft attempt)."""
    from warehouse.catalog import connect

    con = connect(lake_root, ["renders", "perception_figures", "samples", "drafts"])
    renders = con.execute("SELECT count(*) + coalesce(sum(len(interaction_image_ids)), 0) FROM renders").fetchone()[0]
    figures = con.execute("SELECT count(*) FROM perception_figures").fetchone()[0]
    samples = con.execute("SELECT count(*) FROM samples").fetchone()[0]
    rows = con.execute("""
        SELECT d.render_code, [i.code FOR i IN d.interactions], r.points_px,
               [s FOR s IN r.interaction_status]
        FROM drafts d JOIN renders r USING (sample_id, attempt) WHERE r.status = 'ok'
        ORDER BY d.sample_id, d.attempt""").fetchall()
    work = []
    for code, steps, points, status in rows:
        done = [c for c, st in zip(steps, status) if st == "ok"]
        work.append((code, done, {p["name"]: (p["x"], p["y"]) for p in points}))
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
    for code, steps, points in work:
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
        images = sum(1 + len(steps) for _, steps, _ in work)
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


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--plans", type=int, default=24, help="plans per domain (default 24)")
    ap.add_argument("--domains", default=",".join(DOMAINS), help="comma-separated domains")
    ap.add_argument("--lanes", type=int, default=None, help="flywheel run --lanes (default: its own)")
    args = ap.parse_args()
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # as in the sandbox workers
    procs = len(os.sched_getaffinity(0))
    domains = args.domains.split(",")
    with tempfile.TemporaryDirectory(prefix="flywheel-throughput-") as tmp:
        print(f"round: {len(domains)} domains x {args.plans} plans through flywheel run ...", file=sys.stderr, flush=True)
        wall = run_round(Path(tmp), args.plans, domains, args.lanes)
        images, samples, work, codes = round_work(Path(tmp) / "lake")
    print(f"bound: the round's {len(work)} renders with their interactions, raw, in {procs} processes ...",
          file=sys.stderr, flush=True)
    limit = bound(work, procs)
    figures_only = bound([(c, [], {}) for c in codes], procs)
    rate = images / wall
    print(f"round: {wall:.1f} s wall, {images} sandbox images, {samples} samples")
    print(f"bound: {limit:.1f} images/s raw for the round's own work ({procs} processes); "
          f"{figures_only:.1f} figures/s over its {len(codes)} first-attempt figures alone "
          f"(ratio against that: {rate / figures_only:.2f})")
    print(f"flywheel_throughput ratio={rate / limit:.2f} round_renders_per_s={rate:.2f} "
          f"bound_renders_per_s={limit:.2f} samples_per_s={samples / wall:.2f}")


if __name__ == "__main__":
    main()
