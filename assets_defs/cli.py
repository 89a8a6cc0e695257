"""`flywheel` console command: run a round through Dagster, query the lake with SQL."""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def _dagster_home() -> Path:
    home = Path(os.environ.get("DAGSTER_HOME") or REPO / ".dagster_home")
    home.mkdir(parents=True, exist_ok=True)
    (home / "dagster.yaml").touch()
    os.environ["DAGSTER_HOME"] = str(home)
    return home


def cmd_run(args: argparse.Namespace) -> int:
    """Materialise the flywheel job for every domain partition of one round, then summarise."""
    home = _dagster_home()
    import dagster as dg

    from assets_defs.definitions import defs
    from assets_defs.partitions import DOMAINS, ROUNDS, partition_key
    from warehouse.catalog import connect
    from warehouse.storage import data_root
    from warehouse.summary import round_summary

    domains = args.domains.split(",") if args.domains else DOMAINS.get_partition_keys()
    unknown = sorted(set(domains) - set(DOMAINS.get_partition_keys()))
    if unknown:
        print(f"unknown domain(s) {unknown}; known: {DOMAINS.get_partition_keys()}", file=sys.stderr)
        return 2
    job = defs.resolve_job_def("flywheel")
    config = {"ops": {"plans": {"config": {"plans_per_domain": args.plans, "seed": args.seed}},
                      "expansions": {"config": {"seed": args.seed}}},
              # the event log is in the UI; the terminal gets progress lines and the summary
              "loggers": {"console": {"config": {"log_level": "WARNING"}}}}
    t_all = time.perf_counter()
    with dg.DagsterInstance.get() as instance:
        instance.add_dynamic_partitions(ROUNDS.name, [str(args.round)])
        for domain in domains:
            t0 = time.perf_counter()
            print(f"round {args.round} · {domain}: materialising ...", flush=True)
            result = job.execute_in_process(instance=instance, partition_key=partition_key(args.round, domain),
                                            run_config=config, raise_on_error=False)
            state = "ok" if result.success else "FAILED"
            print(f"round {args.round} · {domain}: {state} in {time.perf_counter() - t0:.1f} s "
                  f"(run {result.run_id[:8]})", flush=True)
            if not result.success:
                return 1
    root = data_root()
    print()
    print(round_summary(connect(root), args.round))
    print(f"""
Done in {time.perf_counter() - t_all:.0f} s.
Data:     {root}/tables/<table>/round=<r>/domain=<d>/<stage>.parquet  (catalog: {root}/catalog.duckdb)
Query:    .venv/bin/flywheel sql "SELECT domain, count(*) FROM samples GROUP BY 1"
UI:       make dev   (then open http://127.0.0.1:3000; run history is in {home})""")
    return 0


def cmd_sql(args: argparse.Namespace) -> int:
    import duckdb

    from warehouse.sql import format_result, run_sql

    try:
        columns, rows = run_sql(args.query, args.root)
    except duckdb.Error as err:
        print(f"SQL error: {err}", file=sys.stderr)
        return 1
    if columns:
        print(format_result(columns, rows, args.format))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="flywheel", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="materialise one flywheel round (all domains) through Dagster")
    run.add_argument("--round", type=int, default=1)
    run.add_argument("--plans", type=int, default=24, help="plans per domain")
    run.add_argument("--seed", type=int, default=0)
    run.add_argument("--domains", default="", help="comma-separated domain ids (default: all)")
    run.set_defaults(fn=cmd_run)
    sql = sub.add_parser("sql", help="run SQL over the lake's tables (views over Parquet)")
    sql.add_argument("query")
    sql.add_argument("--format", choices=["table", "csv", "json"], default="table")
    sql.add_argument("--root", default=None, help="data root (default $FLYWHEEL_DATA_ROOT or ./data)")
    sql.set_defaults(fn=cmd_sql)
    args = parser.parse_args(argv)
    return args.fn(args)


if __name__ == "__main__":
    sys.exit(main())
