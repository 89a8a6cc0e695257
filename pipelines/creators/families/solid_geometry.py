"""Solid geometry families: cuboid, square pyramid and cylinder drawn in oblique projection.

Oblique (cabinet) projection: widths and heights are drawn true size and depths at 45 degrees
scaled by :data:`DEPTH` (one half), so every true length of the solid can be measured back from
the drawn vertices: :meth:`rederive` recovers the dimensions from ``draft.elements`` and
recomputes the answer. Hidden edges are dashed.
"""

from __future__ import annotations

import math
import random
from fractions import Fraction

from pipelines.creators.base import Draft, Family, Interaction
from pipelines.creators.common import (
    clamp_difficulty,
    dist,
    fmt_dec,
    fmt_frac,
    fraction_note,
    interaction_code,
    ix_segment,
    ix_shade,
    near_rounding_boundary,
    pick_ask,
)
from pipelines.creators.families._canvas import canvas_for

DOMAIN = "solid_geometry"
_S = "solid_geometry."
OBLIQUE = _S + "drawing_solids.oblique_projection"
CUBOID_VOLUME = _S + "prisms.cuboid_volume"
CUBOID_SURFACE = _S + "prisms.cuboid_surface_area"
EDGE_TOTAL = _S + "prisms.edge_total"
FACE_DIAG = _S + "prisms.face_diagonal"
SPACE_DIAG = _S + "prisms.space_diagonal"
PYR_VOLUME = _S + "pyramids_cones.pyramid_volume"
SLANT = _S + "pyramids_cones.slant_height"
PYR_LATERAL = _S + "pyramids_cones.pyramid_lateral_area"
PYR_SURFACE = _S + "pyramids_cones.pyramid_surface_area"
LATERAL_EDGE = _S + "pyramids_cones.lateral_edge"
CYL_VOLUME = _S + "cylinders.cylinder_volume"
CYL_LATERAL = _S + "cylinders.cylinder_lateral_area"
CYL_SURFACE = _S + "cylinders.cylinder_surface_area"
CYL_NET = _S + "cylinders.cylinder_net"
CYL_PATH = _S + "cylinders.shortest_surface_path"

DEPTH = 0.5  # receding edges drawn at half their true length
DV = (DEPTH * math.cos(math.radians(45)), DEPTH * math.sin(math.radians(45)))  # drawn vector of one depth unit
PI = Fraction(314, 100)  # questions use pi = 3.14 so answers are exact decimals


def _add(p, q, k: float = 1.0):
    return (p[0] + k * q[0], p[1] + k * q[1])


def _num(v: Fraction | float, places: int = 2) -> str:
    """An exact value as an integer or fraction when it is one with a small denominator, else a
    decimal rounded to ``places``."""
    if isinstance(v, Fraction) and v.denominator <= 12:
        return fmt_frac(v)
    return fmt_dec(v, places)


def _dec(v: Fraction) -> str:
    """pi-based exact decimals (at most two places), trailing zeros dropped."""
    s = fmt_dec(v, 2)
    return s.rstrip("0").rstrip(".") if "." in s else s


def _sqrt_answer(sq: int) -> str:
    r = math.isqrt(sq)
    return str(r) if r * r == sq else fmt_dec(math.sqrt(sq), 2)


def _depth(p, q) -> float:
    """True length of a receding edge from its drawn end points."""
    return dist(p, q) / DEPTH


def _int(v: float) -> int:
    r = round(v)
    if abs(v - r) > 1e-3:
        raise ValueError(f"measured length {v} is not a whole number")
    return int(r)


# ==============================================================================================
# cuboid


QUADRUPLES = [(1, 2, 2), (2, 3, 6), (1, 4, 8), (4, 4, 7), (2, 6, 9), (6, 6, 7), (3, 4, 12), (2, 10, 11), (4, 6, 12)]


