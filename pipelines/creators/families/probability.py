"""Probability families: a fair spinner of coloured sectors on equal slices, and a frequency
chart of the results of rolling a lettered die.

Spinner: the rim points between sectors and the centre are the elements, so :meth:`rederive`
measures every sector's angle and turns it into a fraction of the turn. Die chart: the bar tops
are the elements (category index, frequency), read back exactly against the grid.
"""

from __future__ import annotations

import math
import random
from fractions import Fraction

from pipelines.creators.base import Draft, Element, Family, Interaction
from pipelines.creators.common import (
    angle_at,
    clamp_difficulty,
    fmt_frac,
    fraction_note,
    interaction_code,
    ix_datamap,
    pick_ask,
    to_frac,
)
from pipelines.creators.families._f3kit import canvas, dot, ix_rings, listing, text
from pipelines.creators.families.statistics_charts import chart_code

DOMAIN = "probability"
_P = "probability."
COMPLEMENT = _P + "basics.complement"
MUTEX = _P + "basics.mutually_exclusive"
SECTOR = _P + "spinners_and_counters.sector_probability"
EQUAL = _P + "spinners_and_counters.equal_sectors"
COMBINED = _P + "spinners_and_counters.combined_regions"
DIE = _P + "spinners_and_counters.die_outcomes"
RELFREQ = _P + "relative_frequency.relative_frequency"
TRIALS = _P + "relative_frequency.total_trials"
EVENT = _P + "relative_frequency.event_frequency"
FAIR = _P + "relative_frequency.fairness"
ESTIMATE = _P + "relative_frequency.estimate_probability"
EXPECTED = _P + "expectation.expected_frequency"
TREE = _P + "combined_events.tree_diagram"
MULTIPLY = _P + "combined_events.multiply_along_branches"
ADD_PATHS = _P + "combined_events.add_paths"
NO_REPLACE = _P + "combined_events.without_replacement"

# ==============================================================================================
# spinner

COLOURS = {"red": "#e45756", "blue": "#4c78a8", "yellow": "#f2cf5b", "green": "#54a24b", "purple": "#a878c8"}
RIM_LABELS = "ABCDEFGH"


def _sector_angles(draft: Draft) -> list[Fraction]:
    """Each sector's measured share of the turn (sector i runs ccw from rim label i to i+1)."""
    pts = draft.points()
    o = pts["O"]
    names = draft.params["rim"]
    n = draft.params["slices"]
    out = []
    for i, a in enumerate(names):
        b = names[(i + 1) % len(names)]
        # every sector is under a half turn (create guarantees it), so the plain angle is its size
        ang = angle_at(o, pts[a], pts[b])
        out.append(Fraction(round(ang / 360 * n), n))
    return out


