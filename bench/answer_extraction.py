"""How many typical model answers the judge-free scorer extracts and matches (issue 13, item 6).

    python bench/answer_extraction.py            (PYTHONPATH=<old checkout> for "before")

A fixed list of responses in the forms models write - tagged, free text in VLMEvalKit style
(no tags), option letters inside text, numbers with words - each with its reference, scored by
the evaluation path (train/eval/scoring.score on a one-turn trajectory). Prints hits per form.
"""

from __future__ import annotations

from collections import Counter

CASES = [  # (form, response, reference, answer_type, choices)
    ("tagged", "<think>t</think> <answer>12</answer>", "12", "number", ()),
    ("tagged", "<think>t</think> <answer>(C) 70</answer>", "C", "choice", ("10", "20", "70", "5")),
    ("tagged", "<think>t</think> <answer>4 triangles</answer>", "4", "number", ()),
    ("tagged", "<think>t</think> <answer>The correct option is B</answer>", "B", "choice", ("1", "2", "3")),
    ("free text", "The answer is 12.", "12", "number", ()),
    ("free text", "Adding the sides gives a perimeter of 12 cm", "12", "number", ()),
    ("free text", "(C) 70", "C", "choice", ("10", "20", "70", "5")),
    ("free text", "Counting every small and large one, there are 4 triangles.", "4", "number", ()),
    ("free text", "Comparing the bars, the answer is B since it is tallest.", "B", "choice", ("3", "4", "5")),
    ("free text", "Therefore \\boxed{\\frac{1}{2}}", "1/2", "number", ()),
    ("free text", "Answer: 70", "C", "choice", ("10", "20", "70", "5")),
    ("wrong", "<think>t</think> <answer>5 triangles</answer>", "4", "number", ()),
    ("wrong", "Either A or B could be right", "B", "choice", ("3", "4", "5")),
]


def main() -> None:
    from train.eval.scoring import score
    from train.eval.types import EvalItem, Trajectory, Turn

    hits, totals = Counter(), Counter()
    for form, text, ref, kind, choices in CASES:
        item = EvalItem(benchmark="mathvision", task="testmini", item_id="x", prompt="q", image_png=b"",
                        reference=ref, answer_type=kind, choices=choices)
        traj = Trajectory(item, turns=[Turn(0, text, "stop", "answer" if "<answer>" in text else "no_code")])
        if "<answer>" in text:
            traj.answer, traj.has_answer = text.split("<answer>")[1].split("</answer>")[0].strip(), True
        totals[form] += 1
        hits[form] += score(traj).correct
    for form in ("tagged", "free text", "wrong"):
        print(f"{form}: {hits[form]}/{totals[form]} scored correct")


if __name__ == "__main__":
    main()
