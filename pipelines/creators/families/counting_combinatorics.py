"""Counting families: shortest lattice paths on a street grid and rectangles in a grid.

Both figures sit on an integer grid (one data unit per block / square), so :meth:`rederive`
reads the grid size and the marked points from ``draft.elements`` and counts again by a
different method (dynamic programming over intersections / brute-force enumeration).
"""

from __future__ import annotations

import itertools
import math
import random
from math import comb

from pipelines.creators.base import ELEMENTS, Draft, Family, Interaction
from pipelines.creators.common import clamp_difficulty, interaction_code, ix_highlight, ix_segment, ix_shade, pick_ask
from pipelines.creators.families._canvas import Canvas

DOMAIN = "counting_combinatorics"
_C = "counting_combinatorics."
LATTICE = _C + "lattice_paths.shortest_grid_paths"
THROUGH = _C + "lattice_paths.paths_through_point"
AVOID = _C + "lattice_paths.paths_avoiding_point"
MULT = _C + "counting_principles.multiplication_principle"
COMPLEMENT = _C + "counting_principles.complement_counting"
RECTS = _C + "figure_counting.rectangles_in_grid"
SQUARES = _C + "figure_counting.squares_in_grid"
CHOOSE = _C + "selections.combinations"
CONTAIN = _C + "figure_counting.rectangles_containing_cell"


def _grid(cv: Canvas, m: int, n: int, color: str = "#7f7f7f", lw: float = 2.0) -> None:
    for i in range(m + 1):
        cv.line([(i, 0), (i, n)], color=color, lw=lw, z=2)
    for j in range(n + 1):
        cv.line([(0, j), (m, j)], color=color, lw=lw, z=2)


def _ip(p) -> tuple[int, int]:
    return (int(round(p[0])), int(round(p[1])))


def _paths(a, b, blocked=None) -> int:
    """Monotone (right/up) paths from a to b on the integer grid, avoiding ``blocked``."""
    if b[0] < a[0] or b[1] < a[1]:
        return 0
    ways = {}
    for x in range(a[0], b[0] + 1):
        for y in range(a[1], b[1] + 1):
            if (x, y) == blocked:
                ways[x, y] = 0
            elif (x, y) == a:
                ways[x, y] = 1
            else:
                ways[x, y] = ways.get((x - 1, y), 0) + ways.get((x, y - 1), 0)
    return ways[b]


# ==============================================================================================
# lattice paths


