"""Table families: a two-way table with totals (some cells hidden behind letters) and a bus
timetable.

The shown numbers / times are the element labels, each at the centre of its shaded cell, so
:meth:`rederive` locates every element's cell from its coordinates, reads its value from the
drawn label, and recomputes the answer (solving hidden cells from the row and column sums).
"""

from __future__ import annotations

import random
from fractions import Fraction

from pipelines.creators.base import ELEMENTS, Draft, Element, Family, Interaction
from pipelines.creators.common import (
    choice_letter,
    clamp_difficulty,
    fmt_frac,
    fraction_note,
    interaction_code,
    make_choices,
    pick_ask,
)
from pipelines.creators.families._f3kit import CellGrid, ix_boxes, listing, text

DOMAIN = "tables"
_T = "tables."
LOCATE = _T + "reading.locate_cell"
SUM_SEL = _T + "combining.sum_of_selected_cells"
GRAND = _T + "combining.grand_total"
STRUCT = _T + "two_way.structure"
MISSING = _T + "two_way.missing_cell"
MISSING_TOTAL = _T + "two_way.missing_total"
COND = _T + "two_way.conditional_fraction"
CHAIN = _T + "two_way.chain_of_missing_cells"
PCT_TOTAL = _T + "percentages.percent_of_total"
READ_TIME = _T + "timetables.read_time"
DURATION = _T + "timetables.journey_duration"
CATCH = _T + "timetables.catch_a_service"
WAIT = _T + "timetables.waiting_time"

DATA_FILL, TOTAL_FILL, HEAD_FILL, HIDDEN_FILL = "#dbe5f4", "#c4d3ea", "#9fb6da", "#f6d8a8"

# ==============================================================================================
# two-way table

TWO_WAY_THEMES = [
    # title, row categories, column categories, counted noun, (row phrase, column phrase) templates
    ("Favourite sport by year group", ["Year 7", "Year 8", "Year 9"], ["Football", "Tennis", "Swimming"],
     "students", "in {r}", "who chose {c}"),
    ("Lunch choice by class", ["Class 1", "Class 2", "Class 3"], ["Pasta", "Salad", "Soup"],
     "pupils", "in {r}", "who chose {c}"),
    ("Pets owned by street", ["Oak St", "Elm St", "Ash St"], ["Cats", "Dogs", "Fish"],
     "pets", "on {r}", "that are {c}"),
    ("Books borrowed by genre", ["Monday", "Tuesday", "Friday"], ["Fiction", "Science", "History"],
     "books", "on {r}", "of {c}"),
    ("Tickets sold by type", ["Morning", "Afternoon", "Evening"], ["Adult", "Child", "Senior"],
     "tickets", "in the {r}", "of type {c}"),
]


def _solve(known: dict[tuple[int, int], Fraction | None], nr: int, nc: int) -> dict[tuple[int, int], Fraction]:
    """Fill unknown cells of an (nr+1) x (nc+1) table whose last row/column are totals, by
    repeatedly solving any row or column with a single unknown."""
    v = dict(known)
    lines = [[(r, c) for c in range(nc + 1)] for r in range(nr + 1)] + [[(r, c) for r in range(nr + 1)] for c in range(nc + 1)]
    progress = True
    while progress and any(x is None for x in v.values()):
        progress = False
        for line in lines:
            unknown = [p for p in line if v[p] is None]
            if len(unknown) != 1:
                continue
            total, parts = line[-1], line[:-1]
            u = unknown[0]
            if u == total:
                v[u] = sum(v[p] for p in parts)
            else:
                v[u] = v[total] - sum(v[p] for p in parts if p != u)
            progress = True
    if any(x is None for x in v.values()):
        raise ValueError("two-way table is not solvable from its shown cells")
    return v


