"""Trigonometry families: ratios and angles in a drawn right triangle (including elevation and
special triangles), points of the unit circle at special angles, and sinusoid graphs.

Figures are drawn to scale; :meth:`rederive` measures side lengths, angles, peaks and troughs from
the element coordinates and recomputes the answer.
"""

from __future__ import annotations

import math
import random
from fractions import Fraction

from pipelines.creators.base import ELEMENTS, Draft, Family, Interaction
from pipelines.creators.common import (
    GeoFigure,
    angle_at,
    choice_letter,
    clamp_difficulty,
    dist,
    fmt_dec,
    fmt_frac,
    fraction_note,
    interaction_code,
    ix_angle_arc,
    ix_datamap,
    ix_highlight,
    ix_window_line,
    make_choices,
    near_rounding_boundary,
    pick_ask,
    rotate_all,
    to_frac,
)
from pipelines.creators.families._f1kit import Canvas, with_roles

DOMAIN = "trigonometry"
_T = "trigonometry."
OPP_ADJ = _T + "right_triangle_ratios.opposite_adjacent"
SINE = _T + "right_triangle_ratios.sine_ratio"
COSINE = _T + "right_triangle_ratios.cosine_ratio"
TANGENT = _T + "right_triangle_ratios.tangent_ratio"
COMPLEMENT = _T + "right_triangle_ratios.complementary_ratios"
INVERSE = _T + "right_triangle_ratios.inverse_ratio_angle"
SOLVE = _T + "right_triangle_ratios.solve_side"
A45 = _T + "special_angles.angle_45"
A3060 = _T + "special_angles.angle_30_60"
EXACT = _T + "special_angles.exact_values"
STANDARD = _T + "unit_circle.standard_position"
COORDS = _T + "unit_circle.coordinates_cos_sin"
SIGNS = _T + "unit_circle.quadrant_signs"
REFERENCE = _T + "unit_circle.reference_angle"
FROM_POINT = _T + "unit_circle.angle_from_point"
AMPLITUDE = _T + "graphs.amplitude"
PERIOD = _T + "graphs.period"
MIDLINE = _T + "graphs.midline"
MAXMIN = _T + "graphs.max_min_values"
ELEVATION = _T + "applications.elevation_depression"

TRIPLES = [(3, 4, 5), (5, 12, 13), (8, 15, 17), (7, 24, 25), (6, 8, 10), (9, 12, 15), (20, 21, 29), (9, 40, 41), (12, 16, 20)]
LETTERS = ("ABC", "PQR", "DEF", "XYZ", "KLM")


# ==============================================================================================
# right triangle


