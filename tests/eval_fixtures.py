"""Evaluation fixtures: benchmark files in their published shapes (loaded by warehouse/sources), a
small project ``benchmark`` partition, and per item the turns a scripted model replays: the
reference answer (code that draws the ground truth, or the gold answer) and a wrong one.

Every question carries a marker ``[key]`` so a scripted server can answer by item and turn,
whatever order a batch arrives in."""

from __future__ import annotations

import io
import json
import re
import zipfile
from pathlib import Path

from PIL import Image, ImageDraw

from pipelines.sandbox import Sandbox, Task
from tests.chat_server import Reply, ok_body
from tests.test_sources import hf, write_parquet
from warehouse.images import image_id, image_row
from warehouse.sources import load
from warehouse.storage import Lake

W, H = 160, 120
PTS = {"A": (30, 100), "B": (130, 100), "C": (80, 20)}
HEADER = ("img = plt.imread(image_path)\nh, w = img.shape[:2]\nfig = plt.figure(figsize=(w / 100, h / 100), dpi=100)\n"
          "ax = fig.add_axes([0, 0, 1, 1])\nax.imshow(img)\nax.set_xlim(0, w)\nax.set_ylim(h, 0)\nax.axis('off')\n")
MARKER = re.compile(r"\[([a-z0-9_-]+)\]")


def figure_png(shade: int = 0) -> bytes:
    """A triangle ABC on white (distinct bytes per shade)."""
    img = Image.new("RGB", (W, H), (255, 255, 255 - shade))
    d = ImageDraw.Draw(img)
    d.line([PTS["A"], PTS["B"], PTS["C"], PTS["A"]], fill=(0, 0, 0), width=2)
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return buf.getvalue()


def mark_code(points) -> str:
    return HEADER + "".join(f"ax.plot([{x}], [{y}], 'o', color='red', ms=7)\n" for x, y in points)


def line_code(p, q) -> str:
    return HEADER + f"ax.plot([{p[0]}, {q[0]}], [{p[1]}, {q[1]}], color='blue', lw=2)\n"


def code_turn(code: str, fence: str = "```") -> str:
    return f"<think>I draw it.</think>\n<code>\n{fence}python\n{code}{fence}\n</code>"


def answer_turn(answer: str) -> str:
    return f"<think>Solved.</think> <answer>{answer}</answer>"


GOOD_MARKS, BAD_MARKS = mark_code([PTS["A"], PTS["B"]]), mark_code([(5, 5), (150, 10)])
GOOD_EDIT, BAD_EDIT = line_code(PTS["A"], PTS["C"]), line_code((5, 60), (155, 60))


def _render(sandbox: Sandbox, code: str, png: bytes) -> bytes:
    res = sandbox.run(Task(code=code, image_png=png))
    assert res.ok, res.error
    return res.png


