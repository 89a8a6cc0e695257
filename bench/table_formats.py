"""Delta Lake vs Apache Iceberg vs Lance for the lakehouse's `samples` workload, same run.

    .venv/bin/python bench/table_formats.py [--partitions 200] [--rows 30]

Why: every pipeline stage replaces exactly the rows it wrote for one partition (round, domain,
producer) -- a "partition overwrite by predicate" -- so the table sees many small replace commits,
is read through DuckDB via Arrow, and may be written by two stages at once. This measures, on a
synthetic table shaped like `samples` (sample_id, round int16, domain, producer, ~200-char
question, answer, difficulty int8, node_ids list<string>, ~2 KB random `png` bytes per row):

* overwrite_ms: the table is seeded with every partition in one commit, then each partition is
  replaced once (--partitions commits of --rows rows). Each replace opens the table from its path
  / catalog first, as a pipeline stage does. Mean, and mean of the first and last 20 (log growth).
  Delta: write_deltalake(mode='overwrite', predicate=...), partitioned by round and unpartitioned.
  Iceberg (pyiceberg, sqlite SqlCatalog, identity partitions on round and domain):
  Table.overwrite(df, overwrite_filter=...). Lance: one merge_insert on sample_id with
  when_not_matched_by_source_delete(predicate), i.e. a single atomic commit (delete + append
  would be two commits with a window where the partition is missing).
* open_s: constructing the table object again after those commits, in this process but with a
  new handle (Iceberg: a new SqlCatalog too); median of 3.
* count_s / one_partition_duckdb_s: DuckDB `count(*) GROUP BY domain` and `round = r AND domain = d`
  over the table registered through Arrow (Delta: to_pyarrow_dataset(); Lance: the LanceDataset,
  itself a pyarrow Dataset; Iceberg has no Arrow dataset, so scan().to_arrow_batch_reader(), which
  reads everything, DuckDB cannot push filters into it). DuckDB's delta/iceberg/lance extensions
  are not used (not downloadable here). one_partition_native_s: the same read with the format's
  own filter pushdown. Reads run after the overwrites and before compaction; timings are the
  median of 3, table open and source construction included; a wrong row count is flagged.
* files before/after compaction and compact_s: Delta optimize.compact(), Lance
  optimize.compact_files() (counts are Lance fragments), pyiceberg has no compaction call.
* concurrent: two 'spawn' processes each replace 20 different partitions (interleaved domains of
  the same rounds, so they share Delta files and Lance fragments) at the same time, retrying a
  failed commit up to 10 times (jittered exponential backoff) on a freshly opened table. Reports
  commits that succeeded, errors raised to the caller by type (plus retries a library logs it did
  itself), rows lost (expected minus final count) and stale partitions (a successful replace whose
  rows are not all in the final table: a lost update).
* polars: scan_delta / scan_iceberg / scan_lance and the group-by count, yes/no and its time.
* object stores: what each library documents (static text), not measured.

Every failing call is reported in its cell as "n/a: <error>"; no figure is made up. All files live
in a TemporaryDirectory. Progress goes to stderr, the markdown table to stdout; the defaults take
~2 min on 2 cores, most of it Iceberg. Needs deltalake, pyiceberg[sql-sqlite], pylance (plus
duckdb, polars, pyarrow from the project).
"""

from __future__ import annotations

import argparse
import logging
import multiprocessing as mp
import random
import statistics
import sys
import tempfile
import time
from importlib.metadata import PackageNotFoundError, version

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

