"""Tests for knowledge/: taxonomy loading and validation, the graph, the coverage sampler."""

from __future__ import annotations

import copy
import dataclasses
from collections import Counter
from pathlib import Path

import pytest
import yaml

from knowledge import (
    DEFAULT_TAXONOMY_DIR,
    Edge,
    KnowledgeGraph,
    Node,
    Pick,
    TaxonomyError,
    load_taxonomy,
    sample_picks,
)


def _point(pid: str, prerequisites: list[str] | None = None) -> dict:
    point = {"id": pid, "name": f"Point {pid}", "description": f"About {pid}."}
    if prerequisites is not None:
        point["prerequisites"] = prerequisites
    return point


# alpha: t1 {a, b <- a}, t2 {c <- b, beta.u.x};  beta: u {x, y <- x}
BASE: dict[str, dict] = {
    "alpha": {
        "domain": {"id": "alpha", "name": "Alpha", "description": "First domain."},
        "topics": [
            {
                "id": "alpha.t1",
                "name": "T1",
                "description": "Topic one.",
                "points": [_point("alpha.t1.a", []), _point("alpha.t1.b", ["alpha.t1.a"])],
            },
            {
                "id": "alpha.t2",
                "name": "T2",
                "description": "Topic two.",
                "points": [_point("alpha.t2.c", ["alpha.t1.b", "beta.u.x"])],
            },
        ],
    },
    "beta": {
        "domain": {"id": "beta", "name": "Beta", "description": "Second domain."},
        "topics": [
            {
                "id": "beta.u",
                "name": "U",
                "description": "Topic u.",
                "points": [_point("beta.u.x"), _point("beta.u.y", ["beta.u.x"])],
            }
        ],
    },
}


def write_taxonomy(directory: Path, docs: dict[str, object]) -> Path:
    """Write ``{stem: document}``; a str document is written verbatim (for YAML-level errors)."""
    directory.mkdir(parents=True, exist_ok=True)
    for stem, doc in docs.items():
        text = doc if isinstance(doc, str) else yaml.safe_dump(doc, sort_keys=False)
        (directory / f"{stem}.yaml").write_text(text, encoding="utf-8")
    return directory


@pytest.fixture
def base_dir(tmp_path: Path) -> Path:
    return write_taxonomy(tmp_path / "taxonomy", copy.deepcopy(BASE))


# ---------------------------------------------------------------- loading a valid taxonomy


def test_valid_taxonomy_nodes_levels_parents(base_dir: Path) -> None:
    g = load_taxonomy(base_dir)
    assert g.domains() == ["alpha", "beta"]
    levels = Counter(n.level for n in g.nodes.values())
    assert levels == {0: 2, 1: 3, 2: 5}
    assert [n.node_id for n in g.points("alpha")] == ["alpha.t1.a", "alpha.t1.b", "alpha.t2.c"]
    assert [n.node_id for n in g.points("beta")] == ["beta.u.x", "beta.u.y"]
    assert g.nodes["alpha"].parent_id is None
    assert g.nodes["alpha.t2"].parent_id == "alpha"
    c = g.nodes["alpha.t2.c"]
    assert (c.parent_id, c.domain, c.name, c.description) == ("alpha.t2", "alpha", "Point alpha.t2.c", "About alpha.t2.c.")
    assert all(n.source == "seed" and n.round == 0 for n in g.nodes.values())


def test_valid_taxonomy_prerequisite_edges(base_dir: Path) -> None:
    g = load_taxonomy(base_dir)
    assert {(e.src, e.dst) for e in g.edges} == {
        ("alpha.t1.a", "alpha.t1.b"),
        ("alpha.t1.b", "alpha.t2.c"),
        ("beta.u.x", "alpha.t2.c"),
        ("beta.u.x", "beta.u.y"),
    }
    assert all(e.kind == "prerequisite" and e.weight == 1.0 and e.round == 0 for e in g.edges)
    assert g.prerequisites("alpha.t2.c") == ["alpha.t1.b", "beta.u.x"]
    assert g.prerequisites("alpha.t1.a") == []  # explicit []
    assert g.prerequisites("beta.u.x") == []  # key omitted
    with pytest.raises(KeyError, match="nope"):
        g.prerequisites("nope")
    with pytest.raises(KeyError, match="gamma"):
        g.points("gamma")


