"""Analytic geometry families on a coordinate grid: slope/intercepts of a line, parabola symmetry
and vertex, distance/midpoint, intersection of two lines.

Points are lattice points named by upper-case labels; the question states their coordinates,
which equal the drawn data coordinates, so :meth:`rederive` recomputes every answer exactly
(with fractions) from the element coordinates.
"""

from __future__ import annotations

import math
import random
from fractions import Fraction

from pipelines.creators.base import Draft, Family, Interaction
from pipelines.creators.wording import Grammar
from pipelines.creators.common import (
    GridFigure,
    choice_letter,
    clamp_difficulty,
    dist,
    fmt_dec,
    fmt_frac,
    fraction_note,
    interaction_code,
    ix_datamap,
    ix_window_line,
    ix_midpoint,
    ix_segment,
    make_choices,
    near_rounding_boundary,
    pick_ask,
    to_frac,
)

DOMAIN = "analytic_geometry"
_A = "analytic_geometry."
DISTANCE = _A + "coordinates.distance_formula"
MIDPOINT = _A + "coordinates.midpoint_formula"
TRI_AREA = _A + "coordinates.triangle_area"
SLOPE = _A + "lines.slope"
INTERCEPTS = _A + "lines.intercepts"
SLOPE_FORM = _A + "lines.slope_intercept_form"
PAR_PERP = _A + "lines.parallel_perpendicular"
INTERSECTION = _A + "lines.intersection"
AXIS = _A + "parabolas.axis_of_symmetry"
VERTEX_FORM = _A + "parabolas.vertex_form"
VERTEX = _A + "parabolas.vertex"


def _c(v) -> str:
    """A coordinate for text: integers plain, halves as decimals, else a fraction."""
    q = to_frac(v, 1000)
    if q.denominator == 1:
        return str(q.numerator)
    if q.denominator == 2:
        return fmt_dec(q, 1)
    return fmt_frac(q)


def _root(v) -> str:
    """The square root of a value for text: √N for an integer, √(65/4) otherwise (never √65/4,
    which reads as √65 divided by 4)."""
    inner = _c(v)
    return f"√{inner}" if to_frac(v, 1000).denominator == 1 else f"√({inner})"


def _coord_frac(v: float) -> Fraction:
    return to_frac(v, 1000)


def _lattice(draft: Draft) -> dict[str, tuple[Fraction, Fraction]]:
    return {e.name: (_coord_frac(e.x), _coord_frac(e.y)) for e in draft.elements}


def _signed_term(q: Fraction, first: bool = False) -> str:
    """'+ 3/2' / '- 1' style constant term."""
    if first:
        return fmt_frac(q)
    return f"+ {fmt_frac(q)}" if q >= 0 else f"- {fmt_frac(-q)}"


def line_equation(m: Fraction, b: Fraction) -> str:
    """Slope-intercept text, e.g. 'y = 2x + 1', 'y = -(3/4)x - 5/2', 'y = x'."""
    if m == 1:
        mx = "x"
    elif m == -1:
        mx = "-x"
    elif m.denominator == 1:
        mx = f"{m.numerator}x"
    else:
        mx = f"({fmt_frac(m)})x" if m > 0 else f"-({fmt_frac(-m)})x"
    if b == 0:
        return f"y = {mx}"
    return f"y = {mx} {_signed_term(b)}"


def parabola_equation(a: Fraction, h: Fraction, k: Fraction) -> str:
    """Vertex-form text, e.g. 'y = 2(x - 3/2)^2 + 1', 'y = -(x + 1)^2'."""
    if a == 1:
        lead = ""
    elif a == -1:
        lead = "-"
    elif a.denominator == 1:
        lead = str(a.numerator)
    else:
        lead = f"({fmt_frac(a)})" if a > 0 else f"-({fmt_frac(-a)})"
    inner = "x" if h == 0 else (f"x - {fmt_frac(h)}" if h > 0 else f"x + {fmt_frac(-h)}")
    sq = f"{lead}({inner})²"
    if k == 0:
        return f"y = {sq}"
    return f"y = {sq} {_signed_term(k)}"


# ==============================================================================================
# slope and intercepts of the line through two lattice points


