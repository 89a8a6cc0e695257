"""Logic puzzle families: a 3 by 3 magic square with missing cells and an addition pyramid of
bricks with missing bricks.

The shown numbers are the element labels at the centres of their shaded cells or bricks, so
:meth:`rederive` places every element in the grid from its coordinates, reads its value from
the label, and solves the puzzle's linear equations (line sums / brick sums) for the cell X.
"""

from __future__ import annotations

import itertools
import random
from fractions import Fraction

from pipelines.creators.base import ELEMENTS, Draft, Element, Family, Interaction
from pipelines.creators.common import clamp_difficulty, fmt_frac, interaction_code, pick_ask
from pipelines.creators.families._f3kit import CellGrid, canvas, ix_boxes, listing, solve_linear, text
from pipelines.creators.style import FILL_SCHEMES, with_extra
from pipelines.creators.wording import Grammar

DOMAIN = "logic_puzzles"
_L = "logic_puzzles."
MAGIC_SUM = _L + "magic_squares.magic_sum"
FULL_LINE = _L + "magic_squares.full_line"
MISSING = _L + "magic_squares.missing_cell"
CENTRE = _L + "magic_squares.centre_value"
CHAIN = _L + "magic_squares.chain_solving"
SUM_RULE = _L + "number_pyramids.sum_rule"
BUILD_UP = _L + "number_pyramids.build_up"
WORK_DOWN = _L + "number_pyramids.work_down"
TOP_FROM_BASE = _L + "number_pyramids.top_from_base"
UNKNOWN_BASE = _L + "number_pyramids.unknown_in_base"


# ==============================================================================================
# magic square

LO_SHU = [[2, 7, 6], [9, 5, 1], [4, 3, 8]]
LINES = ([[(r, c) for c in range(3)] for r in range(3)] + [[(r, c) for r in range(3)] for c in range(3)]
         + [[(i, i) for i in range(3)], [(i, 2 - i) for i in range(3)]])
LINE_NAMES = ["top row", "middle row", "bottom row", "left column", "middle column", "right column",
              "diagonal from top left", "diagonal from top right"]


def _magic_solve(shown: dict[tuple[int, int], int], unknown: list[tuple[int, int]]) -> dict:
    """Cells (and "S", the magic sum) fixed by the line equations given the shown cells."""
    eqs = []
    for line in LINES:
        eq: dict = {"S": -1}
        const = Fraction(0)
        for p in line:
            if p in shown:
                const -= shown[p]
            else:
                eq[p] = eq.get(p, 0) + 1
        eqs.append((eq, const))
    return solve_linear(eqs)


MAGIC_TITLES = ("Magic square", "Magic 3 by 3 grid", "Equal sums", "Number square", "Lo Shu style square")
MAGIC_WORDING = Grammar({
    "rule": ["In the magic square every row, column and diagonal has the same sum.",
             "Each row, each column and both diagonals of this square add up to the same total.",
             "The grid is a magic square: all three rows, all three columns and the two diagonals share one sum.",
             "{story} Every row, column and diagonal adds up to the same number."],
    "story": ["Numbered tiles were arranged on a 3 by 3 board.", "Nine cards were laid out in a square.",
              "Garden beds in a 3 by 3 plot carry number signs.", "Stickers were placed on a tic-tac-toe grid."],
    "sum_q": ["{rule} What is that sum?", "{rule} Find the common sum.", "{rule} What total does every line share?",
              "{rule} Work out the magic sum from a complete line."],
    "missing_q": ["{rule} What number belongs in the cell marked X?", "{rule} Which number is hidden in cell X?",
                  "{rule} Find the value of X.", "{rule} One line through X has only X missing: what is X?"],
    "centre_q": ["{rule} What number belongs in the cell marked X?", "{rule} Find the centre cell X.",
                 "{rule} What value sits in the middle cell X?", "{rule} Use the magic sum to find X in the centre."],
    "chain_q": ["{rule} What number belongs in the cell marked X?", "{rule} Fill in other cells first, then find X.",
                "{rule} Find X; it may take more than one step.", "{rule} Which number must X be?"],
}, labels=("X",))


