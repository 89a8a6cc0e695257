"""Statistics chart families: bar chart, line chart, frequency chart.

Every plotted value is a multiple of the value-axis grid step, so it can be read exactly against
the gridlines; the elements are the bar tops / line markers (data coordinates: category index,
value) named by the category text drawn under the axis. :meth:`rederive` reads the values back
from the element coordinates.
"""

from __future__ import annotations

import itertools
import random
from fractions import Fraction

from pipelines.creators.base import Draft, Element, Family, Interaction
from pipelines.creators.common import (
    choice_letter,
    clamp_difficulty,
    fmt_dec,
    fmt_frac,
    interaction_code,
    ix_datamap,
    make_choices,
    pick_ask,
    to_frac,
)

DOMAIN = "statistics_charts"
_S = "statistics_charts."
READ = _S + "bar_charts.read_values"
DIFF = _S + "bar_charts.differences"
TOTAL = _S + "bar_charts.totals"
EXTREMES = _S + "bar_charts.extremes"
READ_LINE = _S + "line_charts.read_points"
CHANGE = _S + "line_charts.change_between_periods"
LARGEST = _S + "line_charts.largest_change"
PERCENT = _S + "line_charts.percent_change"
FREQ = _S + "descriptive_statistics.frequency_reading"
MEAN = _S + "descriptive_statistics.mean"
MEDIAN = _S + "descriptive_statistics.median"
RANGE = _S + "descriptive_statistics.range"


def _q(s: str) -> str:
    return repr(s)


def chart_code(kind: str, names: list[str], values: list[int], step: int, ymax: int, title: str,
               xlabel: str, ylabel: str) -> tuple[str, tuple[Element, ...], tuple[float, float]]:
    """Render code of a bar or line chart with category texts under the axis; the elements
    are the bar tops / markers at (index, value)."""
    n = len(names)
    xlim = (-0.6, n - 0.4) if kind == "bar" else (-0.5, n - 0.5)
    lines = [
        "fig = plt.figure(figsize=(5.6, 4.2), dpi=100)",
        "ax = fig.add_axes([0.14, 0.17, 0.8, 0.72])",
        f"xs = list(range({n}))",
        f"vals = {values!r}",
    ]
    if kind == "bar":
        lines.append("ax.bar(xs, vals, width=0.6, color='#4c72b0', edgecolor='#1b2f52', lw=0.8, zorder=3)")
    else:
        lines.append("ax.plot(xs, vals, '-o', color='#c44e52', lw=2.2, ms=7, zorder=3)")
    lines += [
        f"ax.set_xlim({xlim[0]}, {xlim[1]})",
        f"ax.set_ylim(0, {ymax})",
        f"ax.set_yticks(range(0, {ymax + 1}, {step}))",
        "ax.tick_params(axis='y', labelsize=10)",
        "ax.set_xticks(xs)",
        "ax.tick_params(axis='x', labelbottom=False, length=4)",
        "ax.grid(axis='y', color='#cccccc', lw=0.8, zorder=0)",
        "ax.set_axisbelow(True)",
        "ax.spines['top'].set_visible(False)",
        "ax.spines['right'].set_visible(False)",
        f"ax.set_title({_q(title)}, fontsize=12)",
        f"ax.set_ylabel({_q(ylabel)}, fontsize=11)",
        f"ax.text(0.5, -0.115, {_q(xlabel)}, transform=ax.transAxes, ha='center', va='top', fontsize=11)",
    ]
    for i, nm in enumerate(names):
        lines.append(f"ax.text({i}, -0.025, {_q(nm)}, transform=ax.get_xaxis_transform(), ha='center', va='top', fontsize=11)")
    ekind = "bar" if kind == "bar" else "marker"
    top, low = ("top of the tallest bar", "top of the shortest bar") if kind == "bar" else (
        "highest point of the line", "lowest point of the line")
    roles = {}  # only extremes that are unique in the chart
    if values.count(max(values)) == 1:
        roles[values.index(max(values))] = top
    if values.count(min(values)) == 1:
        roles[values.index(min(values))] = low
    elements = tuple(Element(nm, ekind, float(i), float(v), roles.get(i, ""))
                     for i, (nm, v) in enumerate(zip(names, values, strict=True)))
    return "\n".join(lines) + "\n", elements, xlim


