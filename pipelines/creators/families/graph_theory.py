"""Graph theory families: weighted networks (shortest paths, spanning trees) and vertex degrees
with Euler paths.

Vertices are drawn as labelled discs at planar positions with straight, non-crossing edges; edge
weights are texts beside their edges. The graph itself lives in ``params["edges"]`` (pairs of
vertex labels, with weights); :meth:`rederive` recomputes every answer with a different
algorithm than the generator (Floyd-Warshall / Prim / degree counting) over the vertices drawn
in ``draft.elements``.
"""

from __future__ import annotations

import heapq
import itertools
import math
import random

from pipelines.creators.base import Draft, Family, Interaction
from pipelines.creators.common import clamp_difficulty, interaction_code, make_choices, pick_ask
from pipelines.creators.families._canvas import canvas_for

DOMAIN = "graph_theory"
_G = "graph_theory."
VERTEX_DEGREE = _G + "graph_basics.vertex_degree"
HANDSHAKE = _G + "graph_basics.handshake_lemma"
ADJACENT = _G + "graph_basics.adjacency"
EDGE_WEIGHTS = _G + "weighted_graphs.edge_weights"
ROUTE_WEIGHT = _G + "weighted_graphs.route_weight"
DIJKSTRA = _G + "paths.shortest_path_dijkstra"
FEWEST_EDGES = _G + "paths.fewest_edges"
VIA_VERTEX = _G + "paths.path_through_vertex"
SPANNING = _G + "trees.spanning_tree"
TREE_EDGES = _G + "trees.tree_edge_count"
MST = _G + "trees.minimum_spanning_tree"
CYCLE_RANK = _G + "trees.edges_to_remove"
ODD_VERTICES = _G + "euler.odd_vertex_count"
EULER = _G + "euler.euler_path_conditions"

NAMES = "ABCDEFGH"


# ----------------------------------------------------------------------------------------------
# layout


def _cross(p1, p2, p3, p4) -> bool:
    """Do segments p1p2 and p3p4 cross at an interior point?"""
    def o(a, b, c):
        return (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0])
    d1, d2, d3, d4 = o(p3, p4, p1), o(p3, p4, p2), o(p1, p2, p3), o(p1, p2, p4)
    return d1 * d2 < 0 and d3 * d4 < 0


