"""Interaction code as a model may see it: coordinates as literals instead of the oracle ``P``,
V-Thinker's sandbox convention, and the rewrite a model's code gets before the sandbox runs it."""

from __future__ import annotations

import ast

import pytest

from pipelines.export.vthinker import (OracleError, chained_program, code_block, literal_points, model_program,
                                       vthinker_code)

PTS = {"A": (10.04, 20.0), "B": (30.0, 40.55), "C": (50.0, 60.0)}


def names(code: str) -> set[str]:
    return {n.id for n in ast.walk(ast.parse(code)) if isinstance(n, ast.Name)}


def test_named_points_become_a_literal_of_just_the_labels_used():
    out = literal_points("ax.plot([P['A'][0], P['B'][0]], [P['A'][1], P['B'][1]])  # keep me\n", PTS)
    assert "P" not in names(out) and out.splitlines()[1].endswith("# keep me")
    assert out.startswith("pts = {'A': (10.0, 20.0), 'B': (30.0, 40.5)}")  # 0.1 px, only A and B
    env: dict = {}
    exec(out.replace("ax.plot", "got = ").replace("  # keep me", ""), env)  # noqa: S102
    assert env["got"] == ([10.0, 30.0], [20.0, 40.5])


def test_points_looked_up_by_a_variable_get_every_label_and_a_fresh_name():
    out = literal_points("pts = 3\nfor k in 'AB':\n    x, y = P[k]\n", PTS)
    assert "P" not in names(out) and out.startswith("pts1 = {'A': (10.0, 20.0), 'B': (30.0, 40.5), 'C': (50.0, 60.0)}")
    assert literal_points("x = 1\n", PTS) == "x = 1\n"  # no P: unchanged


def test_a_label_that_is_not_a_point_is_an_error():
    with pytest.raises(OracleError, match=r"reads P\['D'\]"):
        literal_points("x = P['D']\n", PTS)


def test_a_program_follows_vthinkers_sandbox_convention():
    code = vthinker_code("img = plt.imread(image_path)\nplt.imshow(img)\nplt.plot(*P['A'], 'o')\n", PTS,
                         "images/abc.png", 2)
    lines = code.splitlines()
    assert "image_path = 'images/abc.png'" in lines and "P" not in names(code)
    assert "processed_path = './temp_images/processed_2.png'" in lines and lines[-1] == "print(processed_path)"
    assert code_block(code).startswith("<code>\n'''python\n") and code_block(code).endswith("\n'''\n</code>")
    with pytest.raises(OracleError, match="'''"):
        code_block("s = '''x'''")


def test_a_chained_program_reads_each_previous_output():
    sample = {"sample_id": "s", "image_id": "img0", "points_px": [{"name": k, "x": x, "y": y} for k, (x, y) in PTS.items()],
              "interactions": [{"instruction": "draw AB", "code": "plt.plot(*P['A'])"},
                               {"instruction": "draw BC", "code": "plt.plot(*P['B'])"}]}
    code = chained_program(sample)
    assert code.count("image_path = ") == 2 and "image_path = 'images/img0.png'" in code
    assert "image_path = processed_path  # the previous step's output" in code and "P" not in names(code)


def test_a_models_program_keeps_the_bound_image_and_loses_the_oracle():
    out = model_program("image_path = 'images/x.png'\nimg = plt.imread(image_path)\n")
    assert "image_path = image_path" in out and "'images/x.png'" not in out
    assert out.splitlines()[1] == "img = plt.imread(image_path)", "line numbers stay the model's"
    env = {"image_path": "/bound.png", "plt": None}
    exec(out.replace("img = plt.imread(image_path)\n", ""), env)  # noqa: S102
    assert env["image_path"] == "/bound.png"
