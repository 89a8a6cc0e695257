"""The lakehouse at N samples: catalog open, the README's queries and de-duplication against all
history, timed through the project's own API on a synthetic lake of realistic shape.

    .venv/bin/python bench/lake_scale.py --samples 1000000 --lake /tmp/lake_1m [--source ROOT]

Why: every cost of the lake must depend on what a query touches, not on how much history there
is (GitHub issue "The lakehouse at a million samples"). Targets at 10^6 samples on a 2-core
machine: open_s < 1, count_s < 1, join_s < 2, lineage_s < 0.5, dedup_s < 10, peak_rss_mb < 4096,
files bounded (compaction ran).

The synthetic lake (bench/_lake_fixture.py): the rows of a real round (``--source ROOT``, else a
small round run here with ``flywheel run --round 1 --plans 12``) copied with new ids into the
samples, drafts, renders, verdicts, images and dedup_keys tables, in partitions of
``--partition-samples`` accepted samples (560: what 384 plans per domain yield) over ``--domains``
domains per round, as many rounds as N needs; one ``Lake.write`` (one Delta commit) per table and
partition, then ``Lake.compact(table, vacuum_hours=0)`` of every table. Images are content
addressed, so copies reuse the real image ids and each partition writes its template's images
once. History's dedup_keys are those of distinct samples (random keys) except a few planted
true copies of the probe partition's first samples. ``--lake DIR`` keeps the lake with a marker
of N and the partition size, so a rerun only times the queries.

What the copies do not reproduce is bytes. They repeat a few dozen real texts, so Parquet's
dictionary and ZSTD encodings shrink the sample-keyed tables far below real rows (about 10 KB a
sample without images), and compaction leaves one file per table where real bytes would leave
one per ~100 MB. The timed queries read ids, domains, dimensions and numbers, whose sizes are
realistic, not the texts. The images table holds each partition's template images (~30 rows),
not one row per figure of every sample, so de-duplication's image lookups scan fewer rows than
in a real lake.

What is timed (median of 3, each on a fresh connection; the OS page cache is warm):
* open_s: ``warehouse.catalog.connect(root)`` with every table's view;
* count_s, join_s, lineage_s: ``warehouse.sql.run_sql(query, root)``, what ``flywheel sql`` runs,
  so each includes its own catalog open (the table also shows the query alone on an open catalog):
  count = ``count(*) GROUP BY domain`` over samples; join = samples x verdicts on (sample_id,
  attempt) where the verdict dimension is 'answer' and the sample's domain is the probe domain;
  lineage = the README's lineage query for one sample of the middle round; plus difficulty
  percentiles by domain (printed, not on the last line);
* dedup_s: ``pipelines.curate.dedup_against_history`` (the samples asset's de-duplication) of a
  new partition, round = last + 1, the probe domain's real rows with new ids, against all history
  through the dedup_keys index; the duplicates it finds are printed (expected: the planted ones).

Peak RSS is this process's ``ru_maxrss`` (RUSAGE_SELF): the lake is built by spawned child
processes (writers, then compaction) and the source round by a subprocess, none of which count,
so the figure is the query phase's (its floor, ~0.3-0.4 GB, is the imports and the template rows
this process loads to make the probe partition).

Progress goes to stderr, a table of timings to stdout, and the last line is
``lake_scale samples=N open_s=X count_s=X join_s=X lineage_s=X dedup_s=X peak_rss_mb=X files=N``
where files is the number of active Parquet files over the lake's tables (``Lake.files``).
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from bench import _lake_fixture as fx  # noqa: E402
from warehouse.catalog import connect  # noqa: E402
from warehouse.sql import format_result, run_sql  # noqa: E402
from warehouse.storage import Lake  # noqa: E402

REPEATS = 3
TARGETS = {"open_s": 1.0, "count_s": 1.0, "join_s": 2.0, "lineage_s": 0.5, "dedup_s": 10.0, "peak_rss_mb": 4096}


def queries(domain: str, sample_id: str) -> dict[str, str]:
    return {
        "count": "SELECT domain, count(*) AS samples FROM samples GROUP BY 1 ORDER BY 1",
        "join": "SELECT count(*) AS verdicts, avg(CAST(v.passed AS INT)) AS pass_rate, avg(v.score) AS score, "
                "avg(s.difficulty) AS difficulty FROM samples s JOIN verdicts v USING (sample_id, attempt) "
                f"WHERE v.dimension = 'answer' AND s.domain = '{domain}'",
        "lineage": "SELECT d.attempt, d.provenance.action, v.dimension, v.passed, v.reason FROM drafts d "
                   f"JOIN verdicts v USING (sample_id, attempt) WHERE d.sample_id = '{sample_id}'",
        "percentiles": "SELECT domain, quantile_cont(difficulty, [0.1, 0.5, 0.9]) AS p10_p50_p90, count(*) AS n "
                       "FROM samples GROUP BY 1 ORDER BY 1",
    }


def median_time(fn: Callable[[], object], repeats: int = REPEATS) -> tuple[float, object]:
    """(median seconds of ``repeats`` calls, the last call's result)."""
    times, result = [], None
    for _ in range(repeats):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), result


