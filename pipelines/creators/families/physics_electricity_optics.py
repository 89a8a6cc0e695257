"""Electricity and optics families: resistor networks with labelled nodes, and reflection of rays
in plane mirrors.

A network's answer is computed from series/parallel formulas at creation and re-derived by nodal
analysis (Kirchhoff's current law solved as a linear system) over the drawn nodes; ray angles are
measured from the element coordinates of the ray ends and the point of incidence.
"""

from __future__ import annotations

import math
import random
from fractions import Fraction

import numpy as np

from pipelines.creators.base import Draft, Family, Interaction
from pipelines.creators.common import (
    angle_at,
    choice_letter,
    clamp_difficulty,
    fmt_frac,
    fraction_note,
    interaction_code,
    ix_angle_arc,
    ix_segment,
    make_choices,
    pick_ask,
    to_frac,
)
from pipelines.creators.families._science_kit import Canvas, ix_path, ix_rings
from pipelines.creators.wording import Grammar

RESISTOR_WORDING = Grammar({
    "setting": ["", "{story}"],
    "story": ["One student builds the resistor network shown on a breadboard.",
              "The diagram shows part of the lighting circuit of a model house.",
              "One technician tests the network of resistors in the figure.",
              "Resistances in the figure are given in ohms.",
              "The circuit below comes from a school lab experiment."],
    "supply": ["The battery keeps {volts} volts between {a} and {b}.",
               "One {volts}-volt battery is connected between {a} and {b}.",
               "The battery holds a potential difference of {volts} volts across {a} and {b}.",
               "Between {a} and {b} the battery maintains {volts} volts."],
    "req": ["What is the equivalent resistance of the network between {a} and {b}, in ohms?",
            "Find the total resistance between {a} and {b}, in ohms.",
            "What single resistor, in ohms, could replace the network between {a} and {b}?",
            "How many ohms does the network present between {a} and {b}?"],
})

DOMAIN = "physics_electricity_optics"
_E = DOMAIN + "."
SERIES = _E + "circuits.series_resistance"
PARALLEL = _E + "circuits.parallel_resistance"
COMBINED = _E + "circuits.combined_networks"
OHM = _E + "circuits.ohms_law_current"
VDIV = _E + "circuits.potential_difference_across_part"
SPLIT = _E + "circuits.current_in_parallel_branches"
LAW = _E + "reflection.law_of_reflection"
SURFACE = _E + "reflection.angle_with_the_surface"
DEVIATION = _E + "reflection.angle_between_rays"
TWO_MIRRORS = _E + "reflection.two_mirrors"
FOCAL = _E + "lenses.focal_point"
LENS_FORMULA = _E + "lenses.lens_formula"
MAGNIFICATION = _E + "lenses.magnification"
REAL_VIRTUAL = _E + "lenses.real_and_virtual_images"

OHMS = "\u03a9"


# ==============================================================================================
# resistor networks


def _pf(q: Fraction) -> str:
    """A fraction as a divisor in running text: ``12``, ``(336/23)``."""
    return fmt_frac(q) if Fraction(q).denominator == 1 else f"({fmt_frac(q)})"


def _par(rs) -> Fraction:
    return 1 / sum(Fraction(1, r) for r in rs)


def _block_r(block) -> Fraction:
    """A block is a list of branches; a branch is a list of resistances in series."""
    return _par([sum(Fraction(r) for r in br) for br in block]) if len(block) > 1 else Fraction(sum(block[0]))


def nodal_solve(edges, nodes, top: str, bottom: str, volts: Fraction) -> dict[str, float]:
    """Node potentials with ``top`` held at ``volts`` and ``bottom`` at 0 (Kirchhoff's current law)."""
    free = [n for n in nodes if n not in (top, bottom)]
    idx = {n: i for i, n in enumerate(free)}
    g = np.zeros((len(free), len(free)))
    rhs = np.zeros(len(free))
    fixed = {top: float(volts), bottom: 0.0}
    for a, b, r in edges:
        c = 1.0 / r
        for p, q in ((a, b), (b, a)):
            if p in idx:
                g[idx[p], idx[p]] += c
                if q in idx:
                    g[idx[p], idx[q]] -= c
                else:
                    rhs[idx[p]] += c * fixed[q]
    sol = np.linalg.solve(g, rhs) if free else np.zeros(0)
    out = dict(fixed)
    out.update({n: float(sol[idx[n]]) for n in free})
    return out


