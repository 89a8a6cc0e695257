"""Scorers: full marks for the reference, low marks for wrong answers and edits.

Perception and instruction-guided scoring run the model's code in the real sandbox on a real
family render; reasoning scoring covers the answer forms a model writes."""

from __future__ import annotations

import json
import math
import random

import pytest

from pipelines.creators import FAMILIES
from pipelines.sandbox import Sandbox, Task
from pipelines.scoring import (
    IOU_PASS, POINT_TOL, score_instruction, score_perception_code, score_perception_text, score_reasoning,
)
from pipelines.export.vthinker import literal_points
from pipelines.scoring.extract import extract_answer, extract_code, points

HEADER = """img = plt.imread(image_path)
h, w = img.shape[:2]
fig = plt.figure(figsize=(w / 100, h / 100), dpi=100)
ax = fig.add_axes([0, 0, 1, 1])
ax.imshow(img)
ax.set_xlim(0, w)
ax.set_ylim(h, 0)
ax.axis('off')
"""


def marking_code(pts) -> str:
    return "```python\n" + HEADER + "".join(
        f"ax.plot([{x}], [{y}], 'o', color='red', ms=9, mfc='none', mew=2)\n" for x, y in pts) + "```"


@pytest.fixture(scope="module")
def sandbox():
    with Sandbox(workers=1) as sb:
        yield sb


@pytest.fixture(scope="module")
def figure(sandbox):
    """A right-triangle render, its pixel points and its first interaction's reference image."""
    fam = FAMILIES["right_triangle"]
    draft = fam.create(random.Random(3), (), 2)
    fig = sandbox.run(Task(code=draft.render_code, elements={e.name: (e.x, e.y) for e in draft.elements}))
    assert fig.ok, fig.error
    inter = draft.interactions[0]
    ref = sandbox.run(Task(code=inter.code, image_png=fig.png, points_px=fig.points_px))
    assert ref.ok, ref.error
    return {"png": fig.png, "w": fig.width, "h": fig.height, "P": fig.points_px, "code": inter.code,
            "ref_png": ref.png}


def _answer(fig, labels=("A", "B", "C")) -> str:
    return json.dumps({k: list(fig["P"][k]) for k in labels})


def test_perception_text_forms_and_tolerance(figure):
    ans = _answer(figure)
    w, h = figure["w"], figure["h"]
    tol = POINT_TOL * math.hypot(w, h)
    P = figure["P"]
    assert score_perception_text(ans, ans, w, h).score == 1.0
    lines = "\n".join(f"{k}: ({P[k][0]:.0f}, {P[k][1]:.0f})" for k in "ABC")
    assert score_perception_text(f"<answer>{lines}</answer>", ans, w, h).score == 1.0
    as_list = "[" + ", ".join(f"({P[k][0]:.1f}, {P[k][1]:.1f})" for k in "ABC") + "]"
    assert score_perception_text(as_list, ans, w, h).score == 1.0  # unlabelled: in the order asked
    off = {k: [P[k][0] + 1.2 * tol, P[k][1]] for k in "ABC"}
    assert score_perception_text(json.dumps(off), ans, w, h).score == 0.0
    half = {"A": list(P["A"]), "B": list(P["B"]), "C": [P["C"][0] + 2 * tol, P["C"][1]]}
    assert score_perception_text(json.dumps(half), ans, w, h).score == pytest.approx(2 / 3)
    swapped = {"A": list(P["B"]), "B": list(P["A"]), "C": list(P["C"])}
    assert score_perception_text(json.dumps(swapped), ans, w, h).score == pytest.approx(1 / 3)
    assert score_perception_text("I cannot tell.", ans, w, h).score == 0.0


def test_perception_marking_code_runs_in_the_sandbox(figure, sandbox):
    ans = _answer(figure)
    P = figure["P"]
    right = score_perception_code(marking_code([P[k] for k in "ABC"]), figure["png"], ans, sandbox)
    assert right.score == 1.0, right.details
    # marks a few pixels off still count; marks at the wrong vertices do not
    near = score_perception_code(marking_code([(P[k][0] + 3, P[k][1] - 2) for k in "ABC"]), figure["png"], ans, sandbox)
    assert near.score == 1.0, near.details
    w, h = figure["w"], figure["h"]
    wrong = score_perception_code(marking_code([(w * 0.5, h * 0.05), (w * 0.05, h * 0.5), (w * 0.95, h * 0.95)]),
                                  figure["png"], ans, sandbox)
    assert wrong.score == 0.0, wrong.details
    grid = [(x, y) for x in range(10, w, 20) for y in range(10, h, 20)]  # spraying marks everywhere
    assert score_perception_code(marking_code(grid), figure["png"], ans, sandbox).score == 0.0
    assert score_perception_code("no code here", figure["png"], ans, sandbox).score == 0.0
    crash = score_perception_code("```python\nraise ValueError('x')\n```", figure["png"], ans, sandbox)
    assert crash.score == 0.0 and "error" in crash.details["reason"]