class SpinnerSectors(Family):
    """Fair spinner cut into equal slices that are grouped into coloured sectors between
    labelled rim points; asks for the probability of a colour, of not a colour, of one sector,
    or the expected count of a colour in many spins."""

    name = "spinner_sectors"
    givens = ("widths", "colours")
    domain = DOMAIN
    node_ids = (SECTOR, EQUAL, COMBINED, COMPLEMENT, EXPECTED)
    supports = frozenset({"sequential"})
    ASKS = {
        "sector": frozenset({SECTOR, EQUAL}),
        "colour": frozenset({SECTOR, EQUAL, COMBINED}),
        "not_colour": frozenset({EQUAL, COMBINED, COMPLEMENT}),
        "expected": frozenset({EQUAL, EXPECTED}),
    }

    def create(self, rng: random.Random, node_ids, difficulty: int) -> Draft:
        d = clamp_difficulty(difficulty)
        ask, covered = pick_ask(rng, node_ids, self.ASKS, self.node_ids)
        n = {1: rng.choice([6, 8]), 2: rng.choice([8, 10]), 3: rng.choice([10, 12])}[d]
        k = {1: 4, 2: rng.choice([4, 5]), 3: 5}[d]
        while True:
            cuts = sorted(rng.sample(range(1, n), k - 1))
            widths = [b - a for a, b in zip([0] + cuts, cuts + [n], strict=True)]
            if max(widths) * 2 < n:
                break
        names = list(COLOURS)
        rng.shuffle(names)
        # one colour on two non-adjacent sectors, so "the probability of a colour" adds regions
        twice = names[0]
        others = names[1: k - 1]
        cols = [twice, others[0], twice] + others[1:]
        start = rng.randrange(n)
        rim = list(RIM_LABELS[:k])
        params = {"ask": ask, "slices": n, "widths": widths, "colours": cols, "rim": rim, "start": start}
        code, elements = self._figure(n, widths, cols, rim, start)
        if ask == "sector":
            params["target"] = rng.randrange(k)
        else:
            params["target"] = twice if ask != "expected" or rng.random() < 0.6 else rng.choice(others)
        if ask == "expected":
            params["spins"] = n * rng.choice([5, 10, 20, 30])
        draft = self.draft(node_ids=covered, render_code=code, question="", answer="", solution="",
                          interactions=(), elements=elements, difficulty=d, params=params)
        return self._pose(draft)

    @staticmethod
    def _boundary_deg(n: int, widths: list[int], start: int) -> list[float]:
        out, acc = [], start
        for w in widths:
            out.append(90 + 360 * acc / n)
            acc += w
        return out

    def _figure(self, n, widths, cols, rim, start) -> tuple[str, tuple[Element, ...]]:
        lines = canvas(4.6, 4.6, (-1.45, 1.45), (-1.45, 1.45))
        bdeg = self._boundary_deg(n, widths, start)
        for i, w in enumerate(widths):
            a0 = bdeg[i]
            lines.append(f"ax.add_patch(plt.matplotlib.patches.Wedge((0, 0), 1, {a0!r}, {a0 + 360 * w / n!r}, "
                         f"facecolor='{COLOURS[cols[i]]}', edgecolor='black', lw=2, zorder=1))")
        # thin slice lines show the equal slices inside each sector
        for j in range(n):
            t = math.radians(90 + 360 * (start + j) / n)
            lines.append(f"ax.plot([0, {math.cos(t):.6f}], [0, {math.sin(t):.6f}], color='white', lw=1.0, zorder=2)")
        for i in range(len(widths)):
            t = math.radians(bdeg[i])
            lines.append(f"ax.plot([0, {math.cos(t):.6f}], [0, {math.sin(t):.6f}], color='black', lw=2, zorder=3)")
        lines.append("ax.add_patch(plt.Circle((0, 0), 1, fill=False, color='black', lw=2.5, zorder=3))")
        lines.append(dot(0.0, 0.0, ms=8))
        lines.append("ax.text(0.0, -0.16, 'O', fontsize=13, fontweight='bold', ha='center', va='center', zorder=6, "
                     "bbox=dict(facecolor='white', edgecolor='none', pad=1.0))")
        elements = [Element("O", "point", 0.0, 0.0, "centre of the spinner")]
        for i, nm in enumerate(rim):
            t = math.radians(bdeg[i])
            x, y = round(math.cos(t), 6), round(math.sin(t), 6)
            lines.append(dot(x, y, ms=7))
            lines.append(text(round(1.2 * x, 4), round(1.2 * y, 4), nm, size=14))
            elements.append(Element(nm, "point", x, y, ""))
        return "\n".join(lines) + "\n", tuple(elements)

    def _event(self, draft: Draft) -> tuple[list[int], str]:
        """Sector indices of the asked event and its wording."""
        pr = draft.params
        cols, rim, k = pr["colours"], pr["rim"], len(pr["rim"])
        if pr["ask"] in ("sector",) or (pr["ask"] == "seq_expected" and isinstance(pr["target"], int)):
            i = pr["target"]
            return [i], f"in the sector between {rim[i]} and {rim[(i + 1) % k]}"
        target = pr["target"]
        idx = [i for i in range(k) if cols[i] == target]
        if pr["ask"] == "not_colour" or pr.get("negate"):
            return [i for i in range(k) if cols[i] != target], f"on a colour other than {target}"
        return idx, f"on {target}"

    def _shade(self, draft: Draft, sectors: list[int]) -> Interaction:
        pr = draft.params
        rim, k, n = pr["rim"], len(pr["rim"]), pr["slices"]
        bdeg = self._boundary_deg(n, pr["widths"], pr["start"])
        code = [f"_ox, _oy = P['O']\n_r = math.hypot(P['{rim[0]}'][0] - _ox, P['{rim[0]}'][1] - _oy)\n"]
        touched = {"O"}
        for i in sectors:
            a0, a1 = bdeg[i], bdeg[i] + 360 * pr["widths"][i] / n
            code.append(f"_t = np.radians(np.linspace({a0!r}, {a1!r}, 40))\n"
                        "_xs, _ys = np.r_[_ox, _ox + _r * np.cos(_t)], np.r_[_oy, _oy - _r * np.sin(_t)]\n"
                        "ax.fill(_xs, _ys, color='white', alpha=0.55, lw=0)\n"
                        "ax.fill(_xs, _ys, facecolor='none', edgecolor='black', hatch='//', lw=2.5)\n")
            touched |= {rim[i], rim[(i + 1) % k]}
        els = tuple(x for x in ["O"] + rim if x in touched)
        return Interaction("shade", "Hatch the sectors of the event and count the equal slices they cover.",
                           interaction_code(*code), els)

    def _pose(self, draft: Draft) -> Draft:
        pr = draft.params
        n = pr["slices"]
        sectors, wording = self._event(draft)
        slices = sum(pr["widths"][i] for i in sectors)
        p = Fraction(slices, n)
        intro = f"The fair spinner is divided into {n} equal slices."
        if pr["ask"] in ("sector", "colour", "not_colour"):
            question = f"{intro} What is the probability that it stops {wording}? {fraction_note()}"
            answer = fmt_frac(p)
            if pr["ask"] == "not_colour":
                solution = (f"The {pr['target']} sectors cover {n - slices} of the {n} slices, so the probability of "
                            f"{pr['target']} is {fmt_frac(Fraction(n - slices, n))}; the complement is "
                            f"1 − {fmt_frac(Fraction(n - slices, n))} = {answer}.")
            else:
                parts = " + ".join(str(pr["widths"][i]) for i in sectors)
                solution = (f"The event covers {parts} = {slices} of the {n} equal slices, and each slice is equally "
                            f"likely, so the probability is {slices}/{n} = {answer}.")
        else:
            spins = pr["spins"]
            e = p * spins
            answer = fmt_frac(e)
            question = f"{intro} It is spun {spins} times. How many times is it expected to stop {wording}?"
            solution = (f"The event covers {slices} of the {n} slices, so its probability is {fmt_frac(p)}; "
                        f"the expected number is {spins} × {fmt_frac(p)} = {answer}.")
        return draft.replace(question=question, answer=answer, solution=solution,
                             interactions=draft.interactions + (self._shade(draft, sectors),))

    def expand_sequential(self, draft: Draft, rng: random.Random) -> Draft | None:
        """The probability just found becomes an expected count over many spins."""
        pr = draft.params
        if pr["ask"] not in ("sector", "colour", "not_colour"):
            return None
        spins = pr["slices"] * rng.choice([5, 10, 20])
        new = draft.replace(params=dict(pr, ask="seq_expected", spins=spins, negate=pr["ask"] == "not_colour",
                                        parent_answer=draft.answer))
        new = self._pose(new)
        sectors, _ = self._event(new)
        # the new step reuses the shading: mark the centre and count again
        ix = Interaction("highlight", f"Multiply the probability {draft.answer} by the {spins} spins.",
                         interaction_code(ix_rings(["O"], color="#1f77b4", r=20)), ("O",))
        return new.replace(interactions=draft.interactions + (ix,), variant="seq_expected",
                           difficulty=draft.difficulty + 1,
                           solution=f"From the previous step the probability is {draft.answer}. " + new.solution)

    def rederive(self, draft: Draft) -> str:
        share = _sector_angles(draft)
        pr = draft.params
        sectors, _ = self._event(draft)
        p = sum((share[i] for i in sectors), Fraction(0))
        if pr["ask"] in ("sector", "colour", "not_colour"):
            return fmt_frac(p)
        if pr["ask"] in ("expected", "seq_expected"):
            return fmt_frac(p * pr["spins"])
        raise ValueError(f"unknown ask {pr['ask']!r}")