DOMAINS = [
    "plane_geometry", "solid_geometry", "analytic_geometry", "function_plots", "bar_charts",
    "line_charts", "pie_charts", "tables", "circuits", "mechanics", "optics", "chemistry",
    "biology", "maps", "mazes", "graph_theory", "counting", "clocks", "tangrams", "venn",
    "flowcharts", "sudoku", "abacus", "puzzles", "statistics",
]
PRODUCERS = ["synth", "evolve", "verify"]
SCHEMA = pa.schema([
    ("sample_id", pa.string()),
    ("round", pa.int16()),
    ("domain", pa.string()),
    ("producer", pa.string()),
    ("question", pa.string()),
    ("answer", pa.string()),
    ("difficulty", pa.int8()),
    ("node_ids", pa.list_(pa.string())),
    ("png", pa.binary()),
])
QUERY_ROUND = 3  # the one-partition reads use the first domain of this round
CONCURRENT_PER_WORKER = 20
MAX_ATTEMPTS = 10
OVERWRITE = "overwrite_ms mean (first20→last20)"
FILES = "files before/after compact"
CONCURRENT = "concurrent (commits ok / errors / rows lost / stale)"
POLARS = "polars (group-by count)"
STORES = "object stores (documented, not measured)"
COLUMNS = ["format", "version", OVERWRITE, "open_s", "count_s", "one_partition_duckdb_s",
           "one_partition_native_s", FILES, "compact_s", CONCURRENT, POLARS, STORES]


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def short_error(exc: BaseException) -> str:
    text = " ".join(str(exc).split())[:110]
    return f"n/a: {text}" if isinstance(exc, NotImplementedError) else f"n/a: {type(exc).__name__}: {text}"


def pkg_version(name: str) -> str:
    try:
        return version(name)
    except PackageNotFoundError:
        return "not installed"


# ---------------------------------------------------------------- synthetic data

def partitions(n: int) -> list[tuple[int, str, str]]:
    """(round, domain, producer) keys: rounds 1.. x the 25 domains, one producer each."""
    keys = []
    for i in range(n):
        rnd, d = 1 + i // len(DOMAINS), i % len(DOMAINS)
        keys.append((rnd, DOMAINS[d], PRODUCERS[(rnd + d) % len(PRODUCERS)]))
    return keys


def predicate(part: tuple[int, str, str]) -> str:
    rnd, domain, producer = part
    return f"round = {rnd} AND domain = '{domain}' AND producer = '{producer}'"


def make_rows(part: tuple[int, str, str], n: int, tag: str, rng: random.Random) -> pa.Table:
    """n rows of one partition; `tag` prefixes the answer so a replace can be told from the seed."""
    rnd, domain, producer = part
    question = ("Points A({}, {}), B({}, {}) and C({}, {}) are plotted on the figure. What is the "
                "distance from C to the midpoint of AB, rounded to two decimal places? Use the grid "
                "spacing shown and ignore the labels drawn in grey.")
    cols = {name: [] for name in SCHEMA.names}
    for k in range(n):
        cols["sample_id"].append(f"r{rnd}.{domain}.{k:04d}")
        cols["round"].append(rnd)
        cols["domain"].append(domain)
        cols["producer"].append(producer)
        cols["question"].append(question.format(*(rng.randint(-9, 9) for _ in range(6))))
        cols["answer"].append(f"{tag}:{rng.choice('ABCD')}")
        cols["difficulty"].append(rng.randint(1, 5))
        cols["node_ids"].append([f"n{rng.randint(0, 999)}" for _ in range(rng.randint(2, 5))])
        cols["png"].append(rng.randbytes(2048))
    return pa.table(cols, schema=SCHEMA)


# ---------------------------------------------------------------- formats

class DeltaFormat:
    package = "deltalake"
    stores = "s3, gcs, azure via storage_options (delta-rs object_store)"

    def __init__(self, root: str, partition_by: list[str] | None):
        self.path = f"{root}/delta_{'_'.join(partition_by or ['flat'])}"
        self.partition_by = partition_by
        self.name = f"delta (partition_by={partition_by})" if partition_by else "delta (unpartitioned)"

    def create(self, data: pa.Table) -> None:
        from deltalake import write_deltalake
        write_deltalake(self.path, data, partition_by=self.partition_by)

    def overwrite(self, data: pa.Table, part: tuple[int, str, str]) -> None:
        from deltalake import write_deltalake
        write_deltalake(self.path, data, mode="overwrite", predicate=predicate(part),
                        partition_by=self.partition_by)

    def open(self):
        from deltalake import DeltaTable
        return DeltaTable(self.path)

    def duckdb_source(self, table):
        return table.to_pyarrow_dataset()

    def native_partition(self, table, rnd: int, domain: str) -> pa.Table:
        flt = (pc.field("round") == rnd) & (pc.field("domain") == domain)
        return table.to_pyarrow_dataset().to_table(filter=flt)

    def file_count(self, table) -> int:
        return len(table.file_uris())

    def compact(self, table) -> None:
        table.optimize.compact()

    def polars_frame(self, table):
        import polars as pl
        return pl.scan_delta(self.path)


