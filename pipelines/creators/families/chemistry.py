"""Chemistry families: reading measuring cylinders and thermometers, and counting in drawn
molecular structures.

On the scales, data y is the reading itself (millilitres or degrees), so :meth:`rederive` reads the
levels back from the element coordinates. Molecules keep their atoms and bonds in ``params``; the
answer is re-derived by recounting that graph (the unsaturation from the molecular formula, not from
the double bonds used to build it) and the tagged atom is found as the atom nearest its element.
"""

from __future__ import annotations

import math
import random
from fractions import Fraction

from pipelines.creators.base import ELEMENTS, Draft, Family, Interaction
from pipelines.creators.common import (
    clamp_difficulty,
    fmt_dec,
    fmt_frac,
    fraction_note,
    interaction_code,
    pick_ask,
    to_frac,
)
from pipelines.creators.families._science_kit import Canvas, ix_rings

DOMAIN = "chemistry"
_C = DOMAIN + "."
READ = _C + "measurement.reading_a_scale"
MENISCUS = _C + "measurement.meniscus"
DISPLACEMENT = _C + "measurement.volume_by_displacement"
DENSITY = _C + "measurement.density_from_displacement"
TEMP_CHANGE = _C + "measurement.temperature_change"
COUNT_ATOMS = _C + "structure.counting_atoms"
VALENCE = _C + "structure.carbon_valence"
COUNT_BONDS = _C + "structure.counting_bonds"
MOLAR_MASS = _C + "structure.molar_mass_from_structure"
UNSAT = _C + "structure.degree_of_unsaturation"
SOL_READ = _C + "solubility.reading_a_solubility_curve"
SATURATED = _C + "solubility.saturated_solution"
CRYSTALS = _C + "solubility.crystallisation_on_cooling"
SOL_COMPARE = _C + "solubility.comparing_solubilities"


def _num(v: Fraction | float) -> str:
    """A reading as written on a scale: ``17``, ``17.5``."""
    q = to_frac(v, 100)
    return fmt_frac(q) if q.denominator == 1 else fmt_dec(q, 1 if (q * 10).denominator == 1 else 2)


# ==============================================================================================
# measuring cylinders and thermometers


CYL_SCALES = [  # capacity, smallest division, labelled every
    (50, Fraction(1), 10), (100, Fraction(2), 10), (25, Fraction(1, 2), 5), (250, Fraction(5), 50), (200, Fraction(5), 50),
]
THERMO_SCALES = [  # low, high, division, labelled every
    (-10, 50, Fraction(1), 10), (0, 100, Fraction(2), 20), (10, 40, Fraction(1, 2), 5), (-20, 40, Fraction(1), 10),
]


