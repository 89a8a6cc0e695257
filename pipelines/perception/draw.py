"""Ground-truth points painted on their image (previews, and for people checking the data)."""

from __future__ import annotations

import io
import json

from PIL import Image, ImageDraw


def draw_points(png: bytes, answer: str | dict, radius: int = 6) -> bytes:
    """The PNG with each answer point ringed in magenta and its label written beside it."""
    points = json.loads(answer) if isinstance(answer, str) else answer
    with Image.open(io.BytesIO(png)) as im:
        im = im.convert("RGB")
        d = ImageDraw.Draw(im)
        for label, (x, y) in points.items():
            d.ellipse((x - radius, y - radius, x + radius, y + radius), outline=(255, 0, 255), width=2)
            d.line((x - 2 * radius, y, x + 2 * radius, y), fill=(255, 0, 255), width=1)
            d.line((x, y - 2 * radius, x, y + 2 * radius), fill=(255, 0, 255), width=1)
            d.text((x + radius + 2, y - 2 * radius - 4), label, fill=(255, 0, 255))
        buf = io.BytesIO()
        im.save(buf, format="PNG")
    return buf.getvalue()


def tasks_markdown(tasks: list[dict], png_of, n: int = 3) -> str:
    """Markdown for the Dagster UI: one task per level (up to ``n``), thumbnail with the truth drawn."""
    from warehouse.preview import md_code, md_text, thumbnail_uri

    picked, seen = [], set()
    for t in sorted(tasks, key=lambda t: t["task_id"]):
        if t["level"] not in seen:
            seen.add(t["level"])
            picked.append(t)
    if not picked:
        return "_no perception tasks_"
    parts = []
    for t in picked[:n]:
        img = thumbnail_uri(draw_points(png_of(t["image_id"]), t["answer"]), width=260)
        parts.append(f"**{t['level']} / {t['kind']}** ({t['source_id']})\n\n![truth]({img})\n\n"
                     f"Q: {md_text(t['question'])}\n\nA: {md_code(t['answer'])}\n")
    return "\n---\n".join(parts)
