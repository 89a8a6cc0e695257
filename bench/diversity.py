"""Diversity of flywheel rounds on a fresh data root, read back from the lake's ``diversity`` table.

    nice .venv/bin/python bench/diversity.py --plans 200 --domains 5 [--rounds 1] [--root DIR]

Runs ``flywheel run`` (a subprocess, as a user runs it) for rounds 1..R over the first D domains of
DOMAINS (or a comma-separated list), then prints per round the diversity table summed over domains
(family '*', this round's samples), the evolved knowledge per round (composites vs new sub-points,
nodes with at least one accepted sample) and, last line exactly, the cumulative figures:

    diversity samples=N templates=T question_texts=Q nodes=K nodes_with_samples=S

with K = knowledge points (seed and evolved) of those domains and S = those named or realised by at
least one accepted sample (warehouse.coverage's rule).

``--synthetic N`` instead times the table's query alone over N synthetic samples of one domain in
10 rounds (in-memory DuckDB tables with the views' columns): ``diversity_query samples=N seconds=S``.
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

DOMAINS = ("logic_puzzles", "analytic_geometry", "physics_electricity_optics", "plane_geometry", "statistics_charts",
           "graph_theory", "fractions_area_models", "clocks_calendars_money", "physics_mechanics", "biology")


def _domains(arg: str) -> list[str]:
    return list(DOMAINS[: int(arg)]) if arg.isdigit() else [d for d in arg.split(",") if d]


def run_rounds(root: Path, rounds: int, plans: int, domains: list[str]) -> float:
    env = {**os.environ, "FLYWHEEL_DATA_ROOT": str(root / "lake"), "DAGSTER_HOME": str(root / "dagster")}
    cmd = [str(REPO / ".venv/bin/flywheel"), "run", "--rounds", str(rounds), "--plans", str(plans),
           "--domains", ",".join(domains)]
    t = time.perf_counter()
    done = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"flywheel run failed ({done.returncode}):\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    return time.perf_counter() - t


def report(lake: Path, rounds: int) -> str:
    from warehouse.catalog import connect
    from warehouse.coverage import coverage

    con = connect(lake)
    print("round  samples  templates  question_texts  answers  image_clusters  styles  (this round, all domains)")
    for r in con.execute("""SELECT round, sum(samples), sum(templates), sum(question_texts), sum(answers),
                                   sum(image_clusters), sum(styles)
                            FROM diversity WHERE family = '*' AND scope = 'round' GROUP BY 1 ORDER BY 1""").fetchall():
        print("  ".join(f"{v:>6}" for v in r))
    print("round  evolved  composites  subpoints  nodes  nodes_with_samples")
    for rnd in range(1, rounds + 1):
        ev = con.execute("""SELECT count(*), count(*) FILTER (WHERE condition IS NULL),
                                   count(*) FILTER (WHERE condition IS NOT NULL)
                            FROM knowledge_nodes WHERE source = 'evolved' AND round = ?""", [rnd]).fetchone()
        c = coverage(con, rnd, figures=False)
        print(f"{rnd:>5}  {ev[0]:>7}  {ev[1]:>10}  {ev[2]:>9}  {len(c.node_samples):>5}  "
              f"{sum(n >= 1 for *_, n in c.node_samples):>18}")
    last = con.execute("""SELECT sum(samples), sum(templates), sum(question_texts) FROM diversity
                          WHERE family = '*' AND scope = 'cumulative' AND round = ?""", [rounds]).fetchone()
    c = coverage(con, rounds, figures=False)
    return (f"diversity samples={last[0]} templates={last[1]} question_texts={last[2]} nodes={len(c.node_samples)} "
            f"nodes_with_samples={sum(n >= 1 for *_, n in c.node_samples)}")


def time_query(n: int) -> str:
    """Seconds of warehouse.diversity.diversity() for the last of 10 rounds of one n-sample domain."""
    import duckdb

    from warehouse.diversity import diversity

    con = duckdb.connect()
    con.execute(f"""
        CREATE TABLE samples AS SELECT 'r' || (i % 10 + 1) || '.' || i AS sample_id, 0::SMALLINT AS attempt,
          (i % 10 + 1)::INTEGER AS round, 'd' AS domain, 'fam' || (i % 7) AS family,
          'Here is a practice exercise on topic ' || (i % 97) || '. In triangle ABC, AB = ' || (i % 1013) ||
          ' and angle A = ' || (i % 89) || '. What is the length of BC? Answer with a number.' AS question,
          (i % 5003)::VARCHAR AS answer, ['d.t.p' || (i % 300), 'd.t.q' || (i % 11)] AS node_ids,
          'img' || (i % 200000) AS image_id
        FROM range({n}) t(i)""")
    con.execute("CREATE TABLE drafts AS SELECT sample_id, attempt, 'ink=' || (hash(sample_id) % 20) AS style FROM samples")
    con.execute("CREATE TABLE images AS SELECT DISTINCT image_id, printf('%016x', hash(image_id)) AS phash FROM samples")
    t = time.perf_counter()
    diversity(con, 10, "d")
    return f"diversity_query samples={n} seconds={time.perf_counter() - t:.2f}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--plans", type=int, default=200, help="plans per domain and round")
    ap.add_argument("--domains", default="5", help="how many of DOMAINS, or a comma-separated list")
    ap.add_argument("--rounds", type=int, default=1)
    ap.add_argument("--root", default=None, help="data root to create (default: a temporary folder)")
    ap.add_argument("--synthetic", type=int, default=0, help="only time the table's query over N synthetic samples")
    args = ap.parse_args()
    if args.synthetic:
        print(time_query(args.synthetic))
        return
    domains = _domains(args.domains)
    with tempfile.TemporaryDirectory(prefix="bench_diversity_") as tmp:
        root = Path(args.root or tmp)
        wall = run_rounds(root, args.rounds, args.plans, domains)
        print(f"{args.rounds} round(s) x {len(domains)} domains x {args.plans} plans in {wall:.0f} s: {','.join(domains)}")
        print(report(root / "lake", args.rounds))


if __name__ == "__main__":
    main()
