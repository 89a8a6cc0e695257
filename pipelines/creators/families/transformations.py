"""Transformation families: a triangle and its image on a grid (identify the transformation, or
find the image of a vertex) and symmetry of polygons (lines of symmetry, rotational order).

:meth:`rederive` tests the candidate rules against the drawn vertex coordinates, or measures the
symmetry group of the drawn polygon numerically.
"""

from __future__ import annotations

import math
import random
import re

from pipelines.creators.base import ELEMENTS, Draft, Family, Interaction
from pipelines.creators.common import (
    GridFigure,
    angle_at,
    choice_letter,
    clamp_difficulty,
    fmt_frac,
    interaction_code,
    ix_datamap,
    make_choices,
    num,
    pick_ask,
    shoelace,
    to_frac,
)
from pipelines.creators.families._f1kit import Canvas, with_roles

DOMAIN = "transformations"
_X = "transformations."
TRANS = _X + "translations.translation_vector"
TRANS_FIND = _X + "translations.translation_from_images"
REFL_X = _X + "reflections.reflect_x_axis"
REFL_Y = _X + "reflections.reflect_y_axis"
REFL_DIAG = _X + "reflections.reflect_diagonal"
REFL_LINE = _X + "reflections.reflect_vertical_line"
ROT90 = _X + "rotations.rotate_90"
ROT180 = _X + "rotations.rotate_180"
ROT_POINT = _X + "rotations.rotation_about_point"
IDENTIFY = _X + "rotations.identify_transformation"
LINE_SYM = _X + "symmetry.line_symmetry"
ROT_ORDER = _X + "symmetry.rotational_order"
ROT_ANGLE = _X + "symmetry.smallest_rotation_angle"
QUAD_SYM = _X + "symmetry.quadrilateral_symmetry"


def _apply(kind: str, prm: list[int], p):
    """The image of point p under a transformation kind with integer parameters."""
    x, y = p
    if kind == "trans":
        return (x + prm[0], y + prm[1])
    if kind == "refl_x":
        return (x, -y)
    if kind == "refl_y":
        return (-x, y)
    if kind == "refl_diag":
        return (y, x)
    if kind == "refl_vline":
        return (2 * prm[0] - x, y)
    if kind == "refl_hline":
        return (x, 2 * prm[0] - y)
    if kind == "rot90":
        return (-y, x)
    if kind == "rot90cw":
        return (y, -x)
    if kind == "rot180":
        return (-x, -y)
    if kind == "rot90_about":  # counterclockwise about (prm[0], prm[1])
        return (prm[0] - (y - prm[1]), prm[1] + (x - prm[0]))
    raise ValueError(kind)


def _describe(kind: str, prm: list[int]) -> str:
    return {
        "trans": lambda: f"translation by ({prm[0]}, {prm[1]})",
        "refl_x": lambda: "reflection in the x-axis",
        "refl_y": lambda: "reflection in the y-axis",
        "refl_diag": lambda: "reflection in the line y = x",
        "refl_vline": lambda: f"reflection in the line x = {prm[0]}",
        "refl_hline": lambda: f"reflection in the line y = {prm[0]}",
        "rot90": lambda: "rotation by 90° counterclockwise about the origin",
        "rot90cw": lambda: "rotation by 90° clockwise about the origin",
        "rot180": lambda: "rotation by 180° about the origin",
        "rot90_about": lambda: f"rotation by 90° counterclockwise about the point ({prm[0]}, {prm[1]})",
    }[kind]()


def _parse(desc: str) -> tuple[str, list[int]]:
    """Inverse of :func:`_describe` (rederive tests the options as written)."""
    nums = [int(t) for t in re.findall(r"-?\d+", desc.replace("90°", "").replace("180°", ""))]
    for kind in ("trans", "refl_x", "refl_y", "refl_diag", "refl_vline", "refl_hline", "rot90", "rot90cw", "rot180", "rot90_about"):
        for cand in ([], nums[:1], nums[:2]):
            try:
                if _describe(kind, cand) == desc:
                    return kind, cand
            except IndexError:
                continue
    raise ValueError(f"unparseable transformation {desc!r}")