def test_rows_are_plain_dicts_keyed_by_fields(base_dir: Path) -> None:
    g = load_taxonomy(base_dir)
    node_rows, edge_rows = g.node_rows(), g.edge_rows()
    assert len(node_rows) == 10 and len(edge_rows) == 4
    assert all(set(r) == {f.name for f in dataclasses.fields(Node)} for r in node_rows)
    assert all(set(r) == {f.name for f in dataclasses.fields(Edge)} for r in edge_rows)
    assert [r["node_id"] for r in node_rows] == sorted(g.nodes)
    assert {"src": "beta.u.x", "dst": "beta.u.y", "kind": "prerequisite", "weight": 1.0, "round": 0} in edge_rows


def test_domain_filter_keeps_induced_subgraph_but_resolves_cross_domain(base_dir: Path) -> None:
    g = load_taxonomy(base_dir, domains=["alpha"])
    assert g.domains() == ["alpha"]
    assert {n.domain for n in g.nodes.values()} == {"alpha"}
    assert len(g.nodes) == 1 + 2 + 3
    # alpha.t2.c -> beta.u.x resolved during loading; the cross-domain edge is not in the subgraph
    assert {(e.src, e.dst) for e in g.edges} == {("alpha.t1.a", "alpha.t1.b"), ("alpha.t1.b", "alpha.t2.c")}
    with pytest.raises(TaxonomyError, match="gamma"):
        load_taxonomy(base_dir, domains=["alpha", "gamma"])


def test_domain_filter_still_validates_other_files(tmp_path: Path) -> None:
    docs = copy.deepcopy(BASE)
    docs["beta"]["topics"][0]["points"][0]["colour"] = "red"
    d = write_taxonomy(tmp_path, docs)
    with pytest.raises(TaxonomyError, match=r"beta\.yaml: topics\[0\]\.points\[0\]\.colour"):
        load_taxonomy(d, domains=["alpha"])


def test_graph_rejects_dangling_references() -> None:
    dom = Node("d", "d", "D", "d", 0, None)
    with pytest.raises(ValueError, match="ghost"):
        KnowledgeGraph({"d": dom}, (Edge("d", "ghost", "cooccurs"),))
    with pytest.raises(ValueError, match="ghost"):
        KnowledgeGraph({"d": dom, "d.t": Node("d.t", "d", "T", "t", 1, "ghost")})


# ---------------------------------------------------------------- validation errors


def _set(path: str, value: object):
    """Mutation setting ``doc[...]`` at a dotted path of keys / list indexes, e.g. 'topics.0.name'."""

    def mutate(docs: dict) -> None:
        *head, last = path.split(".")
        target = docs
        for part in head:
            target = target[int(part)] if part.isdigit() else target[part]
        if value is _DELETE:
            del target[int(last) if last.isdigit() else last]
        else:
            target[int(last) if last.isdigit() else last] = value

    return mutate


_DELETE = object()


def _raw(stem: str, text: str):
    def mutate(docs: dict) -> None:
        docs[stem] = text

    return mutate


def _both(*mutations):
    def mutate(docs: dict) -> None:
        for m in mutations:
            m(docs)

    return mutate


def _rename_file(old: str, new: str):
    def mutate(docs: dict) -> None:
        docs[new] = docs.pop(old)

    return mutate


