"""Mechanics families: velocity-time graphs, resultant of forces on a grid, and levers.

Graph vertices sit on grid values and force tips on grid points, so :meth:`rederive` reads every
velocity, time and force component back from element coordinates; on the lever, distances to the
pivot are measured from the attachment points (data x in centimetres).
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
    near_rounding_boundary,
    pick_ask,
    to_frac,
)
from pipelines.creators.families._science_kit import Canvas, ix_path, ix_rings

DOMAIN = "physics_mechanics"
_M = DOMAIN + "."
VT_READ = _M + "kinematics.velocity_time_reading"
ACCEL = _M + "kinematics.acceleration_from_gradient"
DISP = _M + "kinematics.displacement_from_area"
AVG_V = _M + "kinematics.average_velocity"
UNIFORM = _M + "kinematics.uniform_motion"
COMPONENTS = _M + "forces.components_on_a_grid"
RESULTANT = _M + "forces.resultant_magnitude"
EQUILIBRIUM = _M + "forces.equilibrium_balancing_force"
NET_FORCE = _M + "forces.net_force_along_an_axis"
MOMENT = _M + "moments.moment_of_a_force"
PRINCIPLE = _M + "moments.principle_of_moments"
NET_MOMENT = _M + "moments.net_moment"
HOOKE = _M + "springs.hookes_law"
SPRING_K = _M + "springs.spring_constant_from_graph"
LIMIT = _M + "springs.limit_of_proportionality"
ENERGY = _M + "springs.elastic_energy_area"

DOT = "color='black', ms=6, clip_on=False"


def _paren(v: int) -> str:
    """A signed term for a written sum: ``3``, ``(-2)``."""
    return f"({v})" if v < 0 else str(v)


# ==============================================================================================
# velocity-time graph


VT_THEMES = ("a cyclist", "a car", "a lift", "a train", "a runner", "a delivery robot")


class VelocityTimeGraph(Family):
    """Piecewise-linear velocity-time graph with labelled vertices; asks for an acceleration
    (gradient), a displacement (area), the total displacement or the part at constant velocity."""

    name = "velocity_time_graph"
    givens = ("t", "v")
    domain = DOMAIN
    node_ids = (VT_READ, ACCEL, DISP, AVG_V, UNIFORM)
    supports = frozenset({"sequential"})
    ASKS = {
        "accel": frozenset({VT_READ, ACCEL}),
        "disp": frozenset({VT_READ, DISP}),
        "total": frozenset({DISP}),
        "uniform": frozenset({VT_READ, UNIFORM}),
        "avg_total": frozenset({DISP, AVG_V}),
    }

    def create(self, rng: random.Random, node_ids, difficulty: int) -> Draft:
        d = clamp_difficulty(difficulty)
        ask, covered = pick_ask(rng, node_ids, self.ASKS, self.node_ids)
        nseg = {1: 3, 2: 4, 3: 5}[d]
        vstep = rng.choice([1, 2, 5] if d < 3 else [2, 4, 5])
        while True:
            durs = [rng.choice([2, 4, 6] if d == 1 else [1, 2, 3, 4, 5, 6]) for _ in range(nseg)]
            if sum(durs) > 20:
                continue
            vs = [0 if rng.random() < 0.6 else rng.randint(1, 3)] + [rng.randint(0, 6) for _ in range(nseg)]
            if rng.random() < 0.5:
                vs[-1] = 0
            flats = [i for i in range(nseg) if vs[i] == vs[i + 1]]
            if ask == "uniform" and not (len(flats) == 1 and vs[flats[0]] > 0):
                continue
            if ask != "uniform" and len(flats) > 1:
                continue
            if max(vs) < 3 or sum(1 for i in range(nseg) if vs[i] != vs[i + 1]) < 2:
                continue
            break
        ts = [0]
        for du in durs:
            ts.append(ts[-1] + du)
        vals = [v * vstep for v in vs]
        names = list("ABCDEF"[: nseg + 1])
        T = ts[-1]
        vmax = vstep * (max(vs) + 1)
        tstep = 1 if T <= 12 else 2
        cv = Canvas((0, T), (0, vmax), size=(5.6, 4.2), rect=(0.13, 0.14, 0.82, 0.8), axis_off=False, font=13)
        cv.setup += [
            f"ax.set_xticks(range(0, {T + 1}, {tstep}))",
            f"ax.set_yticks(range(0, {vmax + 1}, {vstep}))",
            "ax.tick_params(labelsize=10)",
            "ax.grid(True, color='#d0d0d0', lw=0.8)",
            "ax.set_axisbelow(True)",
            "ax.set_xlabel('time (s)', fontsize=11)",
            "ax.set_ylabel('velocity (m/s)', fontsize=11)",
        ]
        theme = rng.randrange(len(VT_THEMES))
        cv.plot(list(zip(ts, vals, strict=True)), "color='#1f3b99', lw=2.4")
        top = max(vals)
        for i, nm in enumerate(names):
            role = "start of the graph" if i == 0 else "end of the graph" if i == nseg else ""
            cv.point(nm, (ts[i], vals[i]), role=role, dot=DOT)
        code, elements = cv.build(label_color="#1f3b99")
        params = {"ask": ask, "theme": theme, "t": ts, "v": vals, "names": names,
                  "axis_px": {"x0": cv.img_px((0, 0))[0], "y0": cv.img_px((0, 0))[1]}}
        if ask in ("accel", "disp"):
            cands = [i for i in range(nseg) if (vals[i] != vals[i + 1]) or ask == "disp"]
            i = rng.choice(cands)
            params["seg"] = [names[i], names[i + 1]]
        elif ask == "uniform":
            i = next(k for k in range(nseg) if vals[k] == vals[k + 1])
            opts = [f"from {names[k]} to {names[k + 1]}" for k in range(nseg)]
            correct = opts[i]
            wrong = [o for o in opts if o != correct] + ["at no time"]
            choices, letter = make_choices(rng, correct, wrong[:3] if nseg >= 4 else wrong)
            params["choices"] = list(choices)
        draft = self.draft(node_ids=covered, question="", answer="", solution="", interactions=(),
                           elements=elements, render_code=code, difficulty=d, params=params)
        if ask == "uniform":
            draft = draft.replace(answer_type="choice", choices=choices, answer=letter)
        return self._pose(draft)

    @staticmethod
    def _area_ix(draft: Draft, a: str, b: str) -> Interaction:
        """Shade the area under the graph between vertices a and b (through every vertex between)."""
        names = draft.params["names"]
        run = names[names.index(a): names.index(b) + 1]
        y0 = draft.params["axis_px"]["y0"]
        xs = ", ".join(f"P[{n!r}][0]" for n in run) + f", P[{b!r}][0], P[{a!r}][0]"
        ys = ", ".join(f"P[{n!r}][1]" for n in run) + f", {y0}, {y0}"
        code = interaction_code(f"ax.fill([{xs}], [{ys}], color='#fdae6b', alpha=0.6, lw=0)\n" + ix_path(run, lw=3))
        return Interaction("shade", f"Shade the area under the graph from {a} to {b}.", code, (a, b))

    def _pose(self, draft: Draft) -> Draft:
        pr = draft.params
        ask, names, ts, vs = pr["ask"], pr["names"], pr["t"], pr["v"]
        who = VT_THEMES[pr["theme"]]
        idx = {nm: i for i, nm in enumerate(names)}
        x0 = pr["axis_px"]["x0"]
        if ask in ("accel", "disp", "avg_seg"):
            a, b = pr["seg"]
            i, j = idx[a], idx[b]
            dt, dv = ts[j] - ts[i], vs[j] - vs[i]
            read = (f"At {a} the time is {ts[i]} s and the velocity {vs[i]} m/s; at {b} they are {ts[j]} s and {vs[j]} m/s")
            area = Fraction(vs[i] + vs[j], 2) * dt
            if ask == "accel":
                acc = Fraction(dv, dt)
                question = (f"The graph shows the velocity of {who}. What is its acceleration between {a} and {b}, in "
                            f"metres per second squared? Give a deceleration as a negative number. {fraction_note()}")
                solution = f"{read}. The gradient is ({vs[j]} − {vs[i]})/({ts[j]} − {ts[i]}) = {dv}/{dt} = {fmt_frac(acc)} m/s²."
                ix = Interaction("auxiliary_line", f"Draw the rise and run of the segment from {a} to {b}.",
                                 interaction_code(f"ax.plot([P[{a!r}][0], P[{b!r}][0], P[{b!r}][0]], [P[{a!r}][1], P[{a!r}][1], P[{b!r}][1]], "
                                                  "color='red', ls='--', lw=2)\n" + ix_rings([a, b], r=10)), (a, b))
                return draft.replace(question=question, answer=fmt_frac(acc), solution=solution, interactions=(ix,))
            if ask == "disp":
                question = (f"The graph shows the velocity of {who}. How far, in metres, does it travel between {a} and {b}? "
                            f"{fraction_note()}")
                solution = (f"{read}. The distance is the area under the graph: a trapezium of width {dt} s with parallel "
                            f"sides {vs[i]} and {vs[j]} m/s, area ({vs[i]} + {vs[j]})/2 × {dt} = {fmt_frac(area)} m.")
                return draft.replace(question=question, answer=fmt_frac(area), solution=solution,
                                     interactions=(self._area_ix(draft, a, b),))
            avg = area / dt
            question = (f"The graph shows the velocity of {who}. What is its average velocity between {a} and {b}, in "
                        f"metres per second? {fraction_note()}")
            solution = f"{draft.solution} Dividing by the {dt} s taken: {fmt_frac(area)}/{dt} = {fmt_frac(avg)} m/s."
            ix = Interaction("auxiliary_line", f"Mark the time interval from {a} to {b} on the time axis.",
                             interaction_code(ix_rings([a, b], color="blue", r=15)), (a, b))
            return draft.replace(question=question, answer=fmt_frac(avg), solution=solution,
                                 interactions=draft.interactions + (ix,))
        total = sum(Fraction(vs[k] + vs[k + 1], 2) * (ts[k + 1] - ts[k]) for k in range(len(ts) - 1))
        pieces = " + ".join(f"{fmt_frac(Fraction(vs[k] + vs[k + 1], 2) * (ts[k + 1] - ts[k]))}" for k in range(len(ts) - 1))
        first, last = names[0], names[-1]
        if ask in ("total", "avg_total"):
            if ask == "total":
                question = (f"The graph shows the velocity of {who} from {first} to {last}. What is the total distance it "
                            f"travels, in metres? {fraction_note()}")
                solution = (f"Split the area under the graph at the vertices into trapeziums and triangles: {pieces} = "
                            f"{fmt_frac(total)} m.")
                return draft.replace(question=question, answer=fmt_frac(total), solution=solution,
                                     interactions=(self._area_ix(draft, first, names[1]), self._area_ix(draft, names[1], last)))
            avg = total / ts[-1]
            question = (f"The graph shows the velocity of {who} from {first} to {last}. What is its average velocity over "
                        f"the whole journey, in metres per second? {fraction_note()}")
            if pr.get("parent_answer"):
                solution = f"{draft.solution} Over the {ts[-1]} s this is {fmt_frac(total)}/{ts[-1]} = {fmt_frac(avg)} m/s."
                inters = draft.interactions + (Interaction("highlight", f"Highlight the whole journey from {first} to {last}.",
                                                           interaction_code(ix_rings([first, last], color="blue", r=15)), (first, last)),)
            else:
                solution = (f"The distance is the area under the graph: {pieces} = {fmt_frac(total)} m. Dividing by the "
                            f"{ts[-1]} s taken gives {fmt_frac(avg)} m/s.")
                inters = (self._area_ix(draft, first, last),)
            return draft.replace(question=question, answer=fmt_frac(avg), solution=solution, interactions=inters)
        if ask == "uniform":
            question = f"The graph shows the velocity of {who}. During which part is it moving at a constant, nonzero velocity?"
            k = next(k for k in range(len(ts) - 1) if vs[k] == vs[k + 1])
            solution = (f"Constant velocity is a horizontal segment above the time axis. Only the segment from {names[k]} "
                        f"to {names[k + 1]} is horizontal, at {vs[k]} m/s.")
            ix = Interaction("highlight", f"Highlight the horizontal segment from {names[k]} to {names[k + 1]}.",
                             interaction_code(ix_path([names[k], names[k + 1]], lw=5)
                                              + f"ax.plot([{x0}, P[{names[k]!r}][0]], [P[{names[k]!r}][1], P[{names[k]!r}][1]], color='red', ls='--', lw=1.8)\n"),
                             (names[k], names[k + 1]))
            return draft.replace(question=question, solution=solution, interactions=(ix,))
        raise ValueError(ask)

    def expand_sequential(self, draft: Draft, rng: random.Random) -> Draft | None:
        """distance between two vertices -> average velocity there; total distance -> average
        velocity over the journey."""
        nxt = {"disp": "avg_seg", "total": "avg_total"}.get(draft.params["ask"])
        if nxt is None:
            return None
        new = self._pose(draft.replace(params=dict(draft.params, ask=nxt, parent_answer=draft.answer)))
        return new.replace(variant=f"seq_{nxt}", difficulty=draft.difficulty + 1)

    def rederive(self, draft: Draft) -> str:
        pts = sorted(((to_frac(e.x, 10), to_frac(e.y, 10), e.name) for e in draft.elements))
        at = {nm: (t, v) for t, v, nm in pts}
        ask = draft.params["ask"]

        def area(lo, hi):
            return sum((pts[k][1] + pts[k + 1][1]) / 2 * (pts[k + 1][0] - pts[k][0])
                       for k in range(len(pts) - 1) if lo <= pts[k][0] and pts[k + 1][0] <= hi)

        if ask in ("accel", "disp", "avg_seg"):
            (t1, v1), (t2, v2) = at[draft.params["seg"][0]], at[draft.params["seg"][1]]
            if ask == "accel":
                return fmt_frac((v2 - v1) / (t2 - t1))
            return fmt_frac(area(t1, t2) / ((t2 - t1) if ask == "avg_seg" else 1))
        if ask == "total":
            return fmt_frac(area(pts[0][0], pts[-1][0]))
        if ask == "avg_total":
            return fmt_frac(area(pts[0][0], pts[-1][0]) / (pts[-1][0] - pts[0][0]))
        if ask == "uniform":
            flat = [k for k in range(len(pts) - 1) if pts[k][1] == pts[k + 1][1] and pts[k][1] > 0]
            opt = f"from {pts[flat[0]][2]} to {pts[flat[0] + 1][2]}" if len(flat) == 1 else "at no time"
            return choice_letter(draft.choices, opt)
        raise ValueError(f"unknown ask {ask!r}")


# ==============================================================================================
# forces on a grid: components, resultant, equilibrium


FORCE_NAMES = ("P", "Q", "R")
FORCE_COLORS = ("#d62728", "#1f77b4", "#2ca02c")


class ForceResultant(Family):
    """Two or three forces drawn as arrows from a point O on a square grid (one square is one
    newton); asks for the net force along an axis, the resultant's size, or a balancing force."""

    name = "force_resultant"
    givens = ("vecs",)
    domain = DOMAIN
    node_ids = (COMPONENTS, NET_FORCE, RESULTANT, EQUILIBRIUM)
    supports = frozenset({"sequential"})
    ASKS = {
        "net_x": frozenset({COMPONENTS, NET_FORCE}),
        "net_y": frozenset({COMPONENTS, NET_FORCE}),
        "magnitude": frozenset({COMPONENTS, RESULTANT}),
        "balance_y": frozenset({COMPONENTS, EQUILIBRIUM}),
    }

    def create(self, rng: random.Random, node_ids, difficulty: int) -> Draft:
        d = clamp_difficulty(difficulty)
        ask, covered = pick_ask(rng, node_ids, self.ASKS, self.node_ids)
        k = 2 if d == 1 else 3
        while True:
            vecs = []
            for _ in range(k):
                x, y = rng.randint(-5, 5), rng.randint(-5, 5)
                if x * x + y * y >= 5:
                    vecs.append((x, y))
            if len(vecs) < k or len(set(vecs)) < k:
                continue
            ang = sorted(math.atan2(y, x) for x, y in vecs)
            gaps = [b - a for a, b in zip(ang, ang[1:] + [ang[0] + 2 * math.pi], strict=True)]
            if min(gaps) < math.radians(25):
                continue  # arrows well apart so their labels do not crowd
            sx, sy = sum(v[0] for v in vecs), sum(v[1] for v in vecs)
            mag = math.hypot(sx, sy)
            if ask in ("magnitude",) and (mag < 1 or (mag != int(mag) and near_rounding_boundary(mag, 1))):
                continue
            if ask == "net_x" and sx == 0 or ask in ("net_y", "balance_y") and sy == 0:
                continue
            if max(abs(sx), abs(sy)) > 6:
                continue  # the resultant (and the balancing force, its opposite) must fit on the grid
            break
        cv = Canvas((-6.6, 6.6), (-6.6, 6.6), size=(4.8, 4.8), rect=(0.02, 0.02, 0.96, 0.96), font=14)
        cv.raw("for _i in range(-6, 7):\n"
               "    ax.plot([_i, _i], [-6, 6], color='#dddddd', lw=0.8, zorder=0)\n"
               "    ax.plot([-6, 6], [_i, _i], color='#dddddd', lw=0.8, zorder=0)")
        cv.raw("ax.add_patch(plt.Rectangle((-6.45, 5.75), 6.2, 0.75, color='white', zorder=3))")
        cv.text(-6.3, 6.12, "1 square = 1 newton", size=11, ha="left", extra="zorder=4")
        cv.point("O", (0, 0), role="point where the forces act", dot="color='black', ms=9")
        for i, (x, y) in enumerate(vecs):
            cv.raw(f"ax.arrow(0, 0, {x}, {y}, length_includes_head=True, head_width=0.38, head_length=0.6, "
                   f"color='{FORCE_COLORS[i]}', lw=2.2, zorder=5)")
            cv.avoid([(0, 0), (x, y)])
            cv.point(FORCE_NAMES[i], (x, y), role=f"tip of the {['first', 'second', 'third'][i]} force arrow",
                     dot=f"color='{FORCE_COLORS[i]}', ms=4")
        code, elements = cv.build()
        params = {"ask": ask, "vecs": [list(v) for v in vecs], "names": list(FORCE_NAMES[:k])}
        draft = self.draft(node_ids=covered, question="", answer="", solution="", interactions=(),
                           elements=elements, render_code=code, difficulty=d, params=params)
        return self._pose(draft)

    @staticmethod
    def _components_ix(names) -> Interaction:
        snippet = "".join(f"ax.plot([P['O'][0], P[{n!r}][0], P[{n!r}][0]], [P['O'][1], P['O'][1], P[{n!r}][1]], "
                          "color='#9467bd', ls='--', lw=2)\n" for n in names)
        return Interaction("auxiliary_line", "Draw the horizontal and vertical components of each force arrow.",
                           interaction_code(snippet), tuple(["O"] + list(names)))

    def _pose(self, draft: Draft) -> Draft:
        pr = draft.params
        ask, names, vecs = pr["ask"], pr["names"], pr["vecs"]
        sx, sy = sum(v[0] for v in vecs), sum(v[1] for v in vecs)
        listed = ", ".join(names[:-1]) + f" and {names[-1]}"
        comps = "; ".join(f"{n}: ({x}, {y})" for n, (x, y) in zip(names, vecs, strict=True))
        read = f"Counting squares from O, the forces have components (right, up) {comps}"
        forces = f"The forces O{names[0]}" + "".join(f", O{n}" for n in names[1:-1]) + f" and O{names[-1]} act on O"
        if ask in ("net_x", "net_y"):
            axis, val = ("horizontal", sx) if ask == "net_x" else ("vertical", sy)
            pos = "right" if ask == "net_x" else "up"
            question = (f"{forces}. What is the {axis} component of their resultant, in newtons? Count {pos} as "
                        "positive.")
            solution = (f"{read}. Adding the {axis} components: "
                        f"{' + '.join(_paren(v[0 if ask == 'net_x' else 1]) for v in vecs)} = {val} newtons.")
            return draft.replace(question=question, answer=str(val), solution=solution,
                                 interactions=(self._components_ix(names),))
        mag = math.hypot(sx, sy)
        ans = str(int(mag)) if mag == int(mag) else fmt_dec(mag, 1)
        if ask in ("magnitude", "seq_magnitude"):
            question = (f"{forces}. What is the size of their resultant, in newtons? Round to one decimal place "
                        "if it is not a whole number.")
            resultant = Interaction("auxiliary_line", "Draw the resultant from O by chaining the force arrows tip to tail.",
                                    interaction_code(f"_sx = sum(P[n][0] - P['O'][0] for n in {names!r})\n"
                                                     f"_sy = sum(P[n][1] - P['O'][1] for n in {names!r})\n"
                                                     "ax.plot([P['O'][0], P['O'][0] + _sx], [P['O'][1], P['O'][1] + _sy], color='black', lw=3)\n"
                                                     "ax.plot([P['O'][0] + _sx], [P['O'][1] + _sy], 'o', color='black', ms=7)\n"), ("O",))
            if ask == "magnitude":
                solution = (f"{read}. The resultant is ({sx}, {sy}), of size √({_paren(sx)}² + {_paren(sy)}²) = √{sx * sx + sy * sy} ≈ {ans} "
                            "newtons.")
                return draft.replace(question=question, answer=ans, solution=solution,
                                     interactions=(self._components_ix(names), resultant))
            solution = f"{draft.solution} The other component is {sy if pr['parent'] == 'net_x' else sx}, so the size is √({_paren(sx)}² + {_paren(sy)}²) ≈ {ans} newtons."
            return draft.replace(question=question, answer=ans, solution=solution,
                                 interactions=draft.interactions + (resultant,))
        if ask in ("balance_y", "seq_balance_size"):
            if ask == "balance_y":
                question = (f"{forces}. One more force is added so that O stays in equilibrium. What is the vertical "
                            "component of that force, in newtons? Count up as positive.")
                solution = (f"{read}. The vertical components add to {sy}, so the balancing force must have vertical "
                            f"component {-sy} newtons.")
                return draft.replace(question=question, answer=str(-sy), solution=solution,
                                     interactions=(self._components_ix(names),))
            question = (f"{forces}. One more force is added so that O stays in equilibrium. What is the size of that "
                        "force, in newtons? Round to one decimal place if it is not a whole number.")
            solution = (f"{draft.solution} Its horizontal component is {-sx}, so its size is √({_paren(sx)}² + {_paren(sy)}²) ≈ {ans} "
                        "newtons (equal to the resultant, opposite in direction).")
            ix = Interaction("auxiliary_line", "Draw the balancing force from O, opposite to the resultant.",
                             interaction_code(f"_sx = sum(P[n][0] - P['O'][0] for n in {names!r})\n"
                                              f"_sy = sum(P[n][1] - P['O'][1] for n in {names!r})\n"
                                              "ax.plot([P['O'][0], P['O'][0] - _sx], [P['O'][1], P['O'][1] - _sy], color='black', lw=2.5, ls='--')\n"),
                             ("O",))
            return draft.replace(question=question, answer=ans, solution=solution, interactions=draft.interactions + (ix,))
        raise ValueError(ask)

    def expand_sequential(self, draft: Draft, rng: random.Random) -> Draft | None:
        """net force along one axis -> size of the resultant; balancing component -> size of the
        balancing force."""
        ask = draft.params["ask"]
        nxt = {"net_x": "seq_magnitude", "net_y": "seq_magnitude", "balance_y": "seq_balance_size"}.get(ask)
        if nxt is None:
            return None
        vecs = draft.params["vecs"]
        mag = math.hypot(sum(v[0] for v in vecs), sum(v[1] for v in vecs))
        if mag != int(mag) and near_rounding_boundary(mag, 1):
            return None
        new = self._pose(draft.replace(params=dict(draft.params, ask=nxt, parent=ask, parent_answer=draft.answer)))
        return new.replace(variant=nxt, difficulty=draft.difficulty + 1)

    def rederive(self, draft: Draft) -> str:
        pts = draft.points()
        ox, oy = pts["O"]
        comps = [(round(pts[n][0] - ox), round(pts[n][1] - oy)) for n in draft.params["names"]]
        sx, sy = sum(c[0] for c in comps), sum(c[1] for c in comps)
        ask = draft.params["ask"]
        if ask == "net_x":
            return str(sx)
        if ask == "net_y":
            return str(sy)
        if ask == "balance_y":
            return str(-sy)
        if ask in ("magnitude", "seq_magnitude", "seq_balance_size"):
            m2 = sx * sx + sy * sy
            r = math.isqrt(m2)
            return str(r) if r * r == m2 else fmt_dec(math.sqrt(m2), 1)
        raise ValueError(f"unknown ask {ask!r}")


