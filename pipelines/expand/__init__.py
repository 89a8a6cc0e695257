"""Difficulty expansion: grow accepted samples into harder variants on the same figure.

* parallel - an extra, independent construction/condition (sample id suffix ``.p``);
* sequential - a further construction that needs the previous answer (suffix ``.s``), which may
  itself be expanded sequentially again, up to ``max_depth`` levels.

Each expansion is a new sample (``parent_id`` = the sample it grew from, difficulty + 1) that
goes through render and check again; one that fails is not accepted (and not repaired)."""

from __future__ import annotations

import random
import zlib
from collections.abc import Mapping

from pipelines.check import ImageCache, check_all, failed_dimensions
from pipelines.creators import style, wording
from pipelines.creators.base import Draft, Family
from pipelines.records import Lineage, draft_to_row, row_to_draft
from pipelines.repair import Attempts
from pipelines.render import render_drafts
from pipelines.sandbox import Sandbox

KINDS = {"parallel": "p", "sequential": "s"}


def _rng(sample_id: str, kind: str) -> random.Random:
    return random.Random(zlib.crc32(f"{sample_id}:{kind}".encode()))


def expansions_of(row: dict, family: Family, kinds: tuple[str, ...]) -> list[dict]:
    """New draft rows expanding one accepted row in each supported kind."""
    draft = row_to_draft(row)
    out = []
    for kind in kinds:
        if kind not in family.supports:
            continue
        make = family.expand_parallel if kind == "parallel" else family.expand_sequential
        try:
            grown = make(draft, _rng(row["sample_id"], kind))
        except NotImplementedError:  # e.g. no sequential step after this variant
            grown = None
        if grown is None:
            continue
        grown = _varied_like(grown, draft)
        at = Lineage(sample_id=f"{row['sample_id']}.{KINDS[kind]}", plan_id=row["plan_id"], round=row["round"],
                     parent_id=row["sample_id"], expansion=kind, action=f"expand:{kind}")
        out.append(draft_to_row(grown, at))
    return out


def _varied_like(grown: Draft, parent: Draft) -> Draft:
    """A rebuilt question gets its own wording frame; a rebuilt figure is drawn in the parent's style
    (an extended question or figure already carries the parent's)."""
    if not grown.question.startswith(parent.question):
        grown = wording.frame(grown)
    if not grown.render_code.startswith(parent.render_code):
        common = style.parse(parent.style)
        grown = style.apply(grown.replace(style=""), style.Style(common.paper, common.ink, common.font, common.weight))
        grown = grown.replace(style=parent.style)
    return grown


def expand(accepted: list[dict], images: ImageCache, families: Mapping[str, Family], sandbox: Sandbox,
           fraction: float = 1.0, max_depth: int = 2, seed: int = 0) -> Attempts:
    """Expand a reproducible ``fraction`` of the accepted rows, then the accepted expansions
    sequentially, level by level, up to ``max_depth`` levels."""
    pick = random.Random(seed)
    level = sorted((r for r in accepted if r["expansion"] == "none"), key=lambda r: r["sample_id"])
    level = [r for r in level if pick.random() < fraction]
    out = Attempts()
    kinds: tuple[str, ...] = ("parallel", "sequential")
    for _ in range(max_depth):
        rows = [g for r in level if (f := families.get(r["family"])) for g in expansions_of(r, f, kinds)]
        if not rows:
            break
        rendered = render_drafts(rows, sandbox)
        images.add(rendered.images)
        verdicts = check_all(rows, rendered.renders, images, families)
        out.extend(rows, rendered, verdicts)
        failing = failed_dimensions(verdicts)
        level = [r for r in rows if r["expansion"] == "sequential" and not failing[(r["sample_id"], r["attempt"])]]
        kinds = ("sequential",)
    return out
