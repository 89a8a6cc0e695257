"""SVG families of drawn objects: a clock face, a structural formula, a cube net, a pictogram and
a row of numbered cards (rendered by cairosvg).

:meth:`rederive` reads each figure back from element coordinates: the time from the angles of the
hand tips about the centre, the formula from the atoms and the bond ends drawn between them, the
folded cube from the grid cells of the faces, the pictogram's counts from the icons in each row.
"""

from __future__ import annotations

import math
import random
from fractions import Fraction

from pipelines.creators.base import ELEMENTS, Draft, Family, Interaction
from pipelines.creators.common import (
    choice_letter,
    clamp_difficulty,
    fmt_frac,
    fraction_note,
    interaction_code,
    make_choices,
    pick_ask,
)
from pipelines.creators.families._f3kit import ix_boxes, ix_rings, listing
from pipelines.creators.families._svgkit import (
    ACCENT, GOLD, INK, MUTED, PLUM, SERIF, SOFT, TEAL, ParallelSum, Svg, svg_draft, nearest,
)


# ==============================================================================================
# clock face

_K = "clocks_calendars_money."
K_READ, K_MIN, K_HOUR, K_TO, K_ANGLE, K_HANDS, K_ELAPSED, K_AFTER = (
    _K + "clocks.read_time", _K + "clocks.read_minute_hand", _K + "clocks.read_hour_hand",
    _K + "clocks.minutes_to_the_hour", _K + "clocks.angle_between_hands", _K + "clocks.hand_angles",
    _K + "time.elapsed_time", _K + "time.time_after_duration")
CK_X, CK_Y, CK_R = 210, 225, 175


def _hm(h: int, m: int) -> str:
    return f"{h}:{m:02d}"