def _read_lines(names: list[str], x_axis: float, color: str = "red") -> str:
    """Horizontal reading lines from the y-axis to each named element (needs ``_px``)."""
    out = []
    for nm in names:
        out.append(f"_q = _px({x_axis}, _D[{nm!r}][1])\n"
                   f"ax.plot([_q[0], P[{nm!r}][0]], [_q[1], P[{nm!r}][1]], color='{color}', ls='--', lw=1.8)\n"
                   f"ax.plot([P[{nm!r}][0]], [P[{nm!r}][1]], 'o', color='{color}', ms=6, mfc='none', mew=2)\n")
    return "".join(out)


def _values(draft: Draft) -> dict[str, Fraction]:
    """Element values, read back exactly (the values are integers on the grid)."""
    return {e.name: to_frac(e.y, 100) for e in draft.elements}


def _datamap(draft_or_elements) -> str:
    els = draft_or_elements.elements if isinstance(draft_or_elements, Draft) else draft_or_elements
    return ix_datamap({e.name: (e.x, e.y) for e in els})


# ==============================================================================================
# bar chart


BAR_THEMES = [
    # title, x label, y label, noun, plural noun, unit, verb
    ("Units sold by each store last week", "Store", "Units sold", "store", "stores", "units", "sell"),
    ("Votes received by each candidate", "Candidate", "Votes", "candidate", "candidates", "votes", "receive"),
    ("Visitors to each park on Sunday", "Park", "Visitors", "park", "parks", "visitors", "have"),
    ("Points scored by each team this season", "Team", "Points", "team", "teams", "points", "score"),
    ("Trees planted by each class", "Class", "Trees planted", "class", "classes", "trees", "plant"),
]


