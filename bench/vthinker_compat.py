"""How usable a round's exports are by V-Thinker's own tools, in counts (issue 13's before/after).

    python bench/vthinker_compat.py <lake root> [<out folder>]

Reads ``samples``, ``images`` and ``benchmark`` straight from the lake's Delta tables, builds the
SFT and RL exports and the V-Interaction export, and prints:
* code blocks in ``swift.jsonl`` found by V-Thinker's released extraction (``'''python`` regex,
  copied from its eval scripts), how many compile, how many reference ``P``;
* ``swift.jsonl`` image paths that are absolute;
* blocks that, run in the V-Thinker-convention harness (tests/vthinker_harness.py: a plain
  process, no ``P``, no project helper), give back their stored image (identical pixels / within
  the documented tolerance);
* benchmark samples (by sample id or image hash) in the V-Interaction export;
* whether ``datasets.load_dataset("parquet")`` decodes the SFT export's images.
Runs against whatever ``train``/``pipelines`` are on the path (``PYTHONPATH=<old checkout>`` for "before").
"""

from __future__ import annotations

import ast
import io
import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
from deltalake import DeltaTable
from PIL import Image

VTHINKER_CODE = re.compile(r"'''python\s*([\s\S]*?)\s*'''", re.IGNORECASE)  # V-Thinker eval/*/utils.py
MEAN_TOL, FAR_SHARE = 1.0, 0.005  # pipelines/export/vthinker.py (not imported: the old checkout lacks it)
ANY_FENCE = re.compile(r"(```|''')python\s*\n(.*?)\1", re.S)
HARNESS = Path(__file__).resolve().parent.parent / "tests" / "vthinker_harness.py"


def table(root: str, name: str):
    return DeltaTable(os.path.join(root, "tables", name)).to_pyarrow_table()


def pixels(path_or_bytes) -> np.ndarray:
    src = io.BytesIO(path_or_bytes) if isinstance(path_or_bytes, bytes) else path_or_bytes
    return np.asarray(Image.open(src).convert("RGB")).astype(np.int16)


def uses_p(code: str) -> bool:
    try:
        return any(isinstance(n, ast.Name) and n.id == "P" for n in ast.walk(ast.parse(code)))
    except SyntaxError:
        return False


def main(root: str, out: str) -> None:
    from pipelines.export.vinteraction import vinteraction_rows
    from train.export import build_samples_set, write_export

    samples = table(root, "samples").to_pylist()
    imgs = table(root, "images").select(["image_id", "png"])
    png = dict(zip(imgs.column("image_id").to_pylist(), imgs.column("png").to_pylist()))
    bench = table(root, "benchmark").select(["sample_id", "image_id"]).to_pylist()
    meta = write_export(build_samples_set("sft", samples, png), out)
    write_export(build_samples_set("rl", samples, png), out)
    folder = Path(out) / "exports" / "sft"
    rows = [json.loads(line) for line in open(folder / "swift.jsonl")]
    blocks, found, compiled, with_p, jobs, expected = 0, 0, 0, 0, [], []
    absolute = sum(os.path.isabs(p) for r in rows for p in r["images"])
    work = Path(tempfile.mkdtemp(prefix="vthinker-harness-"))
    for r in rows:
        text = r["messages"][-1]["content"]
        n = text.count("<code>")
        codes = VTHINKER_CODE.findall(text)
        blocks, found = blocks + n, found + min(len(codes), n)
        for k, code in enumerate(codes[:n]):
            try:
                compile(code, "block", "exec")
                compiled += 1
            except SyntaxError:
                continue
            with_p += uses_p(code)
            cwd = work / f"job{len(jobs)}"
            cwd.mkdir()
            (cwd / "images").symlink_to(folder / "images")
            jobs.append({"code": code, "cwd": str(cwd)})
            image = r["images"][k + 1]
            expected.append(image if os.path.isabs(image) else str(folder / image))
    same = close = errors = 0
    worst = 0.0
    if jobs:
        (work / "jobs.json").write_text(json.dumps(jobs))
        subprocess.run([sys.executable, str(HARNESS), str(work / "jobs.json"), str(work / "res.json")], check=True,
                       env={**os.environ, "MPLBACKEND": "Agg"})
        for res, want in zip(json.loads((work / "res.json").read_text()), expected):
            if res["error"] or not res["outputs"]:
                errors += 1
                continue
            a, b = pixels(res["outputs"][0]), pixels(want)
            if a.shape != b.shape:
                errors += 1
                continue
            diff = np.abs(a - b).max(axis=2)
            worst = max(worst, float(diff.mean()))
            same += not diff.any()
            close += diff.mean() <= MEAN_TOL and (diff > 128).mean() <= FAR_SHARE
    try:
        vi = vinteraction_rows(samples, png, {}, bench)
    except TypeError:  # the old signature: no benchmark, nothing left out
        vi = vinteraction_rows(samples, png, {})
    bench_ids, bench_imgs = {b["sample_id"] for b in bench}, {b["image_id"] for b in bench}
    leak_rows = [r for r in vi.rows if r["id"] in bench_ids or {r["image"]["path"][:-4]} & bench_imgs
                 or {i["path"][:-4] for i in r["sandbox_images"]} & bench_imgs]
    leaked = len(leak_rows)
    leaked_ids = len({r["id"] for r in leak_rows} & bench_ids)
    vi_p = sum(uses_p(c) for r in vi.rows for c in VTHINKER_CODE.findall(r["CoT_with_code"]) + [r["tool_code"]])
    import datasets
    import pyarrow.parquet as pq

    trl = pq.read_table(folder / "data.parquet").to_pylist()
    trl_code = [c for r in trl for m in r["messages"] if m["role"] == "assistant"
                for p in m["content"] for _, c in ANY_FENCE.findall(p["text"] or "")]
    rl_cols = pq.read_schema(Path(out) / "exports" / "rl" / "data.parquet").names

    ds = datasets.load_dataset("parquet", data_files=str(folder / "data.parquet"), split="train")
    kind = type(ds[0]["images"][0]).__name__
    print(f"sft rows {meta['rows']}, code blocks {blocks}")
    print(f"V-Thinker extraction ('''python regex) finds {found}/{blocks}; {compiled} compile; {with_p} reference P")
    print(f"swift.jsonl absolute image paths: {absolute}/{sum(len(r['images']) for r in rows)}")
    print(f"TRL data.parquet code turns referencing P: {sum(map(uses_p, trl_code))}/{len(trl_code)}; "
          f"RL parquet has a points_px column: {'points_px' in rl_cols}")
    print(f"harness (plain process, no P): {same}/{blocks} identical pixels, {close}/{blocks} within the tolerance "
          f"(mean |diff| <= {MEAN_TOL}, > 128 on <= {FAR_SHARE:.1%} of pixels), {errors} failed; worst mean |diff| "
          f"{worst:.3f}")
    print(f"V-Interaction export rows {len(vi.rows)}; rows sharing a benchmark sample id or image hash: {leaked} "
          f"({leaked_ids} of the benchmark's {len(bench_ids)} samples themselves); code referencing P: {vi_p}")
    print(f"load_dataset('parquet') images[0] type: {kind}")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else tempfile.mkdtemp(prefix="vthinker-compat-"))
