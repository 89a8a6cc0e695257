"""Measurement families: rods against a centimetre ruler (readings, lengths, millimetres,
comparisons), composite rectilinear shapes on a grid (area, perimeter, scaled area) and rays on
a protractor (angle readings, types, angles on a line).

:meth:`rederive` reads ruler positions, vertex coordinates and ray directions back from the
element coordinates.
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
    interaction_code,
    ix_angle_arc,
    ix_highlight,
    ix_shade,
    make_choices,
    num,
    pick_ask,
    shoelace,
    to_frac,
)
from pipelines.creators.families._f1kit import Canvas, with_roles

DOMAIN = "measurement"
_M = "measurement."
RULER = _M + "length.ruler_reading"
LEN_DIFF = _M + "length.length_by_difference"
COMPARE = _M + "length.compare_lengths"
METRIC = _M + "units.metric_length"
CONVERT = _M + "units.convert_length"
AREA_UNITS = _M + "units.area_units"
COUNT_SQ = _M + "area_perimeter.count_squares"
RECT_AREA = _M + "area_perimeter.rectangle_area"
PERIM = _M + "area_perimeter.perimeter"
COMP_AREA = _M + "area_perimeter.composite_area"
COMP_PERIM = _M + "area_perimeter.composite_perimeter"
SCALE_AREA = _M + "area_perimeter.grid_scale_area"
PROTRACTOR = _M + "angles.protractor_reading"
BETWEEN = _M + "angles.angle_between_rays"
TYPES = _M + "angles.angle_types"
ON_LINE = _M + "angles.angles_on_line"


def _cm(v: Fraction) -> str:
    return fmt_dec(v, 1)


# ==============================================================================================
# rods on a ruler


class RulerLength(Family):
    """Two rods above a centimetre ruler with millimetre marks; asks for a reading, a length in
    centimetres or millimetres, or how much longer one rod is."""

    name = "ruler_length"
    givens = (ELEMENTS,)
    domain = DOMAIN
    node_ids = (RULER, LEN_DIFF, COMPARE, METRIC, CONVERT)
    supports = frozenset({"parallel"})
    ASKS = {
        "reading": frozenset({RULER}),
        "length_cm": frozenset({LEN_DIFF, RULER}),
        "length_mm": frozenset({CONVERT, METRIC, LEN_DIFF}),
        "compare": frozenset({COMPARE, LEN_DIFF}),
    }
    NAMES = ("ABCD", "PQRS", "EFGH", "KLMN")
    OBJECTS = (("pencil", "crayon"), ("nail", "screw"), ("ribbon", "string"), ("stick", "straw"))

    def create(self, rng: random.Random, node_ids, difficulty: int) -> Draft:
        d = clamp_difficulty(difficulty)
        ask, covered = pick_ask(rng, node_ids, self.ASKS, self.node_ids)
        L = rng.choice((8, 10) if d == 1 else (10, 12))
        unit = 5 if d == 1 else 1  # rod ends on multiples of unit millimetres
        while True:
            ends = [rng.randrange(0, L * 10 + 1, unit) for _ in range(4)]
            a, b = sorted(ends[:2])
            c, e = sorted(ends[2:])
            if b - a < 25 or e - c < 25 or b - a == e - c:
                continue
            if ask == "length_cm" and a == 0 and d > 1:
                continue
            break
        n1, n2, n3, n4 = rng.choice(self.NAMES)
        obj = rng.choice(self.OBJECTS)
        cv = Canvas((6.4, 2.8), (0.03, 0.03, 0.94, 0.94), (-0.6, L + 0.6), (-0.35, 2.6), font=14)
        cv.code(f"ax.add_patch(plt.Rectangle((-0.4, 0), {L + 0.8}, 1, facecolor='#fbe9a6', edgecolor='#8a6d1c', lw=1.5))",
                [(-0.4, 0), (L + 0.4, 0), (L + 0.4, 1), (-0.4, 1), (-0.4, 0)])
        xs, y0 = [], []
        for k in range(0, L * 10 + 1):
            xs.append(num(k / 10))
            y0.append("0.55" if k % 10 == 0 else ("0.72" if k % 5 == 0 else "0.83"))
            if k % 10 == 0:
                cv.text(k / 10, 0.47, str(k // 10), size=10, ha="center", va="top")
        cv.code(f"ax.vlines([{', '.join(xs)}], [{', '.join(y0)}], 1, color='#3b2f0b', lw=0.9)")
        cv.text(L + 0.25, 0.12, "cm", size=9, ha="center", va="bottom")
        rods = [((a, b), 1.45, "#c0392b", (n1, n2)), ((c, e), 2.05, "#2e86c1", (n3, n4))]
        for (p, q), y, col, (na, nb) in rods:
            cv.code(f"ax.plot([{num(p / 10)}, {num(q / 10)}], [{y}, {y}], color='{col}', lw=9, solid_capstyle='butt', zorder=3)",
                    [(p / 10, y), (q / 10, y)])
            for xx in (p, q):
                cv.code(f"ax.plot([{num(xx / 10)}, {num(xx / 10)}], [1, {y}], color='#555555', lw=0.9, ls=':', zorder=2)")
            cv.point(na, (p / 10, y), f"left end of the {'upper' if y > 2 else 'lower'} rod",
                     dot="'o', color='black', ms=6, zorder=5", ref=(p / 10 + 1.0, y))
            cv.point(nb, (q / 10, y), f"right end of the {'upper' if y > 2 else 'lower'} rod",
                     dot="'o', color='black', ms=6, zorder=5", ref=(q / 10 - 1.0, y))
        code, els = cv.build()
        params = {"ask": ask, "names": [n1, n2, n3, n4], "obj": list(obj), "which": rng.choice((0, 1))}
        dr = self.draft(node_ids=covered, render_code=code, question="", answer="", solution="",
                    interactions=(), elements=els, difficulty=d, params=params)
        return self._pose(dr)

    @staticmethod
    def _reads(draft: Draft) -> dict[str, Fraction]:
        return {e.name: to_frac(e.x, 100) for e in draft.elements}

    def _drop(self, names) -> Interaction:
        # down through the scale, stopping inside the image (h: the image height, from the header)
        code = "".join(f"ax.plot([P['{n}'][0], P['{n}'][0]], [P['{n}'][1], min(P['{n}'][1] + 200, h - 4)], color='red', lw=1.8, ls='--')\n" for n in names)
        return Interaction("auxiliary_line", f"Drop vertical reading lines from {', '.join(names)} to the ruler scale.",
                           interaction_code(code), tuple(names))

    def _pose(self, draft: Draft) -> Draft:
        pr = draft.params
        n1, n2, n3, n4 = pr["names"]
        r = self._reads(draft)
        o1, o2 = pr["obj"]
        l1, l2 = r[n2] - r[n1], r[n4] - r[n3]
        intro = f"The lower rod {n1}{n2} is a {o1} and the upper rod {n3}{n4} is a {o2}, both lying above a centimetre ruler."
        ask = pr["ask"]
        inters = draft.interactions
        if ask == "reading":
            n = (n1, n2, n3, n4)[pr["which"] * 2 + 1]
            question = f"{intro} At what ruler reading, in centimetres, is end {n}? Give a decimal."
            answer = _cm(r[n])
            solution = (f"Follow the dotted line from {n} down to the scale: it meets the ruler {fmt_frac((r[n] - math.floor(r[n])) * 10)} "
                        f"small (millimetre) marks past {math.floor(r[n])}, so the reading is {answer} cm.")
            inters = (self._drop([n]),)
        elif ask in ("length_cm", "length_mm"):
            a, b, ln = (n1, n2, l1) if pr["which"] == 0 else (n3, n4, l2)
            obj = o1 if pr["which"] == 0 else o2
            reads = f"{a} is at {_cm(r[a])} cm and {b} at {_cm(r[b])} cm"
            if ask == "length_cm":
                question = f"{intro} How long is the {obj} {a}{b}, in centimetres? Give a decimal."
                answer = _cm(ln)
                solution = f"{reads}, so the length is {_cm(r[b])} − {_cm(r[a])} = {answer} cm."
            else:
                question = f"{intro} How long is the {obj} {a}{b}, in millimetres?"
                answer = fmt_frac(ln * 10)
                solution = f"{reads}, so the length is {_cm(ln)} cm; 1 cm = 10 mm, so it is {answer} mm."
            inters = (self._drop([a, b]),)
        elif ask == "compare":
            longer, shorter = ((n1 + n2, o1, l1), (n3 + n4, o2, l2)) if l1 > l2 else ((n3 + n4, o2, l2), (n1 + n2, o1, l1))
            question = f"{intro} How many millimetres longer is the longer rod than the shorter one?"
            answer = fmt_frac(abs(l1 - l2) * 10)
            solution = (f"{n1}{n2}: {_cm(r[n2])} − {_cm(r[n1])} = {_cm(l1)} cm; {n3}{n4}: {_cm(r[n4])} − {_cm(r[n3])} = {_cm(l2)} cm. "
                        f"The {longer[1]} is longer by {_cm(abs(l1 - l2))} cm = {answer} mm.")
            inters = (self._drop([n1, n2]), self._drop([n3, n4]))
        elif ask == "par_total":
            question = f"{intro} What is the total length of the two rods, in centimetres? Give a decimal."
            answer = _cm(l1 + l2)
            solution = (f"{draft.solution} The other rod measures {_cm(l2 if pr['which'] == 0 else l1)} cm, so together "
                        f"they are {_cm(l1 + l2)} cm.")
            other = [n3, n4] if pr["which"] == 0 else [n1, n2]
            inters = inters + (self._drop(other),)
        else:
            raise ValueError(ask)
        return draft.replace(question=question, answer=answer, solution=solution, interactions=inters)

    def expand_parallel(self, draft: Draft, rng: random.Random) -> Draft | None:
        """Length of one rod -> total length of both rods (the second rod read independently)."""
        if draft.params["ask"] != "length_cm":
            return None
        new = draft.replace(params=dict(draft.params, ask="par_total", parent_answer=draft.answer))
        return self._pose(new).replace(variant="par_total", difficulty=draft.difficulty + 1)

    def rederive(self, draft: Draft) -> str:
        pr = draft.params
        n1, n2, n3, n4 = pr["names"]
        r = self._reads(draft)
        l1, l2 = r[n2] - r[n1], r[n4] - r[n3]
        ask = pr["ask"]
        if ask == "reading":
            return _cm(r[(n1, n2, n3, n4)[pr["which"] * 2 + 1]])
        if ask == "length_cm":
            return _cm(l1 if pr["which"] == 0 else l2)
        if ask == "length_mm":
            return fmt_frac((l1 if pr["which"] == 0 else l2) * 10)
        if ask == "compare":
            return fmt_frac(abs(l1 - l2) * 10)
        if ask == "par_total":
            return _cm(l1 + l2)
        raise ValueError(f"unknown ask {ask!r}")


# ==============================================================================================
# composite rectilinear shapes on a grid


def _rectilinear(rng: random.Random, notches: int) -> list[tuple[int, int]]:
    """Counterclockwise vertices of a w x h rectangle with ``notches`` corner notches removed."""
    w, h = rng.randint(5, 9), rng.randint(4, 7)
    corners = rng.sample(range(4), notches)
    cut = {}
    for c in corners:
        cut[c] = (rng.randint(1, (w - 1) // 2), rng.randint(1, (h - 1) // 2))  # notches never meet
    pts: list[tuple[int, int]] = []
    # corners in ccw order: 0 bottom-left, 1 bottom-right, 2 top-right, 3 top-left
    base = [(0, 0), (w, 0), (w, h), (0, h)]
    inward = [(1, 1), (-1, 1), (-1, -1), (1, -1)]
    for i, (x, y) in enumerate(base):
        if i not in cut:
            pts.append((x, y))
            continue
        cx, cy = cut[i]
        sx, sy = inward[i]
        a = (x, y + sy * cy)
        m = (x + sx * cx, y + sy * cy)
        b = (x + sx * cx, y)
        # keep ccw orientation: arrive along the previous side, leave along the next
        pts += [a, m, b] if i in (0, 2) else [b, m, a]
    return pts


def _perimeter(pts) -> Fraction:
    return sum((abs(Fraction(pts[i][0]) - Fraction(pts[i - 1][0])) + abs(Fraction(pts[i][1]) - Fraction(pts[i - 1][1])) for i in range(len(pts))), Fraction(0))


class GridCompositeArea(Family):
    """A rectangle or a rectilinear shape with notched corners drawn on a square grid; asks for
    its area in squares, its perimeter, or its real area when each square has side s cm."""

    name = "grid_composite_area"
    givens = (ELEMENTS,)
    domain = DOMAIN
    node_ids = (COUNT_SQ, RECT_AREA, PERIM, COMP_AREA, COMP_PERIM, SCALE_AREA, AREA_UNITS)
    supports = frozenset({"sequential"})
    ASKS = {
        "rect_area": frozenset({RECT_AREA, COUNT_SQ}),
        "rect_perimeter": frozenset({PERIM}),
        "area": frozenset({COMP_AREA, COUNT_SQ}),
        "perimeter": frozenset({COMP_PERIM, PERIM}),
        "scaled_area": frozenset({SCALE_AREA, COMP_AREA}),
        "area_mm": frozenset({AREA_UNITS, RECT_AREA}),
    }

    def create(self, rng: random.Random, node_ids, difficulty: int) -> Draft:
        d = clamp_difficulty(difficulty)
        ask, covered = pick_ask(rng, node_ids, self.ASKS, self.node_ids)
        notches = 0 if ask.startswith("rect") or ask == "area_mm" else (1 if d == 1 else rng.choice((1, 2)))
        pts = _rectilinear(rng, notches)
        G = 11
        w = max(p[0] for p in pts)
        h = max(p[1] for p in pts)
        ox, oy = rng.randint(1, G - w - 1), rng.randint(1, G - h - 1)
        pts = [(x + ox, y + oy) for x, y in pts]
        names = list("ABCDEFGH"[: len(pts)])
        cv = Canvas((4.8, 4.8), (0.03, 0.03, 0.94, 0.94), (-0.2, G + 0.2), (-0.2, G + 0.2), font=14)
        cv.ref = (sum(p[0] for p in pts) / len(pts), sum(p[1] for p in pts) / len(pts))
        cv.code(f"ax.vlines(range({G + 1}), 0, {G}, color='#cccccc', lw=0.8)\nax.hlines(range({G + 1}), 0, {G}, color='#cccccc', lw=0.8)")
        cv.code(f"ax.fill([{', '.join(str(p[0]) for p in pts)}], [{', '.join(str(p[1]) for p in pts)}], color='#a1d99b', alpha=0.6, lw=0)")
        cv.polyline(pts + [pts[0]], "color='#00441b', lw=2.4")
        for nm, p in zip(names, pts, strict=True):
            cv.point(nm, p, "")
        code, els = cv.build()
        xs = sorted(els, key=lambda e: (e.y, e.x))
        roles = {xs[0].name: "bottom-left corner of the shape"} if xs[0].y == min(e.y for e in els) else {}
        els = with_roles(els, roles)
        params = {"ask": ask, "names": names, "s": rng.choice((2, 3, 5)), "unit": rng.choice(("cm", "m"))}
        dr = self.draft(node_ids=covered, render_code=code, question="", answer="", solution="",
                    interactions=(), elements=els, difficulty=d, params=params)
        return self._pose(dr, ask)

    def _pose(self, draft: Draft, ask: str) -> Draft:
        pr = dict(draft.params, ask=ask)
        names = pr["names"]
        pts = [(to_frac(draft.element(n).x, 100), to_frac(draft.element(n).y, 100)) for n in names]
        area = Fraction(shoelace(pts)).limit_denominator(100)
        per = _perimeter(pts)
        shape = "".join(names)
        kind = "rectangle" if len(names) == 4 else "shape"
        intro = f"The {kind} {shape} is drawn on a grid of unit squares."
        shade = Interaction("shade", f"Shade {shape} and split it into rectangles to count the squares.",
                            interaction_code(ix_shade(names, color="#3182bd", alpha=0.35)), tuple(names))
        edges = Interaction("highlight", f"Trace every side of {shape} to add up the boundary.",
                            interaction_code(*(ix_highlight(names[i - 1], names[i]) for i in range(len(names)))), tuple(names))
        inters = draft.interactions
        sides = " + ".join(fmt_frac(abs(pts[i][0] - pts[i - 1][0]) + abs(pts[i][1] - pts[i - 1][1])) for i in range(len(pts)))
        w = max(p[0] for p in pts) - min(p[0] for p in pts)
        h = max(p[1] for p in pts) - min(p[1] for p in pts)
        if ask in ("rect_area", "area"):
            question = f"{intro} What is its area, in square units?"
            answer = fmt_frac(area)
            solution = (f"{shape} is {fmt_frac(w)} by {fmt_frac(h)}, so its area is {fmt_frac(w)} × {fmt_frac(h)} = {answer} squares."
                        if ask == "rect_area" else
                        f"The bounding rectangle is {fmt_frac(w)} by {fmt_frac(h)} = {fmt_frac(w * h)} squares; the notched corners "
                        f"remove {fmt_frac(w * h - area)} squares, leaving {answer}.")
            inters = (shade,)
        elif ask in ("rect_perimeter", "perimeter"):
            question = f"{intro} What is its perimeter, in units?"
            answer = fmt_frac(per)
            solution = f"Adding the side lengths around {shape}: {sides} = {answer}."
            inters = (edges,)
        elif ask in ("scaled_area", "seq_scaled"):
            s, u = pr["s"], pr["unit"]
            answer = fmt_frac(area * s * s)
            if ask == "scaled_area":
                question = f"{intro} Each grid square is {s} {u} by {s} {u}. What is the real area of {shape}, in square {'centimetres' if u == 'cm' else 'metres'}?"
                solution = (f"{shape} covers {fmt_frac(area)} squares and each square has area {s}·{s} = {s * s}, so the real area is "
                            f"{fmt_frac(area)} × {s * s} = {answer}.")
                inters = (shade,)
            else:
                question = (f"{draft.question} If each grid square is {s} {u} by {s} {u}, what is the real area, in square "
                            f"{'centimetres' if u == 'cm' else 'metres'}?")
                solution = f"{draft.solution} Each square has area {s * s}, so the real area is {fmt_frac(area)} × {s * s} = {answer}."
                a, b = names[0], names[1]
                inters = inters + (Interaction("highlight", f"Highlight side {a}{b} and count its squares to apply the scale.",
                                               interaction_code(ix_highlight(a, b, color="#d62728")), (a, b)),)
        elif ask == "area_mm":
            question = f"{intro} Each grid square is 1 cm by 1 cm. What is the area of {shape} in square millimetres?"
            answer = fmt_frac(area * 100)
            solution = (f"{shape} is {fmt_frac(w)} cm by {fmt_frac(h)} cm = {fmt_frac(area)} cm². Since 1 cm² = 10 mm × 10 mm = 100 mm², "
                        f"the area is {answer} mm².")
            inters = (shade,)
        else:
            raise ValueError(ask)
        return draft.replace(question=question, answer=answer, solution=solution, interactions=inters, params=pr)

    def expand_sequential(self, draft: Draft, rng: random.Random) -> Draft | None:
        """Area in grid squares -> real area under a grid scale."""
        if draft.params["ask"] not in ("area", "rect_area"):
            return None
        new = self._pose(draft, "seq_scaled")
        return new.replace(variant="seq_scaled", difficulty=draft.difficulty + 1,
                           params=dict(new.params, parent_answer=draft.answer))

    def rederive(self, draft: Draft) -> str:
        pr = draft.params
        pts = [(to_frac(draft.element(n).x, 100), to_frac(draft.element(n).y, 100)) for n in pr["names"]]
        area = Fraction(shoelace(pts)).limit_denominator(100)
        ask = pr["ask"]
        if ask in ("rect_area", "area"):
            return fmt_frac(area)
        if ask in ("rect_perimeter", "perimeter"):
            return fmt_frac(_perimeter(pts))
        if ask in ("scaled_area", "seq_scaled"):
            return fmt_frac(area * pr["s"] ** 2)
        if ask == "area_mm":
            return fmt_frac(area * 100)
        raise ValueError(f"unknown ask {ask!r}")


# ==============================================================================================
# protractor


class ProtractorReading(Family):
    """Two rays from the centre of a protractor; asks for the angle between them, the angle from
    the zero line, its type (choice) or the angle it makes with the other half of the base line."""

    name = "protractor_reading"
    givens = (ELEMENTS,)
    domain = DOMAIN
    node_ids = (PROTRACTOR, BETWEEN, TYPES, ON_LINE)
    ASKS = {
        "from_zero": frozenset({PROTRACTOR}),
        "between": frozenset({BETWEEN, PROTRACTOR}),
        "type": frozenset({TYPES, BETWEEN}),
        "on_line": frozenset({ON_LINE, PROTRACTOR}),
    }
    NAMES = (("O", "A", "B", "C", "D"), ("V", "P", "Q", "R", "S"), ("M", "E", "F", "G", "H"))

    def create(self, rng: random.Random, node_ids, difficulty: int) -> Draft:
        d = clamp_difficulty(difficulty)
        ask, covered = pick_ask(rng, node_ids, self.ASKS, self.node_ids)
        step = {1: 10, 2: 5, 3: 1}[d]
        while True:
            a1, a2 = sorted(rng.sample(range(step, 180, step), 2))
            if a2 - a1 < 25 or a1 < 15 or a2 > 165:
                continue
            if ask == "type" and a2 - a1 == 90 and rng.random() < 0.5:
                continue
            break
        if ask == "type" and rng.random() < 0.25:
            a2 = a1 + 90 if a1 + 90 <= 165 else a2
        o, an, bn, cn, dn = rng.choice(self.NAMES)
        cv = Canvas((5.6, 3.6), (0.02, 0.03, 0.96, 0.94), (-1.42, 1.42), (-0.3, 1.5), font=14)
        ts = [math.radians(t) for t in range(0, 181, 3)]
        arc = [(math.cos(t), math.sin(t)) for t in ts]
        cv.code("ax.add_patch(plt.Polygon([(math.cos(t), math.sin(t)) for t in np.radians(np.arange(0, 181, 2))], closed=True, "
                "facecolor='#eaf2fb', edgecolor='#2c3e50', lw=1.6))", arc + [(1, 0)])
        ticks = []
        for t in range(0, 181):
            r0 = 0.9 if t % 10 == 0 else (0.94 if t % 5 == 0 else 0.965)
            c, s = math.cos(math.radians(t)), math.sin(math.radians(t))
            ticks.append(f"[{num(r0 * c)}, {num(c)}], [{num(r0 * s)}, {num(s)}]")
        cv.code("for _x, _y in [" + ", ".join(f"({t})" for t in ticks) + "]:\n    ax.plot(_x, _y, color='#2c3e50', lw=0.7)")
        for t in range(0, 181, 10):
            c, s = math.cos(math.radians(t)), math.sin(math.radians(t))
            lift = 0.07 if t in (0, 180) else 0.0  # keep the end numbers off the base line
            cv.text(0.79 * c, 0.79 * s + lift, str(t), size=8, ha="center", va="center")
        R = 1.28
        pa = (R * math.cos(math.radians(a1)), R * math.sin(math.radians(a1)))
        pb = (R * math.cos(math.radians(a2)), R * math.sin(math.radians(a2)))
        cv.polyline([(-R, 0), (R, 0)], "color='black', lw=2")
        cv.polyline([(0, 0), pa], "color='#c0392b', lw=2.2")
        cv.polyline([(0, 0), pb], "color='#1f3b99', lw=2.2")
        cv.point(o, (0, 0), "centre of the protractor", ref=(0, 1))
        cv.point(cn, (R, 0), "end of the base line at the zero mark", ref=(0, 0.6))
        cv.point(dn, (-R, 0), "end of the base line at the 180 mark", ref=(0, 0.6))
        cv.point(an, pa, "end of the red ray", ref=(0, 0))
        cv.point(bn, pb, "end of the blue ray", ref=(0, 0))
        code, els = cv.build()
        params = {"ask": ask, "names": [o, an, bn, cn, dn]}
        dr = self.draft(node_ids=covered, render_code=code, question="", answer="", solution="",
                    interactions=(), elements=els, difficulty=d, params=params)
        return self._pose(dr, rng)

    @staticmethod
    def _deg(draft: Draft, n: str) -> int:
        o = draft.element(draft.params["names"][0])
        e = draft.element(n)
        return round(math.degrees(math.atan2(e.y - o.y, e.x - o.x)))

    def _pose(self, draft: Draft, rng: random.Random) -> Draft:
        pr = draft.params
        o, an, bn, cn, dn = pr["names"]
        a1, a2 = self._deg(draft, an), self._deg(draft, bn)
        intro = f"The protractor is centred at {o}, with its zero mark along ray {o}{cn}."
        answer_type, choices = "number", ()
        ask = pr["ask"]
        if ask == "from_zero":
            question = f"{intro} What is the measure of angle {cn}{o}{an}, in degrees?"
            answer = str(a1)
            solution = f"Ray {o}{cn} is at 0, so angle {cn}{o}{an} is the scale reading where ray {o}{an} crosses it: {a1}°."
            inters = (Interaction("angle_mark", f"Mark angle {cn}{o}{an}.", interaction_code(ix_angle_arc(o, cn, an, radius=40)), (o,)),)
        elif ask == "between":
            question = f"{intro} What is the measure of angle {an}{o}{bn}, in degrees?"
            answer = str(a2 - a1)
            solution = f"On the same scale {o}{an} reads {a1} and {o}{bn} reads {a2}, so angle {an}{o}{bn} = {a2} − {a1} = {a2 - a1}°."
            inters = (Interaction("angle_mark", f"Mark angle {an}{o}{bn}.", interaction_code(ix_angle_arc(o, an, bn, radius=40)), (o,)),
                      Interaction("highlight", f"Highlight rays {o}{an} and {o}{bn}.",
                                  interaction_code(ix_highlight(o, an), ix_highlight(o, bn, color="#31a354")), (o, an, bn)))
        elif ask == "type":
            ang = a2 - a1
            kind = "acute" if ang < 90 else ("right" if ang == 90 else "obtuse")
            opts = {"acute": "an acute angle", "right": "a right angle", "obtuse": "an obtuse angle", "reflex": "a reflex angle"}
            choices, answer = make_choices(rng, opts[kind], [v for k, v in opts.items() if k != kind])
            answer_type = "choice"
            question = f"{intro} What kind of angle is angle {an}{o}{bn}?"
            solution = f"{o}{an} reads {a1} and {o}{bn} reads {a2}, so angle {an}{o}{bn} = {ang}°, which is {opts[kind]}."
            inters = (Interaction("angle_mark", f"Mark angle {an}{o}{bn}.", interaction_code(ix_angle_arc(o, an, bn, radius=40)), (o,)),)
        elif ask == "on_line":
            question = f"{intro} Points {cn}, {o} and {dn} lie on a straight line. What is the measure of angle {bn}{o}{dn}, in degrees?"
            answer = str(180 - a2)
            solution = f"Ray {o}{bn} reads {a2}, so angle {cn}{o}{bn} = {a2}°; angles on a straight line add to 180°, so angle {bn}{o}{dn} = 180 − {a2} = {180 - a2}°."
            inters = (Interaction("angle_mark", f"Mark angle {bn}{o}{dn}.", interaction_code(ix_angle_arc(o, bn, dn, radius=40)), (o,)),
                      Interaction("highlight", f"Highlight the straight line {cn}{dn}.", interaction_code(ix_highlight(cn, dn)), (cn, dn)))
        else:
            raise ValueError(ask)
        return draft.replace(question=question, answer=answer, answer_type=answer_type, choices=choices,
                             solution=solution, interactions=inters)

    def rederive(self, draft: Draft) -> str:
        o, an, bn, cn, dn = draft.params["names"]
        a1, a2 = self._deg(draft, an), self._deg(draft, bn)
        ask = draft.params["ask"]
        if ask == "from_zero":
            return str(a1)
        if ask == "between":
            return str(a2 - a1)
        if ask == "type":
            ang = a2 - a1
            opts = {"acute": "an acute angle", "right": "a right angle", "obtuse": "an obtuse angle"}
            return choice_letter(draft.choices, opts["acute" if ang < 90 else ("right" if ang == 90 else "obtuse")])
        if ask == "on_line":
            return str(180 - a2)
        raise ValueError(f"unknown ask {ask!r}")


FAMILIES = [RulerLength(), GridCompositeArea(), ProtractorReading()]
