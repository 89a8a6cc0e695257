"""Procedural creators: the family registry.

``FAMILIES`` maps a family name to its (stateless) instance, collected from every module of
``pipelines.creators.families`` (each exports ``FAMILIES``); ``families_for_domain`` lists the
families of one domain; ``interaction_header`` is the fixed prologue of interaction programs.
"""

from __future__ import annotations

import importlib
import pkgutil

from pipelines.creators import families as _families_pkg
from pipelines.creators.base import Draft, Element, Family, Interaction, needs_figure
from pipelines.creators.common import interaction_header

FAMILIES: dict[str, Family] = {}
for _info in sorted(pkgutil.iter_modules(_families_pkg.__path__), key=lambda m: m.name):
    if _info.name.startswith("_"):
        continue
    _module = importlib.import_module(f"{_families_pkg.__name__}.{_info.name}")
    for _fam in getattr(_module, "FAMILIES", ()):
        if _fam.name in FAMILIES:
            raise RuntimeError(f"duplicate family name {_fam.name!r} (in module {_module.__name__})")
        FAMILIES[_fam.name] = _fam


def figure_needed(draft: Draft) -> bool | None:
    """Whether ``draft``'s question leaves a given to the figure (its family's givens); None for a
    draft with no procedural family (a model draft: its judge's text-only solve decides)."""
    family = FAMILIES.get(draft.family)
    if family is None or not family.declares_givens():
        return None  # undecided, not guessed; tests/test_families_figure.py requires every family to declare
    return needs_figure(family, draft)


def families_for_domain(domain: str) -> list[Family]:
    """The families of ``domain``, in registry order (empty for an unknown domain)."""
    return [f for f in FAMILIES.values() if f.domain == domain]


__all__ = ["FAMILIES", "Draft", "Element", "Family", "Interaction", "families_for_domain", "figure_needed",
           "interaction_header"]