class LineSlopeIntercept(Family):
    """Segment AB between two labelled lattice points; asks for the slope, an intercept of line AB
    (reached by extending the segment) or its slope-intercept equation (choice)."""

    name = "line_slope_intercept"
    givens = ("A", "B")
    domain = DOMAIN
    node_ids = (SLOPE, INTERCEPTS, SLOPE_FORM)
    ASKS = {
        "slope": frozenset({SLOPE}),
        "y_intercept": frozenset({INTERCEPTS, SLOPE}),
        "x_intercept": frozenset({INTERCEPTS, SLOPE}),
        "equation": frozenset({SLOPE_FORM, SLOPE, INTERCEPTS}),
    }

    def create(self, rng: random.Random, node_ids, difficulty: int) -> Draft:
        d = clamp_difficulty(difficulty)
        ask, covered = pick_ask(rng, node_ids, self.ASKS, self.node_ids)
        for _ in range(10000):
            side = rng.choice((-1, 1))
            xa, xb = sorted(rng.sample(range(1, 7), 2))
            xa, xb = side * xa, side * xb
            ya, yb = rng.randint(-6, 6), rng.randint(-6, 6)
            if ya == yb or abs(xb - xa) < 2 or math.hypot(xb - xa, yb - ya) < 3:
                continue
            m = Fraction(yb - ya, xb - xa)
            b = ya - m * xa
            if abs(b) > 6 or abs(m) > 4 or abs(m) < Fraction(1, 4):
                continue
            if d == 1 and (m.denominator != 1 or b.denominator != 1):
                continue
            if d == 2 and (m.denominator == 1 or b.denominator != 1):
                continue
            if d == 3 and (m.denominator == 1 or b.denominator == 1):
                continue
            if ask == "x_intercept":
                x0 = -b / m
                if abs(x0) > 6 or ya * yb <= 0 or (x0.denominator == 1) != (d == 1) or x0 == 0:
                    continue
            if ask == "y_intercept" and b == 0:
                continue
            break
        else:  # pragma: no cover
            raise RuntimeError("no line found")
        fig = GridFigure((-7, 7), (-7, 7))
        fig.point("A", (xa, ya))
        fig.point("B", (xb, yb))
        fig.polyline([(xa, ya), (xb, yb)], color="black", lw=2.2)
        code, elements = fig.build()
        pa, pb = (xa, ya), (xb, yb)
        intro = "Segment AB joins the grid points A and B; read their coordinates from the axes."
        dx, dy = xb - xa, yb - ya
        slope_sol = f"Complete the slope triangle: the run from A to B is {dx} and the rise is {dy}, so the slope is {dy}/{dx} = {fmt_frac(m)}."
        slope_ix = Interaction(
            "auxiliary_line", "Draw the slope triangle of AB: a horizontal leg from A and a vertical leg up or down to B.",
            interaction_code(ix_datamap({"A": pa, "B": pb}), self._slope_triangle(dx, dy, fig.xr)), ("A", "B"))
        ext_ix = Interaction(
            "auxiliary_line", "Extend segment AB to the full line and mark where it crosses the axis.",
            interaction_code(ix_datamap({"A": pa, "B": pb}), ix_window_line(pa, pb, fig.xr, fig.yr),
                             self._axis_cross(ask, m, b)), ("A", "B"))
        choices: tuple[str, ...] = ()
        answer_type = "number"
        if ask == "slope":
            question = f"{intro} What is the slope of line AB? {fraction_note()}"
            answer = fmt_frac(m)
            solution = slope_sol
            inters = (slope_ix,)
        elif ask == "y_intercept":
            question = f"{intro} Line AB crosses the y-axis at the point (0, b). What is b? {fraction_note()}"
            answer = fmt_frac(b)
            solution = (f"{slope_sol} Extend AB until it meets the y-axis: moving from A to x = 0 changes x by {-xa}, "
                        f"so b = {ya} + ({fmt_frac(m)}) · ({-xa}) = {answer}.")
            inters = (ext_ix,)
        elif ask == "x_intercept":
            x0 = -b / m
            question = f"{intro} Line AB crosses the x-axis at the point (a, 0). What is a? {fraction_note()}"
            answer = fmt_frac(x0)
            solution = (f"{slope_sol} Extend AB until it meets the x-axis: from A the height must drop by {ya}, which takes "
                        f"a run of {ya} ÷ ({fmt_frac(m)}) = {fmt_frac(Fraction(ya) / m)}, so a = {xa} − {fmt_frac(Fraction(ya) / m)} = {answer}.")
            inters = (ext_ix,)
        else:
            question = f"{intro} Which equation describes line AB?"
            correct = line_equation(m, b)
            wrong = [line_equation(-m, b), line_equation(m, -b if b != 0 else Fraction(1)),
                     line_equation(1 / m, b), line_equation(m, b + 1), line_equation(-1 / m, b),
                     line_equation(-m, -b), line_equation(2 * m, b), line_equation(m, b - 1)]
            choices, answer = make_choices(rng, correct, [w for w in wrong if w != correct])
            answer_type = "choice"
            solution = (f"{slope_sol} Extending AB to the y-axis gives the intercept {ya} − ({fmt_frac(m)}) · ({xa}) = "
                        f"{fmt_frac(b)}, so line AB is {correct}.")
            inters = (slope_ix, ext_ix)
        params = {"ask": ask, "A": [xa, ya], "B": [xb, yb]}
        return self.draft(node_ids=covered, render_code=code, question=question, answer=answer,
                      answer_type=answer_type, choices=choices, solution=solution, interactions=inters,
                      elements=elements, difficulty=d, params=params)

    @staticmethod
    def _slope_triangle(dx: int, dy: int, xr: tuple[int, int]) -> str:
        return f"""_cx, _cy = P['B'][0], P['A'][1]
ax.plot([P['A'][0], _cx], [P['A'][1], _cy], color='red', ls='--', lw=2.2)
ax.plot([_cx, P['B'][0]], [_cy, P['B'][1]], color='blue', ls='--', lw=2.2)
_box = dict(boxstyle='round,pad=0.15', fc='white', ec='none', alpha=0.9)
ax.text((P['A'][0] + _cx) / 2, _cy + (16 if P['B'][1] < _cy else -16), 'run {dx}', color='red', fontsize=11, ha='center', va='center', bbox=_box)
_side = 1 if P['A'][0] < _cx else -1
_left, _right = _px({xr[0]}, 0)[0], _px({xr[1]}, 0)[0]
if not (_left + 45 < _cx + _side * 34 < _right - 45):
    _side = -_side
ax.text(_cx + _side * 34, (_cy + P['B'][1]) / 2, 'rise {dy}', color='blue', fontsize=11, ha='center', va='center', bbox=_box)
"""

    @staticmethod
    def _axis_cross(ask: str, m: Fraction, b: Fraction) -> str:
        if ask == "x_intercept":
            x0 = float(-b / m)
            return f"_q = _px({x0!r}, 0)\nax.plot([_q[0]], [_q[1]], 'o', color='red', ms=8, mfc='none', mew=2.5)\n"
        return f"_q = _px(0, {float(b)!r})\nax.plot([_q[0]], [_q[1]], 'o', color='red', ms=8, mfc='none', mew=2.5)\n"

    def rederive(self, draft: Draft) -> str:
        pts = _lattice(draft)
        (xa, ya), (xb, yb) = pts["A"], pts["B"]
        m = (yb - ya) / (xb - xa)
        b = ya - m * xa
        ask = draft.params["ask"]
        if ask == "slope":
            return fmt_frac(m)
        if ask == "y_intercept":
            return fmt_frac(b)
        if ask == "x_intercept":
            return fmt_frac(-b / m)
        if ask == "equation":
            return choice_letter(draft.choices, line_equation(m, b))
        raise ValueError(f"unknown ask {ask!r}")


# ==============================================================================================
# parabola: axis of symmetry from two points at equal height, vertex, vertex form


