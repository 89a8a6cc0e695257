"""Scale of pipelines.dedup.find_duplicates vs a brute-force all-pairs phash check, same run.

    .venv/bin/python bench/dedup_scale.py [--sizes 10000,100000] [--max-seconds 90]

Synthetic accepted samples: templated geometry questions with random coordinates (so many texts
share most shingles, the hard case for LSH), multiple-choice-heavy answers, random 64-bit phashes;
1 in 5 sources gets an exact copy and a one-word rewording on a figure 2 bits away. For each size
it prints rows/s of find_duplicates and the clusters found. The brute-force baseline (numpy
popcount of every pair, phash only, no text) is timed on a 5k subset; its quadratic cost is
extrapolated to N for the ratio. A size is skipped when the previous one predicts > max-seconds.
The last line is the growth of find_duplicates' time (wall and CPU, CPU being robust on a shared
machine) between the smallest and largest size run: ~the size ratio means linear, its square quadratic.
Default sizes run in ~10 s on a quiet 2-core machine (~1 min when shared); add the million with
``--sizes 10000,100000,1000000 --max-seconds 300`` (~80 s for it, ~0.6 GB).
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from pipelines.dedup import find_duplicates, hamming_pairs  # noqa: E402

TEMPLATES = [
    "Points A({}, {}), B({}, {}) and C({}, {}) are plotted. What is the distance from C to the "
    "midpoint of AB? Round to two decimal places.",
    "Segment AB joins A({}, {}) and B({}, {}); segment CD joins C({}, {}) and D(-4, -4). What is the "
    "area of the triangle whose vertices are A, C and the intersection point of lines AB and CD?",
    "The parabola shown passes through A({}, {}), B({}, {}) and C({}, {}). Which equation describes "
    "the parabola?",
    "Segment AB joins A({}, {}) and B({}, {}). Which equation describes line AB? C is ({}, {}).",
]


def synthetic(n: int, seed: int = 0) -> list[dict]:
    rnd = random.Random(seed)
    base = int(n / 1.2)
    rows = []
    for s in range(base):
        q = rnd.choice(TEMPLATES).format(*(rnd.randint(-9, 9) for _ in range(6)))
        a = rnd.choice("ABCD") if rnd.random() < 0.6 else str(rnd.randint(0, 99))
        rows.append({"sample_id": f"s{s:08d}", "question": q, "answer": a, "image_id": f"i{s}",
                     "phash": f"{rnd.getrandbits(64):016x}"})
    s = 0
    while len(rows) < n:
        src = rows[s]
        rows.append(dict(src, sample_id=src["sample_id"] + "x"))
        if len(rows) < n:
            ph = int(src["phash"], 16) ^ (1 << 5) ^ (1 << 40)
            rows.append(dict(src, sample_id=src["sample_id"] + "y", image_id=src["image_id"] + "y",
                             question=reword(src["question"]),
                             phash=f"{ph:016x}"))
        s += 5
    return rows


def reword(q: str) -> str:
    """A one-word edit: "What is" -> "Find", else "Which" -> "What"."""
    return q.replace("What is", "Find", 1) if "What is" in q else q.replace("Which", "What", 1)


def brute_force_phash(hashes: np.ndarray, k: int = 6) -> int:
    found = 0
    for i in range(hashes.size - 1):
        found += int((np.bitwise_count(hashes[i + 1:] ^ hashes[i]) <= k).sum())
    return found


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="10000,100000")
    ap.add_argument("--max-seconds", type=float, default=90.0)
    ap.add_argument("--subset", type=int, default=5000)
    args = ap.parse_args()

    sub = synthetic(args.subset, seed=1)
    h = np.array([int(r["phash"], 16) for r in sub], dtype=np.uint64)
    t = time.perf_counter()
    bf_pairs = brute_force_phash(h)
    t_bf = time.perf_counter() - t
    t = time.perf_counter()
    pg_pairs = hamming_pairs(h)[0].size
    t_pg = time.perf_counter() - t
    t = time.perf_counter()
    find_duplicates(sub)
    t_fd_sub = time.perf_counter() - t
    print(f"brute-force all-pairs phash, {args.subset} rows: {t_bf:.3f} s, {bf_pairs} pairs <= 6 bits "
          f"({args.subset * (args.subset - 1) / 2 / t_bf:,.0f} pairs/s)")
    print(f"pigeonhole hamming_pairs,    {args.subset} rows: {t_pg:.3f} s, {pg_pairs} pairs "
          f"(x{t_bf / t_pg:.0f} faster)")
    print(f"find_duplicates (text+image), {args.subset} rows: {t_fd_sub:.3f} s (x{t_bf / t_fd_sub:.1f} "
          "vs brute-force phash alone)")
    print(f"{'rows':>9} {'seconds':>8} {'cpu s':>8} {'rows/s':>9} {'clusters>1':>10} {'dropped':>8} "
          f"{'brute-force est. s':>18} {'speed-up':>8}")
    prev = None
    runs: list[tuple[int, float, float]] = []
    for n in (int(x) for x in args.sizes.split(",")):
        if prev is not None and prev[1] * (n / prev[0]) * 1.3 > args.max_seconds:
            print(f"{n:>9} skipped: predicted {prev[1] * n / prev[0]:.0f} s > {args.max_seconds:.0f} s")
            continue
        rows = synthetic(n)
        t, c = time.perf_counter(), time.process_time()
        out = find_duplicates(rows)
        dt, cpu = time.perf_counter() - t, time.process_time() - c
        runs.append((n, dt, cpu))
        clusters = len({r["cluster_id"] for r in out if r["cluster_size"] > 1})
        dropped = sum(not r["keep"] for r in out)
        bf_est = t_bf * (n / args.subset) ** 2
        print(f"{n:>9} {dt:>8.2f} {cpu:>8.2f} {n / dt:>9,.0f} {clusters:>10} {dropped:>8} {bf_est:>18,.0f} "
              f"{bf_est / dt:>8,.0f}x")
        prev = (n, dt)
    if len(runs) < 2:
        print("growth: only one size ran (raise --max-seconds to time a second one)")
        return
    (n0, w0, c0), (n1, w1, c1) = runs[0], runs[-1]
    print(f"growth {n0} -> {n1} rows (x{n1 / n0:g}): near-duplicate stage time x{w1 / w0:.1f} wall, "
          f"x{c1 / c0:.1f} cpu (linear: x{n1 / n0:g}, quadratic: x{(n1 / n0) ** 2:g})")


if __name__ == "__main__":
    main()
