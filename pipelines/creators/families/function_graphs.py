"""Function-graph families on a coordinate grid: a piecewise linear graph (values, extremes,
steepest piece, slopes) and a parabola with labelled zeros, vertex and y-intercept.

Every labelled point is a lattice point drawn as a dot on the graph; the answers follow from the
construction, and :meth:`rederive` recomputes them from the element coordinates alone.
"""

from __future__ import annotations

import random
from fractions import Fraction

from pipelines.creators.base import ELEMENTS, Draft, Family, Interaction
from pipelines.creators.common import (
    GridFigure,
    choice_letter,
    clamp_difficulty,
    fmt_frac,
    fraction_note,
    interaction_code,
    ix_datamap,
    ix_highlight,
    ix_window_line,
    make_choices,
    pick_ask,
    to_frac,
)
from pipelines.creators.families._f1kit import with_roles

DOMAIN = "function_graphs"
_F = "function_graphs."
VALUE = _F + "reading.value_from_graph"
INTERP = _F + "reading.interpolation"
SLOPE = _F + "linear.slope_from_graph"
MAXMIN = _F + "features.maximum_minimum"
INCDEC = _F + "features.increasing_decreasing"
STEEP = _F + "features.steepest_piece"
SPREAD = _F + "features.value_range_on_interval"
PIECEWISE = _F + "other_functions.piecewise_linear"
ZEROS = _F + "quadratic.zeros_from_graph"
VERTEX = _F + "quadratic.vertex_from_graph"
SYMZ = _F + "quadratic.symmetry_of_zeros"
YINT = _F + "quadratic.y_intercept_quadratic"


def _fr(v: float) -> Fraction:
    return to_frac(v, 1000)


def _pts(draft: Draft) -> dict[str, tuple[Fraction, Fraction]]:
    return {e.name: (_fr(e.x), _fr(e.y)) for e in draft.elements}


# ==============================================================================================
# piecewise linear graph


