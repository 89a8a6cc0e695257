"""Fraction and area-model families: shaded fraction bars, 10x10 percentage grids, and the unit
square area model of a fraction product.

Data coordinates are the fractions themselves (a bar spans 0..1, the unit square is 1 by 1, a grid
cell is 1 by 1), so :meth:`rederive` reads every shaded amount back from element coordinates.
"""

from __future__ import annotations

import math
import random
from fractions import Fraction

from pipelines.creators.base import Draft, Family, Interaction
from pipelines.creators.common import (
    choice_letter,
    clamp_difficulty,
    fmt_dec,
    fmt_frac,
    fraction_note,
    interaction_code,
    make_choices,
    pick_ask,
    to_frac,
)
from pipelines.creators.families._science_kit import Canvas, ix_rings

DOMAIN = "fractions_area_models"
_F = DOMAIN + "."
EQUAL_PARTS = _F + "fraction_models.equal_parts"
BAR = _F + "fraction_models.shaded_fraction_bar"
SIMPLEST = _F + "equivalent_fractions.simplest_form"
EQUIV = _F + "equivalent_fractions.equivalent_by_scaling"
COMPARE = _F + "equivalent_fractions.compare_on_models"
ADD = _F + "operations.add_unlike_fractions"
SUB = _F + "operations.subtract_unlike_fractions"
PRODUCT = _F + "operations.fraction_product_area_model"
COMPLEMENT = _F + "operations.complement_of_a_fraction"
GRID = _F + "percentages.percent_grid_reading"
PCT_FRAC = _F + "percentages.percent_to_fraction"
PCT_DEC = _F + "percentages.percent_to_decimal"
PCT_REST = _F + "percentages.percent_complement"
CIRCLE = _F + "fraction_models.shaded_fraction_circle"

COLORS = ("#4c72b0", "#f28e2b", "#59a14f", "#b07aa1")


# ==============================================================================================
# fraction bars


BAR_NAMES = ("P", "Q", "R")
BAR_ROLES = ("end of the shaded part of the top bar", "end of the shaded part of the middle bar",
             "end of the shaded part of the bottom bar")
BAR_Y = (2.5, 1.5, 0.5)


