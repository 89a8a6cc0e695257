"""SVG families of networks: graphs, weighted route networks, resistor circuits and street maps.

Edges, wires and streets are stored as the coordinates drawn into the SVG document; every
:meth:`rederive` maps those coordinates back to the nearest labelled element, so the answer is
recomputed from the figure's geometry (which vertex an edge touches, which resistors share a
branch, how many blocks lie between two crossings), not from the generation path.
"""

from __future__ import annotations

import heapq
import itertools
import math
import random
from fractions import Fraction

from pipelines.creators.base import ELEMENTS, Draft, Family, Interaction
from pipelines.creators.common import (
    choice_letter,
    clamp_difficulty,
    fmt_frac,
    fraction_note,
    interaction_code,
    ix_highlight,
    make_choices,
    pick_ask,
)
from pipelines.creators.families._f3kit import ix_rings, listing
from pipelines.creators.families._svgkit import (
    ACCENT, GOLD, INK, MUTED, PAPER, SERIF, SOFT, TEAL, ParallelSum, Svg, svg_draft, nearest,
)

LETTERS = "ABCDEFGHJKLM"  # no I (reads as 1)
# vertex discs are coloured clearly off the paper: a vertex's centre is ink even inside a letter's counter
NODE_FILL, PLACE_FILL = "#b9d6e4", "#c5e0b4"


def _edges_from(draft: Draft, key: str = "edges") -> list[tuple[str, str, int]]:
    """(u, v, weight) of every drawn edge: each end mapped to the nearest labelled vertex."""
    names = {e.name for e in draft.elements if e.kind == "point"}
    out = []
    for x1, y1, x2, y2, *w in draft.params[key]:
        u, v = nearest(draft.elements, x1, y1, names), nearest(draft.elements, x2, y2, names)
        out.append((u, v, int(w[0]) if w else 1))
    return out


def _connected(n: int, pairs: list[tuple[int, int]]) -> bool:
    seen, todo = {0}, [0]
    while todo:
        u = todo.pop()
        for a, b in pairs:
            for x, y in ((a, b), (b, a)):
                if x == u and y not in seen:
                    seen.add(y)
                    todo.append(y)
    return len(seen) == n


# ==============================================================================================
# graph with vertex degrees

_G = "graph_theory."
G_DEG, G_ADJ, G_VE, G_HS = _G + "graph_basics.vertex_degree", _G + "graph_basics.adjacency", \
    _G + "graph_basics.vertices_edges", _G + "graph_basics.handshake_lemma"
G_ODD, G_PAR, G_EULER, G_COMPLETE = _G + "euler.odd_vertex_count", _G + "graph_basics.odd_degree_parity", \
    _G + "euler.euler_path_conditions", _G + "graph_basics.complete_graph"
G_REMOVE, G_SPAN, G_TREE_E = _G + "trees.edges_to_remove", _G + "trees.spanning_tree", _G + "trees.tree_edge_count"


