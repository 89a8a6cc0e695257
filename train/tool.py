"""The one code-tool executor of training and evaluation: run a model's code block in the project's
sandbox against the current image and return the processed image or the error text.

The sandbox binds ``image_path`` (the current image) and ``P`` (label -> pixel of the sample's
labelled points), exactly as the flywheel runs interactions (pipelines/render), so an exported
trajectory's code turn reproduces its stored image when executed here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from pipelines.sandbox import Limits, Sandbox, Task
from train.protocol import extract_code

MAX_TEXT = 2000  # characters of stdout / error fed back to the model


@dataclass(frozen=True)
class ToolOutput:
    """What one code execution gave back: the new image (PNG) when it ran, else the error text."""

    ok: bool
    png: bytes | None
    text: str
    status: str


def run_code(sandbox: Sandbox, code: str, image_png: bytes,
             points_px: Mapping[str, tuple[float, float]] | None = None, limits: Limits | None = None) -> ToolOutput:
    """Execute ``code`` on ``image_png`` in ``sandbox``; never raises for bad code."""
    res = sandbox.run(Task(code=code, image_png=image_png, points_px=dict(points_px or {})), limits=limits)
    if res.ok:
        return ToolOutput(True, res.png, res.stdout[-MAX_TEXT:], "ok")
    if res.status == "no_figure":  # it ran but drew nothing: what it printed is the result (as V-Thinker)
        return ToolOutput(False, None, (res.stdout or "The code ran but produced no image.")[-MAX_TEXT:], res.status)
    return ToolOutput(False, None, f"Code execution failed ({res.status}): {res.error}"[:MAX_TEXT], res.status)


def run_block(sandbox: Sandbox, text: str, image_png: bytes,
              points_px: Mapping[str, tuple[float, float]] | None = None, limits: Limits | None = None) -> ToolOutput:
    """Find the code block in a model turn (any accepted fence) and execute it."""
    code = extract_code(text)
    if code is None:
        return ToolOutput(False, None, "No code block found.", "no_code")
    return run_code(sandbox, code, image_png, points_px, limits)


def points_dict(points_px) -> dict[str, tuple[float, float]]:
    """``points_px`` rows ([{name, x, y}]) or a JSON string of them as the sandbox's ``P`` mapping."""
    if isinstance(points_px, str):
        import json

        points_px = json.loads(points_px) if points_px else []
    return {p["name"]: (float(p["x"]), float(p["y"])) for p in points_px or []}
