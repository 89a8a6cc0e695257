"""Throughput of the public-dataset loader vs a plain pyarrow read of the same shard, same run.

    .venv/bin/python bench/source_load.py [--rows 2000] [--size 320x240] [--batch-rows 128] [--workers N]

Writes one synthetic V-Interaction-400K shard (the release's columns; ``image`` and
``edited_image`` as Hub ``{bytes, path}`` structs holding distinct PNGs with random strokes, code
and CoT strings of release-like length) and times:

* ``pyarrow``: ``pq.read_table`` of the whole file (the floor: decompression only, no images
  decoded, everything in memory);
* ``loader``: ``warehouse.sources.load("vinteraction", ...)`` into a fresh lake: streamed in
  batches, every image decoded, hashed, phashed and written to ``images``, rows validated and
  written to ``source_vinteraction``, errors table written;
* ``loader, N workers``: the same load again (files replaced, nothing cached) with images decoded
  and hashed in N processes (default: all cores).

Prints rows/s and the loader/pyarrow ratio.
"""

from __future__ import annotations

import argparse
import io
import os
import random
import sys
import tempfile
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from PIL import Image, ImageDraw

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from warehouse.sources import load  # noqa: E402
from warehouse.storage import Lake  # noqa: E402

HF_IMAGE = pa.struct([("bytes", pa.binary()), ("path", pa.string())])


def figure(rng: random.Random, size: tuple[int, int]) -> bytes:
    img = Image.new("RGB", size, "white")
    draw = ImageDraw.Draw(img)
    for _ in range(12):
        pts = [(rng.randrange(size[0]), rng.randrange(size[1])) for _ in range(2)]
        draw.line(pts, fill=(rng.randrange(256), rng.randrange(256), rng.randrange(256)), width=rng.randint(1, 4))
    draw.text((rng.randrange(size[0] - 20), rng.randrange(size[1] - 10)), rng.choice("ABCDEFG"), fill="black")
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return buf.getvalue()


def write_shard(path: Path, rows: int, size: tuple[int, int], seed: int = 0) -> None:
    rng = random.Random(seed)
    code = "import matplotlib.pyplot as plt\n" + "ax.plot([0, 1], [2, 3], color='k')\n" * 30
    cot = "<think>" + "reasoning step. " * 150 + "<code>'''python\n" + code + "'''</code>" \
          "<sandbox_output><image></sandbox_output></think> <answer>42</answer>"
    cols = {"id": [], "question": [], "image": [], "original_img_code": [], "edited_image": [], "tool_code": [],
            "CoT_with_code": [], "answer": []}
    for i in range(rows):
        cols["id"].append(f"bench_{i}")
        cols["question"].append(f"In the figure, find the length of segment AB number {i}. " * 3)
        cols["image"].append({"bytes": figure(rng, size), "path": f"{i}.png"})
        cols["original_img_code"].append(code)
        cols["edited_image"].append({"bytes": figure(rng, size), "path": f"{i}_edited.png"})
        cols["tool_code"].append(code)
        cols["CoT_with_code"].append(cot)
        cols["answer"].append(str(i % 97))
    table = pa.table({k: pa.array(v, type=HF_IMAGE if k in ("image", "edited_image") else pa.string())
                      for k, v in cols.items()})
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, path, row_group_size=1000)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=2000)
    parser.add_argument("--size", default="320x240", help="image size WxH")
    parser.add_argument("--batch-rows", type=int, default=128)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    size = tuple(int(x) for x in args.size.split("x"))
    print(f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} (figures scale with free cores)")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "V-Interaction-400K"
        shard = folder / "data" / "train_part1-00000-of-00001.parquet"
        t0 = time.perf_counter()
        write_shard(shard, args.rows, size)
        print(f"synthetic shard: {args.rows} rows, 2 images of {size[0]}x{size[1]} each, "
              f"{shard.stat().st_size / 1e6:.1f} MB, written in {time.perf_counter() - t0:.1f}s")

        t0 = time.perf_counter()
        n = pq.read_table(shard).num_rows
        t_arrow = time.perf_counter() - t0
        assert n == args.rows
        print(f"pyarrow read_table     : {n / t_arrow:12.0f} rows/s ({t_arrow:.3f}s)")

        lake = Lake(Path(tmp) / "lake")
        for workers in sorted({1, args.workers}):
            label = f"loader, {workers} worker{'s' if workers > 1 else ''}"
            t0 = time.perf_counter()
            report = load("vinteraction", folder, lake, batch_rows=args.batch_rows, workers=workers)
            t_load = time.perf_counter() - t0
            assert report.rows == args.rows and not report.errors, report.summary()
            print(f"{label:<23}: {report.rows / t_load:12.0f} rows/s ({t_load:.2f}s, "
                  f"{2 * report.rows / t_load:.0f} images/s) = {t_arrow / t_load:.4f}x pyarrow "
                  f"({t_load / t_arrow:.0f}x slower)")


if __name__ == "__main__":
    main()