class PiecewiseLinearGraph(Family):
    """A function made of straight segments joining labelled corner points; asks for a value
    between corners, the maximum, the spread of values, the steepest decreasing piece or a slope."""

    name = "piecewise_linear_graph"
    givens = (ELEMENTS,)
    domain = DOMAIN
    node_ids = (VALUE, INTERP, SLOPE, MAXMIN, INCDEC, STEEP, SPREAD, PIECEWISE)
    supports = frozenset({"parallel"})
    ASKS = {
        "value": frozenset({VALUE, INTERP, PIECEWISE}),
        "max": frozenset({MAXMIN, VALUE}),
        "spread": frozenset({MAXMIN, SPREAD}),
        "steepest": frozenset({INCDEC, STEEP, PIECEWISE}),
        "slope": frozenset({SLOPE, PIECEWISE}),
    }
    NAMES = ("ABCDEF", "PQRSTU", "KLMNQR", "DEFGHI")

    def create(self, rng: random.Random, node_ids, difficulty: int) -> Draft:
        d = clamp_difficulty(difficulty)
        ask, covered = pick_ask(rng, node_ids, self.ASKS, self.node_ids)
        n = 5 if d < 3 else 6
        while True:
            gaps = [rng.choice((1, 2, 2, 3)) for _ in range(n - 1)]
            x0 = rng.randint(-2, 0)
            xs = [x0]
            for g in gaps:
                xs.append(xs[-1] + g)
            ys = [rng.randint(-4, 5) for _ in range(n)]
            slopes = [Fraction(ys[i + 1] - ys[i], xs[i + 1] - xs[i]) for i in range(n - 1)]
            if 0 in slopes or ys.count(max(ys)) != 1 or ys.count(min(ys)) != 1:
                continue
            negs = [s for s in slopes if s < 0]
            if len(negs) < 2 or len(negs) > n - 2 or negs.count(min(negs)) != 1:
                continue
            # a value between corners: the segment must be at least 2 wide
            wide = [i for i in range(n - 1) if xs[i + 1] - xs[i] >= 2]
            if not wide or xs[-1] - xs[0] > 12:
                continue
            break
        names = list(rng.choice(self.NAMES)[:n])
        fig = GridFigure((min(xs[0], 0) - 1, xs[-1] + 1), (min(min(ys), 0) - 1, max(max(ys), 0) + 1))
        pts = list(zip(xs, ys, strict=True))
        fig.polyline(pts, color="#1f3b99", lw=2.4)
        for nm, p in zip(names, pts, strict=True):
            fig.point(nm, p)
        code, els = fig.build()
        hi, lo = names[ys.index(max(ys))], names[ys.index(min(ys))]
        roles = {nm: "" for nm in names}
        roles[hi], roles[lo] = "highest corner of the graph", "lowest corner of the graph"
        if roles[names[0]] == "":
            roles[names[0]] = "left end of the graph"
        if roles[names[-1]] == "":
            roles[names[-1]] = "right end of the graph"
        els = with_roles(els, roles)
        params = {"ask": ask, "names": names, "xr": list(fig.xr), "yr": list(fig.yr)}
        if ask == "value":
            i = rng.choice(wide)
            params["k"] = rng.randint(xs[i] + 1, xs[i + 1] - 1)
        elif ask == "slope":
            params["seg"] = rng.randrange(n - 1)
        dr = self.draft(node_ids=covered, render_code=code, question="", answer="", solution="",
                    interactions=(), elements=els, difficulty=d, params=params)
        return self._pose(dr, rng)

    @staticmethod
    def _value_at(pts: dict, names: list[str], k) -> tuple[Fraction, str, str]:
        for a, b in zip(names, names[1:], strict=False):
            (xa, ya), (xb, yb) = pts[a], pts[b]
            if xa <= k <= xb:
                return ya + (yb - ya) * (k - xa) / (xb - xa), a, b
        raise ValueError(f"x = {k} is outside the graph")

    def _hline(self, draft: Draft, name: str) -> str:
        xr, yr = draft.params["xr"], draft.params["yr"]
        e = draft.element(name)
        return ix_window_line((xr[0], e.y), (xr[1], e.y), xr, yr, color="red", ls="--", lw=2)

    def _pose(self, draft: Draft, rng: random.Random) -> Draft:
        pr = draft.params
        ask, names = pr["ask"], pr["names"]
        pts = _pts(draft)
        seq = ", ".join(names[:-1]) + f" and {names[-1]}"
        intro = f"The graph of a function f is made of straight segments joining the points {seq}."
        dm = ix_datamap(draft.points())
        ys = {n: pts[n][1] for n in names}
        hi, lo = max(names, key=ys.get), min(names, key=ys.get)
        answer_type, choices = "number", ()
        inters = draft.interactions
        if ask in ("value", "par_value_diff"):
            k = pr["k"]
            v, a, b = self._value_at(pts, names, k)
            (xa, ya), (xb, yb) = pts[a], pts[b]
            first = (f"On segment {a}{b} the function changes by {fmt_frac(yb - ya)} over {fmt_frac(xb - xa)} units, "
                     f"so f({k}) = {fmt_frac(ya)} + ({fmt_frac(yb - ya)}/{fmt_frac(xb - xa)})·({k} − {fmt_frac(xa)}) = {fmt_frac(v)}.")
            if ask == "value":
                question = f"{intro} What is f({k})? {fraction_note()}"
                answer, solution = fmt_frac(v), first
                inters = (Interaction("highlight", f"Highlight segment {a}{b}, the piece of the graph above x = {k}.",
                                      interaction_code(ix_highlight(a, b)), (a, b)),)
            else:
                k2 = pr["k2"]
                v2, c, e = self._value_at(pts, names, k2)
                question = f"{intro} What is f({k}) − f({k2})? {fraction_note()}"
                answer = fmt_frac(v - v2)
                solution = (f"{first} On segment {c}{e} in the same way f({k2}) = {fmt_frac(v2)}, "
                            f"so f({k}) − f({k2}) = {fmt_frac(v)} − ({fmt_frac(v2)}) = {answer}.")
                inters = inters + (Interaction("highlight", f"Highlight segment {c}{e}, the piece above x = {k2}.",
                                               interaction_code(ix_highlight(c, e, color="#31a354")), (c, e)),)
        elif ask == "max":
            question = f"{intro} What is the maximum value of f?"
            answer = fmt_frac(ys[hi])
            solution = f"The highest point of the graph is corner {hi}, at height {answer}, so the maximum value is {answer}."
            inters = (Interaction("auxiliary_line", f"Draw the horizontal line through the highest corner {hi}.",
                                  interaction_code(dm, self._hline(draft, hi)), (hi,)),)
        elif ask in ("spread", "par_spread"):
            question = f"{intro} What is the maximum value of f minus its minimum value?"
            answer = fmt_frac(ys[hi] - ys[lo])
            solution = (f"The highest corner is {hi} at height {fmt_frac(ys[hi])} and the lowest is {lo} at height "
                        f"{fmt_frac(ys[lo])}, so the difference is {fmt_frac(ys[hi])} − ({fmt_frac(ys[lo])}) = {answer}.")
            if ask == "spread":
                inters = (Interaction("auxiliary_line", f"Draw horizontal lines through the highest corner {hi} and the lowest corner {lo}.",
                                      interaction_code(dm, self._hline(draft, hi), self._hline(draft, lo)), (hi, lo)),)
            else:
                inters = inters + (Interaction("auxiliary_line", f"Draw the horizontal line through the lowest corner {lo}.",
                                               interaction_code(dm, self._hline(draft, lo)), (lo,)),)
        elif ask == "steepest":
            segs = [(a, b) for a, b in zip(names, names[1:], strict=False)]
            slope = {f"{a}{b}": (pts[b][1] - pts[a][1]) / (pts[b][0] - pts[a][0]) for a, b in segs}
            best = min(slope, key=slope.get)
            others = sorted((s for s in slope if s != best), key=lambda s: slope[s])
            choices, answer = make_choices(rng, best, others[:3])
            answer_type = "choice"
            question = f"{intro} On which segment does f decrease the fastest?"
            listing = "; ".join(f"{s}: {fmt_frac(v)}" for s, v in slope.items())
            solution = (f"f decreases where the graph falls; the fastest decrease is the most negative slope. "
                        f"Slopes (rise over run): {listing}. The steepest fall is on {best}.")
            inters = (Interaction("highlight", f"Highlight segment {best}, the steepest falling piece.",
                                  interaction_code(ix_highlight(best[0], best[1])), (best[0], best[1])),)
        elif ask == "slope":
            a, b = names[pr["seg"]], names[pr["seg"] + 1]
            (xa, ya), (xb, yb) = pts[a], pts[b]
            s = (yb - ya) / (xb - xa)
            question = f"{intro} What is the slope of segment {a}{b}? {fraction_note()}"
            answer = fmt_frac(s)
            solution = (f"From {a} to {b} the run is {fmt_frac(xb - xa)} and the rise is {fmt_frac(yb - ya)}, "
                        f"so the slope is {fmt_frac(yb - ya)}/{fmt_frac(xb - xa)} = {answer}.")
            inters = (Interaction("auxiliary_line", f"Draw the slope triangle of segment {a}{b}: across from {a}, then up or down to {b}.",
                                  interaction_code(f"ax.plot([P['{a}'][0], P['{b}'][0], P['{b}'][0]], [P['{a}'][1], P['{a}'][1], P['{b}'][1]], color='red', ls='--', lw=2.2)\n"),
                                  (a, b)),)
        else:
            raise ValueError(ask)
        return draft.replace(question=question, answer=answer, answer_type=answer_type, choices=choices,
                             solution=solution, interactions=inters)

    def expand_parallel(self, draft: Draft, rng: random.Random) -> Draft | None:
        """max -> max minus min (a second extreme to find); value at k -> difference of the
        values at k and at a second input on another segment."""
        pr = draft.params
        if pr["ask"] == "max":
            new = draft.replace(params=dict(pr, ask="par_spread", parent_answer=draft.answer))
            return self._pose(new, rng).replace(variant="par_spread", difficulty=draft.difficulty + 1)
        if pr["ask"] == "value":
            pts = _pts(draft)
            names = pr["names"]
            _, a, b = self._value_at(pts, names, pr["k"])
            ks = [k for k in range(int(pts[names[0]][0]) + 1, int(pts[names[-1]][0]))
                  if not (pts[a][0] <= k <= pts[b][0]) and k not in {int(p[0]) for p in pts.values()}]
            if not ks:
                return None
            new = draft.replace(params=dict(pr, ask="par_value_diff", k2=rng.choice(ks), parent_answer=draft.answer))
            return self._pose(new, rng).replace(variant="par_value_diff", difficulty=draft.difficulty + 1)
        return None

    def rederive(self, draft: Draft) -> str:
        pts = _pts(draft)
        names = sorted(pts, key=lambda n: pts[n][0])
        ys = {n: pts[n][1] for n in names}
        ask = draft.params["ask"]
        if ask == "value":
            return fmt_frac(self._value_at(pts, names, draft.params["k"])[0])
        if ask == "par_value_diff":
            return fmt_frac(self._value_at(pts, names, draft.params["k"])[0] - self._value_at(pts, names, draft.params["k2"])[0])
        if ask == "max":
            return fmt_frac(max(ys.values()))
        if ask in ("spread", "par_spread"):
            return fmt_frac(max(ys.values()) - min(ys.values()))
        if ask == "steepest":
            slope = {f"{a}{b}": (pts[b][1] - pts[a][1]) / (pts[b][0] - pts[a][0]) for a, b in zip(names, names[1:], strict=False)}
            return choice_letter(draft.choices, min(slope, key=slope.get))
        if ask == "slope":
            a, b = draft.params["names"][draft.params["seg"]], draft.params["names"][draft.params["seg"] + 1]
            return fmt_frac((pts[b][1] - pts[a][1]) / (pts[b][0] - pts[a][0]))
        raise ValueError(f"unknown ask {ask!r}")


