"""Load and validate the seed taxonomy (``knowledge/taxonomy/<domain>.yaml``; see FORMAT.md).

Every problem raises :class:`TaxonomyError` whose message starts with the file name and the key
path, e.g. ``plane_geometry.yaml: topics[1].points[0].prerequisites[0]: unknown knowledge point 'x.y.z'``.
The first problem found is reported (files in name order, keys in document order).

Rules beyond FORMAT.md: ``prerequisites`` may be omitted (same as ``[]``); a domain needs at
least one topic and a topic at least one point; id parts are snake_case (``[a-z0-9_]``, a domain
id starts with a letter); a prerequisite must be a knowledge point (not a topic or domain) and
is listed at most once per point; YAML mappings must not repeat a key.

``domains=`` filter: *all* files are always parsed and validated (so prerequisites into other
domains resolve and every error surfaces), then the graph is restricted to the selected domains:
their nodes, and the edges whose two ends are both among them. Cross-domain prerequisite edges
are therefore checked but absent from a filtered graph.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from knowledge.graph import LEVEL_DOMAIN, LEVEL_POINT, LEVEL_TOPIC, Edge, KnowledgeGraph, Node

DEFAULT_TAXONOMY_DIR: Path = Path(__file__).resolve().parent / "taxonomy"

_DOMAIN_ID = re.compile(r"[a-z][a-z0-9_]*")
_ID_PART = re.compile(r"[a-z0-9][a-z0-9_]*")
_DOMAIN_KEYS = ({"id", "name", "description"}, set())
_FILE_KEYS = ({"domain", "topics"}, set())
_TOPIC_KEYS = ({"id", "name", "description", "points"}, set())
_POINT_KEYS = ({"id", "name", "description"}, {"prerequisites"})


class TaxonomyError(ValueError):
    """A seed taxonomy file is invalid; the message names the file and the key path."""


@dataclass(frozen=True)
class _Where:
    file: str
    path: str

    def key(self, key: object) -> _Where:
        return _Where(self.file, f"{self.path}.{key}" if self.path else str(key))

    def item(self, index: int) -> _Where:
        return _Where(self.file, f"{self.path}[{index}]")

    def __str__(self) -> str:
        return f"{self.file}: {self.path}" if self.path else self.file

    def fail(self, message: str) -> TaxonomyError:
        return TaxonomyError(f"{self}: {message}")


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader that rejects a key repeated within one mapping (PyYAML keeps the last silently)."""

    def construct_mapping(self, node, deep=False):  # type: ignore[override]
        seen: set[Any] = set()
        for key_node, _ in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                continue  # complex keys are rejected later as unknown keys
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {key!r}", key_node.start_mark
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def _type_name(value: object) -> str:
    return "null" if value is None else type(value).__name__


def _mapping(where: _Where, value: object, keys: tuple[set[str], set[str]]) -> dict:
    required, optional = keys
    if not isinstance(value, dict):
        raise where.fail(f"expected a mapping, got {_type_name(value)}")
    for key in value:
        if key not in required and key not in optional:
            allowed = ", ".join(sorted(required | optional))
            raise where.key(key).fail(f"unknown key (allowed: {allowed})")
    for key in sorted(required):
        if key not in value:
            raise where.key(key).fail("missing required key")
    return value


def _string(where: _Where, value: object) -> str:
    if not isinstance(value, str):
        raise where.fail(f"expected a string, got {_type_name(value)}")
    if not value.strip():
        raise where.fail("empty string")
    return value.strip()


def _list(where: _Where, value: object, *, non_empty: bool) -> list:
    if not isinstance(value, list):
        raise where.fail(f"expected a list, got {_type_name(value)}")
    if non_empty and not value:
        raise where.fail("empty list (at least one entry required)")
    return value


def _read_yaml(path: Path) -> object:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise TaxonomyError(f"{path.name}: cannot read: {exc}") from exc
    try:
        return yaml.load(text, Loader=_StrictLoader)  # noqa: S506 - SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise TaxonomyError(f"{path.name}: {at}YAML error: {problem}") from exc


@dataclass(frozen=True)
class _PointDecl:
    where: _Where  # the point mapping
    prerequisites: tuple[str, ...]