KIND_NODE = {"trans": TRANS, "refl_x": REFL_X, "refl_y": REFL_Y, "refl_diag": REFL_DIAG, "refl_vline": REFL_LINE,
             "rot90": ROT90, "rot180": ROT180, "rot90_about": ROT_POINT}
ID_KINDS = ("trans", "refl_x", "refl_y", "refl_diag", "rot90", "rot180")


class GridTransformationImage(Family):
    """Triangle on a grid: either its image is drawn and the question asks which transformation
    maps one onto the other (choice), or the transformation is named and the question asks for a
    coordinate of the image of a vertex."""

    name = "grid_transformation_image"
    givens = (ELEMENTS,)
    domain = DOMAIN
    node_ids = (TRANS, TRANS_FIND, REFL_X, REFL_Y, REFL_DIAG, REFL_LINE, ROT90, ROT180, ROT_POINT, IDENTIFY)
    supports = frozenset({"parallel"})
    ASKS = {**{f"image:{k}": frozenset({n}) for k, n in KIND_NODE.items()},
            **{f"identify:{k}": frozenset({IDENTIFY, TRANS_FIND if k == "trans" else KIND_NODE[k]}) for k in ID_KINDS}}
    NAMES = (("A", "B", "C", "D", "E", "F"), ("P", "Q", "R", "K", "L", "M"), ("G", "H", "J", "S", "T", "U"))

    def create(self, rng: random.Random, node_ids, difficulty: int) -> Draft:
        d = clamp_difficulty(difficulty)
        ask, covered = pick_ask(rng, node_ids, self.ASKS, self.node_ids)
        mode, kind = ask.split(":")
        for _ in range(10000):
            tri = [(rng.randint(-6, 6), rng.randint(-6, 6)) for _ in range(3)]
            if shoelace(tri) < 4 or shoelace(tri) > 14:
                continue
            if min(angle_at(tri[i], tri[i - 1], tri[i - 2]) for i in range(3)) < 22:  # no slivers
                continue
            prm: list[int] = []
            if kind == "trans":
                prm = [rng.randint(-6, 6), rng.randint(-6, 6)]
                if abs(prm[0]) + abs(prm[1]) < 3:
                    continue
            elif kind == "refl_vline":
                prm = [rng.randint(-3, 3)]
            elif kind == "rot90_about":
                prm = [rng.randint(-3, 3), rng.randint(-3, 3)]
            img = [_apply(kind, prm, p) for p in tri]
            allp = tri + img
            if any(abs(t) > 7 for p in allp for t in p) or len(set(allp)) < 6:
                continue
            if mode == "identify":
                opts = self._options(rng, kind, prm, tri)
                if opts is None:
                    continue
            break
        else:  # pragma: no cover - the search always succeeds for these ranges
            raise RuntimeError("no triangle found")
        names = list(rng.choice(self.NAMES))
        fig = GridFigure((-8, 8), (-8, 8))
        fig.polyline(tri + [tri[0]], color="#1f3b99", lw=2.2)
        for nm, p in zip(names[:3], tri, strict=True):
            fig.point(nm, p)
        roles = {names[0]: "first vertex of the original triangle", names[1]: "second vertex of the original triangle",
                 names[2]: "third vertex of the original triangle"}
        if mode == "identify":
            fig.polyline(img + [img[0]], color="#b03a2e", lw=2.2, ls="--")
            for nm, p in zip(names[3:], img, strict=True):
                fig.point(nm, p)
            roles.update({names[3]: "first vertex of the image triangle", names[4]: "second vertex of the image triangle",
                          names[5]: "third vertex of the image triangle"})
        code, els = fig.build()
        els = with_roles(els, roles)
        params = {"ask": ask, "mode": mode, "kind": kind, "prm": prm, "names": names[: 6 if mode == "identify" else 3],
                  "vertex": rng.randrange(3), "coord": {"refl_x": "y", "refl_y": "x", "refl_vline": "x"}.get(kind, rng.choice("xy"))}
        choices: tuple[str, ...] = ()
        if mode == "identify":
            choices, _ = make_choices(rng, _describe(kind, prm), opts)
        dr = self.draft(node_ids=covered, render_code=code, question="", answer="", solution="",
                    interactions=(), elements=els, difficulty=d, params=params, choices=choices,
                    answer_type="choice" if mode == "identify" else "number")
        return self._pose(dr)

    @staticmethod
    def _options(rng: random.Random, kind: str, prm: list[int], tri) -> list[str] | None:
        """Three distractor descriptions, none of which also maps the triangle onto its image."""
        img = [_apply(kind, prm, p) for p in tri]
        pool: list[tuple[str, list[int]]] = [(k, []) for k in ("refl_x", "refl_y", "refl_diag", "rot90", "rot90cw", "rot180")]
        c = (img[0][0] - tri[0][0], img[0][1] - tri[0][1])
        pool += [("trans", [c[0], c[1]]), ("trans", [-c[0], -c[1]] if c != (0, 0) else [1, 2])]
        rng.shuffle(pool)
        out = []
        for k, pp in pool:
            if (k, pp) == (kind, prm) or [_apply(k, pp, p) for p in tri] == img:
                continue
            desc = _describe(k, pp)
            if desc not in out and desc != _describe(kind, prm):
                out.append(desc)
        return out[:3] if len(out) >= 3 else None

    def _arrow(self, draft: Draft, vi: int) -> Interaction:
        pr = draft.params
        n = pr["names"][vi]
        e = draft.element(n)
        img = _apply(pr["kind"], pr["prm"], (round(e.x), round(e.y)))
        dm = ix_datamap(draft.points())
        code = (dm + f"_t = _px({num(img[0])}, {num(img[1])})\n"
                f"ax.annotate('', xy=_t, xytext=P['{n}'], arrowprops=dict(arrowstyle='-|>', color='red', lw=2.2, ls='--', mutation_scale=18))\n"
                "ax.plot([_t[0]], [_t[1]], 'o', color='red', ms=7)\n")
        return Interaction("auxiliary_line", f"Draw an arrow from {n} to its image and mark the image point.",
                           interaction_code(code), (n,))

    def _pose(self, draft: Draft) -> Draft:
        pr = draft.params
        names, kind, prm = pr["names"], pr["kind"], pr["prm"]
        a, b, c = names[:3]
        if pr["mode"] == "identify":
            d_, e_, f_ = names[3:]
            correct = _describe(kind, prm)
            answer = choice_letter(draft.choices, correct)
            question = (f"Triangle {d_}{e_}{f_} is the image of triangle {a}{b}{c}, with {a} mapped to {d_}, {b} to {e_} and "
                        f"{c} to {f_}. Which transformation maps {a}{b}{c} onto {d_}{e_}{f_}?")
            solution = (f"Read the vertices from the grid and test each option on them: the {correct} sends every vertex of "
                        f"{a}{b}{c} to the matching vertex of {d_}{e_}{f_}, while each other option misses at least one.")
            code = "".join(f"ax.plot([P['{p}'][0], P['{q}'][0]], [P['{p}'][1], P['{q}'][1]], color='#2ca02c', ls=':', lw=2.2)\n"
                           for p, q in ((a, d_), (b, e_), (c, f_)))
            return draft.replace(question=question, answer=answer, solution=solution, interactions=(
                Interaction("auxiliary_line", f"Join each vertex to its image: {a} to {d_}, {b} to {e_}, {c} to {f_}.",
                            interaction_code(code), (a, b, c, d_, e_, f_)),))
        vi, coord = pr["vertex"], pr["coord"]
        n = names[vi]
        e = draft.element(n)
        p = (round(e.x), round(e.y))
        img = _apply(kind, prm, p)
        i = 0 if coord == "x" else 1
        rule = {"trans": lambda: f"(x, y) → (x + {prm[0]}, y + {prm[1]})", "refl_x": lambda: "(x, y) → (x, −y)",
                "refl_y": lambda: "(x, y) → (−x, y)", "refl_diag": lambda: "(x, y) → (y, x)",
                "refl_vline": lambda: f"(x, y) → (2·{prm[0]} − x, y)", "rot90": lambda: "(x, y) → (−y, x)",
                "rot180": lambda: "(x, y) → (−x, −y)",
                "rot90_about": lambda: "rotate the vector from the centre by 90° and add it back"}[kind]()
        if pr["ask"] == "par_sum":
            m = names[pr["vertex2"]]
            e2 = draft.element(m)
            p2 = (round(e2.x), round(e2.y))
            img2 = _apply(kind, prm, p2)
            j = 1 - i
            val = img[i] + img2[j]
            other = "y" if coord == "x" else "x"
            question = (f"Triangle {a}{b}{c} undergoes a {_describe(kind, prm)}. What is the {coord}-coordinate of the image of "
                        f"{n} plus the {other}-coordinate of the image of {m}?")
            solution = (f"{draft.solution} In the same way {m} = ({p2[0]}, {p2[1]}) goes to ({img2[0]}, {img2[1]}). "
                        f"The sum is {img[i]} + ({img2[j]}) = {val}.")
            return draft.replace(question=question, answer=str(val), solution=solution,
                                 interactions=draft.interactions + (self._arrow(draft, pr["vertex2"]),))
        question = f"Triangle {a}{b}{c} undergoes a {_describe(kind, prm)}. What is the {coord}-coordinate of the image of {n}?"
        solution = f"{n} = ({p[0]}, {p[1]}). The rule is {rule}, so the image of {n} is ({img[0]}, {img[1]}) and its {coord}-coordinate is {img[i]}."
        return draft.replace(question=question, answer=str(img[i]), solution=solution, interactions=(self._arrow(draft, vi),))

    def expand_parallel(self, draft: Draft, rng: random.Random) -> Draft | None:
        """Image of one vertex -> also the image of a second vertex (the other coordinate)."""
        pr = draft.params
        if pr["mode"] != "image" or pr["ask"] == "par_sum":
            return None
        v2 = rng.choice([i for i in range(3) if i != pr["vertex"]])
        new = draft.replace(params=dict(pr, ask="par_sum", vertex2=v2, parent_answer=draft.answer))
        return self._pose(new).replace(variant="par_sum", difficulty=draft.difficulty + 1)

    def rederive(self, draft: Draft) -> str:
        pr = draft.params
        pts = {e.name: (to_frac(e.x, 100), to_frac(e.y, 100)) for e in draft.elements}
        names = pr["names"]
        if pr["mode"] == "identify":
            tri = [pts[n] for n in names[:3]]
            img = [pts[n] for n in names[3:]]
            hits = [o for o in draft.choices if [_apply(*_parse(o), p) for p in tri] == img]
            return choice_letter(draft.choices, hits[0]) if len(hits) == 1 else "?"
        kind, prm = pr["kind"], pr["prm"]
        i = 0 if pr["coord"] == "x" else 1
        val = _apply(kind, prm, pts[names[pr["vertex"]]])[i]
        if pr["ask"] == "par_sum":
            val += _apply(kind, prm, pts[names[pr["vertex2"]]])[1 - i]
        return fmt_frac(val)