PARABOLA_WORDING = Grammar({
    "intro": ["The parabola shown is the graph of a quadratic function and passes through {pts}.",
              "One quadratic function is graphed; its parabola goes through {pts}.",
              "The curve in the figure is a parabola through {pts}.",
              "{story} The curve is a parabola through {pts}.",
              "Points {pts} lie on the parabola drawn in the coordinate plane."],
    "story": ["The path of a thrown ball is plotted on a grid.", "The water jet of a fountain is drawn to scale.",
              "An arch of a bridge is modelled on graph paper.", "The cross-section of a satellite dish is drawn."],
    "axis_q": ["Its axis of symmetry is the vertical line x = h. What is h?",
               "Find the x-value of its axis of symmetry.",
               "The parabola is symmetric about a vertical line; at what x does that line cross the x-axis?",
               "What is the x-coordinate of the axis of symmetry?"],
    "vertex_q": ["What is the y-coordinate of its vertex?", "How high is the turning point (the vertex)?",
                 "Find the y-value of the vertex.", "At what height does the parabola turn around?"],
    "yint_q": ["At what y-coordinate does the parabola cross the y-axis?", "Find the y-intercept of the parabola.",
               "Where does the curve meet the y-axis? Give the y-coordinate.",
               "What value does the function take at x = 0?"],
    "form_q": ["Which equation describes the parabola?", "Which formula matches the graph?",
               "Pick the equation of this parabola.", "Which of these quadratic equations has this graph?"],
}, labels=("A", "B", "C"))