class FractionBars(Family):
    """Three bars split into equal parts with some parts shaded from the left; asks for a shaded
    fraction in lowest terms, an equivalent fraction, the largest, or a sum or difference."""

    name = "fraction_bars"
    givens = ("parts",)
    domain = DOMAIN
    node_ids = (BAR, SIMPLEST, EQUIV, COMPARE, ADD, SUB)
    supports = frozenset({"parallel"})
    ASKS = {
        "read": frozenset({BAR, SIMPLEST}),
        "equiv": frozenset({BAR, EQUIV}),
        "compare": frozenset({BAR, COMPARE}),
        "add": frozenset({BAR, ADD}),
        "sub": frozenset({BAR, SUB}),
    }

    def create(self, rng: random.Random, node_ids, difficulty: int) -> Draft:
        d = clamp_difficulty(difficulty)
        ask, covered = pick_ask(rng, node_ids, self.ASKS, self.node_ids)
        dens = {1: [2, 3, 4, 5, 6], 2: [3, 4, 5, 6, 8, 10], 3: [4, 6, 8, 9, 10, 12]}[d]
        while True:
            parts = []
            for _ in range(3):
                n = rng.choice(dens)
                parts.append((rng.randint(1, n - 1), n))
            vals = [Fraction(k, n) for k, n in parts]
            if ask == "compare" and vals.count(max(vals)) != 1:
                continue
            if ask == "sub" and vals[0] == vals[1]:
                continue
            if ask == "read" and d > 1 and Fraction(*parts[0]).denominator == parts[0][1]:
                continue  # ask for a fraction that needs simplifying
            break
        color = rng.choice(COLORS)
        cv = Canvas((-0.2, 1.1), (0.0, 3.0), size=(5.6, 3.6), rect=(0.02, 0.03, 0.96, 0.94))
        for i, (k, n) in enumerate(parts):
            yc = BAR_Y[i]
            y0, y1 = yc - 0.27, yc + 0.27
            cv.raw(f"ax.add_patch(plt.Rectangle((0, {y0}), {k}/{n}, 0.54, color='{color}', lw=0))")
            for j in range(1, n):
                cv.plot([(j / n, y0), (j / n, y1)], "color='black', lw=1.5", avoid=False)
            cv.plot([(0, y0), (1, y0), (1, y1), (0, y1), (0, y0)], "color='black', lw=2", avoid=False)
            cv.text(-0.1, yc, BAR_NAMES[i], size=15)
            cv.point(BAR_NAMES[i], (k / n, yc), role=BAR_ROLES[i], dot=None, label="none")
        code, elements = cv.build()
        params = {"ask": ask, "parts": [list(p) for p in parts], "color": color,
                  "px": {nm: cv.img_px((0, BAR_Y[i])) for i, nm in enumerate(BAR_NAMES)},
                  "px_end": {nm: cv.img_px((1, BAR_Y[i])) for i, nm in enumerate(BAR_NAMES)},
                  "h_px": cv.img_px((0, 0))[1] - cv.img_px((0, 0.27))[1]}
        if ask in ("add", "sub"):
            a, b = (0, 1)
            if ask == "sub" and vals[0] < vals[1]:
                a, b = 1, 0
            params["terms"] = [BAR_NAMES[a], BAR_NAMES[b]]
        draft = self.draft(node_ids=covered, question="", answer="", solution="", interactions=(),
                           elements=elements, render_code=code, difficulty=d, params=params)
        return self._pose(draft, rng)

    @staticmethod
    def _outline(draft: Draft, names) -> Interaction:
        pr = draft.params
        h = pr["h_px"]
        snippet = ""
        for nm in names:
            x0, y = pr["px"][nm]
            snippet += (f"ax.plot([{x0}, P[{nm!r}][0], P[{nm!r}][0], {x0}, {x0}], [{y - h}, {y - h}, {y + h}, {y + h}, {y - h}], "
                        "color='red', lw=3, zorder=9)\n")
        listed = " and ".join(names)
        return Interaction("highlight", f"Outline the shaded part of bar{'s' if len(names) > 1 else ''} {listed} in red.",
                           interaction_code(snippet), tuple(names))

    def _pose(self, draft: Draft, rng: random.Random) -> Draft:
        pr = draft.params
        ask = pr["ask"]
        parts = {nm: tuple(p) for nm, p in zip(BAR_NAMES, pr["parts"], strict=True)}
        val = {nm: Fraction(*p) for nm, p in parts.items()}

        def says(nm):
            k, n = parts[nm]
            return f"Bar {nm} has {k} of its {n} equal parts shaded, so {k}/{n}" + (f" = {fmt_frac(val[nm])}" if Fraction(k, n).denominator != n else "")

        choices: tuple[str, ...] = ()
        answer_type = "number"
        inters = draft.interactions
        if ask == "read":
            question = f"What fraction of bar P is shaded? {fraction_note()}"
            answer = fmt_frac(val["P"])
            solution = f"Count the parts. {says('P')} of the bar is shaded."
            inters = (self._outline(draft, ["P"]),)
        elif ask == "equiv":
            k, n = parts["P"]
            m = rng.choice([2, 3])
            correct = f"{k * m}/{n * m}"
            wrong = [f"{k + m}/{n + m}", f"{k * m}/{n + m}", f"{k + 1}/{n}" if k + 1 < n else f"{k}/{n + 1}",
                     f"{n}/{k * m}", f"{k}/{n * m}"]
            wrong = [w for w in wrong if Fraction(w) != val["P"]]
            choices, answer = make_choices(rng, correct, wrong)
            answer_type = "choice"
            question = "Which fraction is equal to the shaded part of bar P?"
            solution = (f"{says('P')}. Multiplying numerator and denominator by {m} gives the equal fraction "
                        f"{correct}; the other options have a different value.")
            inters = (self._outline(draft, ["P"]),)
        elif ask == "compare":
            best = max(BAR_NAMES, key=val.get)
            opts = list(BAR_NAMES) + ["all three bars are equally shaded"]
            choices, answer = make_choices(rng, best, [o for o in opts if o != best])
            answer_type = "choice"
            question = "Which bar has the largest shaded fraction?"
            common = math.lcm(*(parts[nm][1] for nm in BAR_NAMES))
            conv = ", ".join(f"{nm}: {parts[nm][0]}/{parts[nm][1]} = {val[nm] * common}/{common}" for nm in BAR_NAMES)
            solution = (f"Write each shaded fraction over the common denominator {common}: {conv}. "
                        f"The largest is bar {best}.")
            inters = (self._outline(draft, list(BAR_NAMES)),)
        elif ask in ("add", "sub"):
            a, b = pr["terms"]
            res = val[a] + val[b] if ask == "add" else val[a] - val[b]
            word = "sum" if ask == "add" else "difference"
            op = "+" if ask == "add" else "−"
            question = (f"What is the {word} of the shaded fractions of bars {a} and {b}"
                        f"{'' if ask == 'add' else ' (larger minus smaller)'}? {fraction_note()}")
            answer = fmt_frac(res)
            solution = f"{says(a)}. {says(b)}. Then {fmt_frac(val[a])} {op} {fmt_frac(val[b])} = {answer}."
            inters = (self._outline(draft, [a, b]),)
        elif ask == "sum3":
            a, b = pr["terms"]
            sign = pr["sign"]
            res = val[a] + sign * val[b] + val["R"]
            question = (f"Take the shaded fraction of bar {a}, {'add' if sign > 0 else 'subtract'} that of bar {b}, "
                        f"then add the shaded fraction of bar R. What is the result? {fraction_note()}")
            answer = fmt_frac(res)
            solution = (f"{draft.solution} {says('R')}. Adding it: {pr['parent_answer']} + {fmt_frac(val['R'])} = {answer}.")
            inters = draft.interactions + (self._outline(draft, ["R"]),)
        else:
            raise ValueError(ask)
        return draft.replace(question=question, answer=answer, answer_type=answer_type, choices=choices,
                             solution=solution, interactions=inters)

    def expand_parallel(self, draft: Draft, rng: random.Random) -> Draft | None:
        """sum/difference of bars P and Q -> the same plus bar R (a third, independent reading)."""
        ask = draft.params["ask"]
        if ask not in ("add", "sub"):
            return None
        pr = dict(draft.params, ask="sum3", sign=1 if ask == "add" else -1, parent_answer=draft.answer)
        new = self._pose(draft.replace(params=pr), rng)
        return new.replace(variant="par_sum3", difficulty=draft.difficulty + 1)

    def rederive(self, draft: Draft) -> str:
        val = {e.name: to_frac(e.x, 60) for e in draft.elements}
        pr = draft.params
        ask = pr["ask"]
        if ask == "read":
            return fmt_frac(val["P"])
        if ask == "equiv":
            return next((choice_letter(draft.choices, c) for c in draft.choices if Fraction(c) == val["P"]), "?")
        if ask == "compare":
            return choice_letter(draft.choices, max(BAR_NAMES, key=val.get))
        if ask == "add":
            return fmt_frac(val[pr["terms"][0]] + val[pr["terms"][1]])
        if ask == "sub":
            return fmt_frac(abs(val[pr["terms"][0]] - val[pr["terms"][1]]))
        if ask == "sum3":
            a, b = pr["terms"]
            return fmt_frac(val[a] + pr["sign"] * val[b] + val["R"])
        raise ValueError(f"unknown ask {ask!r}")


