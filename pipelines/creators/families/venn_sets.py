"""Venn diagram families: region counts in a two- or three-set diagram, and numbered elements
placed as dots in the regions of a two- or three-set diagram.

The circles are fixed (their centres and radius are the diagram's construction); the set labels
sit on dots on the circles. :meth:`rederive` decides every numbered element's region from its
coordinates (inside or outside each circle) and recomputes the count from the labels.
"""

from __future__ import annotations

import math
import random
from fractions import Fraction

from pipelines.creators.base import ELEMENTS, Draft, Element, Family, Interaction
from pipelines.creators.common import (
    choice_letter,
    clamp_difficulty,
    fmt_frac,
    fraction_note,
    interaction_code,
    make_choices,
    pick_ask,
)
from pipelines.creators.families._f3kit import canvas, dot, ix_rings, listing, text

DOMAIN = "venn_sets"
_V = "venn_sets."
MEMBERSHIP = _V + "sets.membership"
CARD = _V + "sets.cardinality"
INTER = _V + "operations.intersection"
UNION = _V + "operations.union"
COMPLEMENT = _V + "operations.complement"
DIFFERENCE = _V + "operations.difference"
EXACTLY_ONE = _V + "operations.exactly_one"
NEITHER = _V + "operations.neither"
DESCRIBE = _V + "operations.describe_region"
REGION = _V + "counting.region_counts"
INC_EXC = _V + "counting.inclusion_exclusion"
TOTAL = _V + "counting.total_in_diagram"
PROB = _V + "counting.venn_probability"
THREE = _V + "three_sets.regions"
EXACTLY_TWO = _V + "three_sets.exactly_two"
AT_LEAST_TWO = _V + "three_sets.at_least_two"
ONLY_ONE = _V + "three_sets.only_one"

FILLS = {"A": "#f4a3a3", "B": "#9ec5ea", "C": "#b5dfa6"}
R2, R3 = 1.05, 0.95
CENTRES = {
    2: {"A": (-0.65, 0.0), "B": (0.65, 0.0)},
    3: {"A": (-0.55, 0.35), "B": (0.55, 0.35), "C": (0.0, -0.6)},
}
RADIUS = {2: R2, 3: R3}
# where each set's label dot sits on its circle (degrees) and the label's role
LABEL_AT = {"A": (135, "left circle"), "B": (45, "right circle"), "C": (270, "bottom circle")}
XLIM, YLIM = (-2.2, 2.2), (-1.95, 1.55)

# region key: the sets containing it, e.g. "AB"; "" is outside every circle
REGION_POINT = {
    2: {"A": (-1.15, 0.0), "B": (1.15, 0.0), "AB": (0.0, 0.0), "": (1.75, -1.3)},
    3: {"A": (-0.95, 0.6), "B": (0.95, 0.6), "C": (0.0, -1.05), "AB": (0.0, 0.78), "AC": (-0.55, -0.3),
        "BC": (0.55, -0.3), "ABC": (0.0, 0.05), "": (1.75, -1.35)},
}
# slots for numbered dots, per region (two-set diagram and three-set diagram)
SLOTS = {
    2: {"A": [(-1.35, 0.45), (-1.35, -0.1), (-1.3, -0.6), (-0.9, 0.7), (-0.9, -0.78)],
        "B": [(1.05, 0.45), (1.05, -0.1), (1.1, -0.6), (0.75, 0.75), (0.75, -0.8)],
        "AB": [(-0.12, 0.5), (-0.12, 0.0), (-0.12, -0.5)],
        "": [(-1.95, 1.25), (1.55, 1.25), (-1.95, -1.35), (1.55, -1.35), (-0.15, 1.3), (-0.15, -1.35)]},
    3: {"A": [(-1.2, 0.75), (-1.15, 0.3), (-0.8, 1.0)],
        "B": [(0.9, 0.75), (0.95, 0.3), (0.6, 1.0)],
        "C": [(-0.2, -1.1), (0.25, -1.3), (-0.55, -1.0)],
        "AB": [(-0.1, 0.72)],
        "AC": [(-0.75, -0.3)],
        "BC": [(0.45, -0.3)],
        "ABC": [(-0.1, 0.05)],
        "": [(-1.95, 1.3), (1.55, 1.3), (-1.95, -1.45), (1.55, -1.45)]},
}