# ==============================================================================================
# lever: moments about a pivot


LEVER_THEMES = ("a metre rule balanced on a pivot", "a seesaw plank", "a uniform beam on a pivot")


class LeverBalance(Family):
    """A light beam on a pivot O with loads hanging at marked points; asks for a moment, the
    unknown load that balances the beam, or the net turning moment."""

    name = "lever_balance"
    givens = ("pos", "loads")
    domain = DOMAIN
    node_ids = (MOMENT, PRINCIPLE, NET_MOMENT)
    ASKS = {
        "moment": frozenset({MOMENT}),
        "missing": frozenset({MOMENT, PRINCIPLE}),
        "net": frozenset({MOMENT, NET_MOMENT}),
    }

    def create(self, rng: random.Random, node_ids, difficulty: int) -> Draft:
        d = clamp_difficulty(difficulty)
        ask, covered = pick_ask(rng, node_ids, self.ASKS, self.node_ids)
        pivot = rng.choice([40, 50, 60])
        while True:
            nleft = 1 if d == 1 else rng.choice([1, 2])
            nright = 1 if d < 3 else 2
            if nleft + nright == 2 and d == 3:
                nright = 2
            left = sorted(rng.sample(range(0, pivot, 10), nleft))
            right = sorted(rng.sample(range(pivot + 10, 101, 10), nright))
            loads = [rng.choice(range(5, 65, 5)) for _ in range(nleft + nright)]
            pos = left + right
            mom = [(p - pivot) * f for p, f in zip(pos, loads, strict=True)]  # clockwise positive (N cm)
            if ask == "missing":
                # the last right load is unknown: it balances the rest exactly, as a whole number
                rest = -sum(mom[:-1])
                arm = pos[-1] - pivot
                if rest <= 0 or rest % arm or not 1 <= rest // arm <= 120:
                    continue
                loads[-1] = rest // arm
                mom[-1] = rest
            elif ask == "net" and sum(mom) == 0:
                continue
            break
        names = ["A", "B", "C", "D"][: len(pos)]
        cv = Canvas((-8, 108), (-42, 16), size=(5.8, 3.0), rect=(0.02, 0.03, 0.96, 0.94), font=13)
        cv.raw("ax.add_patch(plt.Rectangle((0, -1.6), 100, 3.2, color='#c8a165', ec='black', lw=1.2, zorder=3))")
        cv.avoid_box(0, -1.6, 100, 1.6)
        for x in range(0, 101, 10):
            cv.plot([(x, 1.6), (x, 4.2)], "color='black', lw=1", avoid=False)
            cv.text(x, 7.2, str(x), size=8)
        cv.text(50, 12.5, "scale in centimetres", size=9)
        cv.raw(f"ax.fill([{pivot}, {pivot - 4}, {pivot + 4}], [-1.6, -12, -12], color='#555555', zorder=2)")
        cv.avoid_box(pivot - 4, -12, pivot + 4, -1.6)
        cv.point("O", (pivot, 0), role="pivot", dot="color='black', ms=7", ref=(pivot, 10), label="none")
        cv.text(pivot, -16, "O", size=13)
        unknown = len(pos) - 1 if ask == "missing" else -1
        for i, (p, f) in enumerate(zip(pos, loads, strict=True)):
            depth = -22 - 8 * (i % 2)
            cv.plot([(p, -1.6), (p, depth)], "color='black', lw=1.2")
            cv.raw(f"ax.add_patch(plt.Rectangle(({p - 4.5}, {depth - 7}), 9, 7, color='#8fa8c8', ec='black', lw=1, zorder=3))")
            cv.text(p, depth - 3.5, "?" if i == unknown else f"{f} N", size=9 if i != unknown else 12, extra="zorder=4")
            cv.point(names[i], (p, 0), role=f"hook of the {['first', 'second', 'third', 'fourth'][i]} load",
                     dot="color='black', ms=5", ref=(p, -10))
        code, elements = cv.build()
        params = {"ask": ask, "pivot": pivot, "pos": pos, "loads": loads, "names": names,
                  "theme": rng.randrange(len(LEVER_THEMES))}
        if ask == "moment":
            params["which"] = rng.choice(names)
        draft = self.draft(node_ids=covered, question="", answer="", solution="", interactions=(),
                           elements=elements, render_code=code, difficulty=d, params=params)
        return self._pose(draft)

    def _pose(self, draft: Draft) -> Draft:
        pr = draft.params
        ask, pivot, pos, loads, names = pr["ask"], pr["pivot"], pr["pos"], pr["loads"], pr["names"]
        what = LEVER_THEMES[pr["theme"]]
        arms = [p - pivot for p in pos]
        ix = Interaction("auxiliary_line", "Draw each load's distance to the pivot O along the beam.",
                         interaction_code("".join(f"ax.plot([P['O'][0], P[{n!r}][0]], [P['O'][1] - 14 - 6 * {i}, P['O'][1] - 14 - 6 * {i}], "
                                                  "color='red', lw=2)\n" for i, n in enumerate(names)) + ix_rings(["O"], r=9)),
                         tuple(["O"] + names))
        if ask == "moment":
            w = pr["which"]
            i = names.index(w)
            m = Fraction(loads[i] * abs(arms[i]), 100)
            question = (f"The figure shows {what}, with loads hanging from the beam. What is the moment of the load at {w} "
                        f"about the pivot O, in newton metres? {fraction_note()}")
            solution = (f"The load at {w} is {loads[i]} N and hangs at the {pos[i]} cm mark; the pivot is at {pivot} cm, "
                        f"so the distance is {abs(arms[i])} cm = {fmt_frac(Fraction(abs(arms[i]), 100))} m. The moment is "
                        f"{loads[i]} × {fmt_frac(Fraction(abs(arms[i]), 100))} = {fmt_frac(m)} N m.")
            return draft.replace(question=question, answer=fmt_frac(m), solution=solution, interactions=(ix,))
        terms = "; ".join(f"{n}: {loads[i]} N × {abs(arms[i])} cm {'clockwise' if arms[i] > 0 else 'anticlockwise'}"
                          for i, n in enumerate(names))
        if ask == "missing":
            u = names[-1]
            question = (f"The figure shows {what}, balanced and at rest. What is the unknown load at {u}, in newtons?")
            known = "; ".join(f"{n}: {loads[i]} × {abs(arms[i])}" for i, n in enumerate(names[:-1]))
            rest = -sum(loads[i] * arms[i] for i in range(len(names) - 1))
            solution = (f"Balanced means clockwise moments equal anticlockwise moments about O (at {pivot} cm). Known "
                        f"moments in N cm ({known}) leave {rest} N cm for {u}, which hangs {arms[-1]} cm from O, so the "
                        f"load is {rest}/{arms[-1]} = {loads[-1]} N.")
            return draft.replace(question=question, answer=str(loads[-1]), solution=solution, interactions=(ix,))
        if ask == "net":
            net = Fraction(sum(loads[i] * arms[i] for i in range(len(names))), 100)
            question = (f"The figure shows {what}, held still and then released. What is the clockwise moment minus the "
                        f"anticlockwise moment about the pivot O, in newton metres? {fraction_note()}")
            solution = (f"Moments about O at {pivot} cm ({terms}) give a net clockwise moment of "
                        f"{sum(loads[i] * arms[i] for i in range(len(names)))} N cm = {fmt_frac(net)} N m.")
            return draft.replace(question=question, answer=fmt_frac(net), solution=solution, interactions=(ix,))
        raise ValueError(ask)

    def rederive(self, draft: Draft) -> str:
        pts = draft.points()
        pr = draft.params
        ox = pts["O"][0]
        arms = {n: round(pts[n][0] - ox) for n in pr["names"]}  # centimetres, clockwise side positive
        load = dict(zip(pr["names"], pr["loads"], strict=True))
        ask = pr["ask"]
        if ask == "moment":
            return fmt_frac(Fraction(load[pr["which"]] * abs(arms[pr["which"]]), 100))
        if ask == "missing":
            u = pr["names"][-1]
            return fmt_frac(Fraction(-sum(load[n] * arms[n] for n in pr["names"] if n != u), arms[u]))
        if ask == "net":
            return fmt_frac(Fraction(sum(load[n] * arms[n] for n in pr["names"]), 100))
        raise ValueError(f"unknown ask {ask!r}")