ERROR_CASES = [
    # (case id, mutation, file, offending key, message fragment)
    ("yaml-syntax", _raw("alpha", "domain: [unclosed\ntopics: []\n"), "alpha.yaml", "line", "YAML error"),
    ("yaml-duplicate-key", _raw("beta", "domain:\n  id: beta\n  id: beta\n"), "beta.yaml", "line 3", "duplicate key 'id'"),
    ("empty-document", _raw("alpha", ""), "alpha.yaml", "alpha.yaml:", "expected a mapping"),
    ("unknown-top-key", _set("alpha.version", 2), "alpha.yaml", "version", "unknown key"),
    ("unknown-domain-key", _set("alpha.domain.colour", "red"), "alpha.yaml", "domain.colour", "unknown key"),
    ("unknown-topic-key", _set("alpha.topics.1.weight", 3), "alpha.yaml", "topics[1].weight", "unknown key"),
    ("unknown-point-key", _set("beta.topics.0.points.1.level", 2), "beta.yaml", "topics[0].points[1].level", "unknown key"),
    ("missing-topics", _set("beta.topics", _DELETE), "beta.yaml", "topics", "missing required key"),
    ("missing-domain-name", _set("alpha.domain.name", _DELETE), "alpha.yaml", "domain.name", "missing required key"),
    ("missing-point-id", _set("alpha.topics.0.points.1.id", _DELETE), "alpha.yaml", "topics[0].points[1].id", "missing required key"),
    ("missing-topic-points", _set("alpha.topics.0.points", _DELETE), "alpha.yaml", "topics[0].points", "missing required key"),
    ("type-topics-mapping", _set("beta.topics", {"id": "beta.u"}), "beta.yaml", "topics", "expected a list"),
    ("type-name-int", _set("alpha.topics.0.name", 7), "alpha.yaml", "topics[0].name", "expected a string"),
    ("type-point-list", _set("alpha.topics.1.points.0", ["x"]), "alpha.yaml", "topics[1].points[0]", "expected a mapping"),
    ("type-prereqs-string", _set("alpha.topics.0.points.1.prerequisites", "alpha.t1.a"), "alpha.yaml", "topics[0].points[1].prerequisites", "expected a list"),
    ("type-prereq-item", _set("alpha.topics.0.points.1.prerequisites", [None]), "alpha.yaml", "topics[0].points[1].prerequisites[0]", "expected a string"),
    ("empty-description", _set("alpha.topics.0.points.0.description", "  "), "alpha.yaml", "topics[0].points[0].description", "empty string"),
    ("empty-domain-id", _set("beta.domain.id", ""), "beta.yaml", "domain.id", "empty string"),
    ("domain-id-not-stem", _set("alpha.domain.id", "alfa"), "alpha.yaml", "domain.id", "file stem"),
    ("file-renamed", _rename_file("beta", "gamma"), "gamma.yaml", "domain.id", "file stem"),
    ("topic-prefix", _set("alpha.topics.1.id", "beta.t2"), "alpha.yaml", "topics[1].id", "<domain>.<topic>"),
    ("point-prefix", _set("alpha.topics.0.points.0.id", "alpha.t2.a"), "alpha.yaml", "topics[0].points[0].id", "<domain>.<topic>.<point>"),
    ("point-extra-part", _set("beta.topics.0.points.0.id", "beta.u.x.z"), "beta.yaml", "topics[0].points[0].id", "<domain>.<topic>.<point>"),
    ("point-not-snake", _set("beta.topics.0.points.0.id", "beta.u.Big X"), "beta.yaml", "topics[0].points[0].id", "snake_case"),
    ("duplicate-point-id", _set("alpha.topics.0.points.1.id", "alpha.t1.a"), "alpha.yaml", "topics[0].points[1].id", "first defined in alpha.yaml: topics[0].points[0].id"),
    ("duplicate-topic-id", _both(_set("alpha.topics.1.id", "alpha.t1"), _set("alpha.topics.1.points.0.id", "alpha.t1.c")), "alpha.yaml", "topics[1].id", "duplicate id 'alpha.t1' (first defined in alpha.yaml: topics[0].id)"),
    ("dangling-prereq", _set("alpha.topics.1.points.0.prerequisites.1", "beta.u.zzz"), "alpha.yaml", "topics[1].points[0].prerequisites[1]", "unknown knowledge point 'beta.u.zzz'"),
    ("prereq-is-topic", _set("beta.topics.0.points.1.prerequisites", ["alpha.t1"]), "beta.yaml", "topics[0].points[1].prerequisites[0]", "is a topic"),
    ("duplicate-prereq", _set("beta.topics.0.points.1.prerequisites", ["beta.u.x", "beta.u.x"]), "beta.yaml", "topics[0].points[1].prerequisites[1]", "duplicate prerequisite"),
    ("self-cycle", _set("beta.topics.0.points.0.prerequisites", ["beta.u.x"]), "beta.yaml", "topics[0].points[0].prerequisites[0]", "prerequisite cycle"),
    # a requires c requires b requires a: DFS from alpha.t1.a closes it at b's entry for a
    ("cycle-in-file", _set("alpha.topics.0.points.0.prerequisites", ["alpha.t2.c"]), "alpha.yaml", "topics[0].points[1].prerequisites[0]", "prerequisite cycle"),
    # alpha.t2.c requires beta.u.x requires alpha.t2.c
    ("cycle-across-files", _set("beta.topics.0.points.0.prerequisites", ["alpha.t2.c"]), "beta.yaml", "topics[0].points[0].prerequisites[0]", "'beta.u.x' requires 'alpha.t2.c' requires 'beta.u.x'"),
    ("topic-without-points", _set("alpha.topics.1.points", []), "alpha.yaml", "topics[1].points", "empty list"),
    ("domain-without-topics", _set("beta.topics", []), "beta.yaml", "topics", "empty list"),
]


