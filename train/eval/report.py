"""The evaluation report: a comparison plot of runs (accuracy per benchmark x task, judge-free and
judge-based) and a few failed items with their input and produced images, as Markdown for the UI."""

from __future__ import annotations

import base64
import io
import re
from collections.abc import Mapping, Sequence

from warehouse.preview import md_code, thumbnail_uri


def _img_md(png: bytes | None, alt: str, width: int = 220) -> str:
    """A markdown image (a data URI thumbnail ``width`` px wide): the UI's markdown drops raw ``<img>``."""
    if not png:
        return f"*({alt}: none)*"
    return f"![{alt}]({thumbnail_uri(png, width)})"


def comparison_png(summary: Sequence[Mapping]) -> bytes:
    """Grouped bars: one group per benchmark/task, one bar per run (checkpoint), judge accuracy hatched."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = [r for r in summary if r["subset"] == "all" and r["metric"] in ("accuracy", "judge_accuracy")
            and (r["task"] != "all" or r["benchmark"] not in {s["benchmark"] for s in summary if s["task"] != "all"})]
    keys = sorted({(r["benchmark"], r["task"]) for r in rows})
    runs = sorted({(r["created_at"], r["run_id"], r["checkpoint"]) for r in rows})
    series = [(run_id, ckpt, metric) for _, run_id, ckpt in runs for metric in ("accuracy", "judge_accuracy")
              if any(r["run_id"] == run_id and r["metric"] == metric for r in rows)]
    fig, ax = plt.subplots(figsize=(max(5.0, 0.9 * len(keys) * max(1, len(series)) ** 0.5 + 2), 3.6))
    width = 0.8 / max(1, len(series))
    value = {(r["run_id"], r["metric"], r["benchmark"], r["task"]): r["value"] for r in rows}
    for j, (run_id, ckpt, metric) in enumerate(series):
        xs = [i + (j - (len(series) - 1) / 2) * width for i in range(len(keys))]
        ys = [value.get((run_id, metric, b, t), 0.0) for b, t in keys]
        label = f"{ckpt.rsplit('/', 1)[-1][:24]} ({run_id[:8]})" + (" judge" if metric == "judge_accuracy" else "")
        ax.bar(xs, ys, width, label=label, hatch="//" if metric == "judge_accuracy" else None)
    ax.set_xticks(range(len(keys)), [f"{b}\n{t}" for b, t in keys], fontsize=7)
    ax.set_ylim(0, 1.05)
    ax.set_ylabel("accuracy")
    ax.set_title("evaluation runs")
    if series:
        ax.legend(fontsize=6, loc="upper right")
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=80)
    plt.close(fig)
    return buf.getvalue()


def failures_markdown(results: Sequence[Mapping], images: Mapping[str, bytes], n: int = 4) -> str:
    """Up to ``n`` failed items (one per benchmark/task first): question outcome, response excerpt,
    input image and the image the model's code produced."""
    failed = [r for r in results if not r["correct"]]
    picked, seen = [], set()
    for r in failed:  # spread over benchmark/task before repeating one
        if (r["benchmark"], r["task"]) not in seen:
            seen.add((r["benchmark"], r["task"]))
            picked.append(r)
    picked += [r for r in failed if r not in picked]
    if not picked:
        return "No failed items."
    out = []
    for r in picked[:n]:
        out.append(f"**{r['benchmark']} / {r['task']} / `{r['item_id']}`**: score {r['score']:.2f}, "
                   f"stop `{r['stop_reason']}`, {r['turns']} turns, {r['tool_calls']} tool calls "
                   f"({r['code_errors']} errors); answer {md_code(r['answer'][:80])}, "
                   f"reference {md_code(r['reference'][:80])}")
        out.append(_fenced(r["response"][:600]))
        out.append(_img_md(images.get(r["image_id"]), "input") + " "
                   + _img_md(images.get(r["final_image_id"]) if r["final_image_id"] else None, "produced") + "\n")
    return "\n".join(out)


def _fenced(text: str) -> str:
    """``text`` as a fenced code block, whatever backtick runs it holds."""
    fence = "`" * max(3, max((len(run) for run in re.findall(r"`{3,}", text)), default=0) + 1)
    return f"\n{fence}\n{text}\n{fence}\n"


def report_inputs(lake, run_id: str) -> tuple[list[dict], list[dict], dict[str, bytes]]:
    """(eval_summary of every run, eval_results of ``run_id``, the images those results name)."""
    from train.eval.benchmarks import fetch_images, query

    summary = query(lake, "SELECT * FROM eval_summary")
    results = query(lake, "SELECT * FROM eval_results WHERE run_id = ?", [run_id])
    images = fetch_images(lake, [r[k] for r in results for k in ("image_id", "final_image_id")], "eval_results")
    return summary, results, images


def plot_markdown(png: bytes) -> str:
    return f"![evaluation comparison](data:image/png;base64,{base64.b64encode(png).decode()})"