class LatticePaths(Family):
    """Street grid with A at the bottom-left, B at the top-right and a marked crossing C; asks for
    the number of shortest routes from A to C, from A to B, through C, or avoiding C."""

    name = "lattice_path_grid"
    givens = ("m", "n")
    domain = DOMAIN
    node_ids = (LATTICE, THROUGH, AVOID, MULT, COMPLEMENT, CHOOSE)
    supports = frozenset({"sequential", "parallel"})
    ASKS = {
        "to_c": frozenset({LATTICE, CHOOSE}),
        "total": frozenset({LATTICE, CHOOSE}),
        "through": frozenset({LATTICE, THROUGH, MULT}),
        "avoid": frozenset({LATTICE, AVOID, COMPLEMENT}),
    }

    def create(self, rng: random.Random, node_ids, difficulty: int) -> Draft:
        d = clamp_difficulty(difficulty)
        ask, covered = pick_ask(rng, node_ids, self.ASKS, self.node_ids)
        m = rng.randint(*{1: (3, 4), 2: (4, 5), 3: (5, 7)}[d])
        n = rng.randint(*{1: (2, 3), 2: (3, 4), 3: (4, 5)}[d])
        c = (rng.randint(1, m - 1), rng.randint(1, n - 1))
        cv = Canvas((-0.75, m + 0.75), (-0.75, n + 0.75), 440 / max(m + 1.5, n + 1.5))
        _grid(cv, m, n)
        cv.dot("A", (0, 0), role="bottom-left corner", ms=8)
        cv.dot("B", (m, n), role="top-right corner", ms=8)
        cv.dot("C", c, role="marked inner crossing", ms=9, color="#d62728", label_color="#d62728")
        code, elements = cv.build(ref=(m / 2, n / 2), refs={"C": (c[0] + 0.5, c[1] - 0.5)})
        params = {"ask": ask, "m": m, "n": n, "c": list(c)}
        draft = self.draft(node_ids=covered, render_code=code, question="", answer="", solution="",
                           interactions=(), elements=elements, difficulty=d, params=params)
        return self._pose(draft)

    def _pose(self, draft: Draft) -> Draft:
        pr = draft.params
        m, n, (cx, cy), ask = pr["m"], pr["n"], pr["c"], pr["ask"]
        rule = "moving only right or up along the streets"
        ac = comb(cx + cy, cx)
        cb = comb(m - cx + n - cy, m - cx)
        ab = comb(m + n, m)
        sub = Interaction("shade", "Shade the block of streets between A and C.",
                          interaction_code(self._rect("A", "C")), ("A", "C"))
        if ask == "to_c":
            ans = ac
            question = f"How many shortest routes are there from A to C, {rule}?"
            solution = (f"A shortest route from A to C takes {cx} steps right and {cy} steps up in some order, so there "
                        f"are C({cx + cy}, {cx}) = {ac} routes.")
            inter = sub
        elif ask == "total":
            ans = ab
            question = f"How many shortest routes are there from A to B, {rule}?"
            solution = (f"Every shortest route takes {m} steps right and {n} steps up; choosing which {m} of the "
                        f"{m + n} steps go right gives C({m + n}, {m}) = {ab}.")
            inter = Interaction("highlight", "Highlight one shortest route: along the bottom street and up the right side.",
                                interaction_code(self._corner_route()), ("A", "B"))
        elif ask in ("through", "seq_through"):
            ans = ac * cb
            question = f"How many shortest routes from A to B, {rule}, pass through C?"
            if ask == "seq_through":
                question = (f"There are {ac} shortest routes from A to C. How many shortest routes from A to B, {rule}, "
                            f"pass through C?")
            solution = (f"Split at C: A to C has C({cx + cy}, {cx}) = {ac} routes and C to B has "
                        f"C({m - cx + n - cy}, {m - cx}) = {cb}; by the multiplication principle {ac} × {cb} = {ans}.")
            inter = Interaction("shade", "Shade the block between C and B, the second leg of the route.",
                                interaction_code(self._rect("C", "B", "#9ecae1")), ("C", "B"))
            if ask == "through":
                inter = Interaction("shade", "Shade the blocks A to C and C to B.",
                                    interaction_code(self._rect("A", "C"), self._rect("C", "B", "#9ecae1")), ("A", "C", "B"))
        elif ask in ("avoid", "par_avoid"):
            ans = ab - ac * cb
            question = f"The crossing C is closed. How many shortest routes from A to B, {rule}, avoid C?"
            solution = (f"All shortest routes: C({m + n}, {m}) = {ab}. Those through C: {ac} × {cb} = {ac * cb}. "
                        f"Subtracting, {ab} − {ac * cb} = {ans} routes avoid C.")
            inter = Interaction("highlight", "Cross out the closed crossing C.",
                                interaction_code(f"ax.plot([P['C'][0] - 12, P['C'][0] + 12], [P['C'][1] - 12, P['C'][1] + 12], color='red', lw=4)\n"
                                                 f"ax.plot([P['C'][0] - 12, P['C'][0] + 12], [P['C'][1] + 12, P['C'][1] - 12], color='red', lw=4)\n"),
                                ("C",))
        else:
            raise ValueError(ask)
        return draft.replace(question=question, answer=str(ans), solution=solution, interactions=draft.interactions + (inter,))

    @staticmethod
    def _rect(a: str, b: str, color: str = "#fdae6b") -> str:
        return (f"ax.fill([P['{a}'][0], P['{b}'][0], P['{b}'][0], P['{a}'][0]], [P['{a}'][1], P['{a}'][1], P['{b}'][1], "
                f"P['{b}'][1]], color='{color}', alpha=0.45, lw=0)\n")

    @staticmethod
    def _corner_route() -> str:
        return ("ax.plot([P['A'][0], P['B'][0], P['B'][0]], [P['A'][1], P['A'][1], P['B'][1]], color='#e6550d', lw=4.5)\n")

    def expand_sequential(self, draft: Draft, rng: random.Random) -> Draft | None:
        """Routes A to C -> routes A to B through C (multiply by the routes C to B)."""
        if draft.params["ask"] != "to_c":
            return None
        new = draft.replace(params=dict(draft.params, ask="seq_through", parent_answer=draft.answer))
        return self._pose(new).replace(variant="seq_through", difficulty=draft.difficulty + 1)

    def expand_parallel(self, draft: Draft, rng: random.Random) -> Draft | None:
        """Routes A to B -> the same routes when crossing C is closed."""
        if draft.params["ask"] != "total":
            return None
        new = draft.replace(params=dict(draft.params, ask="par_avoid", parent_answer=draft.answer))
        return self._pose(new).replace(variant="par_avoid", difficulty=draft.difficulty + 1)

    def rederive(self, draft: Draft) -> str:
        p = {k: _ip(v) for k, v in draft.points().items()}
        a, b, c = p["A"], p["B"], p["C"]
        ask = draft.params["ask"]
        if ask == "to_c":
            return str(_paths(a, c))
        if ask == "total":
            return str(_paths(a, b))
        if ask in ("through", "seq_through"):
            return str(_paths(a, b) - _paths(a, b, blocked=c))
        if ask in ("avoid", "par_avoid"):
            return str(_paths(a, b, blocked=c))
        raise ValueError(f"unknown ask {ask!r}")