@pytest.mark.parametrize(
    ("mutate", "file", "key", "fragment"),
    [case[1:] for case in ERROR_CASES],
    ids=[case[0] for case in ERROR_CASES],
)
def test_validation_errors_name_file_and_key(tmp_path: Path, mutate, file: str, key: str, fragment: str) -> None:
    docs = copy.deepcopy(BASE)
    mutate(docs)
    directory = write_taxonomy(tmp_path, docs)
    with pytest.raises(TaxonomyError) as info:
        load_taxonomy(directory)
    message = str(info.value)
    assert message.startswith(f"{file}: "), message
    assert key in message, message
    assert fragment in message, message
    assert isinstance(info.value, ValueError)


def test_key_path_in_message_is_exact(tmp_path: Path) -> None:
    docs = copy.deepcopy(BASE)
    docs["alpha"]["topics"][1]["points"][0]["prerequisites"] = ["x.y.z"]
    with pytest.raises(TaxonomyError) as info:
        load_taxonomy(write_taxonomy(tmp_path, docs))
    assert str(info.value) == "alpha.yaml: topics[1].points[0].prerequisites[0]: unknown knowledge point 'x.y.z'"


def test_missing_or_empty_directory(tmp_path: Path) -> None:
    with pytest.raises(TaxonomyError, match="not a directory"):
        load_taxonomy(tmp_path / "absent")
    with pytest.raises(TaxonomyError, match="no \\*.yaml"):
        load_taxonomy(tmp_path)


# ---------------------------------------------------------------- shipped taxonomy


def test_shipped_taxonomy_loads() -> None:
    files = sorted(DEFAULT_TAXONOMY_DIR.glob("*.yaml"))
    if not files:
        pytest.skip("knowledge/taxonomy has no *.yaml files yet")
    g = load_taxonomy()
    assert g.domains() == sorted(f.stem for f in files)
    for domain in g.domains():
        assert g.points(domain), domain
    for domain in g.domains():  # each domain also loads on its own
        assert load_taxonomy(domains=[domain]).domains() == [domain]


# ---------------------------------------------------------------- sampler


