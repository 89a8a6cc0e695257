"""The one interactive inference loop of evaluation and RL rollouts: generate, run the code block in
the sandbox on the current image, feed the result back, until an answer or the turn limit.

Per turn the model generates until ``</code>``, ``</answer>`` or the token limit (the text is cut
after the first stop string whatever the backend did with it). A turn with ``<answer>…</answer>``
ends the item; a turn with a code block (```` ```python ````, ``'''python`` or bare ``<code>``,
pipelines/scoring/extract.py) is executed by train/tool.py on the current image (bound to
``image_path``; nothing else is bound: no true positions, as on a real image) and answered by a sandbox turn holding the produced image, or the
error text; a turn with neither ends the item. Every turn is kept.

Execution state across turns: the sandbox forks a fresh child per call, so nothing survives a
call. To keep the variables of earlier turns (V-Thinker's scripts meant to, but reset them every
turn), a code turn runs after a one-line prelude that replays the item's earlier *successful*
blocks (their prints discarded, their figures closed): variables persist, while the image chain
comes from the image itself (``image_path`` is the last produced image). Line numbers in a
replayed call's errors are therefore one higher than in the model's block.

Pure in (backend, items, sandbox): no lake, no Dagster, so GRPO rollouts can call it too.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

from pipelines.sandbox import Limits, Sandbox
from train.eval.backends import Backend, Generation
from train.eval.types import EvalItem, Trajectory, Turn
from pipelines.scoring.extract import extract_answer, extract_code
from train.protocol import SYSTEM_PROMPT
from train.tool import run_code
from warehouse.images import image_id

STOP = ("</code>", "</answer>")
IMAGE_NOTE = "\nYour code can read the image from the file at `image_path`."
_REPLAY = ("import contextlib as _cl, io as _io\n"
           "for _n, _src in enumerate({blocks!r}, 1):\n"
           "    try:\n"
           "        with _cl.redirect_stdout(_io.StringIO()):\n"
           "            exec(compile(_src, '<turn %d>' % _n, 'exec'), globals())\n"
           "    except BaseException:\n"
           "        pass\n"
           "plt.close('all')\n")


def cut_at_stop(text: str, stop: Sequence[str] = STOP) -> tuple[str, bool]:
    """``text`` up to and including the first stop string (re-added when a server stripped it)."""
    hits = [(text.find(s), s) for s in stop if s in text]
    if hits:
        pos, s = min(hits)
        return text[: pos + len(s)], True
    return text, False


def close_open_tag(text: str, finish_reason: str) -> str:
    """OpenAI-style servers drop the stop string: put back the ``</code>``/``</answer>`` that ended
    the turn (the last open tag), so the transcript is what the model meant."""
    if finish_reason != "stop":
        return text
    for open_, close in (("<code>", "</code>"), ("<answer>", "</answer>")):
        if text.rfind(open_) > text.rfind(close):
            return text + close
    return text


def with_replay(code: str, previous: Sequence[str]) -> str:
    """``code`` preceded by a one-line prelude replaying ``previous`` blocks for their variables."""
    if not previous:
        return code
    return f"exec({_REPLAY.format(blocks=tuple(previous))!r})\n{code}"


def text_part(text: str) -> dict:
    return {"type": "text", "text": text}


def image_part(png: bytes) -> dict:
    return {"type": "image", "png": png}


def first_messages(item: EvalItem, system_prompt: str = SYSTEM_PROMPT) -> list[dict]:
    """System prompt, then the user turn: the image and the question (naming ``image_path``)."""
    return [{"role": "system", "content": [text_part(system_prompt)]},
            {"role": "user", "content": [image_part(item.image_png), text_part(item.prompt + IMAGE_NOTE)]}]


def _execute(sandbox: Sandbox, limits: Limits | None, code: str, png: bytes, previous: list[str]):
    t0 = time.perf_counter()
    out = run_code(sandbox, with_replay(code, previous), png, limits)
    return out, time.perf_counter() - t0


def run_items(items: Sequence[EvalItem], backend: Backend, sandbox: Sandbox, *, max_new_tokens: int = 1024,
              max_turns: int | None = None, limits: Limits | None = None, system_prompt: str = SYSTEM_PROMPT,
              replay: bool = True, progress: bool = False) -> list[Trajectory]:
    """Run every item to its end, in lockstep (one batched generation per turn for all items still
    going). ``max_turns`` overrides each item's own limit (generations per item)."""
    trajs = [Trajectory(it, messages=first_messages(it, system_prompt)) for it in items]
    current = [it.image_png for it in items]
    blocks: list[list[str]] = [[] for _ in items]
    started = [time.perf_counter()] * len(items)
    active = list(range(len(items)))
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=len(items), desc=f"eval {backend.name}", unit="item")
    workers = max(1, getattr(sandbox, "workers", 1))
    try:
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="eval-sandbox") as pool:
            while active:
                t0 = time.perf_counter()
                gens: list[Generation] = backend.generate([trajs[i].messages for i in active],
                                                          max_new_tokens=max_new_tokens, stop=STOP)
                if len(gens) != len(active):
                    raise RuntimeError(f"backend {backend.name} returned {len(gens)} generations for "
                                       f"{len(active)} conversations")
                gen_s = (time.perf_counter() - t0) / max(1, len(active))
                runs, still = {}, []
                for i, gen in zip(active, gens):
                    traj, item = trajs[i], trajs[i].item
                    limit = max_turns or item.max_turns
                    text, stopped = cut_at_stop(close_open_tag(gen.text, gen.finish_reason))
                    turn = Turn(index=len(traj.turns), text=text, finish_reason=gen.finish_reason, status="",
                                input_image_id=image_id(current[i]), seconds=gen_s)
                    traj.turns.append(turn)
                    traj.messages.append({"role": "assistant", "content": [text_part(text)]})
                    if gen.error is not None:
                        turn.status, turn.error, traj.stop_reason = "backend_error", gen.error, "backend_error"
                        continue
                    if "<answer>" in text and "</answer>" in text:
                        turn.status, traj.stop_reason = "answer", "answer"
                        traj.answer, traj.has_answer = extract_answer(text, clean=False) or "", True
                        continue
                    code = extract_code(text)
                    if code is None:
                        turn.status = "length" if gen.finish_reason == "length" and not stopped else "no_code"
                        traj.stop_reason = turn.status
                        continue
                    turn.code = code
                    runs[i] = pool.submit(_execute, sandbox, limits, code, current[i],
                                          blocks[i] if replay else [])
                    if len(traj.turns) >= limit:
                        traj.stop_reason = "max_turns"
                    else:
                        still.append(i)
                for i, fut in runs.items():
                    out, secs = fut.result()
                    traj, turn = trajs[i], trajs[i].turns[-1]
                    turn.status, turn.seconds, turn.stdout = out.status, turn.seconds + secs, out.text if out.ok else ""
                    turn.replayed_blocks = len(blocks[i]) if replay else 0
                    if out.ok:
                        turn.output_png, turn.output_image_id = out.png, image_id(out.png)
                        current[i] = out.png
                        blocks[i].append(turn.code)
                        feedback = [image_part(out.png)] + ([text_part(out.text)] if out.text.strip() else [])
                    else:
                        turn.error = out.text
                        feedback = [text_part(out.text)]
                    traj.messages.append({"role": "tool", "content": feedback})
                done = [i for i in active if i not in still]
                for i in done:
                    trajs[i].seconds = time.perf_counter() - started[i]
                if bar is not None and done:
                    bar.update(len(done))
                active = still
    finally:
        if bar is not None:
            bar.close()
    return trajs


def run_item(item: EvalItem, backend: Backend, sandbox: Sandbox, **kwargs) -> Trajectory:
    """One item through the loop (an RL rollout)."""
    return run_items([item], backend, sandbox, **kwargs)[0]