class TwoWayTable(Family):
    """Two-way table with row and column totals; asks for a hidden cell, a hidden total, a
    chain of two hidden cells, a cell as a percentage of the grand total, a fraction of a row,
    or the sum of two cells of a row."""

    name = "two_way_table"
    givens = ("truth",)
    domain = DOMAIN
    node_ids = (LOCATE, STRUCT, MISSING, MISSING_TOTAL, CHAIN, PCT_TOTAL, COND, SUM_SEL, GRAND)
    supports = frozenset({"sequential"})
    ASKS = {
        "missing_cell": frozenset({MISSING, STRUCT}),
        "missing_total": frozenset({MISSING_TOTAL, GRAND}),
        "chain": frozenset({CHAIN, MISSING, STRUCT}),
        "percent": frozenset({PCT_TOTAL, LOCATE, GRAND}),
        "fraction_row": frozenset({COND, STRUCT, LOCATE}),
        "combine": frozenset({SUM_SEL, LOCATE}),
    }

    def create(self, rng: random.Random, node_ids, difficulty: int) -> Draft:
        d = clamp_difficulty(difficulty)
        ask, covered = pick_ask(rng, node_ids, self.ASKS, self.node_ids)
        theme = rng.randrange(len(TWO_WAY_THEMES))
        nr = 2 if d == 1 else 3
        nc = 3 if d < 3 else 3
        hi = {1: 30, 2: 60, 3: 95}[d]
        while True:
            cells = [[rng.randint(3, hi) for _ in range(nc)] for _ in range(nr)]
            if ask == "percent":
                # the grand total is a round number so the percentage is exact and friendly
                g = sum(map(sum, cells))
                target = rng.choice([50, 100, 200]) if g < 300 else 400
                cells[-1][-1] += target - g
                if cells[-1][-1] < 2:
                    continue
            rows = [sum(r) for r in cells]
            cols = [sum(cells[r][c] for r in range(nr)) for c in range(nc)]
            shown = [x for r in cells for x in r] + rows + cols + [sum(rows)]
            if len(set(shown)) == len(shown):
                break
        full = {(r, c): cells[r][c] for r in range(nr) for c in range(nc)}
        full.update({(r, nc): rows[r] for r in range(nr)})
        full.update({(nr, c): cols[c] for c in range(nc)})
        full[(nr, nc)] = sum(rows)
        hidden: dict[str, list[int]] = {}
        r0, c0 = rng.randrange(nr), rng.randrange(nc)
        if ask == "missing_cell":
            hidden["X"] = [r0, c0]
        elif ask == "missing_total":
            hidden["X"] = [r0, nc] if rng.random() < 0.5 else [nr, c0]
        elif ask == "chain":
            # X sits in the row of the hidden row total Y: X comes from its column first
            hidden["X"] = [r0, c0]
            hidden["Y"] = [r0, nc]
        r1 = rng.randrange(nr)
        c1, c2 = sorted(rng.sample(range(nc), 2))
        params = {"ask": ask, "theme": theme, "nr": nr, "nc": nc, "hidden": hidden, "cell": [r1, c1],
                  "cells2": [[r1, c1], [r1, c2]], "truth": {f"{r},{c}": v for (r, c), v in full.items()}}
        code, elements, grid = self._figure(theme, nr, nc, full, hidden)
        params["grid"] = {"x": grid.x_edges, "y": grid.y_edges}
        draft = self.draft(node_ids=covered, render_code=code, question="", answer="", solution="",
                          interactions=(), elements=elements, difficulty=d, params=params)
        return self._pose(draft)

    @staticmethod
    def _grid(nr: int, nc: int) -> CellGrid:
        return CellGrid([110] + [100] * (nc + 1), 40, nr + 2, title_h=30)

    def _figure(self, theme, nr, nc, full, hidden) -> tuple[str, tuple[Element, ...], CellGrid]:
        title, rnames, cnames, *_ = TWO_WAY_THEMES[theme]
        g = self._grid(nr, nc)
        lines = g.prologue(title)
        hid = {tuple(v): k for k, v in hidden.items()}
        elements = []
        for c, nm in enumerate(cnames[:nc] + ["Total"]):
            lines.append(g.fill(0, c + 1, HEAD_FILL))
            lines.append(text(*g.centre(0, c + 1), nm, size=12, weight="bold"))
        for r, nm in enumerate(rnames[:nr] + ["Total"]):
            lines.append(g.fill(r + 1, 0, HEAD_FILL))
            lines.append(text(*g.centre(r + 1, 0), nm, size=12, weight="bold"))
        for (r, c), v in sorted(full.items()):
            x, y = g.centre(r + 1, c + 1)
            is_total = r == nr or c == nc
            label = hid.get((r, c), str(v))
            fill = HIDDEN_FILL if (r, c) in hid else (TOTAL_FILL if is_total else DATA_FILL)
            lines.append(g.fill(r + 1, c + 1, fill))
            lines.append(text(x, y, label, size=13, weight="bold" if label in hidden else "normal"))
            role = ("grand total cell" if (r, c) == (nr, nc) else "")
            elements.append(Element(label, "label", x, y, role))
        lines += g.rules()
        return "\n".join(lines) + "\n", tuple(elements), g

    def _cell_name(self, draft: Draft, r: int, c: int) -> str:
        x, y = self._grid(draft.params["nr"], draft.params["nc"]).centre(r + 1, c + 1)
        return next(e.name for e in draft.elements if abs(e.x - x) < 1e-6 and abs(e.y - y) < 1e-6)

    def _phrase(self, draft: Draft, r: int, c: int) -> str:
        _, rnames, cnames, noun, rp, cp = TWO_WAY_THEMES[draft.params["theme"]]
        return f"{noun} {rp.format(r=rnames[r])} {cp.format(c=cnames[c])}"

    def _pose(self, draft: Draft) -> Draft:
        pr = draft.params
        nr, nc, ask = pr["nr"], pr["nc"], pr["ask"]
        _, rnames, cnames, noun, rp, cp = TWO_WAY_THEMES[pr["theme"]]
        truth = {tuple(map(int, k.split(","))): v for k, v in pr["truth"].items()}
        hid = pr["hidden"]
        if ask == "missing_cell":
            r, c = hid["X"]
            rowvals = [truth[(r, j)] for j in range(nc) if j != c]
            question = f"The table counts {noun} in two ways. What number is hidden by X?"
            answer = str(truth[(r, c)])
            solution = (f"Row {rnames[r]} totals {truth[(r, nc)]}, and its other cells are {listing([str(x) for x in rowvals])}, "
                        f"so X = {truth[(r, nc)]} − {' − '.join(map(str, rowvals))} = {answer}.")
            marks = ["X", self._cell_name(draft, r, nc)]
        elif ask == "missing_total":
            r, c = hid["X"]
            if c == nc:
                parts = [truth[(r, j)] for j in range(nc)]
                where = f"row {rnames[r]}"
            else:
                parts = [truth[(i, c)] for i in range(nr)]
                where = f"column {cnames[c]}"
            question = f"The table counts {noun} in two ways. What total is hidden by X?"
            answer = str(truth[(r, c)])
            solution = f"X is the total of {where}: {' + '.join(map(str, parts))} = {answer}."
            marks = ["X", self._cell_name(draft, nr, nc)]
        elif ask in ("chain", "seq_chain_fraction"):
            r, c = hid["X"]
            colvals = [truth[(i, c)] for i in range(nr) if i != r]
            x = truth[(r, c)]
            y = truth[(r, nc)]
            rowparts = [truth[(r, j)] for j in range(nc)]
            if ask == "chain":
                question = f"The table counts {noun} in two ways. What number is hidden by Y?"
                answer = str(y)
                solution = (f"Row {rnames[r]} has two unknowns, so start with column {cnames[c]}: X = {truth[(nr, c)]} − "
                            f"{' − '.join(map(str, colvals))} = {x}. Then Y is the row total: "
                            f"{' + '.join(map(str, rowparts))} = {y}.")
            else:
                q = Fraction(x, y)
                question = (f"The table counts {noun} in two ways. Of the {noun} {rp.format(r=rnames[r])}, what fraction "
                            f"are counted under {cnames[c]}? {fraction_note()}")
                answer = fmt_frac(q)
                solution = f"From the previous step X = {x} and Y = {y}, so the fraction is {x}/{y} = {answer}."
            marks = ["X", self._cell_name(draft, nr, c)] if ask == "chain" else ["Y"]
        elif ask == "percent":
            r, c = pr["cell"]
            v, g = truth[(r, c)], truth[(nr, nc)]
            question = (f"What percentage of all the {noun} in the table are {self._phrase(draft, r, c)[len(noun) + 1:]}? "
                        f"Give the number without the percent sign. {fraction_note()}")
            answer = fmt_frac(Fraction(100 * v, g))
            solution = f"The cell holds {v} of the grand total {g}, which is {v}/{g} × 100 = {answer} percent."
            marks = [self._cell_name(draft, r, c), self._cell_name(draft, nr, nc)]
        elif ask == "fraction_row":
            r, c = pr["cell"]
            v, t = truth[(r, c)], truth[(r, nc)]
            question = f"Of the {noun} {rp.format(r=rnames[r])}, what fraction are counted under {cnames[c]}? {fraction_note()}"
            answer = fmt_frac(Fraction(v, t))
            solution = f"Row {rnames[r]} has {t} {noun} in total and {v} of them are in column {cnames[c]}: {v}/{t} = {answer}."
            marks = [self._cell_name(draft, r, c), self._cell_name(draft, r, nc)]
        elif ask == "combine":
            (r, c1), (_, c2) = pr["cells2"]
            v1, v2 = truth[(r, c1)], truth[(r, c2)]
            question = (f"How many {noun} {rp.format(r=rnames[r])} are {cnames[c1]} or {cnames[c2]} "
                        "according to the table?")
            answer = str(v1 + v2)
            solution = f"Read row {rnames[r]} under {cnames[c1]} and {cnames[c2]}: {v1} + {v2} = {answer}."
            marks = [self._cell_name(draft, r, c1), self._cell_name(draft, r, c2)]
        else:
            raise ValueError(ask)
        ix = Interaction("highlight", f"Shade the cells {listing(marks)} used in this step.",
                         interaction_code(ix_boxes(marks, 46, 16)), tuple(marks))
        return draft.replace(question=question, answer=answer, solution=solution,
                             interactions=draft.interactions + (ix,))

    def expand_sequential(self, draft: Draft, rng: random.Random) -> Draft | None:
        """Chain X then Y -> the fraction X/Y of that row, built on the two found cells."""
        if draft.params["ask"] != "chain":
            return None
        new = self._pose(draft.replace(params=dict(draft.params, ask="seq_chain_fraction", parent_answer=draft.answer)))
        return new.replace(variant="seq_chain_fraction", difficulty=draft.difficulty + 1)

    def rederive(self, draft: Draft) -> str:
        pr = draft.params
        nr, nc = pr["nr"], pr["nc"]
        g = self._grid(nr, nc)
        known: dict[tuple[int, int], Fraction | None] = {}
        where: dict[str, tuple[int, int]] = {}
        for e in draft.elements:
            r, c = g.locate(e.x, e.y)
            known[(r - 1, c - 1)] = Fraction(int(e.name)) if e.name.isdigit() else None
            where[e.name] = (r - 1, c - 1)
        v = _solve(known, nr, nc)
        ask = pr["ask"]
        if ask in ("missing_cell", "missing_total"):
            return fmt_frac(v[where["X"]])
        if ask == "chain":
            return fmt_frac(v[where["Y"]])
        if ask == "seq_chain_fraction":
            return fmt_frac(v[where["X"]] / v[where["Y"]])
        if ask == "percent":
            return fmt_frac(100 * v[tuple(pr["cell"])] / v[(nr, nc)])
        if ask == "fraction_row":
            r, c = pr["cell"]
            return fmt_frac(v[(r, c)] / v[(r, nc)])
        if ask == "combine":
            return fmt_frac(sum(v[tuple(p)] for p in pr["cells2"]))
        raise ValueError(f"unknown ask {ask!r}")