class BarChart(Family):
    """Vertical bar chart of categories A..F; asks for a difference, a total or the gap between
    the largest and smallest bars."""

    name = "bar_chart"
    givens = ("values",)
    domain = DOMAIN
    node_ids = (READ, DIFF, TOTAL, EXTREMES)
    supports = frozenset({"parallel"})
    ASKS = {
        "diff": frozenset({READ, DIFF}),
        "total": frozenset({READ, TOTAL}),
        "range": frozenset({READ, EXTREMES, DIFF}),
    }

    def create(self, rng: random.Random, node_ids, difficulty: int) -> Draft:
        d = clamp_difficulty(difficulty)
        ask, covered = pick_ask(rng, node_ids, self.ASKS, self.node_ids)
        n = 5 if d == 1 else 6
        step = rng.choice({1: [1, 2, 5], 2: [2, 5, 10], 3: [5, 10, 20, 25]}[d])
        while True:
            mult = [rng.randint(1, 9) for _ in range(n)]
            if len(set(mult)) >= n - 1 and max(mult) != min(mult) and mult.count(max(mult)) == 1 and mult.count(min(mult)) == 1:
                break
        values = [m * step for m in mult]
        names = list("ABCDEF"[:n])
        theme = rng.randrange(len(BAR_THEMES))
        title, xl, yl, *_ = BAR_THEMES[theme]
        ymax = step * (max(mult) + 1)
        code, elements, xlim = chart_code("bar", names, values, step, ymax, title, xl, yl)
        val = dict(zip(names, values, strict=True))
        params = {"ask": ask, "theme": theme, "values": val, "step": step, "xlim": list(xlim)}
        if ask == "diff":
            a, b = rng.sample(names, 2)
            if val[a] == val[b]:
                b = next(x for x in names if val[x] != val[a])
            if val[a] < val[b]:
                a, b = b, a
            params["pos"], params["neg"] = [a], [b]
        elif ask == "total":
            k = 2 if d == 1 else 3
            params["pos"], params["neg"] = sorted(rng.sample(names, k)), []
        else:
            params["pos"] = [max(names, key=val.get)]
            params["neg"] = [min(names, key=val.get)]
        draft = self.draft(node_ids=covered, render_code=code, question="", answer="", solution="",
                       interactions=(), elements=elements, difficulty=d, params=params)
        return self._pose(draft)

    def _pose(self, draft: Draft) -> Draft:
        pr = draft.params
        _, _, _, noun, nouns, unit, verb = BAR_THEMES[pr["theme"]]
        val, pos, neg, ask = pr["values"], pr["pos"], pr["neg"], pr["ask"]
        total = sum(val[x] for x in pos) - sum(val[x] for x in neg)
        reads = ", ".join(f"{x} = {val[x]}" for x in pos + neg)
        if ask == "diff":
            question = f"How many more {unit} did {noun} {pos[0]} {verb} than {noun} {neg[0]}?"
            solution = (f"Carry the tops of bars {pos[0]} and {neg[0]} across to the value axis: {reads}. "
                        f"The difference is {val[pos[0]]} − {val[neg[0]]} = {total}.")
        elif ask == "total":
            listed = ", ".join(pos[:-1]) + f" and {pos[-1]}"
            question = f"How many {unit} did {nouns} {listed} {verb} in total?"
            solution = (f"Carry the tops of bars {listed} across to the value axis: {reads}. "
                        f"The total is {' + '.join(str(val[x]) for x in pos)} = {total}.")
        elif ask == "range":
            question = (f"What is the difference between the largest and the smallest number of {unit} shown in the chart?")
            solution = (f"The tallest bar is {pos[0]} and the shortest is {neg[0]}; reading them against the value axis "
                        f"gives {reads}, so the difference is {val[pos[0]]} − {val[neg[0]]} = {total}.")
        elif ask == "group_diff":
            def group(xs):
                return (f"{noun} {xs[0]}" if len(xs) == 1 else f"{nouns} " + ", ".join(xs[:-1]) + f" and {xs[-1]}")
            sp, sn = sum(val[x] for x in pos), sum(val[x] for x in neg)
            question = (f"How many more {unit} did {group(pos)} {verb} together than {group(neg)}"
                        f"{' together' if len(neg) > 1 else ''}?")
            solution = (f"Read every bar involved against the value axis: {reads}. Together {', '.join(pos)} have {sp} "
                        f"and {', '.join(neg)} have {sn}, so the difference is {sp} − {sn} = {total}.")
        else:
            raise ValueError(ask)
        return draft.replace(question=question, answer=str(total), solution=solution,
                             interactions=draft.interactions + (self._reading(draft, pos + neg),))

    def _reading(self, draft: Draft, names: list[str]) -> Interaction:
        known = {i.elements for i in draft.interactions}
        names = [x for x in names if not any(x in k for k in known)] or names
        listed = ", ".join(names)
        return Interaction("auxiliary_line", f"Draw horizontal reading lines from the tops of bars {listed} to the value axis.",
                           interaction_code(_datamap(draft), _read_lines(names, draft.params["xlim"][0])), tuple(names))

    def expand_parallel(self, draft: Draft, rng: random.Random) -> Draft | None:
        """diff (one bar minus another) -> two bars minus two bars; total of some bars -> that
        total minus the total of one or two other bars. The new bars need their own readings."""
        pr = draft.params
        if pr["ask"] not in ("diff", "total"):
            return None
        val = pr["values"]
        pos, neg = list(pr["pos"]), list(pr["neg"])
        rest = [x for x in val if x not in pos + neg]
        if pr["ask"] == "diff":
            options = [([p], [q]) for p in rest for q in rest if p != q]
        else:
            options = [([], [q]) for q in rest] + [([], [q, r]) for q, r in itertools.combinations(rest, 2)]
        options = [(pos + sorted(a), neg + sorted(b)) for a, b in options
                   if sum(val[x] for x in pos + a) > sum(val[x] for x in neg + b)]
        if not options:
            return None
        new_pos, new_neg = rng.choice(options)
        new = draft.replace(params=dict(pr, ask="group_diff", pos=new_pos, neg=new_neg, parent_answer=draft.answer))
        new = self._pose(new)
        return new.replace(variant="par_group_diff", difficulty=draft.difficulty + 1)

    def rederive(self, draft: Draft) -> str:
        v = _values(draft)
        pr = draft.params
        ask = pr["ask"]
        if ask == "range":
            total = max(v.values()) - min(v.values())
        elif ask in ("diff", "total", "group_diff"):
            total = sum(v[x] for x in pr["pos"]) - sum(v[x] for x in pr["neg"])
        else:
            raise ValueError(f"unknown ask {ask!r}")
        return fmt_frac(total)


# ==============================================================================================
# line chart


LINE_THEMES = [
    # title, y label, quantity phrase
    ("Members of a chess club", "Members", "the number of members"),
    ("Bicycles sold by a shop each year", "Bicycles sold", "bicycle sales"),
    ("Average daily visitors to a museum", "Visitors per day", "the number of daily visitors"),
    ("Paper recycled by a town each year", "Tonnes", "the amount of recycled paper"),
    ("Trees in a city park", "Trees", "the number of trees"),
]


