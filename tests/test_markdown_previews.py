"""Texts in the UI's markdown previews are shown as written: rendered by a CommonMark parser (the
Dagster UI uses remark, a CommonMark parser that drops raw HTML), no tag is swallowed, no entity
shows literally, and images are markdown images (raw <img> is dropped by the UI)."""

from __future__ import annotations

import html

import pytest
from markdown_it import MarkdownIt

from pipelines.perception.draw import tasks_markdown
from train.eval.report import failures_markdown
from warehouse.preview import md_code, md_text

TEXTS = ['Give the points as {"<label>": [x, y]} in pixels.', "a < b & c > d", "x_1 * y_2 [note] |t| ~s~ #1 !",
         'He said "hi" & left', "`tick` and ``two``", "back\\slash"]


def _render(md: str) -> tuple[str, list[str]]:
    """(the visible text, the token types): raw HTML would appear as html_inline / html_block."""
    tokens = MarkdownIt("commonmark").parse(md)
    types, text = [], []
    for block in tokens:
        types.append(block.type)
        for tok in block.children or []:
            types.append(tok.type)
            if tok.type in ("text", "code_inline"):
                text.append(tok.content)
    return "".join(text), types


@pytest.mark.parametrize("text", TEXTS)
def test_plain_text_renders_exactly_as_written(text):
    shown, types = _render(md_text(text))
    assert shown == text and not {"html_inline", "html_block", "em_open", "strong_open", "link_open"} & set(types)


@pytest.mark.parametrize("text", TEXTS)
def test_code_spans_show_their_content_verbatim(text):
    shown, types = _render(md_code(text))
    assert shown.strip() == text and "code_inline" in types


def test_perception_preview_keeps_the_label_placeholder(tiny_png):
    task = {"task_id": "t1", "level": "surface", "kind": "locate", "source_id": "s1", "image_id": "i",
            "question": 'Answer as {"<label>": [x, y]}.', "answer": '{"A": [3, 4]}'}
    shown, types = _render(tasks_markdown([task], lambda _: tiny_png))
    assert '{"<label>": [x, y]}' in shown and '{"A": [3, 4]}' in shown and "image" in types


def test_failed_items_show_images_and_quotes_as_written(tiny_png):
    item = {"correct": False, "benchmark": "vtbench", "task": "perception", "item_id": "q1", "score": 0.0,
            "stop_reason": "answer", "turns": 2, "tool_calls": 1, "code_errors": 0, "answer": '"B" <x>',
            "reference": '{"<label>": [1, 2]}', "response": "```python\nprint(1)\n```\n<answer>B</answer>",
            "image_id": "in", "final_image_id": "out"}
    md = failures_markdown([item], {"in": tiny_png, "out": tiny_png})
    shown, types = _render(md)
    images = [t for b in MarkdownIt("commonmark").parse(md) for t in b.children or [] if t.type == "image"]
    assert [t.attrGet("src")[:22] for t in images] == ["data:image/png;base64,"] * 2
    assert '"B" <x>' in shown and '{"<label>": [1, 2]}' in shown and html.escape('"') not in shown
    assert "html_block" not in types and "html_inline" not in types
    assert "<answer>B</answer>" in md  # the response is a fenced block, shown verbatim