class ResistorNetwork(Family):
    """Resistors in series and parallel blocks between labelled nodes, driven by a battery;
    asks for the equivalent resistance, the battery current, a potential difference between two
    nodes, or the current in one parallel branch."""

    name = "resistor_network"
    givens = ("blocks",)
    domain = DOMAIN
    node_ids = (SERIES, PARALLEL, COMBINED, OHM, VDIV, SPLIT)
    supports = frozenset({"sequential"})
    ASKS = {
        "req_series": frozenset({SERIES}),
        "req_parallel": frozenset({PARALLEL}),
        "req_mixed": frozenset({COMBINED, SERIES, PARALLEL}),
        "current": frozenset({OHM, COMBINED}),
        "voltage": frozenset({VDIV, OHM}),
        "branch": frozenset({SPLIT, PARALLEL, OHM}),
    }
    VALUES = (2, 3, 4, 5, 6, 8, 10, 12, 15, 20)

    def _blocks(self, rng: random.Random, ask: str, d: int):
        R = lambda: rng.choice(self.VALUES)  # noqa: E731
        if ask == "req_series":
            return [[[R()]] for _ in range(2 if d == 1 else 3)]
        if ask == "req_parallel":
            k = 2 if d < 3 else 3
            while True:
                rs = [R() for _ in range(k)]
                if len(set(rs)) == k:
                    return [[[r] for r in rs]]
        while True:
            pair = [[R()], [R()]] if d < 3 else [[R(), R()], [R()]]
            if _block_r([pair[0]]) == _block_r([pair[1]]):
                continue
            if rng.random() < 0.5:
                return [[[R()]], pair]
            return [pair, [[R()]]]

    def create(self, rng: random.Random, node_ids, difficulty: int) -> Draft:
        d = clamp_difficulty(difficulty)
        ask, covered = pick_ask(rng, node_ids, self.ASKS, self.node_ids)
        blocks = self._blocks(rng, ask, d)
        req = sum(_block_r(b) for b in blocks)
        nice = [v for v in (6, 9, 12, 18, 24, 30, 36) if (v / req).denominator <= 4]
        volts = rng.choice(nice or [6, 9, 12, 18, 24])
        names = [chr(ord("A") + i) for i in range(len(blocks) + 1)]
        cv = Canvas((0, 10), (0, 7.2), size=(5.6, 4.0), rect=(0.02, 0.02, 0.96, 0.96), font=14)
        widths = [2.6 if len(b) == 1 else 3.6 for b in blocks]
        scale = 8.0 / sum(widths)
        xs = [1.0]
        for w in widths:
            xs.append(xs[-1] + w * scale)
        edges = []  # (node, node, ohms) for nodal analysis
        extra = 0
        branch_ys = []
        for bi, block in enumerate(blocks):
            x0, x1 = xs[bi], xs[bi + 1]
            ys = [5.0] if len(block) == 1 else ([6.3, 3.7] if len(block) == 2 else [6.4, 5.0, 3.6])
            branch_ys.append(ys)
            if len(block) > 1:
                cv.plot([(x0, ys[-1]), (x0, ys[0])], "color='black', lw=1.8")
                cv.plot([(x1, ys[-1]), (x1, ys[0])], "color='black', lw=1.8")
            for br, y in zip(block, ys, strict=True):
                cv.plot([(x0, y), (x1, y)], "color='black', lw=1.8")
                n = len(br)
                prev = names[bi]
                for k, r in enumerate(br):
                    cx = x0 + (x1 - x0) * (k + 1) / (n + 1)
                    cv.raw(f"ax.add_patch(plt.Rectangle(({cx - 0.5:.4f}, {y - 0.2}), 1.0, 0.4, fc='white', ec='black', lw=1.8, zorder=4))")
                    cv.avoid_box(cx - 0.5, y - 0.2, cx + 0.5, y + 0.2)
                    ty = y + 0.48 if y >= 5.0 else y - 0.48
                    cv.text(cx, ty, f"{r} {OHMS}", size=10)
                    if k < n - 1:
                        inner = chr(ord("A") + len(blocks) + 1 + extra)
                        extra += 1
                        mx = x0 + (x1 - x0) * (k + 1.5) / (n + 1)
                        cv.point(inner, (mx, y), role="junction between two resistors in one branch",
                                 dot="color='black', ms=6", ref=(mx, 5.0))
                        edges.append([prev, inner, r])
                        prev = inner
                    else:
                        edges.append([prev, names[bi + 1], r])
        # return wire with the battery along the bottom
        right, left = xs[-1], xs[0]
        cv.plot([(right, 5.0 if len(blocks[-1]) == 1 else branch_ys[-1][-1]), (right, 1.0), (5.15, 1.0)], "color='black', lw=1.8")
        cv.plot([(4.85, 1.0), (left, 1.0), (left, 5.0 if len(blocks[0]) == 1 else branch_ys[0][-1])], "color='black', lw=1.8")
        cv.plot([(4.85, 0.55), (4.85, 1.45)], "color='black', lw=2.2")
        cv.plot([(5.15, 0.75), (5.15, 1.25)], "color='black', lw=4")
        cv.text(5.0, 1.9, f"{volts} V", size=12)
        roles = {names[0]: "node at the battery's positive side", names[-1]: "node at the battery's negative side"}
        for i, nm in enumerate(names):
            cv.point(nm, (xs[i], 5.0), role=roles.get(nm, "junction between two parts of the network"),
                     dot="color='black', ms=7", ref=(xs[i], 2.5 if 0 < i < len(names) - 1 else 5.0))
        # roles must be unique: number the middle junctions left to right
        for i, nm in enumerate(names[1:-1], start=1):
            cv.roles[nm] = f"junction number {i} from the left on the main line"
        inner_names = [n for n in cv.pts if n not in names]
        for k, nm in enumerate(inner_names, start=1):
            cv.roles[nm] = f"junction inside a branch number {k}"
        # the battery is an element, so "mark the battery" circles it (not the nodes) and perception finds it
        battery = next(c for c in "STUVWXYZ" if c not in cv.pts)
        cv.point(battery, (4.85, 1.0), role="battery", dot=None, ref=(5.0, 3.0))  # on its long plate
        # the network's wires in image pixels: a highlight of the whole network follows them
        wires = []
        for bi, block in enumerate(blocks):
            x0, x1, ys = xs[bi], xs[bi + 1], branch_ys[bi]
            wires += [[(x0, y), (x1, y)] for y in ys]
            if len(block) > 1:
                wires += [[(x0, ys[-1]), (x0, ys[0])], [(x1, ys[-1]), (x1, ys[0])]]
        wires_px = [[[round(v, 2) for v in cv.img_px(p)] for p in w] for w in wires]
        code, elements = cv.build()
        params = {"ask": ask, "blocks": blocks, "volts": volts, "names": names, "edges": edges,
                  "nodes": [n for n in cv.pts if n != battery], "battery": battery, "wires_px": wires_px}
        if ask == "voltage":
            params["across"] = rng.randrange(len(blocks))
        if ask == "branch":
            params["block"] = next(i for i, b in enumerate(blocks) if len(b) > 1)
            params["branch"] = rng.randrange(len(blocks[params["block"]]))
        draft = self.draft(node_ids=covered, question="", answer="", solution="", interactions=(),
                           elements=elements, render_code=code, difficulty=d, params=params)
        return self._worded(self._pose(draft), rng)

    def _worded(self, draft: Draft, rng: random.Random) -> Draft:
        """The posed question with its setting, supply and resistance sentences from RESISTOR_WORDING."""
        pr = draft.params
        values = {"volts": pr["volts"], "a": pr["names"][0], "b": pr["names"][-1]}
        question, picks = draft.question, []
        for rule, plain in (("supply", "The battery keeps {volts} volts between {a} and {b}."),
                            ("req", "What is the equivalent resistance of the network between {a} and {b}, in ohms?")):
            if plain.format(**values) in question:
                text, tid = RESISTOR_WORDING.expand(rng, rule, **values)
                question, picks = question.replace(plain.format(**values), text), picks + [tid]
        setting, tid = RESISTOR_WORDING.expand(rng, "setting")
        question = f"{setting} {question}".strip()
        return draft.replace(question=question, template_id=".".join([self.name, pr["ask"], tid, *picks]))

    @staticmethod
    def _mark(a: str, b: str, text: str, color: str = "#e6550d") -> Interaction:
        return Interaction("highlight", text, interaction_code(ix_path([a, b], color=color, lw=5, alpha=0.5)
                                                              + ix_rings([a, b], color=color, r=11)), (a, b))

    @staticmethod
    def _whole(pr: dict, text: str, color: str = "#e6550d") -> Interaction:
        """Highlight every wire of the network (branches and their joints), not a straight band
        from end to end, which would read as a short circuit."""
        first, last = pr["names"][0], pr["names"][-1]
        code = "".join(f"ax.plot({[p[0] for p in w]}, {[p[1] for p in w]}, color='{color}', lw=5, alpha=0.5, "
                       "solid_capstyle='round', zorder=9)\n" for w in pr["wires_px"])
        return Interaction("highlight", text, interaction_code(code + ix_rings([first, last], color=color, r=11)),
                           (first, last))

    def _pose(self, draft: Draft) -> Draft:
        pr = draft.params
        ask, blocks, volts, names = pr["ask"], pr["blocks"], pr["volts"], pr["names"]
        rb = [_block_r(b) for b in blocks]
        req = sum(rb)
        first, last = names[0], names[-1]

        def describe(i):
            b = blocks[i]
            if len(b) == 1:
                return f"{b[0][0]} {OHMS} between {names[i]} and {names[i + 1]}"
            brs = " and ".join("(" + " + ".join(str(r) for r in br) + ")" if len(br) > 1 else str(br[0]) for br in b)
            return (f"between {names[i]} and {names[i + 1]} branches of {brs} {OHMS} in parallel: "
                    f"1/(" + " + ".join(f"1/{sum(br)}" for br in b) + f") = {fmt_frac(rb[i])} {OHMS}")

        steps = "; ".join(describe(i) for i in range(len(blocks)))
        total = f"Adding the parts in series: {' + '.join(fmt_frac(r) for r in rb)} = {fmt_frac(req)} {OHMS}" if len(blocks) > 1 else f"So the total is {fmt_frac(req)} {OHMS}"
        whole = self._whole(pr, f"Highlight the whole network from {first} to {last}.")
        if ask.startswith("req"):
            question = f"What is the equivalent resistance of the network between {first} and {last}, in ohms? {fraction_note()}"
            return draft.replace(question=question, answer=fmt_frac(req), solution=f"Part by part: {steps}. {total}.",
                                 interactions=(whole,))
        cur = Fraction(volts) / req
        if ask in ("current", "seq_current"):
            question = (f"The battery keeps {volts} volts between {first} and {last}. What current flows through the "
                        f"battery, in amperes? {fraction_note()}")
            if ask == "current":
                sol = f"Part by part: {steps}. {total}. The current is {volts} ÷ {_pf(req)} = {fmt_frac(cur)} amperes."
                inters = (whole,)
            else:
                sol = f"{draft.solution} The current is {volts} ÷ {_pf(req)} = {fmt_frac(cur)} amperes."
                battery = pr["battery"]
                inters = draft.interactions + (Interaction("highlight", "Mark the battery that drives the current.",
                                                           interaction_code(ix_rings([battery], color="blue", r=26)),
                                                           (battery,)),)
            return draft.replace(question=question, answer=fmt_frac(cur), solution=sol, interactions=inters)
        if ask in ("voltage", "seq_voltage"):
            i = pr["across"]
            a, b = names[i], names[i + 1]
            v = cur * rb[i]
            question = (f"The battery keeps {volts} volts between {first} and {last}. What is the potential difference "
                        f"between {a} and {b}, in volts? {fraction_note()}")
            if ask == "voltage":
                sol = (f"Part by part: {steps}. {total}. The current is {volts} ÷ {_pf(req)} = {fmt_frac(cur)} amperes, "
                       f"so across {a} to {b} the potential difference is {fmt_frac(cur)} × {fmt_frac(rb[i])} = {fmt_frac(v)} volts.")
                inters = (whole, self._mark(a, b, f"Highlight the part between {a} and {b}.", color="#2ca02c"))
            else:
                sol = f"{draft.solution} Across {a} to {b}: {fmt_frac(cur)} × {fmt_frac(rb[i])} = {fmt_frac(v)} volts."
                inters = draft.interactions + (self._mark(a, b, f"Highlight the part between {a} and {b}.", color="#2ca02c"),)
            return draft.replace(question=question, answer=fmt_frac(v), solution=sol, interactions=inters)
        if ask == "branch":
            i, k = pr["block"], pr["branch"]
            a, b = names[i], names[i + 1]
            br = blocks[i][k]
            where = ["upper", "lower"][k] if len(blocks[i]) == 2 else ["upper", "middle", "lower"][k]
            v = cur * rb[i]
            ib = v / sum(br)
            question = (f"The battery keeps {volts} volts between {first} and {last}. What current flows in the {where} "
                        f"branch between {a} and {b}, in amperes? {fraction_note()}")
            sol = (f"Part by part: {steps}. {total}. The battery current is {volts} ÷ {_pf(req)} = {fmt_frac(cur)} amperes; "
                   f"the potential difference across {a} to {b} is {fmt_frac(cur)} × {fmt_frac(rb[i])} = {fmt_frac(v)} volts, "
                   f"so the {where} branch of {sum(br)} {OHMS} carries {fmt_frac(v)} ÷ {sum(br)} = {fmt_frac(ib)} amperes.")
            return draft.replace(question=question, answer=fmt_frac(ib), solution=sol,
                                 interactions=(whole, self._mark(a, b, f"Highlight the parallel part between {a} and {b}.", color="#2ca02c")))
        raise ValueError(ask)

    def expand_sequential(self, draft: Draft, rng: random.Random) -> Draft | None:
        """equivalent resistance -> battery current -> potential difference across one part."""
        ask = draft.params["ask"]
        if ask.startswith("req"):
            pr = dict(draft.params, ask="seq_current", parent_answer=draft.answer)
        elif ask == "seq_current" and len(draft.params["blocks"]) > 1:  # one block: its voltage is the battery's
            pr = dict(draft.params, ask="seq_voltage", across=rng.randrange(len(draft.params["blocks"])),
                      parent_answer=draft.answer)
        else:
            return None
        new = self._pose(draft.replace(params=pr))
        return new.replace(variant=pr["ask"], difficulty=draft.difficulty + 1)

    def rederive(self, draft: Draft) -> str:
        pr = draft.params
        drawn = {e.name for e in draft.elements}
        missing = [n for n in pr["nodes"] if n not in drawn]
        if missing:
            raise ValueError(f"network nodes {missing} are not drawn")
        names, volts = pr["names"], pr["volts"]
        top, bottom = names[0], names[-1]
        pot = nodal_solve(pr["edges"], pr["nodes"], top, bottom, Fraction(volts))
        current = sum((pot[a] - pot[b]) / r for a, b, r in pr["edges"] if a == top) \
            - sum((pot[a] - pot[b]) / r for a, b, r in pr["edges"] if b == top)
        ask = pr["ask"]

        def exact(v: float) -> str:
            return fmt_frac(to_frac(v, 2000))

        if ask.startswith("req"):
            return exact(volts / current)
        if ask in ("current", "seq_current"):
            return exact(current)
        if ask in ("voltage", "seq_voltage"):
            i = pr["across"]
            return exact(pot[names[i]] - pot[names[i + 1]])
        if ask == "branch":
            i, k = pr["block"], pr["branch"]
            # the k-th branch's first edge leaves node names[i] in creation order
            leaving = [e for e in pr["edges"] if e[0] == names[i]]
            a, b, r = leaving[k]
            return exact((pot[a] - pot[b]) / r)
        raise ValueError(f"unknown ask {ask!r}")


