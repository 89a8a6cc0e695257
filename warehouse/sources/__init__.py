"""Loaders for public datasets as their maintainers distribute them (see README.md here).

``load("vtbench", "<downloads>/VTBench")`` streams the files into the lake's source tables and
the image store and returns a :class:`LoadReport` listing every problem by file and row."""

from __future__ import annotations

from pathlib import Path

from warehouse.sources import mathvision, mathvista, rl_prompts, vinteraction, visulogic, vperception, vtbench, wemath
from warehouse.sources.base import (BATCH_ROWS, ROUND, LoadError, LoadReport, RowError, Source,
                                    SourceLayoutError)
from warehouse.sources.base import load as _load
from warehouse.storage import Lake

SOURCES: dict[str, Source] = {s.name: s for s in
                              [*(m.SOURCE for m in (vtbench, vperception, vinteraction, mathvision, wemath, visulogic,
                                                    mathvista)), *rl_prompts.SOURCES]}


def source(name: str) -> Source:
    try:
        return SOURCES[name]
    except KeyError:
        raise KeyError(f"unknown dataset {name!r}; known: {', '.join(SOURCES)}") from None


def load(name: str, folder: str | Path, lake: Lake | None = None, batch_rows: int = BATCH_ROWS,
         workers: int = 1) -> LoadReport:
    """Load dataset ``name`` from its folder (the Hub repository's files, unchanged) into the lake;
    ``workers`` > 1 decodes images in that many processes."""
    return _load(source(name), folder, lake, batch_rows, workers)


def layout() -> str:
    """One line per dataset: the files expected under the download root."""
    return "\n".join(s.layout_doc() for s in SOURCES.values())


__all__ = ["BATCH_ROWS", "ROUND", "SOURCES", "LoadError", "LoadReport", "RowError", "Source", "SourceLayoutError",
           "layout", "load", "source"]
