"""The sandbox's svg task kind: exact pixel truth from the SVG's own coordinates, and hostile
documents contained with a clear status, in the same hardened child as matplotlib tasks.

Each test states one rule: a named point lands on the pixel the viewBox maps it to (and on the
ink drawn there); text boxes come back in pixels; a DTD or entity (billion laughs, external
entity), a file:// or http:// reference, a CSS import or an oversized canvas is status
``refused`` before cairosvg draws anything; a reference bomb of <use> runs into the time limit;
task code keeps the same isolation as in a matplotlib task.
"""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from pipelines.sandbox import Limits, Sandbox, Task

NS = 'xmlns="http://www.w3.org/2000/svg"'


@pytest.fixture(scope="module")
def sb():
    with Sandbox(workers=1) as s:
        yield s


def svg_task(doc: str, **kw) -> Task:
    return Task(code=f"svg = {doc!r}", kind="svg", **kw)


def rgb(png: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(int)


def test_points_follow_the_viewbox_exactly(sb):
    """viewBox 100x100 on a 400x200 canvas (xMidYMid meet): scale 2, centred, so (30, 40) -> (160, 80)."""
    doc = (f'<svg {NS} width="400" height="200" viewBox="0 0 100 100">'
           '<circle cx="30" cy="40" r="2" fill="black"/><circle cx="90" cy="10" r="2" fill="black"/>'
           '<text x="50" y="90" font-size="10" font-family="Liberation Sans">AB</text></svg>')
    r = sb.run(svg_task(doc, elements={"P": (30, 40), "Q": (90, 10)}))
    assert r.status == "ok", r.error
    assert (r.width, r.height) == (400, 200)
    assert r.points_px == {"P": (160.0, 80.0), "Q": (280.0, 20.0)}
    img = rgb(r.png)
    for x, y in r.points_px.values():
        assert img[int(y), int(x)].max() < 60, "the point is not on the ink drawn there"
    assert img[0, 0].tolist() == [255, 255, 255], "the background is white"
    (t,) = r.texts
    x0, y0, x1, y1 = t.bbox
    assert t.text == "AB" and 200 <= x0 < x1 <= 260 and 150 < y0 < y1 <= 182


def test_preserve_aspect_ratio_none_stretches(sb):
    doc = f'<svg {NS} width="400" height="200" viewBox="0 0 100 100" preserveAspectRatio="none"><rect width="5" height="5"/></svg>'
    r = sb.run(svg_task(doc, elements={"P": (25, 50)}))
    assert r.status == "ok" and r.points_px == {"P": (100.0, 100.0)}


def test_code_builds_the_document(sb):
    code = ("parts = [f'<circle cx=\"{10 + 20 * i}\" cy=\"20\" r=\"5\"/>' for i in range(3)]\n"
            f"svg = '<svg {NS} width=\"80\" height=\"40\">' + ''.join(parts) + '</svg>'\n")
    r = sb.run(Task(code=code, kind="svg", elements={"C": (50, 20)}))
    assert r.status == "ok" and r.points_px["C"] == (50.0, 20.0)


@pytest.mark.parametrize(("code", "status"), [
    ("x = 1", "no_figure"),
    ("svg = 42", "no_figure"),
    ("svg = '<svg'", "error"),
    ("svg = '<html/>'", "error"),
    ("raise ValueError('boom')", "error"),
])
def test_no_document_is_a_clear_status(sb, code, status):
    r = sb.run(Task(code=code, kind="svg"))
    assert r.status == status and r.error


HOSTILE = {
    "billion_laughs": ('<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
                       + "".join(f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'
                                 for i in range(1, 10))
                       + f']><svg {NS} width="10" height="10"><text>&lol9;</text></svg>', "DTD"),
    "external_entity": (f'<!DOCTYPE svg [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><svg {NS}><text>&xxe;</text></svg>',
                        "DTD"),
    "file_href": (f'<svg {NS} xmlns:xlink="http://www.w3.org/1999/xlink" width="10" height="10">'
                  '<image xlink:href="file:///etc/passwd" width="5" height="5"/></svg>', "file:///etc/passwd"),
    "http_href": (f'<svg {NS} width="10" height="10"><image href="http://127.0.0.1:9/x.png" width="5" height="5"/></svg>',
                  "http://127.0.0.1:9/x.png"),
    "relative_use": (f'<svg {NS} width="10" height="10"><use href="other.svg#a"/></svg>', "other.svg"),
    "css_import": (f'<svg {NS} width="10" height="10"><style>@import url("http://x/y.css");</style></svg>', "@import"),
    "css_url_fill": (f'<svg {NS} width="10" height="10"><rect style="fill: url(file:///etc/shadow)" width="5" height="5"/></svg>',
                     "file:///etc/shadow"),
    "stylesheet_pi": (f'<?xml-stylesheet href="http://x/s.css"?><svg {NS} width="10" height="10"/>', "stylesheet"),
    "huge_canvas": (f'<svg {NS} width="100000" height="100000"><rect width="10" height="10"/></svg>', "canvas"),
    "huge_canvas_units": (f'<svg {NS} width="50in" height="50in"><rect width="10" height="10"/></svg>', "canvas"),
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_documents_are_refused(sb, name):
    doc, why = HOSTILE[name]
    r = sb.run(svg_task(doc))
    assert r.status == "refused", (r.status, r.error)
    assert r.png is None and why in r.error


def test_use_bomb_runs_into_the_time_limit(sb):
    """Nested <use> references multiply the drawing work (10^8 circles): contained by the limits."""
    levels = ['<g id="l0"><circle r="1"/></g>'] + [
        f'<g id="l{i}">' + f'<use href="#l{i - 1}"/>' * 10 + "</g>" for i in range(1, 9)]
    doc = f'<svg {NS} width="20" height="20"><defs>{"".join(levels)}</defs><use href="#l8"/></svg>'
    r = sb.run(svg_task(doc), limits=Limits(timeout_s=2))
    assert r.status in ("timeout", "memory", "error"), r.status
    assert r.png is None
    assert sb.run(svg_task(f'<svg {NS} width="5" height="5"/>')).ok, "the worker serves the next task"


def test_inline_png_image_is_allowed(sb):
    import base64
    buf = io.BytesIO()
    Image.new("RGB", (4, 4), (255, 0, 0)).save(buf, format="PNG")
    data = base64.b64encode(buf.getvalue()).decode()
    doc = f'<svg {NS} width="20" height="20"><image href="data:image/png;base64,{data}" width="20" height="20"/></svg>'
    r = sb.run(svg_task(doc))
    assert r.status == "ok", r.error
    assert rgb(r.png)[10, 10].tolist() == [255, 0, 0]


def test_svg_code_keeps_the_sandbox_isolation(sb):
    """The svg kind runs its code in the same hardened child: no files outside, no network, no fork."""
    for stmt in ("open('/etc/shadow').read()", "__import__('socket').create_connection(('127.0.0.1', 9))",
                 "__import__('os').fork()"):
        r = sb.run(Task(code=stmt + f"\nsvg = '<svg {NS} width=\"5\" height=\"5\"/>'", kind="svg"))
        assert r.status == "error", (stmt, r.status)


def test_unknown_kind_is_an_invalid_task(sb):
    r = sb.run(Task(code="x = 1", kind="latex"))  # type: ignore[arg-type]
    assert r.status == "error" and "kind" in r.error


# ---- the model creator may choose SVG: the same parser, render stage and checker ----------------

MODEL_SVG_REPLY = {
    "renderer": "svg",
    "render_code": ("pts = {'A': (60, 240), 'B': (300, 240), 'C': (60, 60)}\n"
                    "body = '<polygon points=\"60,240 300,240 60,60\" fill=\"none\" stroke=\"black\" stroke-width=\"3\"/>'\n"
                    "body += ''.join(f'<circle cx=\"{x}\" cy=\"{y}\" r=\"4\"/><text x=\"{x + 12}\" y=\"{y - 10}\" "
                    "font-size=\"18\">{k}</text>' for k, (x, y) in pts.items())\n"
                    "svg = '<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"360\" height=\"300\" "
                    "viewBox=\"0 0 360 300\">' + body + '</svg>'\n"),
    "elements": [{"name": "A", "x": 60, "y": 240}, {"name": "B", "x": 300, "y": 240}, {"name": "C", "x": 60, "y": 60}],
    "question": "The legs AB and AC of the right triangle are 8 and 6. How long is BC?",
    "answer_type": "number", "answer": "10", "choices": [],
    "solution": "By Pythagoras BC = sqrt(64 + 36) = 10.",
    "interactions": [{"kind": "auxiliary_line", "instruction": "Draw BC in red.", "elements": ["B", "C"],
                      "code": "ax.plot([P['B'][0], P['C'][0]], [P['B'][1], P['C'][1]], color='red', lw=3)\n"}],
}


def test_a_model_svg_draft_goes_through_the_one_pipeline(sb):
    import json

    from pipelines.check import ImageCache, check_all
    from pipelines.creators import FAMILIES
    from pipelines.llm.drafts import DraftError, parse_draft
    from pipelines.llm.prompting import load_prompt
    from pipelines.records import Lineage, draft_to_row
    from pipelines.render import render_drafts

    assert '"svg"' in load_prompt("creator").text and '"matplotlib"' in load_prompt("creator").text
    draft = parse_draft(json.dumps(MODEL_SVG_REPLY), domain="plane_geometry", node_ids=(), seed=1, difficulty=1)
    assert draft.renderer == "svg"
    row = draft_to_row(draft, Lineage(sample_id="m1", plan_id="m1", round=1), creator="model:test")
    out = render_drafts([row], sb)
    (render,) = out.renders
    assert render["status"] == "ok" and {p["name"]: (p["x"], p["y"]) for p in render["points_px"]}["B"] == (300, 240)
    verdicts = check_all([row], out.renders, ImageCache(out.images), FAMILIES)
    assert all(v["passed"] for v in verdicts), [v["reason"] for v in verdicts if not v["passed"]]
    for bad, field in (({"renderer": "latex"}, "renderer"), ({"render_code": "x = '<svg/>'"}, "render_code")):
        with pytest.raises(DraftError) as err:
            parse_draft(json.dumps({**MODEL_SVG_REPLY, **bad}), domain="d", node_ids=(), seed=1, difficulty=1)
        assert err.value.field == field