# ==============================================================================================
# symmetry of polygons


def _shape(kind: str, rng: random.Random) -> list[tuple[float, float]]:
    """Vertices (counterclockwise) of a polygon of the given kind, roughly of size 2..3."""
    if kind.startswith("regular"):
        n = int(kind[7:])
        t0 = math.pi / 2
        return [(2.6 * math.cos(t0 + 2 * math.pi * i / n), 2.6 * math.sin(t0 + 2 * math.pi * i / n)) for i in range(n)]
    w, h = rng.choice(((5, 3), (5.5, 2.8), (4.6, 3.2)))
    if kind == "rectangle":
        return [(-w / 2, -h / 2), (w / 2, -h / 2), (w / 2, h / 2), (-w / 2, h / 2)]
    if kind == "rhombus":
        return [(0, -h / 1.6), (w / 2, 0), (0, h / 1.6), (-w / 2, 0)]
    if kind == "parallelogram":
        s = 1.3
        return [(-w / 2 - s / 2, -h / 2), (w / 2 - s / 2, -h / 2), (w / 2 + s / 2, h / 2), (-w / 2 + s / 2, h / 2)]
    if kind == "kite":
        return [(0, -3.0), (1.8, 0.8), (0, 2.0), (-1.8, 0.8)]
    if kind == "isosceles_trapezoid":
        return [(-w / 2, -h / 2), (w / 2, -h / 2), (w / 4, h / 2), (-w / 4, h / 2)]
    if kind == "scalene_quad":
        return [(-2.4, -1.6), (2.2, -1.2), (1.4, 1.9), (-1.6, 1.2)]
    raise ValueError(kind)


