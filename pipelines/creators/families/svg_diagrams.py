"""SVG families of set, table, number-line and logic diagrams (rendered by cairosvg).

Each figure is an SVG document whose viewBox is its pixel grid; elements carry the coordinates
written into the document. :meth:`rederive` reads the figure back from those coordinates: the
Venn region of each count from the circles, the table cell of each value from the grid, the value
of each number-line point from the tick scale, and the gate each wire feeds from the wire ends.
"""

from __future__ import annotations

import math
import random
from fractions import Fraction

from pipelines.creators.base import ELEMENTS, Draft, Family, Interaction
from pipelines.creators.common import (
    choice_letter,
    clamp_difficulty,
    fmt_dec,
    fmt_frac,
    fraction_note,
    interaction_code,
    ix_highlight,
    pick_ask,
)
from pipelines.creators.families._f3kit import ix_boxes, ix_rings, listing
from pipelines.creators.families._svgkit import ACCENT, GOLD, INK, MUTED, SERIF, SOFT, TEAL, ParallelSum, Svg, svg_draft


# ==============================================================================================
# Venn diagram with region counts

_V = "venn_sets."
V_CARD, V_REGION, V_UNION, V_INTER = _V + "sets.cardinality", _V + "counting.region_counts", _V + "operations.union", \
    _V + "operations.intersection"
V_DIFF, V_COMP, V_NEITHER, V_TOTAL = _V + "operations.difference", _V + "operations.complement", \
    _V + "operations.neither", _V + "counting.total_in_diagram"
V_UNIV, V_ONE, V_PROB, V_MISSING = _V + "sets.universal_set", _V + "operations.exactly_one", \
    _V + "counting.venn_probability", _V + "counting.missing_region"
V_IE, V_THREE, V_TWO, V_ATL2, V_ONLY1, V_IE3 = _V + "counting.inclusion_exclusion", _V + "three_sets.regions", \
    _V + "three_sets.exactly_two", _V + "three_sets.at_least_two", _V + "three_sets.only_one", \
    _V + "three_sets.inclusion_exclusion"

VENN = {
    2: {"centres": {"A": (200, 195), "B": (320, 195)}, "r": 110,
        "at": {"A": (140, 195), "B": (380, 195), "AB": (260, 195), "": (462, 362)}},
    3: {"centres": {"A": (210, 160), "B": (310, 160), "C": (260, 245)}, "r": 95,
        "at": {"A": (165, 125), "B": (355, 125), "C": (260, 300), "AB": (260, 120), "AC": (212, 222),
               "BC": (308, 222), "ABC": (260, 185), "": (462, 362)}},
}
VENN_ASKS = {
    "in_a": (lambda k: "A" in k, "in set A"),
    "union": (lambda k: "A" in k or "B" in k, "in set A or set B (or both)"),
    "both": (lambda k: "A" in k and "B" in k, "in both set A and set B"),
    "a_not_b": (lambda k: "A" in k and "B" not in k, "in set A but not in set B"),
    "neither": (lambda k: "A" not in k and "B" not in k, "in neither set A nor set B"),
    "total": (lambda k: True, "in the universal set shown by the rectangle"),
    "exactly_one": (lambda k: ("A" in k) != ("B" in k), "in exactly one of the sets A and B"),
    "prob_both": (lambda k: "A" in k and "B" in k, ""),
    "missing": (lambda k: k == "?", ""),
    "exactly_two": (lambda k: len(k) == 2, "in exactly two of the sets A, B and C"),
    "at_least_two": (lambda k: len(k) >= 2, "in at least two of the sets A, B and C"),
    "only_one3": (lambda k: len(k) == 1, "in exactly one of the sets A, B and C"),
    "union3": (lambda k: k != "", "in at least one of the sets A, B and C"),
    "ab_not_c": (lambda k: k == "AB", "in sets A and B but not in set C"),
}
VENN_THEMES = [("members", "set A holds the members who swim, set B those who cycle", "set C those who run"),
               ("pupils", "set A holds the pupils who study French, set B those who study music", "set C those in the choir"),
               ("shoppers", "set A holds the shoppers who bought fruit, set B those who bought bread", "set C those who bought milk")]


def venn_region(x: float, y: float, n: int) -> str:
    """The sets whose circles contain (x, y), e.g. "AC" ("" outside every circle)."""
    spec = VENN[n]
    return "".join(s for s, (cx, cy) in spec["centres"].items() if math.hypot(x - cx, y - cy) < spec["r"])


