"""Value types of evaluation: an item to solve, one turn of the loop, and a finished trajectory."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class EvalItem:
    """One benchmark question with everything the loop and its scorer need.

    ``prompt`` is the user text sent with ``image_png``; ``reference`` is the gold answer (text, or
    JSON for pixel truth); ``reference_png`` the ground-truth image (VTBench annotations, the
    project's reference edit); ``category`` is the benchmark's own grouping (subject, tag, knowledge domain) for per-domain accuracy."""

    benchmark: str
    task: str
    item_id: str
    prompt: str
    image_png: bytes
    reference: str
    answer_type: str = "text"
    choices: tuple[str, ...] = ()
    reference_png: bytes | None = None
    category: str = ""
    max_turns: int = 5
    metadata: dict = field(default_factory=dict)
    image_id: str = ""


@dataclass
class Turn:
    """One generation of the model and, when it wrote code, what the sandbox made of it.

    ``status``: ``answer`` (the turn gave the final answer), ``ok`` / ``error`` / ``timeout`` /
    ``memory`` / ``no_figure`` / ... (the code's sandbox status), ``no_code`` (neither code nor
    answer), ``length`` (token limit hit), ``backend_error``."""

    index: int
    text: str
    finish_reason: str
    status: str
    code: str | None = None
    error: str = ""
    stdout: str = ""
    input_image_id: str = ""
    output_image_id: str | None = None
    output_png: bytes | None = None
    replayed_blocks: int = 0
    seconds: float = 0.0


@dataclass
class Trajectory:
    """The whole interaction for one item: its turns, the final answer and why the loop stopped."""

    item: EvalItem
    turns: list[Turn] = field(default_factory=list)
    messages: list[dict] = field(default_factory=list)
    answer: str = ""
    has_answer: bool = False
    stop_reason: str = ""
    seconds: float = 0.0

    @property
    def response(self) -> str:
        """The assistant text of every turn, in order (sandbox outputs as markers)."""
        parts = []
        for t in self.turns:
            parts.append(t.text)
            if t.code is not None:
                out = "<image>" if t.output_image_id else t.error
                parts.append(f"<sandbox_output>{out}</sandbox_output>")
        return "".join(parts)

    @property
    def tool_calls(self) -> int:
        return sum(1 for t in self.turns if t.code is not None)

    @property
    def code_errors(self) -> int:
        return sum(1 for t in self.turns if t.code is not None and t.status != "ok")

    @property
    def final_png(self) -> bytes | None:
        """The image the last successful code turn produced (what image scorers and judges see)."""
        for t in reversed(self.turns):
            if t.output_png is not None:
                return t.output_png
        return None