class RightTriangleTrig(Family):
    """Right triangle with the right angle marked; asks for a trigonometric ratio, the cofunction
    of an angle, an angle from two sides, a side from an angle (special or general) or a height
    from an angle of elevation."""

    name = "right_triangle_trig"
    domain = DOMAIN
    node_ids = (OPP_ADJ, SINE, COSINE, TANGENT, COMPLEMENT, INVERSE, SOLVE, A45, A3060, EXACT, ELEVATION)
    supports = frozenset({"sequential"})
    ASKS = {
        "sin": frozenset({OPP_ADJ, SINE}),
        "cos": frozenset({OPP_ADJ, COSINE}),
        "tan": frozenset({OPP_ADJ, TANGENT}),
        "cofunction": frozenset({COMPLEMENT, SINE, COSINE}),
        "angle": frozenset({INVERSE, TANGENT}),
        "side": frozenset({SOLVE, SINE}),
        "special_45": frozenset({A45, EXACT, SOLVE}),
        "special_30_60": frozenset({A3060, EXACT, SOLVE}),
        "elevation": frozenset({ELEVATION, TANGENT, SOLVE}),
    }

    def given_values(self, draft: Draft) -> dict[str, object]:
        """The sides the question gives, or the hypotenuse and angle of a special triangle."""
        pr = draft.params
        if "given" in pr:
            return {"sides": [pr["lengths"][g] for g in pr["given"]]}
        return {k: pr[k] for k in ("hyp", "angle", "lengths") if k in pr}

    def create(self, rng: random.Random, node_ids, difficulty: int) -> Draft:
        d = clamp_difficulty(difficulty)
        ask, covered = pick_ask(rng, node_ids, self.ASKS, self.node_ids)
        a_, b_, c_ = rng.choice(LETTERS)  # a_: marked acute vertex, b_: other acute vertex, c_: right angle
        params: dict = {"ask": ask, "names": [a_, b_, c_]}
        if ask in ("sin", "cos", "tan", "cofunction", "angle"):
            legs = list(rng.choice(TRIPLES[:5] if d == 1 else TRIPLES))
            adj, opp = (legs[0], legs[1]) if rng.random() < 0.5 else (legs[1], legs[0])
            params["given"] = rng.sample(["opp", "adj", "hyp"], 2 if d > 1 else 3)
        elif ask == "special_45":
            hyp = rng.choice((4, 6, 8, 10, 12))
            adj = opp = hyp / math.sqrt(2)
            params["hyp"] = hyp
            params["angle"] = 45
        elif ask == "special_30_60":
            hyp = rng.choice((4, 6, 8, 10, 12, 14))
            ang = rng.choice((30, 60))
            adj, opp = hyp * math.cos(math.radians(ang)), hyp * math.sin(math.radians(ang))
            params["hyp"], params["angle"] = hyp, ang
            params["target"] = rng.choice(("opp", "adj"))
        else:  # side, elevation: a general angle
            while True:
                ang = rng.randint(20, 70)
                if ang in (30, 45, 60):
                    continue
                if ask == "side":
                    hyp = rng.randint(8, 30)
                    adj, opp = hyp * math.cos(math.radians(ang)), hyp * math.sin(math.radians(ang))
                    target = rng.choice(("opp", "adj"))
                    val = opp if target == "opp" else adj
                    params.update(hyp=hyp, angle=ang, target=target)
                else:
                    adj = rng.randint(10, 60)
                    opp = adj * math.tan(math.radians(ang))
                    val = opp
                    params.update(dist=adj, angle=ang)
                if not near_rounding_boundary(val, 1, 1e-3):
                    break
        pts = {c_: (0.0, 0.0), a_: (float(adj), 0.0), b_: (0.0, float(opp))}
        if ask == "elevation":
            pts = {c_: (float(adj), 0.0), a_: (0.0, 0.0), b_: (float(adj), float(opp))}  # observer left, pole right
        else:
            pts = rotate_all(pts, rng.uniform(0, 360))
        fig = GeoFigure()
        for n in (a_, b_, c_):
            fig.point(n, pts[n])
        fig.polygon([a_, b_, c_])
        fig.right_angle(c_, a_, b_)
        sides = {"opp": (b_, c_, opp), "adj": (a_, c_, adj), "hyp": (a_, b_, math.hypot(opp, adj))}
        for g in params.get("given", ()):  # the given sides are written in the figure only
            u, v, length = sides[g]
            fig.side_label(u, v, fmt_frac(to_frac(length, 100)))
        if ask == "elevation":
            fig.segment((pts[a_][0] - 0.15 * adj, 0), (pts[c_][0] + 0.15 * adj, 0), color="#6b8e23", lw=2.5)
            fig.ref = ((pts[a_][0] + pts[c_][0]) / 2, opp / 3)
        code, els = fig.build()
        roles = {c_: "right-angle vertex"}
        if ask == "elevation":
            roles = {c_: "foot of the pole", a_: "observer's position", b_: "top of the pole"}
        else:
            roles[a_] = "acute vertex at the larger angle" if opp > adj + 1e-9 else ("acute vertex at the smaller angle" if opp < adj - 1e-9 else "")
            roles[b_] = "acute vertex at the smaller angle" if opp > adj + 1e-9 else ("acute vertex at the larger angle" if opp < adj - 1e-9 else "")
        els = with_roles(els, roles)
        params["lengths"] = {"opp": opp, "adj": adj, "hyp": math.hypot(opp, adj)}
        dr = self.draft(node_ids=covered, render_code=code, question="", answer="", solution="",
                    interactions=(), elements=els, difficulty=d, params=params)
        return self._pose(dr, ask, rng)

    @staticmethod
    def _sides(draft: Draft) -> dict[str, float]:
        a_, b_, c_ = draft.params["names"]
        pa, pb, pc = (draft.element(n) for n in (a_, b_, c_))
        pa, pb, pc = (pa.x, pa.y), (pb.x, pb.y), (pc.x, pc.y)
        return {"opp": dist(pb, pc), "adj": dist(pa, pc), "hyp": dist(pa, pb), "A": angle_at(pa, pb, pc),
                "B": angle_at(pb, pa, pc), "C": angle_at(pc, pa, pb)}

    def _pose(self, draft: Draft, ask: str, rng: random.Random) -> Draft:
        pr = dict(draft.params, ask=ask)
        a_, b_, c_ = pr["names"]
        L = {k: to_frac(v, 100) for k, v in pr["lengths"].items()}
        seg = {"opp": f"{b_}{c_}", "adj": f"{a_}{c_}", "hyp": f"{a_}{b_}"}
        intro = f"In right triangle {a_}{b_}{c_} the right angle is at {c_}."
        answer_type, choices = "number", ()
        inters = draft.interactions
        mark_a = Interaction("angle_mark", f"Mark angle {a_}.", interaction_code(ix_angle_arc(a_, b_, c_)), (a_,))
        if ask in ("sin", "cos", "tan", "cofunction", "angle"):
            given = pr["given"]
            missing = [g for g in ("opp", "adj", "hyp") if g not in given]
            pyth = ""
            if missing:
                m = missing[0]
                pyth = (f" By the Pythagorean theorem {seg[m]} = {fmt_frac(L[m])}"
                        f" ({'hypotenuse² = leg² + leg²' if m == 'hyp' else 'leg² = hypotenuse² − other leg²'}).")
            intro = f"{intro} The figure marks the lengths of {' and '.join(seg[g] for g in given)}."
            if ask in ("sin", "cos", "tan"):
                num_, den = {"sin": ("opp", "hyp"), "cos": ("adj", "hyp"), "tan": ("opp", "adj")}[ask]
                val = L[num_] / L[den]
                question = f"{intro} What is {ask} {a_}? {fraction_note()}"
                answer = fmt_frac(val)
                word = {"opp": "opposite side", "adj": "adjacent side", "hyp": "hypotenuse"}
                solution = (f"For angle {a_} the opposite side is {seg['opp']}, the adjacent side is {seg['adj']} and the "
                            f"hypotenuse is {seg['hyp']}.{pyth} {ask} {a_} = {word[num_]}/{word[den]} = "
                            f"{fmt_frac(L[num_])}/{fmt_frac(L[den])} = {answer}.")
                inters = (Interaction("highlight", f"Highlight the sides {seg[num_]} and {seg[den]} used by the ratio.",
                                      interaction_code(ix_highlight(*seg[num_]), ix_highlight(*seg[den], color="#3182bd")),
                                      tuple(sorted(set(seg[num_] + seg[den])))),)
            elif ask == "cofunction":
                correct = f"cos {b_}"
                choices, answer = make_choices(rng, correct, [f"sin {b_}", f"tan {a_}", f"tan {b_}", f"cos {a_}"])
                answer_type = "choice"
                question = f"{intro} Which of these ratios is equal to sin {a_}?"
                solution = (f"sin {a_} = {seg['opp']}/{seg['hyp']}. Seen from {b_}, side {seg['opp']} is the adjacent side, "
                            f"so {seg['opp']}/{seg['hyp']} is also cos {b_}; angles {a_} and {b_} are complementary.")
                inters = (Interaction("highlight", f"Highlight side {seg['opp']}, opposite {a_} and adjacent to {b_}.",
                                      interaction_code(ix_highlight(b_, c_)), (b_, c_)),)
            else:
                ang = math.degrees(math.atan2(pr["lengths"]["opp"], pr["lengths"]["adj"]))
                question = f"{intro} What is the measure of angle {a_} in degrees? Round to one decimal place."
                answer = fmt_dec(ang, 1)
                solution = (f"{pyth.strip()} tan {a_} = {seg['opp']}/{seg['adj']} = {fmt_frac(L['opp'] / L['adj'])}, "
                            f"so angle {a_} = arctan({fmt_frac(L['opp'] / L['adj'])}) ≈ {answer}°.").strip()
                inters = (mark_a,)
        elif ask == "seq_angle":
            ang = math.degrees(math.atan2(pr["lengths"]["opp"], pr["lengths"]["adj"]))
            question = f"{draft.question.split(' What is')[0]} Use the ratio to find angle {a_} in degrees, rounded to one decimal place."
            answer = fmt_dec(ang, 1)
            solution = f"{draft.solution} Applying the inverse ratio gives angle {a_} ≈ {answer}°."
            inters = inters + (mark_a,)
        elif ask in ("special_45", "special_30_60"):
            hyp, ang = pr["hyp"], pr["angle"]
            target = pr.get("target", "opp")
            val = pr["lengths"][target]
            answer = fmt_dec(val, 2) if abs(val - round(val)) > 1e-6 else str(round(val))
            question = (f"{intro} {seg['hyp']} = {hyp} and angle {a_} = {ang}°. What is the length of {seg[target]}? "
                        "Round to two decimal places if it is not a whole number.")
            exact = {("opp", 30): f"{hyp}/2", ("adj", 60): f"{hyp}/2", ("opp", 60): f"{hyp}·√3/2",
                     ("adj", 30): f"{hyp}·√3/2", ("opp", 45): f"{hyp}·√2/2"}[(target, ang)]
            fn = "sin" if target == "opp" else "cos"
            solution = (f"{seg[target]} is the side {'opposite' if target == 'opp' else 'adjacent to'} angle {a_}, so "
                        f"{seg[target]} = {seg['hyp']}·{fn} {ang}° = {exact} ≈ {answer}.")
            inters = (mark_a, Interaction("highlight", f"Highlight {seg[target]}.", interaction_code(ix_highlight(*seg[target])), tuple(seg[target])))
        elif ask == "side":
            hyp, ang, target = pr["hyp"], pr["angle"], pr["target"]
            val = pr["lengths"][target]
            answer = fmt_dec(val, 1)
            fn = "sin" if target == "opp" else "cos"
            question = (f"{intro} {seg['hyp']} = {hyp} and angle {a_} = {ang}°. What is the length of {seg[target]}? "
                        "Round to one decimal place.")
            solution = (f"{seg[target]} is {'opposite' if target == 'opp' else 'adjacent to'} angle {a_} and {seg['hyp']} "
                        f"is the hypotenuse, so {seg[target]} = {hyp}·{fn} {ang}° ≈ {answer}.")
            inters = (mark_a,)
        elif ask == "elevation":
            dd, ang = pr["dist"], pr["angle"]
            answer = fmt_dec(pr["lengths"]["opp"], 1)
            question = (f"An observer at {a_} stands {dd} m from the foot {c_} of a vertical pole {c_}{b_} on level ground. "
                        f"The angle of elevation of the top {b_} from {a_} is {ang}°. How tall is the pole, in metres? "
                        "Round to one decimal place.")
            solution = (f"The angle of elevation is measured from the horizontal {a_}{c_}, so in right triangle "
                        f"{a_}{b_}{c_} tan {ang}° = {c_}{b_}/{a_}{c_} and {c_}{b_} = {dd}·tan {ang}° ≈ {answer} m.")
            inters = (mark_a,)
        else:
            raise ValueError(ask)
        return draft.replace(question=question, answer=answer, answer_type=answer_type, choices=choices,
                             solution=solution, interactions=inters, params=pr)

    def expand_sequential(self, draft: Draft, rng: random.Random) -> Draft | None:
        """A ratio found from the sides -> the angle itself from that ratio."""
        if draft.params["ask"] not in ("sin", "cos", "tan"):
            return None
        new = self._pose(draft, "seq_angle", rng)
        return new.replace(variant="seq_angle", difficulty=draft.difficulty + 1,
                           params=dict(new.params, parent_answer=draft.answer))

    def rederive(self, draft: Draft) -> str:
        s = self._sides(draft)
        pr = draft.params
        ask = pr["ask"]
        a_, b_, _ = pr["names"]
        L = {k: to_frac(s[k], 100) for k in ("opp", "adj", "hyp")}
        if ask in ("sin", "cos", "tan"):
            num_, den = {"sin": ("opp", "hyp"), "cos": ("adj", "hyp"), "tan": ("opp", "adj")}[ask]
            return fmt_frac(L[num_] / L[den])
        if ask == "cofunction":
            # the option whose value equals sin A, measured
            sin_a = s["opp"] / s["hyp"]
            vals = {f"cos {b_}": s["opp"] / s["hyp"], f"sin {b_}": s["adj"] / s["hyp"], f"tan {a_}": s["opp"] / s["adj"],
                    f"tan {b_}": s["adj"] / s["opp"], f"cos {a_}": s["adj"] / s["hyp"]}
            hits = [o for o in draft.choices if abs(vals[o] - sin_a) < 1e-6]
            return choice_letter(draft.choices, hits[0]) if len(hits) == 1 else "?"
        if ask in ("angle", "seq_angle"):
            return fmt_dec(s["A"], 1)
        if ask in ("special_45", "special_30_60", "side"):
            val = s[pr.get("target", "opp")]
            if ask == "side":
                return fmt_dec(val, 1)
            return fmt_dec(val, 2) if abs(val - round(val)) > 1e-4 else str(round(val))
        if ask == "elevation":
            return fmt_dec(s["opp"], 1)
        raise ValueError(f"unknown ask {ask!r}")