def test_instruction_scored_by_change_mask_iou(figure, sandbox):
    args = (figure["png"], figure["ref_png"], sandbox)
    located = literal_points(figure["code"], figure["P"])  # what a model that located the points writes
    ref = score_instruction(f"<code>\n```python\n{located}\n```\n</code>", *args)
    assert ref.score == 1.0 and ref.details["iou"] > 0.95
    # the same construction drawn 2 px off and in another colour still passes
    shifted = figure["code"].replace("P['", "_Q['").replace("color='red'", "color='blue'")
    shifted = literal_points("_Q = {k: (v[0] + 2, v[1] + 2) for k, v in P.items()}\n" + shifted, figure["P"])
    near = score_instruction(shifted, *args)
    assert near.score == 1.0 and IOU_PASS <= near.details["iou"] < 1.0, near.details
    elsewhere = HEADER + "ax.plot([5, 60], [5, 60], color='red', lw=3)\nax.add_patch(plt.Circle((40, 400), 30, fill=False, color='g'))\n"
    wrong = score_instruction(elsewhere, *args)
    assert wrong.score == 0.0 and wrong.details["iou"] < 0.1
    nothing = score_instruction(HEADER, *args)
    assert nothing.score == 0.0 and nothing.details["iou"] == 0.0
    # the true points are never bound: the flywheel's own code, which reads P, does not run
    oracle = score_instruction(figure["code"], *args)
    assert oracle.score == 0.0 and "NameError" in oracle.details["reason"], oracle.details


@pytest.mark.parametrize("response, reference, kind, choices, expected", [
    ("<answer>18/5</answer>", "18/5", "number", [], True),
    ("<think>...</think> <answer>3.6</answer>", "18/5", "number", [], True),
    ("The answer is $\\frac{18}{5}$.", "18/5", "number", [], True),
    ("\\boxed{\\dfrac{18}{5}}", "18/5", "number", [], True),
    ("<answer>2\\sqrt{3}</answer>", "3.46", "number", [], True),
    ("<answer>3.464</answer>", "3.46", "number", [], True),
    ("<answer>12 cm</answer>", "12", "number", [], True),
    ("<answer>0.12 m</answer>", "12 cm", "number", [], True),
    ("<answer>45^\\circ</answer>", "45", "number", [], True),
    ("<answer>0.33</answer>", "1/3", "number", [], True),
    ("<answer>0.3</answer>", "1/3", "number", [], False),
    ("<answer>3.5</answer>", "18/5", "number", [], False),
    ("<answer>19/5</answer>", "18/5", "number", [], False),
    ("<answer></answer>", "18/5", "number", [], False),
    ("<answer>B</answer>", "B", "choice", ["1", "2", "3", "4"], True),
    ("<answer>(B)</answer>", "B", "choice", ["1", "2", "3", "4"], True),
    ("<answer>B. 2</answer>", "B", "choice", ["1", "2", "3", "4"], True),
    ("<answer>Option B</answer>", "B", "choice", ["1", "2", "3", "4"], True),
    ("<answer>2</answer>", "B", "choice", ["1", "2", "3", "4"], True),
    ("<answer>C</answer>", "B", "choice", ["1", "2", "3", "4"], False),
    ("<answer>3</answer>", "B", "choice", ["1", "2", "3", "4"], False),
    ("<answer>Tuesday</answer>", "tuesday", "text", [], True),
    ("<answer>Monday</answer>", "tuesday", "text", [], False),
    # free text, VLMEvalKit style (no tags): the official rule-based extraction as the fallback
    ("<answer>(C) 70</answer>", "C", "choice", ["10", "20", "70", "5"], True),
    ("(C) 70", "C", "choice", ["10", "20", "70", "5"], True),
    ("Counting them, I get 4 triangles", "4", "number", [], True),
    ("<answer>4 triangles</answer>", "4", "number", [], True),
    ("Comparing the bars, the correct option is B since it is tallest.", "B", "choice", ["3", "4", "5"], True),
    ("The perimeter is therefore 70 cm", "C", "choice", ["10", "20", "70 cm", "5"], True),
    ("Counting them, I get 5 triangles", "4", "number", [], False),
    ("Either A or B could be right", "B", "choice", ["3", "4", "5"], False),
])
def test_reasoning_answer_matching(response, reference, kind, choices, expected):
    assert score_reasoning(response, reference, kind, choices).correct is expected


def test_extraction_helpers():
    assert extract_answer("x <answer>1</answer> y <answer> The answer is 7. </answer>") == "7"
    assert extract_answer("x <answer>1</answer> y <answer>7</answer>", which="first") == "1"
    assert extract_answer("<answer> \\boxed{5} </answer>", clean=False) == "\\boxed{5}"
    assert extract_answer("no tags, so the answer is 12 cm.") is None
    assert extract_answer("no tags, so the answer is 12 cm.", free_text=True) == "12 cm"
    assert extract_answer("Thus \\boxed{\\frac{1}{2}} holds", free_text=True) == "\\frac{1}{2}"
    assert extract_code("<code>\n'''python\nprint(1)\n'''\n</code>") == "print(1)"
    assert extract_code("```python\na = 1\n```") == "a = 1"
    assert extract_code("```python\na = 1\n```\n```python\nb = 2\n```", which="last") == "b = 2"
    assert extract_code("<code>\nx = 1\n</code>") == "x = 1"
    assert extract_code("just words") is None
    assert points("{'A': (1, 2), 'B': [3.5, -4]}", ["A", "B"]) == {"A": (1.0, 2.0), "B": (3.5, -4.0)}