# ==============================================================================================
# rectangles in a grid


class GridRectangles(Family):
    """Rectangle ABCD divided into unit squares with one shaded square S; asks how many
    rectangles or squares the figure contains, or how many rectangles contain S."""

    name = "grid_rectangle_count"
    givens = ("m", "n")
    domain = DOMAIN
    node_ids = (RECTS, SQUARES, CHOOSE, CONTAIN, MULT)
    supports = frozenset({"parallel"})
    ASKS = {
        "rects": frozenset({RECTS, CHOOSE, MULT}),
        "squares": frozenset({SQUARES}),
        "contain": frozenset({CONTAIN, MULT}),
    }

    def create(self, rng: random.Random, node_ids, difficulty: int) -> Draft:
        d = clamp_difficulty(difficulty)
        ask, covered = pick_ask(rng, node_ids, self.ASKS, self.node_ids)
        m = rng.randint(*{1: (2, 3), 2: (3, 5), 3: (4, 6)}[d])
        n = rng.randint(*{1: (1, 3), 2: (2, 4), 3: (3, 5)}[d])
        if ask == "squares" and n < 2:
            n = 2
        s = (rng.randrange(m), rng.randrange(n))
        cv = Canvas((-0.7, m + 0.7), (-0.7, n + 0.7), 420 / max(m + 1.4, n + 1.4))
        cv.fill([(s[0], s[1]), (s[0] + 1, s[1]), (s[0] + 1, s[1] + 1), (s[0], s[1] + 1)], "#fdd49e", z=1)
        _grid(cv, m, n, color="black", lw=2.0)
        for nm, p, role in (("A", (0, 0), "bottom-left corner"), ("B", (m, 0), "bottom-right corner"),
                            ("C", (m, n), "top-right corner"), ("D", (0, n), "top-left corner")):
            cv.dot(nm, p, role=role, ms=6)
        cv.dot("S", (s[0] + 0.5, s[1] + 0.5), role="centre of the shaded square", ms=6, label=False)
        cv.raw(f"ax.text({s[0] + 0.5}, {s[1] + 0.72}, 'S', fontsize=13, ha='center', va='center', zorder=9)")
        code, elements = cv.build(ref=(m / 2, n / 2))
        params = {"ask": ask, "m": m, "n": n, "s": list(s)}
        draft = self.draft(node_ids=covered, render_code=code, question="", answer="", solution="",
                           interactions=(), elements=elements, difficulty=d, params=params)
        return self._pose(draft)

    def _pose(self, draft: Draft) -> Draft:
        pr = draft.params
        m, n, (i, j), ask = pr["m"], pr["n"], pr["s"], pr["ask"]
        total = comb(m + 1, 2) * comb(n + 1, 2)
        contain = (i + 1) * (m - i) * (j + 1) * (n - j)
        intro = "Rectangle ABCD is divided into equal squares."  # how many: the figure shows
        if ask == "rects":
            ans = total
            question = f"{intro} How many rectangles of any size (squares included) can be traced along its lines?"
            solution = (f"A rectangle is fixed by choosing 2 of the {m + 1} vertical lines and 2 of the {n + 1} horizontal "
                        f"lines: C({m + 1}, 2) × C({n + 1}, 2) = {comb(m + 1, 2)} × {comb(n + 1, 2)} = {total}.")
            inter = Interaction("highlight", "Highlight the bottom side AB and the right side BC, whose division points are chosen.",
                                interaction_code(ix_highlight("A", "B"), ix_highlight("B", "C")), ("A", "B", "C"))
        elif ask == "squares":
            terms = [(m - k + 1) * (n - k + 1) for k in range(1, min(m, n) + 1)]
            ans = sum(terms)
            question = f"{intro} How many squares of any size can be traced along its lines?"
            solution = ("Count by size: a k × k square fits in (" + f"{m} − k + 1)({n} − k + 1) positions, giving "
                        + " + ".join(map(str, terms)) + f" = {ans}.")
            inter = Interaction("shade", "Shade the largest squares that fit, starting at corner A.",
                                interaction_code(self._square_code(min(m, n), m)), ("A",))
        elif ask in ("contain", "par_not_contain"):
            ans = contain if ask == "contain" else total - contain
            what = "contain" if ask == "contain" else "do not contain"
            question = f"{intro} How many rectangles traced along its lines {what} the shaded square S?"
            solution = (f"A rectangle contains S when its left side is one of the {i + 1} lines at or left of S and its "
                        f"right side one of the {m - i} lines right of S, and likewise {j + 1} and {n - j} choices "
                        f"vertically: {i + 1} × {m - i} × {j + 1} × {n - j} = {contain}.")
            if ask == "par_not_contain":
                solution += f" Of all C({m + 1}, 2) × C({n + 1}, 2) = {total} rectangles, {total} − {contain} = {ans} miss S."
            inter = Interaction("auxiliary_line", "Draw the horizontal and vertical lines through S.",
                                interaction_code(self._cross_code()), ("S",))
            if ask == "par_not_contain":
                inter = Interaction("highlight", "Highlight the whole rectangle ABCD, counted among all rectangles.",
                                    interaction_code(ix_highlight("A", "B"), ix_highlight("B", "C"), ix_highlight("C", "D"),
                                                     ix_highlight("D", "A")), ("A", "B", "C", "D"))
        else:
            raise ValueError(ask)
        return draft.replace(question=question, answer=str(ans), solution=solution, interactions=draft.interactions + (inter,))

    @staticmethod
    def _square_code(k: int, m: int) -> str:
        """The k x k square at corner A (its side in pixels is k/m of AB)."""
        return (f"_side = (P['B'][0] - P['A'][0]) * {k} / {m}\n"
                "_xs = [P['A'][0], P['A'][0] + _side, P['A'][0] + _side, P['A'][0], P['A'][0]]\n"
                "_ys = [P['A'][1], P['A'][1], P['A'][1] - _side, P['A'][1] - _side, P['A'][1]]\n"
                "ax.fill(_xs, _ys, color='#9ecae1', alpha=0.5, lw=0)\n"
                "ax.plot(_xs, _ys, color='#08519c', lw=3)\n")

    @staticmethod
    def _cross_code() -> str:
        return ("ax.plot([P['A'][0], P['B'][0]], [P['S'][1], P['S'][1]], color='red', ls='--', lw=2)\n"
                "ax.plot([P['S'][0], P['S'][0]], [P['A'][1], P['D'][1]], color='red', ls='--', lw=2)\n")

    def expand_parallel(self, draft: Draft, rng: random.Random) -> Draft | None:
        """Rectangles containing S -> rectangles not containing S (complement of all rectangles)."""
        if draft.params["ask"] != "contain":
            return None
        new = draft.replace(params=dict(draft.params, ask="par_not_contain", parent_answer=draft.answer))
        return self._pose(new).replace(variant="par_not_contain", difficulty=draft.difficulty + 1)

    def rederive(self, draft: Draft) -> str:
        p = draft.points()
        a, c = _ip(p["A"]), _ip(p["C"])
        m, n = c[0] - a[0], c[1] - a[1]
        si, sj = int(p["S"][0] - a[0]), int(p["S"][1] - a[1])
        rects = [(x0, x1, y0, y1) for x0, x1 in itertools.combinations(range(m + 1), 2)
                 for y0, y1 in itertools.combinations(range(n + 1), 2)]
        ask = draft.params["ask"]
        if ask == "rects":
            return str(len(rects))
        if ask == "squares":
            return str(sum(1 for x0, x1, y0, y1 in rects if x1 - x0 == y1 - y0))
        hit = sum(1 for x0, x1, y0, y1 in rects if x0 <= si < x1 and y0 <= sj < y1)
        if ask == "contain":
            return str(hit)
        if ask == "par_not_contain":
            return str(len(rects) - hit)
        raise ValueError(f"unknown ask {ask!r}")


