"""V-Perception-40K (We-Math/V-Perception-40K): point-level perception QA with the render code."""

from __future__ import annotations

import json
from collections.abc import Mapping

from warehouse.sources.base import Layout, RowContext, Source


def _attributes(value) -> list[str]:
    """``element_arrtibute`` as a list of strings (records serialised as JSON when not strings)."""
    if value is None:
        return []
    items = value if isinstance(value, list) else [value]
    return [v if isinstance(v, str) else json.dumps(v, sort_keys=True, default=str) for v in items]


def convert(rec: Mapping, ctx: RowContext) -> list[dict]:
    return [{
        "item_id": str(rec["id"]),
        "split": ctx.split,
        "image_id": ctx.image(rec.get("image"), "image"),
        "question": str(rec["question"]),
        "answer": str(rec["answer"]),
        "python_code": rec.get("python_code"),
        "element_attributes": _attributes(rec.get("element_arrtibute")),
    }]


SOURCE = Source(
    name="vperception",
    folder="V-Perception-40K",
    table="source_vperception",
    # `element_arrtibute`: the misspelling is the published column name
    layouts=tuple(Layout(globs, ("id", "image", "question", "answer"), ("python_code", "element_arrtibute"))
                  for globs in (("data/v_perception_40k-*.parquet",), ("data/*.parquet",))),
    convert=convert,
    description="V-Perception-40K: surface / semantic / integrated point-location QA",
)
