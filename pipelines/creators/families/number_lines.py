"""Number-line families: labelled points on a line with integer, fractional or decimal ticks
(values, distances, midpoints, order, opposites, rounding) and shaded intervals or rays with open
or closed endpoints (inequalities, integers in the set, lengths).

Points sit exactly on ticks; :meth:`rederive` reads each value back from the element's x
coordinate (the y coordinate is the line itself, 0).
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
    make_choices,
    num,
    pick_ask,
    to_frac,
)
from pipelines.creators.families._f1kit import Canvas, with_roles

DOMAIN = "number_lines"
_N = "number_lines."
INT_POS = _N + "reading.integer_positions"
TICK = _N + "reading.tick_interval"
FRAC_POS = _N + "reading.fraction_positions"
DEC_POS = _N + "reading.decimal_positions"
ORDER = _N + "reading.comparing_order"
ABS = _N + "distance.absolute_value"
DIST = _N + "distance.distance_between"
MID = _N + "distance.midpoint_on_line"
OPPOSITE = _N + "distance.opposites"
OPEN_CLOSED = _N + "intervals.open_closed_endpoints"
INEQ = _N + "intervals.inequality_from_graph"
RAYS = _N + "intervals.rays"
COUNT = _N + "intervals.integers_in_interval"
LENGTH = _N + "intervals.interval_length"
SUB = _N + "operations.subtraction_as_distance"
ROUND_INT = _N + "rounding.round_to_integer"


def line_canvas(lo: int, hi: int, den: int, arrows: bool = True) -> Canvas:
    """A horizontal number line from lo to hi with ticks every 1/den and integer labels."""
    pad = 0.45
    cv = Canvas((6.4, 2.0), (0.02, 0.04, 0.96, 0.92), (lo - pad, hi + pad), (-1.0, 1.25), font=15)
    style = "arrowprops=dict(arrowstyle='<|-|>', color='black', lw=1.4, mutation_scale=14, shrinkA=0, shrinkB=0)"
    if arrows:
        cv.code(f"ax.annotate('', xy=({num(hi + pad * 0.9)}, 0), xytext=({num(lo - pad * 0.9)}, 0), {style}, zorder=6)",
                [(lo - pad, 0), (hi + pad, 0)])
    ticks_x, ticks_y0, ticks_y1 = [], [], []
    for k in range(lo * den, hi * den + 1):
        x = k / den
        big = k % den == 0
        ticks_x.append(num(x))
        ticks_y0.append("-0.22" if big else "-0.12")
        ticks_y1.append("0.22" if big else "0.12")
        if big:
            cv.text(x, -0.3, str(k // den), size=12, ha="center", va="top")
    cv.code(f"ax.vlines([{', '.join(ticks_x)}], [{', '.join(ticks_y0)}], [{', '.join(ticks_y1)}], color='black', lw=1.3, zorder=6)",
            *[[(float(x), -0.22), (float(x), 0.22)] for x in ticks_x])
    return cv


def _val(draft: Draft, name: str) -> Fraction:
    return to_frac(draft.element(name).x, 200)


def _show(v: Fraction, den: int) -> str:
    return fmt_dec(v, 1) if den == 10 else fmt_frac(v)


def _bracket(a: str, b: str, color: str = "red", dy: float = -46) -> str:
    """A bracket above the point labels from a to b (pixel space), with dotted legs down to the points."""
    return _bracket_px(f"P['{a}']", f"P['{b}']", color, dy)


def _bracket_px(p: str, q: str, color: str = "red", dy: float = -46) -> str:
    """:func:`_bracket` between two pixel-point expressions."""
    return (f"ax.plot([{p}[0], {q}[0]], [{p}[1] + {dy}, {q}[1] + {dy}], color='{color}', lw=2.4)\n"
            f"ax.plot([{p}[0], {p}[0]], [{p}[1], {p}[1] + {dy}], color='{color}', lw=1.4, ls=':')\n"
            f"ax.plot([{q}[0], {q}[0]], [{q}[1], {q}[1] + {dy}], color='{color}', lw=1.4, ls=':')\n")


# ==============================================================================================
# labelled points


class NumberLinePoints(Family):
    """Labelled points on a number line with ticks every 1/den; asks for a value, a distance, a
    signed difference, a midpoint, an absolute value, the opposite point, the order or a rounding."""

    name = "number_line_points"
    givens = (ELEMENTS,)
    domain = DOMAIN
    node_ids = (INT_POS, TICK, FRAC_POS, DEC_POS, ORDER, ABS, DIST, MID, OPPOSITE, SUB, ROUND_INT)
    supports = frozenset({"sequential"})
    ASKS = {
        "value_int": frozenset({INT_POS}),
        "value_frac": frozenset({FRAC_POS, TICK}),
        "value_dec": frozenset({DEC_POS, TICK}),
        "distance": frozenset({DIST, TICK}),
        "diff": frozenset({SUB, TICK}),
        "midpoint": frozenset({MID}),
        "abs": frozenset({ABS, INT_POS}),
        "opposite": frozenset({OPPOSITE}),
        "order": frozenset({ORDER}),
        "round": frozenset({ROUND_INT, FRAC_POS}),
    }
    NAMES = ("ABCD", "PQRS", "KLMN", "EFGH")

    def create(self, rng: random.Random, node_ids, difficulty: int) -> Draft:
        d = clamp_difficulty(difficulty)
        ask, covered = pick_ask(rng, node_ids, self.ASKS, self.node_ids)
        if ask in ("value_int", "abs", "opposite"):
            den = 1
        elif ask == "value_dec":
            den = 10
        elif ask in ("value_frac", "round"):
            den = rng.choice((2, 3, 4, 5) if d < 3 else (3, 4, 5, 6, 8))
        else:
            den = rng.choice((1, 2, 4) if d == 1 else (2, 3, 4, 5))
        span = {1: rng.randint(10, 14), 10: 3, 2: rng.randint(5, 7), 3: 5, 4: 4, 5: 4, 6: 3, 8: 3}[den]
        lo = rng.randint(-span + 1, 0) if ask in ("abs", "opposite") or d > 1 else rng.randint(-2, 0)
        if ask == "opposite":
            lo = -(span // 2)
        hi = lo + span
        npts = 3 if ask not in ("opposite",) else 4
        ticks = list(range(lo * den + 1, hi * den))
        for _ in range(10000):
            if ask == "opposite":  # a point and its opposite, plus two others
                k = rng.choice([t for t in ticks if t > 0 and -t in ticks])
                rest = rng.sample([t for t in ticks if t not in (k, -k)], 2)
                order = [k * rng.choice((1, -1))]
                order += rng.sample([-order[0]] + rest, 3)
                ks = sorted(order)
            else:
                ks = sorted(rng.sample(ticks, npts))
                order = ks[:]
                rng.shuffle(order)
            if min(b - a for a, b in zip(ks, ks[1:], strict=False)) < 2:
                continue
            vals = [Fraction(k, den) for k in order]
            a = vals[0]
            if ask in ("value_frac", "round") and a.denominator == 1:
                continue
            if ask == "round" and a - math.floor(a) == Fraction(1, 2):
                continue
            if ask == "abs" and a >= 0:
                continue
            if ask == "opposite":
                if a == 0 or -a not in vals[1:]:
                    continue
            break
        names = list(rng.choice(self.NAMES)[:npts])
        cv = line_canvas(lo, hi, den)
        for nm, v in zip(names, vals, strict=True):
            cv.point(nm, (float(v), 0.0), dot="'o', color='#c0392b', ms=9, zorder=7", color="#c0392b", ref=(float(v), -1.0))
        code, els = cv.build()
        els = self._roles(els)
        params = {"ask": ask, "names": names, "den": den, "lo": lo, "hi": hi}
        dr = self.draft(node_ids=covered, render_code=code, question="", answer="", solution="",
                    interactions=(), elements=els, difficulty=d, params=params)
        return self._pose(dr, ask, rng)

    @staticmethod
    def _roles(els):
        xs = sorted(els, key=lambda e: e.x)
        roles = {xs[0].name: "leftmost marked point", xs[-1].name: "rightmost marked point"}
        return with_roles(els, roles)

    def _pose(self, draft: Draft, ask: str, rng: random.Random) -> Draft:
        pr = dict(draft.params, ask=ask)
        names, den = pr["names"], pr["den"]
        v = {n: _val(draft, n) for n in names}
        a, b = names[0], names[1]
        step = f"Each unit is split into {den} equal parts, so one tick step is {fmt_frac(Fraction(1, den))}." if den > 1 else "The ticks are one unit apart."
        count_ix = Interaction("highlight", f"Mark {a} and count the ticks from the nearest labelled integer.",
                               interaction_code(f"ax.add_patch(plt.Circle(P['{a}'], 13, fill=False, color='red', lw=2.5))\n"), (a,))
        answer_type, choices = "number", ()
        inters = draft.interactions
        note = fraction_note() if den not in (1, 10) else ""
        if ask in ("value_int", "value_frac", "value_dec"):
            question = f"What number does point {a} mark on the number line? {note}".strip()
            answer = _show(v[a], den)
            base = math.floor(v[a])
            solution = (f"{step} {a} is {fmt_frac((v[a] - base) * den)} tick{'s' if (v[a] - base) * den != 1 else ''} to the right of "
                        f"{base}, so it marks {answer}.") if v[a] != base else f"{step} {a} sits on the tick labelled {answer}."
            inters = (count_ix,)
        elif ask == "seq_round":
            r = math.floor(v[a] + Fraction(1, 2))
            question = f"{draft.question.split('?')[0]}? Round that number to the nearest integer."
            answer = str(r)
            solution = f"{draft.solution} The nearest integer tick to {a} is {r}."
            inters = inters + (Interaction("auxiliary_line", f"Draw a bracket from {a} to the nearest integer tick.",
                                           interaction_code(self._px_map(draft),
                                                            f"_t = _px({r}, 0)\n" + _bracket_px(f"P['{a}']", "_t", "green")),
                                           (a,)),)
        elif ask == "round":
            r = math.floor(v[a] + Fraction(1, 2))
            question = f"Point {a} marks a number on the number line. What is that number rounded to the nearest integer?"
            answer = str(r)
            solution = f"{step} {a} marks {fmt_frac(v[a])}, which is closer to {r} than to any other integer."
            inters = (count_ix,)
        elif ask in ("distance", "diff"):
            dv = v[b] - v[a]
            if ask == "distance":
                question = f"What is the distance between points {a} and {b} on the number line? {note}".strip()
                answer = _show(abs(dv), den)
                solution = f"{step} {a} marks {_show(v[a], den)} and {b} marks {_show(v[b], den)}; the distance is |{_show(v[b], den)} − ({_show(v[a], den)})| = {answer}."
            else:
                question = f"Point {a} marks the number s and point {b} the number t. What is t − s? {note}".strip()
                answer = _show(dv, den)
                solution = (f"{step} s = {_show(v[a], den)} and t = {_show(v[b], den)}, so t − s = {answer}: the signed jump "
                            f"from {a} to {b} ({'rightward' if dv > 0 else 'leftward'}).")
            inters = (Interaction("auxiliary_line", f"Draw a bracket from {a} to {b}.", interaction_code(_bracket(a, b)), (a, b)),)
        elif ask == "midpoint":
            m = (v[a] + v[b]) / 2
            question = f"What number lies exactly halfway between points {a} and {b}? {fraction_note() if den != 10 else 'Give a decimal.'}"
            answer = _show(m, den) if den != 10 or (m * 10).denominator == 1 else fmt_frac(m)
            solution = f"{step} {a} marks {_show(v[a], den)} and {b} marks {_show(v[b], den)}; halfway is ({_show(v[a], den)} + {_show(v[b], den)})/2 = {answer}."
            inters = (Interaction("auxiliary_line", f"Draw a bracket from {a} to {b}.", interaction_code(_bracket(a, b)), (a, b)),)
        elif ask == "abs":
            question = f"What is the absolute value of the number marked by point {a}?"
            answer = fmt_frac(abs(v[a]))
            solution = f"{a} marks {fmt_frac(v[a])}, which is {answer} units from 0, so its absolute value is {answer}."
            inters = (Interaction("auxiliary_line", f"Draw a bracket from {a} to zero.",
                                  interaction_code(self._px_map(draft), "_t = _px(0, 0)\n" + _bracket_px(f"P['{a}']", "_t")),
                                  (a,)),)
        elif ask == "opposite":
            others = sorted(names[1:])
            correct = next(n for n in others if v[n] == -v[a])
            rng.shuffle(others)
            choices = tuple(others)
            answer = choice_letter(choices, correct)
            answer_type = "choice"
            question = f"Which point marks the opposite of the number marked by {a}?"
            solution = f"{a} marks {fmt_frac(v[a])}; its opposite {fmt_frac(-v[a])} lies as far from 0 on the other side, at {correct}."
            inters = (Interaction("auxiliary_line", f"Draw brackets from zero to {a} and to {correct}.",
                                  interaction_code(_bracket(a, correct)), (a, correct)),)
        elif ask == "order":
            srt = sorted(names, key=v.get)
            correct = " < ".join(srt)
            perms = [" < ".join(p) for p in ([srt[1], srt[0], srt[2]], [srt[0], srt[2], srt[1]], srt[::-1], [srt[2], srt[0], srt[1]])]
            choices, answer = make_choices(rng, correct, perms)
            answer_type = "choice"
            question = f"Which ordering of the numbers marked by {', '.join(names[:-1])} and {names[-1]} is correct?"
            solution = f"Numbers grow to the right: from left to right the points are {', '.join(srt)}, so {correct}."
            inters = (Interaction("auxiliary_line", "Draw an arrow along the line from the leftmost to the rightmost point.",
                                  interaction_code(f"ax.annotate('', xy=P['{srt[-1]}'], xytext=P['{srt[0]}'], arrowprops=dict(arrowstyle='-|>', color='red', lw=2.4, connectionstyle='arc3,rad=-0.25'))\n"),
                                  (srt[0], srt[-1])),)
        else:
            raise ValueError(ask)
        return draft.replace(question=question, answer=answer, answer_type=answer_type, choices=choices,
                             solution=solution, interactions=inters, params=pr)

    @staticmethod
    def _px_map(draft: Draft) -> str:
        """``_px`` from two of the points (x only varies; y is the line's pixel row)."""
        names = draft.params["names"]
        e0, e1 = draft.element(names[0]), draft.element(names[1])
        return (f"def _px(x, y):\n    _k = (P['{e1.name}'][0] - P['{e0.name}'][0]) / ({num(e1.x)} - ({num(e0.x)}))\n"
                f"    return (P['{e0.name}'][0] + (x - ({num(e0.x)})) * _k, P['{e0.name}'][1])\n")

    def expand_sequential(self, draft: Draft, rng: random.Random) -> Draft | None:
        """The value of a fractional point -> that value rounded to the nearest integer."""
        if draft.params["ask"] != "value_frac":
            return None
        a = draft.params["names"][0]
        if _val(draft, a) - math.floor(_val(draft, a)) == Fraction(1, 2):
            return None
        new = self._pose(draft, "seq_round", rng)
        return new.replace(variant="seq_round", difficulty=draft.difficulty + 1,
                           params=dict(new.params, parent_answer=draft.answer))

    def rederive(self, draft: Draft) -> str:
        pr = draft.params
        names, den = pr["names"], pr["den"]
        v = {n: _val(draft, n) for n in names}
        a, b = names[0], names[1]
        ask = pr["ask"]
        if ask in ("value_int", "value_frac", "value_dec"):
            return _show(v[a], den)
        if ask in ("round", "seq_round"):
            return str(math.floor(v[a] + Fraction(1, 2)))
        if ask == "distance":
            return _show(abs(v[b] - v[a]), den)
        if ask == "diff":
            return _show(v[b] - v[a], den)
        if ask == "midpoint":
            m = (v[a] + v[b]) / 2
            return _show(m, den) if den != 10 or (m * 10).denominator == 1 else fmt_frac(m)
        if ask == "abs":
            return fmt_frac(abs(v[a]))
        if ask == "opposite":
            hits = [n for n in draft.choices if v[n] == -v[a]]
            return choice_letter(draft.choices, hits[0]) if len(hits) == 1 else "?"
        if ask == "order":
            return choice_letter(draft.choices, " < ".join(sorted(names, key=v.get)))
        raise ValueError(f"unknown ask {ask!r}")


# ==============================================================================================
# shaded intervals and rays


def _ineq(lo: Fraction | None, lo_closed: bool, hi: Fraction | None, hi_closed: bool) -> str:
    parts = []
    if lo is not None:
        parts.append(f"{fmt_frac(lo)} {'≤' if lo_closed else '<'} x")
    else:
        parts.append("x")
    if hi is not None:
        parts.append(f" {'≤' if hi_closed else '<'} {fmt_frac(hi)}")
    s = "".join(parts)
    return s


class NumberLineInterval(Family):
    """A shaded interval with open or closed endpoints (or a ray); asks for the inequality it
    shows (choice), how many integers it contains or its length."""

    name = "number_line_interval"
    givens = (ELEMENTS,)
    domain = DOMAIN
    node_ids = (OPEN_CLOSED, INEQ, RAYS, COUNT, LENGTH)
    supports = frozenset({"sequential"})
    ASKS = {
        "inequality": frozenset({INEQ, OPEN_CLOSED}),
        "count": frozenset({COUNT, OPEN_CLOSED}),
        "length": frozenset({LENGTH}),
        "ray": frozenset({RAYS, OPEN_CLOSED}),
    }
    NAMES = (("P", "Q"), ("A", "B"), ("M", "N"), ("S", "T"))

    def create(self, rng: random.Random, node_ids, difficulty: int) -> Draft:
        d = clamp_difficulty(difficulty)
        ask, covered = pick_ask(rng, node_ids, self.ASKS, self.node_ids)
        den = 2 if d == 3 and ask in ("count", "length") else 1
        span = 10 if den == 1 else 6
        lo = rng.randint(-7, -2) if den == 1 else rng.randint(-4, -1)
        hi = lo + span
        ticks = list(range(lo * den + 1, hi * den))
        p_n, q_n = rng.choice(self.NAMES)
        closed = [rng.random() < 0.5, rng.random() < 0.5]
        cv = line_canvas(lo, hi, den)
        color = "#2b8cbe"
        if ask == "ray":
            k = rng.choice(ticks[2:-2])
            pv = Fraction(k, den)
            right = rng.random() < 0.5
            end = hi + 0.4 if right else lo - 0.4
            cv.code(f"ax.annotate('', xy=({num(end)}, 0), xytext=({num(float(pv))}, 0), arrowprops=dict(arrowstyle='-|>', color='{color}', lw=6, mutation_scale=25, shrinkA=0, shrinkB=0), zorder=3)",
                    [(float(pv), 0), (end, 0)])
            self._endpoint(cv, p_n, pv, closed[0], color, "endpoint of the ray")
            names = [p_n]
            params = {"ask": ask, "names": names, "closed": closed[:1], "right": right, "den": den}
        else:
            while True:
                a, b = sorted(rng.sample(ticks, 2))
                if b - a >= 3 * den:
                    break
            pv, qv = Fraction(a, den), Fraction(b, den)
            cv.code(f"ax.plot([{num(float(pv))}, {num(float(qv))}], [0, 0], color='{color}', lw=6, solid_capstyle='butt', zorder=3)",
                    [(float(pv), 0), (float(qv), 0)])
            self._endpoint(cv, p_n, pv, closed[0], color, "left endpoint of the shaded interval")
            self._endpoint(cv, q_n, qv, closed[1], color, "right endpoint of the shaded interval")
            names = [p_n, q_n]
            params = {"ask": ask, "names": names, "closed": closed, "den": den}
        code, els = cv.build()
        dr = self.draft(node_ids=covered, render_code=code, question="", answer="", solution="",
                    interactions=(), elements=els, difficulty=d, params=params)
        return self._pose(dr, ask, rng)

    @staticmethod
    def _endpoint(cv: Canvas, name: str, v: Fraction, closed: bool, color: str, role: str) -> None:
        # open circles are white-filled; the thin number line is drawn again over them so the
        # marker's centre stays inked (and reads as "the point itself is not included")
        face = color if closed else "white"
        cv.point(name, (float(v), 0.0), role, dot=f"'o', ms=13, mfc='{face}', mec='{color}', mew=2.5, zorder=5",
                 color="black", ref=(float(v), -1.0))
        if not closed:
            half = 7.5 * (cv.xlim[1] - cv.xlim[0]) / cv.axes_px[0]  # 7.5 px: inside the marker
            cv.code(f"ax.plot([{num(float(v) - half)}, {num(float(v) + half)}], [0, 0], color='black', lw=1.4, zorder=8)")

    @staticmethod
    def _text_set(draft: Draft) -> tuple[str, Fraction | None, Fraction | None]:
        pr = draft.params
        vals = [to_frac(draft.element(n).x, 200) for n in pr["names"]]
        if pr["ask"] == "ray":
            if pr["right"]:
                return f"x {'≥' if pr['closed'][0] else '>'} {fmt_frac(vals[0])}", vals[0], None
            return f"x {'≤' if pr['closed'][0] else '<'} {fmt_frac(vals[0])}", None, vals[0]
        return _ineq(vals[0], pr["closed"][0], vals[1], pr["closed"][1]), vals[0], vals[1]

    def _pose(self, draft: Draft, ask: str, rng: random.Random) -> Draft:
        pr = dict(draft.params, ask=ask)
        names, closed = pr["names"], pr["closed"]
        text, lo, hi = self._text_set(draft)
        answer_type, choices = "number", ()
        inters = draft.interactions
        ends = ", ".join(f"{n} is {'a filled dot (included)' if c else 'an open circle (excluded)'}" for n, c in zip(names, closed, strict=True))
        ring = Interaction("highlight", f"Circle the endpoint marker{'s' if len(names) > 1 else ''} to check open or closed.",
                           interaction_code(*(f"ax.add_patch(plt.Circle(P['{n}'], 15, fill=False, color='red', lw=2.5))\n" for n in names)),
                           tuple(names))
        if ask in ("inequality", "ray"):
            if ask == "ray":
                v = lo if lo is not None else hi
                signs = ["≥", ">", "≤", "<"]
                opts = [f"x {s} {fmt_frac(v)}" for s in signs]
                question = "Which inequality describes the numbers shaded on the number line?"
            else:
                opts = [_ineq(lo, c1, hi, c2) for c1 in (True, False) for c2 in (True, False)]
                question = "Which inequality describes the shaded part of the number line?"
            choices, answer = make_choices(rng, text, [o for o in opts if o != text])
            answer_type = "choice"
            solution = (f"{ends}; a filled dot gives ≤ or ≥ and an open circle gives < or >. "
                        f"{'The shading runs ' + ('right' if pr.get('right') else 'left') + ' without end, so ' if ask == 'ray' else 'So '}the set is {text}.")
            inters = (ring,)
        elif ask in ("count", "seq_count"):
            first = math.ceil(lo) if closed[0] or lo.denominator != 1 else int(lo) + 1
            last = math.floor(hi) if closed[1] or hi.denominator != 1 else int(hi) - 1
            n = max(0, last - first + 1)
            if ask == "count":
                question = "How many integers belong to the shaded set on the number line?"
                solution = f"{ends}. The shaded set is {text}; its integers run from {first} to {last}, which is {n} integers."
                inters = (ring,)
            else:
                question = f"{draft.question} Then, how many integers belong to that set?"
                solution = f"{draft.solution} Its integers run from {first} to {last}: {n} of them."
                inters = inters + (Interaction("highlight", "Mark every integer tick inside the shaded set.",
                                               interaction_code(self._int_marks(draft, first, last)), tuple(names)),)
            answer = str(n)
        elif ask == "length":
            question = f"What is the length of the shaded interval from {names[0]} to {names[1]}? {fraction_note()}"
            answer = fmt_frac(hi - lo)
            solution = f"{names[0]} is at {fmt_frac(lo)} and {names[1]} at {fmt_frac(hi)}; the length is {fmt_frac(hi)} − ({fmt_frac(lo)}) = {answer}, whatever the endpoints."
            inters = (Interaction("auxiliary_line", f"Draw a bracket from {names[0]} to {names[1]}.",
                                  interaction_code(_bracket(names[0], names[1])), tuple(names)),)
        else:
            raise ValueError(ask)
        return draft.replace(question=question, answer=answer, answer_type=answer_type, choices=choices,
                             solution=solution, interactions=inters, params=pr)

    @staticmethod
    def _int_marks(draft: Draft, first: int, last: int) -> str:
        p, q = draft.params["names"]
        ep, eq = draft.element(p), draft.element(q)
        return (f"_k = (P['{q}'][0] - P['{p}'][0]) / ({num(eq.x)} - ({num(ep.x)}))\n"
                f"for _i in range({first}, {last + 1}):\n"
                f"    ax.plot([P['{p}'][0] + (_i - ({num(ep.x)})) * _k], [P['{p}'][1] - 22], 'v', color='red', ms=9)\n"
                f"ax.plot([P['{p}'][0], P['{q}'][0]], [P['{p}'][1] - 14, P['{q}'][1] - 14], color='red', lw=1.5)\n")

    def expand_sequential(self, draft: Draft, rng: random.Random) -> Draft | None:
        """The inequality of an interval -> how many integers it contains."""
        if draft.params["ask"] != "inequality":
            return None
        new = self._pose(draft, "seq_count", rng)
        return new.replace(variant="seq_count", difficulty=draft.difficulty + 1, answer_type="number", choices=(),
                           params=dict(new.params, parent_answer=draft.answer))

    def rederive(self, draft: Draft) -> str:
        pr = draft.params
        text, lo, hi = self._text_set(draft)
        ask = pr["ask"]
        if ask in ("inequality", "ray"):
            return choice_letter(draft.choices, text)
        if ask in ("count", "seq_count"):
            n = sum(1 for k in range(math.floor(lo) - 1, math.ceil(hi) + 2)
                    if (lo < k or (pr["closed"][0] and lo == k)) and (k < hi or (pr["closed"][1] and hi == k)))
            return str(n)
        if ask == "length":
            return fmt_frac(hi - lo)
        raise ValueError(f"unknown ask {ask!r}")


FAMILIES = [NumberLinePoints(), NumberLineInterval()]