# ==============================================================================================
# bus timetable

STOPS = ["Station", "Market", "Library", "Park Road", "Hospital", "School", "Harbour", "Museum", "Bridge Street"]
PEOPLE = ["Maya", "Tom", "Lena", "Omar", "Priya", "Jonas", "Zoe", "Ravi"]


def _hm(t: int) -> str:
    return f"{t // 60:02d}:{t % 60:02d}"


def _mins(s: str) -> int:
    h, m = s.split(":")
    return int(h) * 60 + int(m)


class BusTimetable(Family):
    """Bus timetable (stops down, buses across); asks for a journey time, the wait for the next
    bus at a stop, or the arrival time after catching the next bus (choice)."""

    name = "bus_timetable"
    givens = (ELEMENTS,)
    domain = DOMAIN
    node_ids = (READ_TIME, DURATION, CATCH, WAIT)
    supports = frozenset({"sequential"})
    ASKS = {
        "duration": frozenset({READ_TIME, DURATION}),
        "wait": frozenset({CATCH, WAIT, READ_TIME}),
        "arrive": frozenset({CATCH, READ_TIME}),
    }

    def create(self, rng: random.Random, node_ids, difficulty: int) -> Draft:
        d = clamp_difficulty(difficulty)
        ask, covered = pick_ask(rng, node_ids, self.ASKS, self.node_ids)
        ns = {1: 4, 2: 5, 3: 5}[d]
        nb = {1: 3, 2: 4, 3: 4}[d]
        stops = rng.sample(STOPS, ns)
        while True:
            base = rng.choice([6, 7, 8, 9, 13, 14, 15, 16]) * 60 + rng.choice([0, 5, 10, 15, 20])
            gap = rng.choice([20, 25, 30, 35, 40])
            legs = [rng.randint(4, 14) for _ in range(ns - 1)]
            times = []
            for b in range(nb):
                t = base + b * gap + rng.choice([0, 0, 5])
                col = [t]
                for leg in legs:
                    t += leg + rng.choice([0, 0, 1, 2, 3])  # traffic varies by bus
                    col.append(t)
                times.append(col)
            flat = [_hm(t) for col in times for t in col]
            if len(set(flat)) == len(flat):
                break
        grid = self._grid(ns, nb)
        lines = grid.prologue("Bus timetable")
        elements = []
        for b in range(nb):
            lines.append(grid.fill(0, b + 1, HEAD_FILL))
            lines.append(text(*grid.centre(0, b + 1), f"Bus {b + 1}", size=12, weight="bold"))
        lines.append(grid.fill(0, 0, HEAD_FILL))
        lines.append(text(*grid.centre(0, 0), "Stop", size=12, weight="bold"))
        for s, nm in enumerate(stops):
            lines.append(grid.fill(s + 1, 0, HEAD_FILL))
            lines.append(text(*grid.centre(s + 1, 0), nm, size=12, weight="bold"))
            for b in range(nb):
                x, y = grid.centre(s + 1, b + 1)
                lines.append(grid.fill(s + 1, b + 1, DATA_FILL))
                lines.append(text(x, y, _hm(times[b][s]), size=12))
                elements.append(Element(_hm(times[b][s]), "label", x, y, ""))
        lines += grid.rules()
        code = "\n".join(lines) + "\n"
        params = {"ask": ask, "stops": stops, "nb": nb, "person": rng.choice(PEOPLE)}
        if ask == "duration":
            b = rng.randrange(nb)
            s0 = rng.randrange(ns - 2)
            params["bus"], params["from"], params["to"] = b, s0, rng.randrange(s0 + 2, ns)
        else:
            s0 = rng.randrange(ns - 1)
            b = rng.randrange(1, nb)
            prev, nxt = times[b - 1][s0], times[b][s0]
            params["from"], params["to"] = s0, rng.randrange(s0 + 1, ns)
            params["arrival"] = rng.randint(prev + 1, nxt)
            params["bus"] = b
        draft = self.draft(node_ids=covered, render_code=code, question="", answer="", solution="",
                          interactions=(), elements=tuple(elements), difficulty=d, params=params)
        return self._pose(draft, rng)

    @staticmethod
    def _grid(ns: int, nb: int) -> CellGrid:
        return CellGrid([140] + [90] * nb, 36, ns + 1, title_h=30)

    def _table(self, draft: Draft) -> dict[tuple[int, int], str]:
        """(stop, bus) -> time label, located from the element coordinates."""
        pr = draft.params
        g = self._grid(len(pr["stops"]), pr["nb"])
        out = {}
        for e in draft.elements:
            r, c = g.locate(e.x, e.y)
            out[(r - 1, c - 1)] = e.name
        return out

    def _pose(self, draft: Draft, rng: random.Random) -> Draft:
        pr = draft.params
        tab = self._table(draft)
        stops, ask, who = pr["stops"], pr["ask"], pr["person"]
        s0, s1, b = pr["from"], pr["to"], pr["bus"]
        dep, arr = tab[(s0, b)], tab[(s1, b)]
        choices, answer_type = (), "number"
        if ask == "duration":
            question = (f"How many minutes does Bus {b + 1} take to travel from {stops[s0]} to {stops[s1]}?")
            answer = str(_mins(arr) - _mins(dep))
            solution = f"Bus {b + 1} leaves {stops[s0]} at {dep} and reaches {stops[s1]} at {arr}: {answer} minutes."
            marks = [dep, arr]
        else:
            t = _hm(pr["arrival"])
            earlier = tab[(s0, b - 1)]
            if ask == "wait":
                question = (f"{who} gets to the {stops[s0]} stop at {t}. How many minutes does {who} wait for the next bus?")
                answer = str(_mins(dep) - pr["arrival"])
                solution = (f"Bus {b} left {stops[s0]} at {earlier}, before {t}; the next is Bus {b + 1} at {dep}, "
                            f"so the wait is {answer} minutes.")
                marks = [earlier, dep]
            elif ask == "arrive":
                question = (f"{who} gets to the {stops[s0]} stop at {t} and takes the next bus. "
                            f"At what time does {who} reach {stops[s1]}?")
                others = [tab[(s1, j)] for j in range(pr["nb"]) if j != b] + [tab[(s0, b)], _hm(_mins(arr) + 5)]
                choices, letter = make_choices(rng, arr, others)
                answer, answer_type = letter, "choice"
                solution = (f"Bus {b} left {stops[s0]} at {earlier}, too early; {who} catches Bus {b + 1} at {dep}, "
                            f"which reaches {stops[s1]} at {arr}.")
                marks = [dep, arr]
            elif ask == "seq_total":
                question = (f"{who} gets to the {stops[s0]} stop at {t}, waits for the next bus and rides it to "
                            f"{stops[s1]}. How many minutes pass from reaching the stop to arriving at {stops[s1]}?")
                answer = str(_mins(arr) - pr["arrival"])
                solution = (f"The wait found before is {pr['parent_answer']} minutes; Bus {b + 1} leaves at {dep} and "
                            f"arrives at {arr}, {_mins(arr) - _mins(dep)} minutes later, so {pr['parent_answer']} + "
                            f"{_mins(arr) - _mins(dep)} = {answer} minutes.")
                marks = [arr]
            else:
                raise ValueError(ask)
        ix = Interaction("highlight", f"Shade the times {listing(marks)} used in this step.",
                         interaction_code(ix_boxes(marks, 40, 14)), tuple(marks))
        return draft.replace(question=question, answer=answer, solution=solution, choices=choices,
                             answer_type=answer_type, interactions=draft.interactions + (ix,))

    def expand_sequential(self, draft: Draft, rng: random.Random) -> Draft | None:
        """The wait just found plus the ride on the bus caught."""
        if draft.params["ask"] != "wait":
            return None
        new = draft.replace(params=dict(draft.params, ask="seq_total", parent_answer=draft.answer))
        new = self._pose(new, rng)
        return new.replace(variant="seq_total", difficulty=draft.difficulty + 1)

    def rederive(self, draft: Draft) -> str:
        pr = draft.params
        tab = self._table(draft)
        s0, s1 = pr["from"], pr["to"]
        nb = pr["nb"]
        if pr["ask"] == "duration":
            b = pr["bus"]
            return str(_mins(tab[(s1, b)]) - _mins(tab[(s0, b)]))
        # the bus caught is the first one leaving s0 at or after the arrival time
        b = min(j for j in range(nb) if _mins(tab[(s0, j)]) >= pr["arrival"])
        if pr["ask"] == "wait":
            return str(_mins(tab[(s0, b)]) - pr["arrival"])
        if pr["ask"] == "seq_total":
            return str(_mins(tab[(s1, b)]) - pr["arrival"])
        if pr["ask"] == "arrive":
            return choice_letter(draft.choices, tab[(s1, b)])
        raise ValueError(f"unknown ask {pr['ask']!r}")


FAMILIES = [TwoWayTable(), BusTimetable()]