# ==============================================================================================
# parabola: zeros, vertex, y-intercept


class QuadraticGraphFeatures(Family):
    """The parabola y = a(x - p)(x - q) with its zeros, vertex and y-intercept labelled; asks for
    the sum of the zeros, the axis, the extreme value, the y-intercept or where f increases."""

    name = "quadratic_graph_features"
    givens = (ELEMENTS,)
    domain = DOMAIN
    node_ids = (ZEROS, VERTEX, SYMZ, YINT, MAXMIN, INCDEC)
    supports = frozenset({"sequential"})
    ASKS = {
        "zero_sum": frozenset({ZEROS}),
        "axis": frozenset({SYMZ, ZEROS}),
        "extreme": frozenset({VERTEX, MAXMIN}),
        "y_int": frozenset({YINT}),
        "increasing": frozenset({INCDEC, VERTEX}),
    }
    NAMES = (("P", "Q", "V", "R"), ("A", "B", "M", "C"), ("S", "T", "K", "N"), ("D", "E", "H", "G"))

    def create(self, rng: random.Random, node_ids, difficulty: int) -> Draft:
        d = clamp_difficulty(difficulty)
        ask, covered = pick_ask(rng, node_ids, self.ASKS, self.node_ids)
        a_opts = [Fraction(1), Fraction(-1)] if d == 1 else [Fraction(1), Fraction(-1), Fraction(1, 2), Fraction(-1, 2), Fraction(2), Fraction(-2)]
        while True:
            a = rng.choice(a_opts)
            m = rng.randint(1, 3)
            h = rng.randint(-3, 3)
            p, q = h - m, h + m
            k = -a * m * m
            yr0 = a * p * q
            if h == 0 or p == 0 or q == 0 or k.denominator != 1 or yr0.denominator != 1:
                continue
            if abs(k) > 9 or abs(yr0) > 9 or abs(yr0 - k) < 1:
                continue
            break
        zp, zq, v, r = rng.choice(self.NAMES)
        xr = (min(p, 0) - 2, max(q, 0) + 2)
        yr = (int(min(0, k, yr0)) - 2, int(max(0, k, yr0)) + 2)
        fig = GridFigure(xr, yr)
        fig.curve(lambda x: float(a * (x - p) * (x - q)), n=160, color="#1f3b99", lw=2.4)
        fig.point(zp, (p, 0))
        fig.point(zq, (q, 0))
        fig.point(v, (h, k))
        fig.point(r, (0, yr0))
        code, els = fig.build()
        els = with_roles(els, {zp: "left zero of the parabola", zq: "right zero of the parabola",
                               v: "vertex of the parabola", r: "y-intercept of the parabola"})
        params = {"ask": ask, "names": [zp, zq, v, r], "opens_up": a > 0, "xr": list(fig.xr), "yr": list(fig.yr)}
        dr = self.draft(node_ids=covered, render_code=code, question="", answer="", solution="",
                    interactions=(), elements=els, difficulty=d, params=params)
        return self._pose(dr, ask, rng)

    @staticmethod
    def _vline(draft: Draft, name: str) -> str:
        """The vertical line through ``name`` inside the plot window (axvline would cross the whole
        image, tick labels included, and run off the canvas)."""
        xr, yr, e = draft.params["xr"], draft.params["yr"], draft.element(name)
        return ix_datamap(draft.points()) + ix_window_line((e.x, yr[0]), (e.x, yr[1]), xr, yr, color="red", ls="--", lw=2)

    @staticmethod
    def _hline(draft: Draft, name: str) -> str:
        """The horizontal line through ``name`` inside the plot window."""
        xr, yr, e = draft.params["xr"], draft.params["yr"], draft.element(name)
        return ix_datamap(draft.points()) + ix_window_line((xr[0], e.y), (xr[1], e.y), xr, yr, color="red", ls="--", lw=2)

    def _pose(self, draft: Draft, ask: str, rng: random.Random) -> Draft:
        pr = dict(draft.params, ask=ask)
        zp, zq, v, r = pr["names"]
        pts = _pts(draft)
        p, q = pts[zp][0], pts[zq][0]
        h, k = pts[v]
        y0 = pts[r][1]
        up = pr["opens_up"]
        intro = (f"The parabola is the graph of a quadratic function f; it crosses the x-axis at {zp} and {zq}, "
                 f"has its vertex at {v} and crosses the y-axis at {r}.")
        answer_type, choices = "number", ()
        inters = draft.interactions
        if ask == "zero_sum":
            question = f"{intro} What is the sum of the zeros of f?"
            answer = fmt_frac(p + q)
            solution = f"The zeros are the x-coordinates of {zp} and {zq}: {fmt_frac(p)} and {fmt_frac(q)}, with sum {answer}."
            inters = (Interaction("highlight", f"Circle the zeros {zp} and {zq} on the x-axis.",
                                  interaction_code(*(f"ax.add_patch(plt.Circle(P['{n}'], 12, fill=False, color='red', lw=2.5))\n" for n in (zp, zq))),
                                  (zp, zq)),)
        elif ask == "axis":
            question = f"{intro} The axis of symmetry of the parabola is the line x = c. What is c? {fraction_note()}"
            answer = fmt_frac((p + q) / 2)
            solution = (f"The axis lies halfway between the zeros {fmt_frac(p)} and {fmt_frac(q)}: "
                        f"c = ({fmt_frac(p)} + {fmt_frac(q)})/2 = {answer}, through the vertex {v}.")
            inters = (Interaction("auxiliary_line", f"Draw the vertical axis of symmetry through the vertex {v}.",
                                  interaction_code(self._vline(draft, v)), (v,)),)
        elif ask == "extreme":
            word = "minimum" if up else "maximum"
            question = f"{intro} What is the {word} value of f?"
            answer = fmt_frac(k)
            solution = (f"The parabola opens {'upward' if up else 'downward'}, so its {word} is at the vertex {v}, "
                        f"whose height is {answer}.")
            inters = (Interaction("auxiliary_line", f"Draw the horizontal line through the vertex {v}.",
                                  interaction_code(self._hline(draft, v)), (v,)),)
        elif ask == "y_int":
            question = f"{intro} What is f(0)?"
            answer = fmt_frac(y0)
            solution = f"f(0) is where the graph meets the y-axis, the point {r}, at height {answer}."
            inters = (Interaction("auxiliary_line", f"Draw the horizontal line from {r} across the grid to read its height.",
                                  interaction_code(self._hline(draft, r)), (r,)),)
        elif ask == "increasing":
            hs = fmt_frac(h)
            correct = f"x > {hs}" if up else f"x < {hs}"
            wrong = f"x < {hs}" if up else f"x > {hs}"
            distract = [wrong, f"x > {fmt_frac(k)}" if k != h else f"x > {fmt_frac(h + 1)}", f"x < {fmt_frac(q)}",
                        f"x > {fmt_frac(p)}", f"x < {fmt_frac(p)}"]
            distract = [s for s in distract if s != correct]
            choices, answer = make_choices(rng, correct, distract)
            answer_type = "choice"
            question = f"{intro} For which values of x is f increasing?"
            solution = (f"The parabola opens {'upward' if up else 'downward'} and turns at the vertex {v}, x = {hs}; "
                        f"it rises {'to the right' if up else 'to the left'} of the vertex, so f increases for {correct}.")
            inters = (Interaction("auxiliary_line", f"Draw the vertical line through the vertex {v} that separates the falling and rising parts.",
                                  interaction_code(self._vline(draft, v)), (v,)),)
        elif ask == "seq_leading":
            question = (f"{intro} Write f(x) = a(x − p)(x − q) with p and q the zeros. Using the zeros and f(0), "
                        f"find a. {fraction_note()}")
            a = y0 / (p * q)
            answer = fmt_frac(a)
            solution = (f"{draft.solution} The zeros are {fmt_frac(p)} and {fmt_frac(q)}, so f(0) = a·({fmt_frac(p)})·({fmt_frac(q)}) "
                        f"= {fmt_frac(p * q)}a. With f(0) = {fmt_frac(y0)} this gives a = {fmt_frac(y0)}/{fmt_frac(p * q)} = {answer}.")
            inters = inters + (Interaction("highlight", f"Circle the zeros {zp} and {zq}.",
                                           interaction_code(*(f"ax.add_patch(plt.Circle(P['{n}'], 12, fill=False, color='green', lw=2.5))\n" for n in (zp, zq))),
                                           (zp, zq)),)
        else:
            raise ValueError(ask)
        return draft.replace(question=question, answer=answer, answer_type=answer_type, choices=choices,
                             solution=solution, interactions=inters, params=pr)

    def expand_sequential(self, draft: Draft, rng: random.Random) -> Draft | None:
        """f(0) read off the graph -> the leading coefficient from f(0) and the zeros."""
        if draft.params["ask"] != "y_int":
            return None
        new = self._pose(draft, "seq_leading", rng)
        return new.replace(variant="seq_leading", difficulty=draft.difficulty + 1,
                           params=dict(new.params, parent_answer=draft.answer))

    def rederive(self, draft: Draft) -> str:
        pts = _pts(draft)
        zp, zq, v, r = draft.params["names"]
        p, q = sorted((pts[zp][0], pts[zq][0]))
        ask = draft.params["ask"]
        if ask == "zero_sum":
            return fmt_frac(p + q)
        if ask == "axis":
            return fmt_frac((p + q) / 2)
        if ask == "extreme":
            return fmt_frac(pts[v][1])
        if ask == "y_int":
            return fmt_frac(pts[r][1])
        if ask == "seq_leading":
            return fmt_frac(pts[r][1] / (p * q))
        if ask == "increasing":
            h = pts[v][0]
            # opens up when the vertex is below the y-intercept's level relative to the zeros
            up = pts[v][1] < 0 if pts[v][1] != 0 else pts[r][1] > 0
            hs = fmt_frac(h)
            return choice_letter(draft.choices, f"x > {hs}" if up else f"x < {hs}")
        raise ValueError(f"unknown ask {ask!r}")


FAMILIES = [PiecewiseLinearGraph(), QuadraticGraphFeatures()]
