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


def _shared_sandbox_resource(sandbox):
    """A sandbox resource whose every ``pool()`` is ``sandbox``: the CLI runs all steps of all
    partitions in this process, and starting warm workers per step cost ~3 s each (a third of a
    small domain's run)."""
    from contextlib import contextmanager

    from assets_defs.resources import SandboxResource

    class SharedSandbox(SandboxResource):
        @contextmanager
        def pool(self):
            yield sandbox

    return SharedSandbox()


def cmd_run(args: argparse.Namespace) -> int:
    """Materialise the flywheel job for every domain partition of each round (knowledge evolution
    and perception tasks included), then the round's coverage report and benchmark, and summarise."""
    home = _dagster_home()
    import dagster as dg

    from assets_defs.definitions import defs
    from assets_defs.partitions import DOMAINS, ROUNDS, partition_key
    from assets_defs.resources import RESOURCES
    from warehouse.catalog import connect
    from warehouse.storage import data_root
    from warehouse.summary import coverage_summary, perception_summary, round_summary

    domains = args.domains.split(",") if args.domains else DOMAINS.get_partition_keys()
    unknown = sorted(set(domains) - set(DOMAINS.get_partition_keys()))
    if unknown:
        print(f"unknown domain(s) {unknown}; known: {DOMAINS.get_partition_keys()}", file=sys.stderr)
        return 2
    if args.rounds is not None and args.rounds < 1:
        print(f"--rounds must be >= 1, got {args.rounds}", file=sys.stderr)
        return 2
    rounds = list(range(1, args.rounds + 1)) if args.rounds is not None else [args.round]
    job, report = defs.resolve_job_def("flywheel"), defs.resolve_job_def("coverage")
    bench = defs.resolve_job_def("build_benchmark")
    config = {"ops": {"plans": {"config": {"plans_per_domain": args.plans, "seed": args.seed}},
                      "expansions": {"config": {"seed": args.seed}}},
              # the event log is in the UI; the terminal gets progress lines and the summary
              "loggers": {"console": {"config": {"log_level": "WARNING"}}}}
    quiet = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}
    t_all = time.perf_counter()
    root = data_root()
    with dg.DagsterInstance.get() as instance, RESOURCES["sandbox"].pool() as sandbox:
        shared = {"sandbox": _shared_sandbox_resource(sandbox)}
        for rnd in rounds:
            instance.add_dynamic_partitions(ROUNDS.name, [str(rnd)])
            t_round = time.perf_counter()
            for domain in domains:
                t0 = time.perf_counter()
                print(f"round {rnd} · {domain}: materialising ...", flush=True)
                result = job.execute_in_process(instance=instance, partition_key=partition_key(rnd, domain),
                                                run_config=config, raise_on_error=False, resources=shared)
                state = "ok" if result.success else "FAILED"
                print(f"round {rnd} · {domain}: {state} in {time.perf_counter() - t0:.1f} s "
                      f"(run {result.run_id[:8]})", flush=True)
                if not result.success:
                    return 1
            result = report.execute_in_process(instance=instance, partition_key=str(rnd), run_config=quiet,
                                               raise_on_error=False)
            if not result.success:
                print(f"round {rnd}: coverage report FAILED (run {result.run_id[:8]})", file=sys.stderr)
                return 1
            result = bench.execute_in_process(instance=instance, partition_key=str(rnd), run_config=quiet,
                                              raise_on_error=False, resources=shared)
            if not result.success:
                print(f"round {rnd}: benchmark FAILED (run {result.run_id[:8]})", file=sys.stderr)
                return 1
            con = connect(root)
            print()
            print(round_summary(con, rnd))
            print()
            print(coverage_summary(con, rnd))
            print(perception_summary(con, rnd))
            print(f"Round {rnd} done in {time.perf_counter() - t_round:.0f} s.\n", flush=True)
    print(f"""Done in {time.perf_counter() - t_all:.0f} s.
Data:     {root}/tables/<table>/round=<r>/domain=<d>/<stage>.parquet  (catalog: {root}/catalog.duckdb)
Query:    .venv/bin/flywheel sql "SELECT domain, count(*) FROM samples GROUP BY 1"
Plots:    the coverage_report asset (group reports) in the UI
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
    run = sub.add_parser("run", help="materialise flywheel rounds (all domains) through Dagster")
    run.add_argument("--round", type=int, default=1)
    run.add_argument("--rounds", type=int, default=None, help="run rounds 1..N in sequence (overrides --round)")
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