def region_of(x: float, y: float, n: int) -> str:
    """The sets whose circles contain (x, y), as a key like "AC" ("" outside all)."""
    return "".join(s for s, (cx, cy) in CENTRES[n].items() if math.hypot(x - cx, y - cy) < RADIUS[n])


def diagram(n: int) -> tuple[list[str], list[Element]]:
    """Render lines of the rectangle, the filled circles and the set labels (elements)."""
    lines = canvas(5.6, 4.45, XLIM, YLIM)
    lines.append(f"ax.add_patch(plt.Rectangle(({XLIM[0] + 0.08}, {YLIM[0] + 0.08}), {XLIM[1] - XLIM[0] - 0.16}, "
                 f"{YLIM[1] - YLIM[0] - 0.16}, facecolor='#e0e0e0', edgecolor='black', lw=2, zorder=0))")
    elements = []
    r = RADIUS[n]
    for s, (cx, cy) in CENTRES[n].items():
        lines.append(f"ax.add_patch(plt.Circle(({cx}, {cy}), {r}, facecolor='{FILLS[s]}', alpha=0.55, lw=0, zorder=1))")
    for s, (cx, cy) in CENTRES[n].items():
        lines.append(f"ax.add_patch(plt.Circle(({cx}, {cy}), {r}, fill=False, edgecolor='black', lw=2, zorder=2))")
        deg, role = LABEL_AT[s]
        t = math.radians(deg)
        px, py = round(cx + r * math.cos(t), 6), round(cy + r * math.sin(t), 6)
        lines.append(dot(px, py, ms=6))
        lines.append(text(round(px + 0.2 * math.cos(t), 4), round(py + 0.2 * math.sin(t), 4), s, size=16, weight="bold"))
        elements.append(Element(s, "point", px, py, role))
    return lines, elements


def _describe(key: str, sets: list[str]) -> str:
    ins = [s for s in sets if s in key]
    outs = [s for s in sets if s not in key]
    if not ins:
        return "outside every circle"
    out = "in " + " and ".join(ins)
    if outs:
        out += " but not in " + " or ".join(outs)
    return out


# the regions each ask counts, as predicates on the region key
ASK_REGIONS = {
    "in_a": lambda k: "A" in k,
    "union": lambda k: k != "",
    "exactly_one": lambda k: len(k) == 1,
    "not_b": lambda k: "B" not in k,
    "both": lambda k: "A" in k and "B" in k,
    "a_not_b": lambda k: "A" in k and "B" not in k,
    "total": lambda k: True,
    "prob_both": lambda k: "A" in k and "B" in k,
    "exactly_two": lambda k: len(k) == 2,
    "at_least_two": lambda k: len(k) >= 2,
    "only_one3": lambda k: len(k) == 1,
    "union3": lambda k: k != "",
}
ASK_WORDS = {
    "in_a": "in set A",
    "union": "in set A or set B (or both)",
    "exactly_one": "in exactly one of the sets A and B",
    "not_b": "not in set B",
    "both": "in both set A and set B",
    "a_not_b": "in set A but not in set B",
    "total": "in the whole diagram",
    "exactly_two": "in exactly two of the sets A, B and C",
    "at_least_two": "in at least two of the sets A, B and C",
    "only_one3": "in exactly one of the sets A, B and C",
    "union3": "in at least one of the sets A, B and C",
}

COUNT_THEMES = [
    ("students", "set A holds the students who play an instrument, set B those who play a sport", "set C those who sing in the choir"),
    ("guests", "set A holds the guests who ordered tea, set B those who ordered cake", "set C those who ordered fruit"),
    ("members", "set A holds the club members who swim, set B those who cycle", "set C those who run"),
    ("customers", "set A holds the customers who bought bread, set B those who bought milk", "set C those who bought eggs"),
]