# ==============================================================================================
# tree diagrams of outcomes


TREE = _C + "outcomes.tree_diagrams"
ADDITION = _C + "counting_principles.addition_principle"

TREE_THEMES = [
    # first stage (noun, options), second stage (noun, options), third stage (noun, count word)
    ("shirt", ["Red", "Blue", "Green", "White"], "cap", ["cap", "beanie", "visor"], ("pair of shoes", "shoes")),
    ("main dish", ["Pasta", "Curry", "Salad", "Soup"], "drink", ["tea", "juice", "water"], ("dessert", "desserts")),
    ("bus", ["Early", "Midday", "Late"], "route", ["north", "river", "hill", "park"], ("return train", "trains")),
    ("spinner colour", ["Pink", "Gold", "Grey", "Teal"], "coin side", ["heads", "tails"], ("die roll", "faces")),
]


class OutcomeTree(Family):
    """Tree diagram of a two-stage choice drawn left to right (full, or with only the first
    branch expanded); asks for the number of outcomes, the outcomes that avoid one first-stage
    option, or the outcomes after a third stage given in words."""

    name = "outcome_tree_diagram"
    givens = (ELEMENTS,)
    domain = DOMAIN
    node_ids = (TREE, MULT, COMPLEMENT, ADDITION)
    ASKS = {
        "total": frozenset({TREE, ADDITION}),
        "partial": frozenset({TREE, MULT}),
        "avoid": frozenset({TREE, COMPLEMENT}),
        "third": frozenset({TREE, MULT}),
    }

    def create(self, rng: random.Random, node_ids, difficulty: int) -> Draft:
        d = clamp_difficulty(difficulty)
        ask, covered = pick_ask(rng, node_ids, self.ASKS, self.node_ids)
        t = rng.randrange(len(TREE_THEMES))
        noun1, opts1, noun2, opts2, (noun3, _) = TREE_THEMES[t]
        n1 = rng.randint(2, len(opts1)) if d > 1 else min(3, len(opts1))
        n2 = rng.randint(2, len(opts2)) if d > 1 else 2
        o1, o2 = opts1[:n1], opts2[:n2]
        full = ask in ("total", "avoid")
        rows = n1 * n2 if full else n2 + n1 - 1
        cv = Canvas((-1.6, 9.2), (-0.8, rows - 0.2), 440 / max(10.8, rows + 0.6), font=13)
        # leaf rows from the top; each first-stage node sits at the middle of its leaves
        y = rows - 1
        mids = []
        leaves = []
        for i, a in enumerate(o1):
            if full or i == 0:
                ys = [y - k for k in range(n2)]
                y -= n2
            else:
                ys = []
                y -= 1
            mid = sum(ys) / len(ys) if ys else y + 1
            mids.append(mid)
            leaves.append(ys)
        root = (0.0, sum(mids) / len(mids))
        for (a, mid, ys) in zip(o1, mids, leaves, strict=True):
            cv.line([root, (3.2, mid)], color="#525252", lw=1.8)
            for k, ly in enumerate(ys):
                cv.line([(3.2, mid), (6.4, ly)], color="#525252", lw=1.4)
                cv.raw(f"ax.plot([6.4], [{ly}], 'o', color='#525252', ms=4, zorder=5)")
                cv.text(o2[k], (6.75, ly), font=12, ha="left", color="#08519c")
        cv.dot("Start", root, role="root of the tree", ms=7)
        for a, mid in zip(o1, mids, strict=True):
            cv.dot(a, (3.2, mid), role="", ms=7, color="#b2182b", label_color="#b2182b")
        code, elements = cv.build(refs={a: (4.5, mid) for a, mid in zip(o1, mids, strict=True)} | {"Start": (1, root[1])})
        n3 = rng.randint(2, 4)
        params = {"ask": ask, "theme": t, "n2": n2, "n3": n3, "avoid": rng.choice(o1)}
        branches = interaction_code("".join(ix_highlight("Start", a, color="#e6550d") for a in o1))
        inter = Interaction("highlight", f"Highlight the {n1} first-stage branches from Start.", branches, ("Start",) + tuple(o1))
        if ask == "total":
            ans = n1 * n2
            question = f"The tree shows every way to choose a {noun1} and then a {noun2}. How many outcomes are there?"
            solution = (f"Count the ends of the tree: each of the {n1} {noun1} branches splits into {n2} {noun2} branches, "
                        f"so there are " + " + ".join([str(n2)] * n1) + f" = {ans} outcomes.")
        elif ask == "partial":
            ans = n1 * n2
            question = (f"The tree is meant to show every way to choose a {noun1} and then a {noun2}, but only the branches after "
                        f"{o1[0]} are drawn; every {noun1} has the same {noun2} choices. How many outcomes are there?")
            solution = (f"After {o1[0]} there are {n2} branches, and the same {n2} follow each of the {n1} choices at the "
                        f"first stage, so by the multiplication principle {n1} × {n2} = {ans}.")
        elif ask == "avoid":
            ans = (n1 - 1) * n2
            question = (f"The tree shows every way to choose a {noun1} and then a {noun2}. How many outcomes do not use "
                        f"{params['avoid']}?")
            solution = (f"All outcomes: {n1} × {n2} = {n1 * n2}. Those through {params['avoid']}: {n2}. "
                        f"So {n1 * n2} − {n2} = {ans} outcomes avoid it.")
            inter = Interaction("highlight", f"Cross out the branch through {params['avoid']}.",
                                interaction_code(ix_highlight("Start", params["avoid"], color="#d62728")),
                                ("Start", params["avoid"]))
        else:
            ans = n1 * n2 * n3
            question = (f"The tree shows the choices of a {noun1} and then a {noun2} (only the branches after {o1[0]} are "
                        f"drawn; every {noun1} has the same {noun2} choices). Then one of {n3} different {noun3}s is "
                        f"chosen. How many outcomes are there?")
            solution = (f"There are {n1} first choices, {n2} second choices and {n3} third choices, so "
                        f"{n1} × {n2} × {n3} = {ans} outcomes.")
        return self.draft(node_ids=covered, render_code=code, question=question, answer=str(ans), solution=solution,
                          interactions=(inter,), elements=elements, difficulty=d, params=params)

    def rederive(self, draft: Draft) -> str:
        firsts = [e for e in draft.elements if e.name != "Start"]
        root = draft.element("Start")
        n1 = sum(1 for e in firsts if e.x > root.x)
        pr = draft.params
        ask = pr["ask"]
        if ask in ("total", "partial"):
            return str(n1 * pr["n2"])
        if ask == "avoid":
            return str((n1 - 1) * pr["n2"])
        if ask == "third":
            return str(n1 * pr["n2"] * pr["n3"])
        raise ValueError(f"unknown ask {ask!r}")