class MagicSquare(Family):
    """3 by 3 magic square with some cells blank and one cell X; asks for X (one line short),
    the magic sum, the centre X from the magic sum, or X that needs another cell first."""

    name = "magic_square"
    givens = (ELEMENTS,)
    domain = DOMAIN
    node_ids = (MAGIC_SUM, FULL_LINE, MISSING, CENTRE, CHAIN)
    ASKS = {
        "missing": frozenset({MISSING, FULL_LINE, MAGIC_SUM}),
        "sum": frozenset({MAGIC_SUM, FULL_LINE}),
        "centre": frozenset({CENTRE, MAGIC_SUM}),
        "chain": frozenset({CHAIN, MISSING}),
    }
    GRID = CellGrid([84, 84, 84], 84, 3, margin=20, title_h=34)

    def create(self, rng: random.Random, node_ids, difficulty: int) -> Draft:
        d = clamp_difficulty(difficulty)
        ask, covered = pick_ask(rng, node_ids, self.ASKS, self.node_ids)
        sq = [row[:] for row in LO_SHU]
        for _ in range(rng.randrange(4)):
            sq = [list(r) for r in zip(*sq[::-1], strict=True)]
        if rng.random() < 0.5:
            sq = [r[::-1] for r in sq]
        a, step = rng.randint(1, 6 * d), rng.randint(1, 2 + d)
        vals = {(r, c): a + step * (sq[r][c] - 1) for r in range(3) for c in range(3)}
        cells = list(vals)
        n_hidden = {"missing": 1 + d, "sum": 1 + d, "centre": 5, "chain": 3 + d // 2}[ask]
        for _ in range(5000):
            hidden = rng.sample(cells, n_hidden)
            x = None if ask == "sum" else ((1, 1) if ask == "centre" else rng.choice(hidden))
            if x == (1, 1) and ask != "centre":
                continue
            if self._fits(ask, vals, hidden, x):
                break
        else:  # pragma: no cover - the search space always contains a fit
            raise RuntimeError(f"magic_square: no layout for ask {ask!r}")
        params = {"ask": ask, "asked": list(x) if x else None, "hidden": [list(p) for p in hidden],
                  "sum": 3 * a + 12 * step}
        fills, title = rng.choice(sorted(FILL_SCHEMES)), rng.randrange(len(MAGIC_TITLES))
        code, elements = self._figure(vals, hidden, x, FILL_SCHEMES[fills], MAGIC_TITLES[title])
        draft = self.draft(node_ids=covered, render_code=code, question="", answer="", solution="",
                          interactions=(), elements=elements, difficulty=d, params=params)
        draft = with_extra(self._pose(draft, vals), fills=fills, title=str(title))
        question, tid = MAGIC_WORDING.expand(rng, "sum_q" if ask == "sum" else f"{ask}_q", total=params["sum"])
        return draft.replace(question=question, template_id=f"{self.name}.{ask}.{tid}")

    @staticmethod
    def _fits(ask, vals, hidden, x) -> bool:
        shown = {p: v for p, v in vals.items() if p not in hidden}
        full = [i for i, line in enumerate(LINES) if all(p in shown for p in line)]
        if not full:
            return False
        if ask == "sum":
            return True
        through = [line for line in LINES if x in line]
        alone = [line for line in through if sum(p not in shown for p in line) == 1]
        solved = _magic_solve(shown, hidden)
        if x not in solved:
            return False
        if ask == "missing":
            return bool(alone)
        return not alone  # centre and chain: no line through X is one cell short

    def _figure(self, vals, hidden, x, fills=FILL_SCHEMES["blue"], title="Magic square"
                ) -> tuple[str, tuple[Element, ...]]:
        shown_fill, asked_fill, blank_fill, _ = fills
        g = self.GRID
        lines = g.prologue(title, title_size=13)
        elements = []
        for (r, c), v in sorted(vals.items()):
            cx, cy = g.centre(r, c)
            if (r, c) == x:
                lines.append(g.fill(r, c, asked_fill))
                lines.append(text(cx, cy, "X", size=20, weight="bold"))
                elements.append(Element("X", "label", cx, cy, "asked cell"))
            elif (r, c) in hidden:
                lines.append(g.fill(r, c, blank_fill))
            else:
                lines.append(g.fill(r, c, shown_fill))
                lines.append(text(cx, cy, str(v), size=20))
                elements.append(Element(str(v), "label", cx, cy, ""))
        lines += g.rules(lw=2.0)
        return "\n".join(lines) + "\n", tuple(elements)

    def _pose(self, draft: Draft, vals) -> Draft:
        pr = draft.params
        hidden = [tuple(p) for p in pr["hidden"]]
        shown = {p: v for p, v in vals.items() if p not in hidden}
        s = pr["sum"]
        full = next(i for i, line in enumerate(LINES) if all(p in shown for p in line))
        full_vals = [shown[p] for p in LINES[full]]
        sum_step = f"The {LINE_NAMES[full]} is complete: {' + '.join(map(str, full_vals))} = {s}, the magic sum."
        name_of = {p: str(v) for p, v in shown.items()}
        ask = pr["ask"]
        intro = "In the magic square every row, column and diagonal has the same sum."
        if ask == "sum":
            question = f"{intro} What is that sum?"
            answer = str(s)
            solution = sum_step
            marks = [name_of[p] for p in LINES[full]]
        else:
            x = tuple(pr["asked"])
            answer = str(vals[x])
            question = f"{intro} What number belongs in the cell marked X?"
            if ask == "missing":
                line = next(i for i, ln in enumerate(LINES) if x in ln and sum(p not in shown for p in ln) == 1)
                others = [shown[p] for p in LINES[line] if p != x]
                solution = (f"{sum_step} The {LINE_NAMES[line]} contains X and {listing([str(o) for o in others])}, "
                            f"so X = {s} − {' − '.join(map(str, others))} = {answer}.")
                marks = ["X"] + [name_of[p] for p in LINES[line] if p != x]
            elif ask == "centre":
                solution = (f"{sum_step} The centre of a 3 by 3 magic square is one third of the magic sum, "
                            f"so X = {s}/3 = {answer}.")
                marks = ["X"] + [name_of[p] for p in LINES[full]]
            else:
                # find a blank cell that completes a line, then a line through X
                for p, line_i in itertools.product(hidden, range(8)):
                    ln = LINES[line_i]
                    if p != x and p in ln and all(q in shown for q in ln if q != p):
                        first, first_line = p, line_i
                        break
                else:
                    first, first_line = None, None
                if first is not None:
                    fv = vals[first]
                    others = [shown[q] for q in LINES[first_line] if q != first]
                    solution = (f"{sum_step} No line through X is one cell short yet. The {LINE_NAMES[first_line]} "
                                f"gives its blank cell {s} − {' − '.join(map(str, others))} = {fv}; filling cells this "
                                f"way until a line through X has only X left gives X = {answer}.")
                else:
                    solution = (f"{sum_step} Writing each line through the blank cells as a sum equal to {s} and "
                                f"solving the equations cell by cell gives X = {answer}.")
                marks = ["X"] + [name_of[p] for p in LINES[full]][:1]
        ix = Interaction("highlight", f"Shade the cells {listing(marks)} that this step adds up.",
                         interaction_code(ix_boxes(marks, 36, 36)), tuple(marks))
        return draft.replace(question=question, answer=answer, solution=solution, interactions=(ix,))

    def rederive(self, draft: Draft) -> str:
        g = self.GRID
        shown, x = {}, None
        for e in draft.elements:
            p = g.locate(e.x, e.y)
            if e.name == "X":
                x = p
            else:
                shown[p] = int(e.name)
        solved = _magic_solve(shown, [p for p in itertools.product(range(3), range(3)) if p not in shown])
        if draft.params["ask"] == "sum":
            return fmt_frac(solved["S"])
        return fmt_frac(solved[x])


# ==============================================================================================
# number pyramid

BW, BH = 90, 46  # brick size in pixels
PYR_W = 400  # canvas width: the pyramid is centred in it


PYRAMID_TITLES = ("Each brick is the sum of the two below it", "Brick = sum of the two bricks below",
                  "Add two neighbours to get the brick above", "Number wall: add the pairs", "Addition pyramid")
PYRAMID_WORDING = Grammar({
    "rule": ["In the number pyramid each brick is the sum of the two bricks directly below it.",
             "Every brick of this addition pyramid holds the sum of the two bricks it rests on.",
             "The {rows}-row pyramid is built so that each brick equals the total of the two bricks beneath it.",
             "Adding two neighbouring bricks gives the brick that sits on top of them.",
             "{story} Each block shows the sum of the two blocks under it."],
    "story": ["Children stacked numbered blocks into a wall.", "Numbered crates are stacked in a warehouse.",
              "Cans in a shop display are labelled with numbers.", "Mia builds a tower of number bricks.",
              "Hay bales on a farm are stacked and numbered."],
    "top_q": ["{rule} What number is X?", "{rule} Which number goes in the top brick X?",
              "{rule} Find the value of the top brick X.", "{rule} Work upwards row by row: what is X?"],
    "top_formula_q": ["{rule} What number is X?", "{rule} Which number is at the top, in brick X?",
                      "{rule} Without filling every brick, find the top brick X.",
                      "{rule} Find X from the bottom row alone."],
    "down_q": ["{rule} What number is X?", "{rule} Find the missing brick X.",
               "{rule} Work downwards: which number is X?", "{rule} Which number is hidden under the label X?"],
    "base_q": ["{rule} What number is X?", "{rule} Which number belongs in the bottom brick X?",
               "{rule} Find the missing base brick X.", "{rule} The top is known; what is the base brick X?"],
}, labels=("X",))


class NumberPyramid(Family):
    """Addition pyramid (each brick is the sum of the two below) with some bricks blank and
    one brick X; asks for the top, a lower brick working down, or an unknown base brick."""

    name = "number_pyramid"
    givens = (ELEMENTS,)
    domain = DOMAIN
    node_ids = (SUM_RULE, BUILD_UP, WORK_DOWN, TOP_FROM_BASE, UNKNOWN_BASE)
    ASKS = {
        "top": frozenset({SUM_RULE, BUILD_UP}),
        "down": frozenset({SUM_RULE, WORK_DOWN}),
        "top_formula": frozenset({TOP_FROM_BASE, BUILD_UP}),
        "base": frozenset({UNKNOWN_BASE, TOP_FROM_BASE}),
    }

    def create(self, rng: random.Random, node_ids, difficulty: int) -> Draft:
        d = clamp_difficulty(difficulty)
        ask, covered = pick_ask(rng, node_ids, self.ASKS, self.node_ids)
        rows = 3 if (d == 1 or ask in ("top_formula", "base")) else 4
        bricks = [(i, j) for i in range(rows) for j in range(rows - i)]
        top = (rows - 1, 0)
        for _ in range(5000):
            base = [rng.randint(1, 6 + 6 * d) for _ in range(rows)]
            val = self._build(base)
            if ask == "top":
                x = top
                hidden = [x] + rng.sample([b for b in bricks if 0 < b[0] < rows - 1], min(d - 1, rows - 2))
            elif ask == "top_formula":
                x = top
                hidden = [x] + [b for b in bricks if b[0] == 1]
            elif ask == "base":
                x = (0, rng.randrange(rows))
                hidden = [x] + [b for b in bricks if b[0] == 1]
            else:
                x = rng.choice([b for b in bricks if b != top])
                parents = [p for p in ((x[0] + 1, x[1] - 1), (x[0] + 1, x[1])) if p in val]
                parent = rng.choice(parents)
                sibling = (x[0], parent[1] + 1) if parent[1] == x[1] else (x[0], parent[1])
                keep = {parent, sibling}
                pool = [b for b in bricks if b not in keep and b != x]
                hidden = [x] + rng.sample(pool, min(d, len(pool)))
            shown = [val[b] for b in bricks if b not in hidden]
            if len(set(shown)) == len(shown) and self._solves(rows, {b: val[b] for b in bricks if b not in hidden}, x):
                break
        else:  # pragma: no cover
            raise RuntimeError(f"number_pyramid: no layout for ask {ask!r}")
        params = {"ask": ask, "rows": rows, "asked": list(x), "hidden": [list(b) for b in hidden]}
        if ask == "down":
            params["parent"], params["sibling"] = list(parent), list(sibling)
        fills, title = rng.choice(sorted(FILL_SCHEMES)), rng.randrange(len(PYRAMID_TITLES))
        code, elements = self._figure(rows, val, hidden, x, FILL_SCHEMES[fills], PYRAMID_TITLES[title])
        draft = self.draft(node_ids=covered, render_code=code, question="", answer="", solution="",
                          interactions=(), elements=elements, difficulty=d, params=params)
        draft = with_extra(self._pose(draft, val), fills=fills, title=str(title))
        question, tid = PYRAMID_WORDING.expand(rng, f"{ask}_q", rows=rows)
        return draft.replace(question=question, template_id=f"{self.name}.{ask}.{tid}")

    @staticmethod
    def _build(base: list[int]) -> dict[tuple[int, int], int]:
        val = {(0, j): v for j, v in enumerate(base)}
        for i in range(1, len(base)):
            for j in range(len(base) - i):
                val[(i, j)] = val[(i - 1, j)] + val[(i - 1, j + 1)]
        return val

    @staticmethod
    def _equations(rows: int, shown: dict) -> list:
        """brick(i, j) - brick(i-1, j) - brick(i-1, j+1) = 0 with the shown bricks moved right."""
        eqs = []
        for i in range(1, rows):
            for j in range(rows - i):
                eq, const = {}, Fraction(0)
                for p, k in (((i, j), 1), ((i - 1, j), -1), ((i - 1, j + 1), -1)):
                    if p in shown:
                        const -= k * shown[p]
                    else:
                        eq[p] = eq.get(p, 0) + k
                eqs.append((eq, const))
        return eqs

    def _solves(self, rows: int, shown: dict, x) -> bool:
        try:
            return x in solve_linear(self._equations(rows, shown))
        except ValueError:
            return False

    @staticmethod
    def _centre(rows: int, i: int, j: int) -> tuple[float, float]:
        x0 = (PYR_W - rows * BW) / 2 + BW / 2
        return (x0 + (j + i / 2) * BW, 20 + BH / 2 + i * BH)

    def _figure(self, rows, val, hidden, x, fills=FILL_SCHEMES["blue"],
                title="Each brick is the sum of the two below it") -> tuple[str, tuple[Element, ...]]:
        shown_fill, asked_fill, blank_fill, edge = fills
        W, H = PYR_W, 40 + rows * BH + 36
        lines = canvas(W / 100, H / 100, (0, W), (0, H))
        lines.append(text(W / 2, H - 26, title, size=11, weight="bold"))
        elements = []
        for (i, j), v in sorted(val.items()):
            cx, cy = self._centre(rows, i, j)
            fill = asked_fill if (i, j) == x else (blank_fill if (i, j) in hidden else shown_fill)
            lines.append(f"ax.add_patch(plt.Rectangle(({cx - BW / 2}, {cy - BH / 2}), {BW}, {BH}, facecolor='{fill}', "
                         f"edgecolor='{edge}', lw=1.8, zorder=1))")
            if (i, j) == x:
                lines.append(text(cx, cy, "X", size=17, weight="bold"))
                elements.append(Element("X", "label", cx, cy, "asked brick"))
            elif (i, j) not in hidden:
                lines.append(text(cx, cy, str(v), size=16))
                role = "top brick" if i == rows - 1 else ""
                elements.append(Element(str(v), "label", cx, cy, role))
        return "\n".join(lines) + "\n", tuple(elements)

    def _pose(self, draft: Draft, val) -> Draft:
        pr = draft.params
        rows, ask = pr["rows"], pr["ask"]
        x = tuple(pr["asked"])
        hidden = [tuple(b) for b in pr["hidden"]]
        name = {b: ("X" if b == x else str(v)) for b, v in val.items() if b not in hidden or b == x}
        answer = str(val[x])
        question = "In the number pyramid each brick is the sum of the two bricks directly below it. What number is X?"
        base = [val[(0, j)] for j in range(rows)]
        if ask == "top":
            steps = "; ".join(
                f"row {i + 1}: " + ", ".join(f"{val[(i - 1, j)]} + {val[(i - 1, j + 1)]} = {val[(i, j)]}" for j in range(rows - i))
                for i in range(1, rows))
            solution = f"Build up from the base {', '.join(map(str, base))}: {steps}. So X = {answer}."
            marks = ["X"] + [name[(0, j)] for j in range(rows)][:2]
        elif ask == "top_formula":
            solution = (f"With base a, b, c the middle bricks are a + b and b + c, so the top is a + 2b + c = "
                        f"{base[0]} + 2 × {base[1]} + {base[2]} = {answer}.")
            marks = ["X", name[(0, 1)]]
        elif ask == "base":
            top = val[(rows - 1, 0)]
            j = x[1]
            weights = [1, 2, 1]
            known = " + ".join(f"{weights[k]} × {base[k]}" for k in range(3) if k != j)
            solution = (f"The top equals a + 2b + c for the base a, b, c, so {top} = {known} + {weights[j]} × X, "
                        f"giving X = {answer}.")
            marks = ["X", name[(rows - 1, 0)]]
        else:
            parent, sibling = tuple(pr["parent"]), tuple(pr["sibling"])
            solution = (f"The brick {val[parent]} sits on X and {val[sibling]}, so X = {val[parent]} − {val[sibling]} = {answer}.")
            marks = ["X", name[parent], name[sibling]]
        ix = Interaction("highlight", f"Shade the bricks {listing(marks)} used in the step.",
                         interaction_code(ix_boxes(marks, BW / 2 - 4, BH / 2 - 4)), tuple(marks))
        return draft.replace(question=question, answer=answer, solution=solution, interactions=(ix,))

    def rederive(self, draft: Draft) -> str:
        rows = draft.params["rows"]
        shown, x = {}, None
        for e in draft.elements:
            i = round((e.y - 20 - BH / 2) / BH)
            j = round((e.x - (PYR_W - rows * BW) / 2 - BW / 2) / BW - i / 2)
            if e.name == "X":
                x = (i, j)
            else:
                shown[(i, j)] = int(e.name)
        return fmt_frac(solve_linear(self._equations(rows, shown))[x])


FAMILIES = [MagicSquare(), NumberPyramid()]