# ==============================================================================================
# unit circle


EXACT_VALUES = {0: "0", 30: "1/2", 45: "√2/2", 60: "√3/2", 90: "1"}


def _exact_sin(theta: int) -> str:
    ref = theta % 180
    ref = min(ref, 180 - ref)
    v = EXACT_VALUES[ref]
    neg = math.sin(math.radians(theta)) < -1e-9
    return ("-" + v) if neg and v != "0" else v


def _exact_cos(theta: int) -> str:
    return _exact_sin((theta + 90) % 360)


TAN_VALUES = {30: "√3/3", 45: "1", 60: "√3"}


def _exact_tan(theta: int) -> str:
    ref = theta % 180
    ref = min(ref, 180 - ref)
    neg = math.tan(math.radians(theta)) < 0
    return ("-" if neg else "") + TAN_VALUES[ref]


class UnitCirclePoint(Family):
    """Unit circle with a point P at a special angle and its foot Q on the x-axis; asks for an
    exact coordinate (choice), the angle of P, or its reference angle."""

    name = "unit_circle_point"
    givens = ("theta",)
    domain = DOMAIN
    node_ids = (STANDARD, COORDS, SIGNS, REFERENCE, FROM_POINT, EXACT)
    supports = frozenset({"sequential"})
    ASKS = {
        "cos": frozenset({COORDS, EXACT, SIGNS, STANDARD}),
        "sin": frozenset({COORDS, EXACT, SIGNS, STANDARD}),
        "angle": frozenset({FROM_POINT, REFERENCE, SIGNS}),
        "reference": frozenset({REFERENCE, STANDARD}),
    }
    NAMES = (("O", "P", "Q", "U"), ("O", "A", "B", "E"), ("O", "T", "S", "K"))

    def create(self, rng: random.Random, node_ids, difficulty: int) -> Draft:
        d = clamp_difficulty(difficulty)
        ask, covered = pick_ask(rng, node_ids, self.ASKS, self.node_ids)
        angles = [t for t in range(30, 360, 15) if t % 90 and (t % 30 == 0 or t % 45 == 0)]
        if d == 1:
            angles = [t for t in angles if t < 180]
        if ask == "reference":
            angles = [t for t in angles if t > 90]  # an acute angle is its own reference angle
        theta = rng.choice(angles)
        o, p, f, u = rng.choice(self.NAMES)
        px, py = math.cos(math.radians(theta)), math.sin(math.radians(theta))
        cv = Canvas((4.8, 4.8), (0.03, 0.03, 0.94, 0.94), (-1.5, 1.5), (-1.5, 1.5), font=15)
        cv.ref = (0.0, 0.0)
        n = 120
        circ = [(math.cos(2 * math.pi * i / n), math.sin(2 * math.pi * i / n)) for i in range(n + 1)]
        cv.code("ax.add_patch(plt.Circle((0, 0), 1, fill=False, color='black', lw=2))", circ)
        cv.code("ax.annotate('', xy=(1.45, 0), xytext=(-1.45, 0), arrowprops=dict(arrowstyle='->', color='#555555', lw=1.3))",
                [(-1.45, 0), (1.45, 0)])
        cv.code("ax.annotate('', xy=(0, 1.45), xytext=(0, -1.45), arrowprops=dict(arrowstyle='->', color='#555555', lw=1.3))",
                [(0, -1.45), (0, 1.45)])
        cv.text(1.38, -0.1, "x", size=12, ha="center", va="top", extra=", style='italic'")
        cv.text(-0.1, 1.38, "y", size=12, ha="right", va="center", extra=", style='italic'")
        cv.polyline([(0, 0), (px, py)], "color='#1f3b99', lw=2.2")
        cv.polyline([(px, py), (px, 0)], "color='#1f3b99', lw=1.6, ls='--'")
        if ask != "angle":  # the angle is a given, written in the figure only (the "angle" ask asks for it)
            arc = [(0.2 * math.cos(math.radians(theta * k / 40)), 0.2 * math.sin(math.radians(theta * k / 40)))
                   for k in range(41)]
            cv.polyline(arc, "color='#08519c', lw=1.5")
            mid = math.radians(theta / 2)
            cv.text(0.42 * math.cos(mid), 0.42 * math.sin(mid), f"{theta}°", size=13, extra=", color='#08519c'")
        cv.point(o, (0, 0), "centre of the circle")
        cv.point(u, (1, 0), "point of the circle on the positive x-axis", ref=(0.5, 0.5) if py < 0 else (0.5, -0.5))
        cv.point(p, (px, py), "point on the circle at the given angle")
        cv.point(f, (px, 0), "foot of the perpendicular on the x-axis", ref=(px, py))
        code, els = cv.build()
        params = {"ask": ask, "theta": theta, "names": [o, p, f, u]}
        dr = self.draft(node_ids=covered, render_code=code, question="", answer="", solution="",
                    interactions=(), elements=els, difficulty=d, params=params)
        return self._pose(dr, ask, rng)

    @staticmethod
    def _theta(draft: Draft) -> int:
        o, p, _, _ = draft.params["names"]
        eo, ep = draft.element(o), draft.element(p)
        return round(math.degrees(math.atan2(ep.y - eo.y, ep.x - eo.x))) % 360

    def _pose(self, draft: Draft, ask: str, rng: random.Random) -> Draft:
        pr = dict(draft.params, ask=ask)
        o, p, f, u = pr["names"]
        t = pr["theta"]
        ref = min(t % 180, 180 - t % 180)
        quad = 1 + t // 90
        answer_type, choices = "number", ()
        circle = f"The circle has centre {o} and radius 1; {u} is the point (1, 0) and {f} is the foot of the perpendicular from {p} to the x-axis."
        tri = Interaction("shade", f"Shade the reference triangle {o}{f}{p}.",
                          interaction_code(f"ax.fill([P['{o}'][0], P['{f}'][0], P['{p}'][0]], [P['{o}'][1], P['{f}'][1], P['{p}'][1]], color='#fdae6b', alpha=0.5, lw=0)\n"
                                           f"ax.plot([P['{o}'][0], P['{f}'][0]], [P['{o}'][1], P['{f}'][1]], color='red', lw=2.5)\n"),
                          (o, f, p))
        arc = Interaction("angle_mark", f"Mark the angle from ray {o}{u} counterclockwise to ray {o}{p}.",
                          interaction_code(f"""_vx, _vy = P['{o}']
_r = 0.35 * math.hypot(P['{u}'][0] - _vx, P['{u}'][1] - _vy)
_ts = np.radians(np.linspace(0, {t}, 60))
ax.plot(_vx + _r * np.cos(_ts), _vy - _r * np.sin(_ts), color='red', lw=2.2)
ax.plot([_vx, P['{u}'][0]], [_vy, P['{u}'][1]], color='red', lw=2.5)
"""), (o, u))
        inters = draft.interactions
        if ask in ("cos", "sin"):
            correct = _exact_cos(t) if ask == "cos" else _exact_sin(t)
            pool = ["1/2", "-1/2", "√2/2", "-√2/2", "√3/2", "-√3/2"]
            other = _exact_sin(t) if ask == "cos" else _exact_cos(t)
            neg = correct[1:] if correct.startswith("-") else "-" + correct
            distract = [neg, other] + [x for x in pool if x not in (correct, neg, other)]
            choices, answer = make_choices(rng, correct, distract)
            answer_type = "choice"
            coord = "x" if ask == "cos" else "y"
            question = f"{circle} The figure marks angle {u}{o}{p}, measured counterclockwise from {o}{u}. What is the {coord}-coordinate of {p}?"
            solution = (f"The point at angle {t}° is ({ask} is its {coord}-coordinate): ({_exact_cos(t)}, {_exact_sin(t)}). "
                        f"Its reference angle is {ref}° in quadrant {quad}, so the {coord}-coordinate is {ask} {t}° = {correct}.")
            inters = (tri,)
        elif ask == "angle":
            question = (f"{circle} {p} = ({_exact_cos(t)}, {_exact_sin(t)}). What is the measure, in degrees between 0 and 360, "
                        f"of the angle from {o}{u} counterclockwise to {o}{p}?")
            answer = str(t)
            solution = (f"The coordinates have absolute values giving a reference angle of {ref}°, and their signs place {p} "
                        f"in quadrant {quad}, so the angle is {t}°.")
            inters = (tri, arc)
        elif ask == "reference":
            question = f"{circle} The figure marks angle {u}{o}{p}, measured counterclockwise from {o}{u}. What is its reference angle, in degrees?"
            answer = str(ref)
            solution = f"The reference angle is the acute angle between ray {o}{p} and the x-axis, angle {f}{o}{p} = {ref}°."
            inters = (tri,)
        elif ask == "seq_tan":
            correct = _exact_tan(t)
            pool = ["√3", "-√3", "1", "-1", "√3/3", "-√3/3"]
            neg = correct[1:] if correct.startswith("-") else "-" + correct
            choices, answer = make_choices(rng, correct, [neg] + [x for x in pool if x not in (correct, neg)])
            answer_type = "choice"
            question = f"{draft.question} Then, what is the tangent of that angle?"
            solution = f"{draft.solution} Its tangent is y/x = ({_exact_sin(t)})/({_exact_cos(t)}) = {correct}."
            inters = inters + (Interaction("auxiliary_line", f"Draw the radius {o}{p} and the vertical {f}{p} to compare rise and run.",
                                           interaction_code(f"ax.plot([P['{o}'][0], P['{p}'][0], P['{f}'][0]], [P['{o}'][1], P['{p}'][1], P['{f}'][1]], color='green', lw=3)\n"),
                                           (o, p, f)),)
        else:
            raise ValueError(ask)
        return draft.replace(question=question, answer=answer, answer_type=answer_type, choices=choices,
                             solution=solution, interactions=inters, params=pr)

    def expand_sequential(self, draft: Draft, rng: random.Random) -> Draft | None:
        """The angle of P -> the tangent of that angle."""
        if draft.params["ask"] != "angle":
            return None
        new = self._pose(draft, "seq_tan", rng)
        return new.replace(variant="seq_tan", difficulty=draft.difficulty + 1,
                           params=dict(new.params, parent_answer=draft.answer))

    def rederive(self, draft: Draft) -> str:
        t = self._theta(draft)
        ask = draft.params["ask"]
        if ask == "cos":
            return choice_letter(draft.choices, _exact_cos(t))
        if ask == "sin":
            return choice_letter(draft.choices, _exact_sin(t))
        if ask == "angle":
            return str(t)
        if ask == "reference":
            return str(min(t % 180, 180 - t % 180))
        if ask == "seq_tan":
            return choice_letter(draft.choices, _exact_tan(t))
        raise ValueError(f"unknown ask {ask!r}")