class Cuboid(Family):
    """Cuboid ABCD-EFGH in oblique projection with its three edge lengths; asks for the volume,
    surface area, total edge length, a face diagonal or the space diagonal."""

    name = "cuboid_measures"
    givens = ("a", "b", "c")
    domain = DOMAIN
    node_ids = (OBLIQUE, CUBOID_VOLUME, CUBOID_SURFACE, EDGE_TOTAL, FACE_DIAG, SPACE_DIAG)
    supports = frozenset({"sequential"})
    ASKS = {
        "volume": frozenset({OBLIQUE, CUBOID_VOLUME}),
        "surface": frozenset({OBLIQUE, CUBOID_SURFACE}),
        "edges": frozenset({OBLIQUE, EDGE_TOTAL}),
        "face_diag": frozenset({OBLIQUE, FACE_DIAG}),
        "space_diag": frozenset({OBLIQUE, SPACE_DIAG, FACE_DIAG}),
    }
    ROLES = {"A": "front bottom-left corner", "B": "front bottom-right corner", "C": "back bottom-right corner",
             "D": "back bottom-left corner", "E": "front top-left corner", "F": "front top-right corner",
             "G": "back top-right corner", "H": "back top-left corner"}

    def create(self, rng: random.Random, node_ids, difficulty: int) -> Draft:
        d = clamp_difficulty(difficulty)
        ask, covered = pick_ask(rng, node_ids, self.ASKS, self.node_ids)
        if ask == "space_diag" and d < 3:
            a, b, c = rng.choice(QUADRUPLES)
            dims = [a, b, c]
            rng.shuffle(dims)
            a, b, c = dims
        else:
            while True:
                hi = {1: 6, 2: 10, 3: 14}[d]
                a, b, c = rng.randint(2, hi), rng.randint(2, hi), rng.randint(2, hi)
                if len({a, b, c}) >= 2 and not near_rounding_boundary(math.sqrt(a * a + b * b), 2) and \
                        not near_rounding_boundary(math.sqrt(a * a + b * b + c * c), 2):
                    break
        # a = AB (width), b = BC (depth), c = AE (height); the drawing is to scale
        if max(a, c) < 0.45 * max(a, b, c):
            a = max(a, b // 2)
        pts = {"A": (0.0, 0.0), "B": (float(a), 0.0)}
        dv = (DV[0] * b, DV[1] * b)
        pts["C"], pts["D"] = _add(pts["B"], dv), dv
        for lo, up in zip("ABCD", "EFGH", strict=True):
            pts[up] = (pts[lo][0], pts[lo][1] + c)
        code, elements = self._draw(pts, a, b, c)
        params = {"ask": ask, "a": a, "b": b, "c": c}
        draft = self.draft(node_ids=covered, render_code=code, question="", answer="", solution="",
                           interactions=(), elements=elements, difficulty=d, params=params)
        return self._pose(draft)

    def _draw(self, pts, a, b, c):
        cv = canvas_for(list(pts.values()), target_px=400, margin=0.12, min_margin_px=44)
        cv.fill([pts[n] for n in "EFGH"], "#deebf7", z=1)
        cv.fill([pts[n] for n in "ABFE"], "#c6dbef", z=1)
        cv.fill([pts[n] for n in "BCGF"], "#9ecae1", z=1)
        for p, q in ("AB", "BC", "EF", "FG", "GH", "HE", "AE", "BF", "CG"):
            cv.line([pts[p], pts[q]], lw=2.2)
        for p, q in ("AD", "DC", "DH"):
            cv.line([pts[p], pts[q]], lw=1.6, ls="--", color="#555555")
        for n, p in pts.items():
            cv.dot(n, p, role=self.ROLES[n], ms=5)
        cv.text_near_segment(str(a), pts["A"], pts["B"], side=-1, color="#08519c")
        cv.text_near_segment(str(b), pts["B"], pts["C"], side=-1, color="#08519c")
        cv.text_near_segment(str(c), pts["A"], pts["E"], side=1, color="#08519c")
        centre = ((pts["A"][0] + pts["G"][0]) / 2, (pts["A"][1] + pts["G"][1]) / 2)
        return cv.build(ref=centre)

    def _pose(self, draft: Draft) -> Draft:
        pr = draft.params
        a, b, c, ask = pr["a"], pr["b"], pr["c"], pr["ask"]
        given = "The figure marks the lengths of the edges AB, BC and AE of the cuboid ABCD-EFGH (hidden edges are dashed)."
        if ask == "volume":
            ans = str(a * b * c)
            question = f"{given} What is its volume?"
            solution = f"Volume = length × width × height = {a} × {b} × {c} = {ans}."
            inter = Interaction("shade", "Shade the base ABCD, whose area times the height AE gives the volume.",
                                interaction_code(ix_shade(["A", "B", "C", "D"])), ("A", "B", "C", "D"))
        elif ask == "surface":
            s = 2 * (a * b + b * c + a * c)
            ans = str(s)
            question = f"{given} What is its total surface area?"
            solution = (f"The six faces come in three equal pairs: 2 × ({a}·{b} + {b}·{c} + {a}·{c}) = "
                        f"2 × ({a * b} + {b * c} + {a * c}) = {s}.")
            inter = Interaction("shade", "Shade the three visible faces ABFE, BCGF and EFGH; each has an equal hidden partner.",
                                interaction_code(ix_shade(["A", "B", "F", "E"], "#fdae6b"), ix_shade(["B", "C", "G", "F"], "#a1d99b"),
                                                 ix_shade(["E", "F", "G", "H"], "#bcbddc")), ("A", "C", "G", "E"))
        elif ask == "edges":
            ans = str(4 * (a + b + c))
            question = f"{given} What is the total length of all twelve edges?"
            solution = f"There are four edges of each length: 4 × ({a} + {b} + {c}) = {ans}."
            inter = Interaction("highlight", "Highlight one edge of each length: AB, BC and AE.",
                                interaction_code(ix_segment("A", "B", "#e6550d", "-", 4.5), ix_segment("B", "C", "#e6550d", "-", 4.5),
                                                 ix_segment("A", "E", "#e6550d", "-", 4.5)), ("A", "B", "C", "E"))
        elif ask == "face_diag":
            ans = _sqrt_answer(a * a + b * b)
            question = f"{given} What is the length of the diagonal AC of the base? Round to two decimal places if needed."
            solution = (f"Triangle ABC is right-angled at B in the base, so AC = √({a}² + {b}²) = √{a * a + b * b}"
                        + (f" = {ans}." if "." not in ans else f" ≈ {ans}."))
            inter = Interaction("auxiliary_line", "Draw the base diagonal AC.", interaction_code(ix_segment("A", "C")), ("A", "C"))
        elif ask in ("space_diag", "seq_space_diag"):
            sq = a * a + b * b + c * c
            ans = _sqrt_answer(sq)
            rnd = " Round to two decimal places if needed."
            if ask == "space_diag":
                question = f"{given} What is the length of the space diagonal AG?{rnd}"
            else:
                question = (f"{given} Using the base diagonal AC and the vertical edge CG, find the length of the "
                            f"space diagonal AG.{rnd}")
            solution = (f"AC is the diagonal of the base: AC² = {a}² + {b}² = {a * a + b * b}. Triangle ACG is right-angled "
                        f"at C, so AG = √(AC² + CG²) = √({a * a + b * b} + {c * c}) = √{sq}"
                        + (f" = {ans}." if "." not in ans else f" ≈ {ans}."))
            inter = Interaction("auxiliary_line", "Draw the space diagonal AG and the edge CG of triangle ACG.",
                                interaction_code(ix_segment("A", "G", "#d62728"), ix_segment("C", "G", "#d62728", "-", 3.5)),
                                ("A", "G", "C"))
            if ask == "space_diag":
                inter = Interaction("auxiliary_line", "Draw the base diagonal AC and the space diagonal AG.",
                                    interaction_code(ix_segment("A", "C"), ix_segment("A", "G", "#d62728")), ("A", "C", "G"))
        else:
            raise ValueError(ask)
        return draft.replace(question=question, answer=ans, solution=solution, interactions=draft.interactions + (inter,))

    def expand_sequential(self, draft: Draft, rng: random.Random) -> Draft | None:
        """Base diagonal AC -> space diagonal AG built on it (triangle ACG)."""
        if draft.params["ask"] != "face_diag":
            return None
        new = draft.replace(params=dict(draft.params, ask="seq_space_diag", parent_answer=draft.answer))
        return self._pose(new).replace(variant="seq_space_diag", difficulty=draft.difficulty + 1)

    def rederive(self, draft: Draft) -> str:
        p = draft.points()
        a = _int(dist(p["A"], p["B"]))
        b = _int(_depth(p["B"], p["C"]))
        c = _int(dist(p["A"], p["E"]))
        ask = draft.params["ask"]
        if ask == "volume":
            return str(a * b * c)
        if ask == "surface":
            return str(2 * (a * b + b * c + a * c))
        if ask == "edges":
            return str(4 * (a + b + c))
        if ask == "face_diag":
            return _sqrt_answer(a * a + b * b)
        if ask in ("space_diag", "seq_space_diag"):
            return _sqrt_answer(a * a + b * b + c * c)
        raise ValueError(f"unknown ask {ask!r}")


# ==============================================================================================
# square pyramid


SLANT_TRIPLES = [(3, 4, 5), (4, 3, 5), (6, 8, 10), (8, 6, 10), (5, 12, 13), (12, 5, 13), (9, 12, 15), (12, 9, 15), (8, 15, 17)]


class SquarePyramid(Family):
    """Square pyramid V-ABCD with apex V above the base centre O and M the midpoint of AB; asks
    for the slant height VM, volume, lateral or total surface area, or a lateral edge."""

    name = "square_pyramid"
    givens = ("s", "h")
    domain = DOMAIN
    node_ids = (OBLIQUE, PYR_VOLUME, SLANT, PYR_LATERAL, PYR_SURFACE, LATERAL_EDGE)
    supports = frozenset({"sequential"})
    ASKS = {
        "slant": frozenset({OBLIQUE, SLANT}),
        "volume": frozenset({OBLIQUE, PYR_VOLUME}),
        "lateral": frozenset({SLANT, PYR_LATERAL}),
        "surface": frozenset({SLANT, PYR_SURFACE, PYR_LATERAL}),
        "edge": frozenset({OBLIQUE, LATERAL_EDGE}),
    }
    ROLES = {"A": "front-left base corner", "B": "front-right base corner", "C": "back-right base corner",
             "D": "back-left base corner", "V": "apex", "O": "centre of the base", "M": "midpoint of the front base edge"}

    def create(self, rng: random.Random, node_ids, difficulty: int) -> Draft:
        d = clamp_difficulty(difficulty)
        ask, covered = pick_ask(rng, node_ids, self.ASKS, self.node_ids)
        pool = SLANT_TRIPLES[:4] if d == 1 else SLANT_TRIPLES
        while True:
            half, h, _ = rng.choice(pool)
            s = 2 * half
            if ask != "edge" or not near_rounding_boundary(math.sqrt(h * h + s * s / 2), 2):
                break
        A, B = (0.0, 0.0), (float(s), 0.0)
        dv = (DV[0] * s, DV[1] * s)
        C, D = _add(B, dv), dv
        O = ((A[0] + C[0]) / 2, (A[1] + C[1]) / 2)
        V = (O[0], O[1] + h)
        M = (s / 2, 0.0)
        pts = {"A": A, "B": B, "C": C, "D": D, "V": V, "O": O, "M": M}
        cv = canvas_for(list(pts.values()), target_px=400, margin=0.12, min_margin_px=44)
        cv.fill([A, B, V], "#fdd0a2", z=1)
        cv.fill([B, C, V], "#fdae6b", z=1)
        for p, q in ("AB", "BC", "VA", "VB", "VC"):
            cv.line([pts[p], pts[q]], lw=2.2)
        for p, q in ("AD", "DC", "VD", "VO", "OM"):
            cv.line([pts[p], pts[q]], lw=1.5, ls="--", color="#555555")
        cv.line([V, M], lw=1.6, ls="-", color="#7f2704")
        for n, p in pts.items():
            cv.dot(n, p, role=self.ROLES[n], ms=5)
        cv.text_near_segment(str(s), A, B, side=-1, color="#08519c")  # the givens are in the figure only
        cv.text_near_segment(str(h), V, O, color="#08519c")
        code, elements = cv.build(ref=(O[0], O[1] + h / 3))
        params = {"ask": ask, "s": s, "h": h}
        draft = self.draft(node_ids=covered, render_code=code, question="", answer="", solution="",
                           interactions=(), elements=elements, difficulty=d, params=params)
        return self._pose(draft)

    def _pose(self, draft: Draft) -> Draft:
        pr = draft.params
        s, h, ask = pr["s"], pr["h"], pr["ask"]
        sl = math.isqrt(h * h + (s // 2) ** 2)
        given = ("V-ABCD is a square pyramid; its apex V lies above the centre O of the base, M is the midpoint of "
                 "AB, and the figure marks the lengths of the base edge AB and the height VO.")
        slant_sol = f"Triangle VOM is right-angled at O with OM = {s}/2 = {s // 2}, so VM = √({h}² + {s // 2}²) = {sl}."
        slant_ix = Interaction("shade", "Shade the right triangle VOM (right angle at O).",
                               interaction_code(ix_shade(["V", "O", "M"], "#9e9ac8", 0.55)), ("V", "O", "M"))
        if ask == "slant":
            ans = str(sl)
            question = f"{given} What is the slant height VM?"
            solution = slant_sol
            inter = slant_ix
        elif ask == "volume":
            v = Fraction(s * s * h, 3)
            ans = fmt_frac(v)
            question = f"{given} What is the volume of the pyramid? {fraction_note()}"
            solution = f"Volume = ⅓ × base area × height = ⅓ × {s}² × {h} = {ans}."
            inter = Interaction("auxiliary_line", "Highlight the height VO, perpendicular to the base.",
                                interaction_code(ix_segment("V", "O", "#d62728", "-", 4)), ("V", "O"))
        elif ask == "lateral":
            ans = str(2 * s * sl)
            question = f"{given} What is the lateral surface area (the four triangular faces)?"
            solution = f"{slant_sol} Each face has area ½ × {s} × {sl} = {s * sl // 2}, and there are four: {ans}."
            inter = slant_ix
        elif ask in ("surface", "seq_surface"):
            ans = str(s * s + 2 * s * sl)
            question = (f"{given} What is the total surface area of the pyramid?" if ask == "surface" else
                        f"{given} Using the slant height VM, find the total surface area of the pyramid.")
            solution = (f"{slant_sol} The four faces have area 4 × ½ × {s} × {sl} = {2 * s * sl} and the base "
                        f"{s}² = {s * s}, so the total is {ans}.")
            inter = Interaction("shade", "Shade the front face VAB, one of the four equal faces with height VM.",
                                interaction_code(ix_shade(["V", "A", "B"], "#74c476", 0.5)), ("V", "A", "B"))
            if ask == "surface":
                inter = slant_ix
        elif ask == "edge":
            sq2 = Fraction(s * s, 2) + h * h
            ans = _sqrt_answer(int(sq2))
            question = f"{given} What is the length of the lateral edge VA? Round to two decimal places if needed."
            solution = (f"OA is half the base diagonal: OA² = ({s}√2/2)² = {s * s // 2}. Triangle VOA is right-angled at O, "
                        f"so VA = √({h}² + {s * s // 2}) = √{int(sq2)}" + (f" = {ans}." if "." not in ans else f" ≈ {ans}."))
            inter = Interaction("shade", "Shade the right triangle VOA (right angle at O).",
                                interaction_code(ix_segment("O", "A"), ix_shade(["V", "O", "A"], "#9e9ac8", 0.55)), ("V", "O", "A"))
        else:
            raise ValueError(ask)
        return draft.replace(question=question, answer=ans, solution=solution, interactions=draft.interactions + (inter,))

    def expand_sequential(self, draft: Draft, rng: random.Random) -> Draft | None:
        """Slant height VM -> total surface area built on it."""
        if draft.params["ask"] != "slant":
            return None
        new = draft.replace(params=dict(draft.params, ask="seq_surface", parent_answer=draft.answer))
        return self._pose(new).replace(variant="seq_surface", difficulty=draft.difficulty + 1)

    def rederive(self, draft: Draft) -> str:
        p = draft.points()
        s = _int(dist(p["A"], p["B"]))
        h = _int(dist(p["V"], p["O"]))
        half = dist(p["O"], p["M"]) / DEPTH  # true OM: it recedes from the front edge
        sl = math.sqrt(h * h + half * half)
        ask = draft.params["ask"]
        if ask == "slant":
            return str(_int(sl))
        if ask == "volume":
            return fmt_frac(Fraction(s * s * h, 3))
        if ask == "lateral":
            return str(_int(2 * s * sl))
        if ask in ("surface", "seq_surface"):
            return str(_int(s * s + 2 * s * sl))
        if ask == "edge":
            return _sqrt_answer(_int(h * h + s * s / 2))
        raise ValueError(f"unknown ask {ask!r}")


# ==============================================================================================
# cylinder


FLAT = 0.3  # drawn ellipse: vertical semi-axis = FLAT * radius


class Cylinder(Family):
    """Cylinder with bottom centre O, top centre Q, A on the bottom rim and B on the top rim
    opposite A; asks (pi = 3.14) for the volume, lateral or total area, the width of the unrolled
    side, or the shortest path on the side from A to B."""

    name = "cylinder_measures"
    givens = ("r", "h")
    domain = DOMAIN
    node_ids = (CYL_VOLUME, CYL_LATERAL, CYL_SURFACE, CYL_NET, CYL_PATH)
    ASKS = {
        "volume": frozenset({CYL_VOLUME}),
        "lateral": frozenset({CYL_LATERAL, CYL_NET}),
        "surface": frozenset({CYL_SURFACE, CYL_LATERAL}),
        "net_width": frozenset({CYL_NET}),
        "path": frozenset({CYL_PATH, CYL_NET}),
    }

    def create(self, rng: random.Random, node_ids, difficulty: int) -> Draft:
        d = clamp_difficulty(difficulty)
        ask, covered = pick_ask(rng, node_ids, self.ASKS, self.node_ids)
        while True:
            r = rng.randint(2, {1: 5, 2: 8, 3: 12}[d])
            h = rng.randint(max(3, r), {1: 10, 2: 15, 3: 20}[d])
            if not near_rounding_boundary(math.sqrt(h * h + (3.14 * r) ** 2), 2):
                break
        O, Q, A, B = (0.0, 0.0), (0.0, float(h)), (float(r), 0.0), (float(-r), float(h))
        e = FLAT * r
        bound = [(-r, -e), (r, -e), (-r, h + e), (r, h + e)]
        cv = canvas_for(bound, target_px=380, margin=0.1, min_margin_px=44)
        ts = [math.pi * k / 40 for k in range(81)]
        front = [(r * math.cos(t), -e * math.sin(t)) for t in ts[:41]]  # lower half, visible
        back = [(r * math.cos(t), e * math.sin(t)) for t in ts[:41]]
        top = [(r * math.cos(t), h + e * math.sin(t)) for t in ts]
        cv.fill([(r * math.cos(t), -e * math.sin(t)) for t in ts[40::-1]] + [(r, h), (-r, h)], "#c7e9c0", z=1)
        cv.fill(top, "#a1d99b", z=1)
        cv.line(front, lw=2.2)
        cv.line(back, lw=1.5, ls="--", color="#555555")
        cv.line(top, lw=2.2)
        cv.line([(-r, 0), (-r, h)], lw=2.2)
        cv.line([(r, 0), (r, h)], lw=2.2)
        cv.line([O, A], lw=1.6, color="#08519c")
        cv.line([O, Q], lw=1.5, ls="--", color="#555555")
        roles = {"O": "centre of the bottom face", "Q": "centre of the top face", "A": "point on the bottom rim",
                 "B": "point on the top rim"}
        for n, p in (("O", O), ("Q", Q), ("A", A), ("B", B)):
            cv.dot(n, p, role=roles[n], ms=5)
        cv.text_near_segment(str(r), O, A, color="#08519c")  # the givens are in the figure only
        cv.text_near_segment(str(h), (r, 0.0), (r, float(h)), color="#08519c")
        code, elements = cv.build(ref=(0.0, h / 2))
        params = {"ask": ask, "r": r, "h": h}
        pi = "Use π = 3.14."
        given = "The cylinder has bottom centre O and top centre Q; the figure marks its radius OA and its height."
        circ = PI * 2 * r
        if ask == "volume":
            ans = _dec(PI * r * r * h)
            question = f"{given} {pi} What is its volume?"
            solution = f"Volume = πr²h = 3.14 × {r}² × {h} = {ans}."
            inter = Interaction("shade", "Shade the radius OA of the circular base.",
                                interaction_code(ix_segment("O", "A", "#d62728", "-", 4)), ("O", "A"))
        elif ask == "lateral":
            ans = _dec(circ * h)
            question = f"{given} {pi} What is the area of its curved side?"
            solution = (f"Unrolled, the curved side is a rectangle {h} high and as wide as the base circumference "
                        f"2πr = {_dec(circ)}, so its area is {_dec(circ)} × {h} = {ans}.")
            inter = Interaction("highlight", "Highlight the height OQ and the radius OA.",
                                interaction_code(ix_segment("O", "Q", "#d62728", "-", 4), ix_segment("O", "A", "#d62728", "-", 4)),
                                ("O", "Q", "A"))
        elif ask == "surface":
            ans = _dec(circ * h + 2 * PI * r * r)
            question = f"{given} {pi} What is its total surface area?"
            solution = (f"Curved side 2πrh = {_dec(circ * h)} plus two circles 2πr² = {_dec(2 * PI * r * r)}: "
                        f"total {ans}.")
            inter = Interaction("highlight", "Highlight the height OQ and the radius OA.",
                                interaction_code(ix_segment("O", "Q", "#d62728", "-", 4), ix_segment("O", "A", "#d62728", "-", 4)),
                                ("O", "Q", "A"))
        elif ask == "net_width":
            ans = _dec(circ)
            question = (f"{given} {pi} The curved side is cut along a vertical line and unrolled into a rectangle. "
                        "How wide is the rectangle?")
            solution = f"The width is the circumference of the base: 2πr = 2 × 3.14 × {r} = {ans}."
            inter = Interaction("highlight", "Highlight the radius OA of the base circle.",
                                interaction_code(ix_segment("O", "A", "#d62728", "-", 4)), ("O", "A"))
        elif ask == "path":
            half = PI * r
            ans = fmt_dec(math.sqrt(h * h + float(half) ** 2), 2)
            question = (f"{given} {pi} An ant crawls on the curved side from A to B, which is on the top rim directly "
                        "opposite A. What is the length of its shortest path? Round to two decimal places.")
            solution = (f"Unroll the side: A and B become opposite corners of a rectangle {h} high and half the "
                        f"circumference wide, πr = {_dec(half)}. The shortest path is the diagonal "
                        f"√({h}² + {_dec(half)}²) ≈ {ans}.")
            inter = Interaction("auxiliary_line", "Draw the vertical side line through A and the straight line AB.",
                                interaction_code(ix_segment("A", "B", "#d62728")), ("A", "B"))
        else:
            raise ValueError(ask)
        return self.draft(node_ids=covered, render_code=code, question=question, answer=ans, solution=solution,
                          interactions=(inter,), elements=elements, difficulty=d, params=params)

    def rederive(self, draft: Draft) -> str:
        p = draft.points()
        r = _int(dist(p["O"], p["A"]))
        h = _int(dist(p["O"], p["Q"]))
        ask = draft.params["ask"]
        if ask == "volume":
            return _dec(PI * r * r * h)
        if ask == "lateral":
            return _dec(2 * PI * r * h)
        if ask == "surface":
            return _dec(2 * PI * r * h + 2 * PI * r * r)
        if ask == "net_width":
            return _dec(2 * PI * r)
        if ask == "path":
            return fmt_dec(math.hypot(h, float(PI * r)), 2)
        raise ValueError(f"unknown ask {ask!r}")


# ==============================================================================================
# cone


CONE_VOLUME = _S + "pyramids_cones.cone_volume"
CONE_SLANT = _S + "pyramids_cones.cone_slant_height"
CONE_LATERAL = _S + "pyramids_cones.cone_lateral_area"
CONE_TRIPLES = [(3, 4, 5), (4, 3, 5), (6, 8, 10), (8, 6, 10), (5, 12, 13), (9, 12, 15), (12, 9, 15), (8, 15, 17), (12, 16, 20)]


class Cone(Family):
    """Right cone with apex V, base centre O and A on the base rim; asks for the slant height
    VA, the volume or the curved surface area (pi = 3.14)."""

    name = "cone_measures"
    givens = ("r", "h")
    domain = DOMAIN
    node_ids = (CONE_SLANT, CONE_VOLUME, CONE_LATERAL)
    supports = frozenset({"sequential"})
    ASKS = {
        "slant": frozenset({CONE_SLANT}),
        "volume": frozenset({CONE_VOLUME}),
        "lateral": frozenset({CONE_SLANT, CONE_LATERAL}),
    }

    def create(self, rng: random.Random, node_ids, difficulty: int) -> Draft:
        d = clamp_difficulty(difficulty)
        ask, covered = pick_ask(rng, node_ids, self.ASKS, self.node_ids)
        r, h, _ = rng.choice(CONE_TRIPLES[:4] if d == 1 else CONE_TRIPLES)
        e = FLAT * r
        O, V, A = (0.0, 0.0), (0.0, float(h)), (float(r), 0.0)
        cv = canvas_for([(-r, -e), (r, -e), (0, h), (r, e)], target_px=360, margin=0.1, min_margin_px=44)
        ts = [math.pi * k / 40 for k in range(41)]
        # the sides touch the base ellipse where the tangents from V meet it (sin t = e / h)
        tt = math.asin(e / h)
        tan_r, tan_l = (r * math.cos(tt), e * math.sin(tt)), (-r * math.cos(tt), e * math.sin(tt))
        back = [tt + (math.pi - 2 * tt) * k / 30 for k in range(31)]
        cv.fill([tan_r] + [(r * math.cos(t), -e * math.sin(t)) for t in ts] + [tan_l, V], "#fde0dd", z=1)
        cv.line([(r * math.cos(t), -e * math.sin(t)) for t in ts], lw=2.2)
        cv.line([(r * math.cos(t), e * math.sin(t)) for t in back], lw=1.5, ls="--", color="#555555")
        for arc in ([t * tt / 8 for t in range(9)], [math.pi - t * tt / 8 for t in range(9)]):
            cv.line([(r * math.cos(t), e * math.sin(t)) for t in arc], lw=2.2)
        cv.line([tan_l, V, tan_r], lw=2.2)
        cv.line([O, A], lw=1.6, color="#08519c")
        cv.line([O, V], lw=1.5, ls="--", color="#555555")
        roles = {"V": "apex", "O": "centre of the base", "A": "point on the base rim"}
        for n, p in (("V", V), ("O", O), ("A", A)):
            cv.dot(n, p, role=roles[n], ms=5)
        cv.text_near_segment(str(r), O, A, color="#08519c")  # the givens are in the figure only
        cv.text_near_segment(str(h), O, V, color="#08519c")
        code, elements = cv.build(ref=(0.0, h / 3))
        params = {"ask": ask, "r": r, "h": h}
        draft = self.draft(node_ids=covered, render_code=code, question="", answer="", solution="",
                           interactions=(), elements=elements, difficulty=d, params=params)
        return self._pose(draft)

    def _pose(self, draft: Draft) -> Draft:
        pr = draft.params
        r, h, ask = pr["r"], pr["h"], pr["ask"]
        sl = math.isqrt(r * r + h * h)
        given = "The cone has apex V above the centre O of its base; the figure marks the radius OA and the height VO."
        slant_sol = f"Triangle VOA is right-angled at O, so VA = √({h}² + {r}²) = {sl}."
        tri = Interaction("shade", "Shade the right triangle VOA (right angle at O).",
                          interaction_code(ix_shade(["V", "O", "A"], "#9e9ac8", 0.55)), ("V", "O", "A"))
        if ask == "slant":
            ans = str(sl)
            question = f"{given} What is the slant height VA?"
            solution = slant_sol
            inter = tri
        elif ask == "volume":
            ans = _dec(PI * r * r * h / 3)
            question = f"{given} Use π = 3.14. What is the volume of the cone? Round to two decimal places if needed."
            solution = f"Volume = ⅓πr²h = ⅓ × 3.14 × {r}² × {h} = {ans}."
            inter = Interaction("auxiliary_line", "Highlight the height VO and the radius OA.",
                                interaction_code(ix_segment("V", "O", "#d62728", "-", 4), ix_segment("O", "A", "#d62728", "-", 4)),
                                ("V", "O", "A"))
        elif ask in ("lateral", "seq_lateral"):
            ans = _dec(PI * r * sl)
            question = (f"{given} Use π = 3.14. What is the area of the curved surface of the cone?" if ask == "lateral" else
                        f"{given} Use π = 3.14. Using the slant height VA, find the area of the curved surface of the cone.")
            solution = f"{slant_sol} The curved surface has area πrl = 3.14 × {r} × {sl} = {ans}."
            inter = tri if ask == "lateral" else Interaction(
                "highlight", "Highlight the slant height VA, the radius of the unrolled curved surface.",
                interaction_code(ix_segment("V", "A", "#e6550d", "-", 5)), ("V", "A"))
        elif ask == "seq_total":
            ans = _dec(PI * r * sl + PI * r * r)
            question = (f"{given} Use π = 3.14. The curved surface has area {_dec(PI * r * sl)}. What is the total "
                        f"surface area of the cone, base included?")
            solution = (f"{slant_sol} Curved surface πrl = {_dec(PI * r * sl)}; the base circle adds πr² = 3.14 × {r}² = "
                        f"{_dec(PI * r * r)}, so the total is {ans}.")
            inter = Interaction("shade", "Highlight the radius OA of the base circle that is added.",
                                interaction_code(ix_segment("O", "A", "#31a354", "-", 5)), ("O", "A"))
        else:
            raise ValueError(ask)
        return draft.replace(question=question, answer=ans, solution=solution, interactions=draft.interactions + (inter,))

    def expand_sequential(self, draft: Draft, rng: random.Random) -> Draft | None:
        """Slant height -> curved surface built on it -> total surface built on that."""
        nxt = {"slant": "seq_lateral", "lateral": "seq_total", "seq_lateral": "seq_total"}.get(draft.params["ask"])
        if nxt is None:
            return None
        new = draft.replace(params=dict(draft.params, ask=nxt, parent_answer=draft.answer))
        return self._pose(new).replace(variant=nxt, difficulty=draft.difficulty + 1)

    def rederive(self, draft: Draft) -> str:
        p = draft.points()
        r = _int(dist(p["O"], p["A"]))
        h = _int(dist(p["O"], p["V"]))
        sl = dist(p["V"], p["A"])  # drawn true size: VA lies in the picture plane
        ask = draft.params["ask"]
        if ask == "slant":
            return str(_int(sl))
        if ask == "volume":
            return _dec(PI * r * r * h / 3)
        if ask in ("lateral", "seq_lateral"):
            return _dec(PI * r * _int(sl))
        if ask == "seq_total":
            return _dec(PI * r * _int(sl) + PI * r * r)
        raise ValueError(f"unknown ask {ask!r}")


FAMILIES = [Cuboid(), SquarePyramid(), Cylinder(), Cone()]
