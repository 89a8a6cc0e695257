"""Plane geometry families: right triangles, medians, altitudes/area, circle angles.

Every figure is drawn to scale: the lengths stated in a question equal the data lengths of the
drawn segments, so :meth:`rederive` can measure the answer from the element coordinates.
"""

from __future__ import annotations

import math
import random
from fractions import Fraction

from pipelines.creators.base import Draft, Family, Interaction
from pipelines.creators.common import (
    GeoFigure,
    choice_letter,
    clamp_difficulty,
    dist,
    angle_at,
    fmt_dec,
    fmt_frac,
    fraction_note,
    interaction_code,
    ix_angle_arc,
    ix_highlight,
    ix_perpendicular,
    ix_segment,
    near_rounding_boundary,
    pick_ask,
    point_line_distance,
    rotate_all,
    shoelace,
    to_frac,
)

DOMAIN = "plane_geometry"
_P = "plane_geometry."
MIDPOINT = _P + "segments_angles.midpoint"
PERP_DIST = _P + "segments_angles.perpendicular_distance"
MEDIAN = _P + "triangles.median_length"
CENTROID = _P + "triangles.centroid"
ALTITUDE = _P + "triangles.altitude"
AREA = _P + "triangles.area"
EQ_AREA = _P + "triangles.equal_area_altitudes"
ANGLE_SUM = _P + "triangles.angle_sum"
ISOSCELES = _P + "triangles.isosceles_base_angles"
PYTH = _P + "right_triangles.pythagoras"
CONVERSE = _P + "right_triangles.pythagorean_converse"
HYP_ALT = _P + "right_triangles.hypotenuse_altitude"
PROJ = _P + "right_triangles.leg_projection"
HYP_MED = _P + "right_triangles.hypotenuse_median"
RADIUS = _P + "circles.radius_chord"
CENTRAL = _P + "circles.central_angle"
INSCRIBED = _P + "circles.inscribed_angle"
THALES = _P + "circles.thales"


def seg(a: str, b: str) -> str:
    """Segment name with its letters in alphabetical order (AB, not BA)."""
    return "".join(sorted(a + b))


def _fmt(v: float, exact: bool) -> str:
    return fmt_frac(to_frac(v, 1000)) if exact else fmt_dec(v, 2)


def _round_note(exact: bool) -> str:
    return fraction_note() if exact else "Round to two decimal places."