def query_alone(root: str, sql: str) -> float:
    """Median seconds of ``sql`` on a freshly opened catalog, the open not counted."""
    times = []
    for _ in range(REPEATS):
        con = connect(root)
        t0 = time.perf_counter()
        con.execute(sql).fetchall()
        times.append(time.perf_counter() - t0)
        con.close()
    return statistics.median(times)


def lineage_id(tpl: fx.Template, round: int, domain: str) -> str:
    """The id, in copy 0 of partition (round, domain), of the template's sample with the most
    attempts (ties: the deepest expansion)."""
    counts = tpl.rows["drafts"].group_by("sample_id").aggregate([("attempt", "count")])
    best = max(zip(counts.column("sample_id").to_pylist(), counts.column("attempt_count").to_pylist()),
               key=lambda x: (x[1], x[0].count("."), x[0]))[0]
    return f"r{round}.{domain}.000.{best.removeprefix(tpl.prefix)}"


def time_dedup(lake: Lake, tpl: fx.Template, round: int, domain: str) -> tuple[float, int, int]:
    """(median seconds, duplicates found, rows) of de-duplicating the template's samples as new
    partition (round, domain) against all history, as the samples asset does."""
    from pipelines.curate import PRIOR_COLUMNS, dedup_against_history

    rows = tpl.copy("samples", round, domain, 0).select(PRIOR_COLUMNS).to_pylist()
    seconds, found = median_time(lambda: dedup_against_history(lake, rows, round, domain))
    return seconds, len(found), len(rows)


def prepare_lake(args: argparse.Namespace, plan: fx.Plan, root: Path) -> tuple[Path, dict]:
    """(source root, marker) of the lake at ``root``, built unless it already holds this plan's."""
    marker = fx.marker_matches(root, plan)
    if marker:
        fx.log(f"reusing the lake at {root} (built {marker['build']})")
        return Path(marker["source"]), marker
    if root.exists() and any(root.iterdir()):
        if not (root / fx.MARKER).exists():
            raise SystemExit(f"{root} is not empty and holds no {fx.MARKER}: not a lake this script built")
        fx.log(f"{root} holds another plan's lake or a half-built one: rebuilding it")
        shutil.rmtree(root / "tables", ignore_errors=True)
    root.mkdir(parents=True, exist_ok=True)
    source = Path(args.source).resolve() if args.source else root / "source"
    if not args.source and not Lake(source).exists("samples"):
        fx.run_source_round(source)
    fx.write_marker(root, plan, source, None)
    stats = fx.build(root, source, plan, args.workers)
    return source, fx.write_marker(root, plan, source, stats)


def disk_mb(folder: Path) -> float:
    return sum(f.stat().st_size for f in folder.rglob("*") if f.is_file()) / 2**20


