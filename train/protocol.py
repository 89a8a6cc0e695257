"""V-Thinker's interaction protocol on TRL turns: system prompt, tags, code-block parsing, format check.

A trajectory is a list of assistant turns. A *code turn* is ``<think>…</think>`` followed by a code
block in ``<code>`` (```` ```python ```` fence); the sandbox answers in its own turn (role ``tool``,
rendered as ``<sandbox_output><image></sandbox_output>``) so it can be masked from the loss. The
*final turn* is ``<think>…</think> <answer>…</answer>`` and must pass V-Thinker's format check
(``fmt_orm`` in its ``agent_rm.py``). V-Thinker keeps all of it in one assistant message; TRL cannot
mask inside a message, hence the split (see ../shared/notes/training.md §2).
"""

from __future__ import annotations

import re
from pathlib import Path

TOOL_NAME = "run_python"
SANDBOX_OPEN, SANDBOX_CLOSE = "<sandbox_output>", "</sandbox_output>"
CHAT_TEMPLATE_PATH = Path(__file__).with_name("chat_template.jinja")

SYSTEM_PROMPT = (
    "You are a helpful assistant. Solve the problem step by step. You may write Python code that draws "
    "auxiliary graphics on the image (auxiliary lines, marks, shaded regions, points) to help you reason. "
    "The code is executed in an external sandbox with matplotlib as `plt`, numpy as `np` and `math` "
    "available, `image_path` bound to the current image (PNG) and `P` bound to a dict mapping each "
    "labelled point to its pixel coordinates (x, y), origin top-left. Draw on a figure that covers the "
    "image and leave it as the current matplotlib figure: the sandbox returns it as the processed image, "
    "wrapped in <sandbox_output></sandbox_output>, and later code works on that processed image.\n"
    "Wrap code as <code>\n```python\n...\n```\n</code> and end your turn right after it.\n"
    "Think inside <think></think> in every turn. When you are done, give the final answer as "
    "<think>...</think> <answer>...</answer>."
)

# V-Thinker fmt_orm: everything up to the one </think>, one whitespace, one <answer> block, end of text
_FORMAT = re.compile(r"^(?:(?!</think>).)*</think>\s<answer>(?:(?!</answer>).)*</answer>\Z", re.DOTALL)
_TAGS = ("<think>", "</think>", "<answer>", "</answer>")
_ANSWER = re.compile(r"<answer>(.*?)</answer>", re.DOTALL)
_THINK = re.compile(r"<think>(.*?)</think>", re.DOTALL)
# fences the model may use: ```python … ``` (ours, Thyme/V-Thinker SFT data) or '''python … ''' (V-Thinker's parser)
_FENCED = re.compile(r"(```|''')python[ \t]*\n?(.*?)\1", re.DOTALL)
_CODE_TAG = re.compile(r"<code>(.*?)(?:</code>|\Z)", re.DOTALL)


def format_ok(text: str) -> bool:
    """V-Thinker's format check: ``…</think> <answer>…</answer>`` at the end, each tag exactly once."""
    return bool(_FORMAT.fullmatch(text)) and all(text.count(t) == 1 for t in _TAGS)


def extract_answer(text: str) -> str:
    """The first ``<answer>`` block, stripped ('' when there is none), as V-Thinker's extract_answer."""
    m = _ANSWER.search(text)
    return m.group(1).strip() if m else ""


def extract_thinking(text: str) -> str:
    """The text of all ``<think>`` blocks, sandbox and image tags removed."""
    parts = _THINK.findall(text)
    if not parts and "</think>" in text:  # V-Thinker's fallback: everything before </think>
        parts = [text.split("</think>")[0]]
    return re.sub(r"</?sandbox_output>|<image>", "", "\n".join(parts)).strip()


def extract_code(text: str) -> str | None:
    """The first code block: a ```` ```python ```` or ``'''python`` fence, else bare code in ``<code>``."""
    m = _FENCED.search(text)
    if m:
        return m.group(2).strip("\n")
    m = _CODE_TAG.search(text)
    if m and m.group(1).strip():
        return m.group(1).strip("\n")
    return None


def code_block(code: str) -> str:
    """The canonical rendering of a code block, as written in exports and by the chat template."""
    return f"<code>\n```python\n{code.rstrip()}\n```\n</code>"


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
            "open": "<code>\n```python\n",
            "close_pattern": r"\n?```\s*</code>\s*",
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
