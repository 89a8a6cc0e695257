"""Sub-points: new knowledge points that split a family's parameter space into named, checkable cases.

A sub-point is a level-2 point ``(family, condition)``: the condition is a set of the family's
categorical construction parameters (``{"ask": "area", "obtuse": true}``: "triangle area when the
altitude falls outside the triangle"); a draft realises it when its params match every pair, which
the create stage checks before naming the sub-point in the draft's ``node_ids``. Its prerequisites
(``components``) are the seed points every evidence sample named.

Proposal (one round of one domain): each accepted procedural sample with params proposes its
current condition (the sub-point it realises, else none) refined by one more parameter (the
question kind ``ask`` first, with each case of it), up to ``MAX_DEPTH`` pairs.
So a round's sub-point samples propose the next, narrower cases: the graph keeps growing while the
parameter space has cases left. A node is proposed once, with the samples that matched it as evidence.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping

MAX_DEPTH = 4
_MAX_INT = 6  # an int parameter above this is a measurement, not a case (a count, an index)
_MAX_STR = 24


def categorical(params: Mapping) -> dict:
    """The parameters that name a case: strings (short), booleans and small non-negative ints."""
    out = {}
    for k, v in params.items():
        if isinstance(v, bool) or (isinstance(v, str) and 0 < len(v) <= _MAX_STR) or \
                (isinstance(v, int) and 0 <= v <= _MAX_INT):
            out[k] = v
    return out


def matches(params: Mapping, condition: Mapping) -> bool:
    """True when every (parameter, value) of ``condition`` holds in ``params``."""
    return all(k in params and params[k] == v and type(params[k]) is type(v) for k, v in condition.items())


def refinements(params: Mapping, condition: Mapping) -> list[dict]:
    """``condition`` plus one more categorical parameter of ``params`` (``ask`` before the others)."""
    if len(condition) >= MAX_DEPTH:
        return []
    cat = categorical(params)
    if "ask" in cat and "ask" not in condition:  # the question kind, and each case of it
        first = {**condition, "ask": cat["ask"]}
        return [first] + [{**first, k: cat[k]} for k in sorted(cat) if k not in first]
    return [{**condition, k: cat[k]} for k in sorted(cat) if k not in condition]


def subpoint_id(topic: str, family: str, condition: Mapping) -> str:
    """Deterministic id ``<topic>.sp_<10 hex>`` of (family, condition)."""
    key = f"s|{family}|{json.dumps(dict(condition), sort_keys=True)}"
    return f"{topic}.sp_{hashlib.sha1(key.encode()).hexdigest()[:10]}"


def describe(family: str, condition: Mapping, prereq_names: list[str]) -> tuple[str, str]:
    """(name, description) of a sub-point, in words."""
    parts = [f"{k.replace('_', ' ')} = {v}" for k, v in condition.items() if k != "ask"]
    ask = condition.get("ask")
    name = f"{family.replace('_', ' ')}: {('asks ' + str(ask)) if ask is not None else 'case'}"
    if parts:
        name += " with " + ", ".join(parts)
    what = (f"Sub-point of {' + '.join(prereq_names)}: the {family} construction restricted to "
            f"{json.dumps(dict(condition), sort_keys=True)} (checked on each draft's parameters).")
    return name, what


def conditions(node_rows: Iterable[Mapping]) -> dict[str, dict]:
    """Sub-point id -> condition for the evolved rows of ``node_rows`` that are sub-points."""
    return {r["node_id"]: json.loads(r["condition"]) for r in node_rows if r.get("condition")}


def realised(node_ids: Iterable[str], conds: Mapping[str, dict]) -> dict:
    """The most specific condition among the sub-points a sample names ({} when none)."""
    named = [conds[i] for i in node_ids if i in conds]
    return max(named, key=len, default={})
