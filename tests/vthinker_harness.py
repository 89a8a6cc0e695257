"""V-Thinker's sandbox convention as a plain, standalone program (no project import, no ``P``).

Usage: ``python tests/vthinker_harness.py jobs.json results.json`` where each job is
``{"code": ..., "cwd": ...}``. Like V-Thinker's sandbox (../shared/notes/vthinker.md, section 6.6),
each block is ``exec``-ed in a fresh namespace with stdout captured, in its job's working folder
(an export folder's ``images/`` reachable as ``images/``); the processed images are the ``.png``
paths it printed that exist. Result per job: ``{"error": str | None, "outputs": [absolute paths]}``.
"""

import contextlib
import io
import json
import os
import re
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def run(job: dict) -> dict:
    os.chdir(job["cwd"])
    buf, error = io.StringIO(), None
    try:
        with contextlib.redirect_stdout(buf):
            exec(compile(job["code"], "<block>", "exec"), {"__name__": "__main__"})  # noqa: S102
    except Exception as exc:  # noqa: BLE001 - reported, as V-Thinker's sandbox does
        error = f"{type(exc).__name__}: {exc}"
    plt.close("all")
    printed = re.findall(r"[^\s'\"]+\.(?:png|jpg|jpeg)", buf.getvalue())
    return {"error": error, "outputs": [os.path.abspath(p) for p in printed if os.path.isfile(p)]}


if __name__ == "__main__":
    with open(sys.argv[1]) as fh:
        jobs = json.load(fh)
    results = [run(j) for j in jobs]
    with open(sys.argv[2], "w") as fh:
        json.dump(results, fh)
