"""Render stage: run each draft's figure code, then its interactions in order, in the sandbox.

Figures of all drafts render in parallel; interaction k of every draft runs once interaction k-1
has, on the image it produced (interactions are cumulative: I0 -> I1 -> I2). A failed
interaction leaves the chain on the last good image so later ones can still be checked.
A figure renders with its draft's ``renderer`` (matplotlib, or an SVG document through cairosvg);
interactions always draw on the raster with matplotlib, so the checker's rules are the same."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from pipelines.sandbox import Sandbox
from pipelines.sandbox.types import Limits, Result, Task
from warehouse.images import image_row


@dataclass
class Rendered:
    """Rows for the ``renders`` and ``images`` tables."""

    renders: list[dict] = field(default_factory=list)
    images: list[dict] = field(default_factory=list)


def _points(result: Result) -> list[dict]:
    return [{"name": k, "x": float(x), "y": float(y)} for k, (x, y) in result.points_px.items()]


def _texts(result: Result) -> list[dict]:
    return [{"text": t.text, "x0": t.bbox[0], "y0": t.bbox[1], "x1": t.bbox[2], "y1": t.bbox[3]} for t in result.texts]


def render_drafts(rows: Sequence[dict], sandbox: Sandbox, limits: Limits | None = None,
                  progress: bool = False) -> Rendered:
    """Render ``drafts`` rows; one ``renders`` row per draft row, images de-duplicated by id."""
    figures = sandbox.map(
        [Task(code=r["render_code"], elements={e["name"]: (e["x"], e["y"]) for e in r["elements"]},
              kind=r.get("renderer") or "matplotlib") for r in rows],
        limits=limits,
        progress=progress,
    )
    images: dict[str, dict] = {}

    def store(png: bytes, row: dict) -> str:
        img = image_row(png, row["round"], row["domain"])
        images.setdefault(img["image_id"], img)
        return img["image_id"]

    current: list[bytes | None] = [f.png if f.ok else None for f in figures]
    steps: list[list[tuple[str, str, str | None]]] = [[] for _ in rows]  # (status, error, image_id)
    depth = max((len(r["interactions"]) for r in rows), default=0)
    for k in range(depth):
        todo = [i for i, r in enumerate(rows) if k < len(r["interactions"]) and current[i] is not None]
        for i, r in enumerate(rows):
            if k < len(r["interactions"]) and current[i] is None:
                steps[i].append(("skipped", "the figure did not render", None))
        results = sandbox.map(
            [Task(code=rows[i]["interactions"][k]["code"], image_png=current[i], points_px=figures[i].points_px)
             for i in todo],
            limits=limits,
        )
        for i, res in zip(todo, results):
            if res.ok:
                current[i] = res.png
                steps[i].append(("ok", "", store(res.png, rows[i])))
            else:
                steps[i].append((res.status, res.error, None))

    out = Rendered()
    for row, fig, chain in zip(rows, figures, steps):
        out.renders.append(
            {
                "sample_id": row["sample_id"],
                "attempt": row["attempt"],
                "status": fig.status,
                "error": fig.error,
                "image_id": store(fig.png, row) if fig.ok else None,
                "width": fig.width,
                "height": fig.height,
                "ms": fig.ms,
                "points_px": _points(fig),
                "texts": _texts(fig),
                "interaction_image_ids": [c[2] for c in chain],
                "interaction_status": [c[0] for c in chain],
                "interaction_errors": [c[1] for c in chain],
                "round": row["round"],
                "domain": row["domain"],
            }
        )
    out.images = list(images.values())
    return out