class LineChart(Family):
    """Line chart over consecutive years; asks for the change between two years, the pair of
    consecutive years with the largest increase (choice) or a percent change."""

    name = "line_chart"
    givens = ("values",)
    domain = DOMAIN
    node_ids = (READ_LINE, CHANGE, LARGEST, PERCENT)
    supports = frozenset({"sequential"})
    ASKS = {
        "change": frozenset({READ_LINE, CHANGE}),
        "largest": frozenset({LARGEST, CHANGE, READ_LINE}),
        "percent": frozenset({PERCENT, CHANGE, READ_LINE}),
    }

    def create(self, rng: random.Random, node_ids, difficulty: int) -> Draft:
        d = clamp_difficulty(difficulty)
        ask, covered = pick_ask(rng, node_ids, self.ASKS, self.node_ids)
        n = 6 if d < 3 else 7
        step = rng.choice({1: [2, 5, 10], 2: [5, 10, 20], 3: [10, 20, 25, 50]}[d])
        start = rng.randint(2012, 2018)
        years = [str(start + i) for i in range(n)]
        while True:
            mult = [rng.randint(3, 9) for _ in range(n)]
            ch = [b - a for a, b in zip(mult, mult[1:], strict=False)]
            if 0 in ch or sum(c > 0 for c in ch) < 2 or sum(c < 0 for c in ch) < 1:
                continue
            if ch.count(max(ch)) != 1:
                continue
            break
        values = [m * step for m in mult]
        theme = rng.randrange(len(LINE_THEMES))
        title, yl, _ = LINE_THEMES[theme]
        ymax = step * (max(mult) + 1)
        code, elements, xlim = chart_code("line", years, values, step, ymax, title, "Year", yl)
        val = dict(zip(years, values, strict=True))
        params = {"ask": ask, "theme": theme, "values": val, "step": step, "xlim": list(xlim), "years": years}
        if ask == "largest":
            params["pair"] = self._largest_pair(years, val)
        else:
            i, j = sorted(rng.sample(range(n), 2))
            if j - i < 2 and d > 1:
                j = min(n - 1, i + 2 + rng.randint(0, 2))
            params["pair"] = [years[i], years[j]]
        draft = self.draft(node_ids=covered, render_code=code, question="", answer="", solution="",
                       interactions=(), elements=elements, difficulty=d, params=params)
        return self._pose(draft, ask, rng)

    @staticmethod
    def _largest_pair(years, val) -> list[str]:
        best = max(range(len(years) - 1), key=lambda i: val[years[i + 1]] - val[years[i]])
        return [years[best], years[best + 1]]

    def _pose(self, draft: Draft, ask: str, rng: random.Random) -> Draft:
        pr = dict(draft.params, ask=ask)
        quantity = LINE_THEMES[pr["theme"]][2]
        val, years = pr["values"], pr["years"]
        y1, y2 = pr["pair"]
        v1, v2 = val[y1], val[y2]
        change = v2 - v1
        read = f"Reading the markers for {y1} and {y2} against the value axis gives {v1} and {v2}"
        reading = Interaction("auxiliary_line", f"Draw horizontal reading lines from the {y1} and {y2} markers to the value axis.",
                              interaction_code(_datamap(draft), _read_lines([y1, y2], pr["xlim"][0])), (y1, y2))
        choices: tuple[str, ...] = ()
        answer_type = "number"
        if ask == "change":
            question = (f"What was the change in {quantity} from {y1} to {y2}? "
                        "Give the later value minus the earlier value (negative for a decrease).")
            answer = str(change)
            solution = f"{read}, so the change is {v2} − {v1} = {change}."
            inters = (reading,)
        elif ask in ("percent", "seq_percent"):
            pct = Fraction(change * 100, v1)
            answer = fmt_dec(pct, 1)
            question = (f"By what percent did {quantity} change from {y1} to {y2}? Round to one decimal place; "
                        "give a decrease as a negative number.")
            solution = (f"{read}. The change is {v2} − {v1} = {change}, and as a percent of the {y1} value it is "
                        f"{change}/{v1} × 100 ≈ {answer}.")
            inters = (reading,)
            if ask == "seq_percent":
                inters = draft.interactions + (self._rise(draft, y1, y2),)
        elif ask == "largest":
            options = [f"{years[i]} to {years[i + 1]}" for i in range(len(years) - 1)]
            correct = f"{y1} to {y2}"
            ups = sorted((o for o in options if o != correct), key=lambda o: -(val[o[-4:]] - val[o[:4]]))
            choices, answer = make_choices(rng, correct, ups[:3])
            answer_type = "choice"
            question = f"Between which two consecutive years did {quantity} increase the most?"
            incs = "; ".join(f"{years[i]}→{years[i + 1]}: {val[years[i + 1]] - val[years[i]]:+d}" for i in range(len(years) - 1))
            solution = (f"Read every marker against the value axis and compare consecutive years ({incs}). "
                        f"The steepest rise, highlighted, is from {y1} to {y2} (+{change}).")
            inters = (Interaction(
                "highlight", f"Highlight the steepest rising segment, from {y1} to {y2}, and draw its reading lines.",
                interaction_code(_datamap(draft), _read_lines([y1, y2], pr["xlim"][0]),
                                 f"ax.plot([P[{y1!r}][0], P[{y2!r}][0]], [P[{y1!r}][1], P[{y2!r}][1]], color='#ff7f0e', lw=5, alpha=0.8)\n"),
                (y1, y2)),)
        elif ask == "seq_largest_percent":
            pct = Fraction(change * 100, v1)
            answer = fmt_dec(pct, 1)
            question = (f"Find the two consecutive years between which {quantity} increased the most. By what percent "
                        f"did it increase between those two years? Round to one decimal place.")
            solution = (f"{draft.solution} The increase {change} is {change}/{v1} × 100 ≈ {answer} percent of the "
                        f"{y1} value.")
            inters = draft.interactions + (self._rise(draft, y1, y2),)
        else:
            raise ValueError(ask)
        return draft.replace(question=question, answer=answer, answer_type=answer_type, choices=choices,
                             solution=solution, interactions=inters, params=pr)

    @staticmethod
    def _rise(draft: Draft, y1: str, y2: str) -> Interaction:
        return Interaction(
            "auxiliary_line", f"From the {y1} marker draw a horizontal line to the {y2} year and a vertical line up or down to the {y2} marker, showing the change.",
            interaction_code(_datamap(draft),
                             f"_q = _px(_D[{y2!r}][0], _D[{y1!r}][1])\n"
                             f"ax.plot([P[{y1!r}][0], _q[0], P[{y2!r}][0]], [P[{y1!r}][1], _q[1], P[{y2!r}][1]], color='blue', ls='--', lw=2)\n"),
            (y1, y2))

    def expand_sequential(self, draft: Draft, rng: random.Random) -> Draft | None:
        ask = draft.params["ask"]
        nxt = {"change": "seq_percent", "largest": "seq_largest_percent"}.get(ask)
        if nxt is None:
            return None
        new = self._pose(draft, nxt, rng)
        return new.replace(variant=nxt, difficulty=draft.difficulty + 1, answer_type="number", choices=(),
                           params=dict(new.params, parent_answer=draft.answer))

    def rederive(self, draft: Draft) -> str:
        v = _values(draft)
        order = sorted(draft.elements, key=lambda e: e.x)
        ask = draft.params["ask"]
        if ask in ("largest", "seq_largest_percent"):
            i = max(range(len(order) - 1), key=lambda k: v[order[k + 1].name] - v[order[k].name])
            y1, y2 = order[i].name, order[i + 1].name
            if ask == "largest":
                return choice_letter(draft.choices, f"{y1} to {y2}")
            return fmt_dec((v[y2] - v[y1]) * 100 / v[y1], 1)
        y1, y2 = draft.params["pair"]
        if ask == "change":
            return fmt_frac(v[y2] - v[y1])
        if ask in ("percent", "seq_percent"):
            return fmt_dec((v[y2] - v[y1]) * 100 / v[y1], 1)
        raise ValueError(f"unknown ask {ask!r}")


