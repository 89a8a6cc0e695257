"""Sequence and pattern families: the first terms of a sequence drawn as bars, and a growing
matchstick pattern.

Bars: the elements are the bar tops (position, value), so :meth:`rederive` reads the terms back
from the heights, recognises the rule (constant difference, constant ratio, or sum of the two
previous terms) and recomputes the answer. Matchsticks: the figures start at x = 0 and are one
unit per shape wide; the elements are the figures' right-hand top corners, so the number of
shapes in each figure is measured from its element.
"""

from __future__ import annotations

import random
from fractions import Fraction

from pipelines.creators.base import ELEMENTS, Draft, Element, Family, Interaction
from pipelines.creators.common import (
    choice_letter,
    clamp_difficulty,
    fmt_frac,
    interaction_code,
    make_choices,
    pick_ask,
    to_frac,
)
from pipelines.creators.families._f3kit import canvas, dot, ix_path, ix_rings, text

DOMAIN = "sequences_patterns"
_S = "sequences_patterns."
READ_BARS = _S + "basics.read_terms_from_bars"
RULE = _S + "basics.term_to_term_rule"
NEXT = _S + "basics.next_term"
DIFF = _S + "arithmetic.common_difference"
NTH = _S + "arithmetic.nth_term"
POSITION = _S + "arithmetic.position_of_term"
SERIES = _S + "arithmetic.series_sum"
RATIO = _S + "geometric.common_ratio"
GEO_NTH = _S + "geometric.nth_term"
IDENTIFY = _S + "geometric.identify_type"
FIB = _S + "recursive.fibonacci"
COUNT = _S + "figure_patterns.count_parts"
GROWTH = _S + "figure_patterns.growth_per_step"
MATCH_RULE = _S + "figure_patterns.matchstick_rule"
WHICH = _S + "figure_patterns.which_figure"
SQUARE_TRI = _S + "figure_patterns.square_and_triangular_numbers"
RECT = _S + "figure_patterns.rectangular_numbers"


def ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


# ==============================================================================================
# sequence drawn as bars

RULE_TEXT = {
    "arith": "add {d} each time",
    "geo": "multiply by {r} each time",
    "fib": "add the two previous terms",
}


def classify(terms: list[Fraction]) -> tuple[str, Fraction]:
    """The rule of the shown terms: ("arith", d), ("geo", r) or ("fib", 0)."""
    diffs = {b - a for a, b in zip(terms, terms[1:], strict=False)}
    if len(diffs) == 1:
        return "arith", diffs.pop()
    ratios = {b / a for a, b in zip(terms, terms[1:], strict=False) if a != 0}
    if len(ratios) == 1 and all(t != 0 for t in terms):
        return "geo", ratios.pop()
    if all(terms[i] == terms[i - 1] + terms[i - 2] for i in range(2, len(terms))):
        return "fib", Fraction(0)
    raise ValueError(f"terms {terms} follow none of the known rules")


def term(kind: str, terms: list[Fraction], k: Fraction, n: int) -> Fraction:
    """Term number n (1-based) of the sequence continuing ``terms``."""
    if kind == "arith":
        return terms[0] + (n - 1) * k
    if kind == "geo":
        return terms[0] * k ** (n - 1)
    seq = list(terms)
    while len(seq) < n:
        seq.append(seq[-1] + seq[-2])
    return seq[n - 1]


