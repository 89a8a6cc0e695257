"""Vector families on a coordinate grid: two free arrows (components, sums, combinations, the
length of a resultant) and two arrows from a common tail (dot product, angle, perpendicularity,
direction).

Tails and tips are labelled lattice points; :meth:`rederive` recomputes every answer from the
element coordinates.
"""

from __future__ import annotations

import math
import random
from fractions import Fraction

from pipelines.creators.base import ELEMENTS, Draft, Family, Interaction
from pipelines.creators.common import (
    GridFigure,
    choice_letter,
    clamp_difficulty,
    fmt_dec,
    fmt_frac,
    interaction_code,
    make_choices,
    near_rounding_boundary,
    num,
    pick_ask,
    to_frac,
)
from pipelines.creators.families._f1kit import with_roles

DOMAIN = "vectors"
_V = "vectors."
COMPONENTS = _V + "basics.components"
MAGNITUDE = _V + "basics.magnitude"
TIP_TAIL = _V + "operations.addition_tip_to_tail"
PARALLELOGRAM = _V + "operations.parallelogram_rule"
COMPSUM = _V + "operations.componentwise_sum"
SUBTRACT = _V + "operations.subtraction"
SCALAR = _V + "operations.scalar_multiple"
LINCOMB = _V + "operations.linear_combination"
RESULTANT = _V + "operations.resultant_magnitude"
DOT = _V + "products.dot_product"
ANGLE = _V + "products.angle_between"
PERP = _V + "products.perpendicular_test"
SIGN = _V + "products.sign_of_dot"
DIRECTION = _V + "applications.direction_angle"

NAMES4 = ("ABCD", "PQRS", "EFGH", "KLMN")


def _vec(draft: Draft, a: str, b: str) -> tuple[Fraction, Fraction]:
    ea, eb = draft.element(a), draft.element(b)
    return to_frac(eb.x - ea.x, 1000), to_frac(eb.y - ea.y, 1000)


def _length_text(sq: Fraction) -> tuple[str, float]:
    """A length √sq as an integer when exact, else rounded to two decimals."""
    r = math.sqrt(sq)
    return (str(round(r)) if abs(r - round(r)) < 1e-9 else fmt_dec(r, 2)), r


def _arrow_code(p, q, color: str) -> str:
    return (f"ax.annotate('', xy=({num(q[0])}, {num(q[1])}), xytext=({num(p[0])}, {num(p[1])}), "
            f"arrowprops=dict(arrowstyle='-|>', color='{color}', lw=2.4, mutation_scale=20, shrinkA=0, shrinkB=0), zorder=4)")


def _rand_vec(rng: random.Random, lim: int) -> tuple[int, int]:
    while True:
        v = (rng.randint(-lim, lim), rng.randint(-lim, lim))
        if v[0] and v[1] or (abs(v[0]) + abs(v[1]) >= 2 and rng.random() < 0.2):
            return v


def _px_arrow(x0: str, y0: str, x1: str, y1: str, color: str) -> str:
    return (f"ax.annotate('', xy=({x1}, {y1}), xytext=({x0}, {y0}), arrowprops=dict(arrowstyle='-|>', color='{color}', "
            f"lw=2.4, ls='--', mutation_scale=20, shrinkA=0, shrinkB=0), annotation_clip=False)\n")


# ==============================================================================================
# two free arrows