def _parse_file(path: Path, nodes: list[tuple[Node, _Where]], points: dict[str, _PointDecl]) -> None:
    root = _Where(path.name, "")
    doc = _mapping(root, _read_yaml(path), _FILE_KEYS)

    dw = root.key("domain")
    domain = _mapping(dw, doc["domain"], _DOMAIN_KEYS)
    domain_id = _string(dw.key("id"), domain["id"])
    if not _DOMAIN_ID.fullmatch(domain_id):
        raise dw.key("id").fail(f"domain id {domain_id!r} is not snake_case")
    if domain_id != path.stem:
        raise dw.key("id").fail(f"domain id {domain_id!r} does not match the file stem {path.stem!r}")
    nodes.append(
        (
            Node(
                domain_id, domain_id, _string(dw.key("name"), domain["name"]),
                _string(dw.key("description"), domain["description"]), LEVEL_DOMAIN, None,
            ),
            dw.key("id"),
        )
    )

    tw = root.key("topics")
    for ti, topic_raw in enumerate(_list(tw, doc["topics"], non_empty=True)):
        t = tw.item(ti)
        topic = _mapping(t, topic_raw, _TOPIC_KEYS)
        topic_id = _child_id(t.key("id"), topic["id"], domain_id, "<domain>.<topic>")
        nodes.append(
            (
                Node(
                    topic_id, domain_id, _string(t.key("name"), topic["name"]),
                    _string(t.key("description"), topic["description"]), LEVEL_TOPIC, domain_id,
                ),
                t.key("id"),
            )
        )
        pw = t.key("points")
        for pi, point_raw in enumerate(_list(pw, topic["points"], non_empty=True)):
            p = pw.item(pi)
            point = _mapping(p, point_raw, _POINT_KEYS)
            point_id = _child_id(p.key("id"), point["id"], topic_id, "<domain>.<topic>.<point>")
            nodes.append(
                (
                    Node(
                        point_id, domain_id, _string(p.key("name"), point["name"]),
                        _string(p.key("description"), point["description"]), LEVEL_POINT, topic_id,
                    ),
                    p.key("id"),
                )
            )
            rw = p.key("prerequisites")
            prereqs: list[str] = []
            for ri, pre in enumerate(_list(rw, point.get("prerequisites", []), non_empty=False)):
                pre_id = _string(rw.item(ri), pre)
                if pre_id in prereqs:
                    raise rw.item(ri).fail(f"duplicate prerequisite {pre_id!r}")
                prereqs.append(pre_id)
            if point_id not in points:  # a duplicate id is reported by the caller
                points[point_id] = _PointDecl(p, tuple(prereqs))


def _child_id(where: _Where, value: object, parent_id: str, shape: str) -> str:
    child_id = _string(where, value)
    prefix = parent_id + "."
    if not child_id.startswith(prefix) or not _ID_PART.fullmatch(child_id[len(prefix):]):
        raise where.fail(
            f"id {child_id!r} must have the form {shape}: {prefix!r} followed by one snake_case part"
        )
    return child_id


def _find_cycle(points: dict[str, _PointDecl]) -> tuple[str, int, list[str]] | None:
    """(point, index of the prerequisite entry closing the cycle, cycle path) or None."""
    state: dict[str, int] = {}  # 1 on the DFS stack, 2 done
    for start in sorted(points):
        if state.get(start):
            continue
        stack: list[tuple[str, int]] = [(start, 0)]
        state[start] = 1
        while stack:
            node, i = stack[-1]
            pres = points[node].prerequisites
            if i == len(pres):
                state[node] = 2
                stack.pop()
                continue
            stack[-1] = (node, i + 1)
            nxt = pres[i]
            if state.get(nxt) == 1:
                path = [n for n, _ in stack]
                return node, i, [node] + path[path.index(nxt):]  # node requires nxt ... requires node
            if not state.get(nxt):
                state[nxt] = 1
                stack.append((nxt, 0))
    return None


def load_taxonomy(
    directory: Path = DEFAULT_TAXONOMY_DIR, domains: Iterable[str] | None = None
) -> KnowledgeGraph:
    """Parse and validate every ``*.yaml`` in ``directory``; return the (optionally
    domain-filtered) seed knowledge graph. Raises :class:`TaxonomyError` on any problem."""
    directory = Path(directory)
    if not directory.is_dir():
        raise TaxonomyError(f"{directory}: not a directory")
    files = sorted(directory.glob("*.yaml"))
    if not files:
        raise TaxonomyError(f"{directory}: no *.yaml taxonomy files")

    declared: list[tuple[Node, _Where]] = []
    points: dict[str, _PointDecl] = {}
    for path in files:
        _parse_file(path, declared, points)

    nodes: dict[str, Node] = {}
    first_seen: dict[str, _Where] = {}
    for node, where in declared:
        if node.node_id in nodes:
            raise where.fail(f"duplicate id {node.node_id!r} (first defined in {first_seen[node.node_id]})")
        nodes[node.node_id] = node
        first_seen[node.node_id] = where

    edges: list[Edge] = []
    for point_id, decl in points.items():
        for ri, pre in enumerate(decl.prerequisites):
            target = nodes.get(pre)
            if target is None:
                raise decl.where.key("prerequisites").item(ri).fail(f"unknown knowledge point {pre!r}")
            if target.level != LEVEL_POINT:
                level = "domain" if target.level == LEVEL_DOMAIN else "topic"
                raise decl.where.key("prerequisites").item(ri).fail(
                    f"{pre!r} is a {level}, not a knowledge point"
                )
            edges.append(Edge(src=pre, dst=point_id, kind="prerequisite"))

    cycle = _find_cycle(points)
    if cycle is not None:
        point_id, ri, path = cycle
        raise points[point_id].where.key("prerequisites").item(ri).fail(
            "prerequisite cycle: " + " requires ".join(repr(n) for n in path)
        )

    if domains is not None:
        wanted = set([domains] if isinstance(domains, str) else domains)
        known = {n.node_id for n in nodes.values() if n.level == LEVEL_DOMAIN}
        if unknown := sorted(wanted - known):
            raise TaxonomyError(f"{directory.name}: domains: unknown domain(s) {unknown} (known: {sorted(known)})")
        nodes = {k: n for k, n in nodes.items() if n.domain in wanted}
        edges = [e for e in edges if e.src in nodes and e.dst in nodes]

    ordered = {k: nodes[k] for k in sorted(nodes)}
    return KnowledgeGraph(ordered, tuple(sorted(edges, key=lambda e: (e.kind, e.src, e.dst))))