# ==============================================================================================
# 10 x 10 percentage grid


def _cell_centre(idx: int) -> tuple[float, float]:
    """Centre of cell number ``idx`` (1-based) filled in reading order from the top-left."""
    r, c = divmod(idx - 1, 10)
    return (c + 0.5, 9.5 - r)


def _cell_index(x: float, y: float) -> int:
    return int(round(9.5 - y)) * 10 + int(round(x - 0.5)) + 1


class PercentGrid(Family):
    """A 10 by 10 grid with two coloured regions filled in reading order and a key naming them
    P and Q; asks for a percent, a fraction or decimal of the grid, or the unshaded percent."""

    name = "percent_grid"
    givens = ("a", "b")
    domain = DOMAIN
    node_ids = (GRID, PCT_FRAC, PCT_DEC, PCT_REST)
    supports = frozenset({"parallel"})
    ASKS = {
        "percent": frozenset({GRID}),
        "fraction": frozenset({GRID, PCT_FRAC}),
        "decimal": frozenset({GRID, PCT_DEC}),
        "rest": frozenset({GRID, PCT_REST}),
    }

    def create(self, rng: random.Random, node_ids, difficulty: int) -> Draft:
        d = clamp_difficulty(difficulty)
        ask, covered = pick_ask(rng, node_ids, self.ASKS, self.node_ids)
        while True:
            if d == 1:
                a, b = rng.choice(range(10, 60, 5)), rng.choice(range(5, 35, 5))
            else:
                a, b = rng.randint(7, 58), rng.randint(4, 33)
            if a + b <= 92 and a % 10 and (a + b) % 10:  # region ends mid-row: counting needed
                break
        ca, cb = rng.sample(COLORS, 2)
        cv = Canvas((-0.4, 14.3), (-0.4, 10.4), size=(5.6, 4.2), rect=(0.02, 0.02, 0.96, 0.96))
        for idx in range(1, a + b + 1):
            x, y = _cell_centre(idx)
            col = ca if idx <= a else cb
            cv.raw(f"ax.add_patch(plt.Rectangle(({x - 0.5}, {y - 0.5}), 1, 1, color='{col}', lw=0))")
        cv.raw("for _i in range(11):\n"
               "    ax.plot([_i, _i], [0, 10], color='black', lw=1.8 if _i in (0, 10) else 0.8)\n"
               "    ax.plot([0, 10], [_i, _i], color='black', lw=1.8 if _i in (0, 10) else 0.8)")
        for j, (nm, col) in enumerate((("P", ca), ("Q", cb))):
            y = 7.0 - 2.0 * j
            cv.raw(f"ax.add_patch(plt.Rectangle((11.0, {y - 0.5}), 1, 1, color='{col}', ec='black', lw=1))")
            cv.text(13.0, y, nm, size=15)
        cv.text(12.3, 9.3, "key", size=12)
        last = {"P": a, "Q": a + b}
        for nm, role in (("P", "last cell of the first shaded region"), ("Q", "last cell of the second shaded region")):
            cv.point(nm, _cell_centre(last[nm]), role=role, dot="color='black', ms=4", label="none")
        code, elements = cv.build()
        corner = {f"c{i}": cv.img_px(p) for i, p in enumerate(((0, 10), (10, 10), (10, 0), (0, 0)))}
        params = {"ask": ask, "a": a, "b": b, "colors": [ca, cb], "corner": corner,
                  "cell_px": cv.img_px((1, 0))[0] - cv.img_px((0, 0))[0]}
        draft = self.draft(node_ids=covered, question="", answer="", solution="", interactions=(),
                           elements=elements, render_code=code, difficulty=d, params=params)
        return self._pose(draft)

    @staticmethod
    def _count_ix(draft: Draft, nm: str) -> Interaction:
        """Ring the last cell of region ``nm`` and bracket its full rows."""
        return Interaction("highlight", f"Mark the last cell of region {nm} to count its full rows of ten and the extra cells.",
                           interaction_code(ix_rings([nm], r=10)), (nm,))

    def _pose(self, draft: Draft) -> Draft:
        pr = draft.params
        a, b, ask = pr["a"], pr["b"], pr["ask"]
        base_read = (f"Region P fills {a // 10} full row{'s' if a // 10 != 1 else ''} of ten and {a % 10} more cell{'s' if a % 10 != 1 else ''}: {a} of the 100 cells"
                     if a % 10 else f"Region P fills {a // 10} full rows: {a} of the 100 cells")
        q_read = f"region Q continues after it up to cell {a + b}, so it has {a + b} − {a} = {b} of the 100 cells"
        inters = draft.interactions
        if ask == "percent":
            question = "What percent of the grid does region P cover? Give the number of percent."
            answer = str(a)
            solution = f"{base_read}, which is {a} percent."
            inters = (self._count_ix(draft, "P"),)
        elif ask == "fraction":
            question = f"What fraction of the grid do regions P and Q cover together? {fraction_note()}"
            answer = fmt_frac(Fraction(a + b, 100))
            solution = f"{base_read}; {q_read}. Together {a + b}/100 = {answer}."
            inters = (self._count_ix(draft, "P"), self._count_ix(draft, "Q"))
        elif ask == "decimal":
            question = "What part of the grid does region Q cover, written as a decimal?"
            answer = fmt_dec(Fraction(b, 100), 2)
            solution = f"{base_read}; {q_read}. That is {b}/100 = {answer}."
            inters = (self._count_ix(draft, "P"), self._count_ix(draft, "Q"))
        elif ask == "rest":
            question = "What percent of the grid is not shaded at all? Give the number of percent."
            answer = str(100 - a - b)
            solution = (f"The shading stops at the last cell of region Q, cell {a + b}, so {a + b} cells are shaded "
                        f"and 100 − {a + b} = {answer} percent is not.")
            inters = (self._count_ix(draft, "Q"),)
        elif ask == "par_both":
            question = "What percent of the grid do regions P and Q cover together? Give the number of percent."
            answer = str(a + b)
            solution = f"{draft.solution} Also, {q_read}. Together {a} + {b} = {a + b} percent."
            inters = draft.interactions + (self._count_ix(draft, "Q"),)
        elif ask == "par_gap":
            question = ("How many more percent of the grid is left unshaded than is covered by region Q? "
                        "Give the number of percentage points.")
            answer = str(100 - a - b - b)
            solution = (f"{draft.solution} Unshaded: 100 − {a + b} = {100 - a - b} percent; region Q: {b} percent. "
                        f"The difference is {100 - a - b} − {b} = {answer}.")
            snippet = f"ax.plot([P['Q'][0] + 8, P['Q'][0] + 40], [P['Q'][1], P['Q'][1]], color='red', lw=3)\n" + ix_rings(["Q"], color="blue", r=16)
            inters = draft.interactions + (Interaction("auxiliary_line", "Mark where region Q ends and the unshaded cells begin.",
                                                       interaction_code(snippet), ("Q",)),)
        else:
            raise ValueError(ask)
        return draft.replace(question=question, answer=answer, solution=solution, interactions=inters)

    def expand_parallel(self, draft: Draft, rng: random.Random) -> Draft | None:
        """percent of P (or decimal of Q) -> percent of P and Q together -> unshaded minus Q (extra
        region readings on the same grid)."""
        nxt = {"percent": "par_both", "decimal": "par_both", "par_both": "par_gap", "rest": "par_gap"}.get(draft.params["ask"])
        if nxt is None or (nxt == "par_gap" and 100 - draft.params["a"] - 2 * draft.params["b"] <= 0):
            return None
        new = self._pose(draft.replace(params=dict(draft.params, ask=nxt, parent_answer=draft.answer)))
        return new.replace(variant=nxt, difficulty=draft.difficulty + 1)

    def rederive(self, draft: Draft) -> str:
        pts = draft.points()
        ip, iq = _cell_index(*pts["P"]), _cell_index(*pts["Q"])
        a, b = ip, iq - ip
        ask = draft.params["ask"]
        if ask == "percent":
            return str(a)
        if ask == "fraction":
            return fmt_frac(Fraction(iq, 100))
        if ask == "decimal":
            return fmt_dec(Fraction(b, 100), 2)
        if ask == "rest":
            return str(100 - iq)
        if ask == "par_both":
            return str(iq)
        if ask == "par_gap":
            return str(100 - iq - b)
        raise ValueError(f"unknown ask {ask!r}")