class VennRegionCounts(Family):
    """Two- or three-set Venn diagram with the number of items written in every region;
    asks for the size of a set, a union, an intersection, a complement, exactly one / two /
    at least two sets, the total, or a probability."""

    name = "venn_region_counts"
    givens = (ELEMENTS,)
    domain = DOMAIN
    node_ids = (CARD, REGION, UNION, INTER, COMPLEMENT, EXACTLY_ONE, NEITHER, TOTAL, PROB, INC_EXC,
                THREE, EXACTLY_TWO, AT_LEAST_TWO, ONLY_ONE)
    supports = frozenset({"parallel"})
    ASKS = {
        "in_a": frozenset({CARD, REGION}),
        "union": frozenset({UNION, REGION, INC_EXC}),
        "exactly_one": frozenset({EXACTLY_ONE, REGION}),
        "not_b": frozenset({COMPLEMENT, NEITHER, REGION}),
        "both": frozenset({INTER, REGION}),
        "total": frozenset({TOTAL, REGION}),
        "prob_both": frozenset({PROB, TOTAL, INTER}),
        "exactly_two": frozenset({THREE, EXACTLY_TWO}),
        "at_least_two": frozenset({AT_LEAST_TWO, EXACTLY_TWO, THREE}),
        "only_one3": frozenset({ONLY_ONE, THREE}),
        "union3": frozenset({THREE, UNION}),
    }

    def create(self, rng: random.Random, node_ids, difficulty: int) -> Draft:
        d = clamp_difficulty(difficulty)
        ask, covered = pick_ask(rng, node_ids, self.ASKS, self.node_ids)
        n = 3 if ask in ("exactly_two", "at_least_two", "only_one3", "union3") or (d == 3 and ask != "prob_both") else 2
        keys = list(REGION_POINT[n])
        hi = {1: 20, 2: 35, 3: 50}[d]
        while True:
            counts = {k: rng.randint(1, hi) for k in keys}
            if ask == "prob_both":
                tot = sum(counts.values())
                target = rng.choice([40, 50, 60, 80, 100])
                counts[""] += target - tot
                if counts[""] < 1:
                    continue
            if len(set(counts.values())) == len(counts):
                break
        theme = rng.randrange(len(COUNT_THEMES))
        lines, elements = diagram(n)
        for k, (x, y) in REGION_POINT[n].items():
            lines.append(text(x, y, str(counts[k]), size=14, weight="bold"))
            role = ("number outside every circle" if k == "" else
                    "number in the region inside all three circles" if k == "ABC" else "")
            elements.append(Element(str(counts[k]), "label", x, y, role))
        code = "\n".join(lines) + "\n"
        params = {"ask": ask, "n": n, "theme": theme}
        draft = self.draft(node_ids=covered, render_code=code, question="", answer="", solution="",
                          interactions=(), elements=tuple(elements), difficulty=d, params=params)
        return self._pose(draft)

    def _counts(self, draft: Draft) -> dict[str, int]:
        n = draft.params["n"]
        return {region_of(e.x, e.y, n): int(e.name) for e in draft.elements if e.name.isdigit()}

    def _pose(self, draft: Draft) -> Draft:
        pr = draft.params
        n, ask = pr["n"], pr["ask"]
        counts = self._counts(draft)
        noun, sets2, set3 = COUNT_THEMES[pr["theme"]]
        intro = f"In the Venn diagram of {noun}, {sets2}" + (f", and {set3}." if n == 3 else ".")
        keys = [k for k in counts if ASK_REGIONS[ask.removeprefix("par_")](k)]
        parts = [counts[k] for k in keys]
        value = sum(parts)
        if ask == "prob_both":
            total = sum(counts.values())
            answer = fmt_frac(Fraction(value, total))
            question = (f"{intro} One of them is chosen at random. What is the probability that it is in both set A and "
                        f"set B? {fraction_note()}")
            solution = (f"The regions add up to {' + '.join(map(str, counts.values()))} = {total}; the overlap of A and B "
                        f"holds {' + '.join(map(str, parts))} = {value}, so the probability is {value}/{total} = {answer}.")
        else:
            answer = str(value)
            if ask.startswith("par_"):
                question = f"{intro} How many {noun} are {ASK_WORDS[pr['base_ask']]} and also not {ASK_WORDS[pr['base_ask2']]}?"
                keys = [k for k in counts if ASK_REGIONS[pr["base_ask"]](k) and not ASK_REGIONS[pr["base_ask2"]](k)]
                parts = [counts[k] for k in keys]
                value = sum(parts)
                answer = str(value)
            else:
                question = f"{intro} How many {noun} are {ASK_WORDS[ask]}?"
            regions = listing([_describe(k, list("ABC"[:n])) for k in keys])
            solution = (f"The regions counted are those {regions}: {' + '.join(map(str, parts))} = {answer}.")
            if ask == "union":
                size_a = sum(v for k, v in counts.items() if "A" in k)
                size_b = sum(v for k, v in counts.items() if "B" in k)
                size_ab = sum(v for k, v in counts.items() if "A" in k and "B" in k)
                solution = (f"By inclusion and exclusion, the number in A or B is the size of A plus the size of B minus "
                            f"the size of the overlap: {size_a} + {size_b} − {size_ab} = {answer}.")
        names = [str(counts[k]) for k in keys] or [str(counts[""])]
        child = ask.startswith("par_")
        ix = Interaction("highlight", f"Circle the region counts {listing(names)} that are added.",
                         interaction_code(ix_rings(names, color="#1f77b4" if child else "red", r=25 if child else 17)),
                         tuple(names))
        return draft.replace(question=question, answer=answer, solution=solution,
                             interactions=draft.interactions + (ix,))

    def expand_parallel(self, draft: Draft, rng: random.Random) -> Draft | None:
        """A set count -> that set minus a second condition (a further region test per count)."""
        pr = draft.params
        pairs = {2: {"in_a": "in_b", "union": "both", "not_b": "in_a"}, 3: {"union3": "at_least_two", "at_least_two": "in_c"}}
        second = pairs[pr["n"]].get(pr["ask"])
        if second is None:
            return None
        new = draft.replace(params=dict(pr, ask="par_" + pr["ask"], base_ask=pr["ask"], base_ask2=second))
        new = self._pose(new)
        return new.replace(variant="par_difference", difficulty=draft.difficulty + 1)

    def rederive(self, draft: Draft) -> str:
        counts = self._counts(draft)
        pr = draft.params
        ask = pr["ask"]
        if ask.startswith("par_"):
            return str(sum(v for k, v in counts.items() if ASK_REGIONS[pr["base_ask"]](k) and not ASK_REGIONS[pr["base_ask2"]](k)))
        value = sum(v for k, v in counts.items() if ASK_REGIONS[ask](k))
        if ask == "prob_both":
            return fmt_frac(Fraction(value, sum(counts.values())))
        return str(value)


