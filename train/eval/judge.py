"""The optional judge: a model behind :class:`pipelines.llm.ChatClient` with versioned prompts
(train/eval/prompts/*.vN.md; the prompt id and hash go into every judged row).

* VTBench perception / instruction (and the project's instruction-guided items): an image judge
  sees [original, generated, ground truth] and the instruction; criteria of VTBench's judge: right
  visual concept, moderate spatial deviation allowed (broader for instructions), style ignored. Its
  reply's first '0'/'1' is the verdict (VTBench's parser). No generated or ground-truth image: 0
  without a call, as VTBench does.
* Answers (every other item): a text judge compares the extracted answer with the reference
  ("be strict", units may differ); the reply's leading 0/1, else ``Judgement: 0/1``. No answer:
  0 without a call.
A failed or unparsable reply leaves the item unjudged (judge_score null) with the reason.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from pipelines.llm import image_message
from pipelines.llm.prompting import Prompt, load_prompt
from train.eval.types import Trajectory

PROMPTS = Path(__file__).with_name("prompts")
PARAMS = {"temperature": 0.0, "max_tokens": 256}


@dataclass(frozen=True)
class Judgement:
    score: float | None
    reason: str
    prompt: str  # "<name>.v<N>@<hash>"


def prompt(name: str, version: int | None = None) -> Prompt:
    return load_prompt(name, version, PROMPTS)


def _tag(p: Prompt) -> str:
    return f"{p.id}@{p.hash}"


def parse_first_digit(text: str) -> float | None:
    m = re.search(r"[01]", text or "")
    return float(m.group(0)) if m else None


def parse_answer_verdict(text: str) -> float | None:
    s = (text or "").strip()
    if s[:1] in ("0", "1"):
        return float(s[0])
    m = re.search(r"Judgement:\s*([01])", s)
    return float(m.group(1)) if m else None


def _image_task(traj: Trajectory) -> str | None:
    item = traj.item
    if item.task == "perception" and item.benchmark == "vtbench":
        return "vtbench_perception_judge"
    if item.task in ("instruction", "instruction_guided"):
        return "vtbench_instruction_judge"
    if item.task == "perception":
        return None  # the project's perception items have exact pixel truth and no ground-truth image
    return "answer_judge"


def judge(trajs: Sequence[Trajectory], answers: Sequence[str], client, progress: bool = False) -> list[Judgement | None]:
    """One judgement per trajectory (None: not a judged task); ``answers`` are the extracted answers."""
    out: list[Judgement | None] = [None] * len(trajs)
    requests, where = [], []
    for i, (traj, answer) in enumerate(zip(trajs, answers)):
        name = _image_task(traj)
        if name is None:
            continue
        p, item = prompt(name), traj.item
        question = item.metadata.get("question") or item.prompt
        if name == "answer_judge":
            if not traj.has_answer:
                out[i] = Judgement(0.0, "no answer: not sent to the judge", _tag(p))
                continue
            msg = {"role": "user", "content": p.fill(question=question, reference=item.reference, answer=answer)}
        else:
            if traj.final_png is None or item.reference_png is None:
                out[i] = Judgement(0.0, "missing generated or ground-truth image: not sent to the judge", _tag(p))
                continue
            msg = image_message(p.fill(instruction=question), item.image_png, traj.final_png, item.reference_png)
        requests.append({"messages": [msg], **PARAMS})
        where.append((i, p, name))
    for (i, p, name), done in zip(where, client.complete_many(requests, progress=progress) if requests else []):
        if done.error is not None:
            out[i] = Judgement(None, f"judge call failed: {done.error}"[:500], _tag(p))
            continue
        verdict = (parse_answer_verdict if name == "answer_judge" else parse_first_digit)(done.text)
        reason = done.text.strip()[:500] if verdict is not None else f"unparsable judge reply: {done.text[:200]!r}"
        out[i] = Judgement(verdict, reason, _tag(p))
    return out