def measure(root: Path, source: Path, plan: fx.Plan) -> dict:
    """Every timing of the module docstring, in this process."""
    templates = fx.load_templates(source)
    round, domain = fx.probe_partition(plan)
    tpl = fx.template_for(templates, domain)
    sid = lineage_id(tpl, round, domain)
    lake, r = Lake(root), str(root)
    out: dict = {"probe": f"domain {domain}, lineage of {sid}"}
    out["open_s"], _ = median_time(lambda: connect(r).close())
    for name, sql in queries(domain, sid).items():
        fx.log(f"timing {name}")
        out[f"{name}_s"], result = median_time(lambda: run_sql(sql, r))
        out[f"{name}_alone_s"] = query_alone(r, sql)
        out[f"{name}_result"] = format_result(*result)
    fx.log("timing dedup_against_history")
    out["dedup_s"], out["duplicates"], out["dedup_rows"] = time_dedup(lake, tpl, plan.last_round + 1, domain)
    out["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    out["files"] = {t: len(lake.files(t)) for t in fx.TABLES}
    out["rows"] = {t: lake.count(t) for t in fx.TABLES}
    return out


def report(plan: fx.Plan, m: dict, marker: dict, root: Path) -> None:
    build = marker["build"]
    print(f"lake: {root}  {disk_mb(root / 'tables'):.0f} MB on disk, {len(plan.partitions)} partitions "
          f"({plan.last_round} rounds x {len(plan.domains)} domains x {plan.partition_samples} samples), "
          f"built in {build['write_s']} s writing ({build['commits']} commits) + {build['compact_s']} s compacting "
          f"({build['files_before_compaction']} files before)")
    print("files / rows after compaction: " + ", ".join(f"{t} {n} / {m['rows'][t]:,}" for t, n in m["files"].items()))
    print(f"probe: {m['probe']}")
    print(f"{'metric':<14}{'run_sql':>10}{'query alone':>13}{'target':>9}")
    print(f"{'open_s':<14}{m['open_s']:>10.3f}{'':>13}{TARGETS['open_s']:>9}")
    for name in ("count", "join", "lineage", "percentiles"):
        target = TARGETS.get(f"{name}_s", "")
        print(f"{name + '_s':<14}{m[name + '_s']:>10.3f}{m[name + '_alone_s']:>13.3f}{target:>9}")
    print(f"{'dedup_s':<14}{m['dedup_s']:>10.3f}{'':>13}{TARGETS['dedup_s']:>9}   dedup_path=index "
          f"(dedup_against_history: {m['dedup_rows']} new samples, {m['duplicates']} duplicates found, "
          f"{fx.PLANTED} planted)")
    print(f"{'peak_rss_mb':<14}{m['peak_rss_mb']:>10.0f}{'':>13}{TARGETS['peak_rss_mb']:>9}")
    for name in ("percentiles", "lineage"):
        print(f"\n{name}:\n{m[name + '_result']}")
    print(f"\nlake_scale samples={plan.samples} open_s={m['open_s']:.3f} count_s={m['count_s']:.3f} "
          f"join_s={m['join_s']:.3f} lineage_s={m['lineage_s']:.3f} dedup_s={m['dedup_s']:.3f} "
          f"peak_rss_mb={m['peak_rss_mb']:.0f} files={sum(m['files'].values())}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--samples", type=int, default=100_000, help="accepted samples in the lake")
    ap.add_argument("--partition-samples", type=int, default=560, help="accepted samples per round x domain")
    ap.add_argument("--domains", type=int, default=25, help="domains per round")
    ap.add_argument("--lake", help="build the lake here and reuse it when built with the same plan")
    ap.add_argument("--source", help="a data root holding a finished round to copy (else one is run)")
    ap.add_argument("--workers", type=int, default=2, help="writer processes while building")
    ap.add_argument("--keep", action="store_true", help="keep the temporary lake (--lake always stays)")
    args = ap.parse_args()
    if not fx.INDEX_TABLE:
        raise SystemExit("warehouse.schemas has no dedup_keys table: nothing to de-duplicate against")
    plan = fx.Plan(args.samples, args.partition_samples, fx.domain_names(args.domains))
    root = Path(args.lake).resolve() if args.lake else Path(tempfile.mkdtemp(prefix="lake_scale_"))
    try:
        source, marker = prepare_lake(args, plan, root)
        report(plan, measure(root, source, plan), marker, root)
    finally:
        if args.lake or args.keep:
            fx.log(f"the lake stays at {root}")
        else:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