class IcebergFormat:
    package = "pyiceberg"
    stores = "s3, gcs, adls via FileIO (pyarrow/fsspec); commits via the catalog"
    name = "iceberg (pyiceberg, sqlite catalog)"
    ident = "bench.samples"

    def __init__(self, root: str):
        self.root = root
        self._catalog = None

    def __getstate__(self):
        return {"root": self.root, "_catalog": None}

    def catalog(self, fresh: bool = False):
        if self._catalog is None or fresh:
            from pyiceberg.catalog.sql import SqlCatalog
            self._catalog = SqlCatalog("bench", uri=f"sqlite:///{self.root}/cat.db",
                                       warehouse=f"file://{self.root}/wh")
        return self._catalog

    def create(self, data: pa.Table) -> None:
        cat = self.catalog()
        cat.create_namespace_if_not_exists("bench")
        table = cat.create_table(self.ident, schema=data.schema)
        with table.update_spec() as spec:
            spec.add_identity("round")
            spec.add_identity("domain")
        table.append(data)

    def overwrite(self, data: pa.Table, part: tuple[int, str, str]) -> None:
        self.catalog().load_table(self.ident).overwrite(data, overwrite_filter=predicate(part))

    def open(self):
        return self.catalog(fresh=True).load_table(self.ident)

    def duckdb_source(self, table):
        return table.scan().to_arrow_batch_reader()

    def native_partition(self, table, rnd: int, domain: str) -> pa.Table:
        return table.scan(row_filter=f"round = {rnd} AND domain = '{domain}'").to_arrow()

    def file_count(self, table) -> int:
        return table.inspect.data_files().num_rows

    def compact(self, table) -> None:
        offered = [m for m in dir(table.maintenance)
                   if not m.startswith("_") and callable(getattr(table.maintenance, m))]
        if "rewrite_data_files" not in offered:
            raise NotImplementedError(f"no compaction call in pyiceberg (maintenance: {', '.join(offered)})")
        table.maintenance.rewrite_data_files()

    def polars_frame(self, table):
        import polars as pl
        return pl.scan_iceberg(table)


class LanceFormat:
    package = "pylance"
    stores = "s3, gcs, azure via storage_options (S3 commits need conditional put)"
    name = "lance (merge_insert)"

    def __init__(self, root: str):
        self.path = f"{root}/samples.lance"

    def create(self, data: pa.Table) -> None:
        import lance
        lance.write_dataset(data, self.path)

    def overwrite(self, data: pa.Table, part: tuple[int, str, str]) -> None:
        import lance
        (lance.dataset(self.path).merge_insert("sample_id")
         .when_matched_update_all()
         .when_not_matched_insert_all()
         .when_not_matched_by_source_delete(predicate(part))
         .execute(data))

    def open(self):
        import lance
        return lance.dataset(self.path)

    def duckdb_source(self, table):
        return table

    def native_partition(self, table, rnd: int, domain: str) -> pa.Table:
        return table.to_table(filter=f"round = {rnd} AND domain = '{domain}'")

    def file_count(self, table) -> int:
        return len(table.get_fragments())

    def compact(self, table) -> None:
        table.optimize.compact_files()

    def polars_frame(self, table):
        import polars as pl
        return pl.scan_lance(self.path)


# ---------------------------------------------------------------- measurements

def timed(fn):
    start = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - start


def median_time(fn, repeat: int = 3):
    """(last result, median seconds) over `repeat` calls."""
    times, out = [], None
    for _ in range(repeat):
        out, secs = timed(fn)
        times.append(secs)
    return out, statistics.median(times)


def checked(secs: float, got: int, want: int) -> str:
    return f"{secs:.4f}" if got == want else f"{secs:.4f} (!{got} rows, want {want})"