def _symmetry(pts: list[tuple[float, float]], tol: float = 1e-3) -> tuple[int, int]:
    """(number of lines of symmetry, order of rotational symmetry) of a polygon, measured."""
    n = len(pts)
    cx, cy = sum(p[0] for p in pts) / n, sum(p[1] for p in pts) / n
    scale = max(math.hypot(p[0] - cx, p[1] - cy) for p in pts)

    def same(qs) -> bool:
        return all(min(math.hypot(q[0] - p[0], q[1] - p[1]) for p in pts) < tol * scale for q in qs)

    order = 0
    for k in range(n):
        t = 2 * math.pi * k / n
        c, s = math.cos(t), math.sin(t)
        if same([(cx + (x - cx) * c - (y - cy) * s, cy + (x - cx) * s + (y - cy) * c) for x, y in pts]):
            order += 1
    dirs = []
    cands = list(pts) + [((pts[i][0] + pts[(i + 1) % n][0]) / 2, (pts[i][1] + pts[(i + 1) % n][1]) / 2) for i in range(n)]
    for qx, qy in cands:
        if math.hypot(qx - cx, qy - cy) < 1e-9:
            continue
        a = math.atan2(qy - cy, qx - cx) % math.pi
        if any(min(abs(a - b), math.pi - abs(a - b)) < 1e-6 for b in dirs):
            continue
        c2, s2 = math.cos(2 * a), math.sin(2 * a)
        refl = [(cx + (x - cx) * c2 + (y - cy) * s2, cy + (x - cx) * s2 - (y - cy) * c2) for x, y in pts]
        if same(refl):
            dirs.append(a)
    return len(dirs), order


