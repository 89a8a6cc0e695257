"""Spatial reasoning families: stacks of unit cubes in isometric view and nets of a cube.

Cube stacks are "staircases" (heights never grow towards the viewer), so every column's top is
visible and the stack is fully determined by the picture. The base corners A, B, C are drawn
points: :meth:`rederive` measures the grid size from them (an isometric unit edge has drawn
length one). Nets are drawn on a unit grid with a dot at each face centre; :meth:`rederive`
folds the net from the measured face centres.
"""

from __future__ import annotations

import itertools
import math
import random

from pipelines.creators.base import ELEMENTS, Draft, Family, Interaction
from pipelines.creators.common import (
    choice_letter,
    clamp_difficulty,
    dist,
    fmt_dec,
    interaction_code,
    ix_segment,
    make_choices,
    pick_ask,
)
from pipelines.creators.families._canvas import Canvas, canvas_for

DOMAIN = "spatial_reasoning"
_R = "spatial_reasoning."
COUNT = _R + "cube_stacks.count_cubes"
FRONT_VIEW = _R + "cube_stacks.front_side_views"
TOP_VIEW = _R + "cube_stacks.top_view"
COMPLETE = _R + "cube_stacks.complete_to_cuboid"
NETS = _R + "cube_nets.cube_net_folding"
OPPOSITE = _R + "cube_nets.opposite_faces"
ADJACENT = _R + "cube_nets.faces_at_a_vertex"

C30, S30 = math.cos(math.radians(30)), math.sin(math.radians(30))


def iso(x: float, y: float, z: float) -> tuple[float, float]:
    """Isometric drawing of world point (x to the lower right, y to the lower left, z up)."""
    return ((x - y) * C30, -(x + y) * S30 + z)


def _staircase(rng: random.Random, nx: int, ny: int, hmax: int) -> list[list[int]]:
    """Heights h[i][j] that never increase with i or j (towards the viewer), with h[0][0] = hmax."""
    h = [[0] * ny for _ in range(nx)]
    for i in range(nx):
        for j in range(ny):
            cap = min(h[i - 1][j] if i else hmax, h[i][j - 1] if j else hmax)
            h[i][j] = hmax if (i, j) == (0, 0) else rng.randint(max(0, cap - 2), cap)
    return h


# ==============================================================================================
# cube stacks