class MeasuringScaleReading(Family):
    """Two measuring cylinders (before and after a stone is lowered in) or two thermometers
    (start and end of an experiment); asks for a reading, the stone's volume or density, or the
    temperature change."""

    name = "measuring_scale_reading"
    givens = ("levels",)
    domain = DOMAIN
    node_ids = (READ, MENISCUS, DISPLACEMENT, DENSITY, TEMP_CHANGE)
    supports = frozenset({"sequential"})
    ASKS = {
        "read": frozenset({READ, MENISCUS}),
        "displacement": frozenset({MENISCUS, DISPLACEMENT}),
        "density": frozenset({DISPLACEMENT, DENSITY}),
        "temp_read": frozenset({READ}),
        "temp_change": frozenset({READ, TEMP_CHANGE}),
    }

    def create(self, rng: random.Random, node_ids, difficulty: int) -> Draft:
        d = clamp_difficulty(difficulty)
        ask, covered = pick_ask(rng, node_ids, self.ASKS, self.node_ids)
        if ask.startswith("temp"):
            return self._thermometers(rng, ask, covered, d)
        return self._cylinders(rng, ask, covered, d)

    def _scale(self, cv: Canvas, x: float, lo, hi, div, every, numbers_left: bool = True) -> None:
        """Ticks on the left edge at ``x``: every division, longer and numbered every ``every``."""
        n = int((hi - lo) / div)
        ticks_minor = [float(lo + k * div) for k in range(n + 1)]
        major = [t for t in ticks_minor if Fraction(t).limit_denominator(100) % every == 0]
        cv.raw(f"for _t in {ticks_minor!r}:\n    ax.plot([{x}, {x} + 0.22], [_t, _t], color='black', lw=0.9)")
        cv.raw(f"for _t in {major!r}:\n    ax.plot([{x}, {x} + 0.42], [_t, _t], color='black', lw=1.4)")
        for t in major:
            if numbers_left:
                cv.text(x - 0.12, t, _num(Fraction(t).limit_denominator(100)), size=8, ha="right")
            else:
                cv.text(x + 0.55, t, _num(Fraction(t).limit_denominator(100)), size=8, ha="left")

    def _cylinders(self, rng: random.Random, ask: str, covered, d: int) -> Draft:
        cap, div, every = rng.choice(CYL_SCALES[:2] if d == 1 else CYL_SCALES)
        nd = int(cap / div)
        while True:
            a = rng.randint(int(nd * 0.25), int(nd * 0.6))
            b = rng.randint(a + 3, int(nd * 0.9))
            if a % 5 and b % 5:  # levels between numbered marks: the divisions must be counted
                break
        lv1, lv2 = a * div, b * div
        mass = None
        if ask == "density":
            vol = lv2 - lv1
            mass = vol * rng.choice([Fraction(5, 2), Fraction(3), Fraction(2), Fraction(27, 10), Fraction(8, 5), Fraction(4)])
        ylo, yhi = -cap * 0.1, cap * 1.12
        cv = Canvas((0, 8), (float(ylo), float(yhi)), size=(5.0, 4.6), rect=(0.02, 0.02, 0.96, 0.96), font=14)
        width = 1.6
        for x, lv, nm, stone in ((2.3, lv1, "P", False), (6.1, lv2, "Q", True)):
            x0, x1 = x - width / 2, x + width / 2
            dip = cap * 0.018
            cv.raw(f"ax.fill([{x0}, {x1}, {x1}, {x0}], [0, 0, {float(lv) + dip}, {float(lv) + dip}], color='#a6cee3', lw=0)")
            cv.raw(f"_mx = np.linspace({x0}, {x1}, 40)\n"
                   f"ax.fill_between(_mx, {float(lv)} + {dip} * ((_mx - {x}) / {width / 2}) ** 2, {float(lv) + dip}, color='white', lw=0)\n"
                   f"ax.plot(_mx, {float(lv)} + {dip} * ((_mx - {x}) / {width / 2}) ** 2, color='#1f5f8b', lw=1.8)")
            if stone:
                cv.raw(f"ax.fill([{x - 0.45}, {x + 0.1}, {x + 0.5}, {x + 0.3}, {x - 0.35}], "
                       f"[{cap * 0.02}, {cap * 0.012}, {cap * 0.06}, {cap * 0.12}, {cap * 0.11}], color='#7f7f7f', ec='black', lw=1)")
            cv.plot([(x0, cap * 1.05), (x0, 0), (x1, 0), (x1, cap * 1.05)], "color='black', lw=2")
            cv.plot([(x0 - 0.3, -cap * 0.02), (x1 + 0.3, -cap * 0.02)], "color='black', lw=4")
            self._scale(cv, x0, 0, cap, div, every)
            cv.text(x1 + 0.35, cap * 1.05, "mL", size=9, ha="left")
            cv.point(nm, (x, float(lv)), role="bottom of the meniscus in the " + ("left" if nm == "P" else "right") + " cylinder",
                     dot=None, ref=(x - 1, float(lv)))
            cv.avoid([(x0, float(lv)), (x1, float(lv))])
        code, elements = cv.build()
        params = {"ask": ask, "kind": "cylinder", "cap": cap, "div": str(div), "levels": [str(lv1), str(lv2)],
                  "mass": str(mass) if mass is not None else None}
        draft = self.draft(node_ids=covered, question="", answer="", solution="", interactions=(),
                           elements=elements, render_code=code, difficulty=d, params=params)
        return self._pose(draft)

    def _thermometers(self, rng: random.Random, ask: str, covered, d: int) -> Draft:
        lo, hi, div, every = rng.choice(THERMO_SCALES[:2] if d == 1 else THERMO_SCALES)
        nd = int((hi - lo) / div)
        while True:
            a, b = rng.randint(2, nd - 2), rng.randint(2, nd - 2)
            if abs(a - b) >= 3 and a % 5 and b % 5:
                break
        t1, t2 = lo + a * div, lo + b * div
        span = hi - lo
        cv = Canvas((0, 8), (lo - span * 0.22, hi + span * 0.08), size=(4.6, 4.8), rect=(0.02, 0.02, 0.96, 0.96), font=14)
        for x, t, nm in ((2.6, t1, "P"), (6.0, t2, "Q")):
            w = 0.34
            base = lo - span * 0.05
            bulb_y = lo - span * 0.12
            cv.raw(f"ax.add_patch(plt.Rectangle(({x - w / 2}, {base}), {w}, {hi - base + span * 0.03}, fc='white', ec='black', lw=1.6))")
            cv.raw(f"ax.add_patch(plt.Rectangle(({x - w / 4}, {bulb_y}), {w / 2}, {float(t) - bulb_y}, color='#d62728', lw=0, zorder=3))")
            cv.raw(f"ax.plot([{x}], [{bulb_y}], 'o', ms=20, color='#d62728', mec='black', mew=1.2, zorder=2)")
            cv.avoid([(x - w / 2, base), (x - w / 2, hi), (x + w / 2, hi), (x + w / 2, base)])
            self._scale(cv, x + w / 2, lo, hi, div, every, numbers_left=False)
            cv.avoid([(x + w / 2, lo), (x + w / 2 + 0.5, hi)])
            cv.text(x + 0.2, hi + span * 0.055, "\u00b0C", size=9, ha="left")
            cv.point(nm, (x, float(t)), role="top of the liquid column in the " + ("left" if nm == "P" else "right") + " thermometer",
                     dot=None, ref=(x + 1, float(t)))
        code, elements = cv.build()
        params = {"ask": ask, "kind": "thermometer", "div": str(div), "levels": [str(t1), str(t2)]}
        draft = self.draft(node_ids=covered, question="", answer="", solution="", interactions=(),
                           elements=elements, render_code=code, difficulty=d, params=params)
        return self._pose(draft)

    @staticmethod
    def _read_ix(names) -> Interaction:
        snippet = "".join(f"ax.plot([P[{n!r}][0] - 60, P[{n!r}][0] + 30], [P[{n!r}][1], P[{n!r}][1]], color='red', lw=1.8, ls='--')\n"
                          for n in names)
        return Interaction("auxiliary_line", "Draw a horizontal reading line from each level to the scale.",
                           interaction_code(snippet), tuple(names))

    def _pose(self, draft: Draft) -> Draft:
        pr = draft.params
        ask = pr["ask"]
        div = Fraction(pr["div"])
        l1, l2 = (Fraction(v) for v in pr["levels"])
        counts = f"each smallest division is {_num(div)}"
        if ask == "read":
            question = "What volume of water is in cylinder P, read at the bottom of the meniscus, in millilitres?"
            sol = f"On the scale {counts} mL. The bottom of the meniscus in P is level with the {_num(l1)} mL mark."
            return draft.replace(question=question, answer=_num(l1), solution=sol, interactions=(self._read_ix(["P"]),))
        if ask == "displacement":
            question = ("Cylinder P shows the water before a stone is lowered in and cylinder Q shows it after. "
                        "What is the volume of the stone, in cubic centimetres?")
            sol = (f"On the scale {counts} mL. Reading the bottom of each meniscus: P = {_num(l1)} mL, Q = {_num(l2)} mL. "
                   f"The stone displaces {_num(l2)} − {_num(l1)} = {_num(l2 - l1)} mL, which is {_num(l2 - l1)} cubic centimetres.")
            return draft.replace(question=question, answer=_num(l2 - l1), solution=sol, interactions=(self._read_ix(["P", "Q"]),))
        if ask in ("density", "seq_density"):
            mass = Fraction(pr["mass"])
            rho = mass / (l2 - l1)
            question = (f"Cylinder P shows the water before a stone of mass {_num(mass)} grams is lowered in and cylinder Q "
                        f"shows it after. What is the density of the stone, in grams per cubic centimetre? {fraction_note()}")
            if ask == "density":
                sol = (f"On the scale {counts} mL. P = {_num(l1)} mL and Q = {_num(l2)} mL, so the stone's volume is "
                       f"{_num(l2 - l1)} cubic centimetres and its density is {_num(mass)}/{_num(l2 - l1)} = {fmt_frac(rho)} g per cubic cm.")
                inters = (self._read_ix(["P", "Q"]),)
            else:
                sol = f"{draft.solution} The density is {_num(mass)}/{_num(l2 - l1)} = {fmt_frac(rho)} g per cubic cm."
                inters = draft.interactions + (Interaction("highlight", "Mark the rise of the water level from P to Q.",
                                                           interaction_code(ix_rings(["P", "Q"], color="blue", r=12)), ("P", "Q")),)
            return draft.replace(question=question, answer=fmt_frac(rho), solution=sol, interactions=inters)
        if ask == "temp_read":
            question = "What temperature does thermometer P show, in degrees Celsius?"
            sol = f"On the scale {counts} degree(s). The top of the liquid column in P is level with {_num(l1)} degrees Celsius."
            return draft.replace(question=question, answer=_num(l1), solution=sol, interactions=(self._read_ix(["P"]),))
        if ask == "temp_change":
            question = ("Thermometer P shows the temperature at the start of a reaction and thermometer Q at the end. "
                        "What is the change in temperature, in degrees Celsius? Give a fall as a negative number.")
            sol = (f"On the scale {counts} degree(s). P reads {_num(l1)} and Q reads {_num(l2)} degrees Celsius, so the "
                   f"change is {_num(l2)} − {_num(l1)} = {_num(l2 - l1)}.")
            return draft.replace(question=question, answer=_num(l2 - l1), solution=sol, interactions=(self._read_ix(["P", "Q"]),))
        raise ValueError(ask)

    def expand_sequential(self, draft: Draft, rng: random.Random) -> Draft | None:
        """volume of the stone by displacement -> its density from a given mass."""
        if draft.params["ask"] != "displacement":
            return None
        l1, l2 = (Fraction(v) for v in draft.params["levels"])
        mass = (l2 - l1) * rng.choice([Fraction(5, 2), Fraction(3), Fraction(2), Fraction(27, 10), Fraction(8, 5)])
        new = self._pose(draft.replace(params=dict(draft.params, ask="seq_density", mass=str(mass), parent_answer=draft.answer)))
        return new.replace(variant="seq_density", difficulty=draft.difficulty + 1)

    def rederive(self, draft: Draft) -> str:
        lv = {e.name: to_frac(e.y, 100) for e in draft.elements}
        ask = draft.params["ask"]
        if ask in ("read", "temp_read"):
            return _num(lv["P"])
        if ask in ("displacement", "temp_change"):
            return _num(lv["Q"] - lv["P"])
        if ask in ("density", "seq_density"):
            return fmt_frac(Fraction(draft.params["mass"]) / (lv["Q"] - lv["P"]))
        raise ValueError(f"unknown ask {ask!r}")