SHAPE_NAME = {"rectangle": "rectangle", "rhombus": "rhombus", "parallelogram": "parallelogram", "kite": "kite",
              "isosceles_trapezoid": "isosceles trapezoid", "scalene_quad": "quadrilateral"}
REGULAR_NAME = {3: "equilateral triangle", 4: "square", 5: "regular pentagon", 6: "regular hexagon", 8: "regular octagon"}
QUAD_OPTIONS = ("4 lines of symmetry, rotational order 4", "2 lines of symmetry, rotational order 2",
                "0 lines of symmetry, rotational order 2", "1 line of symmetry, rotational order 1",
                "0 lines of symmetry, rotational order 1", "2 lines of symmetry, rotational order 4")


def _quad_desc(lines: int, order: int) -> str:
    return f"{lines} line{'' if lines == 1 else 's'} of symmetry, rotational order {order}"


class PolygonSymmetry(Family):
    """A polygon (regular or a special quadrilateral) with labelled vertices; asks for its number
    of lines of symmetry, its order of rotational symmetry, the smallest rotation angle or, for a
    quadrilateral, the full description (choice)."""

    name = "polygon_symmetry"
    givens = ("kind",)
    domain = DOMAIN
    node_ids = (LINE_SYM, ROT_ORDER, ROT_ANGLE, QUAD_SYM)
    ASKS = {
        "lines": frozenset({LINE_SYM}),
        "order": frozenset({ROT_ORDER}),
        "angle": frozenset({ROT_ANGLE, ROT_ORDER}),
        "quad": frozenset({QUAD_SYM, LINE_SYM, ROT_ORDER}),
    }

    def create(self, rng: random.Random, node_ids, difficulty: int) -> Draft:
        d = clamp_difficulty(difficulty)
        ask, covered = pick_ask(rng, node_ids, self.ASKS, self.node_ids)
        quads = ["rectangle", "rhombus", "parallelogram", "kite", "isosceles_trapezoid", "regular4"]
        regular = [f"regular{n}" for n in (3, 5, 6, 8)] if d > 1 else ["regular3", "regular4", "regular6"]
        if ask == "quad":
            kinds = quads + (["scalene_quad"] if d > 1 else [])
        elif ask == "angle":
            kinds = regular + ["rectangle", "rhombus", "parallelogram"]
        else:
            kinds = regular + quads
        kind = rng.choice(kinds)
        pts = _shape(kind, rng)
        t = rng.uniform(-25, 25) if d == 3 else 0.0
        c, s = math.cos(math.radians(t)), math.sin(math.radians(t))
        pts = [(x * c - y * s, x * s + y * c) for x, y in pts]
        lines, order = _symmetry(pts)
        names = list("ABCDEFGH"[: len(pts)])
        cv = Canvas((4.8, 4.8), (0.03, 0.03, 0.94, 0.94), (-4.2, 4.2), (-4.2, 4.2), font=15)
        cv.ref = (0.0, 0.0)
        poly = pts + [pts[0]]
        cv.code(f"ax.fill([{', '.join(num(p[0]) for p in pts)}], [{', '.join(num(p[1]) for p in pts)}], color='#c6dbef', lw=0)")
        cv.polyline(poly, "color='#08306b', lw=2.4")
        top = max(range(len(pts)), key=lambda i: pts[i][1])
        unique_top = sum(1 for p in pts if abs(p[1] - pts[top][1]) < 1e-6) == 1
        for i, (nm, p) in enumerate(zip(names, pts, strict=True)):
            cv.point(nm, p, "highest vertex" if (i == top and unique_top) else "")
        code, els = cv.build()
        what = "polygon"  # its kind (square, regular pentagon) would give the symmetry away: the figure shows it
        shape = f"{''.join(names)}"
        params = {"ask": ask, "kind": kind, "names": names}
        choices: tuple[str, ...] = ()
        answer_type = "number"
        allv = tuple(names)
        rot_ix = Interaction(
            "auxiliary_line", f"Draw the copy of {shape} turned about its centre by the smallest angle that maps it onto itself.",
            interaction_code("_cx = sum(P[n][0] for n in %r) / %d\n_cy = sum(P[n][1] for n in %r) / %d\n" % (names, len(names), names, len(names))
                             + f"_t = math.radians({360 / order if order > 1 else 360})\n"
                             f"_q = [(_cx + (P[n][0] - _cx) * math.cos(_t) + (P[n][1] - _cy) * math.sin(_t), _cy - (P[n][0] - _cx) * math.sin(_t) + (P[n][1] - _cy) * math.cos(_t)) for n in {names!r}]\n"
                             "ax.plot([q[0] for q in _q + _q[:1]], [q[1] for q in _q + _q[:1]], color='red', ls='--', lw=2.4)\n"
                             "ax.plot([_cx], [_cy], '+', color='red', ms=14, mew=2.5)\n"),
            allv)
        fold_ix = Interaction(
            "auxiliary_line", "Draw every candidate fold line through the centre and a vertex or the midpoint of a side; "
                              "the red ones reflect the figure onto itself.",
            interaction_code(self._folds_code(pts, names)), allv)
        if ask == "lines":
            question = f"How many lines of symmetry does the {what} {shape} have?"
            answer = str(lines)
            solution = (f"A line of symmetry must pass through the centre and reflect every vertex onto a vertex. Testing "
                        f"the lines through the centre and each vertex or side midpoint, exactly {lines} work.")
            inters = (fold_ix,)
        elif ask == "order":
            question = f"What is the order of rotational symmetry of the {what} {shape}?"
            answer = str(order)
            solution = (f"Turning {shape} about its centre, it fits onto itself {order} time{'s' if order > 1 else ''} in one "
                        f"full turn{f' (every {fmt_frac(to_frac(360 / order))}°)' if order > 1 else ' (only the full turn)'}, so the order is {order}.")
            inters = (rot_ix,)
        elif ask == "angle":
            question = f"What is the smallest angle, in degrees, through which the {what} {shape} can be rotated about its centre to fit onto itself?"
            answer = fmt_frac(to_frac(360 / order))
            solution = f"{shape} has rotational symmetry of order {order}, so the smallest such rotation is 360°/{order} = {answer}°."
            inters = (rot_ix,)
        elif ask == "quad":
            correct = _quad_desc(lines, order)
            choices, answer = make_choices(rng, correct, [o for o in QUAD_OPTIONS if o != correct])
            answer_type = "choice"
            question = f"Which description fits the symmetry of the quadrilateral {shape}?"
            solution = (f"Folding tests give {lines} line{'' if lines == 1 else 's'} of symmetry and turning about the centre fits "
                        f"{order} time{'s' if order > 1 else ''} per full turn: {correct}.")
            inters = (fold_ix, rot_ix)
        else:
            raise ValueError(ask)
        return self.draft(node_ids=covered, render_code=code, question=question, answer=answer, solution=solution,
                      interactions=inters, elements=els, difficulty=d, params=params, choices=choices, answer_type=answer_type)

    @staticmethod
    def _folds_code(pts, names) -> str:
        """Pixel code drawing candidate fold lines; the symmetric ones in red."""
        n = len(pts)
        cx, cy = sum(p[0] for p in pts) / n, sum(p[1] for p in pts) / n
        good = []
        out = [f"_N = {names!r}", "_cx = sum(P[k][0] for k in _N) / len(_N)", "_cy = sum(P[k][1] for k in _N) / len(_N)"]
        cand = []
        for i in range(n):
            cand.append(f"P[{names[i]!r}]")
            cand.append(f"((P[{names[i]!r}][0] + P[{names[(i + 1) % n]!r}][0]) / 2, (P[{names[i]!r}][1] + P[{names[(i + 1) % n]!r}][1]) / 2)")
        # which candidates are true axes (data space)
        for i in range(n):
            for q in (pts[i], ((pts[i][0] + pts[(i + 1) % n][0]) / 2, (pts[i][1] + pts[(i + 1) % n][1]) / 2)):
                a = math.atan2(q[1] - cy, q[0] - cx)
                c2, s2 = math.cos(2 * a), math.sin(2 * a)
                refl = [(cx + (x - cx) * c2 + (y - cy) * s2, cy + (x - cx) * s2 - (y - cy) * c2) for x, y in pts]
                good.append(_symmetry_same(pts, refl))
        out.append(f"_C = [{', '.join(cand)}]")
        out.append(f"_G = {good!r}")
        out.append("""for _q, _g in zip(_C, _G):
    _dx, _dy = _q[0] - _cx, _q[1] - _cy
    _n = math.hypot(_dx, _dy) or 1.0
    _L = 1.35 * max(math.hypot(P[k][0] - _cx, P[k][1] - _cy) for k in _N)
    ax.plot([_cx - _L * _dx / _n, _cx + _L * _dx / _n], [_cy - _L * _dy / _n, _cy + _L * _dy / _n],
            color='red' if _g else '#999999', ls='-' if _g else ':', lw=2.4 if _g else 1.6)""")
        return "\n".join(out) + "\n"

    def rederive(self, draft: Draft) -> str:
        names = draft.params["names"]
        pts = [(draft.element(n).x, draft.element(n).y) for n in names]
        lines, order = _symmetry(pts)
        ask = draft.params["ask"]
        if ask == "lines":
            return str(lines)
        if ask == "order":
            return str(order)
        if ask == "angle":
            return fmt_frac(to_frac(360 / order))
        if ask == "quad":
            return choice_letter(draft.choices, _quad_desc(lines, order))
        raise ValueError(f"unknown ask {ask!r}")


def _symmetry_same(pts, qs, tol: float = 1e-3) -> bool:
    n = len(pts)
    cx, cy = sum(p[0] for p in pts) / n, sum(p[1] for p in pts) / n
    scale = max(math.hypot(p[0] - cx, p[1] - cy) for p in pts)
    return all(min(math.hypot(q[0] - p[0], q[1] - p[1]) for p in pts) < tol * scale for q in qs)


FAMILIES = [GridTransformationImage(), PolygonSymmetry()]
