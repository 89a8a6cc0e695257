"""Throughput of the sandbox vs plain in-process matplotlib, measured in the same run.

    .venv/bin/python bench/sandbox_throughput.py [-n 200] [--rounds 3] [--workers N]

Renders a typical 480x480 geometry figure (triangle, dashed median, dots, labels; the style of
``pipelines.creators.common``) N times through
  (a)  a plain in-process loop: exec(code) + fig.savefig(png) + plt.close, one process;
  (a') the same loop in W forked processes in parallel (W = sandbox workers): the machine's
       ceiling for unsandboxed rendering on the same cores;
  (b)  Sandbox.map with the default number of workers (warm pool; start-up timed separately),
  (c)  Sandbox.map of the same figure as an SVG document (the svg task kind: checked, rendered by
       cairosvg in the same hardened child), and (c') that SVG rendered in-process by cairosvg,
and prints renders/s (medians of interleaved rounds: the machine may be shared), the ratios
(SVG vs matplotlib in the same run) and the sandbox's isolation report.
"""

from __future__ import annotations

import argparse
import collections
import io
import math
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

CODE = """
fig = plt.figure(figsize=(4.8, 4.8), dpi=100)
ax = fig.add_axes([0.05, 0.05, 0.9, 0.9])
ax.set_xlim(-0.8, 6.8)
ax.set_ylim(-0.8, 6.8)
ax.set_aspect('equal')
ax.axis('off')
ax.plot([0.0, 6.0, 2.2, 0.0], [0.0, 0.0, 5.1, 0.0], color='black', lw=2)
ax.plot([2.2, 3.0], [5.1, 0.0], color='black', lw=1.5, ls='--')
for x, y in [(0.0, 0.0), (6.0, 0.0), (2.2, 5.1), (3.0, 0.0)]:
    ax.plot([x], [y], 'o', color='black', ms=5)
for x, y, s in [(-0.35, -0.35, 'A'), (6.35, -0.35, 'B'), (2.2, 5.55, 'C'), (3.0, -0.45, 'M')]:
    ax.text(x, y, s, fontsize=14, ha='center', va='center')
"""
ELEMENTS = {"A": (0.0, 0.0), "B": (6.0, 0.0), "C": (2.2, 5.1), "M": (3.0, 0.0)}
# the same figure as an SVG document (the SVG families' style: Liberation Sans, round caps)
SVG_DOC = (
    '<svg xmlns="http://www.w3.org/2000/svg" width="480" height="480" viewBox="0 0 480 480">'
    '<rect width="480" height="480" fill="#fbf8f1"/>'
    '<polygon points="70,410 430,410 202,104" fill="none" stroke="#24313f" stroke-width="2.5" stroke-linejoin="round"/>'
    '<line x1="202" y1="104" x2="250" y2="410" stroke="#24313f" stroke-width="2" stroke-dasharray="7 5"/>'
    + "".join(f'<circle cx="{x}" cy="{y}" r="5" fill="#24313f"/>' for x, y in ((70, 410), (430, 410), (202, 104), (250, 410)))
    + "".join(f'<text x="{x}" y="{y}" font-family="Liberation Sans" font-size="18" font-weight="bold" fill="#24313f" '
              f'text-anchor="middle" dominant-baseline="central">{t}</text>'
              for x, y, t in ((50, 432, 'A'), (450, 432, 'B'), (202, 78, 'C'), (250, 438, 'M')))
    + "</svg>")
SVG_CODE = f"svg = {SVG_DOC!r}\n"
SVG_ELEMENTS = {"A": (70, 410), "B": (430, 410), "C": (202, 104), "M": (250, 410)}


def in_process_svg(n: int) -> float:
    from pipelines.sandbox import svg
    svg.render(SVG_DOC, SVG_ELEMENTS)  # warm-up: fonts
    t = time.perf_counter()
    for _ in range(n):
        svg.render(SVG_DOC, SVG_ELEMENTS)
    return n / (time.perf_counter() - t)


def _render_in_process(n: int) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np
    for _ in range(n):
        g = {"plt": plt, "np": np, "math": math}
        exec(CODE, g)  # noqa: S102 - trusted benchmark code
        fig = plt.gcf()
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=fig.dpi)
        plt.close("all")


def in_process(n: int) -> float:
    _render_in_process(5)  # warm-up: imports, fonts
    t = time.perf_counter()
    _render_in_process(n)
    return n / (time.perf_counter() - t)


