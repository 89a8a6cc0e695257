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
    """Materialise the flywheel job for every domain partition of each round (knowledge evolution
    and perception tasks included; partitions run concurrently in lanes), then the round's
    coverage report and benchmark; compact tables that grew many files; summarise."""
    home = _dagster_home()
    from assets_defs.partitions import DOMAINS
    from assets_defs.runner import LakeBusyError, RoundSettings, lanes_for, run_rounds, writer_lock
    from warehouse.catalog import connect, write_catalog
    from warehouse.maintenance import COMPACT_ABOVE_FILES, compact
    from warehouse.schemas import TABLES
    from warehouse.storage import Lake, data_root
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
    lanes, workers = lanes_for(len(domains), args.lanes)
    settings = RoundSettings(plans=args.plans, seed=args.seed, lanes=lanes, sandbox_workers=workers)
    root = data_root()
    lake = Lake(root)
    t_all = time.perf_counter()

    def after_round(rnd: int) -> None:
        for report in compact(lake, min_files=COMPACT_ABOVE_FILES):
            print(f"compacted {report['table']}: {report['files_before']} -> {report['files_after']} files "
                  f"in {report['seconds']:.1f} s", flush=True)
        write_catalog(root)
        t0 = time.perf_counter()
        con = connect(root)
        open_s = time.perf_counter() - t0
        files = {t: n for t in TABLES if (n := len(lake.files(t)))}
        busiest = ", ".join(f"{t} {n}" for t, n in sorted(files.items(), key=lambda x: -x[1])[:4])
        print(f"lake after round {rnd}: catalog open {open_s:.2f} s; {sum(files.values())} files "
              f"in {len(files)} tables (most: {busiest})", flush=True)
        print()
        print(round_summary(con, rnd))
        print()
        print(coverage_summary(con, rnd))
        print(perception_summary(con, rnd))
        print(flush=True)

    try:
        with writer_lock(root, {"rounds": rounds, "plans": args.plans, "seed": args.seed, "domains": len(domains)}):
            if not run_rounds(rounds, domains, settings, after_round=after_round,
                              say=lambda line: print(line, flush=True)):
                return 1
    except LakeBusyError as err:
        print(f"flywheel run: {err}", file=sys.stderr)
        return 3
    print(f"""Done in {time.perf_counter() - t_all:.0f} s.
Data:     {root}/tables/<table>/  (Delta Lake tables; catalog for duckdb -readonly: {root}/catalog.duckdb)
Query:    .venv/bin/flywheel sql "SELECT domain, count(*) FROM samples GROUP BY 1"
Plots:    the coverage_report asset (group reports) in the UI
UI:       make dev   (then open http://127.0.0.1:3000; run history is in {home})""")
    return 0


def cmd_lake(args: argparse.Namespace) -> int:
    """Maintenance of the lake's Delta tables: compact, check, repair, migrate."""
    from warehouse import maintenance
    from warehouse.catalog import write_catalog
    from warehouse.storage import Lake

    lake = Lake(args.root)
    if args.action == "compact":
        for r in maintenance.compact(lake, vacuum_hours=args.vacuum_hours):
            print(f"{r['table']}: {r['files_before']} -> {r['files_after']} files, {r['vacuumed']} old files "
                  f"removed, {r['seconds']:.1f} s")
    elif args.action in ("check", "repair"):
        bad = maintenance.check(lake)
        for b in bad:
            print(f"{b.table}: unreadable file {b.path} ({b.error}); it held {b.held}")
        if not bad:
            print("every table's files are readable")
            return 0
        if args.action == "check":
            print("run `flywheel lake repair` to move them to quarantine/ and drop them from their tables, "
                  "then rerun those partitions", file=sys.stderr)
            return 1
        maintenance.repair(lake, bad)
        print(f"moved {len(bad)} file(s) to {lake.root}/quarantine/; rerun the partitions they held")
    elif args.action == "migrate":
        from pipelines.dedup.index import index_history

        moved = maintenance.migrate(lake)
        for table, rows in moved.items():
            print(f"{table}: {rows} rows moved into a Delta table")
        indexed = index_history(lake)  # a lake from before the de-duplication index
        print("nothing to migrate" if not moved and not indexed else
              f"migrated {len(moved)} table(s); de-duplication keys written for {len(indexed)} partition(s)")
    if lake.is_local:
        write_catalog(lake.root)
    return 0


def cmd_sql(args: argparse.Namespace) -> int:
    import duckdb

    from warehouse.sql import explain, format_result, run_sql
    from warehouse.storage import LakeError

    try:
        columns, rows = run_sql(args.query, args.root)
    except (duckdb.Error, LakeError) as err:
        print(f"SQL error: {explain(err)}", file=sys.stderr)
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
    run.add_argument("--lanes", type=int, default=None,
                     help="domain partitions run at once (default: one per usable core)")
    run.set_defaults(fn=cmd_run)
    lake = sub.add_parser("lake", help="maintain the lake's Delta tables")
    lake.add_argument("action", choices=["compact", "check", "repair", "migrate"],
                      help="compact: merge small files and remove old ones; check: name unreadable files; "
                           "repair: quarantine them so their partitions can be rerun; migrate: convert a lake "
                           "of the earlier one-file-per-stage layout")
    lake.add_argument("--root", default=None, help="data root (default $FLYWHEEL_DATA_ROOT or ./data)")
    lake.add_argument("--vacuum-hours", type=float, default=168.0,
                      help="compact: keep files that versions younger than this still need (default 168)")
    lake.set_defaults(fn=cmd_lake)
    sql = sub.add_parser("sql", help="run SQL over the lake's tables (views over Parquet)")
    sql.add_argument("query")
    sql.add_argument("--format", choices=["table", "csv", "json"], default="table")
    sql.add_argument("--root", default=None, help="data root (default $FLYWHEEL_DATA_ROOT or ./data)")
    sql.set_defaults(fn=cmd_sql)
    args = parser.parse_args(argv)
    return args.fn(args)


if __name__ == "__main__":
    sys.exit(main())
