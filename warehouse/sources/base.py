"""The loader framework: a :class:`Source` describes one public dataset (files, columns, how a
record becomes rows); :func:`load` streams its files batch by batch into the lake.

Every source writes partition ``round = 0, domain = <source name>`` of its table, of ``images``
(content addressed, de-duplicated) and of ``source_errors``; one Parquet file per input file, so a
reload replaces exactly what the last load wrote. Bad input never stops a load: a missing column, an
unreadable or truncated file, a corrupt image or an odd value becomes a ``source_errors`` row naming
the file, row and column, and every other row still loads."""

from __future__ import annotations

import contextlib
import csv
import json
import re
import sys
import tempfile
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from warehouse.images import image_id as sha256_id
from warehouse.images import image_row
from warehouse.sources.images import ImageError, resolve_image, to_png, verify_png
from warehouse.storage import Lake, SchemaError, to_arrow

ROUND = 0  # public datasets are not produced by a flywheel round
# what reading a damaged file raises (decoding, decompression, I/O, text encoding, CSV quoting)
_READ_ERRORS = (pa.ArrowException, OSError, ValueError, EOFError, csv.Error)
BATCH_ROWS = 128  # rows per Arrow batch: a few MB of embedded images, never a whole shard


class SourceLayoutError(FileNotFoundError):
    """The dataset folder is absent or holds none of the files its maintainers publish."""


class RowError(ValueError):
    """One record cannot be loaded; the driver records it with the file and row and goes on."""

    def __init__(self, column: str, message: str, kind: str = "bad_value"):
        super().__init__(f"{column}: {message}" if column else message)
        self.column, self.message, self.kind = column, message, kind


@dataclass(frozen=True)
class LoadError:
    """One problem found while loading (a ``source_errors`` row without the partition columns)."""

    dataset: str
    file: str
    row: int | None  # 1-based: the N-th record (JSON Lines: line N); None: the whole file
    column: str
    kind: str  # missing_column | unreadable_file | corrupt_image | bad_value
    message: str

    def __str__(self) -> str:
        where = self.file if self.row is None else f"{self.file} row {self.row}"
        return f"{where}{f' [{self.column}]' if self.column else ''}: {self.kind}: {self.message}"


@dataclass
class LoadReport:
    """What one load did: rows written per table, new images, files read, and every error."""

    dataset: str
    table: str
    rows: int = 0
    images: int = 0
    files: list[str] = field(default_factory=list)
    errors: list[LoadError] = field(default_factory=list)

    def summary(self) -> str:
        return (f"{self.dataset}: {self.rows} rows into {self.table}, {self.images} new images, "
                f"{len(self.files)} files, {len(self.errors)} errors")


class RowContext:
    """What a converter gets besides the record: where it came from and an image loader."""

    def __init__(self, source: Source, folder: Path, file: Path, row: int, split: str, seen: set[str]):
        self.source, self.folder, self.file, self.row, self.split = source, folder, file, row, split
        self._seen = seen
        self.new_images: dict[str, tuple[bytes, str]] = {}  # id -> (png, column): validated after convert
        self.warnings: list[tuple[str, str, str]] = []  # (column, kind, message): row loads anyway

    def image(self, value, column: str) -> str:
        """The image id of an image value (struct, bytes, base64 or relative path). Broken bytes
        raise :class:`RowError` here (cheap structural check); the full decode and perceptual hash
        of a new image run per batch, and the record is dropped if that fails."""
        try:
            png = to_png(resolve_image(value, self.folder))
            verify_png(png)
        except ImageError as err:
            raise RowError(column, str(err), "corrupt_image") from None
        iid = sha256_id(png)
        if iid not in self._seen:
            self.new_images.setdefault(iid, (png, column))
        return iid

    def warn(self, column: str, message: str, kind: str = "bad_value") -> None:
        self.warnings.append((column, kind, message))


Converter = Callable[[Mapping, RowContext], list[dict]]


@dataclass(frozen=True)
class Layout:
    """One way a dataset is published: the files (globs under its folder) and their columns."""

    globs: tuple[str, ...]
    required: tuple[str, ...]  # a file without one of these is skipped (reported)
    optional: tuple[str, ...] = ()  # absent -> null, reported once per file
    extra: tuple[str, ...] = ()  # read when present, never reported (older or variant columns)

    @property
    def columns(self) -> list[str]:
        return [*self.required, *self.optional, *self.extra]