# ==============================================================================================
# area model of a fraction product


class FractionAreaProduct(Family):
    """A unit square cut into columns (some shaded blue) and rows (some hatched red); the doubly
    shaded part models a product of fractions. Asks for the product, the expression it models,
    the part shaded only blue, or the part left unshaded."""

    name = "fraction_area_product"
    givens = ("a", "b", "c", "d")
    domain = DOMAIN
    node_ids = (EQUAL_PARTS, PRODUCT, COMPLEMENT, SIMPLEST)
    ASKS = {
        "product": frozenset({PRODUCT, SIMPLEST}),
        "expression": frozenset({PRODUCT, EQUAL_PARTS}),
        "only_blue": frozenset({PRODUCT, COMPLEMENT}),
        "neither": frozenset({PRODUCT, COMPLEMENT, EQUAL_PARTS}),
    }

    def create(self, rng: random.Random, node_ids, difficulty: int) -> Draft:
        d = clamp_difficulty(difficulty)
        ask, covered = pick_ask(rng, node_ids, self.ASKS, self.node_ids)
        dens = {1: [2, 3, 4], 2: [3, 4, 5, 6], 3: [4, 5, 6, 8]}[d]
        while True:
            b, dd = rng.choice(dens), rng.choice(dens)
            a, c = rng.randint(1, b - 1), rng.randint(1, dd - 1)
            if ask != "expression" or (a * dd != c * b and a != c):
                break
        cv = Canvas((-0.22, 1.22), (-0.22, 1.22), size=(4.8, 4.8), rect=(0.02, 0.02, 0.96, 0.96))
        cv.raw(f"ax.add_patch(plt.Rectangle((0, 0), {a}/{b}, 1, color='#6baed6', alpha=0.75, lw=0))")
        cv.raw(f"ax.add_patch(plt.Rectangle((0, 0), 1, {c}/{dd}, fill=False, hatch='//', ec='#d62728', lw=0))")
        for i in range(1, b):
            cv.plot([(i / b, 0), (i / b, 1)], "color='black', lw=1.4", avoid=False)
        for j in range(1, dd):
            cv.plot([(0, j / dd), (1, j / dd)], "color='black', lw=1.4", avoid=False)
        cv.plot([(0, 0), (1, 0), (1, 1), (0, 1), (0, 0)], "color='black', lw=2.2")
        cv.avoid_box(0, 0, 1, 1)
        cv.point("P", (a / b, 0), role="edge of the blue columns on the bottom side", dot="color='black', ms=6",
                 ref=(a / b, 0.5))
        cv.point("Q", (0, c / dd), role="edge of the hatched rows on the left side", dot="color='black', ms=6",
                 ref=(0.5, c / dd))
        cv.point("R", (a / b, c / dd), role="corner of the doubly shaded part", dot="color='black', ms=6", label="none")
        # R's label sits outside the square on the right, joined by a thin leader line
        cv.plot([(a / b, c / dd), (1.08, c / dd)], "color='gray', lw=0.8, ls=':'", avoid=False)
        cv.text(1.13, c / dd, "R", size=13)
        code, elements = cv.build()
        params = {"ask": ask, "a": a, "b": b, "c": c, "d": dd,
                  "origin_px": cv.img_px((0, 0))}
        if ask == "expression":
            correct = f"{a}/{b} × {c}/{dd}"
            wrong = [f"{a}/{b} + {c}/{dd}", f"{a + c}/{b + dd}", f"{a}/{dd} × {c}/{b}", f"{b - a}/{b} × {dd - c}/{dd}"]
            wrong = [w for w in wrong if w != correct]
            choices, letter = make_choices(rng, correct, wrong)
            params["choices"] = list(choices)
        draft = self.draft(node_ids=covered, question="", answer="", solution="", interactions=(),
                           elements=elements, render_code=code, difficulty=d, params=params)
        if ask == "expression":
            draft = draft.replace(answer_type="choice", choices=choices, answer=letter)
        return self._pose(draft)

    def _pose(self, draft: Draft) -> Draft:
        pr = draft.params
        a, b, c, dd, ask = pr["a"], pr["b"], pr["c"], pr["d"], pr["ask"]
        fx, fy = Fraction(a, b), Fraction(c, dd)
        read = (f"The blue columns cover {a} of {b} equal columns ({a}/{b} of the width) and the hatched rows "
                f"cover {c} of {dd} equal rows ({c}/{dd} of the height)")
        ox, oy = pr["origin_px"]
        shade_both = Interaction("shade", "Shade the rectangle from the bottom-left corner to R: the doubly shaded part.",
                                 interaction_code(f"ax.fill([{ox}, P['R'][0], P['R'][0], {ox}], [{oy}, {oy}, P['R'][1], P['R'][1]], "
                                                  "color='#9467bd', alpha=0.55, lw=0)\n" + ix_rings(["R"], r=9)), ("R", "P", "Q"))
        if ask == "product":
            question = f"What fraction of the whole square is both blue and hatched? {fraction_note()}"
            answer = fmt_frac(fx * fy)
            solution = (f"{read}. The doubly shaded part is {a} × {c} = {a * c} of the {b} × {dd} = {b * dd} small "
                        f"rectangles, so it is {a}/{b} × {c}/{dd} = {a * c}/{b * dd} = {answer} of the square.")
            return draft.replace(question=question, answer=answer, solution=solution, interactions=(shade_both,))
        if ask == "expression":
            question = "Which multiplication does the part that is both blue and hatched show?"
            solution = (f"{read}. The part shaded both ways is {c}/{dd} of the blue {a}/{b}, that is "
                        f"{a}/{b} × {c}/{dd}.")
            return draft.replace(question=question, solution=solution, interactions=(shade_both,))
        if ask == "only_blue":
            question = f"What fraction of the whole square is blue but not hatched? {fraction_note()}"
            answer = fmt_frac(fx * (1 - fy))
            solution = (f"{read}. Blue but not hatched is the blue width {a}/{b} times the unhatched height "
                        f"1 − {c}/{dd} = {fmt_frac(1 - fy)}: {a}/{b} × {fmt_frac(1 - fy)} = {answer}.")
            ix = Interaction("shade", "Shade the blue columns above the hatched rows: blue but not hatched.",
                             interaction_code(f"_top = {oy} - ({oy} - P['Q'][1]) / {fy.numerator} * {fy.denominator}\n"
                                              f"ax.fill([{ox}, P['R'][0], P['R'][0], {ox}], [P['R'][1], P['R'][1], _top, _top], "
                                              "color='#ff7f0e', alpha=0.5, lw=0)\n" + ix_rings(["R", "Q"], r=9)), ("R", "Q"))
            return draft.replace(question=question, answer=answer, solution=solution, interactions=(ix,))
        if ask == "neither":
            question = f"What fraction of the whole square is neither blue nor hatched? {fraction_note()}"
            answer = fmt_frac((1 - fx) * (1 - fy))
            solution = (f"{read}. The unshaded part is {fmt_frac(1 - fx)} of the width times {fmt_frac(1 - fy)} of the "
                        f"height: {fmt_frac(1 - fx)} × {fmt_frac(1 - fy)} = {answer}.")
            ix = Interaction("shade", "Shade the part right of P and above Q: neither blue nor hatched.",
                             interaction_code(f"_top = {oy} - ({oy} - P['Q'][1]) / {fy.numerator} * {fy.denominator}\n"
                                              f"_right = {ox} + (P['P'][0] - {ox}) / {fx.numerator} * {fx.denominator}\n"
                                              "ax.fill([P['R'][0], _right, _right, P['R'][0]], [P['R'][1], P['R'][1], _top, _top], "
                                              "color='#2ca02c', alpha=0.45, lw=0)\n" + ix_rings(["R"], r=9)), ("R",))
            return draft.replace(question=question, answer=answer, solution=solution, interactions=(ix,))
        raise ValueError(ask)

    def rederive(self, draft: Draft) -> str:
        pts = draft.points()
        fx, fy = to_frac(pts["P"][0], 24), to_frac(pts["Q"][1], 24)
        assert (to_frac(pts["R"][0], 24), to_frac(pts["R"][1], 24)) == (fx, fy), "R is not the corner of P and Q"
        ask = draft.params["ask"]
        if ask == "product":
            return fmt_frac(fx * fy)
        if ask == "expression":
            pr = draft.params  # the option names the drawn parts; it must match the measured widths
            if Fraction(pr["a"], pr["b"]) != fx or Fraction(pr["c"], pr["d"]) != fy:
                return "?"
            return choice_letter(draft.choices, f"{pr['a']}/{pr['b']} × {pr['c']}/{pr['d']}")
        if ask == "only_blue":
            return fmt_frac(fx * (1 - fy))
        if ask == "neither":
            return fmt_frac((1 - fx) * (1 - fy))
        raise ValueError(f"unknown ask {ask!r}")