class GridVectorSum(Family):
    """Arrows AB and CD on a grid; asks for a component of the sum, a length, the length of the
    resultant or a component of a combination k·AB − CD."""

    name = "grid_vector_sum"
    givens = (ELEMENTS,)
    domain = DOMAIN
    node_ids = (COMPONENTS, MAGNITUDE, TIP_TAIL, COMPSUM, SUBTRACT, SCALAR, LINCOMB, RESULTANT)
    supports = frozenset({"sequential"})
    ASKS = {
        "sum_comp": frozenset({COMPONENTS, TIP_TAIL, COMPSUM}),
        "magnitude": frozenset({COMPONENTS, MAGNITUDE}),
        "resultant": frozenset({RESULTANT, COMPSUM}),
        "combination": frozenset({SCALAR, LINCOMB, SUBTRACT}),
    }

    def create(self, rng: random.Random, node_ids, difficulty: int) -> Draft:
        d = clamp_difficulty(difficulty)
        ask, covered = pick_ask(rng, node_ids, self.ASKS, self.node_ids)
        lim = 4 if d == 1 else 5
        while True:
            u, v = _rand_vec(rng, lim), _rand_vec(rng, lim)
            a = (rng.randint(-6, 1), rng.randint(-6, 6))
            c = (rng.randint(0, 6), rng.randint(-6, 6))
            b = (a[0] + u[0], a[1] + u[1])
            dd = (c[0] + v[0], c[1] + v[1])
            pts = [a, b, c, dd]
            if len(set(pts)) < 4 or any(abs(t) > 7 for p in pts for t in p):
                continue
            # keep the arrows apart (no crossing, no shared line) so both read clearly
            if min(math.dist(p, q) for p in (a, b) for q in (c, dd)) < 2.5:
                continue
            s = (u[0] + v[0], u[1] + v[1])
            if any(abs(t) > 7 for t in (b[0] + v[0], b[1] + v[1])):  # the tip-to-tail sum stays on the grid
                continue
            if ask in ("resultant", "magnitude"):
                sq = (s[0] ** 2 + s[1] ** 2) if ask == "resultant" else (u[0] ** 2 + u[1] ** 2)
                if sq == 0 or near_rounding_boundary(math.sqrt(sq), 2):
                    continue
            if ask == "sum_comp" and (s[0] == 0 or s[1] == 0):
                continue
            break
        n1, n2, n3, n4 = rng.choice(NAMES4)
        fig = GridFigure((-8, 8), (-8, 8))
        fig.polyline([a, b], color="#1f3b99", lw=0.1)  # obstacle only; the arrow is drawn below
        fig.polyline([c, dd], color="#b03a2e", lw=0.1)
        for nm, p in zip((n1, n2, n3, n4), pts, strict=True):
            fig.point(nm, p)
        code, els = fig.build([_arrow_code(a, b, "#1f3b99"), _arrow_code(c, dd, "#b03a2e")])
        els = with_roles(els, {n1: "tail of the blue arrow", n2: "tip of the blue arrow",
                               n3: "tail of the red arrow", n4: "tip of the red arrow"})
        params = {"ask": ask, "names": [n1, n2, n3, n4], "coord": rng.choice("xy"), "k": rng.choice((2, 3)) if d > 1 else 2}
        dr = self.draft(node_ids=covered, render_code=code, question="", answer="", solution="",
                    interactions=(), elements=els, difficulty=d, params=params)
        return self._pose(dr, ask)

    def _tip_to_tail(self, names) -> Interaction:
        n1, n2, n3, n4 = names
        code = (f"_ex, _ey = P['{n2}'][0] + P['{n4}'][0] - P['{n3}'][0], P['{n2}'][1] + P['{n4}'][1] - P['{n3}'][1]\n"
                + _px_arrow(f"P['{n2}'][0]", f"P['{n2}'][1]", "_ex", "_ey", "#b03a2e")
                + _px_arrow(f"P['{n1}'][0]", f"P['{n1}'][1]", "_ex", "_ey", "#2ca02c"))
        return Interaction("auxiliary_line", f"Copy arrow {n3}{n4} so that its tail sits at {n2}, then draw the sum from {n1} to the new tip.",
                           interaction_code(code), (n1, n2))

    def _pose(self, draft: Draft, ask: str) -> Draft:
        pr = dict(draft.params, ask=ask)
        n1, n2, n3, n4 = pr["names"]
        u, v = _vec(draft, n1, n2), _vec(draft, n3, n4)
        s = (u[0] + v[0], u[1] + v[1])
        comps = f"{n1}{n2} = ({fmt_frac(u[0])}, {fmt_frac(u[1])}) and {n3}{n4} = ({fmt_frac(v[0])}, {fmt_frac(v[1])})"
        intro = f"The grid shows the vectors {n1}{n2} and {n3}{n4} (from tail to tip)."
        inters = draft.interactions
        comp_ix = Interaction("auxiliary_line", f"Draw the horizontal and vertical legs of arrow {n1}{n2}.",
                              interaction_code(f"ax.plot([P['{n1}'][0], P['{n2}'][0], P['{n2}'][0]], [P['{n1}'][1], P['{n1}'][1], P['{n2}'][1]], color='red', ls='--', lw=2)\n"),
                              (n1, n2))
        if ask == "sum_comp":
            i = 0 if pr["coord"] == "x" else 1
            question = f"{intro} What is the {pr['coord']}-component of the vector {n1}{n2} + {n3}{n4}?"
            answer = fmt_frac(s[i])
            solution = (f"Counting grid squares, {comps}. Adding component by component, the sum is "
                        f"({fmt_frac(s[0])}, {fmt_frac(s[1])}), so its {pr['coord']}-component is {answer}.")
            inters = (self._tip_to_tail(pr["names"]),)
        elif ask == "magnitude":
            txt, _ = _length_text(u[0] ** 2 + u[1] ** 2)
            question = f"{intro} What is the length of vector {n1}{n2}? Round to two decimal places if it is not a whole number."
            answer = txt
            solution = (f"{n1}{n2} = ({fmt_frac(u[0])}, {fmt_frac(u[1])}), so its length is "
                        f"√({fmt_frac(u[0])}² + {fmt_frac(u[1])}²) = √{fmt_frac(u[0] ** 2 + u[1] ** 2)} ≈ {txt}.")
            inters = (comp_ix,)
        elif ask in ("resultant", "seq_resultant"):
            txt, _ = _length_text(s[0] ** 2 + s[1] ** 2)
            answer = txt
            if ask == "resultant":
                question = (f"{intro} What is the length of the vector {n1}{n2} + {n3}{n4}? Round to two decimal places "
                            "if it is not a whole number.")
                solution = (f"Counting grid squares, {comps}. The sum is ({fmt_frac(s[0])}, {fmt_frac(s[1])}), whose length is "
                            f"√{fmt_frac(s[0] ** 2 + s[1] ** 2)} ≈ {txt}.")
                inters = (self._tip_to_tail(pr["names"]),)
            else:
                question = (f"{draft.question} Then find the length of the vector {n1}{n2} + {n3}{n4}, rounded to two "
                            "decimal places if it is not a whole number.")
                solution = (f"{draft.solution} The sum ({fmt_frac(s[0])}, {fmt_frac(s[1])}) has length "
                            f"√{fmt_frac(s[0] ** 2 + s[1] ** 2)} ≈ {txt}.")
                inters = inters + (comp_ix,)
        elif ask == "combination":
            k = pr["k"]
            i = 0 if pr["coord"] == "x" else 1
            val = k * u[i] - v[i]
            question = f"{intro} What is the {pr['coord']}-component of the vector {k}·{n1}{n2} − {n3}{n4}?"
            answer = fmt_frac(val)
            solution = (f"Counting grid squares, {comps}. The {pr['coord']}-components give "
                        f"{k}·({fmt_frac(u[i])}) − ({fmt_frac(v[i])}) = {answer}.")
            inters = (comp_ix, Interaction("auxiliary_line", f"Draw the horizontal and vertical legs of arrow {n3}{n4}.",
                                           interaction_code(f"ax.plot([P['{n3}'][0], P['{n4}'][0], P['{n4}'][0]], [P['{n3}'][1], P['{n3}'][1], P['{n4}'][1]], color='red', ls='--', lw=2)\n"),
                                           (n3, n4)))
        else:
            raise ValueError(ask)
        return draft.replace(question=question, answer=answer, solution=solution, interactions=inters, params=pr)

    def expand_sequential(self, draft: Draft, rng: random.Random) -> Draft | None:
        """A component of the sum -> the length of the whole sum."""
        if draft.params["ask"] != "sum_comp":
            return None
        pr = draft.params
        u, v = _vec(draft, *pr["names"][:2]), _vec(draft, *pr["names"][2:])
        sq = (u[0] + v[0]) ** 2 + (u[1] + v[1]) ** 2
        if near_rounding_boundary(math.sqrt(sq), 2):
            return None
        new = self._pose(draft, "seq_resultant")
        return new.replace(variant="seq_resultant", difficulty=draft.difficulty + 1,
                           params=dict(new.params, parent_answer=draft.answer))

    def rederive(self, draft: Draft) -> str:
        pr = draft.params
        n1, n2, n3, n4 = pr["names"]
        u, v = _vec(draft, n1, n2), _vec(draft, n3, n4)
        i = 0 if pr["coord"] == "x" else 1
        ask = pr["ask"]
        if ask == "sum_comp":
            return fmt_frac(u[i] + v[i])
        if ask == "magnitude":
            return _length_text(u[0] ** 2 + u[1] ** 2)[0]
        if ask in ("resultant", "seq_resultant"):
            return _length_text((u[0] + v[0]) ** 2 + (u[1] + v[1]) ** 2)[0]
        if ask == "combination":
            return fmt_frac(pr["k"] * u[i] - v[i])
        raise ValueError(f"unknown ask {ask!r}")


