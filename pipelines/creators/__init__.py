"""Procedural creators: the family registry.

``FAMILIES`` maps a family name to its (stateless) instance; ``families_for_domain`` lists the
families of one domain; ``interaction_header`` is the fixed prologue of interaction programs.
"""

from __future__ import annotations

from pipelines.creators.base import Draft, Element, Family, Interaction
from pipelines.creators.common import interaction_header
from pipelines.creators.families import analytic_geometry, plane_geometry, statistics_charts

FAMILIES: dict[str, Family] = {}
for _module in (plane_geometry, analytic_geometry, statistics_charts):
    for _fam in _module.FAMILIES:
        if _fam.name in FAMILIES:
            raise RuntimeError(f"duplicate family name {_fam.name!r}")
        FAMILIES[_fam.name] = _fam


def families_for_domain(domain: str) -> list[Family]:
    """The families of ``domain``, in registry order (empty for an unknown domain)."""
    return [f for f in FAMILIES.values() if f.domain == domain]


__all__ = ["FAMILIES", "Draft", "Element", "Family", "Interaction", "families_for_domain", "interaction_header"]
