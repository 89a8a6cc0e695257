"""V-Thinker's interaction protocol on TRL turns: system prompt, tags, code-block parsing, format check.

A trajectory is a list of assistant turns. A *code turn* is ``<think>…</think>`` followed by a code
block in ``<code>`` with the ``'''python`` fence that V-Thinker's released extractor reads (its
prompts say ```` ```python ````, which the one parser, pipelines/scoring/extract.py, accepts too); the sandbox answers in its own turn (role ``tool``,
rendered as ``<sandbox_output><image></sandbox_output>``) so it can be masked from the loss. The
*final turn* is ``<think>…</think> <answer>…</answer>`` and must pass V-Thinker's format check
(``fmt_orm`` in its ``agent_rm.py``). V-Thinker keeps all of it in one assistant message; TRL cannot
mask inside a message, hence the split (see ../shared/notes/training.md §2).
"""

from __future__ import annotations

import re
from pathlib import Path

from pipelines.export.vthinker import code_block  # noqa: F401 - the one rendering, re-exported
from pipelines.scoring.extract import extract_answer, extract_code  # noqa: F401 - the one parser, re-exported

TOOL_NAME = "run_python"
SANDBOX_OPEN, SANDBOX_CLOSE = "<sandbox_output>", "</sandbox_output>"
CHAT_TEMPLATE_PATH = Path(__file__).with_name("chat_template.jinja")

SYSTEM_PROMPT = (
    "You are a helpful assistant. Solve the problem step by step. You may write Python code that draws "
    "auxiliary graphics on the image (auxiliary lines, marks, shaded regions, points) to help you reason. "
    "The code is executed in an external sandbox where `image_path` is the path of the current image "
    "(PNG); matplotlib, numpy and math are available. Read the image with `plt.imread(image_path)`, show it "
    "on a figure that covers it exactly (axes over the whole figure, x from 0 to the width, y from the "
    "height down to 0, axis off) and draw in pixel coordinates (x, y), origin top-left, that you read off "
    "the image. Save the processed image with `plt.savefig(processed_path)` and print `processed_path`; "
    "do not close the figure. The sandbox returns the processed image wrapped in "
    "<sandbox_output></sandbox_output>, and later code works on that image.\n"
    "Wrap code as <code>\n'''python\n...\n'''\n</code> and end your turn right after it.\n"
    "Think inside <think></think> in every turn. When you are done, give the final answer as "
    "<think>...</think> <answer>...</answer>."
)

# V-Thinker fmt_orm: everything up to the one </think>, one whitespace, one <answer> block, end of text
_FORMAT = re.compile(r"^(?:(?!</think>).)*</think>\s<answer>(?:(?!</answer>).)*</answer>\Z", re.DOTALL)
_TAGS = ("<think>", "</think>", "<answer>", "</answer>")
_THINK = re.compile(r"<think>(.*?)</think>", re.DOTALL)


def format_ok(text: str) -> bool:
    """V-Thinker's format check: ``…</think> <answer>…</answer>`` at the end, each tag exactly once."""
    return bool(_FORMAT.fullmatch(text)) and all(text.count(t) == 1 for t in _TAGS)


def extract_thinking(text: str) -> str:
    """The text of all ``<think>`` blocks, sandbox and image tags removed."""
    parts = _THINK.findall(text)
    if not parts and "</think>" in text:  # V-Thinker's fallback: everything before </think>
        parts = [text.split("</think>")[0]]
    return re.sub(r"</?sandbox_output>|<image>", "", "\n".join(parts)).strip()


def code_turn(thought: str, code: str) -> str:
    """An assistant code turn: a thought, then the code block, nothing after it."""
    return f"<think>{thought}</think>\n{code_block(code)}"


def final_turn(thought: str, answer: str) -> str:
    """The assistant answer turn in V-Thinker's format."""
    return f"<think>{thought}</think> <answer>{answer}</answer>"


# How TRL's parse_response finds tool calls in a generated turn (transformers response-template schema):
# the code block becomes a run_python(code=...) call; the rest is the message content.
RESPONSE_TEMPLATE = {
    "defaults": {"role": "assistant"},
    "start_anchor": "<|im_start|>assistant\n",
    "fields": {
        "tool_calls": {
            "open": "<code>\n'''python\n",
            "close_pattern": r"\n?'''\s*</code>\s*",
            "repeats": True,
            "content": "text",
            "transform": {"type": "function", "function": {"name": TOOL_NAME, "arguments": {"code": "{content}"}}},
        },
        "content": {"close_pattern": r"<\|im_end\|>\s*", "content": "text"},
    },
}


def chat_template() -> str:
    """The Qwen2.5-VL chat template with generation markers, sandbox turns and code tool calls."""
    return CHAT_TEMPLATE_PATH.read_text()


def apply_protocol(processor) -> None:
    """Give a Qwen2.5-VL processor (real or tiny) this protocol's chat and response templates."""
    processor.chat_template = processor.tokenizer.chat_template = chat_template()
    processor.tokenizer.response_template = RESPONSE_TEMPLATE