def _foot(p, a, b) -> tuple[float, float]:
    """Foot of the perpendicular from p to line ab."""
    dx, dy = b[0] - a[0], b[1] - a[1]
    t = ((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / (dx * dx + dy * dy)
    return (a[0] + t * dx, a[1] + t * dy)


def _orient(rng: random.Random, pts: dict[str, tuple[float, float]], max_rot: float = 180.0) -> dict:
    """Random mirror and rotation (a rigid motion keeps every length and angle)."""
    if rng.random() < 0.5:
        pts = {n: (-x, y) for n, (x, y) in pts.items()}
    return rotate_all(pts, rng.uniform(-max_rot, max_rot))


# ==============================================================================================
# right triangle: Pythagoras, converse, altitude to the hypotenuse, leg projections


SMALL_TRIPLES = [(3, 4, 5), (6, 8, 10), (9, 12, 15), (5, 12, 13), (12, 16, 20)]
BIG_TRIPLES = [(8, 15, 17), (20, 21, 29), (12, 35, 37), (15, 20, 25), (10, 24, 26), (28, 45, 53),
               (24, 32, 40), (33, 56, 65), (15, 36, 39), (16, 30, 34), (48, 55, 73)]


class RightTriangle(Family):
    """Right triangle with the right angle at one vertex; asks for a side (Pythagoras), which
    angle is right (converse), the altitude to the hypotenuse or a leg's projection on it."""

    name = "right_triangle"
    domain = DOMAIN
    node_ids = (PYTH, CONVERSE, HYP_ALT, PROJ)
    supports = frozenset({"sequential"})
    ASKS = {
        "hyp": frozenset({PYTH}),
        "leg": frozenset({PYTH}),
        "converse": frozenset({CONVERSE, PYTH}),
        "altitude": frozenset({HYP_ALT, PYTH}),
        "projection": frozenset({PROJ, PYTH}),
    }
    CHAIN = {"hyp": "altitude", "leg": "altitude", "converse": "altitude", "altitude": "projection",
             "projection": "subarea"}
    CONVERSE_CHOICES = ("angle A", "angle B", "angle C", "none of its angles")

    def given_values(self, draft: Draft) -> dict[str, object]:
        """The sides the question gives: both legs, a leg and the hypotenuse, or all three."""
        pr = draft.params
        return {"sides": {"legs": [pr["a"], pr["b"]], "hyp_leg": [pr["c"], pr["b"]],
                          "sides3": [pr["a"], pr["b"], pr["c"]]}[pr["given"]]}

    def create(self, rng: random.Random, node_ids, difficulty: int) -> Draft:
        d = clamp_difficulty(difficulty)
        ask, covered = pick_ask(rng, node_ids, self.ASKS, self.node_ids)
        if d == 3 and ask == "leg":
            ask = "hyp"  # same knowledge point; a leg from an irrational hypotenuse is not posed
        if d == 3 and ask != "converse":
            while True:
                a, b = rng.randint(3, 14), rng.randint(3, 14)
                c2 = a * a + b * b
                cc = math.sqrt(c2)
                values = (cc, a * b / cc, b * b / cc, a * b**3 / (2 * c2))  # every ask of the chain
                if (math.isqrt(c2) ** 2 != c2 and max(a, b) / min(a, b) <= 2.5
                        and not any(near_rounding_boundary(v, 2) for v in values)):
                    break
            c = math.sqrt(c2)
            exact = False
        else:
            a, b, c = rng.choice(SMALL_TRIPLES if d == 1 else BIG_TRIPLES)
            if rng.random() < 0.5:
                a, b = b, a
            exact = True
        if ask == "converse":
            r = rng.choice("ABC")
            p, q = [x for x in "ABC" if x != r]
        else:
            r, p, q = "C", "A", "B"
        # r at the origin, leg r-q of length a along x, leg r-p of length b along y
        pts = _orient(rng, {r: (0.0, 0.0), q: (float(a), 0.0), p: (0.0, float(b))})
        fig = GeoFigure()
        for n in "ABC":
            fig.point(n, pts[n])
        fig.polygon(["A", "B", "C"])
        if ask != "converse":
            fig.right_angle(r, p, q)
        fig.avoid(r, _foot(pts[r], pts[p], pts[q]))
        given = "sides3" if ask == "converse" else ("hyp_leg" if ask == "leg" else "legs")
        # the given sides are written in the figure only
        shown = {"sides3": {(r, q), (r, p), (p, q)}, "legs": {(r, q), (r, p)}, "hyp_leg": {(p, q), (r, p)}}[given]
        for u, v, length in ((r, q, a), (r, p, b), (p, q, c)):
            if (u, v) in shown:
                fig.side_label(u, v, str(length))
        code, elements = fig.build()
        params = {"ask": ask, "r": r, "p": p, "q": q, "a": a, "b": b, "c": c if exact else None,
                  "c_squared": a * a + b * b, "exact": exact, "given": given}
        draft = self.draft(node_ids=covered, variant="base", render_code=code, question="", answer="",
                       solution="", interactions=(), elements=elements, difficulty=d, params=params)
        return self._pose(draft, rng, ask)

    # -- text of one ask on the drawn triangle ------------------------------------------------

    def _givens(self, pr: dict) -> tuple[str, str]:
        r, p, q, a, b = pr["r"], pr["p"], pr["q"], pr["a"], pr["b"]
        if pr["given"] == "sides3":
            c = pr["c"]
            return ("The figure marks the lengths of the three sides of triangle ABC.",
                    f"{seg(p, q)}² = {c * c} = {a * a} + {b * b} = {seg(r, q)}² + {seg(r, p)}², so by the converse "
                    f"of the Pythagorean theorem the angle at {r} is right.")
        if pr["given"] == "hyp_leg":
            c = pr["c"]
            return (f"In triangle ABC, angle {r} is a right angle; the figure marks the lengths of {seg(p, q)} and {seg(r, p)}.",
                    f"By the Pythagorean theorem {seg(r, q)} = √({c}² − {b}²) = {a}.")
        return (f"In triangle ABC, angle {r} is a right angle; the figure marks the lengths of {seg(r, p)} and {seg(r, q)}.",
                f"By the Pythagorean theorem {seg(p, q)} = √({b}² + {a}²) = √{a * a + b * b}"
                + (f" = {pr['c']}." if pr["exact"] else "."))

    def _pose(self, draft: Draft, rng: random.Random, ask: str) -> Draft:
        pr = dict(draft.params, ask=ask)
        r, p, q, a, b, exact = pr["r"], pr["p"], pr["q"], pr["a"], pr["b"], pr["exact"]
        c = math.sqrt(pr["c_squared"])
        C = Fraction(pr["c"]) if exact else None
        given, given_sol = self._givens(pr)
        rp, rq, pq = seg(r, p), seg(r, q), seg(p, q)
        # value (float) and, for integer sides, the exact value
        exact_values = {
            "hyp": C, "leg": Fraction(a),
            "altitude": Fraction(a * b) / C if exact else None,
            "projection": Fraction(b * b) / C if exact else None,
            "subarea": Fraction(a * b**3) / (2 * C * C) if exact else None,
        }
        values = {"hyp": c, "leg": float(a), "altitude": a * b / c, "projection": b * b / c,
                  "subarea": a * b**3 / (2 * c * c)}
        fmt = "choice"
        answer = ""
        if ask != "converse":
            ev = exact_values[ask]
            if ev is not None and ev.denominator <= 100:
                fmt, answer = "frac", fmt_frac(ev)
            else:
                if near_rounding_boundary(values[ask], 2):
                    raise ValueError("value too close to a rounding boundary")
                fmt, answer = "dec2", fmt_dec(values[ask], 2)
        pr["fmt"] = fmt
        note = "" if fmt == "frac" and ask in ("hyp", "leg") else (
            fraction_note() if fmt == "frac" else "Round to two decimal places.")

        def show(v: float, ev: Fraction | None) -> str:
            return fmt_frac(ev) if fmt == "frac" and ev is not None and ev.denominator <= 100 else fmt_dec(v, 2)

        choices: tuple[str, ...] = ()
        answer_type = "number"
        perp = Interaction("auxiliary_line", f"Draw the perpendicular from {r} to {pq} and mark the right angle at its foot.",
                           interaction_code(ix_perpendicular(r, p, q)), (r,))
        if ask in ("hyp", "leg"):
            unknown = pq if ask == "hyp" else rq
            question = f"{given} What is the length of {unknown}? {note}".strip()
            solution = (f"Highlight the side {pq} opposite the right angle at {r}: it is the hypotenuse and "
                        f"{rp}, {rq} are the legs. {given_sol}")
            if not exact:
                solution += f" Rounded, {unknown} ≈ {answer}."
            inter = Interaction("highlight", f"Highlight the hypotenuse {pq}, the side opposite the right angle at {r}.",
                                interaction_code(ix_highlight(p, q)), (p, q))
        elif ask == "converse":
            question = f"{given} Which angle of triangle ABC is a right angle?"
            choices = self.CONVERSE_CHOICES
            answer_type = "choice"
            answer = choice_letter(choices, f"angle {r}")
            solution = (f"The longest side is {pq}. {given_sol} Marking the right angle at {r} shows "
                        f"{rp} and {rq} as the legs.")
            inter = Interaction("angle_mark", f"Mark the right angle at {r}, opposite the longest side {pq}.",
                                interaction_code(ix_angle_arc(r, p, q, radius=26, right=True)), (r,))
        elif ask == "altitude":
            question = f"{given} What is the distance from {r} to {pq}? {note}"
            solution = (f"{given_sol} Draw the perpendicular from {r} to the hypotenuse {pq}. Twice the area is "
                        f"{rp} · {rq} = {a * b}, and it also equals {pq} times that perpendicular, so the distance is "
                        f"{a * b}/{pq} = {answer}.")
            inter = perp
        elif ask == "projection":
            question = (f"{given} The perpendicular from {r} to {pq} divides {pq} into two parts. "
                        f"What is the length of the part that ends at {p}? {note}")
            solution = (f"{given_sol} Draw the perpendicular from {r} to {pq}; the small right triangle at {p} is similar "
                        f"to triangle ABC, so the part at {p} equals {rp}²/{pq} = {b * b}/{pq} = {answer}.")
            inter = Interaction("auxiliary_line", f"Draw the perpendicular from {r} to {pq} and highlight the part of {pq} at {p}.",
                                interaction_code(ix_perpendicular(r, p, q), self._part_snippet(r, p, q)), (p,))
        elif ask == "subarea":
            question = (f"{given} The perpendicular from {r} to {pq} divides triangle ABC into two triangles. "
                        f"What is the area of the one that has {p} as a vertex? {note}")
            alt = show(values["altitude"], exact_values["altitude"])
            part = show(values["projection"], exact_values["projection"])
            solution = (f"{given_sol} Draw the perpendicular from {r} to {pq}: its length is {rp} · {rq}/{pq} = {alt}, "
                        f"and it cuts off the part {rp}²/{pq} = {part} of {pq} at {p}. The shaded right triangle at {p} "
                        f"has area ½ · {part} · {alt} = {answer}.")
            inter = Interaction("shade", f"Shade the triangle cut off at {p} by the perpendicular from {r} to {pq}.",
                                interaction_code(ix_perpendicular(r, p, q), self._shade_snippet(r, p, q)), (p, r))
        else:  # pragma: no cover
            raise ValueError(ask)
        return draft.replace(question=question, answer=answer, answer_type=answer_type, choices=choices,
                             solution=solution, interactions=draft.interactions + (inter,), params=pr)

    @staticmethod
    def _part_snippet(r, p, q) -> str:
        return f"""_t2 = ((P['{r}'][0] - P['{p}'][0]) * (P['{q}'][0] - P['{p}'][0]) + (P['{r}'][1] - P['{p}'][1]) * (P['{q}'][1] - P['{p}'][1])) / ((P['{q}'][0] - P['{p}'][0]) ** 2 + (P['{q}'][1] - P['{p}'][1]) ** 2)
ax.plot([P['{p}'][0], P['{p}'][0] + _t2 * (P['{q}'][0] - P['{p}'][0])], [P['{p}'][1], P['{p}'][1] + _t2 * (P['{q}'][1] - P['{p}'][1])], color='#7b2cbf', lw=5.5)
"""

    @staticmethod
    def _shade_snippet(r, p, q) -> str:
        return f"""_t2 = ((P['{r}'][0] - P['{p}'][0]) * (P['{q}'][0] - P['{p}'][0]) + (P['{r}'][1] - P['{p}'][1]) * (P['{q}'][1] - P['{p}'][1])) / ((P['{q}'][0] - P['{p}'][0]) ** 2 + (P['{q}'][1] - P['{p}'][1]) ** 2)
ax.fill([P['{p}'][0], P['{r}'][0], P['{p}'][0] + _t2 * (P['{q}'][0] - P['{p}'][0])], [P['{p}'][1], P['{r}'][1], P['{p}'][1] + _t2 * (P['{q}'][1] - P['{p}'][1])], color='#fdae6b', alpha=0.5, lw=0)
"""

    def expand_sequential(self, draft: Draft, rng: random.Random) -> Draft | None:
        nxt = self.CHAIN.get(draft.params["ask"])
        if nxt is None:
            return None
        new = self._pose(draft, rng, nxt)
        return new.replace(variant=f"seq_{nxt}", difficulty=draft.difficulty + 1,
                           params=dict(new.params, parent_answer=draft.answer))

    def rederive(self, draft: Draft) -> str:
        pts = draft.points()
        pr = draft.params
        r, p, q, exact = pr["r"], pr["p"], pr["q"], pr["exact"]
        R, Pp, Q = pts[r], pts[p], pts[q]
        ask = pr["ask"]
        if ask == "converse":
            for v in "ABC":
                others = [pts[x] for x in "ABC" if x != v]
                if abs(angle_at(pts[v], *others) - 90) < 0.5:
                    return choice_letter(draft.choices, f"angle {v}")
            return choice_letter(draft.choices, "none of its angles")
        if ask == "hyp":
            value = dist(Pp, Q)
        elif ask == "leg":
            value = dist(R, Q)
        elif ask == "altitude":
            value = point_line_distance(R, Pp, Q)
        else:
            pq = dist(Pp, Q)
            part = ((R[0] - Pp[0]) * (Q[0] - Pp[0]) + (R[1] - Pp[1]) * (Q[1] - Pp[1])) / pq  # projection of p->r on p->q
            if ask == "projection":
                value = part
            elif ask == "subarea":
                value = 0.5 * part * point_line_distance(R, Pp, Q)
            else:
                raise ValueError(f"unknown ask {ask!r}")
        return fmt_frac(to_frac(value, 100)) if pr["fmt"] == "frac" else fmt_dec(value, 2)


# ==============================================================================================
# triangle median (Apollonius), median to the hypotenuse, centroid


def _apollonius_table() -> list[tuple[int, int, int, int]]:
    out = []
    for a in range(6, 31, 2):
        for b in range(5, 31):
            for c in range(b + 1, 31):
                if a >= b + c or c >= a + b:
                    continue
                angs = _angles(a, b, c)
                if min(angs) < 28 or max(angs) > 112:
                    continue
                m4 = 2 * b * b + 2 * c * c - a * a
                if m4 % 4 == 0 and math.isqrt(m4 // 4) ** 2 == m4 // 4:
                    out.append((a, b, c, math.isqrt(m4 // 4)))
    return out


def _angles(a: float, b: float, c: float) -> tuple[float, float, float]:
    A = math.degrees(math.acos((b * b + c * c - a * a) / (2 * b * c)))
    B = math.degrees(math.acos((a * a + c * c - b * b) / (2 * a * c)))
    return A, B, 180 - A - B


APOLLONIUS = _apollonius_table()
HYP_TRIPLES = [(6, 8, 10), (5, 12, 13), (8, 15, 17), (9, 12, 15), (12, 16, 20), (3, 4, 5), (7, 24, 25), (20, 21, 29)]


class TriangleMedian(Family):
    """Triangle ABC with D the marked midpoint of BC; asks for the median AD (Apollonius or half
    the hypotenuse) or the distance from A to the centroid."""

    name = "triangle_median"
    givens = ("AB", "AC", "BC")
    domain = DOMAIN
    node_ids = (MIDPOINT, MEDIAN, CENTROID, HYP_MED)
    supports = frozenset({"sequential"})
    ASKS = {
        "median": frozenset({MEDIAN, MIDPOINT}),
        "hyp_median": frozenset({HYP_MED, MIDPOINT}),
        "centroid": frozenset({CENTROID, MEDIAN, MIDPOINT}),
        "hyp_centroid": frozenset({CENTROID, HYP_MED, MIDPOINT}),
    }

    def create(self, rng: random.Random, node_ids, difficulty: int) -> Draft:
        d = clamp_difficulty(difficulty)
        ask, covered = pick_ask(rng, node_ids, self.ASKS, self.node_ids)
        right = ask.startswith("hyp")
        if right:
            ab, ac, bc = rng.choice(HYP_TRIPLES[:5] if d < 3 else HYP_TRIPLES)
            if rng.random() < 0.5:
                ab, ac = ac, ab
            exact = True
            m = bc / 2
        elif d == 3:
            while True:
                bc = rng.randrange(6, 21, 2)
                ab, ac = rng.randint(5, 20), rng.randint(5, 20)
                if ab == ac or ab + ac <= bc or abs(ab - ac) >= bc:
                    continue
                angs = _angles(bc, ac, ab)
                m4 = 2 * ab * ab + 2 * ac * ac - bc * bc
                mm = math.sqrt(m4) / 2
                if (min(angs) >= 28 and max(angs) <= 112 and math.isqrt(m4) ** 2 != m4
                        and not near_rounding_boundary(mm, 2) and not near_rounding_boundary(2 * mm / 3, 2)):
                    break
            exact = False
            m = math.sqrt((2 * ab * ab + 2 * ac * ac - bc * bc) / 4)
        else:
            pool = [t for t in APOLLONIUS if (t[0] <= 16) == (d == 1)]
            bc, ab, ac, mi = rng.choice(pool)
            if rng.random() < 0.5:
                ab, ac = ac, ab
            exact = True
            m = float(mi)
        # B at the origin, C on the x axis, A above
        xa = (ab * ab - ac * ac + bc * bc) / (2 * bc)
        ya = math.sqrt(max(ab * ab - xa * xa, 0.0))
        pts = _orient(rng, {"B": (0.0, 0.0), "C": (float(bc), 0.0), "A": (xa, ya), "D": (bc / 2, 0.0)}, 35)
        fig = GeoFigure()
        for n in "ABCD":
            fig.point(n, pts[n])
        fig.polygon(["A", "B", "C"])
        fig.ticks("B", "D", 1)
        fig.ticks("D", "C", 1)
        if right:
            fig.right_angle("A", "B", "C")
        fig.avoid("A", "D")
        fig.avoid("B", ((pts["A"][0] + pts["C"][0]) / 2, (pts["A"][1] + pts["C"][1]) / 2))
        for u, v, length in (("A", "B", ab), ("A", "C", ac)) + (() if right else (("B", "C", bc),)):
            fig.side_label(u, v, str(length))  # the given sides are written in the figure only
        code, elements = fig.build()
        params = {"ask": ask, "AB": ab, "AC": ac, "BC": bc, "exact": exact, "right": right}
        draft = self.draft(node_ids=covered, variant="base", render_code=code, question="", answer="",
                       solution="", interactions=(), elements=elements, difficulty=d, params=params)
        return self._pose(draft, ask, m)

    def _pose(self, draft: Draft, ask: str, m: float) -> Draft:
        pr = dict(draft.params, ask=ask)
        ab, ac, bc, exact = pr["AB"], pr["AC"], pr["BC"], pr["exact"]
        if pr["right"]:
            given = "In triangle ABC, angle A is a right angle, the figure marks AB and AC, and D is the midpoint of BC."
            med_sol = (f"BC = √({ab}² + {ac}²) = {bc}. Draw the median AD: the midpoint of the hypotenuse is "
                       f"equally far from all three vertices, so AD = BC/2 = {_fmt(m, exact)}.")
        else:
            given = "In triangle ABC the figure marks the three side lengths, and D is the midpoint of BC."
            med_sol = (f"Draw the median AD. With BD = DC = {fmt_frac(Fraction(bc, 2))}, "
                       f"Apollonius's theorem gives AB² + AC² = 2AD² + 2BD², so AD² = (2·{ab}² + 2·{ac}² − {bc}²)/4 = "
                       f"{fmt_frac(to_frac((2 * ab * ab + 2 * ac * ac - bc * bc) / 4))} and AD = {_fmt(m, exact)}.")
        median_ix = Interaction("auxiliary_line", "Draw the median AD from A to the midpoint D of BC.",
                                interaction_code(ix_segment("A", "D")), ("A", "D"))
        if ask in ("median", "hyp_median"):
            question = f"{given} What is the length of AD?" + ("" if exact and float(m).is_integer() else " " + _round_note(exact))
            answer = _fmt(m, exact)
            solution = med_sol
            inters = (median_ix,)
        else:
            value = 2 * m / 3
            question = (f"{given} What is the distance from A to the point where the three medians of triangle ABC "
                        f"meet? {_round_note(exact)}")
            answer = _fmt(value, exact)
            solution = (f"{med_sol} Draw a second median from B to the midpoint of AC; the medians meet at the "
                        f"centroid, which lies two thirds of the way from A to D, so the distance is "
                        f"2/3 · {_fmt(m, exact)} = {answer}.")
            second = Interaction("auxiliary_line", "Draw the median from B to the midpoint of AC and mark where it crosses AD.",
                                 interaction_code(ix_segment("A", "D"), self._second_median()), ("B",))
            inters = tuple(i for i in draft.interactions if i.instruction != median_ix.instruction) + (median_ix, second)
            if not exact and near_rounding_boundary(value, 2):
                raise ValueError("rounding boundary")
        return draft.replace(question=question, answer=answer, solution=solution, interactions=inters, params=pr)

    @staticmethod
    def _second_median() -> str:
        return """_ex, _ey = (P['A'][0] + P['C'][0]) / 2, (P['A'][1] + P['C'][1]) / 2
ax.plot([P['B'][0], _ex], [P['B'][1], _ey], color='blue', ls='--', lw=2.2)
ax.plot([_ex], [_ey], 'o', color='blue', ms=5)
_gx, _gy = (P['A'][0] + P['B'][0] + P['C'][0]) / 3, (P['A'][1] + P['B'][1] + P['C'][1]) / 3
ax.plot([_gx], [_gy], 'o', color='red', ms=8)
"""

    def expand_sequential(self, draft: Draft, rng: random.Random) -> Draft | None:
        ask = draft.params["ask"]
        if ask not in ("median", "hyp_median"):
            return None
        pts = draft.points()
        m = dist(pts["A"], pts["D"])  # the parent's answer, as drawn
        if draft.params["exact"]:
            m = float(to_frac(m, 1000))
        new = self._pose(draft, "centroid" if ask == "median" else "hyp_centroid", m)
        return new.replace(variant="seq_centroid", difficulty=draft.difficulty + 1,
                           params=dict(new.params, parent_answer=draft.answer))

    def rederive(self, draft: Draft) -> str:
        pts = draft.points()
        A, B, C = pts["A"], pts["B"], pts["C"]
        ask = draft.params["ask"]
        if ask in ("median", "hyp_median"):
            mid = ((B[0] + C[0]) / 2, (B[1] + C[1]) / 2)
            value = dist(A, mid)
        elif ask in ("centroid", "hyp_centroid"):
            g = ((A[0] + B[0] + C[0]) / 3, (A[1] + B[1] + C[1]) / 3)
            value = dist(A, g)
        else:
            raise ValueError(f"unknown ask {ask!r}")
        return _fmt(value, draft.params["exact"])


# ==============================================================================================
# altitude and area of a triangle with integer sides (two Pythagorean triangles glued)


def _triples(limit: int = 60) -> list[tuple[int, int, int]]:
    out = []
    for x in range(1, limit):
        for y in range(1, limit):
            z2 = x * x + y * y
            z = math.isqrt(z2)
            if z * z == z2:
                out.append((x, y, z))
    return out


def _heronian_table() -> list[tuple[int, int, int, int, int, bool]]:
    """(h, p, q, AB, AC, obtuse): foot H of the altitude from A; B at distance p and C at
    distance q from H (opposite sides when acute, same side with p < q when obtuse at B)."""
    by_leg: dict[int, list[tuple[int, int]]] = {}
    for h, p, c in _triples(40):
        by_leg.setdefault(h, []).append((p, c))
    out = []
    for h, lst in by_leg.items():
        for p, c1 in lst:
            for q, c2 in lst:
                if p == q:
                    continue
                bc = p + q
                if bc <= 32 and h <= 30 and 0.35 <= h / bc <= 1.4:
                    out.append((h, p, q, c1, c2, False))
                if p < q and q - p >= 4 and h <= 24 and 0.5 <= h / (q - p) <= 2.2 and q <= 30:
                    out.append((h, p, q, c1, c2, True))
    return sorted(set(out))


HERONIAN = _heronian_table()


class TriangleAltitudeArea(Family):
    """Triangle ABC with integer sides; asks for the altitude from A (distance to BC), the area,
    or the altitude from B via equal areas."""

    name = "triangle_altitude_area"
    givens = ("AB", "AC", "BC")
    domain = DOMAIN
    node_ids = (PERP_DIST, ALTITUDE, AREA, EQ_AREA)
    supports = frozenset({"sequential"})
    ASKS = {
        "altitude": frozenset({ALTITUDE, PERP_DIST}),
        "area": frozenset({AREA, ALTITUDE, PERP_DIST}),
        "other_altitude": frozenset({EQ_AREA, AREA, ALTITUDE, PERP_DIST}),
    }
    CHAIN = {"altitude": "other_altitude", "area": "other_altitude"}

    def create(self, rng: random.Random, node_ids, difficulty: int) -> Draft:
        d = clamp_difficulty(difficulty)
        ask, covered = pick_ask(rng, node_ids, self.ASKS, self.node_ids)
        if d == 1:
            pool = [t for t in HERONIAN if not t[5] and t[1] + t[2] <= 21]
        elif d == 2:
            pool = [t for t in HERONIAN if not t[5] and t[1] + t[2] > 21]
        else:
            pool = [t for t in HERONIAN if t[5]]
        h, p, q, ab, ac, obtuse = rng.choice(pool)
        if obtuse:
            raw = {"A": (0.0, float(h)), "B": (float(p), 0.0), "C": (float(q), 0.0)}
            bc = q - p
        else:
            raw = {"A": (0.0, float(h)), "B": (-float(p), 0.0), "C": (float(q), 0.0)}
            bc = p + q
        pts = _orient(rng, raw, 30)
        fig = GeoFigure()
        for n in "ABC":
            fig.point(n, pts[n])
        fig.polygon(["A", "B", "C"])
        foot = _foot(pts["A"], pts["B"], pts["C"])
        fig.avoid("A", foot)
        fig.avoid("B", foot)
        fig.avoid("B", _foot(pts["B"], pts["A"], pts["C"]))
        for u, v, length in (("A", "B", ab), ("A", "C", ac), ("B", "C", bc)):
            fig.side_label(u, v, str(length))  # the given sides are written in the figure only
        code, elements = fig.build()
        params = {"ask": ask, "AB": ab, "AC": ac, "BC": bc, "h": h, "obtuse": obtuse}
        draft = self.draft(node_ids=covered, variant="base", render_code=code, question="", answer="",
                       solution="", interactions=(), elements=elements, difficulty=d, params=params)
        return self._pose(draft, ask)

    def _pose(self, draft: Draft, ask: str) -> Draft:
        pr = dict(draft.params, ask=ask)
        ab, ac, bc, h, obtuse = pr["AB"], pr["AC"], pr["BC"], pr["h"], pr["obtuse"]
        given = "The figure marks the side lengths of triangle ABC."
        # BH from AB^2 - BH^2 = AC^2 - CH^2 with CH = BC -/+ BH
        bh = abs((ab * ab - ac * ac + bc * bc) / (2 * bc))
        if obtuse:
            alt_sol = (f"Drop the perpendicular from A to the line BC; the angle at B is obtuse, so its foot lies on the "
                       f"extension of CB beyond B. If the foot is x from B, then {ab}² − x² = {ac}² − ({bc} + x)², "
                       f"so x = {fmt_frac(to_frac(bh))} and the altitude is √({ab}² − {fmt_frac(to_frac(bh))}²) = {h}.")
        else:
            alt_sol = (f"Drop the perpendicular from A to BC; if its foot is x from B, then {ab}² − x² = {ac}² − ({bc} − x)², "
                       f"so x = {fmt_frac(to_frac(bh))} and the altitude is √({ab}² − {fmt_frac(to_frac(bh))}²) = {h}.")
        alt_ix = Interaction("auxiliary_line", "Draw the altitude from A perpendicular to the line BC.",
                             interaction_code(ix_perpendicular("A", "B", "C")), ("A",))
        area = fmt_frac(to_frac(h * bc / 2))
        if ask == "altitude":
            question = f"{given} What is the distance from A to the line BC?"
            answer = str(h)
            solution = alt_sol
            inters = (alt_ix,)
        elif ask == "area":
            question = f"{given} What is the area of triangle ABC? {fraction_note()}"
            answer = area
            solution = f"{alt_sol} The area is ½ · BC · {h} = ½ · {bc} · {h} = {area}."
            inters = (alt_ix,)
        elif ask == "other_altitude":
            question = f"{given} What is the distance from B to the line AC? {fraction_note()}"
            answer = fmt_frac(to_frac(h * bc / ac))
            solution = (f"{alt_sol} The area is ½ · {bc} · {h} = {area}. Now draw the altitude from B to AC: "
                        f"½ · AC · (that distance) is the same area, so the distance is 2 · {area} / {ac} = {answer}.")
            inters = (alt_ix, Interaction("auxiliary_line", "Draw the altitude from B perpendicular to the line AC.",
                                          interaction_code(ix_perpendicular("B", "A", "C", color="blue")), ("B",)))
        else:
            raise ValueError(ask)
        return draft.replace(question=question, answer=answer, solution=solution, interactions=inters, params=pr)

    def expand_sequential(self, draft: Draft, rng: random.Random) -> Draft | None:
        nxt = self.CHAIN.get(draft.params["ask"])
        if nxt is None:
            return None
        new = self._pose(draft, nxt)
        return new.replace(variant=f"seq_{nxt}", difficulty=draft.difficulty + 1,
                           params=dict(new.params, parent_answer=draft.answer))

    def rederive(self, draft: Draft) -> str:
        pts = draft.points()
        A, B, C = pts["A"], pts["B"], pts["C"]
        ask = draft.params["ask"]
        if ask == "altitude":
            return fmt_frac(to_frac(point_line_distance(A, B, C), 100))
        if ask == "area":
            return fmt_frac(to_frac(shoelace([A, B, C]), 100))
        if ask == "other_altitude":
            return fmt_frac(to_frac(point_line_distance(B, A, C), 1000))
        raise ValueError(f"unknown ask {ask!r}")


# ==============================================================================================
# circle: inscribed, central angles, isosceles triangles of radii, angle in a semicircle


class CircleAngles(Family):
    """Points on a circle with centre O; angle questions answered through radii (central angles,
    isosceles triangles of radii) or through the right angle in a semicircle."""

    name = "circle_angles"
    domain = DOMAIN
    node_ids = (INSCRIBED, CENTRAL, RADIUS, THALES, ISOSCELES, ANGLE_SUM)
    supports = frozenset({"parallel"})
    ASKS = {
        "central": frozenset({INSCRIBED, CENTRAL}),
        "oab": frozenset({INSCRIBED, CENTRAL, RADIUS, ISOSCELES, ANGLE_SUM}),
        "aoc": frozenset({INSCRIBED, CENTRAL, ANGLE_SUM}),
        "thales": frozenset({THALES, ANGLE_SUM}),
        "thales_oc": frozenset({THALES, RADIUS, ISOSCELES, ANGLE_SUM}),
    }
    PARALLEL = {"central": "central+boc", "oab": "oab+ocb", "aoc": "aoc+oab", "thales": "thales+boc"}

    def given_values(self, draft: Draft) -> dict[str, object]:
        """The inscribed angles the question gives."""
        return {"angles": [draft.params["angles"][v] for v in draft.params["given"]]}

    def create(self, rng: random.Random, node_ids, difficulty: int) -> Draft:
        d = clamp_difficulty(difficulty)
        ask, covered = pick_ask(rng, node_ids, self.ASKS, self.node_ids)
        R = 5.0
        phi0 = rng.uniform(0, 360)
        fig = GeoFigure()
        fig.circle((0.0, 0.0), R)
        fig.point("O", (0.0, 0.0))
        fig.ref = (0.0, 0.0)
        if ask.startswith("thales"):
            x = rng.choice([v for v in range(22, 69, 1 if d > 1 else 2) if v != 45])
            # AB a diameter; inscribed angle CAB = x means central angle BOC = 2x
            a_ang = phi0
            b_ang = phi0 + 180
            c_ang = b_ang + (2 * x if rng.random() < 0.5 else -2 * x)
            angles = {"A": x, "B": 90 - x, "C": 90}
            for n, t in (("A", a_ang), ("B", b_ang), ("C", c_ang)):
                fig.point(n, (R * math.cos(math.radians(t)), R * math.sin(math.radians(t))))
            fig.polygon(["A", "B", "C"])
            fig.arc("A", "B", "C", 26)
        else:
            while True:
                ga = rng.randint(40, 78)
                al = rng.randint(40, 78)
                be = 180 - ga - al
                if 40 <= be <= 78 and len({ga, al, be}) == 3:
                    break
            sgn = 1 if rng.random() < 0.5 else -1
            a_ang = phi0
            b_ang = phi0 + sgn * 2 * ga
            c_ang = b_ang + sgn * 2 * al
            angles = {"A": al, "B": be, "C": ga}
            for n, t in (("A", a_ang), ("B", b_ang), ("C", c_ang)):
                fig.point(n, (R * math.cos(math.radians(t)), R * math.sin(math.radians(t))))
            fig.polygon(["A", "B", "C"])
            fig.arc("C", "A", "B", 26)
            if ask == "aoc":
                fig.arc("A", "B", "C", 20)
        for n in "ABC":
            fig.avoid("O", n)
        given = ["A"] if ask.startswith("thales") else ["C"] + (["A"] if ask == "aoc" else [])
        others = {"A": ("B", "C"), "B": ("A", "C"), "C": ("A", "B")}
        for v in given:  # the given angles are written in the figure only
            fig.angle_label(v, *others[v], f"{angles[v]}°", radius_px=34)
        code, elements = fig.build()
        params = {"ask": ask, "angles": angles, "given": given, "marked": list(given)}
        draft = self.draft(node_ids=covered, variant="base", render_code=code, question="", answer="",
                       solution="", interactions=(), elements=elements, difficulty=d, params=params)
        return self._pose(draft, ask)

    # angle names: e.g. "AOB" = angle at O between A and B
    TARGETS = {
        "central": ("AOB",), "oab": ("OAB",), "aoc": ("AOC",), "thales": ("ABC",), "thales_oc": ("OCB",),
        "central+boc": ("AOB", "BOC"), "oab+ocb": ("OAB", "OCB"), "aoc+oab": ("AOC", "OAB"),
        "thales+boc": ("ABC", "BOC"),
    }

    def _pose(self, draft: Draft, ask: str, extra_given: str | None = None) -> Draft:
        pr = dict(draft.params, ask=ask)
        ang = pr["angles"]
        given_names = list(pr["given"])
        if extra_given and extra_given not in given_names:
            given_names.append(extra_given)
        pr["given"] = given_names
        thales = ask.startswith("thales")
        name_of = {"C": "ACB", "A": "BAC" if not thales else "CAB", "B": "ABC"}
        marked = [v for v in given_names if v in pr.get("marked", ())]
        stated = [v for v in given_names if v not in marked]  # an expansion's extra given is in the text
        givens = " and ".join(([f"the figure marks {' and '.join(f'angle {name_of[v]}' for v in marked)}"] if marked else [])
                              + [f"angle {name_of[v]} = {ang[v]}°" for v in stated])
        if thales:
            intro = f"Points A, B and C lie on the circle with centre O and AB is a diameter; {givens}."
        else:
            intro = f"Points A, B and C lie on the circle with centre O; {givens}."
        targets = self.TARGETS[ask]
        values = {t: self._value(t, ang) for t in targets}
        total = sum(values.values())
        if len(targets) == 1:
            question = f"{intro} What is the measure of angle {targets[0]}, in degrees?"
        else:
            question = f"{intro} What is the sum of angle {targets[0]} and angle {targets[1]}, in degrees?"
        steps, inters = [], []
        for t in targets:
            s, ix = self._step(t, ang)
            steps.append(s)
            if ix.instruction not in [i.instruction for i in inters]:
                inters.append(ix)
        solution = " ".join(steps)
        if len(targets) > 1:
            solution += f" The sum is {values[targets[0]]}° + {values[targets[1]]}° = {total}°."
        return draft.replace(question=question, answer=str(total), solution=solution, interactions=tuple(inters), params=pr)

    @staticmethod
    def _value(t: str, ang: dict) -> int:
        al, be, ga = ang["A"], ang["B"], ang["C"]
        return {"AOB": 2 * ga, "BOC": 2 * al, "AOC": 2 * be, "OAB": 90 - ga, "OCB": 90 - al, "ABC": be}[t]

    def _step(self, t: str, ang: dict) -> tuple[str, Interaction]:
        al, be, ga = ang["A"], ang["B"], ang["C"]
        radii = lambda a, b, color="red": Interaction(  # noqa: E731
            "auxiliary_line", f"Draw the radii O{a} and O{b}.",
            interaction_code(ix_segment("O", a, color=color), ix_segment("O", b, color=color)), ("O", a, b))
        if t == "AOB":
            return (f"Draw the radii OA and OB. The inscribed angle ACB and the central angle AOB stand on the same arc AB, "
                    f"so angle AOB = 2 · {ga}° = {2 * ga}°.", radii("A", "B"))
        if t == "BOC":
            return (f"Draw the radius OC as well. The inscribed angle BAC and the central angle BOC stand on arc BC, "
                    f"so angle BOC = 2 · {al}° = {2 * al}°.", radii("B", "C", "blue"))
        if t == "AOC":
            return (f"The third angle is angle ABC = 180° − {al}° − {ga}° = {be}°. Draw the radii OA and OC: the central "
                    f"angle AOC stands on the same arc AC, so angle AOC = 2 · {be}° = {2 * be}°.", radii("A", "C", "blue"))
        if t == "OAB":
            return (f"Draw the radii OA and OB: angle AOB = 2 · angle ACB = {2 * ga}°, and triangle OAB is isosceles "
                    f"(OA = OB), so angle OAB = (180° − {2 * ga}°)/2 = {90 - ga}°.", radii("A", "B"))
        if t == "OCB" and ang["C"] == 90:
            return (f"AB is a diameter, so angle ACB = 90° and angle ABC = 90° − {al}° = {90 - al}°. Draw the radius OC: "
                    f"OB = OC, so triangle OBC is isosceles and angle OCB = angle OBC = {90 - al}°.",
                    Interaction("auxiliary_line", "Draw the radius OC.",
                                interaction_code(ix_segment("O", "C", color="blue")), ("O", "C")))
        if t == "OCB":
            return (f"Draw the radius OC: angle BOC = 2 · angle BAC = {2 * al}°, and triangle OBC is isosceles "
                    f"(OB = OC), so angle OCB = (180° − {2 * al}°)/2 = {90 - al}°.", radii("B", "C", "blue"))
        if t == "ABC":
            return (f"AB is a diameter, so the angle ACB in the semicircle is a right angle (marked). "
                    f"Then angle ABC = 180° − 90° − {ang['A']}° = {ang['B']}°.",
                    Interaction("angle_mark", "Mark the right angle ACB that stands on the diameter AB.",
                                interaction_code(ix_angle_arc("C", "A", "B", radius=26, right=True)), ("C",)))
        raise ValueError(t)

    def expand_parallel(self, draft: Draft, rng: random.Random) -> Draft | None:
        nxt = self.PARALLEL.get(draft.params["ask"])
        if nxt is None:
            return None
        extra = {"central+boc": "A", "oab+ocb": "A", "aoc+oab": None, "thales+boc": None}[nxt]
        new = self._pose(draft, nxt, extra)
        return new.replace(variant=f"par_{nxt}", difficulty=draft.difficulty + 1,
                           params=dict(new.params, parent_answer=draft.answer))

    def rederive(self, draft: Draft) -> str:
        pts = draft.points()
        total = 0.0
        for t in self.TARGETS[draft.params["ask"]]:
            total += angle_at(pts[t[1]], pts[t[0]], pts[t[2]])
        return str(int(round(total)))


FAMILIES = [RightTriangle(), TriangleMedian(), TriangleAltitudeArea(), CircleAngles()]
