"""The rule-based checker: each dimension fails for the reason it names, and passes clean input."""

from __future__ import annotations

import numpy as np
import pytest

from pipelines.check import answers_equal, check_action, check_text, check_visual, parse_number
from pipelines.creators.base import Draft, Element, Interaction


def draft(**over) -> Draft:
    base = dict(
        family="t", domain="plane_geometry", node_ids=("x.y.z",), seed=1, variant="base", render_code="",
        question="In triangle ABC, find the length of BC.", answer="5", answer_type="number", choices=(),
        solution="", interactions=(Interaction("auxiliary_line", "Draw AB.", "", ("A", "B")),),
        elements=(Element("A", "point", 0, 0), Element("B", "point", 3, 0), Element("C", "point", 0, 4)),
        difficulty=1,
    )
    return Draft(**{**base, **over})


@pytest.mark.parametrize("text,expected", [("12", 12), ("-3.5", -3.5), ("3/4", 0.75), ("\u22122", -2),
                                           ("abc", None), ("1/0", None), ("", None)])
def test_parse_number(text, expected):
    got = parse_number(text)
    assert (got is None) if expected is None else float(got) == pytest.approx(expected)


def test_answers_equal_numbers_with_tolerance_and_letters():
    assert answers_equal("0.5", "1/2", "number")
    assert not answers_equal("0.5", "0.51", "number")
    assert answers_equal("B", "b", "choice") and not answers_equal("B", "C", "choice")


def test_text_accepts_labels_and_rejects_unknown_names():
    assert check_text(draft()) == []
    bad = check_text(draft(question="In triangle ABD, find BD. IS it long?"))
    assert any("'ABD'" in p for p in bad) and any("'BD'" in p for p in bad) and any("'IS'" in p for p in bad)


@pytest.mark.parametrize("over,needle", [
    (dict(answer="five"), "not a number"),
    (dict(answer_type="choice", answer="E", choices=("1", "2", "3", "4")), "option letters"),
    (dict(answer_type="choice", answer="A", choices=()), "without choices"),
    (dict(answer_type="essay"), "unknown answer type"),
])
def test_text_rejects_malformed_answers(over, needle):
    assert any(needle in p for p in check_text(draft(**over)))


def render_row(texts, points, status="ok"):
    return {"status": status, "error": "boom" if status != "ok" else "", "width": 100, "height": 80,
            "image_id": "img", "texts": texts, "points_px": points,
            "interaction_status": [], "interaction_errors": [], "interaction_image_ids": []}


def box(text, x0, y0, x1, y1):
    return {"text": text, "x0": x0, "y0": y0, "x1": x1, "y1": y1}


def figure() -> np.ndarray:
    img = np.full((80, 100, 3), 255, np.uint8)
    img[20:60, 20:22] = 0
    img[58:60, 20:80] = 0
    return img


def test_visual_passes_a_clean_figure():
    texts = [box("A", 5, 5, 12, 15), box("B", 80, 60, 88, 70), box("C", 5, 60, 12, 70)]
    assert check_visual(draft(), render_row(texts, [{"name": "A", "x": 20, "y": 20}]), figure()) == []


def test_visual_names_blank_overlap_offcanvas_and_missing_labels():
    texts = [box("A", 5, 5, 12, 15), box("B", 8, 8, 16, 18), box("C", 95, 70, 110, 79)]
    found = " | ".join(check_visual(draft(), render_row(texts, [{"name": "C", "x": 150, "y": 10}]),
                                    np.full((80, 100, 3), 255, np.uint8)))
    for needle in ("blank", "'A' and 'B' overlap", "'C' leaves the canvas", "'C' lies outside"):
        assert needle in found
    assert check_visual(draft(), render_row([], [], status="timeout"), None) == ["render timeout: boom"]


def test_action_requires_changes_near_named_elements():
    before = figure()
    near_a = before.copy()
    near_a[18:24, 18:40] = (255, 0, 0)
    far = before.copy()
    far[70:75, 90:95] = (255, 0, 0)
    images = {"img": before, "near": near_a, "far": far}
    points = [{"name": "A", "x": 20, "y": 20}, {"name": "B", "x": 50, "y": 20}]
    row = render_row([], points) | {"interaction_status": ["ok"], "interaction_errors": [""]}
    d = draft(interactions=(Interaction("auxiliary_line", "Mark A.", "", ("A",)),))
    assert check_action(d, row | {"interaction_image_ids": ["near"]}, images.__getitem__) == []
    assert "changed nothing near 'A'" in check_action(d, row | {"interaction_image_ids": ["far"]},
                                                      images.__getitem__)[0]
    assert "changed no pixels" in check_action(d, row | {"interaction_image_ids": ["img"]},
                                               images.__getitem__)[0]
    failed = row | {"interaction_status": ["error"], "interaction_errors": ["NameError: P"],
                    "interaction_image_ids": [None]}
    assert check_action(d, failed, images.__getitem__) == ["interaction 0 (auxiliary_line) error: NameError: P"]


def test_action_rejects_an_interaction_that_runs_off_the_canvas():
    """A stroke clipped by the image border (a line drawn past the figure) fails the action check;
    the same stroke stopping inside the image passes."""
    before = figure()
    inside, off = before.copy(), before.copy()
    inside[18:22, 18:90] = (255, 0, 0)  # from A to x = 90 of 100
    off[18:22, 18:100] = (255, 0, 0)  # from A out through the right border
    images = {"img": before, "inside": inside, "off": off}
    row = render_row([], [{"name": "A", "x": 20, "y": 20}]) | {"interaction_status": ["ok"],
                                                               "interaction_errors": [""]}
    d = draft(interactions=(Interaction("auxiliary_line", "Extend a line from A.", "", ("A",)),))
    assert check_action(d, row | {"interaction_image_ids": ["inside"]}, images.__getitem__) == []
    got = check_action(d, row | {"interaction_image_ids": ["off"]}, images.__getitem__)
    assert got == ["interaction 0 (auxiliary_line) draws off the canvas (4 border pixels changed)"]


@pytest.mark.parametrize("question,answer,answer_type,choices,stated", [
    # the old trigonometry defect: the reference angle of an acute angle is the angle itself
    ("Angle UOP, measured counterclockwise from OU, is 45°. What is its reference angle, in degrees?", "45",
     "number", (), True),
    ("The battery keeps 30 volts between A and B. What is the potential difference between A and B, in volts?",
     "30", "number", (), True),
    ("In triangle ABC, AB = 5 and angle C is right. What is AB?", "5", "number", (), True),
    ("Which point is the midpoint of AB, the point (2, 3)?", "A", "choice", ("(2, 3)", "(3, 2)"), True),
    # a coincidence is not a statement: 3 names a set, 10:09 a time, 1/2 is not the 1 of 'a/b'
    ("B is the set of multiples of 3. How many of the numbers shown are not in set B?", "3", "number", (), False),
    ("Jonas gets to the stop at 10:09. How many minutes does Jonas wait for the next bus?", "10", "number", (),
     False),
    ("What fraction is shaded? Write a non-integer as a fraction a/b in lowest terms.", "1", "number", (), False),
    ("Which point is the midpoint of AB?", "A", "choice", ("(2, 3)", "(3, 2)"), False),
])
def test_text_rejects_a_question_that_states_its_answer(question, answer, answer_type, choices, stated):
    problems = check_text(draft(question=question, answer=answer, answer_type=answer_type, choices=choices))
    assert any("the question" in p and ("states the answer" in p or "correct option" in p)
               for p in problems) is stated, problems