# ==============================================================================================
# ball-and-stick molecules


MASS = {"C": Fraction(12), "H": Fraction(1), "O": Fraction(16), "Cl": Fraction(71, 2)}
ATOM_STYLE = {  # radius (data units), face colour, text colour, font size
    "C": (0.36, "#404040", "white", 10),
    "H": (0.25, "white", "black", 8),
    "O": (0.34, "#d62728", "white", 10),
    "Cl": (0.38, "#2ca02c", "white", 9),
}
GROUPS = {1: ["none", "alcohol", "chloro", "alkene"], 2: ["alcohol", "chloro", "alkene", "acid", "ketone"],
          3: ["alkene+alcohol", "chloro+alcohol", "acid", "ketone", "alkene+chloro", "diene"]}


def build_molecule(n: int, group: str, rng: random.Random):
    """Atoms [(symbol, x, y)] and bonds [(i, j, order)] of a straight carbon chain with the given
    functional groups, hydrogens filling each carbon's remaining valence."""
    atoms: list[tuple[str, float, float]] = [("C", 2.0 * i, 0.0) for i in range(n)]
    bonds: list[tuple[int, int, int]] = []
    order = [1] * (n - 1)
    taken: dict[int, set[str]] = {i: set() for i in range(n)}
    parts = group.split("+") if group != "none" else []
    if "diene" in parts:
        parts = ["alkene", "alkene"]
    used_alkene: list[int] = []
    for part in parts:
        if part == "alkene":
            free = [i for i in range(n - 1) if order[i] == 1 and i not in used_alkene and i - 1 not in used_alkene and i + 1 not in used_alkene]
            i = rng.choice(free)
            order[i] = 2
            used_alkene.append(i)
    for i in range(n - 1):
        bonds.append((i, i + 1, order[i]))

    def add(sym, x, y, to, o=1):
        atoms.append((sym, x, y))
        bonds.append((to, len(atoms) - 1, o))
        return len(atoms) - 1

    def valence_left(i):
        return 4 - sum(o for a, b, o in bonds if i in (a, b))

    for part in parts:
        cands = [i for i in range(n) if "up" not in taken[i] and valence_left(i) >= (2 if part in ("ketone",) else 1)]
        if part == "acid":
            i = n - 1
            o1 = add("O", atoms[i][1], 1.5, i, 2)
            o2 = add("O", atoms[i][1] + 1.5, 0.0, i)
            add("H", atoms[o2][1] + 1.2, 0.0, o2)
            taken[i] |= {"up", "right"}
        elif part == "ketone":
            inner = [i for i in cands if 0 < i < n - 1]
            i = rng.choice(inner)
            add("O", atoms[i][1], 1.5, i, 2)
            taken[i].add("up")
        elif part in ("alcohol", "chloro"):
            i = rng.choice([c for c in cands if not (part == "alcohol" and "acid" in parts and c == n - 1)])
            up = "up" not in taken[i]
            side = "up" if up else "down"
            sy = 1.0 if up else -1.0
            if part == "alcohol":
                o = add("O", atoms[i][1], 1.5 * sy, i)
                add("H", atoms[o][1] + 1.0, 2.4 * sy, o)
            else:
                add("Cl", atoms[i][1], 1.55 * sy, i)
            taken[i].add(side)
        elif part != "alkene":
            raise ValueError(part)
    for i in range(n):
        slots = [("up", 0.0, 1.3), ("down", 0.0, -1.3)]
        if i == 0:
            slots.append(("left", -1.3, 0.0))
        if i == n - 1:
            slots.append(("right", 1.3, 0.0))
        need = valence_left(i)
        free = [s for s in slots if s[0] not in taken[i]]
        if need > len(free):
            raise ValueError("no room for hydrogens")
        for name, dx, dy in free[:need]:
            add("H", atoms[i][1] + dx, atoms[i][2] + dy, i)
    return atoms, bonds