# ==============================================================================================
# springs: force-extension graph


class SpringExtensionGraph(Family):
    """Force-extension graph of a spring: a straight line through the origin up to the limit of
    proportionality L, then a flattening curve; asks for the spring constant, the extension under
    a load, the force at the limit, or the elastic energy stored at point P."""

    name = "spring_extension_graph"
    givens = (ELEMENTS,)
    domain = DOMAIN
    node_ids = (HOOKE, SPRING_K, LIMIT, ENERGY)
    ASKS = {
        "constant": frozenset({HOOKE, SPRING_K}),
        "extension": frozenset({HOOKE}),
        "limit": frozenset({HOOKE, LIMIT}),
        "energy": frozenset({SPRING_K, ENERGY}),
    }

    def create(self, rng: random.Random, node_ids, difficulty: int) -> Draft:
        d = clamp_difficulty(difficulty)
        ask, covered = pick_ask(rng, node_ids, self.ASKS, self.node_ids)
        k = rng.choice([Fraction(1, 2), Fraction(1), Fraction(2), Fraction(5, 2), Fraction(4), Fraction(5)])  # newtons per cm
        xl = rng.choice([4, 6, 8, 10])
        fl = k * xl
        while fl.denominator != 1:
            xl += 2
            fl = k * xl
        xmax = xl + rng.choice([3, 4, 5])
        fstep = max(1, int(fl) // 8)
        fstep = min((s for s in (1, 2, 5, 10) if s >= fstep), default=10)
        ymax = int(math.ceil(float(fl) * 1.35 / fstep) * fstep)
        xp = rng.choice([x for x in range(2, xl) if (k * x).denominator == 1])
        fp = k * xp
        cv = Canvas((0, xmax), (0, ymax), size=(5.6, 4.2), rect=(0.13, 0.14, 0.82, 0.8), axis_off=False, font=13)
        cv.setup += [
            f"ax.set_xticks(range(0, {xmax + 1}))",
            f"ax.set_yticks(range(0, {ymax + 1}, {fstep}))",
            "ax.tick_params(labelsize=9)",
            "ax.grid(True, color='#d0d0d0', lw=0.8)",
            "ax.set_axisbelow(True)",
            "ax.set_xlabel('extension (cm)', fontsize=11)",
            "ax.set_ylabel('force (N)', fontsize=11)",
        ]
        # beyond L the curve bends over: slope falls off smoothly from k
        tail = [(xl + t * (xmax - xl) / 10, float(fl) + float(k) * (xmax - xl) * (t / 10 - 0.45 * (t / 10) ** 2)) for t in range(11)]
        cv.plot([(0, 0), (xl, float(fl))] + tail[1:], "color='#1f3b99', lw=2.4")
        cv.point("P", (xp, float(fp)), role="marked point on the straight part", dot="color='black', ms=6")
        cv.point("L", (xl, float(fl)), role="end of the straight part", dot="color='#d62728', ms=7")
        code, elements = cv.build(label_color="#1f3b99")
        params = {"ask": ask, "k": str(k), "xl": xl, "xp": xp, "fp": str(fp),
                  "origin_px": list(cv.img_px((0, 0)))}
        if ask == "extension":
            xs = [x for x in range(1, xl) if (k * x).denominator == 1 and x != xp]
            params["x_ask"] = rng.choice(xs or [xp])
            params["f_ask"] = str(k * params["x_ask"])  # the force stated in the question
        draft = self.draft(node_ids=covered, question="", answer="", solution="", interactions=(),
                           elements=elements, render_code=code, difficulty=d, params=params)
        return self._pose(draft)

    def _pose(self, draft: Draft) -> Draft:
        pr = draft.params
        ask, k, xl, xp, fp = pr["ask"], Fraction(pr["k"]), pr["xl"], pr["xp"], Fraction(pr["fp"])
        ox, oy = pr["origin_px"]
        intro = "The graph shows the force stretching a spring against its extension."
        read_p = f"Point P on the straight part is at {xp} cm and {fmt_frac(fp)} N"
        lines_p = Interaction("auxiliary_line", "Draw reading lines from P to both axes.",
                              interaction_code(f"ax.plot([{ox}, P['P'][0], P['P'][0]], [P['P'][1], P['P'][1], {oy}], color='red', ls='--', lw=1.8)\n"),
                              ("P",))
        if ask == "constant":
            kn = k * 100
            question = f"{intro} What is the spring constant, in newtons per metre? {fraction_note()}"
            sol = f"{read_p}, so the gradient is {fmt_frac(fp)}/{xp} = {fmt_frac(k)} N per cm = {fmt_frac(kn)} N per metre."
            return draft.replace(question=question, answer=fmt_frac(kn), solution=sol, interactions=(lines_p,))
        if ask == "extension":
            x = pr["x_ask"]
            f = k * x
            question = f"{intro} What is the extension of the spring, in centimetres, when it is stretched by a force of {fmt_frac(f)} newtons? {fraction_note()}"
            sol = f"{read_p}, so the spring stretches {fmt_frac(k)} N per cm on the straight part; {fmt_frac(f)} N gives {fmt_frac(f)} ÷ {fmt_frac(k) if k.denominator == 1 else '(' + fmt_frac(k) + ')'} = {x} cm."
            return draft.replace(question=question, answer=str(x), solution=sol, interactions=(lines_p,))
        if ask == "limit":
            question = f"{intro} Up to what force, in newtons, does the spring obey Hooke's law?"
            sol = (f"Hooke's law holds while the graph is a straight line through the origin. The straight part ends at L, "
                   f"at {xl} cm and {fmt_frac(k * xl)} N.")
            ix = Interaction("highlight", "Highlight the straight part of the graph from the origin to L.",
                             interaction_code(f"ax.plot([{ox}, P['L'][0]], [{oy}, P['L'][1]], color='orange', lw=5, alpha=0.7)\n"
                                              + ix_rings(["L"], r=11)), ("L",))
            return draft.replace(question=question, answer=fmt_frac(k * xl), solution=sol, interactions=(ix,))
        if ask == "energy":
            e = fp * Fraction(xp, 100) / 2
            question = f"{intro} How much elastic energy, in joules, is stored in the spring at point P? {fraction_note()}"
            sol = (f"{read_p}. The energy is the area of the triangle under the graph up to P: 1/2 × {fmt_frac(fp)} N × "
                   f"{fmt_frac(Fraction(xp, 100))} m = {fmt_frac(e)} J.")
            ix = Interaction("shade", "Shade the triangle under the graph up to P.",
                             interaction_code(f"ax.fill([{ox}, P['P'][0], P['P'][0]], [{oy}, P['P'][1], {oy}], color='#fdae6b', alpha=0.6, lw=0)\n"),
                             ("P",))
            return draft.replace(question=question, answer=fmt_frac(e), solution=sol, interactions=(ix,))
        raise ValueError(ask)

    def rederive(self, draft: Draft) -> str:
        p = {e.name: (to_frac(e.x, 10), to_frac(e.y, 10)) for e in draft.elements}
        k = p["P"][1] / p["P"][0]
        if p["L"][1] / p["L"][0] != k:
            raise ValueError("P and L are not on one straight line through the origin")
        ask = draft.params["ask"]
        if ask == "constant":
            return fmt_frac(k * 100)
        if ask == "extension":
            return fmt_frac(Fraction(draft.params["f_ask"]) / k)
        if ask == "limit":
            return fmt_frac(p["L"][1])
        if ask == "energy":
            return fmt_frac(p["P"][1] * p["P"][0] / 200)
        raise ValueError(f"unknown ask {ask!r}")


FAMILIES = [VelocityTimeGraph(), ForceResultant(), LeverBalance(), SpringExtensionGraph()]
