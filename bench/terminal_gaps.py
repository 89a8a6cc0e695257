"""Record a command in a real terminal (util-linux `script` with timing, a 120x40 pty) and print the
largest silence: the longest time the terminal showed no new output. Writes the recording as
timestamped text (bars' carriage-return redraws become one line each).

    python bench/terminal_gaps.py --out /tmp/run_recording.txt -- make run
"""

from __future__ import annotations

import argparse
import shlex
import subprocess
import tempfile
from pathlib import Path


def timestamped(timing: Path, typescript: Path) -> tuple[list[str], list[tuple[float, float]]]:
    """(lines "[  t s] text", silences as (seconds, from t)) of a `script --timing` recording."""
    data = typescript.read_bytes()
    pos = data.index(b"\n") + 1  # after script's "Script started" header
    t = last = 0.0
    lines, gaps = [], []
    for row in timing.read_text().splitlines():
        delay, n = row.split()
        t += float(delay)
        chunk, pos = data[pos:pos + int(n)], pos + int(n)
        if chunk.strip():
            gaps.append((t - last, last))
            last = t
        for seg in chunk.decode("utf-8", "replace").replace("\r\n", "\n").split("\n"):
            shown = seg.split("\r")[-1] if seg.split("\r")[-1].strip() else seg.replace("\r", "")
            if shown.strip():
                lines.append(f"[{t:7.2f}s] {shown}")
    return lines, gaps


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default="/tmp/run_recording.txt")
    ap.add_argument("command", nargs=argparse.REMAINDER, help="the command, after --")
    args = ap.parse_args()
    command = shlex.join(args.command[1:] if args.command[:1] == ["--"] else args.command)
    with tempfile.TemporaryDirectory() as tmp:
        timing, typescript = Path(tmp) / "timing", Path(tmp) / "typescript"
        subprocess.run(["script", "-q", "-f", f"--timing={timing}", "-c", f"stty cols 120 rows 40; {command}",
                        str(typescript)], stdout=subprocess.DEVNULL, check=False)
        lines, gaps = timestamped(timing, typescript)
    worst = max(gaps, default=(0.0, 0.0))
    summary = (f"largest gap without output: {worst[0]:.2f} s (from {worst[1]:.2f} s); "
               f"{len(lines)} lines over {sum(g for g, _ in gaps):.1f} s")
    Path(args.out).write_text("\n".join(lines) + f"\n\n{summary}\n")
    print(summary)
    print("five largest:", ", ".join(f"{g:.2f} s at {at:.1f} s" for g, at in sorted(gaps, reverse=True)[:5]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