class CubeStack(Family):
    """Staircase stack of unit cubes on an rectangular floor with corners A, B, C; asks for the
    number of cubes, the squares seen from the side AB or BC or from above, or how many cubes
    complete the smallest enclosing cuboid."""

    name = "cube_stack_views"
    givens = ("h",)
    domain = DOMAIN
    node_ids = (COUNT, FRONT_VIEW, TOP_VIEW, COMPLETE)
    supports = frozenset({"sequential"})
    ASKS = {
        "count": frozenset({COUNT}),
        "front": frozenset({FRONT_VIEW}),
        "side": frozenset({FRONT_VIEW}),
        "top": frozenset({TOP_VIEW}),
        "fill": frozenset({COUNT, COMPLETE}),
    }

    def create(self, rng: random.Random, node_ids, difficulty: int) -> Draft:
        d = clamp_difficulty(difficulty)
        ask, covered = pick_ask(rng, node_ids, self.ASKS, self.node_ids)
        nx, ny = rng.randint(2, 2 + d), rng.randint(2, 2 + (d > 1))
        hmax = rng.randint(2, 2 + d)
        while True:
            h = _staircase(rng, nx, ny, hmax)
            if sum(v == 0 for row in h for v in row) <= (nx * ny) // 3 and len({v for row in h for v in row}) >= 2:
                break
        corners = {"A": (0, ny, 0), "B": (nx, ny, 0), "C": (nx, 0, 0)}
        box = [iso(x, y, z) for x in (0, nx) for y in (0, ny) for z in (0, hmax)]
        cv = canvas_for(box, target_px=380, margin=0.12, min_margin_px=40)
        # floor grid (light), then cubes back to front
        for i in range(nx + 1):
            cv.line([iso(i, 0, 0), iso(i, ny, 0)], color="#bdbdbd", lw=1.0, z=1, obstacle=False)
        for j in range(ny + 1):
            cv.line([iso(0, j, 0), iso(nx, j, 0)], color="#bdbdbd", lw=1.0, z=1, obstacle=False)
        cubes = sorted(((i, j, k) for i in range(nx) for j in range(ny) for k in range(h[i][j])),
                       key=lambda c: (c[0] + c[1] + c[2], c[2]))
        for zi, (i, j, k) in enumerate(cubes):
            faces = (
                ([(i, j, k + 1), (i + 1, j, k + 1), (i + 1, j + 1, k + 1), (i, j + 1, k + 1)], "#deebf7"),  # top
                ([(i + 1, j, k), (i + 1, j + 1, k), (i + 1, j + 1, k + 1), (i + 1, j, k + 1)], "#6baed6"),  # +x side
                ([(i, j + 1, k), (i + 1, j + 1, k), (i + 1, j + 1, k + 1), (i, j + 1, k + 1)], "#9ecae1"),  # +y side
            )
            for pts, col in faces:
                cv.fill([iso(*p) for p in pts], col, ec="black", lw=1.1, z=round(2 + zi / 1000, 4), obstacle=True)
        roles = {"A": "left floor corner", "B": "front floor corner", "C": "right floor corner"}
        for n, p in corners.items():
            cv.dot(n, iso(*p), role=roles[n], ms=6, z=6)
        code, elements = cv.build(ref=iso(nx / 2, ny / 2, hmax / 2))
        params = {"ask": ask, "h": h}
        draft = self.draft(node_ids=covered, render_code=code, question="", answer="", solution="",
                           interactions=(), elements=elements, difficulty=d, params=params)
        return self._pose(draft)

    def _pose(self, draft: Draft) -> Draft:
        pr = draft.params
        h, ask = pr["h"], pr["ask"]
        nx, ny = len(h), len(h[0])
        total = sum(map(sum, h))
        hmax = max(max(r) for r in h)
        intro = ("Unit cubes are stacked on a rectangular floor whose near corners are A, B and C; every cube rests on the "
                 "floor or on another cube, and no column is hidden behind a taller one.")
        cols = "; ".join(", ".join(str(v) for v in row) for row in h)
        edges = Interaction("highlight", "Highlight the floor edges AB and BC.",
                            interaction_code(ix_segment("A", "B", "#e6550d", "-", 4), ix_segment("B", "C", "#e6550d", "-", 4)),
                            ("A", "B", "C"))
        if ask == "count":
            ans = total
            question = f"{intro} How many unit cubes are there?"
            solution = f"Read the height of every column, row by row from the back: {cols}. Their sum is {total}."
            inter = edges
        elif ask in ("fill", "seq_fill"):
            ans = nx * ny * hmax - total
            question = (f"{intro} How many more unit cubes are needed to fill the smallest cuboid that contains the stack?"
                        if ask == "fill" else
                        f"{intro} The stack has {total} cubes. How many more unit cubes are needed to fill the smallest "
                        "cuboid that contains it?")
            solution = (f"The column heights are {cols}, {total} cubes in all. The enclosing cuboid is {nx} × {ny} × {hmax} "
                        f"= {nx * ny * hmax} cubes, so {nx * ny * hmax} − {total} = {ans} more are needed.")
            inter = edges if ask == "fill" else Interaction(
                "auxiliary_line", "Draw the vertical edge of the enclosing cuboid above B.",
                interaction_code(f"ax.plot([P['B'][0], P['B'][0]], [P['B'][1], P['B'][1] - 120], color='red', ls='--', lw=2.5)\n"), ("B",))
        elif ask == "front":
            view = [max(h[i]) for i in range(nx)]
            ans = sum(view)
            question = f"{intro} Looking straight at the side AB, how many squares does the view show?"
            solution = (f"From side AB each of the {nx} columns of squares is as tall as the tallest column behind it: "
                        f"{', '.join(map(str, view))}, so the view shows {ans} squares.")
            inter = Interaction("highlight", "Highlight the side AB that the viewer faces.",
                                interaction_code(ix_segment("A", "B", "#e6550d", "-", 5)), ("A", "B"))
        elif ask == "side":
            view = [max(h[i][j] for i in range(nx)) for j in range(ny)]
            ans = sum(view)
            question = f"{intro} Looking straight at the side BC, how many squares does the view show?"
            solution = (f"From side BC each of the {ny} columns of squares is as tall as the tallest column behind it: "
                        f"{', '.join(map(str, view))}, so the view shows {ans} squares.")
            inter = Interaction("highlight", "Highlight the side BC that the viewer faces.",
                                interaction_code(ix_segment("B", "C", "#e6550d", "-", 5)), ("B", "C"))
        elif ask == "top":
            ans = sum(1 for row in h for v in row if v)
            question = f"{intro} Looking straight down from above, how many squares does the view show?"
            solution = (f"From above, every floor square with at least one cube shows one square; of the {nx * ny} floor "
                        f"squares {nx * ny - ans} are empty, so {ans} squares are seen.")
            inter = edges
        else:
            raise ValueError(ask)
        return draft.replace(question=question, answer=str(ans), solution=solution, interactions=draft.interactions + (inter,))

    def expand_sequential(self, draft: Draft, rng: random.Random) -> Draft | None:
        """Number of cubes -> cubes still missing from the enclosing cuboid."""
        if draft.params["ask"] != "count":
            return None
        new = draft.replace(params=dict(draft.params, ask="seq_fill", parent_answer=draft.answer))
        return self._pose(new).replace(variant="seq_fill", difficulty=draft.difficulty + 1)

    def rederive(self, draft: Draft) -> str:
        p = draft.points()
        nx, ny = round(dist(p["A"], p["B"])), round(dist(p["B"], p["C"]))
        h = draft.params["h"]
        if (len(h), len(h[0])) != (nx, ny):
            raise ValueError(f"floor measured {nx} x {ny} but heights are {len(h)} x {len(h[0])}")
        cubes = {(i, j, k) for i in range(nx) for j in range(ny) for k in range(h[i][j])}
        ask = draft.params["ask"]
        if ask == "count":
            return str(len(cubes))
        if ask in ("fill", "seq_fill"):
            top = max(k for *_, k in cubes) + 1
            return str(nx * ny * top - len(cubes))
        if ask == "front":
            return str(len({(i, k) for i, _, k in cubes}))
        if ask == "side":
            return str(len({(j, k) for _, j, k in cubes}))
        if ask == "top":
            return str(len({(i, j) for i, j, _ in cubes}))
        raise ValueError(f"unknown ask {ask!r}")


