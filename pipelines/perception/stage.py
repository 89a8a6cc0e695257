"""The perception stage over lake rows: accepted samples -> perception tasks + element annotations."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from pipelines.perception.figure import annotations, figure_from_sample
from pipelines.perception.tasks import build_tasks


@dataclass
class PerceptionOut:
    """Rows for ``perception_tasks`` and ``element_annotations``."""

    tasks: list[dict] = field(default_factory=list)
    annotations: list[dict] = field(default_factory=list)


def tasks_from_samples(samples: Sequence[dict], drafts: Sequence[dict], renders: Sequence[dict],
                       load: Callable[[str], np.ndarray]) -> PerceptionOut:
    """Tasks and annotations for every sample's figure (elements from its draft attempt, text
    boxes from its render). Expansions share their parent's figure, so each image is used once."""
    elements = {(d["sample_id"], d["attempt"]): d["elements"] for d in drafts}
    texts = {(r["sample_id"], r["attempt"]): r["texts"] for r in renders}
    out = PerceptionOut()
    seen: set[str] = set()
    for s in sorted(samples, key=lambda r: (r["expansion"] != "none", r["sample_id"])):
        if s["image_id"] in seen:
            continue
        key = (s["sample_id"], s["attempt"])
        if key not in elements or key not in texts:
            raise KeyError(f"sample {s['sample_id']} attempt {s['attempt']}: no draft or render row for it")
        seen.add(s["image_id"])
        fig = figure_from_sample(s, elements[key], texts[key], load(s["image_id"]))
        out.tasks += build_tasks(fig)
        out.annotations += annotations(fig)
    return out