def _sampler_graph() -> KnowledgeGraph:
    nodes = [Node("d", "d", "D", "dom", 0, None), Node("d.t", "d", "T", "topic", 1, "d"),
             Node("e", "e", "E", "dom", 0, None), Node("e.t", "e", "T", "topic", 1, "e"),
             Node("e.t.q", "e", "Q", "pt", 2, "e.t")]
    nodes += [Node(f"d.t.p{i}", "d", f"P{i}", "pt", 2, "d.t") for i in range(6)]
    return KnowledgeGraph({n.node_id: n for n in nodes})


FAMILIES = {
    "f_wide": ["d.t.p0", "d.t.p1", "d.t.p2"],
    "f_pair": ["d.t.p2", "d.t.p3"],
    "f_single": ["d.t.p4"],
}  # d.t.p5 is covered by nobody
COVERED = {"d.t.p0", "d.t.p1", "d.t.p2", "d.t.p3", "d.t.p4"}


def test_sampler_is_reproducible_and_order_independent() -> None:
    g = _sampler_graph()
    first = sample_picks(g, "d", FAMILIES, n=40, seed=7, max_combo=3)
    assert first == sample_picks(g, "d", FAMILIES, n=40, seed=7, max_combo=3)
    shuffled = {k: list(reversed(v)) for k, v in reversed(list(FAMILIES.items()))}
    assert first == sample_picks(g, "d", shuffled, n=40, seed=7, max_combo=3)
    assert first != sample_picks(g, "d", FAMILIES, n=40, seed=8, max_combo=3)


@pytest.mark.parametrize("k", [1, 3])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_sampler_balances_coverage(k: int, seed: int) -> None:
    g = _sampler_graph()
    picks = sample_picks(g, "d", FAMILIES, n=k * len(COVERED), seed=seed, max_combo=2)
    counts = Counter(i for p in picks for i in p.node_ids)
    assert set(counts) == COVERED  # every covered point picked, the uncovered one never
    assert min(counts.values()) >= 1
    singles = sample_picks(g, "d", FAMILIES, n=k * len(COVERED), seed=seed, max_combo=1)
    assert Counter(p.node_ids[0] for p in singles) == dict.fromkeys(COVERED, k)  # exactly even


@pytest.mark.parametrize("max_combo", [1, 2, 3])
def test_sampler_picks_are_valid(max_combo: int) -> None:
    g = _sampler_graph()
    picks = sample_picks(g, "d", FAMILIES, n=60, seed=3, max_combo=max_combo)
    assert len(picks) == 60
    for pick in picks:
        assert isinstance(pick, Pick)
        assert pick.family in FAMILIES
        assert set(pick.node_ids) <= set(FAMILIES[pick.family])  # one family covers them jointly
        assert list(pick.node_ids) == sorted(set(pick.node_ids))  # sorted, no repeats
        assert 1 <= len(pick.node_ids) <= max_combo
    sizes = {len(p.node_ids) for p in picks}
    assert sizes == set(range(1, max_combo + 1))  # every allowed size occurs (f_wide has 3 points)
    assert {p.family for p in picks} == set(FAMILIES)


def test_sampler_errors() -> None:
    g = _sampler_graph()
    assert sample_picks(g, "d", FAMILIES, n=0, seed=0) == []
    with pytest.raises(ValueError, match="'d'"):
        sample_picks(g, "d", {"f_empty": []}, n=3, seed=0)
    with pytest.raises(ValueError, match="'d'"):
        sample_picks(g, "d", {}, n=3, seed=0)
    with pytest.raises(ValueError, match=r"d\.t\.ghost"):
        sample_picks(g, "d", {"f": ["d.t.p0", "d.t.ghost"]}, n=3, seed=0)
    with pytest.raises(ValueError, match=r"e\.t\.q"):  # a point of another domain
        sample_picks(g, "d", {"f": ["d.t.p0", "e.t.q"]}, n=3, seed=0)
    with pytest.raises(ValueError, match="'zzz'"):
        sample_picks(g, "zzz", FAMILIES, n=3, seed=0)
    with pytest.raises(ValueError, match="string"):
        sample_picks(g, "d", {"f": "d.t.p0"}, n=3, seed=0)