def write_downloads(root: Path, sandbox: Sandbox) -> dict[str, tuple[list[str], list[str]]]:
    """Write every benchmark's files under ``root`` in their published layout; returns the scripts
    key -> (reference turns, wrong turns)."""
    scripts: dict[str, tuple[list[str], list[str]]] = {}
    # VTBench: Hub parquet, images as struct<bytes, path>; annotations drawn by the reference code
    rows = []
    for i, (gold, said) in enumerate((("16", "16"), ("\\frac{1}{2}", "0.5"))):
        png = figure_png(i)
        rows.append({"id": f"vt{i}", "image": hf(png), "annotation_perception": hf(_render(sandbox, GOOD_MARKS, png)),
                     "annotation_instruction": hf(_render(sandbox, GOOD_EDIT, png)),
                     "question_reasoning": f"[vt{i}-r] Radius 10, chord distance 6: length of AB?",
                     "answer_reasoning": gold, "question_perception": f"[vt{i}-p] Determine the position of point A and B",
                     "question_instruction": f"[vt{i}-i] Connect A and C", "answer_instruction": ""})
        scripts[f"vt{i}-r"] = ([answer_turn(said)], [answer_turn("17")])
        scripts[f"vt{i}-p"] = ([code_turn(GOOD_MARKS)], [code_turn(BAD_MARKS)])
        scripts[f"vt{i}-i"] = ([code_turn(GOOD_EDIT, "'''")], [code_turn(BAD_EDIT, "'''")])
    write_parquet(root / "VTBench" / "data" / "train-00000-of-00001.parquet", rows,
                  ("image", "annotation_perception", "annotation_instruction"))
    # MathVision: Hub parquet (choice answer = letter; free answer)
    write_parquet(root / "MathVision" / "data" / "testmini-00000-of-00001-x.parquet", [
        {"id": "1", "question": "[mv1] <image1> Which area?", "options": ["1", "2", "3", "4", "5"], "image": "images/1.jpg",
         "decoded_image": hf(figure_png(3)), "answer": "C", "solution": "", "level": 2, "subject": "metric geometry"},
        {"id": "2", "question": "[mv2] <image1> How long?", "options": [], "image": "images/2.jpg",
         "decoded_image": hf(figure_png(4)), "answer": "7", "solution": "", "level": 1, "subject": "counting"}],
        ("decoded_image",))
    scripts["mv1"] = ([answer_turn("C")], [answer_turn("D")])
    scripts["mv2"] = ([answer_turn("7")], [answer_turn("8")])
    # We-Math: testmini.json + testmini.zip; one two-step problem (two subs + the multi question)
    wm = root / "We-Math"
    wm.mkdir(parents=True)
    recs = []
    for k, gold in (("1", "B"), ("2", "C"), ("multi", "A")):
        recs.append({"ID": "2steps_1", "split": "testmini", "knowledge concept": "Area of circles",
                     "question": f"[wm{k}] Which?", "option": "A. 3;B. 4;C. 5;D. 6;E. No correct answer",
                     "answer": gold, "image_path": f"2steps/image/1-{k}.png", "key": f"2steps_{k}",
                     "question number": 1, "knowledge concept description": "d"})
        scripts[f"wm{k}"] = ([answer_turn(gold)], [answer_turn("E")])
    (wm / "testmini.json").write_text(json.dumps(recs))
    with zipfile.ZipFile(wm / "testmini.zip", "w") as zf:
        for n, k in enumerate(("1", "2", "multi")):
            zf.writestr(f"testmini/2steps/image/1-{k}.png", figure_png(10 + n))
    # VisuLogic: data.jsonl + images.zip, gold in `label`
    vl = root / "VisuLogic"
    vl.mkdir(parents=True)
    lines = [{"id": "00000", "image_path": "images/00000.png", "question": "[vl0] Which?", "label": "A", "tag": "Spatial"},
             {"id": "00001", "image_path": "images/00001.png", "question": "[vl1] Which?", "label": "D", "tag": "Other"}]
    (vl / "data.jsonl").write_text("\n".join(json.dumps(x) for x in lines) + "\n")
    with zipfile.ZipFile(vl / "images.zip", "w") as zf:
        for n in range(2):
            zf.writestr(f"images/{n:05d}.png", figure_png(20 + n))
    scripts["vl0"] = (["<think>so</think> <answer>\\boxed{A}</answer>"], [answer_turn("B")])
    scripts["vl1"] = ([answer_turn("D")], [answer_turn("C or D")])
    # MathVista: Hub parquet; choice gold is the choice text
    meta = {"category": "math-targeted-vqa", "context": "geometry diagram", "grade": "high school", "img_height": H,
            "img_width": W, "language": "english", "skills": ["algebraic reasoning"], "source": "GeoQA+",
            "split": "testmini", "task": "geometry problem solving"}
    write_parquet(root / "MathVista" / "data" / "testmini-00000-of-00001.parquet", [
        {"pid": "1", "question": "[mt1] Angle?", "image": "images/1.jpg", "decoded_image": hf(figure_png(30)),
         "choices": ["30", "60"], "unit": None, "precision": None, "answer": "60", "question_type": "multi_choice",
         "answer_type": "text", "metadata": meta, "query": "[mt1] Hint: choose. Angle?"},
        {"pid": "2", "question": "[mt2] Length?", "image": "images/2.jpg", "decoded_image": hf(figure_png(31)),
         "choices": None, "unit": "cm", "precision": 1.0, "answer": "1.5", "question_type": "free_form",
         "answer_type": "float", "metadata": meta, "query": "[mt2] Hint: one decimal. Length?"}], ("decoded_image",))
    scripts["mt1"] = ([answer_turn("B")], [answer_turn("A")])
    scripts["mt2"] = ([answer_turn("1.5 cm")], [answer_turn("2.5")])
    return scripts