# ==============================================================================================
# fraction circles


CIRCLE_CENTRES = {"P": (0.0, 0.0), "Q": (2.6, 0.0)}


class FractionCircles(Family):
    """Two circles P and Q cut into equal sectors, shaded clockwise from the top; the elements
    are the ends of the shading on each rim. Asks for a shaded fraction, the shaded angle, or the
    sum or difference of the two shaded fractions."""

    name = "fraction_circles"
    givens = ("parts",)
    domain = DOMAIN
    node_ids = (CIRCLE, SIMPLEST, ADD, SUB)
    ASKS = {
        "read": frozenset({CIRCLE, SIMPLEST}),
        "angle": frozenset({CIRCLE}),
        "add": frozenset({CIRCLE, ADD}),
        "sub": frozenset({CIRCLE, SUB}),
    }

    def create(self, rng: random.Random, node_ids, difficulty: int) -> Draft:
        d = clamp_difficulty(difficulty)
        ask, covered = pick_ask(rng, node_ids, self.ASKS, self.node_ids)
        dens = {1: [2, 3, 4, 6], 2: [3, 4, 5, 6, 8], 3: [5, 6, 8, 9, 10, 12]}[d]
        while True:
            parts = {nm: None for nm in CIRCLE_CENTRES}
            for nm in parts:
                n = rng.choice(dens)
                parts[nm] = (rng.randint(1, n - 1), n)
            if ask == "sub" and Fraction(*parts["P"]) == Fraction(*parts["Q"]):
                continue
            break
        color = rng.choice(COLORS)
        cv = Canvas((-1.35, 3.95), (-1.3, 1.35), size=(5.6, 2.8), rect=(0.02, 0.02, 0.96, 0.96), font=15)
        for nm, (cx, cy) in CIRCLE_CENTRES.items():
            k, n = parts[nm]
            # shading: clockwise from 12 o'clock through k of the n sectors
            cv.raw(f"ax.add_patch(plt.matplotlib.patches.Wedge(({cx}, {cy}), 1, {90 - 360 * k / n:.6f}, 90, color='{color}', lw=0))")
            for j in range(n):
                a = math.pi / 2 - 2 * math.pi * j / n
                cv.plot([(cx, cy), (cx + math.cos(a), cy + math.sin(a))], "color='black', lw=1.4", avoid=False)
            cv.raw(f"ax.add_patch(plt.Circle(({cx}, {cy}), 1, fill=False, color='black', lw=2))")
            a_end = math.pi / 2 - 2 * math.pi * k / n
            cv.point(nm, (cx + math.cos(a_end), cy + math.sin(a_end)), role=f"end of the shading on the rim of the {'left' if nm == 'P' else 'right'} circle",
                     dot="color='black', ms=5", label="none")
            cv.text(cx - 1.2, cy + 1.12, nm, size=16)
        code, elements = cv.build()
        params = {"ask": ask, "parts": {k: list(v) for k, v in parts.items()}, "color": color,
                  "centre_px": {nm: list(cv.img_px(c)) for nm, c in CIRCLE_CENTRES.items()}}
        draft = self.draft(node_ids=covered, question="", answer="", solution="", interactions=(),
                           elements=elements, render_code=code, difficulty=d, params=params)
        return self._pose(draft)

    def _pose(self, draft: Draft) -> Draft:
        pr = draft.params
        ask = pr["ask"]
        parts = {nm: tuple(v) for nm, v in pr["parts"].items()}
        val = {nm: Fraction(*p) for nm, p in parts.items()}
        cp = pr["centre_px"]

        def says(nm):
            k, n = parts[nm]
            return f"Circle {nm} has {k} of its {n} equal sectors shaded: {k}/{n}" + (f" = {fmt_frac(val[nm])}" if val[nm].denominator != n else "")

        def edge(names):
            snippet = "".join(f"ax.plot([{cp[nm][0]}, P[{nm!r}][0]], [{cp[nm][1]}, P[{nm!r}][1]], color='red', lw=3)\n"
                              f"ax.plot([{cp[nm][0]}, {cp[nm][0]}], [{cp[nm][1]}, {cp[nm][1]} - 60], color='red', lw=3)\n" for nm in names)
            return Interaction("highlight", f"Mark the two radii that bound the shading in circle{'s' if len(names) > 1 else ''} {' and '.join(names)}.",
                               interaction_code(snippet), tuple(names))

        if ask == "read":
            question = f"What fraction of circle P is shaded? {fraction_note()}"
            return draft.replace(question=question, answer=fmt_frac(val["P"]), solution=f"Count the sectors. {says('P')}.",
                                 interactions=(edge(["P"]),))
        if ask == "angle":
            ang = val["Q"] * 360
            question = f"What is the angle, in degrees, of the whole shaded part of circle Q at its centre? {fraction_note()}"
            k, n = parts["Q"]
            sol = f"Each of the {n} equal sectors of Q has angle 360/{n}; {k} are shaded, so the angle is {k} × 360/{n} = {fmt_frac(ang)} degrees."
            return draft.replace(question=question, answer=fmt_frac(ang), solution=sol, interactions=(edge(["Q"]),))
        if ask in ("add", "sub"):
            a, b = ("P", "Q") if ask == "add" or val["P"] > val["Q"] else ("Q", "P")
            res = val[a] + val[b] if ask == "add" else val[a] - val[b]
            word, op = ("sum", "+") if ask == "add" else ("difference (larger minus smaller)", "−")
            question = f"What is the {word} of the shaded fractions of circles P and Q? {fraction_note()}"
            sol = f"{says(a)}. {says(b)}. Then {fmt_frac(val[a])} {op} {fmt_frac(val[b])} = {fmt_frac(res)}."
            return draft.replace(question=question, answer=fmt_frac(res), solution=sol, interactions=(edge(["P", "Q"]),))
        raise ValueError(ask)

    def rederive(self, draft: Draft) -> str:
        frac = {}
        for e in draft.elements:
            cx, cy = CIRCLE_CENTRES[e.name]
            # clockwise angle from 12 o'clock to the end of the shading, as a fraction of a turn
            turn = (math.pi / 2 - math.atan2(e.y - cy, e.x - cx)) % (2 * math.pi) / (2 * math.pi)
            frac[e.name] = to_frac(turn if turn > 1e-9 else 1.0, 24)
        ask = draft.params["ask"]
        if ask == "read":
            return fmt_frac(frac["P"])
        if ask == "angle":
            return fmt_frac(frac["Q"] * 360)
        if ask == "add":
            return fmt_frac(frac["P"] + frac["Q"])
        if ask == "sub":
            return fmt_frac(abs(frac["P"] - frac["Q"]))
        raise ValueError(f"unknown ask {ask!r}")


FAMILIES = [FractionBars(), PercentGrid(), FractionAreaProduct(), FractionCircles()]