def _seg_dist(p, a, b) -> float:
    dx, dy = b[0] - a[0], b[1] - a[1]
    t = max(0.0, min(1.0, ((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / (dx * dx + dy * dy)))
    return math.hypot(p[0] - a[0] - t * dx, p[1] - a[1] - t * dy)


def _positions(rng: random.Random, n: int) -> dict[str, tuple[float, float]]:
    """``n`` vertex positions: a jittered ring or a jittered 3x3 lattice (about 10 units wide)."""
    names = NAMES[:n]
    if rng.random() < 0.5:
        t0 = rng.uniform(0, 2 * math.pi)
        pts = [(5 * math.cos(t0 + 2 * math.pi * i / n) + rng.uniform(-0.6, 0.6),
                4.2 * math.sin(t0 + 2 * math.pi * i / n) + rng.uniform(-0.6, 0.6)) for i in range(n)]
    else:
        cells = rng.sample([(i, j) for i in range(3) for j in range(3)], n)
        pts = [(4.6 * i + rng.uniform(-0.7, 0.7), 3.8 * j + rng.uniform(-0.6, 0.6)) for i, j in cells]
    order = sorted(range(n), key=lambda k: (-round(pts[k][1], 1), pts[k][0]))  # labels read top to bottom
    return {names[r]: (round(pts[k][0], 3), round(pts[k][1], 3)) for r, k in enumerate(order)}


def _edges(rng: random.Random, pos: dict, m: int) -> list[tuple[str, str]]:
    """A connected planar straight-line graph with about ``m`` edges on ``pos``."""
    names = list(pos)
    cand = sorted(itertools.combinations(names, 2), key=lambda e: math.dist(pos[e[0]], pos[e[1]]))
    out: list[tuple[str, str]] = []
    for a, b in cand:
        if any(_cross(pos[a], pos[b], pos[c], pos[d]) for c, d in out if len({a, b, c, d}) == 4):
            continue
        if any(_seg_dist(pos[v], pos[a], pos[b]) < 1.3 for v in names if v not in (a, b)):
            continue
        if any(_angle_small(pos, a, b, c, d) for c, d in out):
            continue
        out.append((a, b))
    rng.shuffle(out)
    while len(out) > m:
        for k, e in enumerate(out):
            rest = out[:k] + out[k + 1:]
            if _connected(names, rest):
                out = rest
                break
        else:
            break
    return sorted(tuple(sorted(e)) for e in out)


def _angle_small(pos, a, b, c, d) -> bool:
    shared = {a, b} & {c, d}
    if len(shared) != 1:
        return False
    v = shared.pop()
    p = b if a == v else a
    q = d if c == v else c
    a1 = math.atan2(pos[p][1] - pos[v][1], pos[p][0] - pos[v][0])
    a2 = math.atan2(pos[q][1] - pos[v][1], pos[q][0] - pos[v][0])
    diff = abs((a1 - a2 + math.pi) % (2 * math.pi) - math.pi)
    return diff < math.radians(24)


def _connected(names, edges) -> bool:
    adj = {v: set() for v in names}
    for a, b in edges:
        adj[a].add(b)
        adj[b].add(a)
    seen, stack = {names[0]}, [names[0]]
    while stack:
        for w in adj[stack.pop()]:
            if w not in seen:
                seen.add(w)
                stack.append(w)
    return len(seen) == len(names)


def _draw(pos: dict, edges: list, weights: dict | None, roles: dict) -> tuple[str, tuple]:
    cv = canvas_for(list(pos.values()), target_px=420, margin=0.08, min_margin_px=30)
    for a, b in edges:
        cv.line([pos[a], pos[b]], color="#333333", lw=2.2, z=2)
    for v, p in pos.items():
        cv.node(v, p, role=roles.get(v, ""))
    if weights is not None:
        for a, b in edges:
            cv.text_near_segment(str(weights[f"{a}{b}"]), pos[a], pos[b], font=13, color="#b2182b", offset_px=8)
    return cv.build()


def _roles(pos: dict) -> dict[str, str]:
    """Unique structural roles: top-most, bottom-most, left-most, right-most vertex."""
    roles: dict[str, str] = {}
    for role, key in (("top-most vertex", lambda v: pos[v][1]), ("bottom-most vertex", lambda v: -pos[v][1]),
                      ("left-most vertex", lambda v: -pos[v][0]), ("right-most vertex", lambda v: pos[v][0])):
        v = max(pos, key=key)
        if v not in roles:
            roles[v] = role
    return roles


def _adj(edges) -> dict[str, dict[str, int]]:
    adj: dict[str, dict[str, int]] = {}
    for e in edges:
        a, b = e[0], e[1]
        w = e[2] if len(e) > 2 else 1
        adj.setdefault(a, {})[b] = w
        adj.setdefault(b, {})[a] = w
    return adj


def _dijkstra(adj, s) -> tuple[dict, dict]:
    dist = {s: 0}
    prev: dict[str, str] = {}
    heap = [(0, s)]
    while heap:
        d, v = heapq.heappop(heap)
        if d > dist[v]:
            continue
        for w, c in adj[v].items():
            if d + c < dist.get(w, math.inf):
                dist[w] = d + c
                prev[w] = v
                heapq.heappush(heap, (d + c, w))
    return dist, prev


def _floyd(names, wedges) -> dict:
    d = {(a, b): (0 if a == b else math.inf) for a in names for b in names}
    for a, b, w in wedges:
        d[a, b] = d[b, a] = min(d[a, b], w)
    for k in names:
        for i in names:
            for j in names:
                if d[i, k] + d[k, j] < d[i, j]:
                    d[i, j] = d[i, k] + d[k, j]
    return d


def _path(prev, s, t) -> list[str]:
    out = [t]
    while out[-1] != s:
        out.append(prev[out[-1]])
    return out[::-1]


def ix_edge(a: str, b: str, color: str = "#e6550d") -> str:
    """Highlight edge ab between the rims of its two vertex discs (the labels stay readable)."""
    return (f"_u = np.array(P[{b!r}]) - np.array(P[{a!r}])\n_u = _u / np.linalg.norm(_u) * 17\n"
            f"ax.plot([P[{a!r}][0] + _u[0], P[{b!r}][0] - _u[0]], [P[{a!r}][1] + _u[1], P[{b!r}][1] - _u[1]], "
            f"color='{color}', lw=4.5, solid_capstyle='round')\n")


def _highlight_path(path: list[str], color: str = "#e6550d") -> str:
    return "".join(ix_edge(a, b, color=color) for a, b in zip(path, path[1:], strict=False))


def _ring(names: list[str], color: str = "red") -> str:
    return "".join(f"ax.add_patch(plt.Circle(P[{v!r}], 21, fill=False, color='{color}', lw=3))\n" for v in names)


def _vertices(draft: Draft) -> list[str]:
    return sorted(e.name for e in draft.elements)


# ==============================================================================================
# shortest paths


class ShortestPathNetwork(Family):
    """Weighted network of towns; asks for the shortest distance, the weight of a given route or
    the fewest roads between two vertices (and, expanded, the shortest route through a third)."""

    name = "shortest_path_network"
    givens = ("edges",)
    domain = DOMAIN
    node_ids = (EDGE_WEIGHTS, ROUTE_WEIGHT, DIJKSTRA, FEWEST_EDGES, VIA_VERTEX)
    supports = frozenset({"parallel"})
    ASKS = {
        "dist": frozenset({EDGE_WEIGHTS, DIJKSTRA}),
        "route": frozenset({EDGE_WEIGHTS, ROUTE_WEIGHT}),
        "hops": frozenset({FEWEST_EDGES}),
        "via": frozenset({EDGE_WEIGHTS, DIJKSTRA, VIA_VERTEX}),
    }

    def create(self, rng: random.Random, node_ids, difficulty: int) -> Draft:
        d = clamp_difficulty(difficulty)
        ask, covered = pick_ask(rng, node_ids, self.ASKS, self.node_ids)
        n = {1: 5, 2: 6, 3: 7}[d]
        for _ in range(200):
            pos = _positions(rng, n)
            edges = _edges(rng, pos, n + 2 + d)
            weights = {f"{a}{b}": rng.randint(1, 9 + 3 * d) for a, b in edges}
            wedges = [(a, b, weights[f"{a}{b}"]) for a, b in edges]
            adj = _adj(wedges)
            names = list(pos)
            pairs = [(s, t) for s, t in itertools.combinations(names, 2) if t not in adj[s]]
            rng.shuffle(pairs)
            pick = None
            for s, t in pairs:
                dist, prev = _dijkstra(adj, s)
                path = _path(prev, s, t)
                # a unique shortest path with at least two edges, shorter than the fewest-edge one
                alts = [p for p in _simple_paths(adj, s, t) if _weight(adj, p) == dist[t]]
                if len(alts) != 1 or len(path) < 3:
                    continue
                if ask == "via":
                    mids = [w for w in names if w not in (s, t) and w not in path]
                    if not mids:
                        continue
                    pick = (s, t, path, rng.choice(mids))
                else:
                    pick = (s, t, path, None)
                break
            if pick is None:
                continue
            try:
                code, elements = _draw(pos, edges, weights, _roles(pos))
            except ValueError:
                continue
            break
        else:  # pragma: no cover - the layouts above always succeed within a few tries
            raise RuntimeError("no usable network")
        s, t, path, via = pick
        params = {"ask": ask, "edges": [list(e) for e in wedges], "s": s, "t": t, "via": via}
        if ask == "route":
            routes = [p for p in _simple_paths(adj, s, t) if len(p) >= 3]
            params["route"] = rng.choice(routes)
        draft = self.draft(node_ids=covered, render_code=code, question="", answer="", solution="",
                           interactions=(), elements=elements, difficulty=d, params=params)
        return self._pose(draft)

    def _pose(self, draft: Draft) -> Draft:
        pr = draft.params
        adj = _adj(pr["edges"])
        s, t, ask = pr["s"], pr["t"], pr["ask"]
        note = "The numbers on the roads are their lengths in kilometres."
        if ask == "dist":
            dist, prev = _dijkstra(adj, s)
            path = _path(prev, s, t)
            ans = dist[t]
            question = f"{note} What is the length of the shortest route from {s} to {t}?"
            solution = (f"Run Dijkstra's algorithm from {s}: settle the nearest unsettled town each time and relax its "
                        f"roads. The shortest route is {'-'.join(path)} with length "
                        f"{' + '.join(str(adj[a][b]) for a, b in zip(path, path[1:], strict=False))} = {ans}.")
            inter = Interaction("highlight", f"Highlight the shortest route {'-'.join(path)}.",
                                interaction_code(_highlight_path(path)), tuple(path))
        elif ask == "route":
            route = pr["route"]
            ans = _weight(adj, route)
            question = f"{note} How long is the route {'-'.join(route)}?"
            solution = (f"Follow the route road by road and add the lengths: "
                        f"{' + '.join(str(adj[a][b]) for a, b in zip(route, route[1:], strict=False))} = {ans}.")
            inter = Interaction("highlight", f"Highlight the roads of the route {'-'.join(route)}.",
                                interaction_code(_highlight_path(route)), tuple(route))
        elif ask == "hops":
            hop = _bfs(adj, s)
            ans = hop[t][0]
            path = hop[t][1]
            question = f"What is the smallest number of roads a traveller must use to go from {s} to {t}?"
            solution = (f"Search outwards from {s} one road at a time (breadth first): {t} is first reached after "
                        f"{ans} roads, for example along {'-'.join(path)}.")
            inter = Interaction("highlight", f"Highlight a route with the fewest roads, {'-'.join(path)}.",
                                interaction_code(_highlight_path(path)), tuple(path))
        elif ask == "via":
            w = pr["via"]
            d1, p1 = _dijkstra(adj, w)
            pa, pb = _path(p1, w, s)[::-1], _path(p1, w, t)
            ans = d1[s] + d1[t]
            question = f"{note} What is the length of the shortest route from {s} to {t} that passes through {w}?"
            solution = (f"Split the route at {w}: the shortest route from {s} to {w} is {'-'.join(pa)} ({d1[s]}) and from "
                        f"{w} to {t} it is {'-'.join(pb)} ({d1[t]}), so the answer is {d1[s]} + {d1[t]} = {ans}.")
            inter = Interaction("highlight", f"Highlight the shortest route from {s} to {w} and on from {w} to {t}.",
                                interaction_code(_highlight_path(pa, "#3182bd"), _highlight_path(pb, "#3182bd")),
                                tuple(dict.fromkeys(pa + pb)))
        else:
            raise ValueError(ask)
        return draft.replace(question=question, answer=str(ans), solution=solution,
                             interactions=draft.interactions + (inter,))

    def expand_parallel(self, draft: Draft, rng: random.Random) -> Draft | None:
        """Shortest distance -> shortest distance through an extra vertex off the found path."""
        pr = draft.params
        if pr["ask"] != "dist":
            return None
        adj = _adj(pr["edges"])
        dist, prev = _dijkstra(adj, pr["s"])
        path = _path(prev, pr["s"], pr["t"])
        mids = [v for v in _vertices(draft) if v not in path]
        if not mids:
            return None
        new = draft.replace(params=dict(pr, ask="via", via=rng.choice(mids), parent_answer=draft.answer))
        return self._pose(new).replace(variant="par_via", difficulty=draft.difficulty + 1)

    def rederive(self, draft: Draft) -> str:
        pr = draft.params
        names = _vertices(draft)
        wedges = [tuple(e) for e in pr["edges"]]
        s, t, ask = pr["s"], pr["t"], pr["ask"]
        if ask == "route":
            w = {frozenset((a, b)): c for a, b, c in wedges}
            r = pr["route"]
            return str(sum(w[frozenset(e)] for e in zip(r, r[1:], strict=False)))
        if ask == "hops":
            d = _floyd(names, [(a, b, 1) for a, b, _ in wedges])
            return str(d[s, t])
        d = _floyd(names, wedges)
        if ask == "dist":
            return str(d[s, t])
        if ask == "via":
            return str(d[s, pr["via"]] + d[pr["via"], t])
        raise ValueError(f"unknown ask {ask!r}")


def _weight(adj, path) -> int:
    return sum(adj[a][b] for a, b in zip(path, path[1:], strict=False))


def _simple_paths(adj, s, t, limit: int = 400) -> list[list[str]]:
    out: list[list[str]] = []

    def go(path):
        if len(out) >= limit:
            return
        v = path[-1]
        if v == t:
            out.append(list(path))
            return
        for w in sorted(adj[v]):
            if w not in path:
                path.append(w)
                go(path)
                path.pop()

    go([s])
    return out


def _bfs(adj, s) -> dict[str, tuple[int, list[str]]]:
    out = {s: (0, [s])}
    frontier = [s]
    while frontier:
        nxt = []
        for v in frontier:
            for w in sorted(adj[v]):
                if w not in out:
                    out[w] = (out[v][0] + 1, out[v][1] + [w])
                    nxt.append(w)
        frontier = nxt
    return out


# ==============================================================================================
# spanning trees


class SpanningTreeNetwork(Family):
    """Weighted network of cables; asks for the minimum spanning tree weight, the number of edges
    of any spanning tree, or how many edges must be removed to leave a spanning tree."""

    name = "spanning_tree_network"
    givens = ("edges",)
    domain = DOMAIN
    node_ids = (SPANNING, TREE_EDGES, MST, CYCLE_RANK)
    ASKS = {
        "mst": frozenset({SPANNING, MST}),
        "tree_edges": frozenset({SPANNING, TREE_EDGES}),
        "remove": frozenset({SPANNING, TREE_EDGES, CYCLE_RANK}),
        "mst_edge": frozenset({MST}),
    }

    def create(self, rng: random.Random, node_ids, difficulty: int) -> Draft:
        d = clamp_difficulty(difficulty)
        ask, covered = pick_ask(rng, node_ids, self.ASKS, self.node_ids)
        n = {1: 5, 2: 6, 3: 7}[d]
        for _ in range(200):
            pos = _positions(rng, n)
            edges = _edges(rng, pos, n + 2 + d)
            if len(edges) < n + 1:
                continue
            ws = rng.sample(range(1, 10 + 4 * d), len(edges))  # distinct weights: a unique tree
            weights = {f"{a}{b}": w for (a, b), w in zip(edges, ws, strict=True)}
            try:
                code, elements = _draw(pos, edges, weights, _roles(pos))
            except ValueError:
                continue
            break
        else:  # pragma: no cover
            raise RuntimeError("no usable network")
        wedges = [(a, b, weights[f"{a}{b}"]) for a, b in edges]
        tree = _kruskal(list(pos), wedges)
        params = {"ask": ask, "edges": [list(e) for e in wedges], "n": n}
        choices: tuple[str, ...] = ()
        answer_type = "number"
        tree_s = ", ".join(f"{a}{b} ({w})" for a, b, w in tree)
        total = sum(w for *_, w in tree)
        inter = Interaction("highlight", "Highlight the edges of the minimum spanning tree.",
                            interaction_code("".join(ix_edge(a, b, color="#31a354") for a, b, _ in tree)),
                            tuple(sorted({v for a, b, _ in tree for v in (a, b)})))
        m = len(edges)
        if ask == "mst":
            answer = str(total)
            question = ("The numbers are the costs of laying cable along each line. What is the least total cost of "
                        "cables that connect all the points?")
            solution = (f"Kruskal's algorithm: take the cheapest lines first, skipping any that would close a cycle. "
                        f"The chosen lines are {tree_s}, a spanning tree of {n - 1} lines with total cost {total}.")
        elif ask == "tree_edges":
            answer = str(n - 1)
            question = "How many edges does a spanning tree of this graph have?"
            solution = (f"A spanning tree reaches all {n} vertices without a cycle, so it has one edge fewer than "
                        f"vertices: {n} − 1 = {n - 1} (for example the highlighted tree).")
        elif ask == "remove":
            answer = str(m - n + 1)
            question = ("What is the smallest number of edges that must be removed from this graph to leave a "
                        "spanning tree?")
            solution = (f"The graph has {m} edges and {n} vertices; a spanning tree keeps {n - 1} edges, so "
                        f"{m} − {n - 1} = {m - n + 1} edges must go (the highlighted tree shows which can stay).")
        else:
            in_tree = sorted(f"{a}{b}" for a, b, _ in tree)
            out_tree = sorted(f"{a}{b}" for a, b, _ in wedges if f"{a}{b}" not in in_tree)
            if len(out_tree) >= 3:
                correct = rng.choice(in_tree)
                choices, answer = make_choices(rng, correct, rng.sample(out_tree, 3))
                question = "Which of these edges belongs to the minimum spanning tree of the weighted graph?"
                kind = "belongs"
            else:
                correct = rng.choice(out_tree)
                choices, answer = make_choices(rng, correct, rng.sample(in_tree, 3))
                question = "Which of these edges is not part of the minimum spanning tree of the weighted graph?"
                kind = "excluded"
            params["kind"] = kind
            answer_type = "choice"
            solution = (f"Kruskal's algorithm (cheapest edge first, skipping those that close a cycle) picks {tree_s}. "
                        f"So {correct} is {'in' if kind == 'belongs' else 'not in'} the tree.")
        return self.draft(node_ids=covered, render_code=code, question=question, answer=answer,
                          answer_type=answer_type, choices=choices, solution=solution, interactions=(inter,),
                          elements=elements, difficulty=d, params=params)

    def rederive(self, draft: Draft) -> str:
        pr = draft.params
        names = _vertices(draft)
        wedges = [tuple(e) for e in pr["edges"]]
        ask = pr["ask"]
        if ask == "tree_edges":
            return str(len(names) - 1)
        if ask == "remove":
            return str(len(wedges) - len(names) + 1)
        tree = _prim(names, wedges)
        if ask == "mst":
            return str(sum(w for *_, w in tree))
        if ask == "mst_edge":
            in_tree = {"".join(sorted(a + b)) for a, b, _ in tree}
            want = [c for c in draft.choices if (c in in_tree) == (pr["kind"] == "belongs")]
            return "ABCD"[draft.choices.index(want[0])] if len(want) == 1 else "?"
        raise ValueError(f"unknown ask {ask!r}")


def _kruskal(names, wedges) -> list[tuple[str, str, int]]:
    parent = {v: v for v in names}

    def find(v):
        while parent[v] != v:
            parent[v] = parent[parent[v]]
            v = parent[v]
        return v

    out = []
    for a, b, w in sorted(wedges, key=lambda e: e[2]):
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[ra] = rb
            out.append((a, b, w))
    return out


def _prim(names, wedges) -> list[tuple[str, str, int]]:
    adj = _adj(wedges)
    seen = {names[0]}
    out = []
    while len(seen) < len(names):
        a, b, w = min(((a, b, w) for a in seen for b, w in adj[a].items() if b not in seen), key=lambda e: e[2])
        seen.add(b)
        out.append((a, b, w))
    return out


# ==============================================================================================
# degrees and Euler paths


class DegreeEulerGraph(Family):
    """Unweighted connected graph; asks for a vertex degree, the sum of all degrees, the number of
    odd vertices, or whether it has an Euler circuit / path (choice)."""

    name = "degree_euler_graph"
    givens = ("edges",)
    domain = DOMAIN
    node_ids = (VERTEX_DEGREE, HANDSHAKE, ADJACENT, ODD_VERTICES, EULER)
    ASKS = {
        "degree": frozenset({VERTEX_DEGREE, ADJACENT}),
        "degree_sum": frozenset({VERTEX_DEGREE, HANDSHAKE}),
        "odd": frozenset({VERTEX_DEGREE, ODD_VERTICES}),
        "euler": frozenset({ODD_VERTICES, EULER}),
    }
    EULER_CHOICES = ("an Euler circuit", "an Euler path but no Euler circuit", "neither an Euler path nor an Euler circuit")

    def create(self, rng: random.Random, node_ids, difficulty: int) -> Draft:
        d = clamp_difficulty(difficulty)
        ask, covered = pick_ask(rng, node_ids, self.ASKS, self.node_ids)
        n = {1: 5, 2: 6, 3: 7}[d]
        want_odd = rng.choice([0, 2, 4]) if ask == "euler" else None
        for _ in range(400):
            pos = _positions(rng, n)
            full = _edges(rng, pos, 99)
            edges = list(full)
            if want_odd is not None:
                edges = _match_odd(rng, list(pos), edges, want_odd)
                if edges is None:
                    continue
            else:
                rng.shuffle(edges)
                while len(edges) > n + d and _connected(list(pos), edges[1:]):
                    edges = edges[1:]
                edges = sorted(edges)
            try:
                code, elements = _draw(pos, edges, None, _roles(pos))
            except ValueError:
                continue
            break
        else:  # pragma: no cover
            raise RuntimeError("no usable graph")
        adj = _adj(edges)
        deg = {v: len(adj[v]) for v in pos}
        odd = sorted(v for v in pos if deg[v] % 2)
        params = {"ask": ask, "edges": [list(e) for e in edges]}
        choices: tuple[str, ...] = ()
        answer_type = "number"
        listing = ", ".join(f"{v}: {deg[v]}" for v in sorted(pos))
        if ask == "degree":
            v = rng.choice(sorted(pos))
            params["v"] = v
            answer = str(deg[v])
            question = f"What is the degree of vertex {v}?"
            solution = (f"Count the edges that end at {v}: they join it to {', '.join(sorted(adj[v]))}, so the degree "
                        f"of {v} is {deg[v]}.")
            inter = Interaction("highlight", f"Highlight every edge at {v}.",
                                interaction_code("".join(ix_edge(v, w) for w in sorted(adj[v]))),
                                (v,) + tuple(sorted(adj[v])))
        elif ask == "degree_sum":
            answer = str(sum(deg.values()))
            question = "What is the sum of the degrees of all the vertices of this graph?"
            solution = (f"The degrees are {listing}. Their sum is {answer}, twice the {len(edges)} edges, since every "
                        f"edge has two ends (the handshake lemma).")
            inter = Interaction("highlight", "Highlight every edge once; each adds 2 to the degree sum.",
                                interaction_code("".join(ix_edge(a, b, color="#6a51a3") for a, b in edges)),
                                tuple(sorted(pos)))
        elif ask == "odd":
            answer = str(len(odd))
            question = "How many vertices of this graph have an odd degree?"
            solution = (f"The degrees are {listing}. The odd ones are "
                        f"{', '.join(odd) if odd else 'none'}, so the answer is {len(odd)}.")
            inter = Interaction("highlight", "Circle the vertices of odd degree." if odd else "Circle every vertex after counting its degree.",
                                interaction_code(_ring(odd or sorted(pos))), tuple(odd or sorted(pos)))
        else:
            k = len(odd)
            correct = self.EULER_CHOICES[0 if k == 0 else 1 if k == 2 else 2]
            choices = self.EULER_CHOICES
            answer = "ABC"[choices.index(correct)]
            answer_type = "choice"
            question = "The graph is connected. Which does it have?"
            solution = (f"The degrees are {listing}, so {k} vertices have odd degree. A connected graph has an Euler "
                        f"circuit when no vertex is odd and an Euler path (but no circuit) when exactly two are; so it "
                        f"has {correct}.")
            inter = Interaction("highlight", "Circle the vertices of odd degree." if odd else "Circle every vertex: all have even degree.",
                                interaction_code(_ring(odd or sorted(pos))), tuple(odd or sorted(pos)))
        return self.draft(node_ids=covered, render_code=code, question=question, answer=answer,
                          answer_type=answer_type, choices=choices, solution=solution, interactions=(inter,),
                          elements=elements, difficulty=d, params=params)

    def rederive(self, draft: Draft) -> str:
        pr = draft.params
        names = _vertices(draft)
        deg = {v: 0 for v in names}
        for a, b in pr["edges"]:
            deg[a] += 1
            deg[b] += 1
        ask = pr["ask"]
        if ask == "degree":
            return str(deg[pr["v"]])
        if ask == "degree_sum":
            return str(sum(deg.values()))
        odd = sum(1 for v in names if deg[v] % 2)
        if ask == "odd":
            return str(odd)
        if ask == "euler":
            want = self.EULER_CHOICES[0 if odd == 0 else 1 if odd == 2 else 2]
            return "ABC"[draft.choices.index(want)]
        raise ValueError(f"unknown ask {ask!r}")


def _match_odd(rng: random.Random, names, edges, want: int):
    """A connected subgraph of ``edges`` with exactly ``want`` odd vertices (or None)."""
    edges = list(edges)
    for _ in range(60):
        sub = [e for e in edges if rng.random() < 0.8]
        if not _connected(names, sub):
            continue
        adj = _adj(sub)
        if any(v not in adj for v in names):
            continue
        odd = sum(1 for v in names if len(adj[v]) % 2)
        if odd == want:
            return sorted(sub)
    return None


FAMILIES = [ShortestPathNetwork(), SpanningTreeNetwork(), DegreeEulerGraph()]