# ==============================================================================================
# points on a circle: handshakes, diagonals, triangles


HANDSHAKES = _C + "counting_principles.handshakes"
DIAGONALS = _C + "figure_counting.polygon_diagonals"
TRIANGLES_PTS = _C + "figure_counting.triangles_from_points"


class CirclePointsCount(Family):
    """Points A, B, ... evenly around a circle joined as a polygon; asks how many segments join
    all pairs (handshakes), how many diagonals the polygon has, how many triangles the points
    make, or how many of those have a given vertex."""

    name = "circle_points_counting"
    givens = (ELEMENTS,)
    domain = DOMAIN
    node_ids = (HANDSHAKES, DIAGONALS, TRIANGLES_PTS, CHOOSE)
    ASKS = {
        "handshakes": frozenset({HANDSHAKES, CHOOSE}),
        "diagonals": frozenset({DIAGONALS, HANDSHAKES}),
        "triangles": frozenset({TRIANGLES_PTS, CHOOSE}),
        "triangles_at": frozenset({TRIANGLES_PTS}),
    }

    def create(self, rng: random.Random, node_ids, difficulty: int) -> Draft:
        d = clamp_difficulty(difficulty)
        ask, covered = pick_ask(rng, node_ids, self.ASKS, self.node_ids)
        n = rng.randint(*{1: (4, 6), 2: (6, 8), 3: (8, 10)}[d])
        names = "ABCDEFGHIJ"[:n]
        t0 = rng.uniform(0, 360 / n)
        pts = {nm: (4 * math.cos(math.radians(90 - t0 - 360 * k / n)), 4 * math.sin(math.radians(90 - t0 - 360 * k / n)))
               for k, nm in enumerate(names)}
        cv = Canvas((-5.4, 5.4), (-5.4, 5.4), 40, font=15)
        cv.raw("ax.add_patch(plt.Circle((0, 0), 4, fill=False, color='#bdbdbd', lw=1.2, ls='--'))")
        ring = [pts[nm] for nm in names] + [pts[names[0]]]
        if ask == "handshakes":
            for a, b in itertools.combinations(names, 2):
                cv.line([pts[a], pts[b]], color="#9ecae1", lw=1.2, z=1)
        cv.line(ring, color="#08519c", lw=2.2, z=2)
        for nm in names:
            cv.dot(nm, pts[nm], role="", ms=7)
        code, elements = cv.build(ref=(0, 0))
        v = rng.choice(names)
        params = {"ask": ask, "v": v}
        if ask == "handshakes":
            ans = comb(n, 2)
            question = ("Each person shown as a dot shakes hands exactly once with every other person; the "
                        "segments show the handshakes. How many handshakes are there?")
            solution = (f"Each of the {n} people shakes {n - 1} hands, and each handshake is counted by both people: "
                        f"{n} × {n - 1}/2 = {ans} = C({n}, 2).")
            inter = Interaction("highlight", f"Highlight the {n - 1} handshakes of {v}.",
                                interaction_code("".join(ix_highlight(v, w, color="#e6550d") for w in names if w != v)),
                                tuple(names))
        elif ask == "diagonals":
            ans = n * (n - 3) // 2
            question = "How many diagonals does the polygon shown have?"
            solution = (f"Each of the {n} vertices joins to {n - 3} others by a diagonal (not itself or its two "
                        f"neighbours), and each diagonal has two ends: {n} × {n - 3}/2 = {ans}.")
            inter = Interaction("auxiliary_line", f"Draw the {n - 3} diagonals from {v}.",
                                interaction_code("".join(ix_segment(v, w) for w in self._far(names, v))),
                                (v,) + tuple(self._far(names, v)))
        elif ask == "triangles":
            ans = comb(n, 3)
            question = "How many triangles have all three vertices among the points shown?"
            solution = (f"No three of the points lie on a line, so any 3 of the {n} points form a triangle: "
                        f"C({n}, 3) = {ans}.")
            inter = Interaction("shade", f"Shade one such triangle, {names[0]}{names[1]}{names[2]}.",
                                interaction_code(ix_shade([names[0], names[1], names[2]])), tuple(names[:3]))
        else:
            ans = comb(n - 1, 2)
            question = f"How many triangles with vertices among the points shown have {v} as a vertex?"
            solution = f"Besides {v}, choose 2 of the other {n - 1} points: C({n - 1}, 2) = {ans}."
            inter = Interaction("auxiliary_line", f"Draw the segments from {v} to every other point.",
                                interaction_code("".join(ix_segment(v, w) for w in names if w != v)), tuple(names))
        return self.draft(node_ids=covered, render_code=code, question=question, answer=str(ans), solution=solution,
                          interactions=(inter,), elements=elements, difficulty=d, params=params)

    @staticmethod
    def _far(names: str, v: str) -> list[str]:
        i, n = names.index(v), len(names)
        return [names[(i + k) % n] for k in range(2, n - 1)]

    def rederive(self, draft: Draft) -> str:
        n = len(draft.elements)
        ask = draft.params["ask"]
        if ask == "handshakes":
            return str(len(list(itertools.combinations(range(n), 2))))
        if ask == "diagonals":
            return str(sum(1 for i, j in itertools.combinations(range(n), 2) if (j - i) % n not in (1, n - 1)))
        if ask == "triangles":
            return str(len(list(itertools.combinations(range(n), 3))))
        if ask == "triangles_at":
            return str(sum(1 for t in itertools.combinations(range(n), 3) if 0 in t))
        raise ValueError(f"unknown ask {ask!r}")


FAMILIES = [LatticePaths(), GridRectangles(), OutcomeTree(), CirclePointsCount()]