def in_process_parallel(n: int, procs: int) -> float:
    """``procs`` forked copies of the warm loop, each rendering n/procs figures."""
    _render_in_process(5)
    per = max(1, n // procs)
    r, w = os.pipe()
    t = time.perf_counter()
    pids = []
    for _ in range(procs):
        pid = os.fork()
        if pid == 0:
            try:
                os.close(r)
                _render_in_process(per)
                os.write(w, b"x")
            finally:
                os._exit(0)
        pids.append(pid)
    os.close(w)
    for pid in pids:
        os.waitpid(pid, 0)
    elapsed = time.perf_counter() - t
    done = len(os.read(r, 1024))
    os.close(r)
    return per * done / elapsed


def _fmt(xs: list[float]) -> str:
    return "/".join(f"{x:.1f}" for x in xs)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("-n", type=int, default=200, help="renders per measurement (default 200)")
    ap.add_argument("--rounds", type=int, default=3, help="interleaved rounds, medians reported (default 3)")
    ap.add_argument("--workers", type=int, default=None, help="sandbox workers (default: one per usable core)")
    args = ap.parse_args()

    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # same as the sandbox workers
    from pipelines.sandbox import Sandbox, Task

    t = time.perf_counter()
    sb = Sandbox(workers=args.workers)
    startup = time.perf_counter() - t
    with sb:
        w = sb.workers
        print(f"machine: {len(os.sched_getaffinity(0))} usable cores, python {sys.version.split()[0]}")
        print(f"sandbox start-up ({w} workers, in parallel): {startup:.2f} s")

        tasks = [Task(code=CODE, elements=ELEMENTS) for _ in range(args.n)]
        svg_tasks = [Task(code=SVG_CODE, elements=SVG_ELEMENTS, kind="svg") for _ in range(args.n)]
        sb.map(tasks[: 4 * w])  # warm the pool's threads / first forks
        sb.map(svg_tasks[: 4 * w])
        # interleaved rounds: the machine is shared, so each kind gets the same background load
        ra, ra2, rb, ms, rc, rc2, ms_svg = [], [], [], [], [], [], []
        statuses: collections.Counter = collections.Counter()
        for _ in range(args.rounds):
            ra.append(in_process(args.n))
            ra2.append(in_process_parallel(args.n, w))
            t = time.perf_counter()
            results = sb.map(tasks)
            rb.append(args.n / (time.perf_counter() - t))
            ms.append(statistics.median(r.ms for r in results))
            statuses.update(r.status for r in results)
            rc2.append(in_process_svg(args.n))
            t = time.perf_counter()
            results = sb.map(svg_tasks)
            rc.append(args.n / (time.perf_counter() - t))
            ms_svg.append(statistics.median(r.ms for r in results))
            statuses.update("svg:" + r.status for r in results)
        a, a2, b = statistics.median(ra), statistics.median(ra2), statistics.median(rb)
        ms = statistics.median(ms)
        c, c2, ms_svg = statistics.median(rc), statistics.median(rc2), statistics.median(ms_svg)
        spread = (f"   rounds: a {_fmt(ra)} | a' {_fmt(ra2)} | b {_fmt(rb)} | c {_fmt(rc)}" if args.rounds > 1 else "")

        print()
        print(f"(a)  in-process loop, 1 process        : {a:7.1f} renders/s")
        print(f"(a') in-process loop, {w} processes      : {a2:7.1f} renders/s")
        print(f"(b)  Sandbox.map, {w} workers            : {b:7.1f} renders/s   "
              f"(median {ms:.1f} ms per task, statuses {dict(statuses)})")
        print(f"(c)  Sandbox.map, {w} workers, svg kind   : {c:7.1f} renders/s   (median {ms_svg:.1f} ms per task)")
        print(f"(c') cairosvg in-process, 1 process    : {c2:7.1f} renders/s")
        print(f"svg vs matplotlib in the same run: sandbox (c)/(b) = {c / b:.2f}, in-process (c')/(a) = {c2 / a:.2f}")
        print(f"ratio (b)/(a)  = {b / a:.2f}")
        print(f"ratio (b)/(a') = {b / a2:.2f}   (sandbox cost on the same cores)")
        if spread:
            print(f"(medians of {args.rounds} interleaved rounds){spread}")
        print()
        print("isolation report:")
        for key, val in sb.isolation.items():
            if isinstance(val, dict) and "active" in val:
                print(f"  {key:14s} {'ON ' if val['active'] else 'off'}  {val.get('detail', '')}")
            elif key == "probe":
                print("  probe (hostile actions tried by a hardened child):")
                for k, v in val.items():
                    print(f"      {k:24s} {v}")
            else:
                print(f"  {key:14s} {val}")


if __name__ == "__main__":
    main()
