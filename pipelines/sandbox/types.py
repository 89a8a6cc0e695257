"""Value types of the sandbox: what a task asks for and what comes back."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Status = Literal["ok", "error", "timeout", "memory", "crash", "output_limit", "no_figure", "refused"]
Kind = Literal["matplotlib", "svg"]
KINDS = ("matplotlib", "svg")


@dataclass(frozen=True)
class Limits:
    """Per-task limits. ``memory_mb`` is added on top of the warm worker's own footprint."""

    timeout_s: float = 10.0
    memory_mb: int = 1024
    max_output_bytes: int = 16 * 1024 * 1024  # PNG plus header
    max_stdout_bytes: int = 64 * 1024
    max_file_bytes: int = 32 * 1024 * 1024


@dataclass(frozen=True)
class Task:
    """One program to run.

    ``kind`` "matplotlib" (default): ``code`` draws a matplotlib figure, saved as the PNG. ``kind``
    "svg": ``code`` leaves an SVG document (str) in the variable ``svg``; it is checked (no DTD,
    entities or external references; bounded canvas: else status ``refused``) and rendered by
    cairosvg in the same hardened child, and ``elements`` are in the root viewport's user units
    (the viewBox coordinates). ``code`` runs with ``plt``, ``np`` and ``math`` pre-imported.
    When ``image_png`` is given it is written into the task's private dir and its path is bound to
    ``image_path``; ``points_px`` is bound to ``P`` (label -> (x, y) pixels; without points ``P``
    is not bound, as for a model's code). ``elements`` (label -> data (x, y)) are mapped to pixels
    through the data->pixel transform of the axes bound to ``ax`` (else the figure's first axes)
    after the code ran.
    """

    code: str
    image_png: bytes | None = None
    points_px: dict[str, tuple[float, float]] = field(default_factory=dict)
    elements: dict[str, tuple[float, float]] = field(default_factory=dict)
    kind: Kind = "matplotlib"


@dataclass(frozen=True)
class TextBox:
    """A text artist of the rendered figure, with its pixel bbox (x0, y0, x1, y1), top-left origin."""

    text: str
    bbox: tuple[float, float, float, float]


@dataclass(frozen=True)
class Result:
    """Outcome of a task. Never an exception: failures are a status plus error text."""

    status: Status
    png: bytes | None = None
    width: int = 0
    height: int = 0
    points_px: dict[str, tuple[float, float]] = field(default_factory=dict)
    texts: tuple[TextBox, ...] = ()
    stdout: str = ""
    error: str = ""
    ms: float = 0.0

    @property
    def ok(self) -> bool:
        return self.status == "ok"