# ==============================================================================================
# plane mirrors: law of reflection


class PlaneMirrorReflection(Family):
    """A ray SO strikes a plane mirror at O (normal ON drawn); one angle is marked. With a second
    mirror at right angles the ray reflects again at T. Asks for the angle of reflection, the angle
    with the surface, the angle between the rays, or the angle of incidence at the second mirror."""

    name = "plane_mirror_reflection"
    givens = ("shown",)
    domain = DOMAIN
    node_ids = (LAW, SURFACE, DEVIATION, TWO_MIRRORS)
    ASKS = {
        "reflection": frozenset({LAW}),
        "surface": frozenset({LAW, SURFACE}),
        "between": frozenset({LAW, DEVIATION}),
        "second": frozenset({LAW, SURFACE, TWO_MIRRORS}),
    }

    def create(self, rng: random.Random, node_ids, difficulty: int) -> Draft:
        d = clamp_difficulty(difficulty)
        ask, covered = pick_ask(rng, node_ids, self.ASKS, self.node_ids)
        inc = rng.choice(range(25, 66, 5)) if d == 1 else rng.randint(22, 66)
        if ask == "second" and 4.2 / math.tan(math.radians(inc)) > 4.8:
            inc = rng.choice([45, 50, 55, 60])  # steeper rays would meet the second mirror above the figure
        given = "normal" if d == 1 or rng.random() < 0.4 else "surface"
        flip = rng.random() < 0.5 and ask != "second"
        sgn = -1 if flip else 1
        t = math.radians(inc)
        L = 5.0
        cv = Canvas((-6.0, 6.0), (-1.45, 6.69), size=(5.6, 3.8), rect=(0.02, 0.02, 0.96, 0.96), font=14)
        two = ask == "second"
        xm = 4.2 if two else 5.6
        cv.plot([(-5.6, 0), (xm, 0)], "color='#333333', lw=3")
        cv.raw(f"for _x in np.arange(-5.5, {xm}, 0.4):\n    ax.plot([_x, _x - 0.3], [0, -0.3], color='#777777', lw=1)")
        cv.avoid_box(-5.7, -0.4, xm, 0.05)
        S = (-sgn * L * math.sin(t), L * math.cos(t))
        O = (0.0, 0.0)
        N = (0.0, 5.3)
        cv.plot([O, N], "color='#555555', lw=1.5, ls='--'")
        cv.plot([S, O], "color='#d62728', lw=2.2")
        mid = ((S[0] + O[0]) / 2, (S[1] + O[1]) / 2)
        # arrowhead halfway along the incident ray, pointing towards O
        cv.raw(f"ax.arrow({mid[0]:.4f}, {mid[1]:.4f}, {sgn * 0.05 * math.sin(t):.4f}, {-0.05 * math.cos(t):.4f}, "
               "head_width=0.32, head_length=0.42, color='#d62728', lw=0, zorder=5)")
        if two:
            # second mirror: vertical at x = xm, meeting the first at the corner C
            C = (xm, 0.0)
            T = (xm, xm / math.tan(t))
            out = min(3.6, (6.3 - T[1]) / math.cos(t))  # keep R inside the canvas
            R = (xm - out * math.sin(t), T[1] + out * math.cos(t))
            cv.plot([(xm, 0), (xm, 6.2)], "color='#333333', lw=3")
            cv.raw("for _y in np.arange(0.1, 6.2, 0.4):\n"
                   f"    ax.plot([{xm}, {xm} + 0.3], [_y, _y + 0.3], color='#777777', lw=1)")
            cv.avoid_box(xm - 0.05, 0, xm + 0.4, 6.2)
            cv.plot([O, T], "color='#d62728', lw=2.2")
            cv.plot([T, R], "color='#d62728', lw=2.2")
            cv.point("C", C, role="corner where the two mirrors meet", dot="color='black', ms=6", ref=(0, 3))
            cv.point("T", T, role="point where the ray meets the second mirror", dot="color='black', ms=6", ref=(0, T[1]))
        else:
            R = (sgn * L * math.sin(t), L * math.cos(t))
            cv.plot([O, R], "color='#d62728', lw=2.2")
            M = (sgn * 5.6, 0.0)
            cv.point("M", M, role="end of the mirror on the side of the reflected ray", dot="color='black', ms=6", ref=(0, 3))
        # the marked angle
        if given == "normal":
            a1, a2 = math.atan2(S[1], S[0]), math.pi / 2
            shown = inc
        else:
            a1, a2 = math.atan2(S[1], S[0]), (math.pi if S[0] < 0 else 0.0)
            shown = 90 - inc
        arc = [(1.1 * math.cos(a1 + (a2 - a1) * k / 20), 1.1 * math.sin(a1 + (a2 - a1) * k / 20)) for k in range(21)]
        cv.plot(arc, "color='black', lw=1.4")
        am = (a1 + a2) / 2
        cv.text(1.75 * math.cos(am), 1.75 * math.sin(am), f"{shown}\u00b0", size=12)
        cv.point("S", S, role="start of the incident ray", dot="color='#d62728', ms=6", ref=(0, 2))
        cv.point("O", O, role="point of incidence", dot="color='black', ms=7", ref=(sgn * 2.5 if not two else -2.5, -2))
        cv.point("N", N, role="top of the normal", dot="color='#555555', ms=5", ref=(0, 0))
        cv.point("R", R, role="end of the reflected ray", dot="color='#d62728', ms=6", ref=(0, 2))
        code, elements = cv.build()
        params = {"ask": ask, "inc": inc, "given": given, "shown": shown}
        draft = self.draft(node_ids=covered, question="", answer="", solution="", interactions=(),
                           elements=elements, render_code=code, difficulty=d, params=params)
        return self._pose(draft)

    def _pose(self, draft: Draft) -> Draft:
        pr = draft.params
        ask, inc, given, shown = pr["ask"], pr["inc"], pr["given"], pr["shown"]
        if given == "normal":
            start = f"The marked angle between the incident ray SO and the normal ON is {shown}°, so the angle of incidence is {inc}°"
            given_txt = "The figure marks the angle between the ray SO and the normal ON."
        else:
            start = (f"The marked angle between the incident ray SO and the mirror is {shown}°, so the angle of incidence "
                     f"(measured from the normal) is 90° − {shown}° = {inc}°")
            given_txt = "The figure marks the angle between the ray SO and the mirror."
        law = f"By the law of reflection the angle of reflection equals it: {inc}°"
        if ask == "reflection":
            question = f"The ray SO hits the plane mirror at O, and ON is the normal. {given_txt} What is the angle of reflection, in degrees?"
            answer = inc
            sol = f"{start}. {law}, between OR and ON."
            inters = (Interaction("angle_mark", "Mark the angle of reflection between ON and OR.",
                                  interaction_code(ix_angle_arc("O", "N", "R", radius=40)), ("O",)),)
        elif ask == "surface":
            question = (f"The ray SO hits the plane mirror at O, and ON is the normal. {given_txt} What is the angle "
                        "between the reflected ray OR and the mirror surface OM, in degrees?")
            answer = 90 - inc
            sol = f"{start}. {law}, so the reflected ray makes 90° − {inc}° = {answer}° with the mirror."
            inters = (Interaction("angle_mark", "Mark the angle between OR and the mirror OM.",
                                  interaction_code(ix_angle_arc("O", "R", "M", radius=40)
                                                   + ix_segment("O", "M", color="#e6550d", ls="-", lw=4)), ("O", "M")),)
        elif ask == "between":
            question = (f"The ray SO hits the plane mirror at O, and ON is the normal. {given_txt} What is the angle SOR "
                        "between the incident and the reflected ray, in degrees?")
            answer = 2 * inc
            sol = f"{start}. {law}, so the angle between the two rays is {inc}° + {inc}° = {answer}°."
            inters = (Interaction("angle_mark", "Mark the angle between SO and OR, split by the normal.",
                                  interaction_code(ix_angle_arc("O", "S", "N", radius=36, color="red")
                                                   + ix_angle_arc("O", "N", "R", radius=44, color="blue")), ("O",)),)
        elif ask == "second":
            question = (f"The ray SO hits the first mirror at O (normal ON), reflects to T on a second mirror at right angles "
                        f"to the first, and leaves along TR. {given_txt} What is the angle of incidence at T, in degrees?")
            answer = 90 - inc
            sol = (f"{start}. {law}, so OT makes 90° − {inc}° = {answer}° with the first mirror. The normal at T is "
                   f"parallel to the first mirror, so the angle of incidence at T is {answer}°.")
            inters = (Interaction("auxiliary_line", "Draw the normal to the second mirror at T.",
                                  interaction_code("ax.plot([P['T'][0], P['T'][0] - 110], [P['T'][1], P['T'][1]], color='blue', ls='--', lw=2)\n"
                                                   + ix_rings(["T"], color="blue", r=9)), ("T",)),
                      Interaction("angle_mark", "Mark the angle between the ray OT and the normal at T.",
                                  interaction_code("_q = (P['T'][0] - 60, P['T'][1])\n"
                                                   "_a1 = math.atan2(P['O'][1] - P['T'][1], P['O'][0] - P['T'][0])\n"
                                                   "_a2 = math.pi\n"
                                                   "_ts = np.linspace(min(_a1, _a2), max(_a1, _a2), 30)\n"
                                                   "ax.plot(P['T'][0] + 20 * np.cos(_ts), P['T'][1] + 20 * np.sin(_ts), color='red', lw=2.5)\n"),
                                  ("T",)))
        else:
            raise ValueError(ask)
        return draft.replace(question=question, answer=str(answer), solution=sol, interactions=inters)

    def rederive(self, draft: Draft) -> str:
        p = draft.points()
        ask = draft.params["ask"]
        inc = angle_at(p["O"], p["S"], p["N"])  # measured angle of incidence
        if ask == "reflection":
            return str(round(angle_at(p["O"], p["N"], p["R"]) if "M" in p else inc))
        if ask == "surface":
            return str(round(angle_at(p["O"], p["R"], p["M"])))
        if ask == "between":
            return str(round(angle_at(p["O"], p["S"], p["R"])))
        if ask == "second":
            return str(round(90 - angle_at(p["T"], p["O"], p["C"])))
        raise ValueError(f"unknown ask {ask!r}")