class SvgVennCounts(ParallelSum, Family):
    """Two- or three-set Venn diagram drawn in SVG, a count in every region; asks for a set, a
    union, an intersection, a difference, the complement, exactly/at least some sets, the
    universal total, a probability or a missing region from the total."""

    name = "svg_venn_counts"

    givens = (ELEMENTS,)  # everything is read off the figure
    domain = "venn_sets"
    node_ids = (V_CARD, V_REGION, V_UNION, V_INTER, V_DIFF, V_COMP, V_NEITHER, V_TOTAL, V_UNIV, V_ONE, V_PROB,
                V_MISSING, V_IE, V_THREE, V_TWO, V_ATL2, V_ONLY1, V_IE3)
    ASKS = {
        "in_a": frozenset({V_CARD, V_REGION}), "union": frozenset({V_UNION, V_IE}),
        "both": frozenset({V_INTER, V_REGION}), "a_not_b": frozenset({V_DIFF, V_REGION}),
        "neither": frozenset({V_NEITHER, V_COMP}), "total": frozenset({V_TOTAL, V_UNIV}),
        "exactly_one": frozenset({V_ONE}), "prob_both": frozenset({V_PROB, V_INTER}),
        "missing": frozenset({V_MISSING, V_TOTAL}), "exactly_two": frozenset({V_TWO, V_THREE}),
        "at_least_two": frozenset({V_ATL2, V_THREE}), "only_one3": frozenset({V_ONLY1, V_THREE}),
        "union3": frozenset({V_IE3, V_THREE}), "ab_not_c": frozenset({V_THREE, V_REGION}),
    }
    supports = frozenset({"parallel"})
    PAR = {"in_a": ("both", "total"), "union": ("both", "neither"), "both": ("in_a", "total"), "a_not_b": ("both",),
           "neither": ("union",), "total": ("both",), "exactly_one": ("both",), "exactly_two": ("union3",),
           "at_least_two": ("only_one3",), "only_one3": ("at_least_two",), "union3": ("exactly_two",),
           "ab_not_c": ("union3",)}
    PAR_WORDS = {"both": "how many are in both set A and set B", "total": "how many are in the universal set",
                 "in_a": "how many are in set A", "neither": "how many are in neither set A nor set B",
                 "union": "how many are in set A or set B", "union3": "how many are in at least one of the three sets",
                 "only_one3": "how many are in exactly one of the three sets",
                 "at_least_two": "how many are in at least two of the three sets",
                 "exactly_two": "how many are in exactly two of the three sets"}

    def create(self, rng: random.Random, node_ids, difficulty: int) -> Draft:
        d = clamp_difficulty(difficulty)
        ask, covered = pick_ask(rng, node_ids, self.ASKS, self.node_ids)
        n = 3 if ask in ("exactly_two", "at_least_two", "only_one3", "union3", "ab_not_c") else 2
        spec = VENN[n]
        hi = {1: 15, 2: 30, 3: 60}[d]
        keys = list(spec["at"])
        while True:
            counts = {k: rng.randint(1, hi) for k in keys}
            if ask == "prob_both":
                counts[""] += rng.choice([40, 50, 60, 80, 100]) - sum(counts.values())
                if counts[""] < 1:
                    continue
            if len(set(counts.values())) == len(counts):
                break
        hidden = rng.choice([k for k in keys if k]) if ask == "missing" else None
        s = Svg(520, 400)
        s.rect(18, 18, 484, 368, fill="#fffefb", stroke=INK, width=2.2, rx=10)
        s.text(40, 42, "U", size=18, family=SERIF, style="italic", fill=MUTED)
        for i, (name, (cx, cy)) in enumerate(spec["centres"].items()):
            s.circle(cx, cy, spec["r"], fill=SOFT[i], stroke="none", width=0, opacity=0.75)
        angle = {"A": 135, "B": 45, "C": 270}
        for name, (cx, cy) in spec["centres"].items():
            s.circle(cx, cy, spec["r"], stroke=INK, width=2.4)
            t = math.radians(angle[name])
            px, py = cx + spec["r"] * math.cos(t), cy - spec["r"] * math.sin(t)
            off = 20
            s.dot(name, round(px, 2), round(py, 2), round(off * math.cos(t), 2), round(-off * math.sin(t), 2),
                  role={"A": "label of the left circle", "B": "label of the right circle",
                        "C": "label of the bottom circle"}[name])
        for k, (x, y) in spec["at"].items():
            label = "?" if k == hidden else str(counts[k])
            s.text(x, y, label, size=19, weight="bold", fill=ACCENT if k == hidden else INK)
            if k != hidden:
                s.element(label, x, y, "label", "outside every circle" if k == "" else "")
        code, elements = s.build()
        params = {"ask": ask, "n": n, "theme": rng.randrange(len(VENN_THEMES))}
        if hidden is not None:
            params["total"] = sum(counts.values())
            params["hidden"] = hidden
        draft = svg_draft(self, node_ids=covered, render_code=code, question="", answer="", solution="",
                           interactions=(), elements=elements, difficulty=d, params=params)
        return self._pose(draft)

    def _counts(self, draft: Draft) -> dict[str, int]:
        n = draft.params["n"]
        return {venn_region(e.x, e.y, n): int(e.name) for e in draft.elements if e.name.isdigit()}

    def _value(self, draft: Draft) -> tuple[str, list[str]]:
        counts = self._counts(draft)
        pr = draft.params
        ask = pr["ask"]
        if ask == "missing":
            return str(pr["total"] - sum(counts.values())), [str(v) for v in counts.values()]
        pred = VENN_ASKS[ask][0]
        used = [k for k in counts if pred(k)]
        value = sum(counts[k] for k in used)
        if ask == "prob_both":
            return fmt_frac(Fraction(value, sum(counts.values()))), [str(counts[k]) for k in used]
        return str(value), [str(counts[k]) for k in used]

    def _pose(self, draft: Draft) -> Draft:
        pr = draft.params
        n, ask = pr["n"], pr["ask"]
        noun, two, three = VENN_THEMES[pr["theme"]]
        intro = f"In the Venn diagram of {noun}, {two}" + (f", and {three}." if n == 3 else ".")
        answer, used = self._value(draft)
        if ask == "prob_both":
            question = (f"{intro} One of them is chosen at random. What is the probability that it is in both set A "
                        f"and set B? {fraction_note()}")
            solution = (f"All the regions add up to {sum(self._counts(draft).values())}; the overlap of A and B holds "
                        f"{' + '.join(used)}, so the probability is {answer}.")
        elif ask == "missing":
            question = (f"{intro} There are {pr['total']} {noun} in the universal set altogether. What number belongs "
                        f"in the region marked with a question mark?")
            solution = f"The shown regions add up to {' + '.join(used)}; {pr['total']} minus that sum is {answer}."
        else:
            question = f"{intro} How many {noun} are {VENN_ASKS[ask][1]}?"
            solution = f"Add the regions that qualify: {' + '.join(used)} = {answer}."
        marks = used or [e.name for e in draft.elements if e.name.isdigit()][:1]
        ix = Interaction("highlight", f"Circle the region counts {listing(marks)} that the question needs.",
                         interaction_code(ix_rings(marks, color=ACCENT, r=19)), tuple(marks))
        return draft.replace(question=question, answer=answer, solution=solution, interactions=(ix,))