def write_project_benchmark(lake: Lake, sandbox: Sandbox) -> dict[str, tuple[list[str], list[str]]]:
    """A project ``benchmark`` partition (round 1, domain plane_geometry) of one image x 3 tasks."""
    png = figure_png(40)
    edited = _render(sandbox, GOOD_EDIT, png)
    lake.write("images", [image_row(png, 1, "plane_geometry"), image_row(edited, 1, "plane_geometry")], round=1,
               domain="plane_geometry", producer="test")
    base = {"sample_id": "s1", "image_id": image_id(png), "choices": [], "reference_image_id": None,
            "points_px": json.dumps({k: list(v) for k, v in PTS.items()}), "width": W, "height": H,
            "combination": "n1|n2", "split_seed": 0, "heldout_fraction": 0.2, "round": 1, "domain": "plane_geometry"}
    rows = [
        {**base, "item_id": "pp", "task_type": "perception", "answer_type": "points",
         "question": "[pp] Write Python code that marks A and B on the image.",
         "reference": json.dumps({"A": list(PTS["A"]), "B": list(PTS["B"])})},
        {**base, "item_id": "pi", "task_type": "instruction_guided", "answer_type": "edit",
         "question": "[pi] Connect A and C. Write Python code that performs this on the image.",
         "reference": json.dumps({"image_id": image_id(edited), "code": GOOD_EDIT}), "reference_image_id": image_id(edited)},
        {**base, "item_id": "pr", "task_type": "interactive_reasoning", "answer_type": "choice",
         "question": "[pr] Which side is longest?", "reference": json.dumps({"answer": "B"}), "choices": ["AC", "AB", "BC"]},
    ]
    lake.write("benchmark", rows, round=1, domain="plane_geometry", producer="benchmark")
    # the wrong run reads the flywheel's true points P: evaluation binds none, so it fails (NameError)
    return {"pp": ([code_turn(GOOD_MARKS)], [code_turn(BAD_MARKS)]),
            "pi": ([code_turn(GOOD_EDIT)], [code_turn("x, y = P['A']\n" + GOOD_EDIT)]),
            "pr": ([answer_turn("AB")], [answer_turn("(C)")])}


def load_all(root: Path, lake: Lake) -> None:
    for name in ("vtbench", "mathvision", "wemath", "visulogic", "mathvista"):
        folder = root / {"vtbench": "VTBench", "mathvision": "MathVision", "wemath": "We-Math",
                         "visulogic": "VisuLogic", "mathvista": "MathVista"}[name]
        report = load(name, folder, lake)
        assert not report.errors, report.errors


def scripted(scripts: dict[str, tuple[list[str], list[str]]], which: int, fallback: str = "no idea"):
    """A FakeServer ``default``: the reply for the item named by the marker in the first user
    message, at the turn given by how many assistant messages the request already holds."""

    def reply(body: dict) -> Reply:
        msgs = body["messages"]
        user = next(m for m in msgs if m["role"] == "user")
        text = " ".join(p.get("text", "") for p in user["content"]) if isinstance(user["content"], list) else user["content"]
        key = MARKER.search(text).group(1)
        turns = scripts[key][which]
        n = sum(1 for m in msgs if m["role"] == "assistant")
        return Reply(body=ok_body(turns[n] if n < len(turns) else fallback))

    return reply