class ParabolaSymmetry(Family):
    """Parabola through labelled lattice points A, B (same height) and C; asks for the axis of
    symmetry, the vertex height, or the vertex-form equation (choice)."""

    name = "parabola_symmetry"
    givens = ("A", "B", "C")
    domain = DOMAIN
    node_ids = (AXIS, VERTEX, VERTEX_FORM)
    supports = frozenset({"sequential"})
    ASKS = {
        "axis": frozenset({AXIS}),
        "vertex": frozenset({VERTEX, VERTEX_FORM, AXIS}),
        "form": frozenset({VERTEX_FORM, AXIS}),
    }

    def create(self, rng: random.Random, node_ids, difficulty: int) -> Draft:
        d = clamp_difficulty(difficulty)
        ask, covered = pick_ask(rng, node_ids, self.ASKS, self.node_ids)
        for _ in range(10000):
            a = Fraction(rng.choice([1, -1])) if d == 1 else Fraction(rng.choice([1, -1, 1, -1, 2, -2])) / rng.choice([1, 2])
            h2 = rng.randint(-6, 6)  # 2h
            h = Fraction(h2, 2)
            if d == 1 and h.denominator != 1:
                continue
            half = Fraction(rng.randint(1, 4)) if h.denominator == 1 else Fraction(rng.choice([3, 5, 7]), 2)
            xa, xb = h - half, h + half
            ya = rng.randint(-5, 5)
            k = ya - a * half * half
            if d == 3 and k.denominator == 1:
                continue
            if ask == "axis" and d > 1 and h.denominator == 1:
                continue
            cands = [x for x in range(int(math.floor(h)) - 5, int(math.ceil(h)) + 6)
                     if x not in (xa, xb) and abs(x - h) > Fraction(1, 2)]
            xc = rng.choice(cands)
            yc = a * (xc - h) ** 2 + k
            if yc.denominator != 1 or yc == ya:
                continue
            lo = min(k, ya, yc)
            hi = max(k, ya, yc)
            if hi - lo > 9 or abs(xc - xa) < 1 or abs(xc - xb) < 1:
                continue
            break
        else:  # pragma: no cover
            raise RuntimeError("no parabola found")
        xa, xb, ya, yc = int(xa), int(xb), int(ya), int(yc)
        cx = int(math.floor(h))
        ymid = int(math.floor((lo + hi) / 2))
        fig = GridFigure((cx - 6, cx + 6), (ymid - 6, ymid + 6))
        af, hf, kf = float(a), float(h), float(k)
        fig.curve(lambda x: af * (x - hf) ** 2 + kf, n=161, color="#2a7f3f", lw=2.2)
        fig.point("A", (xa, ya))
        fig.point("B", (xb, ya))
        fig.point("C", (xc, yc))
        code, elements = fig.build()
        params = {"ask": ask, "a": fmt_frac(a), "h": fmt_frac(h), "k": fmt_frac(k),
                  "A": [xa, ya], "B": [xb, ya], "C": [xc, yc], "window_y": list(fig.yr)}
        draft = self.draft(node_ids=covered, render_code=code, question="", answer="", solution="",
                       interactions=(), elements=elements, difficulty=d, params=params)
        return self._pose(draft, ask, rng)

    def _pose(self, draft: Draft, ask: str, rng: random.Random) -> Draft:
        pr = dict(draft.params, ask=ask)
        a, h, k = Fraction(pr["a"]), Fraction(pr["h"]), Fraction(pr["k"])
        (xa, ya), (xb, _), (xc, yc) = pr["A"], pr["B"], pr["C"]
        pts = "A, B and C (each at a crossing of the grid lines)"
        intro, intro_id = PARABOLA_WORDING.expand(rng, "intro", pts=pts)
        asked, asked_id = PARABOLA_WORDING.expand(rng, f"{ask}_q")
        axis_sol = (f"A and B have the same height, so they are mirror images in the axis of symmetry, which passes "
                    f"through the midpoint of AB: x = ({xa} + {xb})/2 = {fmt_frac(h)}.")
        dm = ix_datamap({"A": (xa, ya), "B": (xb, ya), "C": (xc, yc)})
        y0, y1 = pr["window_y"]
        axis_ix = Interaction("midpoint", "Join A and B, mark the midpoint of AB and draw the vertical axis of symmetry through it.",
                              interaction_code(dm, ix_segment("A", "B", color="red"), ix_midpoint("A", "B", "M", away_from="C"),
                                               self._vertical_through_mid(y0, y1)), ("A", "B"))
        u2a, u2c = (Fraction(xa) - h) ** 2, (Fraction(xc) - h) ** 2
        vertex_sol = (f"Write y = a(x − {fmt_frac(h)})² + k. From A: {ya} = a · {fmt_frac(u2a)} + k; from C: {yc} = a · {fmt_frac(u2c)} + k. "
                      f"Subtracting gives a = {fmt_frac(a)}, and then k = {ya} − ({fmt_frac(a)}) · {fmt_frac(u2a)} = {fmt_frac(k)}.")
        choices: tuple[str, ...] = ()
        answer_type = "number"
        if ask == "axis":
            question = f"{intro} {asked} {fraction_note()}"
            answer = fmt_frac(h)
            solution = axis_sol
            inters = (axis_ix,)
        elif ask == "vertex":
            question = f"{intro} {asked} {fraction_note()}"
            answer = fmt_frac(k)
            solution = f"{axis_sol} {vertex_sol} The vertex lies on the axis, at height {answer}."
            vertex_ix = Interaction(
                "auxiliary_line", "Reflect C in the axis of symmetry and mark the vertex on the axis.",
                interaction_code(dm, self._reflect_and_vertex(float(h), float(k), float(2 * h - xc), yc, y0, y1)), ("C",))
            inters = tuple(i for i in draft.interactions if i.kind != "midpoint") + (axis_ix, vertex_ix)
        elif ask == "yint":
            c0 = a * h * h + k
            answer = fmt_frac(c0)
            question = f"{intro} {asked} {fraction_note()}"
            solution = (f"{axis_sol} {vertex_sol} So the parabola is y = ({fmt_frac(a)})(x − {fmt_frac(h)})² + {fmt_frac(k)}; "
                        f"at x = 0 this gives ({fmt_frac(a)}) · {fmt_frac(h * h)} + {fmt_frac(k)} = {answer}.")
            yint_ix = Interaction(
                "auxiliary_line", "Mark where the parabola meets the y-axis and join that point to C.",
                interaction_code(dm, f"_y = _px(0, {float(c0)!r})\n"
                                 "ax.plot([P['C'][0], _y[0]], [P['C'][1], _y[1]], color='purple', ls='--', lw=2)\n"
                                 "ax.plot([_y[0]], [_y[1]], 'o', color='purple', ms=9, mfc='none', mew=2.5)\n"), ("C",))
            inters = draft.interactions + (yint_ix,)
        else:
            question = f"{intro} {asked}"
            correct = parabola_equation(a, h, k)
            wrong = [parabola_equation(a, -h, k), parabola_equation(-a, h, k),
                     parabola_equation(a, h, -k if k != 0 else Fraction(1)), parabola_equation(2 * a, h, k),
                     parabola_equation(a, h, k + 1)]
            choices, answer = make_choices(rng, correct, [w for w in wrong if w != correct])
            answer_type = "choice"
            solution = f"{axis_sol} {vertex_sol} So the parabola is {correct}."
            inters = (axis_ix,)
        return draft.replace(question=question, answer=answer, answer_type=answer_type, choices=choices,
                             solution=solution, interactions=inters, params=pr,
                             template_id=f"{self.name}.{ask}.{intro_id}.{asked_id}")

    @staticmethod
    def _vertical_through_mid(y0: int, y1: int) -> str:
        return f"ax.plot([_mx, _mx], [_px(0, {y0})[1], _px(0, {y1})[1]], color='red', ls=':', lw=2)\n"

    @staticmethod
    def _reflect_and_vertex(h: float, k: float, xr: float, yc: float, y0: int, y1: int) -> str:
        return f"""_c2 = _px({xr!r}, {float(yc)!r})
ax.plot([P['C'][0], _c2[0]], [P['C'][1], _c2[1]], color='blue', ls='--', lw=2)
ax.plot([_c2[0]], [_c2[1]], 'o', color='blue', ms=7)
_v = _px({h!r}, {k!r})
_a0 = _px({h!r}, {y0})
_a1 = _px({h!r}, {y1})
ax.plot([_a0[0], _a1[0]], [_a0[1], _a1[1]], color='red', ls=':', lw=2)
ax.plot([_v[0]], [_v[1]], 'o', color='red', ms=9)
ax.text(_v[0] + 14, _v[1], 'V', color='red', fontsize=14, ha='left', va='center')
"""

    def expand_sequential(self, draft: Draft, rng: random.Random) -> Draft | None:
        pr = draft.params
        nxt = {"axis": "vertex", "vertex": "yint", "form": "yint"}.get(pr["ask"])
        if nxt is None:
            return None
        if nxt == "yint":
            c0 = Fraction(pr["a"]) * Fraction(pr["h"]) ** 2 + Fraction(pr["k"])
            y0, y1 = pr["window_y"]
            if not y0 + 0.5 <= c0 <= y1 - 0.5 or pr["C"][0] == 0:
                return None
        new = self._pose(draft, nxt, rng)
        return new.replace(variant=f"seq_{nxt}", difficulty=draft.difficulty + 1, answer_type="number", choices=(),
                           params=dict(new.params, parent_answer=draft.answer))

    def rederive(self, draft: Draft) -> str:
        pts = _lattice(draft)
        (x1, y1), (x2, y2), (x3, y3) = pts["A"], pts["B"], pts["C"]
        # divided differences: y = c2 x^2 + c1 x + c0
        d12 = (y2 - y1) / (x2 - x1)
        d23 = (y3 - y2) / (x3 - x2)
        c2 = (d23 - d12) / (x3 - x1)
        c1 = d12 - c2 * (x1 + x2)
        c0 = y1 - c2 * x1 * x1 - c1 * x1
        h = -c1 / (2 * c2)
        k = c0 - c1 * c1 / (4 * c2)
        ask = draft.params["ask"]
        if ask == "axis":
            return fmt_frac(h)
        if ask == "vertex":
            return fmt_frac(k)
        if ask == "form":
            return choice_letter(draft.choices, parabola_equation(c2, h, k))
        if ask == "yint":
            return fmt_frac(c0)
        raise ValueError(f"unknown ask {ask!r}")