# ==============================================================================================
# frequency chart: mean, median, range


FREQ_THEMES = [
    # title, x label, y label, question phrase (number of ...), per
    ("Goals scored by a team in each match", "Goals in a match", "Number of matches", "goals", "match"),
    ("Pets owned by the students of a class", "Number of pets", "Number of students", "pets", "student"),
    ("Books read last month by club members", "Books read", "Number of members", "books read", "member"),
    ("Siblings of the students in a class", "Number of siblings", "Number of students", "siblings", "student"),
]


class FrequencyChart(Family):
    """Frequency bar chart of a small whole-number variable; asks for the mean, the median or the
    range of the data."""

    name = "frequency_chart"
    givens = ("freq",)
    domain = DOMAIN
    node_ids = (FREQ, MEAN, MEDIAN, RANGE)
    ASKS = {
        "mean": frozenset({FREQ, MEAN}),
        "median": frozenset({FREQ, MEDIAN}),
        "range": frozenset({FREQ, RANGE}),
    }

    def create(self, rng: random.Random, node_ids, difficulty: int) -> Draft:
        d = clamp_difficulty(difficulty)
        ask, covered = pick_ask(rng, node_ids, self.ASKS, self.node_ids)
        k = 5 if d == 1 else 6  # values 0..k
        while True:
            freq = [rng.randint(0, 8 if d > 1 else 6) for _ in range(k + 1)]
            if ask == "range" and d > 1:
                freq[0] = 0 if rng.random() < 0.7 else freq[0]
                freq[-1] = 0 if rng.random() < 0.7 else freq[-1]
            total = sum(freq)
            nonzero = [i for i, f in enumerate(freq) if f]
            if total < 8 or len(nonzero) < 3 or len(set(freq)) < 2:
                continue
            if ask == "median" and total % 2 == 0:
                continue
            if ask == "range" and d > 1 and freq[0] and freq[-1]:
                continue
            break
        theme = rng.randrange(len(FREQ_THEMES))
        title, xl, yl, *_ = FREQ_THEMES[theme]
        names = [str(i) for i in range(k + 1)]
        ymax = max(freq) + 1
        code, elements, xlim = chart_code("bar", names, freq, 1, ymax, title, xl, yl)
        params = {"ask": ask, "theme": theme, "freq": freq, "xlim": list(xlim)}
        _, _, _, what, per = FREQ_THEMES[theme]
        obs = [i for i, f in enumerate(freq) for _ in range(f)]
        listing = ", ".join(f"{f} × {i}" for i, f in enumerate(freq) if f)
        read_names = [names[i] for i in nonzero]
        reading = Interaction("auxiliary_line", "Draw horizontal reading lines from the top of every bar to the frequency axis.",
                              interaction_code(_datamap(elements), _read_lines(read_names, xlim[0])), tuple(read_names))
        if ask == "mean":
            s = sum(obs)
            mean = Fraction(s, total)
            answer = fmt_dec(mean, 2)
            question = f"What is the mean number of {what} per {per}? Round to two decimal places."
            solution = (f"Read each bar's height: the data are {listing}. There are {total} values with sum {s}, "
                        f"so the mean is {s}/{total} ≈ {answer}.")
            inters = (reading,)
        elif ask == "median":
            med = obs[total // 2]
            answer = str(med)
            question = f"What is the median number of {what} per {per}?"
            cum, running = [], 0
            for i, f in enumerate(freq):
                running += f
                cum.append(f"{running}")
            solution = (f"Read each bar's height: the data are {listing}, {total} values in all. The median is value "
                        f"number {total // 2 + 1} in order; the running totals {', '.join(cum)} show it falls in the bar "
                        f"for {med}, so the median is {med}.")
            inters = (reading,)
        else:
            lo, hi = nonzero[0], nonzero[-1]
            answer = str(hi - lo)
            question = f"What is the range of the number of {what} per {per}?"
            solution = (f"Only values with a nonzero bar occur. Highlighting the first and last nonzero bars gives the "
                        f"smallest value {lo} and the largest value {hi}, so the range is {hi} − {lo} = {hi - lo}.")
            inters = (Interaction(
                "highlight", f"Highlight the bars of the smallest and largest observed values, {lo} and {hi}.",
                interaction_code(_datamap(elements),
                                 "".join(f"_b0 = _px({i - 0.34}, 0)\n_b1 = _px({i + 0.34}, {freq[i]})\n"
                                         "ax.plot([_b0[0], _b1[0], _b1[0], _b0[0], _b0[0]], [_b0[1], _b0[1], _b1[1], _b1[1], _b0[1]], color='red', lw=3)\n"
                                         for i in (lo, hi))),
                (names[lo], names[hi])),)
        return self.draft(node_ids=covered, render_code=code, question=question, answer=answer,
                      solution=solution, interactions=inters, elements=elements, difficulty=d, params=params)

    def rederive(self, draft: Draft) -> str:
        freq = {int(e.name): int(to_frac(e.y, 10)) for e in draft.elements}
        ask = draft.params["ask"]
        obs = sorted(v for v, f in freq.items() for _ in range(f))
        if ask == "mean":
            return fmt_dec(Fraction(sum(obs), len(obs)), 2)
        if ask == "median":
            n = len(obs)
            med = Fraction(obs[n // 2]) if n % 2 else Fraction(obs[n // 2 - 1] + obs[n // 2], 2)
            return fmt_frac(med)
        if ask == "range":
            return str(obs[-1] - obs[0])
        raise ValueError(f"unknown ask {ask!r}")


FAMILIES = [BarChart(), LineChart(), FrequencyChart()]