def measure_overwrites(fmt, batches, parts) -> str:
    times = [timed(lambda: fmt.overwrite(b, p))[1] * 1e3 for b, p in zip(batches, parts)]
    head, tail = times[:20], times[-20:]
    return (f"{statistics.mean(times):.1f} "
            f"({statistics.mean(head):.0f}→{statistics.mean(tail):.0f})")


def duckdb_query(fmt, sql: str):
    def run():
        con = duckdb.connect()
        con.register("samples", fmt.duckdb_source(fmt.open()))
        return con.execute(sql).fetchall()
    return run


def measure_count(fmt, total: int) -> str:
    sql = "SELECT domain, count(*) FROM samples GROUP BY domain"
    rows, secs = median_time(duckdb_query(fmt, sql))
    return checked(secs, sum(n for _, n in rows), total)


def measure_partition_duckdb(fmt, rnd: int, domain: str, want: int) -> str:
    sql = f"SELECT * FROM samples WHERE round = {rnd} AND domain = '{domain}'"
    rows, secs = median_time(duckdb_query(fmt, sql))
    return checked(secs, len(rows), want)


def measure_partition_native(fmt, rnd: int, domain: str, want: int) -> str:
    table, secs = median_time(lambda: fmt.native_partition(fmt.open(), rnd, domain))
    return checked(secs, table.num_rows, want)


def measure_compaction(fmt) -> tuple[str, str]:
    before = fmt.file_count(fmt.open())
    _, secs = timed(lambda: fmt.compact(fmt.open()))
    return f"{before} → {fmt.file_count(fmt.open())}", f"{secs:.3f}"


def measure_polars(fmt, total: int) -> str:
    frame, secs = median_time(lambda: fmt.polars_frame(fmt.open()).group_by("domain").len().collect())
    got = frame["len"].sum()
    return f"yes, {secs:.3f}s" if got == total else f"no: {got} rows, want {total}"


# ---------------------------------------------------------------- concurrency

class RetryLogCounter(logging.Handler):
    """Counts (and swallows) the library's own "retrying" log lines, e.g. pyiceberg's commit retry."""

    def __init__(self):
        super().__init__(logging.WARNING)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.count += "retrying" in record.getMessage()


def concurrent_worker(fmt, parts, rows: int, seed: int, barrier, results) -> None:
    """Replace `parts` one by one, retrying each failed commit; report counts to `results`."""
    rng = random.Random(seed)
    batches = [make_rows(p, rows, "conc", rng) for p in parts]
    done, errors = [], {}
    counter = RetryLogCounter()
    logging.getLogger().addHandler(counter)
    barrier.wait(timeout=120)
    for part, batch in zip(parts, batches):
        for attempt in range(MAX_ATTEMPTS):
            try:
                fmt.overwrite(batch, part)
                done.append(part)
                break
            except Exception as exc:  # noqa: BLE001 -- every commit error is what we count
                errors[type(exc).__name__] = errors.get(type(exc).__name__, 0) + 1
                time.sleep(rng.uniform(0.0, min(1.0, 0.02 * 2 ** attempt)))  # jittered backoff
    if counter.count:
        errors["internal retry (logged)"] = counter.count
    results.put((done, errors))


def measure_concurrency(fmt, parts, rows: int, total: int) -> str:
    ctx = mp.get_context("spawn")
    barrier, results = ctx.Barrier(2), ctx.Queue()
    halves = [parts[0::2][:CONCURRENT_PER_WORKER], parts[1::2][:CONCURRENT_PER_WORKER]]
    procs = [ctx.Process(target=concurrent_worker, args=(fmt, half, rows, 100 + i, barrier, results))
             for i, half in enumerate(halves)]
    for proc in procs:
        proc.start()
    try:
        outcomes = [results.get(timeout=240) for _ in procs]
    finally:
        for proc in procs:
            proc.join(timeout=10)
            if proc.is_alive():
                proc.terminate()
    done = [p for ok, _ in outcomes for p in ok]
    errors: dict[str, int] = {}
    for _, errs in outcomes:
        for name, n in errs.items():
            errors[name] = errors.get(name, 0) + n
    con = duckdb.connect()
    con.register("samples", fmt.duckdb_source(fmt.open()))
    per_part = con.execute("SELECT round, domain, producer, count(*), "
                           "count(*) FILTER (WHERE answer LIKE 'conc:%') "
                           "FROM samples GROUP BY ALL").fetchall()
    count = sum(n for *_, n, _ in per_part)
    fresh = {(r, d, p) for r, d, p, _, conc in per_part if conc == rows}
    stale = sum(1 for p in done if p not in fresh)
    err_text = ", ".join(f"{n}×{name}" for name, n in errors.items()) or "0"
    return (f"{len(done)}/{sum(map(len, halves))} ok / {err_text} / "
            f"{total - count} lost / {stale} stale")