class SequenceBars(Family):
    """The first terms of an arithmetic, geometric or Fibonacci-like sequence drawn as bars
    with their values; asks for the next term, a far term, the position of a value, the sum of
    the first terms, or (choice) the rule."""

    name = "sequence_bars"
    givens = (ELEMENTS,)
    domain = DOMAIN
    node_ids = (READ_BARS, RULE, NEXT, DIFF, NTH, POSITION, SERIES, RATIO, GEO_NTH, IDENTIFY, FIB)
    supports = frozenset({"parallel"})
    ASKS = {
        "next": frozenset({READ_BARS, RULE, NEXT}),
        "nth": frozenset({DIFF, NTH, READ_BARS}),
        "position": frozenset({POSITION, DIFF}),
        "sum": frozenset({SERIES, NTH}),
        "geo_nth": frozenset({RATIO, GEO_NTH, READ_BARS}),
        "rule": frozenset({IDENTIFY, RULE, DIFF, RATIO}),
        "fib": frozenset({FIB, NEXT}),
    }

    def create(self, rng: random.Random, node_ids, difficulty: int) -> Draft:
        d = clamp_difficulty(difficulty)
        ask, covered = pick_ask(rng, node_ids, self.ASKS, self.node_ids)
        shown = 4 if d < 3 else 5
        if ask in ("nth", "position", "sum"):
            kind = "arith"
        elif ask == "geo_nth":
            kind = "geo"
        elif ask == "fib":
            kind = "fib"
        else:
            kind = rng.choice(["arith", "geo", "fib"])
        if kind == "arith":
            a, k = rng.randint(1, 9 * d), rng.randint(2, 4 + 2 * d)
            if ask in ("next", "nth", "rule") and rng.random() < 0.3:
                # a decreasing sequence whose shown terms all stay positive
                a, k = a + k * shown, -k
            terms = [a + i * k for i in range(shown)]
        elif kind == "geo":
            a, k = rng.randint(1, 3), rng.choice([2, 3] if d > 1 else [2])
            shown = 4
            terms = [a * k**i for i in range(shown)]
        else:
            t1, t2 = rng.randint(1, 4), rng.randint(2, 6)
            terms = [t1, t2]
            while len(terms) < shown:
                terms.append(terms[-1] + terms[-2])
        names = [f"T{i + 1}" for i in range(shown)]
        code, elements = self._figure(names, terms)
        params = {"ask": ask, "shown": shown}
        if ask == "nth":
            params["n"] = rng.choice([10, 12, 15, 20, 25, 30])
        elif ask == "geo_nth":
            params["n"] = shown + rng.randint(2, 3)
        elif ask == "fib":
            params["n"] = shown + rng.randint(2, 3)
        elif ask == "position":
            params["n"] = rng.randint(shown + 3, 25)
            params["value"] = terms[0] + (params["n"] - 1) * (terms[1] - terms[0])
        elif ask == "sum":
            params["n"] = rng.choice([8, 10, 12, 20])
        draft = self.draft(node_ids=covered, render_code=code, question="", answer="", solution="",
                          interactions=(), elements=elements, difficulty=d, params=params)
        return self._pose(draft, rng)

    def _figure(self, names: list[str], terms: list[int]) -> tuple[str, tuple[Element, ...]]:
        n = len(terms)
        top = max(terms)
        lines = canvas(5.6, 4.0, (-0.8, n - 0.2), (-0.16 * top, 1.2 * top), equal=False)
        lines.append(f"ax.bar({list(range(n))!r}, {terms!r}, width=0.55, color='#72b7b2', edgecolor='#1d4f4c', lw=1.2, zorder=3)")
        lines.append(f"ax.plot([-0.6, {n - 0.4}], [0, 0], color='black', lw=1.5, zorder=4)")
        lines.append(text((n - 1) / 2, 1.12 * top, "The first terms of a sequence", size=12, weight="bold"))
        elements = []
        for i, (nm, v) in enumerate(zip(names, terms, strict=True)):
            lines.append(dot(i, v, color='#1d4f4c', ms=5))
            lines.append(text(i, v + 0.045 * top, str(v), size=12, va="bottom"))
            lines.append(text(i, -0.075 * top, nm, size=12))
            role = "tallest bar" if v == top and terms.count(top) == 1 else ""
            elements.append(Element(nm, "bar", float(i), float(v), role))
        return "\n".join(lines) + "\n", tuple(elements)

    def _pose(self, draft: Draft, rng: random.Random) -> Draft:
        pr = draft.params
        terms = [int(to_frac(e.y, 10)) for e in draft.elements]
        kind, k = classify([Fraction(t) for t in terms])
        ask, shown = pr["ask"], pr["shown"]
        names = [e.name for e in draft.elements]
        choices, atype = (), "number"
        shown_txt = ", ".join(map(str, terms))
        step_txt = {"arith": f"each term is {k} more than the one before" if k > 0 else f"each term is {-k} less than the one before",
                    "geo": f"each term is {k} times the one before",
                    "fib": "each term is the sum of the two before it"}[kind]
        if ask in ("next", "fib", "geo_nth", "nth", "par_next_two"):
            n = {"next": shown + 1, "par_next_two": shown + 2}.get(ask) or pr["n"]
            v = term(kind, [Fraction(t) for t in terms], k, n)
            answer = fmt_frac(v)
            if ask == "next":
                question = "The bars show the first terms of a sequence. What is the next term?"
            elif ask == "par_next_two":
                question = "The bars show the first terms of a sequence. What is the term two places after the last bar?"
            else:
                question = f"The bars show the first terms of a sequence. What is its {ordinal(n)} term?"
            if kind == "arith":
                how = f"the {ordinal(n)} term is {terms[0]} + ({n} − 1) × {k} = {answer}"
            elif kind == "geo":
                how = f"the {ordinal(n)} term is {terms[0]} × {k}^{n - 1} = {answer}"
            else:
                how = f"continuing the sums gives term {n} = {answer}"
            solution = f"The terms are {shown_txt}; {step_txt}, so {how}."
        elif ask == "position":
            question = f"The bars show the first terms of an arithmetic sequence. Which term of the sequence equals {pr['value']}?"
            n = Fraction(pr["value"] - terms[0], k) + 1
            answer = fmt_frac(n)
            solution = (f"The terms are {shown_txt}, so the difference is {k}. Solve {terms[0]} + (n − 1) × {k} = {pr['value']}: "
                        f"n − 1 = {fmt_frac(Fraction(pr['value'] - terms[0], k))}, so it is term {answer}.")
        elif ask == "sum":
            n = pr["n"]
            last = terms[0] + (n - 1) * k
            total = Fraction(n * (terms[0] + last), 2)
            question = f"The bars show the first terms of an arithmetic sequence. What is the sum of its first {n} terms?"
            answer = fmt_frac(total)
            solution = (f"The difference is {k}, so term {n} is {terms[0]} + {n - 1} × {k} = {last}; the sum is "
                        f"{n} × ({terms[0]} + {last}) / 2 = {answer}.")
        elif ask == "rule":
            correct = RULE_TEXT[kind].format(d=k, r=k) if not (kind == "arith" and k < 0) else f"subtract {-k} each time"
            d1 = terms[1] - terms[0]
            r1 = Fraction(terms[1], terms[0])
            pool = [f"add {d1} each time" if d1 > 0 else f"subtract {-d1} each time",
                    f"multiply by {fmt_frac(r1)} each time", "add the two previous terms",
                    f"add {abs(d1) + 1} each time", f"multiply by {fmt_frac(r1) if r1 != 2 else 3} each time",
                    f"add {abs(terms[-1] - terms[-2])} each time"]
            distractors = [p for p in pool if p != correct]
            choices, answer = make_choices(rng, correct, distractors)
            atype = "choice"
            question = "The bars show the first terms of a sequence. Which rule takes each term to the next one?"
            solution = f"The terms are {shown_txt}; {step_txt}, so the rule is: {correct}."
        else:
            raise ValueError(ask)
        last_two = names[-2:] if ask != "position" else names[:2]
        ix = Interaction("auxiliary_line", f"Join the tops of bars {' and '.join(last_two)} to see the step between terms.",
                         interaction_code(ix_path(last_two), ix_rings(last_two, r=12)), tuple(last_two))
        return draft.replace(question=question, answer=answer, solution=solution, choices=choices, answer_type=atype,
                             interactions=draft.interactions + (ix,))

    def expand_parallel(self, draft: Draft, rng: random.Random) -> Draft | None:
        """Next term -> the term two places on (the same rule applied twice)."""
        if draft.params["ask"] != "next":
            return None
        new = self._pose(draft.replace(params=dict(draft.params, ask="par_next_two")), rng)
        first_two = [e.name for e in draft.elements][:2]
        ix = Interaction("auxiliary_line", "Join the first two bar tops to check the rule from the start.",
                         interaction_code(ix_path(first_two, color="#1f77b4")), tuple(first_two))
        return new.replace(interactions=draft.interactions + (ix,), variant="par_next_two",
                           difficulty=draft.difficulty + 1)

    def rederive(self, draft: Draft) -> str:
        terms = [to_frac(e.y, 10) for e in sorted(draft.elements, key=lambda e: e.x)]
        kind, k = classify(terms)
        pr = draft.params
        ask = pr["ask"]
        if ask == "next":
            return fmt_frac(term(kind, terms, k, len(terms) + 1))
        if ask == "par_next_two":
            return fmt_frac(term(kind, terms, k, len(terms) + 2))
        if ask in ("nth", "geo_nth", "fib"):
            return fmt_frac(term(kind, terms, k, pr["n"]))
        if ask == "position":
            return fmt_frac((pr["value"] - terms[0]) / k + 1)
        if ask == "sum":
            n = pr["n"]
            return fmt_frac(sum(term(kind, terms, k, i) for i in range(1, n + 1)))
        if ask == "rule":
            correct = {"arith": f"add {k} each time" if k > 0 else f"subtract {-k} each time",
                       "geo": f"multiply by {fmt_frac(k)} each time", "fib": "add the two previous terms"}[kind]
            return choice_letter(draft.choices, correct)
        raise ValueError(f"unknown ask {ask!r}")


