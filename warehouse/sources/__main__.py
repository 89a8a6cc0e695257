"""``python -m warehouse.sources <dataset|all> <folder> [--root LAKE]``: load public datasets.

``<folder>`` is the dataset's own folder (e.g. ``downloads/VTBench``); with ``all`` it is the
download root holding one sub-folder per dataset (absent ones are skipped). Exit status: 0 all
rows loaded, 1 some rows or files were reported in ``source_errors``, 2 nothing could be loaded."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from warehouse.sources import SOURCES, SourceLayoutError, layout, load
from warehouse.storage import Lake


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m warehouse.sources", description=__doc__.split("\n")[0],
                                     epilog="expected layout under the download root:\n" + layout(),
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("dataset", choices=[*SOURCES, "all"])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--root", default=None, help="lake root (default $FLYWHEEL_DATA_ROOT or ./data)")
    parser.add_argument("--workers", type=int, default=1, help="processes decoding images (default 1)")
    parser.add_argument("--show-errors", type=int, default=20, help="print at most this many errors")
    args = parser.parse_args(argv)
    lake = Lake(args.root)
    if args.dataset == "all":
        todo = [(name, args.folder / s.folder) for name, s in SOURCES.items() if (args.folder / s.folder).is_dir()]
        if not todo:
            print(f"no dataset folder under {args.folder}; expected:\n{layout()}", file=sys.stderr)
            return 2
    else:
        todo = [(args.dataset, args.folder)]
    status = 0
    for name, folder in todo:
        t0 = time.perf_counter()
        try:
            report = load(name, folder, lake, workers=args.workers)
        except SourceLayoutError as err:
            print(err, file=sys.stderr)
            status = 2
            continue
        dt = time.perf_counter() - t0
        print(f"{report.summary()} in {dt:.1f}s ({report.rows / max(dt, 1e-9):.0f} rows/s)")
        for e in report.errors[:args.show_errors]:
            print(f"  {e}", file=sys.stderr)
        if len(report.errors) > args.show_errors:
            print(f"  ... {len(report.errors) - args.show_errors} more in table source_errors", file=sys.stderr)
        if report.errors:
            status = max(status, 1)
    return status


if __name__ == "__main__":
    sys.exit(main())