class SvgClockFace(ParallelSum, Family):
    """An analogue clock drawn in SVG (serif numerals, minute ticks, two hands); asks for the time
    (choice), the minutes past or to the hour, the hour, the angle of the minute hand or between
    the hands, the minutes until a later time, or the time after a duration (choice)."""

    name = "svg_clock_face"

    givens = (ELEMENTS,)  # everything is read off the figure
    domain = "clocks_calendars_money"
    node_ids = (K_READ, K_MIN, K_HOUR, K_TO, K_ANGLE, K_HANDS, K_ELAPSED, K_AFTER)
    ASKS = {"read": frozenset({K_READ}), "minute": frozenset({K_MIN, K_READ}), "hour": frozenset({K_HOUR}),
            "to_hour": frozenset({K_TO, K_MIN}), "angle": frozenset({K_ANGLE, K_HANDS}),
            "minute_angle": frozenset({K_HANDS}), "elapsed": frozenset({K_ELAPSED, K_READ}),
            "after": frozenset({K_AFTER, K_READ})}
    supports = frozenset({"parallel"})
    PAR = {"angle": ("minute_angle",), "minute_angle": ("angle",)}
    PAR_WORDS = {"angle": "the smaller angle between the hands, in degrees",
                 "minute_angle": "how many degrees the minute hand has turned since the full hour"}

    def create(self, rng: random.Random, node_ids, difficulty: int) -> Draft:
        d = clamp_difficulty(difficulty)
        ask, covered = pick_ask(rng, node_ids, self.ASKS, self.node_ids)
        h = rng.randint(1, 12)
        m = rng.randrange(0, 60, 5) if d == 1 else rng.randrange(2, 58, 2) if d == 2 else rng.randrange(1, 59)
        if ask == "angle" and m % 2:
            m += 1
        if ask == "to_hour" and m == 0:
            m = 35
        s = Svg(420, 440)
        s.circle(CK_X, CK_Y, CK_R + 8, fill=SOFT[2], stroke="none", width=0)
        s.circle(CK_X, CK_Y, CK_R, fill="#fffefb", stroke=INK, width=4)
        for i in range(60):
            t = math.radians(6 * i)
            r0 = CK_R - (18 if i % 5 == 0 else 9)
            s.line(round(CK_X + r0 * math.sin(t), 2), round(CK_Y - r0 * math.cos(t), 2),
                   round(CK_X + (CK_R - 3) * math.sin(t), 2), round(CK_Y - (CK_R - 3) * math.cos(t), 2),
                   stroke=INK if i % 5 == 0 else MUTED, width=3 if i % 5 == 0 else 1.3)
        for k in range(1, 13):
            t = math.radians(30 * k)
            s.text(round(CK_X + 132 * math.sin(t), 2), round(CK_Y - 132 * math.cos(t), 2), str(k), size=26,
                   family=SERIF, weight="bold")
        am, ah = math.radians(6 * m), math.radians(30 * (h % 12) + 0.5 * m)
        mx, my = round(CK_X + 118 * math.sin(am), 2), round(CK_Y - 118 * math.cos(am), 2)
        hx, hy = round(CK_X + 78 * math.sin(ah), 2), round(CK_Y - 78 * math.cos(ah), 2)
        s.line(CK_X, CK_Y, hx, hy, stroke=INK, width=9)
        s.line(CK_X, CK_Y, mx, my, stroke=TEAL, width=5)
        s.circle(CK_X, CK_Y, 8, fill=ACCENT, stroke=INK, width=2)
        s.text(CK_X, 24, "minute hand: long and teal", size=14, fill=MUTED, style="italic")
        for name, ang, r_lab, col in (("M", am, 92, TEAL), ("H", ah, 44, INK)):  # labels beside the hands
            s.text(round(CK_X + r_lab * math.sin(ang) + 15 * math.cos(ang), 2),
                   round(CK_Y - r_lab * math.cos(ang) + 15 * math.sin(ang), 2), name, size=16, weight="bold", fill=col)
        s.element("M", mx, my, "point", "tip of the minute hand")
        s.element("H", hx, hy, "point", "tip of the hour hand")
        code, elements = s.build()
        params = {"ask": ask, "later": rng.randrange(15, 200, 5)}
        draft = svg_draft(self, node_ids=covered, render_code=code, question="", answer="", solution="",
                           interactions=(), elements=elements, difficulty=d, params=params)
        return self._pose(draft, rng)

    @staticmethod
    def _time(draft: Draft) -> tuple[int, int]:
        """(hour, minute) from the angles of the hand tips about the clock's centre."""
        mt, ht = draft.element("M"), draft.element("H")
        a_m = math.degrees(math.atan2(mt.x - CK_X, CK_Y - mt.y)) % 360
        a_h = math.degrees(math.atan2(ht.x - CK_X, CK_Y - ht.y)) % 360
        m = round(a_m / 6) % 60
        h = round((a_h - 0.5 * m) / 30) % 12
        return (h or 12), m

    def _value(self, draft: Draft) -> str:
        pr = draft.params
        h, m = self._time(draft)
        ask = pr["ask"]
        if ask == "minute":
            return str(m)
        if ask == "hour":
            return str(h)
        if ask == "to_hour":
            return str(60 - m)
        if ask == "minute_angle":
            return str(6 * m)
        if ask == "angle":
            a = abs(30 * (h % 12) - 5.5 * m) % 360
            return fmt_frac(Fraction(min(a, 360 - a)).limit_denominator(2))
        if ask == "elapsed":
            return str(pr["later"])
        if ask == "read":
            return choice_letter(draft.choices, _hm(h, m))
        t = (h % 12) * 60 + m + pr["later"]
        return choice_letter(draft.choices, _hm((t // 60) % 12 or 12, t % 60))

    def _pose(self, draft: Draft, rng: random.Random) -> Draft:
        pr = draft.params
        ask = pr["ask"]
        h, m = self._time(draft)
        intro = "The clock shows a time between midnight and noon."
        choices, atype = (), "number"
        if ask in ("read", "after"):
            if ask == "read":
                correct = _hm(h, m)
                wrong = [_hm(m // 5 or 12, (h % 12) * 5), _hm(h % 12 + 1, m), _hm(h, (m + 30) % 60), _hm(h - 1 or 12, m)]
                q = f"{intro} What time does it show?"
            else:
                t = (h % 12) * 60 + m + pr["later"]
                correct = _hm((t // 60) % 12 or 12, t % 60)
                wrong = [_hm((t // 60 + 1) % 12 or 12, t % 60), _hm((t // 60) % 12 or 12, (t + 10) % 60),
                         _hm((t // 60 - 1) % 12 or 12, t % 60), _hm(h, m)]
                q = f"{intro} What time will it show {pr['later']} minutes later?"
            choices, _ = make_choices(rng, correct, wrong)
            atype = "choice"
        elif ask == "elapsed":
            t = (h % 12) * 60 + m + pr["later"]
            q = f"{intro} How many minutes from the time shown until {_hm((t // 60) % 12 or 12, t % 60)}?"
        else:
            q = {"minute": f"{intro} How many minutes past the hour does it show?",
                 "hour": f"{intro} Which hour has the hour hand most recently passed (1 to 12)?",
                 "to_hour": f"{intro} How many minutes are left until the next full hour?",
                 "minute_angle": f"{intro} Through how many degrees has the minute hand turned since the full hour?",
                 "angle": f"{intro} What is the smaller angle between the two hands, in degrees? {fraction_note()}"}[ask]
        draft = draft.replace(choices=choices, answer_type=atype)
        answer = self._value(draft)
        solution = (f"The minute hand points at {m} minutes and the hour hand has passed {h}, so the time is "
                    f"{_hm(h, m)}; the answer is {answer}.")
        extend = (f"_ox, _oy = {CK_X}, {CK_Y}\nfor _k, _c in (('M', '{ACCENT}'), ('H', '{PLUM}')):\n"
                  f"    _x, _y = P[_k]\n    _f = {CK_R - 6} / math.hypot(_x - _ox, _y - _oy)\n"
                  f"    ax.plot([_ox, _ox + (_x - _ox) * _f], [_oy, _oy + (_y - _oy) * _f], color=_c, ls='--', lw=2.5)\n")
        ix = Interaction("auxiliary_line", "Extend both hands out to the rim of the clock to read them on the ticks.",
                         interaction_code(extend + ix_rings(["M", "H"], color=ACCENT, r=12)), ("M", "H"))
        return draft.replace(question=q, answer=answer, solution=solution, interactions=(ix,))


# ==============================================================================================
# structural formula

_S = "chemistry.structure."
S_ATOMS, S_BONDS, S_MASS, S_UNSAT, S_GROUP, S_VAL = (_S + "counting_atoms", _S + "counting_bonds",
                                                     _S + "molar_mass_from_structure", _S + "degree_of_unsaturation",
                                                     _S + "functional_groups", _S + "carbon_valence")
ATOM_FILL = {"C": "#b9cfdc", "H": "#e3d3c3", "O": "#f2b8a8"}
MASS = {"C": 12, "H": 1, "O": 16}
GROUPS = ["alkane", "alkene", "alcohol", "carboxylic acid"]


class SvgStructureFormula(ParallelSum, Family):
    """A displayed structural formula drawn in SVG (atoms as lettered discs, single and double
    bond lines) of a small alkane, alkene or alcohol; asks for atoms of an element, all atoms,
    covalent bonds, the molar mass, the degree of unsaturation or the functional group (choice)."""

    name = "svg_structure_formula"

    givens = (ELEMENTS,)  # everything is read off the figure
    domain = "chemistry"
    node_ids = (S_ATOMS, S_BONDS, S_MASS, S_UNSAT, S_GROUP, S_VAL)
    ASKS = {"hydrogens": frozenset({S_ATOMS, S_VAL}), "atoms": frozenset({S_ATOMS}), "bonds": frozenset({S_BONDS, S_VAL}),
            "mass": frozenset({S_MASS, S_ATOMS}), "unsat": frozenset({S_UNSAT}), "group": frozenset({S_GROUP})}
    supports = frozenset({"parallel"})
    PAR = {"hydrogens": ("bonds",), "atoms": ("bonds",), "bonds": ("atoms",), "unsat": ("bonds",)}
    PAR_WORDS = {"bonds": "how many covalent bonds it has (a double bond counting as two)",
                 "atoms": "how many atoms it has in total"}

    def create(self, rng: random.Random, node_ids, difficulty: int) -> Draft:
        d = clamp_difficulty(difficulty)
        ask, covered = pick_ask(rng, node_ids, self.ASKS, self.node_ids)
        n = rng.randint(2, 3) if d == 1 else rng.randint(3, 4) if d == 2 else rng.randint(4, 5)
        kind = rng.choice(["alkane", "alkene", "alcohol"])
        double = rng.randrange(n - 1) if kind == "alkene" else None
        atoms: dict[str, tuple[float, float]] = {}
        bonds: list[tuple[str, str, int]] = []
        y = 200
        xs = [100 + 95 * i for i in range(n)]
        count = {"C": 0, "H": 0, "O": 0}

        def add(el: str, x: float, yy: float) -> str:
            count[el] += 1
            nm = f"{el}{count[el]}"
            atoms[nm] = (x, yy)
            return nm

        cs = [add("C", x, y) for x in xs]
        for i in range(n - 1):
            bonds.append((cs[i], cs[i + 1], 2 if double == i else 1))
        for i, c in enumerate(cs):
            x = xs[i]
            free = 4 - (1 if i > 0 else 0) - (1 if i < n - 1 else 0) - (1 if double in (i, i - 1) else 0)
            spots = [(x, y - 72), (x, y + 72)]
            if i == 0:
                spots.insert(0, (x - 80, y))
            if i == n - 1:
                spots.insert(0, (x + 80, y))
            if kind == "alcohol" and i == n - 1:
                o = add("O", x + 80, y)
                bonds.append((c, o, 1))
                bonds.append((o, add("H", x + 150, y), 1))
                spots = spots[1:]
                free -= 1
            for sx, sy in spots[:free] if free < len(spots) else spots:
                bonds.append((c, add("H", sx, sy), 1))
        width = xs[-1] + (240 if kind == "alcohol" else 180)
        s = Svg(max(width, 420), 330)
        for a, b, order in bonds:
            (x1, y1), (x2, y2) = atoms[a], atoms[b]
            if order == 1:
                s.line(x1, y1, x2, y2, width=3)
            else:
                for off in (-6, 6):
                    s.line(x1, y1 + off, x2, y2 + off, width=3)
        for nm, (x, yy) in atoms.items():
            el = nm[0]
            s.circle(x, yy, 17, fill=ATOM_FILL[el], stroke=INK, width=1.6)
            s.text(x, yy, el, size=20, weight="bold")
            if el == "C":  # carbons are the elements, numbered by their locants along the chain
                s.text(x + 22, yy - 24, nm[1:], size=13, style="italic", fill=PLUM)
                s.element(nm[1:], x, yy, "point", "")
        s.text(s.w / 2, 30, "displayed formula", size=15, family=SERIF, style="italic", fill=MUTED)
        code, elements = s.build()
        params = {"ask": ask, "bonds": [[*atoms[a], *atoms[b], o] for a, b, o in bonds], "kind": kind,
                  "atoms": [[nm[0], x, yy] for nm, (x, yy) in atoms.items()]}
        draft = svg_draft(self, node_ids=covered, render_code=code, question="", answer="", solution="",
                           interactions=(), elements=elements, difficulty=d, params=params)
        return self._pose(draft, rng)

    def _read(self, draft: Draft) -> tuple[dict[str, int], list[tuple[int, int, int]]]:
        """Atom counts per element and the bonds, each bond end mapped to its nearest drawn atom;
        the carbons are the figure's elements (their coordinates), the other atoms the drawn letters."""
        atoms = [("C", e.x, e.y) for e in draft.elements] + [(a, x, y) for a, x, y in draft.params["atoms"] if a != "C"]
        counts: dict[str, int] = {}
        for a, _, _ in atoms:
            counts[a] = counts.get(a, 0) + 1

        def at(x, y) -> int:
            return min(range(len(atoms)), key=lambda i: math.hypot(atoms[i][1] - x, atoms[i][2] - y))

        bonds = [(at(x1, y1), at(x2, y2), o) for x1, y1, x2, y2, o in draft.params["bonds"]]
        if any(a == b for a, b, _ in bonds):
            raise ValueError("a bond does not join two drawn atoms")
        return counts, bonds

    def _group(self, counts, bonds) -> str:
        if counts.get("O"):
            return "alcohol"
        return "alkene" if any(o == 2 for *_, o in bonds) else "alkane"

    def _value(self, draft: Draft) -> str:
        counts, bonds = self._read(draft)
        ask = draft.params["ask"]
        if ask == "hydrogens":
            return str(counts.get("H", 0))
        if ask == "atoms":
            return str(sum(counts.values()))
        if ask == "bonds":
            return str(sum(o for *_, o in bonds))
        if ask == "mass":
            return str(sum(MASS[k] * v for k, v in counts.items()))
        if ask == "unsat":
            return fmt_frac(Fraction(2 * counts["C"] + 2 - counts["H"], 2))
        return choice_letter(draft.choices, self._group(counts, bonds))

    def _pose(self, draft: Draft, rng: random.Random) -> Draft:
        ask = draft.params["ask"]
        intro = "The displayed formula shows every atom of one molecule and every covalent bond between atoms."
        choices, atype = (), "number"
        q = {"hydrogens": f"{intro} How many hydrogen atoms does the molecule contain?",
             "atoms": f"{intro} How many atoms does the molecule contain in total?",
             "bonds": f"{intro} How many covalent bonds does it contain, counting a double bond as two?",
             "mass": f"{intro} Using molar masses carbon 12, hydrogen 1 and oxygen 16 g/mol, what is its molar mass in g/mol?",
             "unsat": f"{intro} What is its degree of unsaturation (rings plus double bonds)?",
             "group": f"{intro} To which homologous series does the molecule belong?"}[ask]
        if ask == "group":
            counts, bonds = self._read(draft)
            correct = self._group(counts, bonds)
            choices, _ = make_choices(rng, correct, [g for g in GROUPS if g != correct])
            atype = "choice"
        draft = draft.replace(choices=choices, answer_type=atype)
        answer = self._value(draft)
        counts, _ = self._read(draft)
        formula = "".join(f"{k}{v if v > 1 else ''}" for k, v in sorted(counts.items(), key=lambda kv: "CHO".index(kv[0])))
        solution = f"Counting the atoms gives {formula}; the answer is {answer}."
        carbons = [e.name for e in draft.elements]
        doubles = [(x1, y1, x2, y2) for x1, y1, x2, y2, o in draft.params["bonds"] if o == 2]
        ends = sorted({nearest(draft.elements, x, y) for x1, y1, x2, y2 in doubles for x, y in ((x1, y1), (x2, y2))})
        if ask in ("bonds", "unsat", "group") and ends:
            marks, what = ends, f"Circle the carbons {listing(ends)} joined by the double bond."
        elif ask in ("bonds", "unsat", "group") and draft.params["kind"] == "alcohol":
            marks, what = carbons[-1:], f"Circle carbon {carbons[-1]}, which carries the hydroxyl group."
        else:
            marks, what = carbons, "Circle each carbon and count the atoms bonded around it."
        ix = Interaction("highlight", what, interaction_code(ix_rings(marks, color=ACCENT, r=21)), tuple(marks))
        return draft.replace(question=q, answer=answer, solution=solution, interactions=(ix,))


# ==============================================================================================
# cube net

_N = "spatial_reasoning.cube_nets."
CN_FOLD, CN_OPP, CN_DICE = _N + "cube_net_folding", _N + "opposite_faces", _N + "dice_nets"
# the eleven nets: six 1-4-1, three 2-3-1, one 2-2-2 and one 3-3 (rows joined by "|")
NETS = ["#...|####|#...", "#...|####|.#..", "#...|####|..#.", "#...|####|...#", ".#..|####|.#..", ".#..|####|..#.",
        "##..|.###|.#..", "##..|.###|..#.", "##..|.###|...#", "##..|.##.|..##", "###..|..###"]
CELL, CX0, CY0 = 74, 40, 60


def _cells(net: str) -> list[tuple[int, int]]:
    return [(c, r) for r, row in enumerate(net.split("|")) for c, ch in enumerate(row) if ch == "#"]


def _fold(cells: list[tuple[int, int]]) -> dict[tuple[int, int], tuple[int, int, int]]:
    """Outward normal of every net cell after folding (cell 0 on the floor, normal (0, 0, -1))."""
    def neg(v):
        return tuple(-a for a in v)

    frame = {cells[0]: ((0, 0, -1), (1, 0, 0), (0, 1, 0))}  # (normal, net +x, net +y)
    todo = [cells[0]]
    while todo:
        c = todo.pop()
        n, u, v = frame[c]
        for dx, dy in ((1, 0), (-1, 0), (0, 1), (0, -1)):
            k = (c[0] + dx, c[1] + dy)
            if k not in cells or k in frame:
                continue
            if dx == 1:
                frame[k] = (u, neg(n), v)
            elif dx == -1:
                frame[k] = (neg(u), n, v)
            elif dy == 1:
                frame[k] = (v, u, neg(n))
            else:
                frame[k] = (neg(v), u, n)
            todo.append(k)
    return {k: f[0] for k, f in frame.items()}


class SvgCubeNet(ParallelSum, Family):
    """One of the eleven cube nets drawn in SVG, its six faces numbered; asks for the number on
    the face opposite a given one, or the sum of a number and its opposite (a die check)."""

    name = "svg_cube_net"

    givens = (ELEMENTS,)  # everything is read off the figure
    domain = "spatial_reasoning"
    node_ids = (CN_FOLD, CN_OPP, CN_DICE)
    ASKS = {"opposite": frozenset({CN_OPP, CN_FOLD}), "sum": frozenset({CN_DICE, CN_OPP}),
            "product": frozenset({CN_FOLD})}
    supports = frozenset({"parallel"})
    PAR = {"opposite": ("product",), "sum": ("product",), "product": ("sum",)}
    PAR_WORDS = {"product": "the product of the numbers opposite {face} and {other}",
                 "sum": "the sum of {face} and the number opposite it"}

    def create(self, rng: random.Random, node_ids, difficulty: int) -> Draft:
        d = clamp_difficulty(difficulty)
        ask, covered = pick_ask(rng, node_ids, self.ASKS, self.node_ids)
        cells = _cells(rng.choice(NETS))
        if rng.random() < 0.5:  # transpose: the same net turned and flipped
            cells = [(r, c) for c, r in cells]
        if rng.random() < 0.5:
            mx = max(c for c, _ in cells)
            cells = [(mx - c, r) for c, r in cells]
        cells.sort(key=lambda t: (t[1], t[0]))
        nums = list(range(1, 7))
        rng.shuffle(nums)
        cols, rows = max(c for c, _ in cells) + 1, max(r for _, r in cells) + 1
        s = Svg(CX0 * 2 + cols * CELL, CY0 + rows * CELL + 30)
        s.text(s.w / 2, 30, "net of a cube", size=15, family=SERIF, style="italic", fill=MUTED)
        for (c, r), k in zip(cells, nums):
            x, y = CX0 + c * CELL, CY0 + r * CELL
            s.rect(x, y, CELL, CELL, fill=SOFT[(c + r) % 4], stroke=INK, width=2.5)
            s.text(x + CELL / 2, y + CELL / 2, str(k), size=28, weight="bold", family=SERIF)
            s.element(str(k), x + CELL / 2, y + CELL / 2, "label", "")
        code, elements = s.build()
        face = rng.randint(1, 6)
        params = {"ask": ask, "face": face, "other": rng.choice([k for k in range(1, 7) if k != face])}
        draft = svg_draft(self, node_ids=covered, render_code=code, question="", answer="", solution="",
                           interactions=(), elements=elements, difficulty=d, params=params)
        return self._pose(draft)

    @staticmethod
    def _opposite(draft: Draft, k: int) -> int:
        pos = {(int((e.x - CX0) // CELL), int((e.y - CY0) // CELL)): int(e.name) for e in draft.elements}
        cells = sorted(pos, key=lambda t: (t[1], t[0]))
        normals = _fold(cells)
        mine = next(c for c, v in pos.items() if v == k)
        target = tuple(-a for a in normals[mine])
        return next(pos[c] for c, nrm in normals.items() if nrm == target)

    def _value(self, draft: Draft) -> str:
        pr = draft.params
        opp = self._opposite(draft, pr["face"])
        if pr["ask"] == "opposite":
            return str(opp)
        if pr["ask"] == "sum":
            return str(pr["face"] + opp)
        return str(opp * self._opposite(draft, pr["other"]))

    def _pose(self, draft: Draft) -> Draft:
        pr = draft.params
        intro = "The net is folded along the lines between its squares to make a cube."
        q = {"opposite": f"{intro} Which number ends up on the face opposite the face numbered {pr['face']}?",
             "sum": f"{intro} What is the sum of {pr['face']} and the number on the face opposite it?",
             "product": (f"{intro} What is the product of the number opposite {pr['face']} and the number "
                         f"opposite {pr['other']}?")}[pr["ask"]]
        answer = self._value(draft)
        opp = self._opposite(draft, pr["face"])
        solution = (f"Folding, two squares with exactly one square between them in a straight line are opposite; "
                    f"{pr['face']} is opposite {opp}, so the answer is {answer}.")
        marks = [str(pr["face"]), str(opp)]
        ix = Interaction("shade", f"Shade the faces {listing(marks)} that end up opposite each other.",
                         interaction_code(ix_boxes(marks, CELL / 2 - 5, CELL / 2 - 5, color=ACCENT, alpha=0.3)),
                         tuple(marks))
        return draft.replace(question=q, answer=answer, solution=solution, interactions=(ix,))


# ==============================================================================================
# pictogram

_P = "statistics_charts."
P_READ, P_TOTAL, P_DIFF, P_EXT, P_FREQ, P_MEAN, P_RANGE = (
    _P + "bar_charts.read_values", _P + "bar_charts.totals", _P + "bar_charts.differences",
    _P + "bar_charts.extremes", _P + "descriptive_statistics.frequency_reading", _P + "descriptive_statistics.mean",
    _P + "descriptive_statistics.range")
PICTO_THEMES = [("Apples picked", ["monday", "tuesday", "wednesday", "thursday", "friday"], "apples"),
                ("Books read", ["amir", "bella", "chen", "dora", "eli"], "books"),
                ("Cars washed", ["week one", "week two", "week three", "week four", "week five"], "cars")]
PX0, PY0, PROW, PICON = 150, 80, 52, 40


class SvgPictogram(ParallelSum, Family):
    """A pictogram drawn in SVG: rows of whole and half icons with a key (each icon stands for k);
    asks for one row's value, the total, a difference, the largest value, the mean or the range."""

    name = "svg_pictogram"

    givens = (ELEMENTS,)  # everything is read off the figure
    domain = "statistics_charts"
    node_ids = (P_READ, P_TOTAL, P_DIFF, P_EXT, P_FREQ, P_MEAN, P_RANGE)
    ASKS = {"read": frozenset({P_READ, P_FREQ}), "total": frozenset({P_TOTAL}), "diff": frozenset({P_DIFF}),
            "max": frozenset({P_EXT}), "mean": frozenset({P_MEAN, P_FREQ}), "range": frozenset({P_RANGE, P_EXT})}
    supports = frozenset({"parallel"})
    PAR = {"read": ("total", "max"), "diff": ("max",), "total": ("max",), "max": ("total",), "mean": ("max",),
           "range": ("max",)}
    PAR_WORDS = {"total": "the total shown by all rows", "max": "the largest value shown by one row"}

    def create(self, rng: random.Random, node_ids, difficulty: int) -> Draft:
        d = clamp_difficulty(difficulty)
        ask, covered = pick_ask(rng, node_ids, self.ASKS, self.node_ids)
        ti = rng.randrange(len(PICTO_THEMES))
        title, cats, noun = PICTO_THEMES[ti]
        nrow = 4 if d == 1 else 5
        cats = cats[:nrow]
        key = rng.choice([2, 4]) if d == 1 else rng.choice([2, 4, 10])
        while True:
            halves = [rng.randint(2, 15) for _ in cats]  # value in half icons
            vals = [Fraction(h, 2) * key for h in halves]
            if len(set(vals)) == len(vals) and (ask != "mean" or sum(vals) % len(vals) == 0):
                break
        s = Svg(PX0 + 8 * PICON + 40, PY0 + nrow * PROW + 70)
        s.text(s.w / 2, 34, title, size=20, family=SERIF, weight="bold")
        icons = []
        for r, (cat, hv) in enumerate(zip(cats, halves)):
            y = PY0 + r * PROW + PROW / 2
            s.line(20, y + PROW / 2, s.w - 20, y + PROW / 2, stroke="#e4dccb", width=1.2)
            s.text(PX0 - 16, y, cat, size=15, anchor="end", fill=TEAL, weight="bold")
            for i in range((hv + 1) // 2):
                x = PX0 + PICON * i + PICON / 2
                half = i == hv // 2
                if half:
                    s.path(f"M {x} {y - 15} A 15 15 0 0 0 {x} {y + 15} Z", fill=GOLD, stroke=INK, width=1.8)
                else:
                    s.circle(x, y, 15, fill=GOLD, stroke=INK, width=1.8)
                icons.append([x, y, 1 if half else 2])
            s.element(cat, PX0 + PICON / 2 - 6, y, "marker", "")
        ky = PY0 + nrow * PROW + 35
        s.circle(PX0 + 20, ky, 12, fill=GOLD, stroke=INK, width=1.5)
        s.text(PX0 + 42, ky, f"= {key} {noun}", size=16, anchor="start")
        code, elements = s.build()
        params = {"ask": ask, "theme": ti, "key": key, "icons": icons}
        pick = rng.sample(range(nrow), 2)
        params["a"], params["b"] = cats[pick[0]], cats[pick[1]]
        draft = svg_draft(self, node_ids=covered, render_code=code, question="", answer="", solution="",
                           interactions=(), elements=elements, difficulty=d, params=params)
        return self._pose(draft)

    def _values(self, draft: Draft) -> dict[str, Fraction]:
        """Each row's value: its icons (whole = 2 halves) found by their height, times the key."""
        pr = draft.params
        rows = {e.name: e.y for e in draft.elements}
        out = dict.fromkeys(rows, Fraction(0))
        for x, y, halves in pr["icons"]:
            cat = min(rows, key=lambda c: abs(rows[c] - y))
            out[cat] += Fraction(halves, 2) * pr["key"]
        return out

    def _value(self, draft: Draft) -> str:
        pr = draft.params
        v = self._values(draft)
        ask = pr["ask"]
        if ask == "read":
            return fmt_frac(v[pr["a"]])
        if ask == "total":
            return fmt_frac(sum(v.values()))
        if ask == "diff":
            return fmt_frac(abs(v[pr["a"]] - v[pr["b"]]))
        if ask == "max":
            return fmt_frac(max(v.values()))
        if ask == "mean":
            return fmt_frac(sum(v.values()) / len(v))
        return fmt_frac(max(v.values()) - min(v.values()))

    def _pose(self, draft: Draft) -> Draft:
        pr = draft.params
        title, _, noun = PICTO_THEMES[pr["theme"]]
        a, b = pr["a"], pr["b"]
        intro = f"The pictogram shows {title.lower()}; the key gives the value of one whole icon."
        q = {"read": f"{intro} How many {noun} does the row for {a} stand for?",
             "total": f"{intro} How many {noun} are shown altogether?",
             "diff": f"{intro} What is the difference between the rows for {a} and {b}?",
             "max": f"{intro} What is the largest value shown by one row?",
             "mean": f"{intro} What is the mean value per row?",
             "range": f"{intro} What is the range of the values of the rows?"}[pr["ask"]]
        answer = self._value(draft)
        solution = f"Each whole icon is {pr['key']} and each half icon {Fraction(pr['key'], 2)}; the answer is {answer}."
        marks = [a, b] if pr["ask"] == "diff" else [a] if pr["ask"] == "read" else [e.name for e in draft.elements]
        ix = Interaction("highlight", f"Circle the first icon of the rows {listing(marks)} and count along them.",
                         interaction_code(ix_rings(marks, color=ACCENT, r=19)), tuple(marks))
        return draft.replace(question=q, answer=answer, solution=solution, interactions=(ix,))


# ==============================================================================================
# numbered cards

_R = "probability."
R_EQ, R_EVENTS, R_COMP, R_BAG, R_EXP, R_WITHOUT, R_SUM1 = (
    _R + "basics.equally_likely", _R + "basics.outcomes_and_events", _R + "basics.complement",
    _R + "spinners_and_counters.bag_of_counters", _R + "expectation.expected_frequency",
    _R + "combined_events.without_replacement", _R + "basics.sum_to_one")
CARD_FILL = {"red": "#f2a99c", "blue": "#a9c6e8"}
EVENTS = {"even": ("an even number", lambda v: v % 2 == 0), "mult3": ("a multiple of 3", lambda v: v % 3 == 0),
          "gt10": ("a number greater than 10", lambda v: v > 10), "prime": ("a prime number", lambda v: v in
                                                                             (2, 3, 5, 7, 11, 13, 17, 19))}


class SvgCards(Family):
    """Numbered red and blue cards laid face up, drawn in SVG; one is picked at random: asks for
    the probability of an event, of its complement, of a colour, the expected count over repeated
    picks, or the probability that two picks without replacement are both red."""

    name = "svg_cards"

    givens = (ELEMENTS,)  # everything is read off the figure
    domain = "probability"
    node_ids = (R_EQ, R_EVENTS, R_COMP, R_BAG, R_EXP, R_WITHOUT, R_SUM1)
    ASKS = {"event": frozenset({R_EQ, R_EVENTS}), "complement": frozenset({R_COMP, R_SUM1}),
            "colour": frozenset({R_BAG, R_EQ}), "expected": frozenset({R_EXP}), "two_red": frozenset({R_WITHOUT})}

    def create(self, rng: random.Random, node_ids, difficulty: int) -> Draft:
        d = clamp_difficulty(difficulty)
        ask, covered = pick_ask(rng, node_ids, self.ASKS, self.node_ids)
        n = {1: 6, 2: 8, 3: 10}[d]
        vals = sorted(rng.sample(range(1, 21), n))
        rng.shuffle(vals)
        reds = set(rng.sample(vals, rng.randint(2, n - 2)))
        per_row = 5
        s = Svg(40 + per_row * 96, 70 + ((n + per_row - 1) // per_row) * 124)
        s.text(s.w / 2, 32, "cards face up", size=15, family=SERIF, style="italic", fill=MUTED)
        for i, v in enumerate(vals):
            x, y = 30 + (i % per_row) * 96, 60 + (i // per_row) * 124
            col = "red" if v in reds else "blue"
            s.rect(x, y, 76, 104, fill=CARD_FILL[col], stroke=INK, width=2.2, rx=9)
            s.rect(x + 8, y + 8, 60, 88, fill="none", stroke="#ffffff", width=1.5, rx=5)
            s.text(x + 38, y + 52, str(v), size=30, weight="bold", family=SERIF)
            s.element(str(v), x + 38, y + 52, "label", "")
        code, elements = s.build()
        event = rng.choice(sorted(EVENTS))
        red_at = [[e.x, e.y] for e in elements if int(e.name) in reds]
        params = {"ask": ask, "event": event, "red_at": red_at, "times": rng.choice([30, 60, 120])}
        draft = svg_draft(self, node_ids=covered, render_code=code, question="", answer="", solution="",
                           interactions=(), elements=elements, difficulty=d, params=params)
        return self._pose(draft)

    def _value(self, draft: Draft) -> tuple[str, list[str]]:
        pr = draft.params
        vals = [int(e.name) for e in draft.elements]
        n = len(vals)
        pred = EVENTS[pr["event"]][1]
        hits = [v for v in vals if pred(v)]
        # a card is red when a red card was drawn at its position
        reds = [int(e.name) for e in draft.elements if any(math.hypot(e.x - x, e.y - y) < 1 for x, y in pr["red_at"])]
        ask = pr["ask"]
        if ask == "event":
            return fmt_frac(Fraction(len(hits), n)), [str(v) for v in hits]
        if ask == "complement":
            return fmt_frac(1 - Fraction(len(hits), n)), [str(v) for v in vals if not pred(v)]
        if ask == "colour":
            both = [v for v in reds if pred(v)]
            return fmt_frac(Fraction(len(both), n)), [str(v) for v in both]
        if ask == "expected":
            return fmt_frac(Fraction(len(hits), n) * pr["times"]), [str(v) for v in hits]
        r = len(reds)
        return fmt_frac(Fraction(r * (r - 1), n * (n - 1))), [str(v) for v in reds]

    def _pose(self, draft: Draft) -> Draft:
        pr = draft.params
        words = EVENTS[pr["event"]][0]
        intro = "The cards are shuffled and one card is picked at random."
        q = {"event": f"{intro} What is the probability that it shows {words}?",
             "complement": f"{intro} What is the probability that it does not show {words}?",
             "colour": f"{intro} What is the probability that the card is red and shows {words}?",
             "expected": (f"{intro} The pick is repeated {pr['times']} times, the card going back each time. How many "
                          f"times should one expect a card showing {words}?"),
             "two_red": ("The cards are shuffled and two cards are picked at random, one after the other, without "
                         "putting the first back. What is the probability that both are red?")}[pr["ask"]]
        q += " " + fraction_note()
        answer, marks = self._value(draft)
        solution = f"The favourable cards are {listing(marks) if marks else 'none'}; out of {len(draft.elements)} cards the answer is {answer}."
        marks = marks or [draft.elements[0].name]
        ix = Interaction("highlight", f"Circle the cards {listing(marks)} that count as a success.",
                         interaction_code(ix_rings(marks, color=PLUM, r=30)), tuple(marks))
        return draft.replace(question=q, answer=answer, solution=solution, interactions=(ix,))

    def rederive(self, draft: Draft) -> str:
        return self._value(draft)[0]


FAMILIES = [SvgClockFace(), SvgStructureFormula(), SvgCubeNet(), SvgPictogram(), SvgCards()]