# ==============================================================================================
# matchstick pattern

SHAPES = {
    # name, sticks for n shapes (per-shape increment, constant), description
    "squares": (3, 1, "a row of squares"),
    "triangles": (2, 1, "a row of triangles"),
    "ladder": (5, 2, "two rows of squares"),
}


class MatchstickPattern(Family):
    """Figures 1, 2, 3 of a growing matchstick pattern stacked one above the other; asks for
    the sticks in the next or a far figure, the sticks added per step, or which figure uses a
    given number of sticks."""

    name = "matchstick_pattern"
    givens = ("shape",)
    domain = DOMAIN
    node_ids = (COUNT, GROWTH, MATCH_RULE, WHICH, NTH)
    supports = frozenset({"sequential"})
    ASKS = {
        "next": frozenset({COUNT, GROWTH}),
        "far": frozenset({MATCH_RULE, NTH, COUNT}),
        "growth": frozenset({GROWTH, COUNT}),
        "which": frozenset({WHICH, MATCH_RULE}),
    }
    ROW_H = 2.6  # vertical space per figure (units)

    def create(self, rng: random.Random, node_ids, difficulty: int) -> Draft:
        d = clamp_difficulty(difficulty)
        ask, covered = pick_ask(rng, node_ids, self.ASKS, self.node_ids)
        shape = rng.choice(["squares", "triangles"] if d == 1 else list(SHAPES))
        params = {"ask": ask, "shape": shape}
        if ask == "far":
            params["n"] = rng.choice([10, 12, 15, 20, 25, 50][: 2 + 2 * d])
        elif ask == "which":
            inc, const, _ = SHAPES[shape]
            params["n"] = rng.randint(6, 10 + 10 * d)
            params["sticks"] = inc * params["n"] + const
        code, elements = self._figure(shape)
        draft = self.draft(node_ids=covered, render_code=code, question="", answer="", solution="",
                          interactions=(), elements=elements, difficulty=d, params=params)
        return self._pose(draft)

    def _figure(self, shape: str) -> tuple[str, tuple[Element, ...]]:
        lines = canvas(4.0, 6.0, (-0.5, 4.8), (-0.2, 7.8))
        sticks_style = "color='#8c5a2b', lw=4, solid_capstyle='round', zorder=2"
        height = {"squares": 1.0, "ladder": 2.0, "triangles": 0.866}[shape]
        elements = []
        for k in (1, 2, 3):
            y0 = (3 - k) * self.ROW_H + 0.3
            segs = self._sticks(shape, k, y0)
            for (x1, y1), (x2, y2) in segs:
                lines.append(f"ax.plot([{x1!r}, {x2!r}], [{y1!r}, {y2!r}], {sticks_style})")
            # a match head on every stick
            heads_x = [round(x1 + 0.12 * (x2 - x1), 4) for (x1, y1), (x2, y2) in segs]
            heads_y = [round(y1 + 0.12 * (y2 - y1), 4) for (x1, y1), (x2, y2) in segs]
            lines.append(f"ax.plot({heads_x!r}, {heads_y!r}, 'o', color='#d62728', ms=5, zorder=3)")
            # the right-hand corner: top corner, except for an odd row of triangles (ends on its base)
            ex = float(k) if shape != "triangles" else (k + 1) / 2
            ey = round(y0 + height if shape != "triangles" or k % 2 == 0 else y0, 6)
            lines.append(dot(ex, ey, color="black", ms=6))
            name = f"n = {k}"
            lines.append(text(ex + 0.65, ey, name, size=12, weight="bold"))
            elements.append(Element(name, "point", ex, ey, f"right-hand corner of figure {k}"))
        return "\n".join(lines) + "\n", tuple(elements)

    @staticmethod
    def _sticks(shape: str, k: int, y0: float):
        segs = []
        if shape == "squares":
            for i in range(k):
                segs += [((i, y0), (i + 1, y0)), ((i, y0 + 1), (i + 1, y0 + 1))]
            segs += [((i, y0), (i, y0 + 1)) for i in range(k + 1)]
        elif shape == "ladder":
            for i in range(k):
                segs += [((i, y0 + j), (i + 1, y0 + j)) for j in range(3)]
            segs += [((i, y0 + j), (i, y0 + j + 1)) for i in range(k + 1) for j in range(2)]
        else:
            h = 0.866
            # triangles alternate up and down along a strip; bases on y0 and y0 + h
            for i in range(k):
                if i % 2 == 0:
                    a, b, c = (i / 2, y0), (i / 2 + 1, y0), (i / 2 + 0.5, y0 + h)
                    # an up triangle shares its left side with the previous down triangle
                    segs += [(a, b), (b, c)] + ([(a, c)] if i == 0 else [])
                else:
                    a, b, c = (i / 2, y0 + h), (i / 2 + 1, y0 + h), (i / 2 + 0.5, y0)
                    segs += [(a, b), (c, b)]
        return [((round(x1, 6), round(y1, 6)), (round(x2, 6), round(y2, 6))) for (x1, y1), (x2, y2) in segs]

    def _pose(self, draft: Draft) -> Draft:
        pr = draft.params
        shape, ask = pr["shape"], pr["ask"]
        inc, const, _ = SHAPES[shape]
        counts = [inc * k + const for k in (1, 2, 3)]
        intro = "Figures 1, 2 and 3 of a matchstick pattern are shown."  # the shape is the figure's to show
        rule = f"each figure adds {inc} sticks, so figure n uses {inc}n + {const} sticks"
        seen = f"Counting gives {counts[0]}, {counts[1]} and {counts[2]} sticks"
        if ask in ("next", "far", "seq_far"):
            n = 4 if ask == "next" else pr["n"]
            answer = str(inc * n + const)
            question = f"{intro} How many matchsticks are in figure {n}?"
            solution = f"{seen}; {rule}. Figure {n} uses {inc} × {n} + {const} = {answer}."
            if ask == "seq_far":
                solution = f"Figure 4 uses {pr['parent_answer']} sticks and {rule}, so figure {n} uses {answer}."
        elif ask == "growth":
            answer = str(inc)
            question = f"{intro} How many matchsticks are added from one figure to the next?"
            solution = f"{seen}; the differences are {counts[1] - counts[0]} and {counts[2] - counts[1]}, so {answer}."
        elif ask == "which":
            answer = str(pr["n"])
            question = f"{intro} Which figure of the pattern uses {pr['sticks']} matchsticks?"
            solution = f"{seen}; {rule}. Solve {inc}n + {const} = {pr['sticks']}: n = {answer}."
        else:
            raise ValueError(ask)
        names = [e.name for e in draft.elements]
        ix = Interaction("auxiliary_line", "Link the right-hand ends of the figures to see the growth per figure.",
                         interaction_code(ix_path(names), ix_rings(names, r=12)), tuple(names))
        return draft.replace(question=question, answer=answer, solution=solution,
                             interactions=draft.interactions + (ix,))

    def expand_sequential(self, draft: Draft, rng: random.Random) -> Draft | None:
        """Sticks in figure 4 -> sticks in a far figure, continuing from figure 4."""
        if draft.params["ask"] != "next":
            return None
        n = rng.choice([10, 12, 20, 30])
        new = self._pose(draft.replace(params=dict(draft.params, ask="seq_far", n=n, parent_answer=draft.answer)))
        last = [draft.elements[-1].name]
        ix = Interaction("highlight", "Mark the last figure shown; continue adding the same number of sticks.",
                         interaction_code(ix_rings(last, color="#1f77b4", r=20)), tuple(last))
        return new.replace(interactions=draft.interactions + (ix,), variant="seq_far", difficulty=draft.difficulty + 1)

    def rederive(self, draft: Draft) -> str:
        pr = draft.params
        shape = pr["shape"]
        # shapes per figure, measured from the right-hand corners (every figure starts at x = 0)
        sizes = [round(2 * e.x - 1) if shape == "triangles" else round(e.x) for e in draft.elements]
        counts = [len(self._sticks(shape, k, 0.0)) for k in sizes]
        inc = counts[1] - counts[0]
        const = counts[0] - inc * sizes[0]
        ask = pr["ask"]
        if ask == "next":
            return str(inc * 4 + const)
        if ask in ("far", "seq_far"):
            return str(inc * pr["n"] + const)
        if ask == "growth":
            return str(inc)
        if ask == "which":
            return fmt_frac(Fraction(pr["sticks"] - const, inc))
        raise ValueError(f"unknown ask {ask!r}")


