"""`flywheel` console command: run a round through Dagster, query the lake with SQL, open the
Dagster UI (`dev`) and launch jobs on it from any terminal (`launch`).

Exit codes: 0 done; 1 a run, round, query or lake check failed; 2 a bad argument, data root or
configuration (one line on stderr; --debug shows the traceback); 3 another run holds the lake."""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path


class UsageError(ValueError):
    """A bad argument, data root or configuration: one line on stderr and exit code 2."""


class _Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line (raised as :class:`UsageError`), not a usage
    block and a SystemExit: `main` returns exit code 2 in-process too."""

    def error(self, message: str):
        raise UsageError(f"{message} (see `{self.prog} --help`)")


def _at_least(args: argparse.Namespace, low: int, *names: str, why: str = "") -> None:
    """Refuse any of ``names`` (options of ``args``, None = unset) below ``low``."""
    for name in names:
        value = getattr(args, name)
        if value is not None and value < low:
            raise UsageError(f"--{name.replace('_', '-')} must be >= {low}{why}, got {value}")


def _data_root(arg: str | None, must_hold_lake: bool) -> str:
    """The data root (``--root``, else $FLYWHEEL_DATA_ROOT, else ./data), refused with which one was
    used and why when it is a file or, where ``must_hold_lake``, holds no lake: a typo would
    otherwise query an empty lake and print 0 rows."""
    from warehouse.storage import ENV_ROOT, data_root

    root = arg or data_root()
    source = "--root" if arg else f"${ENV_ROOT}" if os.environ.get(ENV_ROOT) else "the default"
    if "://" in root.removeprefix("file://"):
        return root  # an object store: nothing to check here
    path = Path(root.removeprefix("file://"))
    if path.exists() and not path.is_dir():
        raise UsageError(f"data root {root} ({source}) is not a folder")
    if must_hold_lake and not path.exists():
        raise UsageError(f"data root {root} ({source}) does not exist")
    if must_hold_lake and not (path / "tables").is_dir():
        raise UsageError(f"data root {root} ({source}) holds no lake (no tables/ folder); "
                         "`flywheel run` writes one")
    return root


def _domains(arg: str) -> list[str]:
    """The --domains list (commas, spaces allowed around them), refused with the known ids when
    one is unknown; all domains when empty."""
    from assets_defs.partitions import DOMAINS

    known = DOMAINS.get_partition_keys()
    domains = [d.strip() for d in arg.split(",") if d.strip()] or known
    unknown = sorted(set(domains) - set(known))
    if unknown:
        raise UsageError(f"unknown domain(s) {unknown}; known: {', '.join(known)}")
    return domains


def _check_config() -> None:
    """Validate the seed taxonomy before any run starts: a bad file is one line naming the file and
    key, not a failed step's traceback in every lane."""
    from knowledge import TaxonomyError, load_taxonomy

    try:
        load_taxonomy()
    except TaxonomyError as err:
        raise UsageError(f"invalid taxonomy: {err}") from err


def _check_endpoint() -> str | None:
    """With a model endpoint configured, ask it which models it serves before any run starts: an
    unreachable or misconfigured endpoint is one line (exit 2), not a failed `drafts` step in every
    lane. The model it resolves to (the configured one, or the one it serves) is what the lanes use."""
    from assets_defs.resources import RESOURCES
    from pipelines.llm import EndpointError

    llm = RESOURCES["llm"]
    if not llm.enabled():
        return None
    try:
        base_url, model = llm.endpoint()
    except (EndpointError, ValueError) as err:
        raise UsageError(f"model endpoint: {err}") from err
    os.environ["FLYWHEEL_LLM_MODEL"] = model
    return f"model stages: {model} at {base_url}"