def formula_counts(atoms) -> dict[str, int]:
    out: dict[str, int] = {}
    for sym, _, _ in atoms:
        out[sym] = out.get(sym, 0) + 1
    return out


class BallStickMolecule(Family):
    """A ball-and-stick model of a small organic molecule (chain with alcohol, chloro, alkene,
    ketone or acid groups) with one carbon tagged X; asks for hydrogens in all or on X, the number
    of bonds, the molar mass, or the degree of unsaturation."""

    name = "ball_stick_molecule"
    givens = ("atoms",)
    domain = DOMAIN
    node_ids = (COUNT_ATOMS, VALENCE, COUNT_BONDS, MOLAR_MASS, UNSAT)
    supports = frozenset({"sequential"})
    ASKS = {
        "count_h": frozenset({COUNT_ATOMS}),
        "h_on_x": frozenset({COUNT_ATOMS, VALENCE}),
        "bonds": frozenset({COUNT_BONDS, VALENCE}),
        "molar_mass": frozenset({COUNT_ATOMS, MOLAR_MASS}),
        "unsaturation": frozenset({UNSAT, COUNT_BONDS}),
    }

    def create(self, rng: random.Random, node_ids, difficulty: int) -> Draft:
        d = clamp_difficulty(difficulty)
        ask, covered = pick_ask(rng, node_ids, self.ASKS, self.node_ids)
        n = rng.randint(2, 3) if d == 1 else rng.randint(3, 4) if d == 2 else rng.randint(4, 5)
        while True:
            group = rng.choice(GROUPS[d])
            if group == "diene" and n < 4 or group == "ketone" and n < 3:
                continue
            if ask == "unsaturation" and d == 1 and "alkene" not in group and rng.random() < 0.7:
                continue
            try:
                atoms, bonds = build_molecule(n, group, rng)
            except (ValueError, IndexError):
                continue
            break
        xs = [a[1] for a in atoms]
        ys = [a[2] for a in atoms]
        xlo, xhi = min(xs) - 1.4, max(xs) + 1.4
        size = (5.6, 4.0)
        rect = (0.02, 0.02, 0.96, 0.96)
        ratio = (size[1] * rect[3]) / (size[0] * rect[2])
        xspan = max(xhi - xlo, (max(ys) - min(ys) + 2.6) / ratio)
        xc, yc = (xlo + xhi) / 2, (max(ys) + min(ys)) / 2
        cv = Canvas((xc - xspan / 2, xc + xspan / 2), (yc - xspan * ratio / 2, yc + xspan * ratio / 2), size=size, rect=rect, font=15)
        for i, j, o in bonds:
            (_, x1, y1), (_, x2, y2) = atoms[i], atoms[j]
            if o == 1:
                cv.plot([(x1, y1), (x2, y2)], "color='#555555', lw=3, zorder=1")
            else:
                dx, dy = x2 - x1, y2 - y1
                L = math.hypot(dx, dy)
                nx, ny = -dy / L * 0.1, dx / L * 0.1
                for sgn in (-1, 1):
                    cv.plot([(x1 + sgn * nx, y1 + sgn * ny), (x2 + sgn * nx, y2 + sgn * ny)], "color='#555555', lw=2.4, zorder=1")
        for sym, x, y in atoms:
            r, fc, tc, fs = ATOM_STYLE[sym]
            cv.raw(f"ax.add_patch(plt.Circle(({x}, {y}), {r}, fc='{fc}', ec='black', lw=1.2, zorder=3))")
            cv.text(x, y, sym, size=fs, extra=f"color='{tc}', zorder=4")
            cv.avoid([(x + r * math.cos(k * math.pi / 8), y + r * math.sin(k * math.pi / 8)) for k in range(17)])
        carbons = [i for i, a in enumerate(atoms) if a[0] == "C"]
        x_idx = rng.choice(carbons)
        cv.point("X", atoms[x_idx][1:], role="tagged carbon atom", dot=None, ref=(atoms[x_idx][1] - 0.3, atoms[x_idx][2] - 0.5))
        code, elements = cv.build(label_color="#1f3b99")
        params = {"ask": ask, "group": group, "atoms": [list(a) for a in atoms], "bonds": [list(b) for b in bonds],
                  "x_atom": x_idx}
        draft = self.draft(node_ids=covered, question="", answer="", solution="", interactions=(),
                           elements=elements, render_code=code, difficulty=d, params=params)
        return self._pose(draft)

    def _pose(self, draft: Draft) -> Draft:
        pr = draft.params
        ask = pr["ask"]
        atoms = [tuple(a) for a in pr["atoms"]]
        bonds = [tuple(b) for b in pr["bonds"]]
        cnt = formula_counts(atoms)
        formula = ", ".join(f"{cnt[s]} {name}" for s, name in (("C", "carbon"), ("H", "hydrogen"), ("O", "oxygen"), ("Cl", "chlorine")) if s in cnt)
        intro = "The ball-and-stick model shows one molecule; each ball is marked with its element symbol."
        ring_x = Interaction("highlight", "Circle the tagged carbon atom X.", interaction_code(ix_rings(["X"], r=22)), ("X",))
        if ask == "count_h":
            question = f"{intro} How many hydrogen atoms does the molecule contain?"
            sol = f"Count the white balls: the molecule has {formula} atoms, so {cnt['H']} hydrogen atoms."
            return draft.replace(question=question, answer=str(cnt["H"]), solution=sol, interactions=(ring_x,))
        if ask == "seq_count_h":
            question = f"{intro} Having counted the hydrogen atoms on carbon X, count them all: how many hydrogen atoms does the whole molecule contain?"
            sol = f"{draft.solution} Counting every white ball in the same way: {cnt['H']} hydrogen atoms in all ({formula} atoms)."
            inters = draft.interactions + (Interaction("highlight", "Circle the carbon atoms one by one to count their hydrogens.",
                                                       interaction_code(ix_rings(["X"], color="#2ca02c", r=30)), ("X",)),)
            return draft.replace(question=question, answer=str(cnt["H"]), solution=sol, interactions=inters)
        if ask == "h_on_x":
            xi = pr["x_atom"]
            hs = sum(1 for a, b, _ in bonds if xi in (a, b) and atoms[b if a == xi else a][0] == "H")
            others = sum(o for a, b, o in bonds if xi in (a, b) and atoms[b if a == xi else a][0] != "H")
            question = f"{intro} How many hydrogen atoms are bonded to the carbon atom X?"
            sol = (f"Carbon forms four bonds. X uses {others} of them on bonds to carbon or other non-hydrogen atoms "
                   f"(a double bond counts twice), so 4 − {others} = {hs} hydrogen atoms are bonded to it.")
            return draft.replace(question=question, answer=str(hs), solution=sol, interactions=(ring_x,))
        if ask == "bonds":
            total = sum(o for _, _, o in bonds)
            doubles = sum(1 for *_, o in bonds if o == 2)
            question = f"{intro} How many covalent bonds does the molecule contain in total? Count a double bond as two bonds."
            sol = (f"There are {len(bonds)} sticks joining atoms, {doubles} of them double bonds; counting each double bond "
                   f"twice gives {len(bonds)} + {doubles} = {total} covalent bonds.")
            return draft.replace(question=question, answer=str(total), solution=sol, interactions=(ring_x,))
        if ask in ("molar_mass", "seq_molar_mass"):
            m = sum(MASS[s] * k for s, k in cnt.items())
            masses = "carbon 12, hydrogen 1, oxygen 16 and chlorine 35.5"
            question = f"{intro} Using the molar masses {masses} grams per mole, what is the molar mass of the molecule, in grams per mole?"
            terms = " + ".join(f"{cnt[s]} × {_num(MASS[s])}" for s in ("C", "H", "O", "Cl") if s in cnt)
            if ask == "molar_mass":
                sol = f"Counting the balls gives {formula} atoms. The molar mass is {terms} = {_num(m)} grams per mole."
                inters = (ring_x,)
            else:
                sol = f"{draft.solution} With {formula} atoms the molar mass is {terms} = {_num(m)} grams per mole."
                inters = draft.interactions + (Interaction("highlight", "Circle every atom that is not hydrogen.",
                                                           interaction_code(ix_rings(["X"], color="blue", r=14)), ("X",)),)
            return draft.replace(question=question, answer=_num(m), solution=sol, interactions=inters)
        if ask == "unsaturation":
            doubles = sum(1 for *_, o in bonds if o == 2)
            dou = doubles
            question = (f"{intro} What is the degree of unsaturation of the molecule (the number of rings plus "
                        "double bonds)?")
            c, h, x = cnt.get("C", 0), cnt.get("H", 0), cnt.get("Cl", 0)
            sol = (f"The molecule has {formula} atoms and no ring. From the formula, (2 × {c} + 2 − {h} − {x})/2 = {dou}, "
                   f"matching the {doubles} double bond(s) drawn as double sticks.")
            return draft.replace(question=question, answer=str(dou), solution=sol, interactions=(ring_x,))
        raise ValueError(ask)

    def expand_sequential(self, draft: Draft, rng: random.Random) -> Draft | None:
        """hydrogens on X -> hydrogens in the molecule -> its molar mass (bond counts and the
        unsaturation also lead on to the molar mass)."""
        nxt = {"h_on_x": "seq_count_h", "count_h": "seq_molar_mass", "seq_count_h": "seq_molar_mass",
               "bonds": "seq_molar_mass", "unsaturation": "seq_molar_mass"}.get(draft.params["ask"])
        if nxt is None:
            return None
        new = self._pose(draft.replace(params=dict(draft.params, ask=nxt, parent_answer=draft.answer)))
        return new.replace(variant=nxt, difficulty=draft.difficulty + 1)

    def rederive(self, draft: Draft) -> str:
        pr = draft.params
        atoms = [tuple(a) for a in pr["atoms"]]
        bonds = [tuple(b) for b in pr["bonds"]]
        cnt = formula_counts(atoms)
        ask = pr["ask"]
        if ask in ("count_h", "seq_count_h"):
            return str(cnt["H"])
        if ask == "h_on_x":
            ex = draft.element("X")
            xi = min(range(len(atoms)), key=lambda k: (atoms[k][1] - ex.x) ** 2 + (atoms[k][2] - ex.y) ** 2)
            return str(sum(1 for a, b, _ in bonds if xi in (a, b) and atoms[b if a == xi else a][0] == "H"))
        if ask == "bonds":
            # each atom's valence (C 4, O 2, H 1, Cl 1) counts every bond twice
            val = {"C": 4, "O": 2, "H": 1, "Cl": 1}
            return str(sum(val[a[0]] for a in atoms) // 2)
        if ask in ("molar_mass", "seq_molar_mass"):
            return _num(sum(MASS[s] * k for s, k in cnt.items()))
        if ask == "unsaturation":
            c, h, x = cnt.get("C", 0), cnt.get("H", 0), cnt.get("Cl", 0)
            return str((2 * c + 2 - h - x) // 2)
        raise ValueError(f"unknown ask {ask!r}")


# ==============================================================================================
# solubility curves


SALTS = [("potassium nitrate", "sodium chloride"), ("ammonium chloride", "potassium sulfate"),
         ("sodium nitrate", "potassium chloride"), ("potassium bromide", "sodium sulfate")]


class SolubilityCurve(Family):
    """Solubility curves of two salts (grams per 100 g of water against temperature) with marked
    points P and Q on the steeper curve and their crossing R; asks for a solubility, how much more
    can dissolve, the mass crystallising on cooling, or where the salts are equally soluble."""

    name = "solubility_curve"
    givens = (ELEMENTS,)
    domain = DOMAIN
    node_ids = (SOL_READ, SATURATED, CRYSTALS, SOL_COMPARE)
    ASKS = {
        "read": frozenset({SOL_READ}),
        "more": frozenset({SOL_READ, SATURATED}),
        "crystals": frozenset({SATURATED, CRYSTALS}),
        "cross": frozenset({SOL_READ, SOL_COMPARE}),
    }

    def create(self, rng: random.Random, node_ids, difficulty: int) -> Draft:
        d = clamp_difficulty(difficulty)
        ask, covered = pick_ask(rng, node_ids, self.ASKS, self.node_ids)
        while True:
            y0, i, j = rng.randint(2, 6) * 5, rng.randint(2, 6), rng.choice([0, 0, 1])
            if j and i > 3:
                continue
            sol_a = lambda t, y0=y0, i=i, j=j: y0 + Fraction(i, 10) * t + Fraction(j, 100) * t * t  # noqa: E731
            tc = rng.choice([20, 30, 40, 50, 60])
            slope_b = Fraction(rng.choice([0, 1, 2]), 10)
            sol_b = lambda t, tc=tc, s=slope_b: sol_a(tc) + s * (t - tc)  # noqa: E731
            if sol_b(0) <= 0 or sol_a(tc) % 5:
                continue
            grid = [t for t in range(10, 100, 10) if sol_a(t) % 5 == 0 and abs(t - tc) >= 10]
            if len(grid) < 2:
                continue
            tp, tq = sorted(rng.sample(grid, 2))
            if tq - tp < 20 and d > 1:
                continue
            break
        top = max(sol_a(100), sol_b(100))
        ymax = int(math.ceil((top + 10) / 20) * 20)
        names = rng.choice(SALTS)
        cv = Canvas((0, 100), (0, ymax), size=(5.6, 4.4), rect=(0.13, 0.12, 0.83, 0.82), axis_off=False, font=13)
        cv.setup += [
            "ax.set_xticks(range(0, 101, 10))",
            f"ax.set_yticks(range(0, {ymax + 1}, 10))",
            f"ax.set_yticks(range(0, {ymax + 1}, 5), minor=True)",
            "ax.tick_params(labelsize=9)",
            "ax.grid(True, which='major', color='#c8c8c8', lw=0.8)",
            "ax.grid(True, which='minor', color='#ececec', lw=0.6)",
            "ax.set_axisbelow(True)",
            "ax.set_xlabel('temperature (\u00b0C)', fontsize=11)",
            "ax.set_ylabel('solubility (g per 100 g water)', fontsize=10)",
        ]
        ts = list(range(0, 101, 5))
        cv.plot([(t, float(sol_a(t))) for t in ts], "color='#d62728', lw=2.2")
        cv.plot([(t, float(sol_b(t))) for t in ts], "color='#1f77b4', lw=2.2")
        # curve names at their right ends, kept apart vertically
        ya, yb = float(sol_a(95)), float(sol_b(95))
        if abs(ya - yb) < ymax * 0.08:
            ya, yb = (ya + ymax * 0.05, yb - ymax * 0.05) if ya >= yb else (ya - ymax * 0.05, yb + ymax * 0.05)
        cv.text(97, ya + ymax * 0.045, names[0], size=9, ha="right", extra="color='#d62728'")
        cv.text(97, yb - ymax * 0.045, names[1], size=9, ha="right", extra="color='#1f77b4'")
        cv.point("P", (tp, float(sol_a(tp))), role="marked point at the lower temperature on the steeper curve", dot="color='black', ms=6")
        cv.point("Q", (tq, float(sol_a(tq))), role="marked point at the higher temperature on the steeper curve", dot="color='black', ms=6")
        cv.point("R", (tc, float(sol_a(tc))), role="crossing point of the two curves", dot="color='black', ms=6")
        code, elements = cv.build()
        params = {"ask": ask, "salts": list(names), "tp": tp, "tq": tq, "tc": tc,
                  "sp": str(sol_a(tp)), "sq": str(sol_a(tq)), "sc": str(sol_a(tc)),
                  "x_axis_px": cv.img_px((0, 0))[0], "y_axis_px": cv.img_px((0, 0))[1]}
        if ask == "more":
            params["held"] = int(sol_a(tp)) - rng.choice(range(5, int(sol_a(tp)), 5))
        draft = self.draft(node_ids=covered, question="", answer="", solution="", interactions=(),
                           elements=elements, render_code=code, difficulty=d, params=params)
        return self._pose(draft)

    def _pose(self, draft: Draft) -> Draft:
        pr = draft.params
        ask, (a, b) = pr["ask"], pr["salts"]
        sp, sq, sc = Fraction(pr["sp"]), Fraction(pr["sq"]), Fraction(pr["sc"])
        x0, y0 = pr["x_axis_px"], pr["y_axis_px"]

        def reading(names):
            return Interaction("auxiliary_line", f"Draw reading lines from {' and '.join(names)} to both axes.",
                               interaction_code("".join(
                                   f"ax.plot([{x0}, P[{n!r}][0], P[{n!r}][0]], [P[{n!r}][1], P[{n!r}][1], {y0}], color='red', ls='--', lw=1.8)\n"
                                   for n in names)), tuple(names))

        if ask == "read":
            question = f"What is the solubility of {a} at the temperature of point P, in grams per 100 g of water?"
            sol = f"Point P lies on the {a} curve at {pr['tp']} degrees; reading across to the solubility axis gives {_num(sp)} g per 100 g of water."
            return draft.replace(question=question, answer=_num(sp), solution=sol, interactions=(reading(["P"]),))
        if ask == "more":
            held = pr["held"]
            question = (f"At the temperature of point P, 100 g of water already holds {held} g of dissolved {a}. How many "
                        "more grams of it can dissolve before the solution is saturated?")
            sol = (f"At P ({pr['tp']} degrees) the curve gives a solubility of {_num(sp)} g per 100 g of water, so "
                   f"{_num(sp)} − {held} = {_num(sp - held)} g more can dissolve.")
            return draft.replace(question=question, answer=_num(sp - held), solution=sol, interactions=(reading(["P"]),))
        if ask == "crystals":
            question = (f"Some saturated solution of {a} in 100 g of water is cooled from the temperature of point Q to that of "
                        "point P. What mass of crystals forms, in grams?")
            sol = (f"Reading the {a} curve: at Q ({pr['tq']} degrees) {_num(sq)} g dissolves, at P ({pr['tp']} degrees) only "
                   f"{_num(sp)} g. The difference {_num(sq)} − {_num(sp)} = {_num(sq - sp)} g comes out as crystals.")
            return draft.replace(question=question, answer=_num(sq - sp), solution=sol, interactions=(reading(["P", "Q"]),))
        if ask == "cross":
            question = f"At what temperature, in degrees Celsius, are {a} and {b} equally soluble?"
            sol = f"The two curves cross at R; reading down to the temperature axis gives {pr['tc']} degrees Celsius (both {_num(sc)} g)."
            return draft.replace(question=question, answer=str(pr["tc"]), solution=sol, interactions=(reading(["R"]),))
        raise ValueError(ask)

    def rederive(self, draft: Draft) -> str:
        p = {e.name: (to_frac(e.x, 10), to_frac(e.y, 100)) for e in draft.elements}
        ask = draft.params["ask"]
        if ask == "read":
            return _num(p["P"][1])
        if ask == "more":
            return _num(p["P"][1] - draft.params["held"])
        if ask == "crystals":
            return _num(p["Q"][1] - p["P"][1])
        if ask == "cross":
            return _num(p["R"][0])
        raise ValueError(f"unknown ask {ask!r}")


FAMILIES = [MeasuringScaleReading(), BallStickMolecule(), SolubilityCurve()]