# ==============================================================================================
# converging lens: lens formula and magnification


REAL_CASES = [(3, 2), (4, 2), (6, 2), (6, 3), (12, 3), (12, 4), (8, 4)]  # (object distance, focal length), image <= 8 cm
VIRTUAL_CASES = [(1, 2), (2, 3), (2, 4), (3, 4), (3, 6), (4, 6)]
NATURES = ("real and inverted", "virtual and upright", "real and upright", "virtual and inverted")


class ThinLens(Family):
    """An object arrow BP in front of a converging lens with optical centre C and focal points F1,
    F2 on a centimetre grid; asks for the image distance, the magnification, the image height or
    the nature of the image."""

    name = "thin_lens"
    givens = ("u", "f", "h")
    domain = DOMAIN
    node_ids = (FOCAL, LENS_FORMULA, MAGNIFICATION, REAL_VIRTUAL)
    ASKS = {
        "image_distance": frozenset({FOCAL, LENS_FORMULA}),
        "magnification": frozenset({LENS_FORMULA, MAGNIFICATION}),
        "image_height": frozenset({FOCAL, MAGNIFICATION}),
        "nature": frozenset({FOCAL, REAL_VIRTUAL}),
    }

    def create(self, rng: random.Random, node_ids, difficulty: int) -> Draft:
        d = clamp_difficulty(difficulty)
        ask, covered = pick_ask(rng, node_ids, self.ASKS, self.node_ids)
        virtual = ask == "nature" and rng.random() < 0.5
        u, f = rng.choice(VIRTUAL_CASES if virtual else REAL_CASES[: 4 if d == 1 else 7])
        h = rng.randint(1, 3) if d < 3 else rng.randint(2, 4)
        cv = Canvas((-13.5, 10.5), (-6.8, 6.8), size=(6.0, 3.4), rect=(0.02, 0.02, 0.96, 0.96), font=13)
        cv.raw("for _i in range(-13, 11):\n    ax.plot([_i, _i], [-6.5, 6.5], color='#e6e6e6', lw=0.7, zorder=0)")
        cv.raw("for _j in range(-6, 7):\n    ax.plot([-13.5, 10.5], [_j, _j], color='#e6e6e6', lw=0.7, zorder=0)")
        cv.plot([(-13.5, 0), (10.5, 0)], "color='black', lw=1.4")
        cv.raw("ax.plot([0, 0], [-5.0, 5.0], color='#1f77b4', lw=2.8)\n"
               "ax.plot([0], [5.0], '^', color='#1f77b4', ms=9)\nax.plot([0], [-5.0], 'v', color='#1f77b4', ms=9)")
        cv.avoid([(0, -5.2), (0, 5.2)])
        cv.raw(f"ax.arrow({-u}, 0, 0, {h}, length_includes_head=True, head_width=0.35, head_length=0.45, color='#d62728', lw=2.4, zorder=4)")
        cv.avoid([(-u, 0), (-u, h)])
        cv.text(-12.6, 6.1, "1 square = 1 cm", size=10, ha="left", extra="backgroundcolor='white'")
        cv.point("P", (-u, h), role="tip of the object arrow", dot="color='#d62728', ms=4", ref=(-u, 0))
        cv.point("B", (-u, 0), role="foot of the object arrow", dot="color='black', ms=5", ref=(-u + 0.5, 3))
        cv.point("C", (0, 0), role="optical centre of the lens", dot="color='black', ms=5", ref=(-1.5, 3))
        cv.point("F1", (-f, 0), role="focal point on the object side", dot="color='black', ms=6", ref=(-f, 3))
        cv.point("F2", (f, 0), role="focal point on the far side", dot="color='black', ms=6", ref=(f, 3))
        code, elements = cv.build()
        params = {"ask": ask, "u": u, "f": f, "h": h}
        draft = self.draft(node_ids=covered, question="", answer="", solution="", interactions=(),
                           elements=elements, render_code=code, difficulty=d, params=params)
        if ask == "nature":
            correct = NATURES[1] if virtual else NATURES[0]
            choices, letter = make_choices(rng, correct, [n for n in NATURES if n != correct])
            draft = draft.replace(answer_type="choice", choices=choices, answer=letter)
        return self._pose(draft)

    @staticmethod
    def _rays() -> Interaction:
        return Interaction(
            "auxiliary_line", "Draw two principal rays from P: one parallel to the axis then through F2, one straight through C.",
            interaction_code("_k = P['C'][0]\n"
                             "ax.plot([P['P'][0], _k], [P['P'][1], P['P'][1]], color='orange', lw=2)\n"
                             "_dx, _dy = P['F2'][0] - _k, P['F2'][1] - P['P'][1]\n"
                             "def _ray(x0, y0, dx, dy):  # a ray from (x0, y0) up to 4 px inside the image's edge\n"
                             "    t = min([((w - 4 if dx > 0 else 4) - x0) / dx] * (dx != 0) + [((h - 4 if dy > 0 else 4) - y0) / dy] * (dy != 0))\n"
                             "    return [x0, x0 + t * dx], [y0, y0 + t * dy]\n"
                             "ax.plot(*_ray(_k, P['P'][1], _dx, _dy), color='orange', lw=2)\n"
                             "_ex, _ey = P['C'][0] - P['P'][0], P['C'][1] - P['P'][1]\n"
                             "ax.plot(*_ray(P['P'][0], P['P'][1], _ex, _ey), color='green', lw=2)\n"),
            ("P", "C", "F2"))

    def _pose(self, draft: Draft) -> Draft:
        pr = draft.params
        ask, u, f, h = pr["ask"], pr["u"], pr["f"], pr["h"]
        read = (f"Counting squares: the object BP is {u} cm from the lens and {h} cm tall, and the focal length CF2 is {f} cm")
        inv_v = Fraction(1, f) - Fraction(1, u)
        v = 1 / inv_v
        intro = "The figure shows an object BP in front of a thin converging lens with optical centre C and focal points F1 and F2."
        if ask == "image_distance":
            question = f"{intro} How far from the lens is the image formed, in centimetres? {fraction_note()}"
            sol = f"{read}. By the lens formula 1/v = 1/{f} − 1/{u} = {fmt_frac(inv_v)}, so v = {fmt_frac(v)} cm (a real image on the far side)."
            return draft.replace(question=question, answer=fmt_frac(v), solution=sol, interactions=(self._rays(),))
        if ask == "magnification":
            m = v / u
            question = f"{intro} What is the magnification of the image (image height divided by object height)? {fraction_note()}"
            sol = f"{read}. 1/v = 1/{f} − 1/{u} gives v = {fmt_frac(v)} cm, and the magnification is v/u = {fmt_frac(v)}/{u} = {fmt_frac(m)}."
            return draft.replace(question=question, answer=fmt_frac(m), solution=sol, interactions=(self._rays(),))
        if ask == "image_height":
            hi = h * v / u
            question = f"{intro} How tall is the image, in centimetres? {fraction_note()}"
            sol = (f"{read}. 1/v = 1/{f} − 1/{u} gives v = {fmt_frac(v)} cm; the image height is {h} × {fmt_frac(v)}/{u} = "
                   f"{fmt_frac(hi)} cm (inverted).")
            return draft.replace(question=question, answer=fmt_frac(hi), solution=sol, interactions=(self._rays(),))
        if ask == "nature":
            question = f"{intro} What kind of image does the lens form of the object?"
            if u > f:
                sol = f"{read}. The object is beyond F1 ({u} cm > {f} cm), so the rays from P meet on the far side: the image is real and inverted."
            else:
                sol = (f"{read}. The object is inside the focal length ({u} cm < {f} cm), so the rays from P spread out after the "
                       "lens and only seem to come from a point on the object side: the image is virtual and upright.")
            return draft.replace(question=question, solution=sol, interactions=(self._rays(),))
        raise ValueError(ask)

    def rederive(self, draft: Draft) -> str:
        p = draft.points()
        u = to_frac(p["C"][0] - p["B"][0], 100)
        f = to_frac(p["F2"][0] - p["C"][0], 100)
        h = to_frac(p["P"][1] - p["B"][1], 100)
        if to_frac(p["C"][0] - p["F1"][0], 100) != f:
            raise ValueError("the focal points are not symmetric about the lens")
        ask = draft.params["ask"]
        if ask == "nature":
            return choice_letter(draft.choices, NATURES[0] if u > f else NATURES[1])
        v = 1 / (1 / f - 1 / u)
        if ask == "image_distance":
            return fmt_frac(v)
        if ask == "magnification":
            return fmt_frac(v / u)
        if ask == "image_height":
            return fmt_frac(h * v / u)
        raise ValueError(f"unknown ask {ask!r}")


FAMILIES = [ResistorNetwork(), PlaneMirrorReflection(), ThinLens()]