# ==============================================================================================
# die frequency chart

DIE_THEMES = [
    "Results of rolling a lettered die",
    "Outcomes of a six-sided die with letters",
    "Tally of lettered die rolls in class",
]


class DieRollFrequency(Family):
    """Bar chart of how often each face of a die lettered A..F came up; asks for a relative
    frequency, the relative frequency of a two-face event, an estimated count in future rolls,
    or how far a face is above or below the count expected of a fair die."""

    name = "die_roll_frequency"
    givens = ("values",)
    domain = DOMAIN
    node_ids = (RELFREQ, TRIALS, EVENT, ESTIMATE, FAIR, DIE)
    supports = frozenset({"parallel"})
    ASKS = {
        "rel_freq": frozenset({RELFREQ, TRIALS}),
        "event": frozenset({EVENT, TRIALS, RELFREQ}),
        "estimate": frozenset({ESTIMATE, RELFREQ, TRIALS}),
        "fair_gap": frozenset({FAIR, DIE, TRIALS}),
    }

    def create(self, rng: random.Random, node_ids, difficulty: int) -> Draft:
        d = clamp_difficulty(difficulty)
        ask, covered = pick_ask(rng, node_ids, self.ASKS, self.node_ids)
        step = rng.choice({1: [1, 2], 2: [2, 5], 3: [5, 10]}[d])
        while True:
            mult = [rng.randint(2, 9) for _ in range(6)]
            total = sum(mult) * step
            if total % 6 == 0 and len(set(mult)) >= 4 and any(m * step != total // 6 for m in mult):
                break
        names = list("ABCDEF")
        values = [m * step for m in mult]
        ymax = step * (max(mult) + 1)
        code, elements, xlim = chart_code("bar", names, values, step, ymax, DIE_THEMES[rng.randrange(3)],
                                          "Face", "Frequency")
        elements = tuple(Element(e.name, e.kind, e.x, e.y, "") for e in elements)
        val = dict(zip(names, values, strict=True))
        params = {"ask": ask, "values": val, "xlim": list(xlim), "total": total}
        if ask == "event":
            params["faces"] = sorted(rng.sample(names, 2))
        elif ask == "fair_gap":
            params["faces"] = [rng.choice([x for x in names if val[x] != total // 6])]
        else:
            params["faces"] = [rng.choice(names)]
        if ask == "estimate":
            params["future"] = total * rng.choice([2, 3, 5, 10])
        draft = self.draft(node_ids=covered, render_code=code, question="", answer="", solution="",
                          interactions=(), elements=elements, difficulty=d, params=params)
        return self._pose(draft)

    def _reading(self, draft: Draft, faces: list[str]) -> Interaction:
        x_axis = draft.params["xlim"][0]
        code = [ix_datamap({e.name: (e.x, e.y) for e in draft.elements})]
        for f in faces:
            code.append(f"_q = _px({x_axis}, _D[{f!r}][1])\n"
                        f"ax.plot([_q[0], P[{f!r}][0]], [_q[1], P[{f!r}][1]], color='red', ls='--', lw=1.8)\n")
        code.append(ix_rings(faces, r=12))
        return Interaction("auxiliary_line", f"Read the bars of {listing(faces)} across to the frequency axis.",
                           interaction_code(*code), tuple(faces))

    def _pose(self, draft: Draft) -> Draft:
        pr = draft.params
        val, total, faces, ask = pr["values"], pr["total"], pr["faces"], pr["ask"]
        f = sum(val[x] for x in faces)
        all_bars = " + ".join(str(v) for v in val.values())
        intro = "The chart shows the results of rolling a die with faces lettered A to F."
        if ask in ("rel_freq", "event"):
            what = f"face {faces[0]}" if len(faces) == 1 else f"face {faces[0]} or face {faces[1]}"
            question = f"{intro} What is the relative frequency of {what}? {fraction_note()}"
            answer = fmt_frac(Fraction(f, total))
            reads = " + ".join(str(val[x]) for x in faces)
            solution = (f"The total number of rolls is {all_bars} = {total}. {what.capitalize()} came up {reads} = {f} times, "
                        f"so the relative frequency is {f}/{total} = {answer}.")
        elif ask == "estimate":
            fut = pr["future"]
            question = (f"{intro} Using these results, how many times would you expect face {faces[0]} "
                        f"in {fut} further rolls?")
            answer = fmt_frac(Fraction(f * fut, total))
            solution = (f"There were {all_bars} = {total} rolls and face {faces[0]} came up {f} times, so its estimated "
                        f"probability is {fmt_frac(Fraction(f, total))}; in {fut} rolls expect {fut} × "
                        f"{fmt_frac(Fraction(f, total))} = {answer}.")
        elif ask == "fair_gap":
            fair = total // 6
            question = (f"{intro} If the die were fair, each face would be expected equally often. By how many does "
                        f"the count of face {faces[0]} differ from that expected count?")
            answer = str(abs(f - fair))
            solution = (f"There were {all_bars} = {total} rolls, so a fair die gives each face {total}/6 = {fair}. "
                        f"Face {faces[0]} came up {f} times, a difference of {answer}.")
        else:
            raise ValueError(ask)
        return draft.replace(question=question, answer=answer, solution=solution,
                             interactions=draft.interactions + (self._reading(draft, faces),))

    def expand_parallel(self, draft: Draft, rng: random.Random) -> Draft | None:
        """One face -> that face or another one (an extra bar to read, frequencies add)."""
        pr = draft.params
        if pr["ask"] not in ("rel_freq", "estimate") or len(pr["faces"]) != 1:
            return None
        other = rng.choice([x for x in pr["values"] if x not in pr["faces"]])
        new = draft.replace(params=dict(pr, ask="event", faces=sorted(pr["faces"] + [other])))
        new = self._pose(new)
        return new.replace(interactions=draft.interactions + (self._reading(draft, [other]),),
                           variant="par_event", difficulty=draft.difficulty + 1)

    def rederive(self, draft: Draft) -> str:
        v = {e.name: to_frac(e.y, 100) for e in draft.elements}
        pr = draft.params
        total = sum(v.values())
        f = sum(v[x] for x in pr["faces"])
        ask = pr["ask"]
        if ask in ("rel_freq", "event"):
            return fmt_frac(f / total)
        if ask == "estimate":
            return fmt_frac(f / total * pr["future"])
        if ask == "fair_gap":
            return fmt_frac(abs(f - total / 6))
        raise ValueError(f"unknown ask {ask!r}")


FAMILIES = [SpinnerSectors(), DieRollFrequency()]


# ==============================================================================================
# two-stage tree diagram (drawing two counters without replacement)

TREE_COLOURS = [("red", "#d62728"), ("blue", "#1f77b4"), ("green", "#2ca02c"), ("yellow", "#bcbd22")]
# branch midpoints of the fixed layout: stage 1 from the root (0, 0) to (2, +-1.6); stage 2 from
# there to (4.4, +-1.6 +-0.8); labels sit on the branches
ROOT, S1, S2 = (0.0, 0.0), 2.0, 4.4
Y1 = {0: 1.6, 1: -1.6}
Y2 = {(0, 0): 2.4, (0, 1): 0.8, (1, 0): -0.8, (1, 1): -2.4}


def _branch_point(frm: tuple[float, float], to: tuple[float, float], t: float = 0.5) -> tuple[float, float]:
    return (round(frm[0] + t * (to[0] - frm[0]), 6), round(frm[1] + t * (to[1] - frm[1]), 6))


def _tree_slots() -> dict[tuple[int, ...], tuple[float, float]]:
    """Branch key -> its label point: (i,) first-stage branch i, (i, j) second-stage branch j after i."""
    slots = {(i,): _branch_point(ROOT, (S1, Y1[i])) for i in (0, 1)}
    slots.update({(i, j): _branch_point((S1, Y1[i]), (S2, Y2[(i, j)])) for i in (0, 1) for j in (0, 1)})
    return slots


class CounterTree(Family):
    """Tree diagram of taking two counters from a bag without replacement, with the branch
    probabilities written on the branches; asks for the probability of both of one colour, one
    of each colour, at least one of a colour, or (choice) the missing-branch reasoning."""

    name = "counter_tree"
    givens = ("counts",)
    domain = DOMAIN
    node_ids = (TREE, MULTIPLY, ADD_PATHS, NO_REPLACE, COMPLEMENT)
    supports = frozenset({"parallel"})
    ASKS = {
        "both_first": frozenset({TREE, MULTIPLY, NO_REPLACE}),
        "both_second": frozenset({MULTIPLY, NO_REPLACE}),
        "one_each": frozenset({ADD_PATHS, MULTIPLY, TREE}),
        "at_least_one": frozenset({COMPLEMENT, MULTIPLY, NO_REPLACE}),
    }

    def create(self, rng: random.Random, node_ids, difficulty: int) -> Draft:
        d = clamp_difficulty(difficulty)
        ask, covered = pick_ask(rng, node_ids, self.ASKS, self.node_ids)
        (c0, h0), (c1, h1) = rng.sample(TREE_COLOURS, 2)
        while True:
            a = rng.randint(2, 3 + 2 * d)
            b = rng.randint(2, 3 + 2 * d)
            n = a + b
            probs = {(0,): (a, n), (1,): (b, n), (0, 0): (a - 1, n - 1), (0, 1): (b, n - 1),
                     (1, 0): (a, n - 1), (1, 1): (b - 1, n - 1)}
            labels = [f"{p}/{q}" for p, q in probs.values()]
            values = [Fraction(p, q) for p, q in probs.values()]
            if a != b and len(set(labels)) == 6 and len(set(values)) == 6:
                break
        code, elements = self._figure(probs, (c0, h0), (c1, h1))
        params = {"ask": ask, "colours": [c0, c1], "counts": [a, b]}
        draft = self.draft(node_ids=covered, render_code=code, question="", answer="", solution="",
                          interactions=(), elements=elements, difficulty=d, params=params)
        return self._pose(draft)

    def _figure(self, probs, col0, col1) -> tuple[str, tuple[Element, ...]]:
        lines = canvas(6.0, 4.6, (-0.5, 6.3), (-2.9, 2.9))
        cols = [col0, col1]
        lines.append(text(0.9, 2.6, "First counter", size=11, color="#555555"))
        lines.append(text(3.2, -2.75, "Second counter", size=11, color="#555555"))
        elements = []
        slots = _tree_slots()
        for i in (0, 1):
            end1 = (S1, Y1[i])
            lines.append(f"ax.plot([{ROOT[0]}, {end1[0]}], [{ROOT[1]}, {end1[1]}], color='#444444', lw=1.8, zorder=1)")
            lines.append(dot(*end1, color=cols[i][1], ms=11))
            for j in (0, 1):
                end2 = (S2, Y2[(i, j)])
                lines.append(f"ax.plot([{end1[0]}, {end2[0]}], [{end1[1]}, {end2[1]}], color='#444444', lw=1.8, zorder=1)")
                lines.append(dot(*end2, color=cols[j][1], ms=11))
                lines.append(text(end2[0] + 0.3, end2[1], f"{cols[i][0]}, {cols[j][0]}", size=11, ha="left"))
        lines.append(dot(*ROOT, color="#444444", ms=7))
        for key, (p, q) in probs.items():
            x, y = slots[key]
            # the label sits beside its branch on the outer side (normal pointing away from the
            # sibling branch), the element on the branch itself
            frm = ROOT if len(key) == 1 else (S1, Y1[key[0]])
            to = (S1, Y1[key[0]]) if len(key) == 1 else (S2, Y2[key])
            dx, dy = to[0] - frm[0], to[1] - frm[1]
            nx, ny = (-dy, dx) if dy > 0 else (dy, -dx)
            k = 0.4 / math.hypot(nx, ny)
            lines.append(dot(x, y, color="#444444", ms=4))
            lines.append(text(round(x + k * nx, 4), round(y + k * ny, 4), f"{p}/{q}", size=12, weight="bold", color="#333333"))
            role = {(0,): "upper first-stage branch", (1,): "lower first-stage branch"}.get(key, "")
            elements.append(Element(f"{p}/{q}", "label", x, y, role))
        return "\n".join(lines) + "\n", tuple(elements)

    def _branches(self, draft: Draft) -> dict[tuple[int, ...], Fraction]:
        """Branch key -> probability, each label placed on its branch by its coordinates."""
        slots = _tree_slots()
        out = {}
        for e in draft.elements:
            key = min(slots, key=lambda k: (slots[k][0] - e.x) ** 2 + (slots[k][1] - e.y) ** 2)
            p, q = e.name.split("/")
            out[key] = Fraction(int(p), int(q))
        return out

    @staticmethod
    def _paths(ask: str) -> tuple[list[tuple[int, int]], bool]:
        """The paths an ask adds up and whether the answer is their complement."""
        return {
            "both_first": ([(0, 0)], False),
            "both_second": ([(1, 1)], False),
            "one_each": ([(0, 1), (1, 0)], False),
            "at_least_one": ([(0, 0)], True),  # at least one of the second colour = 1 - both first colour
            "par_same": ([(0, 0), (1, 1)], False),
        }[ask]

    def _pose(self, draft: Draft) -> Draft:
        pr = draft.params
        c0, c1 = pr["colours"]
        a, b = pr["counts"]
        br = self._branches(draft)
        ask = pr["ask"]
        paths, comp = self._paths(ask)
        probs = [br[(i,)] * br[(i, j)] for i, j in paths]
        p = sum(probs, Fraction(0))
        answer = fmt_frac(1 - p if comp else p)
        intro = (f"One bag holds {c0} and {c1} counters. Two counters are taken out one after the other, "
                 "without replacement; the tree diagram shows the probabilities.")
        asked = {"both_first": f"both counters are {c0}", "both_second": f"both counters are {c1}",
                 "one_each": f"one counter is {c0} and the other is {c1}",
                 "at_least_one": f"at least one counter is {c1}",
                 "par_same": "both counters are the same colour"}[ask]
        question = f"{intro} What is the probability that {asked}? {fraction_note()}"
        slots = _tree_slots()
        names = {k: min(draft.elements, key=lambda e: (slots[k][0] - e.x) ** 2 + (slots[k][1] - e.y) ** 2).name for k in br}
        steps = "; ".join(f"{names[(i,)]} × {names[(i, j)]} = {fmt_frac(br[(i,)] * br[(i, j)])}" for i, j in paths)
        if comp:
            solution = (f"The only way to get no {c1} counter is {c0} then {c0}: {steps}. So the probability of at least "
                        f"one {c1} is 1 − {fmt_frac(p)} = {answer}.")
        elif len(paths) == 1:
            solution = f"Multiply along the path: {steps}, so the probability is {answer}."
        else:
            solution = f"Two paths give this outcome: {steps}. Adding them gives {answer}."
        marks = [names[(i,)] for i, _ in paths] + [names[(i, j)] for i, j in paths]
        marks = list(dict.fromkeys(marks))
        child = ask.startswith("par_")
        ix = Interaction("highlight", f"Circle the branch probabilities {listing(marks)} on the paths used.",
                         interaction_code(ix_rings(marks, color="#1f77b4" if child else "red", r=24 if child else 16)),
                         tuple(marks))
        return draft.replace(question=question, answer=answer, solution=solution,
                             interactions=draft.interactions + (ix,))

    def expand_parallel(self, draft: Draft, rng: random.Random) -> Draft | None:
        """Both of one colour -> both the same colour (a second, independent path added)."""
        if draft.params["ask"] not in ("both_first", "both_second"):
            return None
        new = self._pose(draft.replace(params=dict(draft.params, ask="par_same")))
        return new.replace(variant="par_same", difficulty=draft.difficulty + 1)

    def rederive(self, draft: Draft) -> str:
        br = self._branches(draft)
        paths, comp = self._paths(draft.params["ask"])
        p = sum((br[(i,)] * br[(i, j)] for i, j in paths), Fraction(0))
        return fmt_frac(1 - p if comp else p)


FAMILIES.append(CounterTree())