@dataclass(frozen=True)
class Source:
    """One public dataset as its maintainers publish it."""

    name: str  # CLI name and the ``domain`` partition value of everything it loads
    folder: str  # sub-folder name under the download root (the Hub repository's name)
    table: str
    layouts: tuple[Layout, ...]  # alternatives: the first whose globs match any file is used
    convert: Converter
    description: str = ""

    def files(self, folder: Path) -> tuple[Layout | None, list[Path]]:
        for layout in self.layouts:
            found = sorted({p for g in layout.globs for p in folder.glob(g) if p.is_file()}, key=_natural)
            if found:
                return layout, found
        return None, []

    def layout_doc(self) -> str:
        alts = " or ".join(", ".join(f"{self.folder}/{g}" for g in layout.globs) for layout in self.layouts)
        return f"{self.name}: {alts}"


def _natural(path: Path) -> list:
    """Sort key treating digit runs as numbers (train_part2 before train_part10)."""
    return [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", str(path))]


def split_of(path: Path) -> str:
    """The split a file belongs to by Hub naming (``train_part3-00000-of-00001`` -> ``train_part3``)."""
    return path.name.split(".")[0].split("-")[0]


# ---- readers: (columns present, iterator of (first row index, records)) ----

def _parquet(path: Path, columns: list[str], batch_rows: int) -> tuple[set[str], Iterator[tuple[int, list[dict]]]]:
    pf = pq.ParquetFile(path)
    present = set(pf.schema_arrow.names)
    wanted = [c for c in columns if c in present]

    def batches():
        # row group by row group: a corrupt one is reported and the groups after it still load
        start = 0
        for g in range(pf.metadata.num_row_groups):
            n = pf.metadata.row_group(g).num_rows
            done = 0
            try:
                for batch in pf.iter_batches(batch_size=batch_rows, row_groups=[g], columns=wanted):
                    records = batch.to_pylist()
                    yield start + done, records
                    done += len(records)
            except (pa.ArrowException, OSError) as err:
                yield start + done, Unreadable(f"rows {start + done + 1}-{start + n} unreadable "
                                               f"(row group {g}): {' '.join(str(err).split())}")
            start += n
    return present, batches()


def _jsonl(path: Path, columns: list[str], batch_rows: int):
    lines = _json_lines(path)
    first = next(lines, None)
    present = set(first[1]) if first and isinstance(first[1], dict) else set()

    def batches():
        buf: list = []
        start = 0
        for i, rec in _chain(first, lines):
            if buf and i != start + len(buf):  # after blank lines: a new batch, so rows keep their line numbers
                yield start, buf
                buf = []
            if not buf:
                start = i
            buf.append(rec)
            if len(buf) == batch_rows:
                yield start, buf
                buf = []
        if buf:
            yield start, buf
    return present, batches()


def _chain(first, rest):
    if first is not None:
        yield first
    yield from rest


def _json_lines(path: Path):
    """(0-based line index, record) per non-blank line: errors then name the line an editor shows."""
    with open(path, encoding="utf-8") as fh:
        for i, line in enumerate(fh):
            if not line.strip():
                continue
            try:
                yield i, json.loads(line)
            except json.JSONDecodeError as err:
                yield i, _BadRecord(f"invalid JSON: {err}")


def _json(path: Path, columns: list[str], batch_rows: int):
    with open(path, encoding="utf-8") as fh:
        data = json.load(fh)
    if isinstance(data, dict):  # {"id": record} or {"data": [...]}
        data = data.get("data") if isinstance(data.get("data"), list) else list(data.values())
    if not isinstance(data, list):
        raise ValueError("expected a JSON array of records")
    present = set(data[0]) if data and isinstance(data[0], dict) else set()
    return present, ((i, data[i:i + batch_rows]) for i in range(0, len(data), batch_rows))


def _tsv(path: Path, columns: list[str], batch_rows: int):
    """VLMEvalKit's benchmark TSVs: a header row, base64 images, empty cells for missing values."""
    csv.field_size_limit(sys.maxsize)  # a base64 image is one (large) cell
    fh = open(path, newline="", encoding="utf-8")
    reader = csv.DictReader(fh, delimiter="\t")
    try:
        present = set(reader.fieldnames or [])
    except Exception:
        fh.close()
        raise

    def batches():
        with fh:
            buf: list = []
            for i, rec in enumerate(reader):
                buf.append({k: v for k, v in rec.items() if k is not None and v != ""})
                if len(buf) == batch_rows:
                    yield i + 1 - len(buf), buf
                    buf = []
            if buf:
                yield i + 1 - len(buf), buf
    return present, batches()


class Unreadable(str):
    """In place of a batch: a stretch of a file the reader could not decode (the message says which)."""


class _BadRecord(dict):
    """A record the reader could not parse; converting it raises with the reader's message."""

    def __init__(self, message: str):
        super().__init__()
        self.message = message


READERS = {".parquet": _parquet, ".jsonl": _jsonl, ".json": _json, ".tsv": _tsv}


# ---- writers ----

class PartitionWriter:
    """Streams validated row batches into one producer's rows of a table's partition: batches are
    spooled to a local temporary file and published in one Delta commit on :meth:`commit`."""

    def __init__(self, lake: Lake, table: str, domain: str, producer: str):
        self.lake, self.table, self.domain, self.producer = lake, table, domain, producer
        self.rows = 0
        self._writer: pq.ParquetWriter | None = None
        self._stack = contextlib.ExitStack()
        self._spool = ""

    def write(self, data: pa.Table) -> None:
        if not data.num_rows:
            return
        if self._writer is None:
            folder = self._stack.enter_context(tempfile.TemporaryDirectory(prefix="flywheel-load-"))
            self._spool = f"{folder}/rows.parquet"
            self._writer = pq.ParquetWriter(self._spool, data.schema)
        self._writer.write_table(data)
        self.rows += data.num_rows

    def commit(self) -> bool:
        """Publish the rows; False (and nothing written) when no row was written."""
        if self._writer is None:
            return False
        self._writer.close()
        with self._stack:
            self.lake.write_batches(self.table, pq.ParquetFile(self._spool).iter_batches(BATCH_ROWS),
                                    round=ROUND, domain=self.domain, producer=self.producer)
        return True

    def abort(self) -> None:
        if self._writer is not None:
            self._writer.close()
        self._stack.__exit__(RuntimeError, RuntimeError("aborted"), None)


def validated(table: str, rows: list[dict], on_bad: Callable[[int, str], None]) -> pa.Table:
    """Rows as an Arrow table of ``table``'s schema; rows that do not fit are reported and dropped."""
    try:
        return to_arrow(table, rows)
    except SchemaError:
        good = []
        for i, row in enumerate(rows):
            try:
                to_arrow(table, [row])
                good.append(row)
            except SchemaError as err:
                on_bad(i, str(err))
        return to_arrow(table, good)


# ---- the driver ----

def load(source: Source, folder: str | Path, lake: Lake | None = None, batch_rows: int = BATCH_ROWS,
         workers: int = 1) -> LoadReport:
    """Load every file of ``source`` under ``folder`` into the lake; see the module docstring.
    ``workers`` > 1 decodes and perceptually hashes new images in that many processes."""
    lake = lake or Lake()
    folder = Path(folder)
    if not folder.is_dir():
        raise SourceLayoutError(f"{source.name}: folder {folder} does not exist; expected {source.layout_doc()} "
                                f"(see warehouse/sources/README.md)")
    layout, files = source.files(folder)
    if not files:
        raise SourceLayoutError(f"{source.name}: no data files in {folder}; expected {source.layout_doc()} "
                                f"(see warehouse/sources/README.md)")
    report = LoadReport(source.name, source.table)
    seen: set[str] = set()  # image ids written by this load (every readable file is rewritten)
    with _ImageRows(source.name, workers) as image_rows:
        for path in files:
            _load_file(source, layout, folder, path, lake, batch_rows, seen, report, image_rows)
    errors = [{**vars(e), "round": ROUND, "domain": source.name} for e in report.errors]
    lake.write("source_errors", errors, round=ROUND, domain=source.name, producer="load")
    _remove_stale(lake, source.name, [source.table, "images"], {_producer(p) for p in files})
    return report


def _image_row(args: tuple[bytes, str]) -> dict | str:
    """An ``images`` row without its bytes (the caller has them), or why the PNG cannot be decoded."""
    png, domain = args
    try:
        row = image_row(png, ROUND, domain)
    except Exception as err:  # PIL raises many types for broken data
        return f"undecodable image ({len(png)} bytes): {str(err).split(' <_io.')[0]}"
    del row["png"]
    return row


class _ImageRows:
    """Full decode + perceptual hash of new images, in this process or a process pool."""

    def __init__(self, domain: str, workers: int):
        self.domain, self.workers, self._pool = domain, workers, None

    def __enter__(self):
        if self.workers > 1:
            import multiprocessing
            from concurrent.futures import ProcessPoolExecutor

            self._pool = ProcessPoolExecutor(self.workers, mp_context=multiprocessing.get_context("spawn"))
        return self

    def __exit__(self, *exc) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)

    def __call__(self, pngs: dict[str, bytes]) -> dict[str, dict | str]:
        args = [(png, self.domain) for png in pngs.values()]
        if self._pool is None or len(args) < 2:
            results = map(_image_row, args)
        else:
            results = self._pool.map(_image_row, args, chunksize=max(1, len(args) // (4 * self.workers)))
        return {iid: (r if isinstance(r, str) else {**r, "png": pngs[iid]}) for iid, r in zip(pngs, results)}


def _load_file(source: Source, layout: Layout, folder: Path, path: Path, lake: Lake, batch_rows: int,
               seen: set[str], report: LoadReport, image_rows: _ImageRows) -> None:
    rel = str(path.relative_to(folder.parent)) if folder.parent in path.parents else str(path)
    report.files.append(rel)

    def err(row: int | None, column: str, kind: str, message: str) -> None:
        # ``row`` is the 0-based record index (JSON Lines: line index); errors say what an editor shows
        report.errors.append(LoadError(source.name, rel, None if row is None else row + 1, column, kind, message))

    reader = READERS.get(path.suffix.lower())
    if reader is None:
        err(None, "", "unreadable_file", f"unsupported file type {path.suffix!r}")
        return
    try:
        present, batches = reader(path, layout.columns, batch_rows)
    except Exception as e:  # truncated footer, bad magic, invalid JSON
        err(None, "", "unreadable_file", f"cannot open: {' '.join(str(e).split())}")
        return
    missing = [c for c in layout.required if c not in present]
    if missing:
        err(None, ",".join(missing), "missing_column", f"missing required column(s) {missing}; file skipped")
        return
    for c in layout.optional:
        if c not in present:
            err(None, c, "missing_column", "optional column absent; loaded as null")
    producer = _producer(path)
    images = PartitionWriter(lake, "images", source.name, producer)
    rows_out = PartitionWriter(lake, source.table, source.name, producer)
    split = split_of(path)
    next_row = 0
    try:
        while True:
            try:
                start, records = next(batches)
            except StopIteration:
                break
            except _READ_ERRORS as e:  # a truncated stream: keep what was read before it
                err(next_row, "", "unreadable_file", f"read failed from row {next_row + 1} on: "
                                                     f"{' '.join(str(e).split())}; earlier rows kept")
                break
            if isinstance(records, Unreadable):
                err(start, "", "unreadable_file", str(records))
                continue
            _write_batch(source, folder, path, rel, split, start, records, seen, image_rows, images, rows_out, err)
            next_row = start + len(records)
    except BaseException:  # a bug, not bad input: publish nothing from this file
        images.abort()
        rows_out.abort()
        raise
    # images first: a reader that sees a row always finds its image. A file that yielded nothing
    # (unreadable, skipped) leaves what an earlier load of it wrote in place.
    images.commit()
    rows_out.commit()
    report.images += images.rows
    report.rows += rows_out.rows


def _write_batch(source: Source, folder: Path, path: Path, rel: str, split: str, start: int, records: list,
                 seen: set[str], image_rows: _ImageRows, images: PartitionWriter, rows_out: PartitionWriter,
                 err) -> None:
    """Convert one batch, decode its new images, drop records with broken ones, write the rest."""
    converted = [_convert(source, folder, path, start + i, split, rec, seen, err) for i, rec in enumerate(records)]
    converted = [c for c in converted if c is not None]
    decoded = image_rows({iid: png for c in converted for iid, (png, _) in c[2].items()})
    out, new_images = [], {}
    for row, rows, staged, warnings in converted:
        bad = [(col, decoded[iid]) for iid, (_, col) in staged.items() if isinstance(decoded[iid], str)]
        if bad:
            err(row, bad[0][0], "corrupt_image", bad[0][1])
            continue
        for column, kind, message in warnings:
            err(row, column, kind, message)
        new_images.update((iid, decoded[iid]) for iid in staged)
        out.extend({**r, "source_file": rel, "source_row": row, "round": ROUND, "domain": source.name} for r in rows)
    images.write(to_arrow("images", list(new_images.values())))
    seen.update(new_images)
    rows_out.write(validated(source.table, out, lambda i, m: err(out[i]["source_row"], "", "bad_value", m)))


def _convert(source: Source, folder: Path, path: Path, row: int, split: str, rec, seen: set[str], err):
    """(row, converted rows, staged new images, warnings) of one record, or None when it failed."""
    if isinstance(rec, _BadRecord):
        err(row, "", "bad_value", rec.message)
        return None
    if not isinstance(rec, Mapping):
        err(row, "", "bad_value", f"expected a record, got {type(rec).__name__}")
        return None
    ctx = RowContext(source, folder, path, row, split, seen)
    try:
        rows = source.convert(rec, ctx)
    except RowError as e:
        err(row, e.column, e.kind, e.message)
        return None
    except (KeyError, TypeError, ValueError) as e:
        err(row, "", "bad_value", f"{type(e).__name__}: {e}")
        return None
    return row, rows, ctx.new_images, ctx.warnings


def _producer(path: Path) -> str:
    """The file name the rows of one input file go to (its name without extensions)."""
    return re.sub(r"[^A-Za-z0-9_.-]", "_", path.name.split(".")[0])


def _remove_stale(lake: Lake, domain: str, tables: list[str], keep: set[str]) -> None:
    """Drop rows an earlier load wrote for input files the folder no longer has."""
    for table in tables:
        for producer in lake.producers(table, ROUND, domain) - keep:
            lake.drop(table, ROUND, domain, producer)