# ==============================================================================================
# distance and midpoint


TRIPLE_VECTORS = [(3, 4), (4, 3), (6, 8), (8, 6), (5, 12), (12, 5)]


def _vec(rng: random.Random, exact: bool) -> tuple[int, int]:
    if exact:
        dx, dy = rng.choice([v for v in TRIPLE_VECTORS if max(v) <= 8])
    else:
        while True:
            dx, dy = rng.randint(1, 8), rng.randint(1, 8)
            s = dx * dx + dy * dy
            if math.isqrt(s) ** 2 != s:
                break
    return dx * rng.choice((-1, 1)), dy * rng.choice((-1, 1))


class DistanceMidpoint(Family):
    """Three labelled lattice points; asks for a distance, the midpoint of AB (choice) or the
    distance from C to the midpoint of AB."""

    name = "distance_midpoint"
    givens = ("A", "B", "C")
    domain = DOMAIN
    node_ids = (DISTANCE, MIDPOINT)
    supports = frozenset({"parallel", "sequential"})
    ASKS = {
        "distance": frozenset({DISTANCE}),
        "midpoint": frozenset({MIDPOINT}),
        "mid_dist": frozenset({DISTANCE, MIDPOINT}),
    }

    def create(self, rng: random.Random, node_ids, difficulty: int) -> Draft:
        d = clamp_difficulty(difficulty)
        ask, covered = pick_ask(rng, node_ids, self.ASKS, self.node_ids)
        exact = d < 3
        for _ in range(10000):
            ab, ac = _vec(rng, exact), _vec(rng, exact)
            A = (rng.randint(-6, 6), rng.randint(-6, 6))
            B = (A[0] + ab[0], A[1] + ab[1])
            C = (A[0] + ac[0], A[1] + ac[1])
            if any(abs(v) > 6 for p in (B, C) for v in p):
                continue
            cross = ab[0] * ac[1] - ab[1] * ac[0]
            if abs(cross) < 8 or dist(B, C) < 3:
                continue
            if ask == "midpoint" and (A[0] + B[0]) % 2 == 0 and (A[1] + B[1]) % 2 == 0 and d > 1:
                continue
            if ask == "mid_dist":
                M = ((A[0] + B[0]) / 2, (A[1] + B[1]) / 2)
                if dist(M, C) < 2 or near_rounding_boundary(dist(M, C), 2):
                    continue
            break
        else:  # pragma: no cover
            raise RuntimeError("no points found")
        fig = GridFigure((-7, 7), (-7, 7))
        for n, p in (("A", A), ("B", B), ("C", C)):
            fig.point(n, p)
        code, elements = fig.build()
        params = {"ask": ask, "A": list(A), "B": list(B), "C": list(C), "exact": exact}
        draft = self.draft(node_ids=covered, render_code=code, question="", answer="", solution="",
                       interactions=(), elements=elements, difficulty=d, params=params)
        return self._pose(draft, ask, rng)

    @staticmethod
    def _dist_text(p, q, n1, n2) -> tuple[float, str]:
        dx, dy = q[0] - p[0], q[1] - p[1]
        v = math.hypot(dx, dy)
        return v, f"{n1}{n2} = √({_c(dx)}² + {_c(dy)}²) = {_root(dx * dx + dy * dy)}"

    @staticmethod
    def _legs(a: str, b: str, color: str) -> str:
        return f"""_cx, _cy = P['{b}'][0], P['{a}'][1]
ax.plot([P['{a}'][0], P['{b}'][0]], [P['{a}'][1], P['{b}'][1]], color='{color}', lw=2.2)
ax.plot([P['{a}'][0], _cx, P['{b}'][0]], [P['{a}'][1], _cy, P['{b}'][1]], color='{color}', ls='--', lw=1.8)
"""

    def _pose(self, draft: Draft, ask: str, rng: random.Random) -> Draft:
        pr = dict(draft.params, ask=ask)
        A, B, C, exact = tuple(pr["A"]), tuple(pr["B"]), tuple(pr["C"]), pr["exact"]
        intro = "Points A, B and C are plotted at crossings of the grid lines."
        M = ((A[0] + B[0]) / 2, (A[1] + B[1]) / 2)
        ab_ix = Interaction("auxiliary_line", "Join A and B and draw the horizontal and vertical legs of the right triangle with hypotenuse AB.",
                            interaction_code(self._legs("A", "B", "red")), ("A", "B"))
        ac_ix = Interaction("auxiliary_line", "Join A and C and draw the horizontal and vertical legs of the right triangle with hypotenuse AC.",
                            interaction_code(self._legs("A", "C", "blue")), ("A", "C"))
        mid_ix = Interaction("midpoint", "Join A and B and mark the midpoint M of AB.",
                             interaction_code(ix_segment("A", "B", ls="-"), ix_midpoint("A", "B", "M", away_from="C")), ("A", "B"))
        choices: tuple[str, ...] = ()
        answer_type = "number"
        mid_sol = f"The midpoint of AB is (({A[0]} + {B[0]})/2, ({A[1]} + {B[1]})/2) = ({_c(M[0])}, {_c(M[1])})."
        if ask == "distance":
            v, t = self._dist_text(A, B, "A", "B")
            fmt = "int" if exact else "dec2"
            answer = str(round(v)) if exact else fmt_dec(v, 2)
            question = f"{intro} What is the length of AB?" + ("" if exact else " Round to two decimal places.")
            solution = f"Draw the right triangle with hypotenuse AB and legs parallel to the axes. {t} = {answer}" + ("." if exact else " (rounded).")
            inters = (ab_ix,)
        elif ask == "dist_sum":
            v1, t1 = self._dist_text(A, B, "A", "B")
            v2, t2 = self._dist_text(A, C, "A", "C")
            fmt = "int" if exact else "dec2"
            v = v1 + v2
            if not exact and near_rounding_boundary(v, 2):
                return None
            answer = str(round(v)) if exact else fmt_dec(v, 2)
            question = f"{intro} What is AB + AC?" + ("" if exact else " Round to two decimal places.")
            solution = (f"Draw the right triangles with hypotenuses AB and AC and legs parallel to the axes. "
                        f"{t1} = {_c(v1) if exact else fmt_dec(v1, 4)} and {t2} = {_c(v2) if exact else fmt_dec(v2, 4)}, "
                        f"so AB + AC = {answer}.")
            inters = (ab_ix, ac_ix)
        elif ask == "midpoint":
            fmt = "choice"
            correct = f"({_c(M[0])}, {_c(M[1])})"
            wrong = [f"({_c(M[1])}, {_c(M[0])})", f"({_c((B[0] - A[0]) / 2)}, {_c((B[1] - A[1]) / 2)})",
                     f"({_c(A[0] + B[0])}, {_c(A[1] + B[1])})", f"({_c(M[0] + 0.5)}, {_c(M[1] - 0.5)})",
                     f"({_c(M[0] - 1)}, {_c(M[1])})"]
            choices, answer = make_choices(rng, correct, [w for w in wrong if w != correct])
            answer_type = "choice"
            question = f"{intro} Which point is the midpoint of AB?"
            solution = f"Join A and B and mark the midpoint. {mid_sol}"
            inters = (mid_ix,)
        elif ask == "mid_dist":
            fmt = "dec2"
            v, t = self._dist_text(M, C, "M", "C")
            answer = fmt_dec(v, 2)
            question = f"{intro} What is the distance from C to the midpoint of AB? Round to two decimal places."
            solution = (f"Mark the midpoint M of AB and join it to C. {mid_sol} Then the distance is "
                        f"√(({_c(C[0])} − {_c(M[0])})² + ({_c(C[1])} − {_c(M[1])})²) = {_root((C[0] - M[0]) ** 2 + (C[1] - M[1]) ** 2)} ≈ {answer}.")
            mc_ix = Interaction("auxiliary_line", "Join the midpoint M of AB to C.",
                                interaction_code(ix_segment("A", "B", ls="-"), ix_midpoint("A", "B", "M", away_from="C"),
                                                 "ax.plot([_mx, P['C'][0]], [_my, P['C'][1]], color='blue', ls='--', lw=2.2)\n"),
                                ("C",))
            inters = (mc_ix,)
        elif ask == "midline":
            fmt = "dec2"
            N = ((A[0] + C[0]) / 2, (A[1] + C[1]) / 2)
            v = dist(M, N)
            if near_rounding_boundary(v, 2):
                return None
            answer = fmt_dec(v, 2)
            question = (f"{intro} What is the distance between the midpoint of AB and the midpoint of AC? "
                        "Round to two decimal places.")
            solution = (f"Mark the midpoints of AB and AC. {mid_sol} The midpoint of AC is (({A[0]} + {C[0]})/2, "
                        f"({A[1]} + {C[1]})/2) = ({_c(N[0])}, {_c(N[1])}). Their distance is "
                        f"√(({_c(N[0])} − {_c(M[0])})² + ({_c(N[1])} − {_c(M[1])})²) ≈ {answer} (half of BC).")
            nm_ix = Interaction("midpoint", "Mark the midpoint N of AC and join it to the midpoint M of AB.",
                                interaction_code(ix_segment("A", "C", color="blue", ls="-"),
                                                 ix_midpoint("A", "C", "N", color="blue", away_from="B"),
                                                 "_nx, _ny = _mx, _my\n",
                                                 ix_midpoint("A", "B", "M", away_from="C"),
                                                 "ax.plot([_mx, _nx], [_my, _ny], color='purple', ls='--', lw=2.2)\n"),
                                ("A", "C"))
            inters = (mid_ix, nm_ix)
        else:
            raise ValueError(ask)
        pr["fmt"] = fmt
        return draft.replace(question=question, answer=answer, answer_type=answer_type, choices=choices,
                             solution=solution, interactions=inters, params=pr)

    def expand_parallel(self, draft: Draft, rng: random.Random) -> Draft | None:
        nxt = {"distance": "dist_sum", "midpoint": "midline"}.get(draft.params["ask"])
        if nxt is None:
            return None
        new = self._pose(draft, nxt, rng)
        if new is None:
            return None
        return new.replace(variant=f"par_{nxt}", difficulty=draft.difficulty + 1, answer_type="number", choices=(),
                           params=dict(new.params, parent_answer=draft.answer))

    def expand_sequential(self, draft: Draft, rng: random.Random) -> Draft | None:
        if draft.params["ask"] not in ("midpoint", "distance"):
            return None
        new = self._pose(draft, "mid_dist", rng)
        new = new.replace(interactions=draft.interactions + new.interactions[-1:])
        return new.replace(variant="seq_mid_dist", difficulty=draft.difficulty + 1,
                           params=dict(new.params, parent_answer=draft.answer))

    def rederive(self, draft: Draft) -> str:
        pts = draft.points()
        A, B, C = pts["A"], pts["B"], pts["C"]
        ask, fmt = draft.params["ask"], draft.params["fmt"]
        if ask == "midpoint":
            return choice_letter(draft.choices, f"({_c((A[0] + B[0]) / 2)}, {_c((A[1] + B[1]) / 2)})")
        if ask == "distance":
            v = dist(A, B)
        elif ask == "dist_sum":
            v = dist(A, B) + dist(A, C)
        elif ask == "mid_dist":
            v = dist(((A[0] + B[0]) / 2, (A[1] + B[1]) / 2), C)
        elif ask == "midline":
            v = dist(((A[0] + B[0]) / 2, (A[1] + B[1]) / 2), ((A[0] + C[0]) / 2, (A[1] + C[1]) / 2))
        else:
            raise ValueError(f"unknown ask {ask!r}")
        return str(int(round(v))) if fmt == "int" else fmt_dec(v, 2)