# ==============================================================================================
# a data table

_T = "tables."
T_ROW, T_COL, T_GRAND, T_MEAN = _T + "combining.row_total", _T + "combining.column_total", \
    _T + "combining.grand_total", _T + "combining.mean_of_row"
T_SEL, T_EXT, T_CMP, T_LOCATE = _T + "combining.sum_of_selected_cells", _T + "reading.extreme_cell", \
    _T + "reading.compare_cells", _T + "reading.locate_cell"
T_HEAD, T_PROW, T_SHARE, T_BARS = _T + "reading.row_column_headers", _T + "percentages.percent_of_row", \
    _T + "percentages.share_comparison", _T + "reading.data_bars"
TABLE_THEMES = [("Visitors to the museum", "visitors", ["Mon", "Tue", "Wed", "Thu"], ["Adults", "Children", "Seniors"]),
                ("Books sold by the shop", "books", ["Week 1", "Week 2", "Week 3", "Week 4"], ["Novels", "Comics", "Atlases"]),
                ("Points scored by team", "points", ["Game 1", "Game 2", "Game 3", "Game 4"], ["Reds", "Blues", "Greens"]),
                ("Trees planted by class", "trees", ["March", "April", "May", "June"], ["Oak", "Birch", "Pine"])]
COL_W, ROW_H, HEAD_W, X0, Y0 = 92, 44, 120, 20, 70