ASK_REGIONS["in_b"] = lambda k: "B" in k
ASK_REGIONS["in_c"] = lambda k: "C" in k
ASK_WORDS["in_b"] = "in set B"
ASK_WORDS["in_c"] = "in set C"

# ==============================================================================================
# numbered elements placed in regions

RULES = {
    # set label -> (description, predicate on the number)
    "even": ("even numbers", lambda v: v % 2 == 0),
    "mult3": ("multiples of 3", lambda v: v % 3 == 0),
    "mult4": ("multiples of 4", lambda v: v % 4 == 0),
    "mult5": ("multiples of 5", lambda v: v % 5 == 0),
    "gt10": ("numbers greater than 10", lambda v: v > 10),
    "odd": ("odd numbers", lambda v: v % 2 == 1),
    "square": ("square numbers", lambda v: v in (1, 4, 9, 16, 25)),
}
PAIRS = [("even", "mult3"), ("mult4", "mult3"), ("odd", "mult5"), ("even", "gt10"), ("mult3", "gt10"),
         ("odd", "square"), ("even", "mult5")]
TRIPLES = [("even", "mult3", "gt10"), ("odd", "mult3", "gt10"), ("even", "mult5", "gt10")]


class VennPlacedNumbers(Family):
    """Whole numbers drawn as labelled dots in the regions of a Venn diagram of number
    properties; asks how many lie in a set operation, or (choice) which number lies in a given
    region."""

    name = "venn_placed_numbers"
    givens = (ELEMENTS,)
    domain = DOMAIN
    node_ids = (MEMBERSHIP, INTER, UNION, DIFFERENCE, COMPLEMENT, DESCRIBE, THREE)
    ASKS = {
        "both": frozenset({MEMBERSHIP, INTER}),
        "union": frozenset({MEMBERSHIP, UNION}),
        "a_not_b": frozenset({DIFFERENCE, MEMBERSHIP}),
        "not_b": frozenset({COMPLEMENT, MEMBERSHIP}),
        "which": frozenset({DESCRIBE, MEMBERSHIP, DIFFERENCE}),
        "exactly_two": frozenset({THREE, MEMBERSHIP}),
    }

    def create(self, rng: random.Random, node_ids, difficulty: int) -> Draft:
        d = clamp_difficulty(difficulty)
        ask, covered = pick_ask(rng, node_ids, self.ASKS, self.node_ids)
        n = 3 if ask == "exactly_two" else 2
        rules = list(rng.choice(TRIPLES if n == 3 else PAIRS))
        preds = [RULES[r][1] for r in rules]
        sets = list("ABC"[:n])
        # pick numbers so that every region used has room
        want = {1: 7, 2: 9, 3: 11}[d]
        pool = list(range(1, 31))
        rng.shuffle(pool)
        cands: dict[str, list[int]] = {k: [] for k in SLOTS[n]}
        for v in pool:
            key = "".join(s for s, p in zip(sets, preds, strict=True) if p(v))
            cands[key].append(v)
        # one number in every region that can hold one, then more at random up to the room left
        placed = {k: vs[:1] for k, vs in cands.items()}
        rest = [(k, v) for k, vs in cands.items() for v in vs[1: len(SLOTS[n][k])]]
        rng.shuffle(rest)
        for k, v in rest[: max(0, want - sum(map(len, placed.values())))]:
            placed[k].append(v)
        lines, elements = diagram(n)
        for key, vals in placed.items():
            for v, (x, y) in zip(vals, SLOTS[n][key], strict=False):
                lines.append(dot(x, y, color="#222222", ms=6))
                lines.append(text(round(x + 0.18, 4), y, str(v), size=12))
                elements.append(Element(str(v), "point", x, y, ""))
        params = {"ask": ask, "n": n, "rules": rules}
        if ask == "which":
            key = rng.choice([k for k in ("A", "B", "AB") if placed[k]])
            params["region"] = key
        code = "\n".join(lines) + "\n"
        draft = self.draft(node_ids=covered, render_code=code, question="", answer="", solution="",
                          interactions=(), elements=tuple(elements), difficulty=d, params=params)
        return self._pose(draft, rng)

    def _members(self, draft: Draft) -> dict[str, list[str]]:
        n = draft.params["n"]
        out: dict[str, list[str]] = {}
        for e in draft.elements:
            if e.name.isdigit():
                out.setdefault(region_of(e.x, e.y, n), []).append(e.name)
        return out

    def _pose(self, draft: Draft, rng: random.Random) -> Draft:
        pr = draft.params
        n, ask = pr["n"], pr["ask"]
        sets = list("ABC"[:n])
        members = self._members(draft)
        desc = ", ".join(f"{s} is the set of {RULES[r][0]}" for s, r in zip(sets, pr["rules"], strict=True))
        intro = f"The numbers are placed in the Venn diagram, where {desc}."
        choices, atype = (), "number"
        if ask == "which":
            key = pr["region"]
            correct = members[key][0]
            others = [v for k, vs in members.items() if k != key for v in vs]
            rng.shuffle(others)
            choices, answer = make_choices(rng, correct, others)
            atype = "choice"
            question = f"{intro} Which of these numbers is {_describe(key, sets)}?"
            solution = f"Only {correct} among the options lies in the region {_describe(key, sets)}."
            marks = [correct]
        else:
            keys = [k for k in members if ASK_REGIONS[ask](k)]
            names = [v for k in keys for v in members[k]]
            answer = str(len(names))
            question = f"{intro} How many of the numbers shown are {ASK_WORDS[ask]}?"
            solution = (f"The regions {listing([_describe(k, sets) for k in keys]) if keys else 'asked for'} hold "
                        f"{listing(names) if names else 'no numbers'}, so the count is {answer}.")
            marks = names or [sets[0]]
        ix = Interaction("highlight", f"Circle the numbers {listing(marks)} that belong to the asked region.",
                         interaction_code(ix_rings(marks, r=13)), tuple(marks))
        return draft.replace(question=question, answer=answer, solution=solution, choices=choices,
                             answer_type=atype, interactions=(ix,))

    def rederive(self, draft: Draft) -> str:
        members = self._members(draft)
        pr = draft.params
        if pr["ask"] == "which":
            key = pr["region"]
            hits = [c for c in draft.choices if c in members.get(key, [])]
            return choice_letter(draft.choices, hits[0]) if len(hits) == 1 else "?"
        return str(sum(len(v) for k, v in members.items() if ASK_REGIONS[pr["ask"]](k)))


FAMILIES = [VennRegionCounts(), VennPlacedNumbers()]