# ==============================================================================================
# intersection of two lines


def _meet(p1, p2, p3, p4) -> tuple[Fraction, Fraction] | None:
    """Intersection of lines p1p2 and p3p4 (Fractions), None when parallel."""
    x1, y1 = map(Fraction, p1)
    x2, y2 = map(Fraction, p2)
    x3, y3 = map(Fraction, p3)
    x4, y4 = map(Fraction, p4)
    den = (x1 - x2) * (y3 - y4) - (y1 - y2) * (x3 - x4)
    if den == 0:
        return None
    a = x1 * y2 - y1 * x2
    b = x3 * y4 - y3 * x4
    return ((a * (x3 - x4) - (x1 - x2) * b) / den, (a * (y3 - y4) - (y1 - y2) * b) / den)


def _tri_area(p, q, r) -> Fraction:
    return abs((q[0] - p[0]) * (r[1] - p[1]) - (q[1] - p[1]) * (r[0] - p[0])) / 2


class LineIntersection(Family):
    """Segments AB and CD on the grid; the lines through them meet outside the segments (or are
    parallel/perpendicular). Asks for the intersection, the relation (choice) or the area of the
    triangle formed by A, C and the intersection point."""

    name = "line_intersection"
    givens = ("A", "B", "C", "D")
    domain = DOMAIN
    node_ids = (INTERSECTION, PAR_PERP, TRI_AREA)
    supports = frozenset({"sequential"})
    ASKS = {
        "ix_x": frozenset({INTERSECTION}),
        "ix_y": frozenset({INTERSECTION}),
        "relation": frozenset({PAR_PERP}),
        "area": frozenset({TRI_AREA, INTERSECTION}),
    }
    RELATIONS = ("parallel", "perpendicular", "intersecting but not perpendicular", "the same line")

    def create(self, rng: random.Random, node_ids, difficulty: int) -> Draft:
        d = clamp_difficulty(difficulty)
        ask, covered = pick_ask(rng, node_ids, self.ASKS, self.node_ids)
        rel = rng.choice(self.RELATIONS[:3]) if ask == "relation" else "intersecting"
        for _ in range(100000):
            A = (rng.randint(-6, 6), rng.randint(-6, 6))
            u = (rng.randint(1, 5) * rng.choice((-1, 1)), rng.randint(0, 5) * rng.choice((-1, 1)))
            B = (A[0] + u[0], A[1] + u[1])
            C = (rng.randint(-6, 6), rng.randint(-6, 6))
            if rel == "parallel":
                kf = rng.choice((-1, 1, 2, -2)) if max(abs(u[0]), abs(u[1])) <= 3 else rng.choice((-1, 1))
                v = (u[0] * kf, u[1] * kf)
            elif rel == "perpendicular":
                g = math.gcd(u[0], u[1])
                kf = rng.choice((1, 2, -1, -2)) if max(abs(u[0]), abs(u[1])) // g <= 3 else rng.choice((1, -1))
                v = (-u[1] // g * kf, u[0] // g * kf)
            else:
                v = (rng.randint(1, 5) * rng.choice((-1, 1)), rng.randint(0, 5) * rng.choice((-1, 1)))
            D = (C[0] + v[0], C[1] + v[1])
            pts = [A, B, C, D]
            if any(abs(c) > 6 for p in pts for c in p) or u[0] == 0 or v[0] == 0:
                continue
            if min(dist(p, q) for i, p in enumerate(pts) for q in pts[i + 1:]) < 2.5:
                continue
            if dist(A, B) < 3 or dist(C, D) < 3:
                continue
            X = _meet(A, B, C, D)
            cross_uv = u[0] * v[1] - u[1] * v[0]
            if rel == "parallel":
                # distinct parallel lines, not too close
                if X is not None or abs(u[0] * (C[1] - A[1]) - u[1] * (C[0] - A[0])) / math.hypot(*u) < 2:
                    continue
                break
            if X is None:
                continue
            if rel == "intersecting but not perpendicular":
                if u[0] * v[0] + u[1] * v[1] == 0 or abs(cross_uv) / (math.hypot(*u) * math.hypot(*v)) < 0.35:
                    continue
            if rel == "intersecting":
                if abs(cross_uv) / (math.hypot(*u) * math.hypot(*v)) < 0.35:
                    continue
            if any(abs(c) > 5.5 for c in X) or min(dist(X, p) for p in pts) < 1.5:
                continue
            t1 = ((X[0] - A[0]) * u[0] + (X[1] - A[1]) * u[1]) / (u[0] ** 2 + u[1] ** 2)
            t2 = ((X[0] - C[0]) * v[0] + (X[1] - C[1]) * v[1]) / (v[0] ** 2 + v[1] ** 2)
            if 0 <= t1 <= 1 and 0 <= t2 <= 1:
                continue  # the segments themselves cross: no extension needed
            if ask in ("ix_x", "ix_y", "area"):
                integral = X[0].denominator == 1 and X[1].denominator == 1
                if (d == 1) != integral or max(X[0].denominator, X[1].denominator) > 12:
                    continue
                if ask == "area" and _tri_area(A, C, X) < 2:
                    continue
            break
        else:  # pragma: no cover
            raise RuntimeError("no configuration found")
        fig = GridFigure((-7, 7), (-7, 7))
        for n, p in zip("ABCD", pts, strict=True):
            fig.point(n, p)
        fig.polyline([A, B], color="black", lw=2.2)
        fig.polyline([C, D], color="#8c2d04", lw=2.2)
        code, elements = fig.build()
        params = {"ask": ask, "relation": rel, **{n: list(p) for n, p in zip("ABCD", pts, strict=True)}}
        draft = self.draft(node_ids=covered, render_code=code, question="", answer="", solution="",
                       interactions=(), elements=elements, difficulty=d, params=params)
        return self._pose(draft, ask, rng)

    @staticmethod
    def _meet_snippet() -> str:
        return """_x1, _y1 = P['A']
_x2, _y2 = P['B']
_x3, _y3 = P['C']
_x4, _y4 = P['D']
_den = (_x1 - _x2) * (_y3 - _y4) - (_y1 - _y2) * (_x3 - _x4)
if abs(_den) > 1e-9:
    _a = _x1 * _y2 - _y1 * _x2
    _b = _x3 * _y4 - _y3 * _x4
    _X = ((_a * (_x3 - _x4) - (_x1 - _x2) * _b) / _den, (_a * (_y3 - _y4) - (_y1 - _y2) * _b) / _den)
    ax.plot([_X[0]], [_X[1]], 'o', color='red', ms=8)
    ax.text(_X[0] + 12, _X[1] - 12, 'X', color='red', fontsize=14, ha='left', va='bottom')
"""

    def _pose(self, draft: Draft, ask: str, rng: random.Random) -> Draft:
        pr = dict(draft.params, ask=ask)
        A, B, C, D = (tuple(pr[n]) for n in "ABCD")
        intro = "Segments AB and CD join points at crossings of the grid lines."
        m1 = Fraction(B[1] - A[1], B[0] - A[0])
        m2 = Fraction(D[1] - C[1], D[0] - C[0])
        b1, b2 = A[1] - m1 * A[0], C[1] - m2 * C[0]
        lines_sol = f"Line AB is {line_equation(m1, b1)} and line CD is {line_equation(m2, b2)}."
        win = ((-7, 7), (-7, 7))
        dm = ix_datamap({n: p for n, p in zip("ABCD", (A, B, C, D), strict=True)})
        ext_ix = Interaction("auxiliary_line", "Extend segments AB and CD to full lines and mark where they meet.",
                             interaction_code(dm, ix_window_line(A, B, *win, color="red"), ix_window_line(C, D, *win, color="blue"),
                                              self._meet_snippet()), ("A", "B", "C", "D"))
        choices: tuple[str, ...] = ()
        answer_type = "number"
        X = _meet(A, B, C, D)
        if ask in ("ix_x", "ix_y"):
            coord = "x" if ask == "ix_x" else "y"
            answer = fmt_frac(X[0] if ask == "ix_x" else X[1])
            question = (f"{intro} Lines AB and CD are extended until they meet. What is the {coord}-coordinate of "
                        f"their intersection point? {fraction_note()}")
            solution = (f"{lines_sol} Extend both segments; setting the right-hand sides equal gives "
                        f"x = ({fmt_frac(b2)} − {fmt_frac(b1)}) / ({fmt_frac(m1)} − {fmt_frac(m2)}) = {fmt_frac(X[0])}, "
                        f"and then y = {fmt_frac(X[1])}. The {coord}-coordinate is {answer}.")
            inters = (ext_ix,)
        elif ask == "area":
            area = _tri_area(A, C, X)
            answer = fmt_frac(area)
            question = (f"{intro} What is the area of the triangle whose vertices are A, C and the intersection point "
                        f"of lines AB and CD? {fraction_note()}")
            solution = (f"{lines_sol} Extending both segments, they meet at X({_c(X[0])}, {_c(X[1])}). The shaded triangle "
                        f"has area ½ |(x_C − x_A)(y_X − y_A) − (y_C − y_A)(x_X − x_A)| = {answer}.")
            shade_ix = Interaction("shade", "Shade the triangle formed by A, C and the intersection point X.",
                                   interaction_code(dm, ix_window_line(A, B, *win, color="red", lw=1.5),
                                                    ix_window_line(C, D, *win, color="blue", lw=1.5),
                                                    self._meet_snippet(),
                                                    "ax.fill([P['A'][0], P['C'][0], _X[0]], [P['A'][1], P['C'][1], _X[1]], color='#fdae6b', alpha=0.5, lw=0)\n"),
                                   ("A", "C"))
            inters = tuple(draft.interactions) + (shade_ix,) if draft.interactions else (ext_ix, shade_ix)
        elif ask == "relation":
            choices = self.RELATIONS
            answer_type = "choice"
            rel = pr["relation"]
            answer = choice_letter(choices, rel)
            question = f"{intro} When both segments are extended to full lines, how are line AB and line CD related?"
            if rel == "parallel":
                why = f"the slopes are equal ({fmt_frac(m1)}) and the intercepts differ, so the lines are parallel"
            elif rel == "perpendicular":
                why = f"the product of the slopes is {fmt_frac(m1)} · {fmt_frac(m2)} = -1, so the lines are perpendicular"
            else:
                why = f"the slopes {fmt_frac(m1)} and {fmt_frac(m2)} differ and their product is {fmt_frac(m1 * m2)}, not -1, so the lines meet at an angle that is not right"
            solution = f"Extend both segments. The slope of AB is {fmt_frac(m1)} and the slope of CD is {fmt_frac(m2)}; {why}."
            inters = (ext_ix,)
        else:
            raise ValueError(ask)
        return draft.replace(question=question, answer=answer, answer_type=answer_type, choices=choices,
                             solution=solution, interactions=inters, params=pr)

    def expand_sequential(self, draft: Draft, rng: random.Random) -> Draft | None:
        if draft.params["ask"] not in ("ix_x", "ix_y"):
            return None
        new = self._pose(draft, "area", rng)
        return new.replace(variant="seq_area", difficulty=draft.difficulty + 1,
                           params=dict(new.params, parent_answer=draft.answer))

    def rederive(self, draft: Draft) -> str:
        pts = _lattice(draft)
        A, B, C, D = (pts[n] for n in "ABCD")
        ask = draft.params["ask"]
        X = _meet(A, B, C, D)
        if ask == "ix_x":
            return fmt_frac(X[0])
        if ask == "ix_y":
            return fmt_frac(X[1])
        if ask == "area":
            return fmt_frac(_tri_area(A, C, X))
        if ask == "relation":
            u = (B[0] - A[0], B[1] - A[1])
            v = (D[0] - C[0], D[1] - C[1])
            if u[0] * v[1] - u[1] * v[0] == 0:
                same = (C[0] - A[0]) * u[1] - (C[1] - A[1]) * u[0] == 0
                rel = "the same line" if same else "parallel"
            elif u[0] * v[0] + u[1] * v[1] == 0:
                rel = "perpendicular"
            else:
                rel = "intersecting but not perpendicular"
            return choice_letter(draft.choices, rel)
        raise ValueError(f"unknown ask {ask!r}")


FAMILIES = [LineSlopeIntercept(), ParabolaSymmetry(), DistanceMidpoint(), LineIntersection()]