# ---------------------------------------------------------------- driver

def cell(row: dict, column: str, fn) -> None:
    try:
        row[column] = fn()
    except Exception as exc:  # noqa: BLE001 -- a failing API is a result, reported in its cell
        row[column] = short_error(exc)
        log(f"  {column}: {row[column]}")


def bench_format(fmt, parts, seed_table, batches, rows: int) -> dict:
    total = seed_table.num_rows
    rnd, domain, _ = next((p for p in parts if p[0] == QUERY_ROUND), parts[len(parts) // 2])
    row = {"format": fmt.name, "version": pkg_version(fmt.package), STORES: fmt.stores}
    log(f"{fmt.name}: seed {total} rows, then {len(parts)} partition overwrites")
    try:
        fmt.create(seed_table)
    except Exception as exc:  # noqa: BLE001
        return row | {c: short_error(exc) for c in COLUMNS if c not in row}
    cell(row, OVERWRITE, lambda: measure_overwrites(fmt, batches, parts))
    log(f"  overwrites done: {row[OVERWRITE]} ms")
    cell(row, "open_s", lambda: f"{median_time(fmt.open)[1]:.4f}")
    cell(row, "count_s", lambda: measure_count(fmt, total))
    cell(row, "one_partition_duckdb_s", lambda: measure_partition_duckdb(fmt, rnd, domain, rows))
    cell(row, "one_partition_native_s", lambda: measure_partition_native(fmt, rnd, domain, rows))
    cell(row, POLARS, lambda: measure_polars(fmt, total))
    log("  reads done; compacting")
    try:
        row[FILES], row["compact_s"] = measure_compaction(fmt)
    except Exception as exc:  # noqa: BLE001
        row["compact_s"] = short_error(exc)
        cell(row, FILES, lambda: f"{fmt.file_count(fmt.open())} → (no compaction)")
    log("  concurrency: 2 processes")
    cell(row, CONCURRENT, lambda: measure_concurrency(fmt, parts, rows, total))
    log(f"  {row[CONCURRENT]}")
    return row


def markdown(rows: list[dict]) -> str:
    lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    for row in rows:
        lines.append("| " + " | ".join(str(row.get(c, "")).replace("|", "/") for c in COLUMNS) + " |")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--partitions", type=int, default=200, help="partition overwrites per format")
    ap.add_argument("--rows", type=int, default=30, help="rows per partition")
    args = ap.parse_args()
    if args.partitions < 2 * CONCURRENT_PER_WORKER:
        ap.error(f"--partitions must be at least {2 * CONCURRENT_PER_WORKER}")

    rng = random.Random(0)
    parts = partitions(args.partitions)
    seed_table = pa.concat_tables(make_rows(p, args.rows, "seed", rng) for p in parts)
    batches = [make_rows(p, args.rows, "redo", rng) for p in parts]
    log(f"data: {seed_table.num_rows} rows, {seed_table.nbytes / 1e6:.1f} MB in memory; "
        f"duckdb {duckdb.__version__}, pyarrow {pa.__version__}, polars {pkg_version('polars')}")

    results = []
    with tempfile.TemporaryDirectory(prefix="table_formats_") as tmp:
        formats = [DeltaFormat(tmp, ["round"]), DeltaFormat(tmp, None),
                   IcebergFormat(tmp), LanceFormat(tmp)]
        for fmt in formats:
            start = time.perf_counter()
            results.append(bench_format(fmt, parts, seed_table, batches, args.rows))
            log(f"{fmt.name}: {time.perf_counter() - start:.1f}s")
    print(markdown(results))


if __name__ == "__main__":
    main()