class SvgGraphDegrees(ParallelSum, Family):
    """An undirected graph drawn in SVG (vertices as lettered discs on a ring); asks for a vertex
    degree, the number of edges, the sum of degrees, the odd vertices, the edges missing for a
    complete graph, or the edges to remove to leave a spanning tree."""

    name = "svg_graph_degrees"

    givens = (ELEMENTS,)  # everything is read off the figure
    domain = "graph_theory"
    node_ids = (G_DEG, G_ADJ, G_VE, G_HS, G_ODD, G_PAR, G_EULER, G_COMPLETE, G_REMOVE, G_SPAN, G_TREE_E)
    ASKS = {"degree": frozenset({G_DEG, G_ADJ}), "edges": frozenset({G_VE}), "degree_sum": frozenset({G_HS, G_VE}),
            "odd": frozenset({G_ODD, G_PAR, G_EULER}), "complete": frozenset({G_COMPLETE, G_VE}),
            "remove": frozenset({G_REMOVE, G_SPAN, G_TREE_E})}
    supports = frozenset({"parallel"})
    PAR = {"degree": ("edges",), "edges": ("odd",), "degree_sum": ("odd",), "odd": ("edges",), "complete": ("edges",),
           "remove": ("edges",)}
    PAR_WORDS = {"edges": "how many edges the graph has", "odd": "how many vertices have an odd degree"}

    def create(self, rng: random.Random, node_ids, difficulty: int) -> Draft:
        d = clamp_difficulty(difficulty)
        ask, covered = pick_ask(rng, node_ids, self.ASKS, self.node_ids)
        n = {1: 5, 2: 6, 3: rng.choice([7, 8])}[d]
        all_pairs = list(itertools.combinations(range(n), 2))
        while True:
            m = rng.randint(n, min(len(all_pairs) - 1, 2 * n))
            pairs = sorted(rng.sample(all_pairs, m))
            if _connected(n, pairs):
                break
        s = Svg(520, 440)
        cx, cy, R = 260, 225, 160
        rot = rng.uniform(0, 2 * math.pi / n)
        pos = [(round(cx + R * math.cos(rot + 2 * math.pi * i / n), 2), round(cy + R * math.sin(rot + 2 * math.pi * i / n), 2))
               for i in range(n)]
        for a, b in pairs:
            s.line(*pos[a], *pos[b], stroke=INK, width=2.6)
        for i, (x, y) in enumerate(pos):
            s.circle(x, y, 17, fill=NODE_FILL, stroke=INK, width=2.2)
            s.text(x, y, LETTERS[i], size=17, weight="bold")
            s.element(LETTERS[i], x, y, "point")
        s.text(260, 22, "vertices and edges", size=14, family=SERIF, style="italic", fill=MUTED)
        code, elements = s.build()
        params = {"ask": ask, "n": n, "edges": [[*pos[a], *pos[b]] for a, b in pairs]}
        if ask == "degree":
            params["v"] = LETTERS[rng.randrange(n)]
        draft = svg_draft(self, node_ids=covered, render_code=code, question="", answer="", solution="",
                           interactions=(), elements=elements, difficulty=d, params=params)
        return self._pose(draft)

    def _value(self, draft: Draft) -> tuple[str, list[str]]:
        pr = draft.params
        edges = _edges_from(draft)
        names = [e.name for e in draft.elements]
        deg = {v: sum((a == v) + (b == v) for a, b, _ in edges) for v in names}
        n, m = len(names), len(edges)
        ask = pr["ask"]
        if ask == "degree":
            nb = [b if a == pr["v"] else a for a, b, _ in edges if pr["v"] in (a, b)]
            return str(deg[pr["v"]]), [pr["v"], *nb]
        if ask == "edges":
            return str(m), names
        if ask == "degree_sum":
            return str(sum(deg.values())), names
        if ask == "odd":
            odd = [v for v in names if deg[v] % 2]
            return str(len(odd)), odd or names[:1]
        if ask == "complete":
            return str(n * (n - 1) // 2 - m), names
        return str(m - (n - 1)), names

    def _pose(self, draft: Draft) -> Draft:
        pr = draft.params
        ask = pr["ask"]
        intro = "The figure shows a graph: lettered vertices joined by straight edges."
        q = {"degree": f"{intro} What is the degree of vertex {pr.get('v')}?",
             "edges": f"{intro} How many edges does the graph have?",
             "degree_sum": f"{intro} What is the sum of the degrees of all its vertices?",
             "odd": f"{intro} How many of its vertices have an odd degree?",
             "complete": f"{intro} How many more edges would make it a complete graph on the same vertices?",
             "remove": f"{intro} The graph is connected. How many edges must be removed to leave a spanning tree?"}[ask]
        answer, marks = self._value(draft)
        solution = {"degree": f"Count the edges meeting {pr.get('v')}: {answer}.",
                    "edges": f"Counting every edge once gives {answer}.",
                    "degree_sum": f"Each edge adds 2 to the sum of degrees, so the sum is {answer}.",
                    "odd": f"Listing the degrees, {answer} vertices have an odd degree.",
                    "complete": f"A complete graph on {pr['n']} vertices has {pr['n'] * (pr['n'] - 1) // 2} edges; "
                                f"{answer} are missing.",
                    "remove": f"A spanning tree on {pr['n']} vertices keeps {pr['n'] - 1} edges, so {answer} go."}[ask]
        if ask == "degree":
            code = "".join(ix_highlight(marks[0], b, color=ACCENT) for b in marks[1:]) + ix_rings(marks[:1], color=ACCENT, r=22)
            ix = Interaction("highlight", f"Highlight the edges at vertex {marks[0]}.", interaction_code(code), tuple(marks))
        else:
            ix = Interaction("highlight", f"Circle the vertices {listing(marks)} to tally their edges.",
                             interaction_code(ix_rings(marks, color=ACCENT, r=22)), tuple(marks))
        return draft.replace(question=q, answer=answer, solution=solution, interactions=(ix,))


# ==============================================================================================
# weighted route network

G_DIJ, G_WEIGHT, G_EW, G_THROUGH, G_FEW, G_WALK = _G + "paths.shortest_path_dijkstra", \
    _G + "weighted_graphs.route_weight", _G + "weighted_graphs.edge_weights", _G + "paths.path_through_vertex", \
    _G + "paths.fewest_edges", _G + "paths.walks_paths"


def _dijkstra(edges, src: str, dst: str) -> int:
    adj: dict[str, list[tuple[str, int]]] = {}
    for a, b, w in edges:
        adj.setdefault(a, []).append((b, w))
        adj.setdefault(b, []).append((a, w))
    best = {src: 0}
    todo = [(0, src)]
    while todo:
        dd, u = heapq.heappop(todo)
        if u == dst:
            return dd
        if dd > best.get(u, 1 << 30):
            continue
        for v, w in adj.get(u, []):
            if dd + w < best.get(v, 1 << 30):
                best[v] = dd + w
                heapq.heappush(todo, (dd + w, v))
    raise ValueError(f"{dst} is not reachable from {src}")


class SvgRouteNetwork(ParallelSum, Family):
    """A weighted network of places on a jittered grid, drawn in SVG with the weight of every road
    in a box; asks for the shortest route, the weight of a given route, the shortest route
    through a given place, the fewest roads between two places, or the heaviest road."""

    name = "svg_route_network"

    givens = (ELEMENTS,)  # everything is read off the figure
    domain = "graph_theory"
    node_ids = (G_DIJ, G_WEIGHT, G_EW, G_THROUGH, G_FEW, G_WALK)
    ASKS = {"shortest": frozenset({G_DIJ}), "route": frozenset({G_WEIGHT, G_WALK}), "heaviest": frozenset({G_EW}),
            "through": frozenset({G_THROUGH, G_DIJ}), "fewest": frozenset({G_FEW, G_WALK})}
    supports = frozenset({"parallel"})
    PAR = {"shortest": ("heaviest",), "through": ("heaviest",), "route": ("shortest",), "heaviest": ("shortest",)}
    PAR_WORDS = {"heaviest": "the length of the longest single road",
                 "shortest": "the length of the shortest route from {src} to {dst}"}

    def create(self, rng: random.Random, node_ids, difficulty: int) -> Draft:
        d = clamp_difficulty(difficulty)
        ask, covered = pick_ask(rng, node_ids, self.ASKS, self.node_ids)
        cols, rows = (3, 2) if d == 1 else (3, 3) if d == 2 else (4, 3)
        cells = [(c, r) for r in range(rows) for c in range(cols)]
        pos = {}
        for i, (c, r) in enumerate(cells):
            pos[i] = (round(70 + c * 150 + rng.uniform(-18, 18), 2), round(80 + r * 130 + rng.uniform(-16, 16), 2))
        idx = {cell: i for i, cell in enumerate(cells)}
        cand = []
        for (c, r), i in idx.items():
            if (c + 1, r) in idx:
                cand.append((i, idx[(c + 1, r)]))
            if (c, r + 1) in idx:
                cand.append((i, idx[(c, r + 1)]))
            if (c + 1, r + 1) in idx and rng.random() < 0.4:  # at most one diagonal per grid square
                cand.append((i, idx[(c + 1, r + 1)]) if rng.random() < 0.5 else (idx[(c + 1, r)], idx[(c, r + 1)]))
        while True:
            keep = [e for e in cand if rng.random() < 0.8]
            if _connected(len(cells), keep):
                break
        weights = {e: rng.randint(2, 9 if d == 1 else 15) for e in keep}
        s = Svg(120 + (cols - 1) * 150 + 20, 140 + (rows - 1) * 130 + 10)
        for (a, b), w in weights.items():
            s.line(*pos[a], *pos[b], stroke=MUTED, width=3.2)
        for (a, b), w in weights.items():
            mx, my = (pos[a][0] + pos[b][0]) / 2, (pos[a][1] + pos[b][1]) / 2
            s.rect(mx - 14, my - 11, 28, 22, fill=PAPER, stroke=GOLD, width=1.5, rx=5)
            s.text(mx, my, str(w), size=14, weight="bold", fill=INK)
        for i, (x, y) in pos.items():
            s.circle(x, y, 16, fill=PLACE_FILL, stroke=INK, width=2.2)
            s.text(x, y, LETTERS[i], size=16, weight="bold")
            s.element(LETTERS[i], x, y, "point")
        code, elements = s.build()
        names = [LETTERS[i] for i in pos]
        params = {"ask": ask, "edges": [[*pos[a], *pos[b], w] for (a, b), w in weights.items()],
                  "src": names[0], "dst": names[-1]}
        if ask == "through":
            params["via"] = rng.choice(names[1:-1])
        if ask == "route":
            # a walk along existing roads from the first place, 3 to 4 roads long
            walk = [names[0]]
            adj = {}
            for (a, b) in weights:
                adj.setdefault(LETTERS[a], []).append(LETTERS[b])
                adj.setdefault(LETTERS[b], []).append(LETTERS[a])
            for _ in range(rng.randint(3, 4)):
                nxt = [v for v in sorted(adj[walk[-1]]) if v not in walk] or sorted(adj[walk[-1]])
                walk.append(rng.choice(nxt))
            params["walk"] = walk
        draft = svg_draft(self, node_ids=covered, render_code=code, question="", answer="", solution="",
                           interactions=(), elements=elements, difficulty=d, params=params)
        return self._pose(draft)

    def _value(self, draft: Draft) -> tuple[str, list[str]]:
        pr = draft.params
        edges = _edges_from(draft)
        ask, a, b = pr["ask"], pr["src"], pr["dst"]
        if ask == "shortest":
            return str(_dijkstra(edges, a, b)), [a, b]
        if ask == "through":
            return str(_dijkstra(edges, a, pr["via"]) + _dijkstra(edges, pr["via"], b)), [a, pr["via"], b]
        if ask == "fewest":
            return str(_dijkstra([(u, v, 1) for u, v, _ in edges], a, b)), [a, b]
        if ask == "heaviest":
            u, v, w = max(edges, key=lambda e: e[2])
            return str(w), [u, v]
        weight = {frozenset((u, v)): w for u, v, w in edges}
        walk = pr["walk"]
        return str(sum(weight[frozenset(p)] for p in zip(walk, walk[1:]))), walk

    def _pose(self, draft: Draft) -> Draft:
        pr = draft.params
        ask, a, b = pr["ask"], pr["src"], pr["dst"]
        intro = "The network shows places joined by roads; the number on each road is its length in kilometres."
        q = {"shortest": f"{intro} What is the length of the shortest route from {a} to {b}?",
             "through": f"{intro} What is the length of the shortest route from {a} to {b} that passes through {pr.get('via')}?",
             "fewest": f"{intro} What is the least number of roads on a route from {a} to {b}?",
             "heaviest": f"{intro} What is the length of the longest single road?",
             "route": f"{intro} How long is the route {'-'.join(pr.get('walk', []))}?"}[ask]
        answer, marks = self._value(draft)
        solution = {"shortest": f"Dijkstra's algorithm from {a} settles {b} at {answer} km.",
                    "through": f"The shortest route {a} to {pr.get('via')} plus {pr.get('via')} to {b} totals {answer} km.",
                    "fewest": f"A breadth-first search from {a} reaches {b} after {answer} roads.",
                    "heaviest": f"Comparing all road lengths, the longest is {answer} km.",
                    "route": f"Adding the road lengths along the route gives {answer} km."}[ask]
        if ask == "route":
            code = "".join(ix_highlight(u, v, color=ACCENT) for u, v in zip(marks, marks[1:]))
            ix = Interaction("highlight", "Highlight the roads of the route.", interaction_code(code), tuple(marks))
        else:
            ix = Interaction("highlight", f"Circle the places {listing(marks)} the question is about.",
                             interaction_code(ix_rings(marks, color=ACCENT, r=21)), tuple(marks))
        return draft.replace(question=q, answer=answer, solution=solution, interactions=(ix,))


# ==============================================================================================
# resistor circuit

_C = "physics_electricity_optics.circuits."
C_SER, C_PAR, C_COMB, C_OHM, C_POW, C_PD, C_BRANCH, C_KCL = (
    _C + "series_resistance", _C + "parallel_resistance", _C + "combined_networks", _C + "ohms_law_current",
    _C + "electrical_power", _C + "potential_difference_across_part", _C + "current_in_parallel_branches",
    _C + "kirchhoff_current_law")
TOP_Y, PAR_Y = 90, (265, 335)


def _resistor(s: Svg, name: str, x: float, y: float, ohms: int, label_dy: float) -> None:
    s.rect(x - 34, y - 13, 68, 26, fill=SOFT[1], stroke=INK, width=2.2, rx=3)
    s.text(x, y, f"{ohms} \u03a9", size=14, weight="bold")
    s.text(x, y + label_dy, name, size=16, weight="bold", fill=TEAL)
    s.element(name, x, y, "point")


class SvgCircuit(ParallelSum, Family):
    """A battery and resistors drawn in SVG as a circuit diagram (IEC boxes): two resistors in
    series on the top wire and, from difficulty 2, a parallel pair on the bottom wire; asks for
    the total resistance, the parallel equivalent, the current, the power, the voltage across one
    resistor or the current in one parallel branch."""

    name = "svg_circuit"

    givens = (ELEMENTS,)  # everything is read off the figure
    domain = "physics_electricity_optics"
    node_ids = (C_SER, C_PAR, C_COMB, C_OHM, C_POW, C_PD, C_BRANCH, C_KCL)
    ASKS = {"total": frozenset({C_SER, C_COMB}), "parallel": frozenset({C_PAR}), "current": frozenset({C_OHM, C_SER}),
            "power": frozenset({C_POW, C_OHM}), "pd": frozenset({C_PD, C_OHM}), "branch": frozenset({C_BRANCH, C_KCL})}
    supports = frozenset({"parallel"})
    PAR = {"total": ("parallel",), "parallel": ("total",)}  # both in ohms; only circuits with the parallel pair
    PAR_WORDS = {"parallel": "the combined resistance of R3 and R4 in ohms",
                 "total": "the total resistance of the circuit in ohms"}

    def expand_parallel(self, draft: Draft, rng: random.Random) -> Draft | None:
        return super().expand_parallel(draft, rng) if draft.params.get("par") else None

    def create(self, rng: random.Random, node_ids, difficulty: int) -> Draft:
        d = clamp_difficulty(difficulty)
        ask, covered = pick_ask(rng, node_ids, self.ASKS, self.node_ids)
        par = ask in ("parallel", "branch") or d >= 2
        while True:
            r = {"R1": rng.randint(1, 12), "R2": rng.randint(1, 12)}
            if par:
                r["R3"], r["R4"] = rng.choice([(3, 6), (6, 12), (4, 12), (10, 15), (6, 6), (12, 12), (4, 4), (20, 30),
                                               (12, 24), (8, 8)])
            total = self._total(r, par)
            # twice or three times the total: the voltage never equals an asked resistance
            volts = total * rng.choice([2, 3]) if total.denominator == 1 else None
            if volts is not None and volts <= 60:
                break
        s = Svg(640, 400)
        s.polyline([(80, TOP_Y), (560, TOP_Y), (560, 300), (80, 300), (80, 214)], width=2.6)
        s.line(80, 166, 80, TOP_Y, width=2.6)
        s.line(56, 182, 104, 182, width=3.2)  # battery: long plate (+) and short plate (-)
        s.line(68, 198, 92, 198, width=6)
        s.line(80, 166, 80, 182, width=2.6)
        s.line(80, 198, 80, 214, width=2.6)
        s.text(136, 190, f"{int(volts)} V", size=17, weight="bold", fill=ACCENT)
        s.text(112, 162, "+", size=16, fill=MUTED)
        for name, x in (("R1", 230), ("R2", 400)):
            _resistor(s, name, x, TOP_Y, r[name], -30)
        if par:
            s.rect(240, 290, 180, 20, fill=PAPER, stroke="none", width=0)  # the block replaces this wire
            s.polyline([(240, 300), (260, 300), (260, PAR_Y[0]), (400, PAR_Y[0]), (400, 300), (420, 300)], width=2.4)
            s.polyline([(260, PAR_Y[0]), (260, PAR_Y[1]), (400, PAR_Y[1]), (400, PAR_Y[0])], width=2.4)
            for x, y in ((260, 300), (400, 300)):
                s.circle(x, y, 4.5, fill=INK, width=1)
            _resistor(s, "R3", 330, PAR_Y[0], r["R3"], -28)
            _resistor(s, "R4", 330, PAR_Y[1], r["R4"], 28)
        code, elements = s.build()
        params = {"ask": ask, "ohms": r, "volts": int(volts), "par": par}
        if ask == "pd":
            params["part"] = rng.choice(["R1", "R2"])
        if ask == "branch":
            params["part"] = rng.choice(["R3", "R4"])
        draft = svg_draft(self, node_ids=covered, render_code=code, question="", answer="", solution="",
                           interactions=(), elements=elements, difficulty=d, params=params)
        return self._pose(draft)

    @staticmethod
    def _total(r: dict, par: bool) -> Fraction:
        t = Fraction(r["R1"] + r["R2"])
        if par:
            t += Fraction(r["R3"] * r["R4"], r["R3"] + r["R4"])
        return t

    def _layout(self, draft: Draft) -> tuple[list[str], list[str]]:
        """(series resistors on the top wire, resistors of the parallel pair), from coordinates."""
        series = [e.name for e in draft.elements if abs(e.y - TOP_Y) < 1]
        pair = [e.name for e in draft.elements if abs(e.y - TOP_Y) >= 1]
        if pair and (len(pair) != 2 or abs(draft.element(pair[0]).x - draft.element(pair[1]).x) > 1):
            raise ValueError("the off-wire resistors are not one parallel pair")
        return series, pair

    def _value(self, draft: Draft) -> tuple[str, list[str]]:
        pr = draft.params
        r = pr["ohms"]
        series, pair = self._layout(draft)
        rpar = Fraction(r[pair[0]] * r[pair[1]], r[pair[0]] + r[pair[1]]) if pair else Fraction(0)
        total = sum(Fraction(r[n]) for n in series) + rpar
        current = Fraction(pr["volts"]) / total
        ask = pr["ask"]
        if ask == "total":
            return fmt_frac(total), series + pair
        if ask == "parallel":
            return fmt_frac(rpar), pair
        if ask == "current":
            return fmt_frac(current), series + pair
        if ask == "power":
            return fmt_frac(current * pr["volts"]), series + pair
        if ask == "pd":
            return fmt_frac(current * r[pr["part"]]), [pr["part"]]
        other = [n for n in pair if n != pr["part"]][0]
        return fmt_frac(current * r[other] / (r[pr["part"]] + r[other])), pair

    def _pose(self, draft: Draft) -> Draft:
        pr = draft.params
        ask = pr["ask"]
        intro = (f"In the circuit a battery of {pr['volts']} volts drives current through the resistors shown"
                 + (" (R3 and R4 are in parallel)." if pr["par"] else " (R1 and R2 are in series)."))
        q = {"total": f"{intro} What is the total resistance of the circuit, in ohms?",
             "parallel": f"{intro} What is the combined resistance of R3 and R4, in ohms?",
             "current": f"{intro} What current flows from the battery, in amperes?",
             "power": f"{intro} What power does the battery deliver, in watts?",
             "pd": f"{intro} What is the potential difference across {pr.get('part')}, in volts?",
             "branch": f"{intro} What current flows through {pr.get('part')}, in amperes?"}[ask] + " " + fraction_note()
        answer, marks = self._value(draft)
        solution = {"total": "Add the series resistances and the parallel equivalent R3R4/(R3+R4)",
                    "parallel": "Use R3R4/(R3+R4)",
                    "current": "Divide the battery voltage by the total resistance",
                    "power": "Multiply the battery voltage by the current it drives",
                    "pd": f"The current times {pr.get('part')}",
                    "branch": "The current splits in inverse proportion to the branch resistances"}[ask]
        ix = Interaction("highlight", f"Circle the resistors {listing(marks)} used in the calculation.",
                         interaction_code(ix_rings(marks, color=ACCENT, r=24)), tuple(marks))
        return draft.replace(question=q, answer=answer, solution=f"{solution}: {answer}.", interactions=(ix,))


# ==============================================================================================
# street map

_M = "maps_coordinates."
M_TAXI, M_BLOCKS, M_MULTI, M_TIME, M_COORD, M_PLOT, M_MOVES = (
    _M + "routes.taxicab_distance", _M + "routes.block_lengths", _M + "routes.multi_stop_route",
    _M + "routes.travel_time", _M + "grid_maps.grid_coordinates", _M + "grid_maps.plotting_places",
    _M + "grid_maps.translations_on_grid")
SX0, SY0, STEP, NCOL, NROW = 60, 370, 60, 7, 5
PLACES = "ABCDE"


class SvgStreetMap(ParallelSum, Family):
    """A street grid drawn in SVG with numbered avenues and streets and lettered places at
    crossings; asks for the walking distance in blocks or metres, a route with several stops,
    the travel time, the coordinates of a place (choice) or the move from one place to another."""

    name = "svg_street_map"

    givens = (ELEMENTS,)  # everything is read off the figure
    domain = "maps_coordinates"
    node_ids = (M_TAXI, M_BLOCKS, M_MULTI, M_TIME, M_COORD, M_PLOT, M_MOVES)
    ASKS = {"blocks": frozenset({M_TAXI}), "metres": frozenset({M_BLOCKS, M_TAXI}),
            "multi": frozenset({M_MULTI, M_TAXI}), "time": frozenset({M_TIME, M_TAXI}),
            "coords": frozenset({M_COORD, M_PLOT}), "move": frozenset({M_MOVES, M_COORD})}
    supports = frozenset({"parallel"})
    PAR = {"blocks": ("multi",), "multi": ("blocks",)}
    PAR_WORDS = {"multi": "the blocks of a shortest walk from {stops[0]} to {stops[1]} and on to {stops[2]}",
                 "blocks": "the blocks of the shortest walk from {a} to {b}"}

    def create(self, rng: random.Random, node_ids, difficulty: int) -> Draft:
        d = clamp_difficulty(difficulty)
        ask, covered = pick_ask(rng, node_ids, self.ASKS, self.node_ids)
        k = 3 if d == 1 and ask != "multi" else 4
        while True:
            spots = rng.sample([(c, r) for c in range(NCOL + 1) for r in range(NROW + 1)], k)
            far = all(abs(a[0] - b[0]) + abs(a[1] - b[1]) >= 2 for a, b in itertools.combinations(spots, 2))
            if far:
                break
        s = Svg(SX0 + NCOL * STEP + 50, SY0 + 60)
        s.rect(SX0, SY0 - NROW * STEP, NCOL * STEP, NROW * STEP, fill="#f1ede2", stroke="none", width=0)
        for c in range(NCOL + 1):
            x = SX0 + c * STEP
            s.line(x, SY0, x, SY0 - NROW * STEP, stroke="#b9b2a3", width=5)
            s.text(x, SY0 + 24, str(c), size=14, fill=MUTED)
        for r in range(NROW + 1):
            y = SY0 - r * STEP
            s.line(SX0, y, SX0 + NCOL * STEP, y, stroke="#b9b2a3", width=5)
            s.text(SX0 - 24, y, str(r), size=14, fill=MUTED)
        for name, (c, r) in zip(PLACES, spots):
            s.dot(name, SX0 + c * STEP, SY0 - r * STEP, 15, -15, r=7, color=ACCENT if name == "A" else TEAL)
        s.text(SX0 + NCOL * STEP / 2, 24, "Town centre: streets one block apart", size=15, family=SERIF,
               style="italic", fill=INK)
        code, elements = s.build()
        names = list(PLACES[:k])
        params = {"ask": ask, "a": names[0], "b": names[1], "stops": names[:3],
                  "metres": rng.choice([80, 100, 120, 150]), "minutes": rng.choice([2, 3, 4, 5])}
        draft = svg_draft(self, node_ids=covered, render_code=code, question="", answer="", solution="",
                           interactions=(), elements=elements, difficulty=d, params=params)
        return self._pose(draft, rng)

    @staticmethod
    def _grid(draft: Draft, name: str) -> tuple[int, int]:
        e = draft.element(name)
        return round((e.x - SX0) / STEP), round((SY0 - e.y) / STEP)

    def _blocks(self, draft: Draft, a: str, b: str) -> int:
        (x1, y1), (x2, y2) = self._grid(draft, a), self._grid(draft, b)
        return abs(x1 - x2) + abs(y1 - y2)

    def _value(self, draft: Draft) -> str:
        pr = draft.params
        ask, a, b = pr["ask"], pr["a"], pr["b"]
        if ask == "blocks":
            return str(self._blocks(draft, a, b))
        if ask == "metres":
            return str(self._blocks(draft, a, b) * pr["metres"])
        if ask == "time":
            return str(self._blocks(draft, a, b) * pr["minutes"])
        if ask == "multi":
            st = pr["stops"]
            return str(self._blocks(draft, st[0], st[1]) + self._blocks(draft, st[1], st[2]))
        if ask == "move":
            (x1, y1), (x2, y2) = self._grid(draft, a), self._grid(draft, b)
            return choice_letter(draft.choices, _move_text(x2 - x1, y2 - y1))
        x, y = self._grid(draft, b)
        return choice_letter(draft.choices, f"({x}, {y})")

    def _pose(self, draft: Draft, rng: random.Random) -> Draft:
        pr = draft.params
        ask, a, b = pr["ask"], pr["a"], pr["b"]
        intro = "On the map, places sit at street crossings; avenues are numbered along the bottom and streets up the side."
        choices, atype = (), "number"
        marks = [a, b]
        if ask == "blocks":
            q = f"{intro} Walking only along the streets, how many blocks is the shortest walk from {a} to {b}?"
        elif ask == "metres":
            q = (f"{intro} Each block is {pr['metres']} m long. Walking only along the streets, how many metres is the "
                 f"shortest walk from {a} to {b}?")
        elif ask == "time":
            q = (f"{intro} Walking one block takes {pr['minutes']} minutes. How many minutes does the shortest walk "
                 f"along the streets from {a} to {b} take?")
        elif ask == "multi":
            st = pr["stops"]
            marks = list(st)
            q = (f"{intro} A courier walks along the streets from {st[0]} to {st[1]}, then on to {st[2]}, each time by a "
                 f"shortest way. How many blocks does the courier walk?")
        elif ask == "move":
            (x1, y1), (x2, y2) = self._grid(draft, a), self._grid(draft, b)
            dx, dy = x2 - x1, y2 - y1
            correct = _move_text(dx, dy)
            choices, letter = make_choices(rng, correct, [_move_text(dy, dx), _move_text(-dx, dy), _move_text(dx, -dy),
                                                          _move_text(-dx, -dy), _move_text(dx + 1, dy)])
            atype = "choice"
            q = f"{intro} Which move takes you from {a} to {b}?"
        else:
            x, y = self._grid(draft, b)
            correct = f"({x}, {y})"
            choices, letter = make_choices(rng, correct, [f"({y}, {x})", f"({x + 1}, {y})", f"({x}, {y - 1})",
                                                          f"({x - 1}, {y + 1})"])
            atype = "choice"
            marks = [b]
            q = f"{intro} What are the coordinates (avenue, street) of {b}?"
        draft = draft.replace(choices=choices, answer_type=atype)
        answer = self._value(draft)
        solution = f"Count the blocks across and up between the places on the grid: the answer is {answer}."
        if len(marks) >= 2:
            code = "".join(f"ax.plot([P[{u!r}][0], P[{v!r}][0], P[{v!r}][0]], [P[{u!r}][1], P[{u!r}][1], P[{v!r}][1]], "
                           f"color='{ACCENT}', lw=3, ls='--', zorder=19)\n" for u, v in zip(marks, marks[1:]))
            code += ix_rings(marks, color=ACCENT, r=16)
            ix = Interaction("auxiliary_line", f"Draw a street route through {listing(marks)}: across, then up or down.",
                             interaction_code(code), tuple(marks))
        else:
            ix = Interaction("highlight", f"Circle {marks[0]} and read its avenue and street.",
                             interaction_code(ix_rings(marks, color=ACCENT, r=16)), tuple(marks))
        return draft.replace(question=q, answer=answer, solution=solution, interactions=(ix,))


def _move_text(dx: int, dy: int) -> str:
    h = f"{abs(dx)} {'right' if dx >= 0 else 'left'}"
    v = f"{abs(dy)} {'up' if dy >= 0 else 'down'}"
    return f"{h}, {v}"


FAMILIES = [SvgGraphDegrees(), SvgRouteNetwork(), SvgCircuit(), SvgStreetMap()]
