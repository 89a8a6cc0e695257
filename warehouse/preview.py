"""Markdown previews for the Dagster UI: a few samples with thumbnails (kept small: they live in
the event log)."""

from __future__ import annotations

import base64
import io
import re

import duckdb
from PIL import Image

from warehouse.browse import sample_url

_MD_ACTIVE = re.compile(r"([\\`*_\[\]<>&|~#!])")


def md_text(text: str) -> str:
    """``text`` shown as written: markdown and HTML characters backslash-escaped (the UI drops
    raw HTML, so an unescaped ``<label>`` would vanish; entities such as ``&quot;`` stay literal)."""
    return _MD_ACTIVE.sub(r"\\\1", str(text))


def md_code(text: str) -> str:
    """``text`` as an inline code span, whatever backticks it holds (code spans show their content
    verbatim, so nothing inside is escaped)."""
    text = " ".join(str(text).splitlines())
    fence = "`" * (max((len(run) for run in re.findall(r"`+", text)), default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def thumbnail_uri(png: bytes, width: int = 220) -> str:
    with Image.open(io.BytesIO(png)) as im:
        im = im.convert("RGB")
        im.thumbnail((width, width * 2))
        buf = io.BytesIO()
        im.save(buf, format="PNG", optimize=True)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()


def samples_markdown(con: duckdb.DuckDBPyConnection, round: int, domain: str, n: int = 3) -> str:
    """The first ``n`` samples: figure, the last interaction's image, question and answer."""
    rows = con.execute(f"""
        SELECT s.sample_id, s.question, s.choices, s.answer, s.difficulty, i.png,
               (SELECT png FROM images WHERE image_id = s.interactions[-1].image_id) AS last_png,
               s.interactions[-1].instruction
        FROM samples s JOIN images i USING (image_id)
        WHERE s.round = ? AND s.domain = ?
        ORDER BY s.expansion = 'none' DESC, s.sample_id LIMIT {int(n)}""", [round, domain]).fetchall()
    if not rows:
        return "_no accepted samples_"
    parts = []
    for sid, question, choices, answer, difficulty, png, last_png, instruction in rows:
        options = "".join(f"  \n({letter}) {md_text(c)}" for letter, c in zip("ABCDEFGH", choices or []))
        parts.append(f"[**{sid}**]({sample_url(sid)}) (difficulty {difficulty}; opens in `flywheel browse`)\n\n"
                     f"![figure]({thumbnail_uri(png)}) ![after interactions]({thumbnail_uri(last_png)})\n\n"
                     f"Q: {md_text(question)}{options}\n\nA: **{md_text(answer)}**  \n"
                     f"Interaction: {md_text(instruction)}\n")
    return "\n---\n".join(parts)