# ==============================================================================================
# cube nets


def fold(cells: list[tuple[int, int]]) -> dict[tuple[int, int], tuple[int, int, int]] | None:
    """Outward normal of each net square after folding (first square at the bottom), or None
    when two squares would land on the same face (not a cube net)."""
    def neg(v):
        return tuple(-c for c in v)

    start = cells[0]
    state = {start: ((0, 0, -1), (1, 0, 0), (0, 1, 0))}  # normal, net-right, net-up
    todo = [start]
    cellset = set(cells)
    while todo:
        c = todo.pop()
        n, r, u = state[c]
        for (dx, dy), nxt in (((1, 0), (r, neg(n), u)), ((-1, 0), (neg(r), n, u)),
                              ((0, 1), (u, r, neg(n))), ((0, -1), (neg(u), r, n))):
            q = (c[0] + dx, c[1] + dy)
            if q in cellset and q not in state:
                state[q] = nxt
                todo.append(q)
    if len(state) != len(cells):
        return None
    normals = {c: s[0] for c, s in state.items()}
    return normals if len(set(normals.values())) == 6 else None


class CubeNet(Family):
    """Net of a cube with faces A..F (a dot at each face centre); asks which face is opposite a
    given face, which pair of faces is opposite, or which three faces meet at a corner."""

    name = "cube_net_faces"
    givens = (ELEMENTS,)
    domain = DOMAIN
    node_ids = (NETS, OPPOSITE, ADJACENT)
    ASKS = {
        "opposite": frozenset({NETS, OPPOSITE}),
        "pair": frozenset({NETS, OPPOSITE}),
        "corner": frozenset({NETS, ADJACENT}),
    }

    def create(self, rng: random.Random, node_ids, difficulty: int) -> Draft:
        d = clamp_difficulty(difficulty)
        ask, covered = pick_ask(rng, node_ids, self.ASKS, self.node_ids)
        while True:
            cells = [(0, 0)]
            while len(cells) < 6:
                c = rng.choice(cells)
                dx, dy = rng.choice([(1, 0), (-1, 0), (0, 1), (0, -1)])
                q = (c[0] + dx, c[1] + dy)
                if q not in cells:
                    cells.append(q)
            xs, ys = [c[0] for c in cells], [c[1] for c in cells]
            if max(xs) - min(xs) > 4 or max(ys) - min(ys) > 3 or fold(cells) is None:
                continue
            # difficulty 1 keeps the familiar "row of four" nets
            if d == 1 and not any(sum(1 for c in cells if c[1] == y) == 4 for y in set(ys)):
                continue
            break
        x0, y0 = min(xs), min(ys)
        cells = [(c[0] - x0, c[1] - y0) for c in cells]
        letters = list("ABCDEF")
        rng.shuffle(letters)
        face = dict(zip(letters, cells, strict=True))
        W, H = max(c[0] for c in cells) + 1, max(c[1] for c in cells) + 1
        cv = Canvas((-0.3, max(W, H) + 0.3), (-0.3, H + 0.3), 400 / (max(W, H) + 0.6), font=16)
        for n, (i, j) in face.items():
            sq = [(i, j), (i + 1, j), (i + 1, j + 1), (i, j + 1)]
            cv.fill(sq, "#fee8c8", ec="black", lw=2.0, z=1)
            cv.dot(n, (i + 0.5, j + 0.5), role="", ms=5, label=False)
            cv.raw(f"ax.text({i + 0.5}, {j + 0.72}, '{n}', fontsize=16, ha='center', va='center', zorder=9)")
        code, elements = cv.build()
        normals = fold([face[n] for n in letters])
        by_letter = {n: normals[face[n]] for n in letters}
        opp = {n: next(m for m in letters if by_letter[m] == tuple(-c for c in by_letter[n])) for n in letters}
        params = {"ask": ask}
        if ask == "opposite":
            x = rng.choice(letters)
            params["x"] = x
            correct = opp[x]
            choices, answer = make_choices(rng, correct, rng.sample([m for m in letters if m not in (x, correct)], 4))
            question = f"The net is folded into a cube. Which face is opposite face {x}?"
            solution = (f"Fold the squares around face {x} up into the walls: the four faces sharing an edge with {x} after "
                        f"folding are {', '.join(sorted(m for m in letters if m not in (x, correct)))}, so the remaining "
                        f"face {correct} ends up opposite {x}.")
            inter = Interaction("highlight", f"Circle face {x} and the face opposite it.",
                                interaction_code(self._rings([x, correct])), (x, correct))
        elif ask == "pair":
            pairs = sorted({tuple(sorted((n, opp[n]))) for n in letters})
            good = rng.choice(pairs)
            bad = [p for p in itertools.combinations(sorted(letters), 2) if p not in pairs]
            correct = f"{good[0]} and {good[1]}"
            choices, answer = make_choices(rng, correct, [f"{a} and {b}" for a, b in rng.sample(bad, 5)])
            question = "The net is folded into a cube. Which two faces end up opposite each other?"
            solution = ("Folding pairs the faces into opposite pairs " + ", ".join(f"{a}–{b}" for a, b in pairs) +
                        f"; among the options only {correct} is such a pair.")
            inter = Interaction("highlight", f"Circle faces {good[0]} and {good[1]}.",
                                interaction_code(self._rings(list(good))), good)
        else:
            triples = [t for t in itertools.combinations(sorted(letters), 3)
                       if all(opp[a] != b for a, b in itertools.combinations(t, 2))]
            bad = [t for t in itertools.combinations(sorted(letters), 3) if t not in triples]
            good = rng.choice(triples)
            correct = ", ".join(good)
            choices, answer = make_choices(rng, correct, [", ".join(t) for t in rng.sample(bad, 5)])
            question = "The net is folded into a cube. Which three faces meet at one corner of the cube?"
            pairs = sorted({tuple(sorted((n, opp[n]))) for n in letters})
            solution = ("Three faces meet at a corner exactly when no two of them are opposite. The opposite pairs are "
                        + ", ".join(f"{a}–{b}" for a, b in pairs) + f", so only {correct} works.")
            inter = Interaction("highlight", f"Circle faces {', '.join(good)}.", interaction_code(self._rings(list(good))), good)
        params["choices_kind"] = ask
        return self.draft(node_ids=covered, render_code=code, question=question, answer=answer, answer_type="choice",
                          choices=choices, solution=solution, interactions=(inter,), elements=elements, difficulty=d,
                          params=params)

    @staticmethod
    def _rings(names: list[str]) -> str:
        return "".join(f"ax.add_patch(plt.Circle(P[{n!r}], 20, fill=False, color='red', lw=3))\n" for n in names)

    def rederive(self, draft: Draft) -> str:
        centres = {e.name: (math.floor(e.x), math.floor(e.y)) for e in draft.elements}
        names = sorted(centres)
        normals = fold([centres[n] for n in names])
        if normals is None:
            raise ValueError("the drawn squares do not fold into a cube")
        nrm = {n: normals[centres[n]] for n in names}

        def opposite(a, b):
            return nrm[a] == tuple(-c for c in nrm[b])

        ask = draft.params["ask"]
        if ask == "opposite":
            x = draft.params["x"]
            return choice_letter(draft.choices, next(m for m in names if opposite(x, m)))
        if ask == "pair":
            ok = [c for c in draft.choices if opposite(*c.split(" and "))]
            return choice_letter(draft.choices, ok[0]) if len(ok) == 1 else "?"
        if ask == "corner":
            ok = [c for c in draft.choices if not any(opposite(a, b) for a, b in itertools.combinations(c.split(", "), 2))]
            return choice_letter(draft.choices, ok[0]) if len(ok) == 1 else "?"
        raise ValueError(f"unknown ask {ask!r}")