# ==============================================================================================
# sinusoid graph


class SinusoidGraph(Family):
    """Graph of y = A sin(Bx) + D or y = A cos(Bx) + D over degrees with a peak, a trough and a
    midline crossing labelled; asks for the amplitude, period, midline or the extreme values."""

    name = "sinusoid_graph"
    givens = (ELEMENTS,)
    domain = DOMAIN
    node_ids = (AMPLITUDE, PERIOD, MIDLINE, MAXMIN)
    ASKS = {
        "amplitude": frozenset({AMPLITUDE}),
        "period": frozenset({PERIOD}),
        "midline": frozenset({MIDLINE}),
        "min": frozenset({MAXMIN, MIDLINE, AMPLITUDE}),
    }
    NAMES = (("P", "T", "M"), ("A", "B", "C"), ("H", "L", "K"))

    def create(self, rng: random.Random, node_ids, difficulty: int) -> Draft:
        d = clamp_difficulty(difficulty)
        ask, covered = pick_ask(rng, node_ids, self.ASKS, self.node_ids)
        period = rng.choice((360,) if d == 1 else (180, 360, 720))
        amp = rng.randint(1, 4)
        mid = rng.randint(-2, 3) if d > 1 else 0
        fn = rng.choice(("sin", "cos"))
        xmax = 720 if period == 720 else 360
        step = 90 if xmax == 720 else 45
        ymin, ymax = mid - amp - 1, mid + amp + 1
        if ymin > -1:
            ymin = -1
        if ymax < 1:
            ymax = 1
        pk, tr, mc = rng.choice(self.NAMES)
        b = 360 / period
        peak_x = (90 if fn == "sin" else 0) / b
        trough_x = peak_x + period / 2
        mid_x = peak_x + period / 4
        cv = Canvas((6.0, 4.2), (0.1, 0.1, 0.86, 0.84), (0, xmax + step / 3), (ymin, ymax), font=14)
        for xt in range(0, xmax + 1, step):
            cv.code(f"ax.plot([{xt}, {xt}], [{ymin}, {ymax}], color='#dddddd', lw=0.8, zorder=0)")
            if xt:  # "0°" would collide with the lowest y tick
                cv.text(xt, ymin - (ymax - ymin) * 0.015, f"{xt}°", size=9, ha="center", va="top")
        for yt in range(ymin, ymax + 1):
            cv.code(f"ax.plot([0, {xmax + step / 3}], [{yt}, {yt}], color='#dddddd', lw=0.8, zorder=0)")
            cv.text(-xmax * 0.012, yt, str(yt), size=9, ha="right", va="center")
        cv.code(f"ax.plot([0, {xmax + step / 3}], [0, 0], color='#555555', lw=1.3)", [(0, 0), (xmax + step / 3, 0)])
        cv.code(f"ax.plot([0, 0], [{ymin}, {ymax}], color='#555555', lw=1.3)", [(0, ymin), (0, ymax)])
        xs = [xmax * i / 240 for i in range(241)]
        f = (lambda x: amp * math.sin(math.radians(b * x)) + mid) if fn == "sin" else (lambda x: amp * math.cos(math.radians(b * x)) + mid)
        pts = [(x, f(x)) for x in xs]
        cv.code(f"_xs = np.linspace(0, {xmax}, 400)\nax.plot(_xs, {amp} * np.{fn}(np.radians({b} * _xs)) + {mid}, color='#1f3b99', lw=2.4)", pts, spacing=2.0)
        cv.point(pk, (peak_x, mid + amp), "a peak of the curve", color="#1f3b99", dot="'o', color='#1f3b99', ms=7, zorder=5")
        cv.point(tr, (trough_x, mid - amp), "a trough of the curve", color="#1f3b99", dot="'o', color='#1f3b99', ms=7, zorder=5")
        cv.point(mc, (mid_x, mid), "a point of the curve on its midline", color="#1f3b99", dot="'o', color='#1f3b99', ms=7, zorder=5")
        code, els = cv.build()
        params = {"ask": ask, "names": [pk, tr, mc], "fn": fn}
        answers = {"amplitude": amp, "period": period, "midline": mid, "min": mid - amp}
        intro = (f"The curve is the graph of y = a·{fn}(bx) + c for x in degrees, with a > 0 and b > 0. "
                 f"{pk} is a highest point, {tr} the next lowest point and {mc} the point of the curve between them whose height is halfway between theirs.")
        qs = {"amplitude": "What is the amplitude a?",
              "period": "What is the period of the function, in degrees?",
              "midline": "The midline of the graph is y = c. What is c?",
              "min": "What is the minimum value of y?"}
        pv, tv = mid + amp, mid - amp
        sols = {"amplitude": f"{pk} is at height {pv} and {tr} at {tv}; the amplitude is half the difference: ({pv} − ({tv}))/2 = {amp}.",
                "period": f"{pk} is at x = {fmt_frac(Fraction(peak_x).limit_denominator())}° and the next trough {tr} at x = {fmt_frac(Fraction(trough_x).limit_denominator())}°: half a period apart, so the period is 2·{fmt_frac(Fraction(trough_x - peak_x).limit_denominator())} = {period}°.",
                "midline": f"The midline lies halfway between the peak height {pv} and the trough height {tv}: c = ({pv} + ({tv}))/2 = {mid}, the height of {mc}.",
                "min": f"The lowest points of the curve, like {tr}, lie at height {tv}: the midline {mid} minus the amplitude {amp}."}
        # guide lines stay inside the plot window (axhline/axvline would cross the tick labels and run off the canvas)
        xw, yw = (0, xmax + step / 3), (ymin, ymax)
        data = {pk: (peak_x, pv), tr: (trough_x, tv), mc: (mid_x, mid)}

        def guide(name: str, vertical: bool) -> str:
            x, y = data[name]
            ends = ((x, yw[0]), (x, yw[1])) if vertical else ((xw[0], y), (xw[1], y))
            return ix_window_line(*ends, xw, yw, color="red", ls="--", lw=2)

        dm = ix_datamap(data)
        ix = {"amplitude": Interaction("auxiliary_line", f"Draw horizontal lines through {pk} and {tr}.",
                                       interaction_code(dm, guide(pk, False), guide(tr, False)), (pk, tr)),
              "period": Interaction("auxiliary_line", f"Draw vertical lines through {pk} and {tr}.",
                                    interaction_code(dm, guide(pk, True), guide(tr, True)), (pk, tr)),
              "midline": Interaction("auxiliary_line", f"Draw the horizontal midline through {mc}.",
                                     interaction_code(dm, guide(mc, False)), (mc,)),
              "min": Interaction("auxiliary_line", f"Draw the horizontal line through the lowest point {tr}.",
                                 interaction_code(dm, guide(tr, False)), (tr,))}
        return self.draft(node_ids=covered, render_code=code, question=f"{intro} {qs[ask]}", answer=str(answers[ask]),
                      solution=sols[ask], interactions=(ix[ask],), elements=els, difficulty=d, params=params)

    def rederive(self, draft: Draft) -> str:
        pk, tr, mc = (draft.element(n) for n in draft.params["names"])
        ask = draft.params["ask"]
        if ask == "amplitude":
            return fmt_frac(to_frac((pk.y - tr.y) / 2, 100))
        if ask == "period":
            return fmt_frac(to_frac(2 * abs(tr.x - pk.x), 100))
        if ask == "midline":
            return fmt_frac(to_frac((pk.y + tr.y) / 2, 100))
        if ask == "min":
            return fmt_frac(to_frac(tr.y, 100))
        raise ValueError(f"unknown ask {ask!r}")


FAMILIES = [RightTriangleTrig(), UnitCirclePoint(), SinusoidGraph()]