def cmd_run(args: argparse.Namespace) -> int:
    """Materialise the flywheel job for every domain partition of each round (knowledge evolution
    and perception tasks included; partitions run concurrently in lanes), then the round's
    coverage report and benchmark; compact tables that grew many files; summarise."""
    _at_least(args, 1, "round", why=" (round 0 holds the public datasets)")
    _at_least(args, 1, "rounds", "plans", "lanes")
    _at_least(args, 0, "seed")
    from assets_defs.progress import live

    with live("flywheel run: loading the taxonomy and Dagster") as line:  # seconds of imports
        domains = _domains(args.domains)
        root = _data_root(args.root, must_hold_lake=False)
        _check_config()
        model_line = _check_endpoint()
        if model_line:
            line.write(model_line)
        from assets_defs.home import dagster_home

        home = dagster_home()
        import dagster as dg

        from assets_defs.runner import LakeBusyError, RoundSettings, clean_stale, lanes_for, run_rounds, writer_lock
        from pipelines.sandbox.pool import strict_default
        from warehouse.catalog import connect, write_catalog
        from warehouse.maintenance import COMPACT_ABOVE_FILES, compact
        from warehouse.schemas import TABLES
        from warehouse.storage import Lake
        from warehouse.summary import (coverage_summary, perception_summary, round_health, round_summary,
                                       sandbox_line)

    rounds = list(range(1, args.rounds + 1)) if args.rounds is not None else [args.round]
    lanes, workers = lanes_for(len(domains), args.lanes)
    settings = RoundSettings(plans=args.plans, seed=args.seed, lanes=lanes, sandbox_workers=workers, debug=args.debug)
    lake = Lake(root)
    t_all = time.perf_counter()
    failed: list[str] = []

    def after_round(rnd: int, missing: list[str]) -> bool:
        with live(f"round {rnd}: compacting tables, writing the catalog, summarising") as line:
            for report in compact(lake, min_files=COMPACT_ABOVE_FILES):
                line.write(f"compacted {report['table']}: {report['files_before']} -> {report['files_after']} files "
                           f"in {report['seconds']:.1f} s")
            if lake.is_local:  # the catalog file is for read-only DuckDB connections on this machine
                write_catalog(root)
            t0 = time.perf_counter()
            con = connect(root)
            open_s = time.perf_counter() - t0
            files = {t: n for t in TABLES if (n := len(lake.files(t)))}
            busiest = ", ".join(f"{t} {n}" for t, n in sorted(files.items(), key=lambda x: -x[1])[:4])
            text = [f"lake after round {rnd}: catalog open {open_s:.2f} s; {sum(files.values())} files "
                    f"in {len(files)} tables (most: {busiest})", "", round_summary(con, rnd), "",
                    coverage_summary(con, rnd), perception_summary(con, rnd), sandbox_line(missing, strict_default())]
            failures, partial = round_health(con, rnd, domains)
        print("\n".join(text))
        if partial:
            print(f"Round {rnd}: partial failures\n  " + "\n  ".join(partial))
        print(flush=True)
        failed.extend(failures)
        return not failures

    try:
        # an object-store root is locked on this machine only (Delta commits keep other writers' partitions apart)
        lock_at = root if lake.is_local else str(home / "locks" / root.replace("://", "/"))
        with writer_lock(lock_at, {"rounds": rounds, "plans": args.plans, "seed": args.seed, "domains": len(domains)}):
            with live("looking for runs of a killed `flywheel run`"), dg.DagsterInstance.get() as instance:
                cleaned = clean_stale(instance)
            if cleaned:
                print(cleaned, flush=True)
            if not run_rounds(rounds, domains, settings, after_round=after_round,
                              say=lambda line: print(line, flush=True)):
                print(f"flywheel run: {'; '.join(failed) or 'a run failed (above)'}", file=sys.stderr)
                return 1
    except LakeBusyError as err:
        print(f"flywheel run: {err}", file=sys.stderr)
        return 3
    print(f"""Done in {time.perf_counter() - t_all:.0f} s.
Data:     {root}/tables/<table>/  (Delta Lake tables{f"; DuckDB catalog: {root}/catalog.duckdb" if lake.is_local else ""})
Query:    .venv/bin/flywheel sql "SELECT domain, count(*) FROM samples GROUP BY 1"
Plots:    the coverage_report asset (group reports) in the UI
UI:       make dev   (then open http://127.0.0.1:3000, or make dev PORT=3001; run history is in {home})""")
    return 0


def cmd_lake(args: argparse.Namespace) -> int:
    """Maintenance of the lake's Delta tables: compact, check, repair, migrate."""
    from warehouse import maintenance
    from warehouse.catalog import write_catalog
    from warehouse.storage import Lake

    if args.vacuum_hours < 0:
        raise UsageError(f"--vacuum-hours must be >= 0, got {args.vacuum_hours}")
    lake = Lake(_data_root(args.root, must_hold_lake=True))
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
    """One read-only statement over the lake's views (anything, with --allow-write)."""
    import duckdb

    from warehouse.sql import RefusedQuery, explain, format_result, run_sql
    from warehouse.storage import LakeError

    root = _data_root(args.root, must_hold_lake=True)
    try:
        columns, rows = run_sql(args.query, root, allow_write=args.allow_write)
    except RefusedQuery as err:
        raise UsageError(str(err)) from err
    except (duckdb.Error, LakeError) as err:
        print(f"SQL error: {explain(err)}", file=sys.stderr)
        return 1
    if columns:
        print(format_result(columns, rows, args.format))
    return 0


def cmd_browse(args: argparse.Namespace) -> int:
    """A local web page over the lake (samples, rejected drafts, benchmark and evaluated items)
    on 127.0.0.1 until Ctrl-C; a taken port is refused before anything starts."""
    import uvicorn

    from assets_defs.launch import port_taken
    from warehouse.browse import HOST, default_port
    from warehouse.browse.app import create_app

    root = _data_root(args.root, must_hold_lake=True)
    port = default_port() if args.port is None else args.port
    if not 0 < port < 65536:
        raise UsageError(f"--port must be 1..65535, got {port}")
    taken = port_taken(port, HOST)
    if taken:
        raise UsageError(f"port {port} on {HOST} is taken ({taken}); choose another with --port")
    app = create_app(root)
    print(f"Browsing {root} at http://{HOST}:{port}/  (Ctrl-C stops)", flush=True)
    uvicorn.run(app, host=HOST, port=port, log_level="warning")
    return 0