# ==============================================================================================
# paper folding


FOLD_COUNT = _R + "paper_folding.holes_after_unfolding"
LAYERS = _R + "paper_folding.layers"
FOLD_REFLECT = _R + "paper_folding.fold_reflection"
HOLE_POS = _R + "paper_folding.hole_positions"


def _fmt(v: float) -> str:
    """A coordinate or length: whole numbers plainly, others to two decimals."""
    return str(int(round(v))) if abs(v - round(v)) < 1e-6 else fmt_dec(v, 2)


def _reflect(p, a, b) -> tuple[float, float]:
    """Mirror image of p in the line ab."""
    dx, dy = b[0] - a[0], b[1] - a[1]
    t = ((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / (dx * dx + dy * dy)
    fx, fy = a[0] + t * dx, a[1] + t * dy
    return (2 * fx - p[0], 2 * fy - p[1])


class PaperFolding(Family):
    """Square sheet ABCD on a grid with dashed fold lines (a midline, both midlines or the
    diagonal AC) and a punched hole H; asks how many holes the opened sheet has, how far apart
    the two holes are, or how far the hole nearest to side AB is from it."""

    name = "paper_fold_holes"
    givens = (ELEMENTS,)
    domain = DOMAIN
    node_ids = (FOLD_COUNT, LAYERS, FOLD_REFLECT, HOLE_POS)
    ASKS = {
        "count": frozenset({FOLD_COUNT, LAYERS}),
        "gap": frozenset({FOLD_REFLECT, HOLE_POS}),
        "near_side": frozenset({HOLE_POS, FOLD_COUNT}),
    }
    FOLDS = {"vertical": "the vertical dashed line", "horizontal": "the horizontal dashed line",
             "diagonal": "the dashed diagonal AC"}

    def create(self, rng: random.Random, node_ids, difficulty: int) -> Draft:
        d = clamp_difficulty(difficulty)
        ask, covered = pick_ask(rng, node_ids, self.ASKS, self.node_ids)
        S = rng.choice({1: [4, 6], 2: [6, 8], 3: [8, 10]}[d])
        m = S // 2
        if ask == "gap":
            folds = [rng.choice(["vertical", "horizontal"] + (["diagonal"] if d > 1 else []))]
        elif ask == "near_side":
            folds = ["vertical", "horizontal"]
        else:
            folds = rng.choice([["vertical"], ["horizontal"], ["vertical", "horizontal"], ["diagonal"]])
        while True:
            h = (rng.randint(1, S - 1), rng.randint(1, S - 1))
            if h[0] != m and h[1] != m and h[0] != h[1]:
                break
        cv = Canvas((-0.9, S + 0.9), (-0.9, S + 0.9), 400 / (S + 1.8), font=15)
        cv.fill([(0, 0), (S, 0), (S, S), (0, S)], "#f7fbff", z=0)
        for k in range(1, S):
            cv.line([(k, 0), (k, S)], color="#dadada", lw=0.8, z=1, obstacle=False)
            cv.line([(0, k), (S, k)], color="#dadada", lw=0.8, z=1, obstacle=False)
        cv.line([(0, 0), (S, 0), (S, S), (0, S), (0, 0)], lw=2.2, z=3)
        for f in folds:
            a, b = {"vertical": ((m, 0), (m, S)), "horizontal": ((0, m), (S, m)), "diagonal": ((0, 0), (S, S))}[f]
            cv.line([a, b], color="#2171b5", lw=2.2, ls="--", z=4)
        for n, p, role in (("A", (0, 0), "bottom-left corner"), ("B", (S, 0), "bottom-right corner"),
                           ("C", (S, S), "top-right corner"), ("D", (0, S), "top-left corner")):
            cv.dot(n, p, role=role, ms=5)
        cv.raw(f"ax.add_patch(plt.Circle(({h[0]}, {h[1]}), 0.2, facecolor='#252525', edgecolor='black', zorder=6))")
        cv.dot("H", h, role="punched hole", ms=3, color="#252525")
        code, elements = cv.build(ref=(S / 2, S / 2), refs={"H": (m, m)})
        params = {"ask": ask, "folds": folds}
        how = (f"The square sheet ABCD (grid squares of side 1) is folded in half along {self.FOLDS[folds[0]]}"
               + (f" and then in half again along {self.FOLDS[folds[1]]}" if len(folds) > 1 else "")
               + ", and a hole is punched through all the layers at H. The sheet is then opened out.")
        images = self._images(h, folds, S)
        if ask == "count":
            ans = str(2 ** len(folds))
            question = f"{how} How many holes does the opened sheet have?"
            solution = (f"Each fold in half doubles the layers: {len(folds)} fold{'s' if len(folds) > 1 else ''} give "
                        f"{2 ** len(folds)} layers, and the punch goes through every layer, so there are {ans} holes.")
        elif ask == "gap":
            q = images[1]
            gap = math.dist(h, q)
            ans = _fmt(gap)
            question = f"{how} How far apart are the two holes? Round to two decimal places if needed."
            solution = (f"Opening the fold reflects H in the fold line: H = ({h[0]}, {h[1]}) goes to "
                        f"({_fmt(q[0])}, {_fmt(q[1])}), so the holes are {ans} apart.")
        else:
            near = min(images, key=lambda p: p[1])
            ans = str(int(round(near[1])))
            question = f"{how} How far from side AB is the hole closest to AB?"
            solution = (f"Unfolding reflects H = ({h[0]}, {h[1]}) in both fold lines, giving holes at "
                        + ", ".join(f"({_fmt(p[0])}, {_fmt(p[1])})" for p in images)
                        + f". The one nearest AB is {ans} away from it.")
        inter = Interaction("highlight", "Mark the mirror images of H in the fold lines: the holes of the opened sheet.",
                            interaction_code(self._holes_code(folds)), ("H",))
        return self.draft(node_ids=covered, render_code=code, question=question, answer=ans, solution=solution,
                          interactions=(inter,), elements=elements, difficulty=d, params=params)

    @staticmethod
    def _images(h, folds, S) -> list[tuple[float, float]]:
        lines = {"vertical": ((S / 2, 0), (S / 2, S)), "horizontal": ((0, S / 2), (S, S / 2)), "diagonal": ((0, 0), (S, S))}
        pts = [tuple(map(float, h))]
        for f in folds:
            pts = pts + [_reflect(p, *lines[f]) for p in pts]
        return pts

    @staticmethod
    def _holes_code(folds) -> str:
        lines = {"vertical": "((P['A'][0] + P['B'][0]) / 2, P['A'][1]), ((P['A'][0] + P['B'][0]) / 2, P['D'][1])",
                 "horizontal": "(P['A'][0], (P['A'][1] + P['D'][1]) / 2), (P['B'][0], (P['A'][1] + P['D'][1]) / 2)",
                 "diagonal": "P['A'], P['C']"}
        out = ["def _mir(p, a, b):",
               "    dx, dy = b[0] - a[0], b[1] - a[1]",
               "    t = ((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / (dx * dx + dy * dy)",
               "    return (2 * (a[0] + t * dx) - p[0], 2 * (a[1] + t * dy) - p[1])",
               "_pts = [tuple(P['H'])]"]
        for f in folds:
            out.append(f"_pts = _pts + [_mir(p, {lines[f]}) for p in _pts]")
        out.append("for _p in _pts:")
        out.append("    ax.add_patch(plt.Circle(_p, 14, fill=False, color='red', lw=3))")
        return "\n".join(out) + "\n"

    def rederive(self, draft: Draft) -> str:
        p = draft.points()
        S = dist(p["A"], p["B"])
        lines = {"vertical": (((p["A"][0] + p["B"][0]) / 2, p["A"][1]), ((p["D"][0] + p["C"][0]) / 2, p["D"][1])),
                 "horizontal": ((p["A"][0], (p["A"][1] + p["D"][1]) / 2), (p["B"][0], (p["B"][1] + p["C"][1]) / 2)),
                 "diagonal": (p["A"], p["C"])}
        holes = [p["H"]]
        for f in draft.params["folds"]:
            holes = holes + [_reflect(q, *lines[f]) for q in holes]
        holes = list({(round(x, 6), round(y, 6)) for x, y in holes})
        ask = draft.params["ask"]
        if ask == "count":
            return str(len(holes))
        if ask == "gap":
            return _fmt(dist(holes[0], holes[1]))
        if ask == "near_side":
            return str(round(min(y - p["A"][1] for _, y in holes)))
        raise ValueError(f"unknown ask {ask!r} (side {S})")


# ==============================================================================================
# rotations and reflections on a grid


QUARTER = _R + "transformations.rotation_quarter_turn"
HALF = _R + "transformations.half_turn"
REFLECT = _R + "transformations.reflection_grid"

MOVES = {
    # name: (wording, image of (dx, dy) relative to O)
    "cw": ("a quarter turn clockwise about O", lambda dx, dy: (dy, -dx)),
    "ccw": ("a quarter turn anticlockwise about O", lambda dx, dy: (-dy, dx)),
    "half": ("a half turn about O", lambda dx, dy: (-dx, -dy)),
    "mirror_v": ("a reflection in the vertical grid line through O", lambda dx, dy: (-dx, dy)),
    "mirror_h": ("a reflection in the horizontal grid line through O", lambda dx, dy: (dx, -dy)),
}


def _seg_gap(p, a, b) -> float:
    dx, dy = b[0] - a[0], b[1] - a[1]
    t = max(0.0, min(1.0, ((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / (dx * dx + dy * dy)))
    return math.hypot(p[0] - a[0] - t * dx, p[1] - a[1] - t * dy)


class GridRotation(Family):
    """Triangle ABC and a point O on a coordinate grid; asks (choice) for the image of a vertex
    under a quarter turn, a half turn or a reflection in a grid line through O."""

    name = "grid_turns_reflections"
    givens = ("o", "a")
    domain = DOMAIN
    node_ids = (QUARTER, HALF, REFLECT)
    supports = frozenset({"sequential"})
    ASKS = {
        "cw": frozenset({QUARTER}),
        "ccw": frozenset({QUARTER}),
        "half": frozenset({HALF}),
        "mirror_v": frozenset({REFLECT}),
        "mirror_h": frozenset({REFLECT}),
    }

    def create(self, rng: random.Random, node_ids, difficulty: int) -> Draft:
        from pipelines.creators.common import GridFigure

        d = clamp_difficulty(difficulty)
        ask, covered = pick_ask(rng, node_ids, self.ASKS, self.node_ids)
        lim = {1: 4, 2: 5, 3: 6}[d]
        while True:
            o = (rng.randint(-1, 1), rng.randint(-1, 1)) if d > 1 else (0, 0)
            tri = [(rng.randint(-lim + 1, lim - 1), rng.randint(-lim + 1, lim - 1)) for _ in range(3)]
            area2 = abs((tri[1][0] - tri[0][0]) * (tri[2][1] - tri[0][1]) - (tri[2][0] - tri[0][0]) * (tri[1][1] - tri[0][1]))
            if area2 < 4 or o in tri or len(set(tri)) < 3:
                continue
            if min(_seg_gap(o, tri[i], tri[(i + 1) % 3]) for i in range(3)) < 0.7:  # O clear of the sides
                continue
            dx, dy = tri[0][0] - o[0], tri[0][1] - o[1]
            if dx == 0 or dy == 0 or abs(dx) == abs(dy):  # keep the candidate images distinct
                continue
            # every image of the triangle under every move stays on the grid
            if all(abs(o[0] + f(p[0] - o[0], p[1] - o[1])[0]) <= lim and abs(o[1] + f(p[0] - o[0], p[1] - o[1])[1]) <= lim
                   for _, f in MOVES.values() for p in tri):
                break
        fig = GridFigure((-lim, lim), (-lim, lim))
        if ask == "mirror_v":
            fig.polyline([(o[0], -lim), (o[0], lim)], color="#2171b5", lw=2.0, ls="--")
        elif ask == "mirror_h":
            fig.polyline([(-lim, o[1]), (lim, o[1])], color="#2171b5", lw=2.0, ls="--")
        fig.polyline(tri + [tri[0]], color="#d95f0e", lw=2.4)
        for n, p in zip("ABC", tri, strict=True):
            fig.point(n, p)
        fig.point("O", o)
        code, elements = fig.build()
        elements = tuple(e.__class__(e.name, e.kind, e.x, e.y, "centre of the turn" if e.name == "O" else "")
                         for e in elements)
        params = {"ask": ask, "o": list(o), "a": list(tri[0])}
        draft = self.draft(node_ids=covered, render_code=code, question="", answer="", solution="",
                           interactions=(), elements=elements, difficulty=d, params=params)
        return self._pose(draft, rng)

    SEQ = {"cw": ("seq_cw", ("cw", "cw")), "ccw": ("seq_ccw", ("ccw", "ccw")), "half": ("seq_half_cw", ("half", "cw")),
           "mirror_v": ("seq_vh", ("mirror_v", "mirror_h")), "mirror_h": ("seq_hv", ("mirror_h", "mirror_v"))}

    def _moves(self, ask: str) -> tuple[str, ...]:
        for base, (seq, moves) in self.SEQ.items():
            if ask == seq:
                return moves
        if ask in MOVES:
            return (ask,)
        raise ValueError(f"unknown ask {ask!r}")

    def _pose(self, draft: Draft, rng: random.Random) -> Draft:
        pr = draft.params
        ask = pr["ask"]
        (ox, oy), (ax_, ay) = pr["o"], pr["a"]
        dx, dy = ax_ - ox, ay - oy
        moves = self._moves(ask)
        ix, iy = dx, dy
        for mv in moves:
            ix, iy = MOVES[mv][1](ix, iy)
        img = (ox + ix, oy + iy)
        correct = f"({img[0]}, {img[1]})"
        cands = []
        for k in ("cw", "ccw", "half", "mirror_v", "mirror_h"):
            jx, jy = MOVES[k][1](dx, dy)
            cands.append(f"({ox + jx}, {oy + jy})")
        cands += [f"({img[1]}, {img[0]})", f"({-img[0]}, {img[1]})", f"({ax_}, {ay})"]
        choices, answer = make_choices(rng, correct, [c for c in dict.fromkeys(cands) if c != correct])
        rules = {"cw": "(x, y) → (y, −x)", "ccw": "(x, y) → (−y, x)", "half": "(x, y) → (−x, −y)",
                 "mirror_v": "(x, y) → (−x, y)", "mirror_h": "(x, y) → (x, −y)"}
        if len(moves) == 2:
            m1, m2 = moves
            mx, my = MOVES[m1][1](dx, dy)
            question = (f"Vertex A is moved by {MOVES[m1][0]}, and its image is then moved by {MOVES[m2][0]}. "
                        "Where does A end up?")
            solution = (f"Measured from O = ({ox}, {oy}), A is at ({dx}, {dy}). The first move ({rules[m1]}) gives "
                        f"({mx}, {my}); the second ({rules[m2]}) gives ({ix}, {iy}). So A ends at {correct}.")
        else:
            question = f"Triangle ABC is moved by {MOVES[ask][0]}. Where does vertex A go?"
            solution = (f"Measured from O = ({ox}, {oy}), A is at ({dx}, {dy}). The move sends {rules[ask]} relative to O, "
                        f"giving ({ix}, {iy}), so the image of A is {correct}.")
        inter = Interaction("auxiliary_line", "Draw the segment from O to A and its image after the move"
                            + ("s." if len(moves) > 1 else "."), interaction_code(self._image_code(moves)), ("O", "A"))
        return draft.replace(question=question, answer=answer, answer_type="choice", choices=choices, solution=solution,
                             interactions=draft.interactions + (inter,), params=dict(pr, choices=list(choices)))

    @staticmethod
    def _image_code(moves) -> str:
        # pixel y points down, so the data maps (x, y) -> (y, -x) etc. flip the sign of the pixel y parts
        pix = {"cw": "(-_iy, _ix)", "ccw": "(_iy, -_ix)", "half": "(-_ix, -_iy)", "mirror_v": "(-_ix, _iy)",
               "mirror_h": "(_ix, -_iy)"}
        code = "_ix, _iy = P['A'][0] - P['O'][0], P['A'][1] - P['O'][1]\n"
        for mv in moves:
            code += f"_ix, _iy = {pix[mv]}\n"
        return code + ("ax.plot([P['O'][0], P['A'][0]], [P['O'][1], P['A'][1]], color='red', ls='--', lw=2.2)\n"
                       "ax.plot([P['O'][0], P['O'][0] + _ix], [P['O'][1], P['O'][1] + _iy], color='red', lw=2.5)\n"
                       "ax.plot([P['O'][0] + _ix], [P['O'][1] + _iy], 'o', color='red', ms=9)\n")

    def expand_sequential(self, draft: Draft, rng: random.Random) -> Draft | None:
        """One move -> a second move applied to the image (e.g. two quarter turns make a half turn)."""
        seq = self.SEQ.get(draft.params["ask"])
        if seq is None:
            return None
        new = draft.replace(params=dict(draft.params, ask=seq[0], parent_answer=draft.answer))
        return self._pose(new, rng).replace(variant=seq[0], difficulty=draft.difficulty + 1)

    def rederive(self, draft: Draft) -> str:
        p = draft.points()
        o, a = (round(p["O"][0]), round(p["O"][1])), (round(p["A"][0]), round(p["A"][1]))
        dx, dy = a[0] - o[0], a[1] - o[1]
        for mv in self._moves(draft.params["ask"]):
            dx, dy = MOVES[mv][1](dx, dy)
        return choice_letter(draft.choices, f"({o[0] + dx}, {o[1] + dy})")


FAMILIES = [CubeStack(), CubeNet(), PaperFolding(), GridRotation()]
