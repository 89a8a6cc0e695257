"""The one code-tool executor of training and evaluation: run a model's code block in the project's
sandbox against the current image and return the processed image or the error text.

The sandbox binds ``image_path`` (the current image) and nothing else a model could not see: no
true positions (``P`` exists only inside the flywheel's own interaction rendering). A literal
``image_path = '...'`` in the code keeps the bound path, as V-Thinker's sandbox rewrites it, so an
exported trajectory's code block (pipelines/export/vthinker.py) reproduces its stored image here.
"""

from __future__ import annotations

from dataclasses import dataclass

from pipelines.export.vthinker import model_program
from pipelines.sandbox import Limits, Sandbox, Task
from pipelines.scoring.extract import extract_code

MAX_TEXT = 2000  # characters of stdout / error fed back to the model


@dataclass(frozen=True)
class ToolOutput:
    """What one code execution gave back: the new image (PNG) when it ran, else the error text."""

    ok: bool
    png: bytes | None
    text: str
    status: str


def run_code(sandbox: Sandbox, code: str, image_png: bytes, limits: Limits | None = None) -> ToolOutput:
    """Execute ``code`` on ``image_png`` in ``sandbox``; never raises for bad code."""
    res = sandbox.run(Task(code=model_program(code), image_png=image_png), limits=limits)
    if res.ok:
        return ToolOutput(True, res.png, res.stdout[-MAX_TEXT:], "ok")
    if res.status == "no_figure":  # it ran but drew nothing: what it printed is the result (as V-Thinker)
        return ToolOutput(False, None, (res.stdout or "The code ran but produced no image.")[-MAX_TEXT:], res.status)
    return ToolOutput(False, None, f"Code execution failed ({res.status}): {res.error}"[:MAX_TEXT], res.status)


def run_block(sandbox: Sandbox, text: str, image_png: bytes, limits: Limits | None = None) -> ToolOutput:
    """Find the code block in a model turn (any accepted fence) and execute it."""
    code = extract_code(text)
    if code is None:
        return ToolOutput(False, None, "No code block found.", "no_code")
    return run_code(sandbox, code, image_png, limits)