# ==============================================================================================
# dot patterns

DOT_SHAPES = {
    # shape: (width of figure n, dots in figure n, description)
    "square": (lambda n: n, lambda n: n * n, "squares of dots"),
    "triangle": (lambda n: n, lambda n: n * (n + 1) // 2, "triangles of dots"),
    "rectangle": (lambda n: n + 1, lambda n: n * (n + 1), "rectangles of dots, one column wider than tall"),
    "ell": (lambda n: n + 1, lambda n: 2 * n + 1, "corner shapes of dots, one row and one column"),
}


def _dot_cells(shape: str, n: int) -> list[tuple[int, int]]:
    """(column, row) of every dot of figure n, row 0 at the bottom."""
    if shape == "square":
        return [(c, r) for c in range(n) for r in range(n)]
    if shape == "triangle":
        return [(c, r) for r in range(n) for c in range(n - r)]
    if shape == "rectangle":
        return [(c, r) for c in range(n + 1) for r in range(n)]
    return [(c, 0) for c in range(n + 1)] + [(0, r) for r in range(1, n + 1)]


class DotPattern(Family):
    """Figures 1 to 3 of a growing dot pattern (squares, triangles, rectangles or L-shapes)
    side by side; asks for the dots in the next or a far figure, the dots added per step, or
    which figure has a given number of dots."""

    name = "dot_pattern"
    givens = ("shape",)
    domain = DOMAIN
    node_ids = (COUNT, NEXT, SQUARE_TRI, RECT, GROWTH)
    ASKS = {
        "next": frozenset({COUNT, NEXT}),
        "far_square_tri": frozenset({SQUARE_TRI, COUNT}),
        "far_rect": frozenset({RECT, COUNT}),
        "growth": frozenset({GROWTH, COUNT}),
        "which": frozenset({SQUARE_TRI, NEXT}),
    }
    GAP = 1.6  # space between figures (units)

    def create(self, rng: random.Random, node_ids, difficulty: int) -> Draft:
        d = clamp_difficulty(difficulty)
        ask, covered = pick_ask(rng, node_ids, self.ASKS, self.node_ids)
        shape = {"far_square_tri": rng.choice(["square", "triangle"]), "far_rect": "rectangle", "growth": "ell",
                 "which": rng.choice(["square", "triangle"])}.get(ask) or rng.choice(list(DOT_SHAPES))
        params = {"ask": ask, "shape": shape}
        if ask in ("far_square_tri", "far_rect"):
            params["n"] = rng.randint(6, 6 + 4 * d)
        elif ask == "which":
            params["n"] = rng.randint(5, 5 + 4 * d)
            params["dots"] = DOT_SHAPES[shape][1](params["n"])
        code, elements, lefts = self._figure(shape)
        params["lefts"] = lefts
        draft = self.draft(node_ids=covered, render_code=code, question="", answer="", solution="",
                          interactions=(), elements=elements, difficulty=d, params=params)
        return self._pose(draft)

    def _figure(self, shape: str) -> tuple[str, tuple[Element, ...], list[float]]:
        width = DOT_SHAPES[shape][0]
        total_w = sum(width(k) for k in (1, 2, 3)) - 3 + 2 * self.GAP
        lines = canvas(5.8, 3.4, (-0.8, total_w + 0.8), (-1.3, 4.2))
        elements, lefts = [], []
        x0 = 0.0
        for k in (1, 2, 3):
            cells = _dot_cells(shape, k)
            xs = [round(x0 + c, 4) for c, _ in cells]
            ys = [float(r) for _, r in cells]
            lines.append(f"ax.plot({xs!r}, {ys!r}, 'o', color='#2b6cb0', ms=9, zorder=3)")
            ex = round(x0 + width(k) - 1, 4)
            name = f"n = {k}"
            lines.append(text(round(x0 + (width(k) - 1) / 2, 4), -0.8, name, size=12, weight="bold"))
            elements.append(Element(name, "point", ex, 0.0, f"bottom-right dot of figure {k}"))
            lefts.append(x0)
            x0 = round(x0 + width(k) - 1 + self.GAP, 4)
        return "\n".join(lines) + "\n", tuple(elements), lefts

    def _sizes(self, draft: Draft) -> list[int]:
        """Figure numbers measured from the bottom-right dots (each figure's width in dots)."""
        shape = draft.params["shape"]
        widths = [round(e.x - left) + 1 for e, left in zip(draft.elements, draft.params["lefts"], strict=True)]
        return [w - (1 if shape in ("rectangle", "ell") else 0) for w in widths]

    def _pose(self, draft: Draft) -> Draft:
        pr = draft.params
        shape, ask = pr["shape"], pr["ask"]
        count = DOT_SHAPES[shape][1]
        sizes = self._sizes(draft)
        shown = ", ".join(str(count(k)) for k in sizes)
        intro = "The first three figures of a dot pattern are shown."  # the shape is the figure's to show
        rule = {"square": "figure n has n × n dots", "triangle": "figure n has 1 + 2 + ... + n = n(n + 1)/2 dots",
                "rectangle": "figure n has n rows of n + 1 dots, n(n + 1) dots", "ell": "figure n has 2n + 1 dots"}[shape]
        if ask in ("next", "far_square_tri", "far_rect"):
            n = 4 if ask == "next" else pr["n"]
            answer = str(count(n))
            question = f"{intro} How many dots are in figure {n}?"
            solution = f"The figures have {shown} dots; {rule}, so figure {n} has {answer} dots."
        elif ask == "growth":
            answer = str(count(2) - count(1))
            question = f"{intro} How many dots are added from each figure to the next?"
            solution = f"The figures have {shown} dots, so each step adds {answer}; {rule}."
        elif ask == "which":
            answer = str(pr["n"])
            question = f"{intro} Which figure of the pattern has {pr['dots']} dots?"
            solution = f"The figures have {shown} dots; {rule}. Figure {answer} has {pr['dots']} dots."
        else:
            raise ValueError(ask)
        names = [e.name for e in draft.elements]
        ix = Interaction("highlight", "Circle the bottom-right dot of each figure to compare their widths.",
                         interaction_code(ix_rings(names, r=13)), tuple(names))
        return draft.replace(question=question, answer=answer, solution=solution, interactions=(ix,))

    def rederive(self, draft: Draft) -> str:
        pr = draft.params
        sizes = self._sizes(draft)
        if sizes != [1, 2, 3]:
            raise ValueError(f"dot_pattern: figures measure {sizes}, expected 1, 2, 3")
        # the rule is recovered from the dots of the drawn figures: fit the counts by shape
        count = DOT_SHAPES[pr["shape"]][1]
        counts = [len(_dot_cells(pr["shape"], k)) for k in sizes]
        if counts != [count(k) for k in sizes]:
            raise ValueError("dot_pattern: drawn figures do not follow the rule")
        ask = pr["ask"]
        if ask == "next":
            return str(len(_dot_cells(pr["shape"], 4)))
        if ask in ("far_square_tri", "far_rect"):
            return str(len(_dot_cells(pr["shape"], pr["n"])))
        if ask == "growth":
            return str(counts[1] - counts[0])
        if ask == "which":
            return str(next(n for n in range(1, 200) if len(_dot_cells(pr["shape"], n)) == pr["dots"]))
        raise ValueError(f"unknown ask {ask!r}")


FAMILIES = [SequenceBars(), MatchstickPattern(), DotPattern()]
