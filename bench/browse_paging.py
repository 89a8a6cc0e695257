"""`flywheel browse` over a synthetic lake of N samples: first, middle and last page of the sample
list, a filtered page, a rejected-drafts page, a sample page and its images, timed through the
real HTTP app (the `flywheel browse` process, requests over loopback).

    .venv/bin/python bench/browse_paging.py --samples 1000000 --lake /tmp/browse_lake_1m [--source ROOT]

Why: the browser must page over 10^6 samples without loading them (issue "See the data"); each
page must answer in under 1 s on this 2-core machine. Paging is keyset paging on (round,
sample_id) (warehouse/browse/paging.py): a page costs one ordered top-N over the key columns
plus the page's own rows, whatever its position; LIMIT/OFFSET was measured at 0.8-1.0 s for
offset 500,000 on the same lake and is not used.

The lake is bench/_lake_fixture.py's (the one bench/lake_scale.py builds: a real round's rows
copied with new ids into 1,786 partitions of 560 samples); ``--lake DIR`` keeps it with its
marker, so a rerun only times the pages. The middle page's cursor (the key of the N/2-th sample
in list order) is found with one SQL query before timing; it is what a user reaches by following
"next" links.

What is timed (median of ``--repeats`` (5) GETs after one untimed warm-up, which is printed as
``cold``): the whole HTTP exchange, page rendered and body read. Last line:
``browse_paging samples=N first_s=X middle_s=X last_s=X filtered_s=X rejected_s=X rejected_all_s=X
text_s=X sample_s=X image_s=X`` (rejected: rejected drafts of one domain; rejected_all: of the whole
lake, an anti-join of 10^6 draft ids with 10^6 sample ids; text: a word in the question, a scan of
every question).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from bench import _lake_fixture as fx  # noqa: E402
from bench.lake_scale import prepare_lake  # noqa: E402
from tests.servers import free_port, start_process, stop_session  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
TARGET_S = 1.0


def get(url: str) -> tuple[float, bytes]:
    t0 = time.perf_counter()
    with urllib.request.urlopen(url, timeout=60) as resp:
        body = resp.read()
    return time.perf_counter() - t0, body


def timed(url: str, repeats: int) -> tuple[float, float, bytes]:
    """(cold seconds, median warm seconds, body) of GET ``url``."""
    cold, body = get(url)
    warm = [get(url)[0] for _ in range(repeats)]
    return cold, statistics.median(warm), body


def start_browser(root: Path, port: int, log: Path) -> subprocess.Popen:
    proc = start_process([str(REPO / ".venv/bin/flywheel"), "browse", "--root", str(root), "--port", str(port)],
                         log, cwd=REPO)
    deadline = time.time() + 60
    while time.time() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"flywheel browse exited {proc.returncode}:\n{log.read_text()[-3000:]}")
        try:
            get(f"http://127.0.0.1:{port}/healthz")
            return proc
        except OSError:
            time.sleep(0.2)
    stop_session(proc)
    raise SystemExit(f"flywheel browse did not answer within 60 s:\n{log.read_text()[-3000:]}")


def middle_cursor(root: Path, n: int) -> str:
    """The list cursor (JSON ``[round, sample_id]``) of the ``n``-th sample in list order (not timed)."""
    from warehouse.catalog import connect

    con = connect(root, ["samples"])
    rnd, sid = con.execute("SELECT round, sample_id FROM samples ORDER BY round, sample_id LIMIT 1 OFFSET ?",
                           [n]).fetchone()
    return json.dumps([rnd, sid])


def rows_on(body: bytes) -> int:
    return len(re.findall(rb'<tr class="row', body))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--samples", type=int, default=1_000_000, help="accepted samples in the lake")
    ap.add_argument("--partition-samples", type=int, default=560)
    ap.add_argument("--domains", type=int, default=25)
    ap.add_argument("--lake", default="/tmp/browse_lake_1m", help="the cached lake (built when missing)")
    ap.add_argument("--source", help="a data root holding a finished round to copy (else one is run)")
    ap.add_argument("--workers", type=int, default=2, help="writer processes while building")
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--build-only", action="store_true", help="build (or check) the cached lake and stop")
    args = ap.parse_args()
    plan = fx.Plan(args.samples, args.partition_samples, fx.domain_names(args.domains))
    root = Path(args.lake).resolve()
    prepare_lake(args, plan, root)
    if args.build_only:
        return
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = root.parent / f"{root.name}.browse.log"
    t0 = time.perf_counter()
    proc = start_browser(root, port, log)
    fx.log(f"flywheel browse ready in {time.perf_counter() - t0:.1f} s on {base}")
    try:
        mid = middle_cursor(root, args.samples // 2)
        pages = {
            "first": "/",
            "middle": "/?" + urllib.parse.urlencode({"after": mid}),
            "last": "/?last=1",
            "filtered": "/?" + urllib.parse.urlencode({"domain": "plane_geometry", "difficulty": 2, "round": 9}),
            "rejected": "/?" + urllib.parse.urlencode({"status": "rejected", "domain": "plane_geometry"}),
            "rejected_all": "/?status=rejected",
            "text": "/?" + urllib.parse.urlencode({"q": "median"}),
        }
        out: dict[str, float] = {}
        print(f"{'page':<10}{'cold_s':>9}{'warm_s':>9}{'rows':>6}  url")
        first_body = b""
        for name, path in pages.items():
            cold, warm, body = timed(base + path, args.repeats)
            out[name] = warm
            first_body = first_body or body
            print(f"{name:<10}{cold:>9.3f}{warm:>9.3f}{rows_on(body):>6}  {path}")
        thumbs = list(dict.fromkeys(m.decode() for m in re.findall(rb'src="(/image/[^"]+)"', first_body)))
        times = [get(base + src.replace("&amp;", "&"))[0] for src in thumbs]
        print(f"{'thumbs':<10}{max(times or [0]):>9.3f}{statistics.median(times or [0]):>9.3f}{len(times):>6}  "
              f"the first page's thumbnails one after another (max, median; {sum(times):.2f} s in all)")
        sid = re.search(rb'href="/sample/([^"?]+)"', first_body).group(1).decode()
        cold, warm, body = timed(f"{base}/sample/{sid}", args.repeats)
        out["sample"] = warm
        print(f"{'sample':<10}{cold:>9.3f}{warm:>9.3f}{'':>6}  /sample/{sid}")
        images = list(dict.fromkeys(m.decode() for m in re.findall(rb'src="(/image/[^"]+)"', body)))
        times = [get(base + src.replace("&amp;", "&"))[0] for src in images]
        out["image"] = statistics.median(times) if times else float("nan")
        print(f"{'image':<10}{max(times or [0]):>9.3f}{out['image']:>9.3f}{len(times):>6}  "
              "the sample page's images (max, median)")
        slow = [k for k, v in out.items() if v >= TARGET_S]
        print(f"target: every page under {TARGET_S} s: {'met' if not slow else 'MISSED by ' + ', '.join(slow)}")
        print(f"\nbrowse_paging samples={args.samples} " + " ".join(f"{k}_s={v:.3f}" for k, v in out.items()))
    finally:
        stop_session(proc, grace_s=10)


if __name__ == "__main__":
    main()