class SvgDataTable(ParallelSum, Family):
    """A table of counts drawn in SVG (rows = groups, columns = periods), optional in-cell bars;
    asks for a row or column total, the grand total, a row mean, the largest entry, the
    difference between two cells, the sum of highlighted cells or a percentage of a row."""

    name = "svg_data_table"

    givens = (ELEMENTS,)  # everything is read off the figure
    domain = "tables"
    node_ids = (T_ROW, T_COL, T_GRAND, T_MEAN, T_SEL, T_EXT, T_CMP, T_LOCATE, T_HEAD, T_PROW, T_SHARE, T_BARS)
    ASKS = {"row_total": frozenset({T_ROW, T_HEAD}), "col_total": frozenset({T_COL, T_HEAD}),
            "grand": frozenset({T_GRAND}), "mean": frozenset({T_MEAN}), "largest": frozenset({T_EXT, T_BARS}),
            "difference": frozenset({T_CMP, T_LOCATE}), "selected": frozenset({T_SEL, T_LOCATE}),
            "percent_row": frozenset({T_PROW, T_SHARE})}
    supports = frozenset({"parallel"})
    PAR = {"row_total": ("grand",), "col_total": ("grand",), "grand": ("largest",), "largest": ("grand",),
           "difference": ("largest",), "selected": ("largest",)}
    PAR_WORDS = {"grand": "the total of every entry in the table", "largest": "the largest single entry"}

    def create(self, rng: random.Random, node_ids, difficulty: int) -> Draft:
        d = clamp_difficulty(difficulty)
        ask, covered = pick_ask(rng, node_ids, self.ASKS, self.node_ids)
        ti = rng.randrange(len(TABLE_THEMES))
        title, noun, cols, rows = TABLE_THEMES[ti]
        nc = 3 if d == 1 else 4
        hi = {1: 30, 2: 60, 3: 99}[d]
        r0 = 0
        while True:
            vals = [[rng.randint(2, hi) for _ in range(nc)] for _ in rows]
            if ask == "percent_row":
                r0 = rng.randrange(len(rows))
                head = sum(vals[r0][:-1])
                vals[r0][-1] = next(t for t in (50, 100, 200, 400) if t - head >= 2) - head
            flat = [v for r in vals for v in r]
            if len(set(flat)) != len(flat):
                continue
            if ask == "mean" and any(sum(r) % nc for r in vals):
                continue
            break
        bars = ask == "largest"
        s = Svg(X0 * 2 + HEAD_W + COL_W * nc, Y0 + ROW_H * (len(rows) + 1) + 20)
        s.text(s.w / 2, 36, title, size=20, family=SERIF, weight="bold")
        s.rect(X0, Y0, HEAD_W + COL_W * nc, ROW_H * (len(rows) + 1), fill="#fffefb", stroke=INK, width=2, rx=6)
        s.rect(X0, Y0, HEAD_W + COL_W * nc, ROW_H, fill=SOFT[0], stroke="none", width=0)
        for c in range(nc):
            s.text(X0 + HEAD_W + COL_W * (c + 0.5), Y0 + ROW_H / 2, cols[c], size=15, weight="bold")
        elements_rc = {}
        for r, row in enumerate(rows):
            y = Y0 + ROW_H * (r + 1)
            s.line(X0, y, X0 + HEAD_W + COL_W * nc, y, stroke=MUTED, width=1.2)
            s.text(X0 + 12, y + ROW_H / 2, row, size=15, anchor="start", weight="bold", fill=TEAL)
            for c in range(nc):
                cx, cy = X0 + HEAD_W + COL_W * (c + 0.5), y + ROW_H / 2
                if bars:
                    s.rect(cx - COL_W / 2 + 6, cy + 9, (COL_W - 12) * vals[r][c] / hi, 6, fill=GOLD, stroke="none", width=0)
                s.text(cx, cy - (4 if bars else 0), str(vals[r][c]), size=17)
                s.element(str(vals[r][c]), cx, cy - (4 if bars else 0), "label")
                elements_rc[(r, c)] = str(vals[r][c])
        for c in range(nc + 1):
            x = X0 + HEAD_W + COL_W * c
            s.line(x, Y0, x, Y0 + ROW_H * (len(rows) + 1), stroke=MUTED, width=1.2)
        code, elements = s.build()
        params = {"ask": ask, "theme": ti, "nc": nc}
        if ask in ("row_total", "mean", "percent_row"):
            params["row"] = r0 if ask == "percent_row" else rng.randrange(len(rows))
            if ask == "percent_row":
                params["col"] = rng.randrange(nc)
        elif ask == "col_total":
            params["col"] = rng.randrange(nc)
        elif ask in ("difference", "selected"):
            cells = rng.sample(sorted(elements_rc), 2 if ask == "difference" else 3)
            params["cells"] = [list(c) for c in cells]
        draft = svg_draft(self, node_ids=covered, render_code=code, question="", answer="", solution="",
                           interactions=(), elements=elements, difficulty=d, params=params)
        return self._pose(draft)

    def _grid(self, draft: Draft) -> dict[tuple[int, int], tuple[int, str]]:
        """(row, col) -> (value, element name), located from each element's coordinates."""
        out = {}
        for e in draft.elements:
            c = int((e.x - X0 - HEAD_W) // COL_W)
            r = int((e.y - Y0) // ROW_H) - 1
            out[(r, c)] = (int(e.name), e.name)
        return out

    def _value(self, draft: Draft) -> tuple[str, list[str], str]:
        pr = draft.params
        g = self._grid(draft)
        title, noun, cols, rows = TABLE_THEMES[pr["theme"]]
        ask = pr["ask"]
        if ask in ("row_total", "mean", "percent_row"):
            cells = [k for k in g if k[0] == pr["row"]]
            total = sum(g[k][0] for k in cells)
            if ask == "row_total":
                return str(total), [g[k][1] for k in sorted(cells)], f"Add the row {rows[pr['row']]}"
            if ask == "mean":
                return fmt_frac(Fraction(total, len(cells))), [g[k][1] for k in sorted(cells)], \
                    f"Add the row {rows[pr['row']]} and divide by {len(cells)}"
            part = g[(pr["row"], pr["col"])][0]
            return fmt_frac(Fraction(100 * part, total)), [g[k][1] for k in sorted(cells)], \
                f"Divide {part} by the row total {total} and multiply by 100"
        if ask == "col_total":
            cells = sorted(k for k in g if k[1] == pr["col"])
            return str(sum(g[k][0] for k in cells)), [g[k][1] for k in cells], f"Add the column {cols[pr['col']]}"
        if ask == "grand":
            return str(sum(v for v, _ in g.values())), [], "Add every entry"
        if ask == "largest":
            k = max(g, key=lambda k: g[k][0])
            return str(g[k][0]), [g[k][1]], "Compare the entries"
        cells = [tuple(c) for c in pr["cells"]]
        if ask == "difference":
            a, b = (g[c][0] for c in cells)
            return str(abs(a - b)), [g[c][1] for c in cells], "Subtract the smaller entry from the larger"
        return str(sum(g[c][0] for c in cells)), [g[c][1] for c in cells], "Add the three entries"

    def _pose(self, draft: Draft) -> Draft:
        pr = draft.params
        title, noun, cols, rows = TABLE_THEMES[pr["theme"]]
        ask = pr["ask"]
        intro = f"The table shows the {noun} ({title.lower()})."
        if ask == "row_total":
            q = f"{intro} How many {noun} are there in the row {rows[pr['row']]} altogether?"
        elif ask == "mean":
            q = f"{intro} What is the mean number of {noun} per column in the row {rows[pr['row']]}?"
        elif ask == "percent_row":
            q = (f"{intro} What percentage of the row {rows[pr['row']]} is in the column {cols[pr['col']]}? "
                 f"{fraction_note()}")
        elif ask == "col_total":
            q = f"{intro} How many {noun} are there in the column {cols[pr['col']]} altogether?"
        elif ask == "grand":
            q = f"{intro} How many {noun} does the whole table record?"
        elif ask == "largest":
            q = f"{intro} What is the largest single entry in the table?"
        elif ask == "difference":
            (r1, c1), (r2, c2) = pr["cells"]
            q = (f"{intro} How many more {noun} are in the cell ({rows[r1]}, {cols[c1]}) than in the cell "
                 f"({rows[r2]}, {cols[c2]}), or fewer? Give the size of the difference.")
        else:
            q = f"{intro} What is the sum of the cells " + listing([f"({rows[r]}, {cols[c]})" for r, c in pr["cells"]]) + "?"
        answer, used, how = self._value(draft)
        solution = f"{how}: the answer is {answer}."
        if not used:
            used = [e.name for e in draft.elements][:2]
        ix = Interaction("shade", f"Shade the cells {listing(used)} that the calculation uses.",
                         interaction_code(ix_boxes(used, COL_W / 2 - 4, ROW_H / 2 - 5, color=GOLD)), tuple(used))
        return draft.replace(question=q, answer=answer, solution=solution, interactions=(ix,))


# ==============================================================================================
# number line

_N = "number_lines."
N_DIST, N_MID, N_INT, N_TICK = _N + "distance.distance_between", _N + "distance.midpoint_on_line", \
    _N + "reading.integer_positions", _N + "reading.tick_interval"
N_DEC, N_COUNT, N_ORDER, N_ABS = _N + "reading.decimal_positions", _N + "intervals.integers_in_interval", \
    _N + "reading.comparing_order", _N + "distance.absolute_value"
N_SUB, N_JUMPS = _N + "operations.subtraction_as_distance", _N + "operations.repeated_jumps"
NL_X0, NL_X1, NL_Y = 50, 590, 120


class SvgNumberLine(ParallelSum, Family):
    """A number line drawn in SVG with labelled ticks (only some numbered) and points P, Q, R;
    asks for a point's value, the value of one tick, the distance or midpoint of two points, the
    integers strictly between them, an absolute value, or the jumps of equal size from one to another."""

    name = "svg_number_line"

    givens = (ELEMENTS,)  # everything is read off the figure
    domain = "number_lines"
    node_ids = (N_DIST, N_MID, N_INT, N_TICK, N_DEC, N_COUNT, N_ORDER, N_ABS, N_SUB, N_JUMPS)
    ASKS = {"value": frozenset({N_INT, N_DEC}), "tick": frozenset({N_TICK, N_DEC}),
            "distance": frozenset({N_DIST, N_SUB}), "midpoint": frozenset({N_MID}),
            "count": frozenset({N_COUNT}), "largest": frozenset({N_ORDER}), "abs": frozenset({N_ABS}),
            "jumps": frozenset({N_JUMPS, N_DIST})}
    supports = frozenset({"parallel"})
    PAR = {"value": ("distance",), "distance": ("value",), "midpoint": ("distance",), "count": ("distance",),
           "abs": ("distance",), "tick": ("distance",), "jumps": ("count",)}
    PAR_WORDS = {"distance": "the distance between {a} and {b}", "value": "the number marked by {one}",
                 "count": "how many integers lie strictly between {a} and {b}"}

    def create(self, rng: random.Random, node_ids, difficulty: int) -> Draft:
        d = clamp_difficulty(difficulty)
        ask, covered = pick_ask(rng, node_ids, self.ASKS, self.node_ids)
        step = Fraction(rng.choice([1, 2, 5])) if d == 1 else Fraction(rng.choice([1, 2, 5, 10]), rng.choice([1, 2, 10]))
        if ask in ("tick", "value") and d > 1:
            step = Fraction(rng.choice([1, 2, 5]), 10) if ask == "tick" or rng.random() < 0.5 else Fraction(rng.choice([2, 5]))
        n_ticks = 12
        start = step * rng.randint(-8, 2) if ask in ("abs", "largest", "count") else step * rng.randint(-3, 6)
        every = rng.choice([2, 3, 4]) if ask == "tick" else 2
        names = ["P", "Q", "R"]
        while True:
            idx = sorted(rng.sample(range(0, n_ticks + 1), 3))
            if ask == "midpoint" and (idx[2] - idx[0]) % 2:
                continue
            if ask == "tick" and any(i % every == 0 for i in idx):
                continue
            if ask == "jumps" and (idx[2] - idx[0]) < 4:
                continue
            break
        rng.shuffle(names)
        px = (NL_X1 - NL_X0) / n_ticks
        s = Svg(640, 210)
        s.line(NL_X0 - 25, NL_Y, NL_X1 + 25, NL_Y, width=2.6)
        s.polygon([(NL_X1 + 33, NL_Y), (NL_X1 + 21, NL_Y - 7), (NL_X1 + 21, NL_Y + 7)], fill=INK, width=1)
        s.polygon([(NL_X0 - 33, NL_Y), (NL_X0 - 21, NL_Y - 7), (NL_X0 - 21, NL_Y + 7)], fill=INK, width=1)
        for i in range(n_ticks + 1):
            x = NL_X0 + i * px
            major = i % every == 0
            s.line(x, NL_Y - (11 if major else 7), x, NL_Y + (11 if major else 7), width=2 if major else 1.4)
            if major:
                v = start + step * i
                lab = fmt_dec(v, 1) if v.denominator != 1 else str(v.numerator)
                s.text(x, NL_Y + 30, lab.replace("-", "\u2212"), size=16)
        pts = {}
        for name, i in zip(names, idx):
            x = round(NL_X0 + i * px, 2)
            s.dot(name, x, NL_Y, 0, -30, r=6, color=ACCENT, role="")
            pts[name] = i
        s.text(320, 185, "each tick is the same distance apart", size=13, fill=MUTED, style="italic")
        code, elements = s.build()
        order = sorted(pts, key=pts.get)
        params = {"ask": ask, "start": str(start), "step": str(step), "every": every, "px": px,
                  "a": order[0], "b": order[2] if ask in ("midpoint", "jumps") else rng.choice(order[1:]),
                  "one": rng.choice(order)}
        if ask == "jumps":
            params["jump"] = str(step * rng.choice([j for j in (1, 2) if (pts[order[2]] - pts[order[0]]) % j == 0] or [1]))
        draft = svg_draft(self, node_ids=covered, render_code=code, question="", answer="", solution="",
                           interactions=(), elements=elements, difficulty=d, params=params)
        return self._pose(draft)

    def _val(self, draft: Draft, name: str) -> Fraction:
        pr = draft.params
        e = draft.element(name)
        ticks = round((e.x - NL_X0) / pr["px"])
        return Fraction(pr["start"]) + Fraction(pr["step"]) * ticks

    def _value(self, draft: Draft) -> str:
        pr = draft.params
        ask = pr["ask"]
        a, b, one = pr["a"], pr["b"], pr["one"]
        if ask == "value":
            return fmt_frac(self._val(draft, one))
        if ask == "tick":
            return fmt_frac(Fraction(pr["step"]))
        if ask == "distance":
            return fmt_frac(abs(self._val(draft, b) - self._val(draft, a)))
        if ask == "midpoint":
            return fmt_frac((self._val(draft, a) + self._val(draft, b)) / 2)
        if ask == "count":
            lo, hi = sorted((self._val(draft, a), self._val(draft, b)))
            return str(len([k for k in range(math.floor(lo) - 1, math.ceil(hi) + 2) if lo < k < hi]))
        if ask == "abs":
            return fmt_frac(abs(self._val(draft, one)))
        if ask == "jumps":
            return fmt_frac((self._val(draft, b) - self._val(draft, a)) / Fraction(pr["jump"]))
        vals = {e.name: self._val(draft, e.name) for e in draft.elements}
        choices = draft.choices
        best = max(vals, key=vals.get)
        return choice_letter(choices, best)

    def _pose(self, draft: Draft) -> Draft:
        pr = draft.params
        ask, a, b, one = pr["ask"], pr["a"], pr["b"], pr["one"]
        intro = "The number line has equally spaced ticks; some of them are numbered."
        choices, atype = (), "number"
        note = " " + fraction_note()
        if ask == "value":
            q, marks = f"{intro} What number does the point {one} mark?{note}", [one]
        elif ask == "tick":
            q, marks = f"{intro} What is the value of one tick interval?{note}", [a]
        elif ask == "distance":
            q, marks = f"{intro} What is the distance between the points {a} and {b}?{note}", [a, b]
        elif ask == "midpoint":
            q, marks = f"{intro} What number is exactly halfway between {a} and {b}?{note}", [a, b]
        elif ask == "count":
            q, marks = f"{intro} How many integers lie strictly between {a} and {b}?", [a, b]
        elif ask == "abs":
            q, marks = f"{intro} What is the absolute value of the number at {one}?{note}", [one]
        elif ask == "jumps":
            q = (f"{intro} Starting at {a}, how many jumps of size {pr['jump']} to the right reach {b}?")
            marks = [a, b]
        else:
            names = [e.name for e in draft.elements]
            choices = tuple(sorted(names))
            q, marks, atype = f"{intro} Which of the points marks the largest number?", names, "choice"
        draft = draft.replace(choices=choices, answer_type=atype)
        answer = self._value(draft)
        solution = (f"Each tick is worth {pr['step']}; reading the marked points on the scale gives the answer {answer}.")
        code = ix_highlight(marks[0], marks[1]) if len(marks) >= 2 else ix_rings(marks, color=TEAL, r=14)
        ix = Interaction("highlight" if len(marks) >= 2 else "highlight",
                         f"Mark the part of the line between {listing(marks)}." if len(marks) >= 2
                         else f"Circle the point {marks[0]} to read it against the ticks.",
                         interaction_code(code + ix_rings(marks, color=TEAL, r=14)), tuple(marks))
        return draft.replace(question=q, answer=answer, solution=solution, interactions=(ix,))


# ==============================================================================================
# logic gate circuit

_L = "logic_puzzles.truth_tables."
L_GATES, L_ROWS, L_IMPL = _L + "and_or_not", _L + "count_rows", _L + "implication"
GATE_OPS = {"AND": lambda a, b: a & b, "OR": lambda a, b: a | b, "NAND": lambda a, b: 1 - (a & b),
            "NOR": lambda a, b: 1 - (a | b)}
GATE_WORDS = {"AND": "and", "OR": "or", "NAND": "nand", "NOR": "nor"}


def _gate_shape(s: Svg, kind: str, x: float, y: float) -> None:
    """An 84 x 56 gate symbol with its inputs at (x, y +- 14) and output at (x + 84, y)."""
    top, bot = y - 28, y + 28
    if kind in ("AND", "NAND"):
        s.path(f"M {x} {top} L {x + 40} {top} A 28 28 0 0 1 {x + 40} {bot} L {x} {bot} Z", fill="#fffefb", width=2.4)
    else:
        s.path(f"M {x - 4} {top} Q {x + 14} {y} {x - 4} {bot} Q {x + 48} {bot} {x + 72} {y} "
               f"Q {x + 48} {top} {x - 4} {top} Z", fill="#fffefb", width=2.4)
    if kind in ("NAND", "NOR"):
        s.circle(x + 74, y, 5, fill="#fffefb", width=2)
    s.text(x + 30, y, GATE_WORDS[kind], size=13, fill=MUTED, style="italic")


class SvgLogicGates(Family):
    """A logic circuit drawn in SVG: inputs A, B (and C) with 0/1 values feed two gates whose
    outputs meet at the output Q; asks for the output, the number of input rows making Q true
    (a truth table count), or the rows where an implication-like circuit is false."""

    name = "svg_logic_gates"

    givens = (ELEMENTS,)  # everything is read off the figure
    domain = "logic_puzzles"
    node_ids = (L_GATES, L_ROWS, L_IMPL)
    ASKS = {"output": frozenset({L_GATES}), "count_true": frozenset({L_ROWS, L_GATES}),
            "count_false": frozenset({L_IMPL, L_ROWS})}

    def create(self, rng: random.Random, node_ids, difficulty: int) -> Draft:
        d = clamp_difficulty(difficulty)
        ask, covered = pick_ask(rng, node_ids, self.ASKS, self.node_ids)
        ops = sorted(GATE_OPS)
        g1, g2 = rng.choice(ops if d > 1 else ["AND", "OR"]), rng.choice(ops if d > 1 else ["AND", "OR"])
        not_a = ask == "count_false" or (d == 3 and rng.random() < 0.5)
        values = {k: rng.randint(0, 1) for k in "ABC"}
        s = Svg(600, 300)
        ys = {"A": 70, "B": 125, "C": 215}
        for k, y in ys.items():
            s.dot(k, 60, y, -24, 0, r=6, color=TEAL)
            if ask == "output":
                s.text(60, y - 22, str(values[k]), size=15, weight="bold", fill=ACCENT)
        # gate 1 (A, B) at x=230, gate 2 (gate 1, C) at x=400
        y1, y2 = 97, 160
        if not_a:
            s.polygon([(120, 58), (120, 82), (148, 70)], fill="#fffefb", width=2)
            s.circle(153, 70, 5, fill="#fffefb", width=2)
            s.line(60, 70, 120, 70)
            s.line(158, 70, 200, 70)
            s.polyline([(200, 70), (200, y1 - 14), (230, y1 - 14)])
        else:
            s.polyline([(60, 70), (200, 70), (200, y1 - 14), (230, y1 - 14)])
        s.polyline([(60, 125), (200, 125), (200, y1 + 14), (230, y1 + 14)])
        _gate_shape(s, g1, 230, y1)
        s.polyline([(230 + (79 if g1 in ("NAND", "NOR") else 72), y1), (370, y1), (370, y2 - 14), (400, y2 - 14)])
        s.polyline([(60, 215), (370, 215), (370, y2 + 14), (400, y2 + 14)])
        _gate_shape(s, g2, 400, y2)
        out_x = 400 + (79 if g2 in ("NAND", "NOR") else 72)
        s.line(out_x, y2, 540, y2)
        s.dot("Q", 540, y2, 22, 0, r=6, color=ACCENT, role="output of the circuit")
        s.text(300, 280, "1 = true, 0 = false", size=13, fill=MUTED, style="italic")
        code, elements = s.build()
        params = {"ask": ask, "g1": g1, "g2": g2, "not_a": not_a, "values": values}
        draft = svg_draft(self, node_ids=covered, render_code=code, question="", answer="", solution="",
                           interactions=(), elements=elements, difficulty=d, params=params)
        return self._pose(draft)

    def _q(self, pr: dict, a: int, b: int, c: int) -> int:
        x = 1 - a if pr["not_a"] else a
        return GATE_OPS[pr["g2"]](GATE_OPS[pr["g1"]](x, b), c)

    def _value(self, draft: Draft) -> str:
        pr = draft.params
        # the input wires: A, B enter the first gate, the lowest input C the second (by height)
        order = sorted((e for e in draft.elements if e.name in "ABC"), key=lambda e: e.y)
        if [e.name for e in order] != ["A", "B", "C"]:
            return "?"
        if pr["ask"] == "output":
            v = pr["values"]
            return str(self._q(pr, v["A"], v["B"], v["C"]))
        rows = [self._q(pr, a, b, c) for a in (0, 1) for b in (0, 1) for c in (0, 1)]
        return str(sum(rows) if pr["ask"] == "count_true" else len(rows) - sum(rows))

    def _pose(self, draft: Draft) -> Draft:
        pr = draft.params
        gates = f"an {pr['g1'].lower()} gate" if pr["g1"] in ("AND", "OR") else f"a {pr['g1'].lower()} gate"
        intro = f"In the circuit, {gates} and then a second gate combine the inputs A, B and C into the output Q."
        if pr["not_a"]:
            intro += " Input A passes through a not gate first."
        if pr["ask"] == "output":
            q = f"{intro} With the input values written above the inputs, what is the value of Q (0 or 1)?"
        elif pr["ask"] == "count_true":
            q = f"{intro} Of the 8 rows of the truth table of A, B and C, in how many is Q equal to 1?"
        else:
            q = f"{intro} Of the 8 rows of the truth table of A, B and C, in how many is Q equal to 0?"
        answer = self._value(draft)
        solution = (f"The first gate is {pr['g1'].lower()}, the second {pr['g2'].lower()}; "
                    f"evaluating the circuit {'for the given inputs' if pr['ask'] == 'output' else 'row by row'} gives {answer}.")
        ix = Interaction("highlight", "Circle the inputs A, B, C and the output Q whose values the gates link.",
                         interaction_code(ix_rings(["A", "B", "C", "Q"], color=ACCENT, r=16)), ("A", "B", "C", "Q"))
        return draft.replace(question=q, answer=answer, solution=solution, interactions=(ix,))

    def rederive(self, draft: Draft) -> str:
        return self._value(draft)


FAMILIES = [SvgVennCounts(), SvgDataTable(), SvgNumberLine(), SvgLogicGates()]