def cmd_dev(args: argparse.Namespace) -> int:
    """The Dagster UI (`dg dev`) on 127.0.0.1 for the project's instance; a taken port is refused first."""
    from assets_defs.launch import LaunchError, exec_dev

    try:
        exec_dev(args.port)
    except LaunchError as err:
        raise UsageError(str(err)) from err
    return 0  # not reached: the process became `dg dev`


def cmd_launch(args: argparse.Namespace) -> int:
    """Submit a job to the running UI's daemon (from any terminal); print the run id and its page."""
    from assets_defs.launch import LaunchError, launch

    try:
        tags = {"dagster/partition": args.partition} if args.partition else None
        run_id, url = launch(args.job, args.config, tags=tags, port=args.port)
    except LaunchError as err:
        raise UsageError(str(err)) from err
    print(f"launched {args.job}: run {run_id}\n{url}")
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="flywheel", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--debug", action="store_true", help="tracebacks and Dagster's log of failed steps")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", parents=[common], help="materialise flywheel rounds (all domains) through Dagster")
    run.add_argument("--round", type=int, default=1, help="the round (>= 1; round 0 holds the public datasets)")
    run.add_argument("--rounds", type=int, default=None, help="run rounds 1..N in sequence (overrides --round)")
    run.add_argument("--plans", type=int, default=24, help="plans per domain")
    run.add_argument("--seed", type=int, default=0)
    run.add_argument("--domains", default="", help="comma-separated domain ids (default: all)")
    run.add_argument("--lanes", type=int, default=None,
                     help="domain partitions run at once (default: one per usable core)")
    run.set_defaults(fn=cmd_run, root=None)
    lake = sub.add_parser("lake", parents=[common], help="maintain the lake's Delta tables")
    lake.add_argument("action", choices=["compact", "check", "repair", "migrate"],
                      help="compact: merge small files and remove old ones; check: name unreadable files; "
                           "repair: quarantine them so their partitions can be rerun; migrate: convert a lake "
                           "of the earlier one-file-per-stage layout")
    lake.add_argument("--root", default=None, help="data root (default $FLYWHEEL_DATA_ROOT or ./data)")
    lake.add_argument("--vacuum-hours", type=float, default=168.0,
                      help="compact: keep files that versions younger than this still need (default 168)")
    lake.set_defaults(fn=cmd_lake)
    sql = sub.add_parser("sql", parents=[common], help="run one read-only SQL statement over the lake's tables (views over Parquet)")
    sql.add_argument("query")
    sql.add_argument("--format", choices=["table", "csv", "json"], default="table")
    sql.add_argument("--root", default=None, help="data root (default $FLYWHEEL_DATA_ROOT or ./data)")
    sql.add_argument("--allow-write", action="store_true",
                     help="a full read-write DuckDB connection: any statements, any files (COPY, ATTACH, ...)")
    sql.set_defaults(fn=cmd_sql)
    browse = sub.add_parser("browse", parents=[common], help="a local web page over the lake: samples, rejected "
                                                             "drafts, benchmark and evaluated items")
    browse.add_argument("--root", default=None, help="data root (default $FLYWHEEL_DATA_ROOT or ./data)")
    browse.add_argument("--port", type=int, default=None,
                        help="port on 127.0.0.1 (default $FLYWHEEL_BROWSE_PORT or 8765; Dagster's links use the same)")
    browse.set_defaults(fn=cmd_browse)
    dev = sub.add_parser("dev", parents=[common], help="the Dagster UI (dg dev) for this project's run history")
    dev.add_argument("--port", type=int, default=3000, help="port on 127.0.0.1 (default 3000)")
    dev.set_defaults(fn=cmd_dev)
    launch = sub.add_parser("launch", parents=[common], help="launch a job on the running UI (`make dev`) from "
                                                             "any terminal; prints the run id and its page")
    launch.add_argument("job", help="job name, e.g. sft, perception_sft, rl, eval")
    launch.add_argument("--config", "-c", default=None, help="run config YAML (e.g. train/configs/cpu_sft_job.yaml)")
    launch.add_argument("--partition", default=None, help="partition key of a partitioned job, e.g. plane_geometry|1")
    launch.add_argument("--port", type=int, default=None, help="the UI's port (default: the one `make dev` uses)")
    launch.set_defaults(fn=cmd_launch)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command; a bad argument, data root or configuration is one line on stderr and exit
    code 2 (its traceback with --debug)."""
    argv = sys.argv[1:] if argv is None else argv
    try:
        args = _parser().parse_args(argv)
        return args.fn(args)
    except UsageError as err:
        if "--debug" in argv:
            raise
        print(f"flywheel: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