# ==============================================================================================
# two arrows from one tail


def _angle(u, v) -> float:
    c = float(u[0] * v[0] + u[1] * v[1]) / (math.hypot(u[0], u[1]) * math.hypot(v[0], v[1]))
    return math.degrees(math.acos(max(-1.0, min(1.0, c))))


KINDS = ("perpendicular", "acute", "obtuse")


class VectorDotAngle(Family):
    """Arrows OA and OB from a common tail; asks for the dot product, the angle between them, the
    kind of angle (choice) or the direction angle of one arrow."""

    name = "vector_dot_angle"
    givens = (ELEMENTS,)
    domain = DOMAIN
    node_ids = (COMPONENTS, DOT, ANGLE, PERP, SIGN, DIRECTION, MAGNITUDE, PARALLELOGRAM)
    supports = frozenset({"sequential"})
    ASKS = {
        "dot": frozenset({COMPONENTS, DOT}),
        "angle": frozenset({ANGLE, DOT, MAGNITUDE}),
        "kind": frozenset({PERP, SIGN, DOT}),
        "direction": frozenset({DIRECTION, COMPONENTS}),
        "diagonal": frozenset({PARALLELOGRAM, COMPONENTS}),
    }
    NAMES = (("O", "A", "B"), ("P", "Q", "R"), ("S", "U", "V"), ("K", "M", "N"))

    def create(self, rng: random.Random, node_ids, difficulty: int) -> Draft:
        d = clamp_difficulty(difficulty)
        ask, covered = pick_ask(rng, node_ids, self.ASKS, self.node_ids)
        want = rng.choice(KINDS) if ask == "kind" else None
        while True:
            o = (rng.randint(-3, 3), rng.randint(-3, 3))
            u, v = _rand_vec(rng, 5), _rand_vec(rng, 5)
            if want == "perpendicular":
                t = rng.choice((1, -1))
                v = (-u[1] * t, u[0] * t)
            a, b = (o[0] + u[0], o[1] + u[1]), (o[0] + v[0], o[1] + v[1])
            if any(abs(t) > 7 for p in (a, b) for t in p) or a == b:
                continue
            if ask == "diagonal" and any(abs(t) > 7 for t in (o[0] + u[0] + v[0], o[1] + u[1] + v[1])):
                continue
            cross = u[0] * v[1] - u[1] * v[0]
            if cross == 0:
                continue
            ang = _angle(u, v)
            if ang < 25:
                continue
            dotp = u[0] * v[0] + u[1] * v[1]
            if want == "acute" and dotp <= 0 or want == "obtuse" and dotp >= 0:
                continue
            if ask == "angle" and (near_rounding_boundary(ang, 1, 1e-3) or dotp == 0):
                continue
            if ask == "direction" and (near_rounding_boundary(math.degrees(math.atan2(u[1], u[0])) % 360, 1, 1e-3)):
                continue
            break
        on, an, bn = rng.choice(self.NAMES)
        fig = GridFigure((-8, 8), (-8, 8))
        fig.polyline([o, a], color="#1f3b99", lw=0.1)
        fig.polyline([o, b], color="#b03a2e", lw=0.1)
        fig.point(on, o)
        fig.point(an, a)
        fig.point(bn, b)
        code, els = fig.build([_arrow_code(o, a, "#1f3b99"), _arrow_code(o, b, "#b03a2e")])
        els = with_roles(els, {on: "common tail of the two arrows", an: "tip of the blue arrow", bn: "tip of the red arrow"})
        params = {"ask": ask, "names": [on, an, bn], "coord": rng.choice("xy")}
        dr = self.draft(node_ids=covered, render_code=code, question="", answer="", solution="",
                    interactions=(), elements=els, difficulty=d, params=params)
        return self._pose(dr, ask, rng)

    def _pose(self, draft: Draft, ask: str, rng: random.Random) -> Draft:
        pr = dict(draft.params, ask=ask)
        on, an, bn = pr["names"]
        u, v = _vec(draft, on, an), _vec(draft, on, bn)
        dotp = u[0] * v[0] + u[1] * v[1]
        comps = f"{on}{an} = ({fmt_frac(u[0])}, {fmt_frac(u[1])}) and {on}{bn} = ({fmt_frac(v[0])}, {fmt_frac(v[1])})"
        intro = f"The grid shows the vectors {on}{an} and {on}{bn}, both starting at {on}."
        answer_type, choices = "number", ()
        inters = draft.interactions
        legs = Interaction("auxiliary_line", f"Draw the horizontal and vertical legs of arrows {on}{an} and {on}{bn}.",
                           interaction_code(*(f"ax.plot([P['{on}'][0], P['{t}'][0], P['{t}'][0]], [P['{on}'][1], P['{on}'][1], P['{t}'][1]], color='red', ls='--', lw=2)\n"
                                              for t in (an, bn))), (on, an, bn))
        arc = Interaction("angle_mark", f"Mark the angle between the arrows at {on}.",
                          interaction_code(f"""_vx, _vy = P['{on}']
_a1 = math.atan2(P['{an}'][1] - _vy, P['{an}'][0] - _vx)
_a2 = math.atan2(P['{bn}'][1] - _vy, P['{bn}'][0] - _vx)
_d = (_a2 - _a1 + math.pi) % (2 * math.pi) - math.pi
_ts = _a1 + np.linspace(0, 1, 40) * _d
ax.fill(np.r_[_vx, _vx + 22 * np.cos(_ts)], np.r_[_vy, _vy + 22 * np.sin(_ts)], color='red', alpha=0.35, lw=0)
"""), (on,))
        if ask == "dot":
            question = f"{intro} What is the dot product {on}{an} · {on}{bn}?"
            answer = fmt_frac(dotp)
            solution = (f"Counting grid squares, {comps}. The dot product is ({fmt_frac(u[0])})·({fmt_frac(v[0])}) + "
                        f"({fmt_frac(u[1])})·({fmt_frac(v[1])}) = {answer}.")
            inters = (legs,)
        elif ask in ("angle", "seq_angle"):
            ang = _angle(u, v)
            answer = fmt_dec(ang, 1)
            mu, mv = u[0] ** 2 + u[1] ** 2, v[0] ** 2 + v[1] ** 2
            step = (f"cos θ = {fmt_frac(dotp)}/(√{fmt_frac(mu)}·√{fmt_frac(mv)}), so θ ≈ {answer}°.")
            if ask == "angle":
                question = f"{intro} What is the angle between {on}{an} and {on}{bn}, in degrees? Round to one decimal place."
                solution = f"Counting grid squares, {comps}. Their dot product is {fmt_frac(dotp)}; {step}"
                inters = (legs, arc)
            else:
                question = f"{draft.question} Use it to find the angle between the two vectors in degrees, rounded to one decimal place."
                solution = f"{draft.solution} With |{on}{an}| = √{fmt_frac(mu)} and |{on}{bn}| = √{fmt_frac(mv)}, {step}"
                inters = inters + (arc,)
        elif ask == "kind":
            correct = "perpendicular" if dotp == 0 else ("acute" if dotp > 0 else "obtuse")
            opts = {"perpendicular": "They are perpendicular.", "acute": "The angle between them is acute.",
                    "obtuse": "The angle between them is obtuse.", "parallel": "They are parallel."}
            choices, answer = make_choices(rng, opts[correct], [opts[k] for k in ("perpendicular", "acute", "obtuse", "parallel") if k != correct])
            answer_type = "choice"
            question = f"{intro} Which statement about {on}{an} and {on}{bn} is true?"
            solution = (f"Counting grid squares, {comps}. The dot product is {fmt_frac(dotp)}: zero means perpendicular, "
                        f"positive an acute angle, negative an obtuse one, so: {opts[correct]}")
            inters = (legs, arc)
        elif ask == "direction":
            ang = math.degrees(math.atan2(float(u[1]), float(u[0]))) % 360
            answer = fmt_dec(ang, 1)
            question = (f"{intro} What angle does {on}{an} make with the positive x-direction, measured counterclockwise "
                        "in degrees between 0 and 360? Round to one decimal place.")
            solution = (f"{on}{an} = ({fmt_frac(u[0])}, {fmt_frac(u[1])}). Its reference angle is "
                        f"arctan({fmt_frac(abs(u[1]))}/{fmt_frac(abs(u[0])) if u[0] else '0'}) and the signs of the components "
                        f"fix the quadrant, giving {answer}°.")
            inters = (Interaction("auxiliary_line", f"Draw the horizontal ray from {on} to the right and the vertical leg up or down to {an}.",
                                  interaction_code(f"ax.plot([P['{on}'][0], P['{on}'][0] + 120], [P['{on}'][1], P['{on}'][1]], color='red', ls='--', lw=2)\n"
                                                   f"ax.plot([P['{an}'][0], P['{an}'][0]], [P['{on}'][1], P['{an}'][1]], color='red', ls=':', lw=2)\n"),
                                  (on, an)),)
        elif ask == "diagonal":
            i = 0 if pr["coord"] == "x" else 1
            e = draft.element(on)
            tip = (to_frac(e.x, 1000) + u[0] + v[0], to_frac(e.y, 1000) + u[1] + v[1])
            question = (f"The parallelogram with sides {on}{an} and {on}{bn} has its fourth vertex at the tip of "
                        f"{on}{an} + {on}{bn}. What is the {pr['coord']}-coordinate of that vertex?")
            answer = fmt_frac(tip[i])
            solution = (f"Counting grid squares, {comps}. The diagonal from {on} is the sum ({fmt_frac(u[0] + v[0])}, "
                        f"{fmt_frac(u[1] + v[1])}); added to {on} = ({fmt_frac(to_frac(e.x, 1000))}, {fmt_frac(to_frac(e.y, 1000))}) "
                        f"it gives ({fmt_frac(tip[0])}, {fmt_frac(tip[1])}), so the {pr['coord']}-coordinate is {answer}.")
            code = (f"_ex, _ey = P['{an}'][0] + P['{bn}'][0] - P['{on}'][0], P['{an}'][1] + P['{bn}'][1] - P['{on}'][1]\n"
                    f"ax.plot([P['{an}'][0], _ex, P['{bn}'][0]], [P['{an}'][1], _ey, P['{bn}'][1]], color='red', ls='--', lw=2)\n"
                    + _px_arrow(f"P['{on}'][0]", f"P['{on}'][1]", "_ex", "_ey", "#2ca02c"))
            inters = (Interaction("auxiliary_line", f"Complete the parallelogram on {on}{an} and {on}{bn} and draw its diagonal from {on}.",
                                  interaction_code(code), (on, an, bn)),)
        else:
            raise ValueError(ask)
        return draft.replace(question=question, answer=answer, answer_type=answer_type, choices=choices,
                             solution=solution, interactions=inters, params=pr)

    def expand_sequential(self, draft: Draft, rng: random.Random) -> Draft | None:
        """The dot product -> the angle it determines."""
        if draft.params["ask"] != "dot":
            return None
        on, an, bn = draft.params["names"]
        if near_rounding_boundary(_angle(_vec(draft, on, an), _vec(draft, on, bn)), 1, 1e-3):
            return None
        new = self._pose(draft, "seq_angle", rng)
        return new.replace(variant="seq_angle", difficulty=draft.difficulty + 1,
                           params=dict(new.params, parent_answer=draft.answer))

    def rederive(self, draft: Draft) -> str:
        pr = draft.params
        on, an, bn = pr["names"]
        u, v = _vec(draft, on, an), _vec(draft, on, bn)
        dotp = u[0] * v[0] + u[1] * v[1]
        ask = pr["ask"]
        if ask == "dot":
            return fmt_frac(dotp)
        if ask in ("angle", "seq_angle"):
            return fmt_dec(_angle(u, v), 1)
        if ask == "kind":
            key = "perpendicular" if dotp == 0 else ("acute" if dotp > 0 else "obtuse")
            want = {"perpendicular": "They are perpendicular.", "acute": "The angle between them is acute.",
                    "obtuse": "The angle between them is obtuse."}[key]
            return choice_letter(draft.choices, want)
        if ask == "direction":
            return fmt_dec(math.degrees(math.atan2(float(u[1]), float(u[0]))) % 360, 1)
        if ask == "diagonal":
            e = draft.element(on)
            i = 0 if pr["coord"] == "x" else 1
            return fmt_frac((to_frac(e.x, 1000), to_frac(e.y, 1000))[i] + (u[0] + v[0], u[1] + v[1])[i])
        raise ValueError(f"unknown ask {ask!r}")


FAMILIES = [GridVectorSum(), VectorDotAngle()]
