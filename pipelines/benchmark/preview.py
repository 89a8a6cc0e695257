"""Markdown preview of benchmark items for the Dagster UI (thumbnails with the references drawn)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from pipelines.perception.draw import draw_points


def benchmark_markdown(rows: Sequence[dict], png_of: Callable[[str], bytes], images: int = 2) -> str:
    """The three items of the first ``images`` benchmark images."""
    from warehouse.preview import md_code, md_text, thumbnail_uri

    if not rows:
        return "_no benchmark items_"
    by_sample: dict[str, dict[str, dict]] = {}
    for r in rows:
        by_sample.setdefault(r["sample_id"], {})[r["task_type"]] = r
    parts = []
    for sid in sorted(by_sample)[:images]:
        items = by_sample[sid]
        p, e, q = items["perception"], items["instruction_guided"], items["interactive_reasoning"]
        marked = thumbnail_uri(draw_points(png_of(p["image_id"]), p["reference"]))
        edited = thumbnail_uri(png_of(e["reference_image_id"]))
        options = "".join(f"  \n({letter}) {md_text(c)}" for letter, c in zip("ABCDEFGH", q["choices"] or []))
        parts.append(f"**{sid}**\n\n![perception reference]({marked}) ![instruction reference]({edited})\n\n"
                     f"Perception: {md_text(p['question'])}  \n{md_code(p['reference'])}\n\n"
                     f"Instruction: {md_text(e['question'])}\n\nReasoning: {md_text(q['question'])}{options}  \n"
                     f"Reference: {md_code(q['reference'])}\n")
    return "\n---\n".join(parts)
