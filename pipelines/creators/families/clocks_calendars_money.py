"""Clock, calendar and money families: an analog clock face, a calendar month page, and stacks
of coins.

Clock: the hand tips are the elements, so :meth:`rederive` reads the time back from their angles
about the dial's centre (the origin). Calendar: every date is an element at the centre of its
cell, so its weekday is its column. Coins: one stack per coin type; the top of each stack is
the element, so its height counts the coins.
"""

from __future__ import annotations

import calendar
import math
import random
from fractions import Fraction

from pipelines.creators.base import ELEMENTS, Draft, Element, Family, Interaction
from pipelines.creators.common import (
    choice_letter,
    clamp_difficulty,
    fmt_dec,
    fmt_frac,
    interaction_code,
    make_choices,
    pick_ask,
)
from pipelines.creators.families._f3kit import CellGrid, canvas, dot, ix_boxes, ix_rings, listing, text

DOMAIN = "clocks_calendars_money"
_C = "clocks_calendars_money."
READ_HOUR = _C + "clocks.read_hour_hand"
READ_MIN = _C + "clocks.read_minute_hand"
READ_TIME = _C + "clocks.read_time"
HAND_ANGLES = _C + "clocks.hand_angles"
ANGLE = _C + "clocks.angle_between_hands"
TO_HOUR = _C + "clocks.minutes_to_the_hour"
ELAPSED = _C + "time.elapsed_time"
AFTER = _C + "time.time_after_duration"
READ_GRID = _C + "calendars.read_month_grid"
DAYS_LATER = _C + "calendars.days_later"
COUNT_WD = _C + "calendars.count_weekday"
NTH_WD = _C + "calendars.nth_weekday"
BETWEEN = _C + "calendars.days_between"
MONTH_LEN = _C + "calendars.month_lengths"
COIN_VALUES = _C + "money.coin_values"
TOTAL_VALUE = _C + "money.total_value"
CHANGE = _C + "money.change"
CONVERT = _C + "money.unit_conversion"
COMPARE = _C + "money.compare_amounts"

# ==============================================================================================
# analog clock

MIN_LEN, HOUR_LEN = 0.66, 0.46


def clock_text(h: int, m: int) -> str:
    return f"{h}:{m:02d}"


def hand_time(hx: float, hy: float, mx: float, my: float) -> tuple[int, int]:
    """(hour 1..12, minute) from the hand tips about the origin (12 o'clock is straight up)."""
    am = (90 - math.degrees(math.atan2(my, mx))) % 360
    m = round(am / 6) % 60
    ah = (90 - math.degrees(math.atan2(hy, hx))) % 360
    h = round((ah - m / 2) / 30) % 12
    return (h or 12), m


def hands_angle(h: int, m: int) -> Fraction:
    a = abs(Fraction(30 * (h % 12)) + Fraction(m, 2) - 6 * m) % 360
    return min(a, 360 - a)


def fmt_angle(a: Fraction) -> str:
    return fmt_frac(a) if a.denominator == 1 else fmt_dec(a, 1)


EVENTS = ["a film", "a football match", "a piano lesson", "a bus ride", "a cooking class", "a museum tour"]


class AnalogClock(Family):
    """Clock face with hour hand tip H and minute hand tip M; asks for the time (choice), the
    angle between the hands, the minutes to the next hour, the elapsed time to a later time,
    or the time after a duration (choice)."""

    name = "analog_clock"
    givens = (ELEMENTS,)
    domain = DOMAIN
    node_ids = (READ_HOUR, READ_MIN, READ_TIME, HAND_ANGLES, ANGLE, TO_HOUR, ELAPSED, AFTER)
    supports = frozenset({"sequential"})
    ASKS = {
        "read": frozenset({READ_TIME, READ_HOUR, READ_MIN}),
        "angle": frozenset({ANGLE, HAND_ANGLES}),
        "to_hour": frozenset({TO_HOUR, READ_MIN}),
        "elapsed": frozenset({ELAPSED, READ_TIME}),
        "later": frozenset({AFTER, READ_TIME, READ_HOUR}),
    }

    def create(self, rng: random.Random, node_ids, difficulty: int) -> Draft:
        d = clamp_difficulty(difficulty)
        ask, covered = pick_ask(rng, node_ids, self.ASKS, self.node_ids)
        h = rng.randint(1, 12)
        m = rng.randrange(0, 60, {1: 5, 2: 5, 3: 1}[d])
        if ask == "to_hour" and m == 0:
            m = 5 * rng.randint(1, 11)
        code, elements = self._figure(h, m)
        params = {"ask": ask, "event": rng.choice(EVENTS)}
        if ask in ("elapsed", "later"):
            params["duration"] = rng.randint(1, 2 + d) * 60 + rng.randrange(5, 60, 5) if d > 1 else rng.randrange(15, 120, 5)
            end = (h % 12) * 60 + m + params["duration"]
            params["end"] = [(end // 60) % 12 or 12, end % 60]
        draft = self.draft(node_ids=covered, render_code=code, question="", answer="", solution="",
                          interactions=(), elements=elements, difficulty=d, params=params)
        return self._pose(draft, rng)

    def _figure(self, h: int, m: int) -> tuple[str, tuple[Element, ...]]:
        lines = canvas(4.4, 4.4, (-1.2, 1.2), (-1.2, 1.2))
        lines.append("ax.add_patch(plt.Circle((0, 0), 1.0, facecolor='#fbf7ea', edgecolor='#333333', lw=4, zorder=0))")
        for k in range(60):
            t = math.radians(90 - 6 * k)
            r0 = 0.9 if k % 5 == 0 else 0.94
            lw = 2.2 if k % 5 == 0 else 1.0
            lines.append(f"ax.plot([{r0 * math.cos(t):.5f}, {0.98 * math.cos(t):.5f}], [{r0 * math.sin(t):.5f}, "
                         f"{0.98 * math.sin(t):.5f}], color='#333333', lw={lw}, zorder=1)")
        for k in range(1, 13):
            t = math.radians(90 - 30 * k)
            lines.append(text(round(0.81 * math.cos(t), 4), round(0.81 * math.sin(t), 4), str(k), size=13))
        am = math.radians(90 - 6 * m)
        ah = math.radians(90 - (30 * (h % 12) + m / 2))
        mx, my = round(MIN_LEN * math.cos(am), 6), round(MIN_LEN * math.sin(am), 6)
        hx, hy = round(HOUR_LEN * math.cos(ah), 6), round(HOUR_LEN * math.sin(ah), 6)
        lines.append(f"ax.plot([0, {hx}], [0, {hy}], color='#1f3b99', lw=6, solid_capstyle='round', zorder=3)")
        lines.append(f"ax.plot([0, {mx}], [0, {my}], color='#b22222', lw=3.5, solid_capstyle='round', zorder=4)")
        lines.append(dot(0.0, 0.0, color="#333333", ms=9))
        lines.append(dot(hx, hy, color="#1f3b99", ms=6))
        lines.append(dot(mx, my, color="#b22222", ms=5))
        # hand labels beside the tips, on the clockwise side of the hand (away from the other hand when possible)
        for name, (x, y), color in (("H", (hx, hy), "#1f3b99"), ("M", (mx, my), "#b22222")):
            r = math.hypot(x, y)
            ux, uy = x / r, y / r
            other = (mx, my) if name == "H" else (hx, hy)
            side = 1 if (ux * other[1] - uy * other[0]) < 0 else -1
            lx, ly = x + 0.14 * side * -uy, y + 0.14 * side * ux
            lines.append(text(round(lx, 4), round(ly, 4), name, size=13, weight="bold", color=color))
        elements = (Element("H", "point", hx, hy, "tip of the hour hand"),
                    Element("M", "point", mx, my, "tip of the minute hand"))
        return "\n".join(lines) + "\n", elements

    def _pose(self, draft: Draft, rng: random.Random) -> Draft:
        pr = draft.params
        e = draft.points()
        h, m = hand_time(*e["H"], *e["M"])
        now = clock_text(h, m)
        ask = pr["ask"]
        choices, atype = (), "number"
        read = f"The hour hand H has passed {h} and the minute hand M points to {m} minutes, so the clock shows {now}."
        if ask == "read":
            question = "What time does the clock show?"
            swapped = clock_text(max(1, round(m / 5)) if m else 12, (h % 12) * 5)
            distract = [swapped, clock_text(h % 12 + 1, m), clock_text(h, (m + 30) % 60), clock_text((h - 2) % 12 + 1, m)]
            choices, answer = make_choices(rng, now, distract)
            atype = "choice"
            solution = read
            marks = ["H", "M"]
        elif ask == "angle":
            a = hands_angle(h, m)
            answer = fmt_angle(a)
            question = "What is the smaller angle between the hands of the clock, in degrees?"
            solution = (f"{read} The minute hand is at 6 × {m} = {6 * m}° from twelve, the hour hand at 30 × {h % 12} + "
                        f"{m}/2 = {fmt_angle(Fraction(30 * (h % 12)) + Fraction(m, 2))}°; the smaller angle between them is {answer}°.")
            marks = ["H", "M"]
        elif ask == "to_hour":
            answer = str(60 - m if m else 60)
            question = "How many minutes are left until the next full hour?"
            solution = f"The minute hand M shows {m} minutes, so {60} − {m} = {answer} minutes remain."
            marks = ["M"]
        elif ask in ("elapsed", "later"):
            dur = pr["duration"]
            end_min = (h % 12) * 60 + m + dur
            eh, em = (end_min // 60) % 12 or 12, end_min % 60
            end = clock_text(eh, em)
            dtext = f"{dur // 60} hours {dur % 60} minutes" if dur >= 60 else f"{dur} minutes"
            if ask == "elapsed":
                question = f"The clock shows when {pr['event']} started. It ended at {end} the same day. How many minutes did it last?"
                answer = str(dur)
                solution = f"{read} From {now} to {end} is {dur // 60} hours and {dur % 60} minutes, that is {dur} minutes."
            else:
                question = f"The clock shows when {pr['event']} started. It lasted {dtext}. At what time did it end?"
                distract = [clock_text(eh % 12 + 1, em), clock_text(eh, (em + 10) % 60), clock_text((eh - 2) % 12 + 1, em),
                            clock_text(eh, (em + 50) % 60)]
                choices, answer = make_choices(rng, end, distract)
                atype = "choice"
                solution = f"{read} Adding {dtext} to {now} gives {end}."
            marks = ["H", "M"]
        elif ask == "seq_angle_later":
            later = pr["later"]
            tot = (h % 12) * 60 + m + later
            h2, m2 = (tot // 60) % 12 or 12, tot % 60
            answer = fmt_angle(hands_angle(h2, m2))
            question = f"What will the smaller angle between the hands be {later} minutes after the time shown, in degrees?"
            solution = (f"The clock shows {now}; {later} minutes later it is {clock_text(h2, m2)}. Then the minute hand is at "
                        f"{6 * m2}° and the hour hand at {fmt_angle(Fraction(30 * (h2 % 12)) + Fraction(m2, 2))}°, so the angle is {answer}°.")
            marks = ["M"]
        else:
            raise ValueError(ask)
        color = "#1f77b4" if ask.startswith("seq_") else "#ff7f0e"
        ix = Interaction("auxiliary_line", f"Draw the rays from the centre of the dial through {listing(marks)}.",
                         interaction_code(self._rays(marks, color)), tuple(marks))
        return draft.replace(question=question, answer=answer, solution=solution, choices=choices, answer_type=atype,
                             interactions=draft.interactions + (ix,))

    @staticmethod
    def _rays(marks, color: str) -> str:
        """Dashed rays from the dial centre (the middle of the square canvas) through each tip to
        the rim, and a ring at each tip."""
        return "_cx, _cy = w / 2, h / 2\n" + "".join(
            f"_tx, _ty = P[{n!r}]\n"
            "_d = math.hypot(_tx - _cx, _ty - _cy)\n"
            f"_rim = {1 / 2.4} * w\n"
            f"ax.plot([_cx, _cx + (_tx - _cx) / _d * _rim], [_cy, _cy + (_ty - _cy) / _d * _rim], color='{color}', ls='--', lw=2.2)\n"
            for n in marks) + ix_rings(marks, color=color, r=14 if color == "#ff7f0e" else 22)

    def expand_sequential(self, draft: Draft, rng: random.Random) -> Draft | None:
        """Time read (or angle) now -> the angle between the hands some minutes later."""
        pr = draft.params
        if pr["ask"] not in ("read", "angle"):
            return None
        later = rng.choice([15, 20, 25, 40, 45, 50, 70, 90])
        new = self._pose(draft.replace(params=dict(pr, ask="seq_angle_later", later=later)), rng)
        return new.replace(variant="seq_angle_later", difficulty=draft.difficulty + 1, choices=(), answer_type="number")

    def rederive(self, draft: Draft) -> str:
        e = draft.points()
        h, m = hand_time(*e["H"], *e["M"])
        pr = draft.params
        ask = pr["ask"]
        if ask == "read":
            return choice_letter(draft.choices, clock_text(h, m))
        if ask == "angle":
            return fmt_angle(hands_angle(h, m))
        if ask == "to_hour":
            return str(60 - m)
        if ask == "elapsed":
            eh, em = pr["end"]
            return str(((eh % 12) * 60 + em - (h % 12) * 60 - m) % 720)
        if ask == "later":
            tot = (h % 12) * 60 + m + pr["duration"]
            return choice_letter(draft.choices, clock_text((tot // 60) % 12 or 12, tot % 60))
        if ask == "seq_angle_later":
            tot = (h % 12) * 60 + m + pr["later"]
            return fmt_angle(hands_angle((tot // 60) % 12 or 12, tot % 60))
        raise ValueError(f"unknown ask {ask!r}")


# ==============================================================================================
# calendar month

WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
ORD = {1: "first", 2: "second", 3: "third", 4: "fourth", 5: "fifth"}


def ordinal_day(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


class CalendarMonth(Family):
    """One calendar month page (Monday first); asks for the weekday some days after a date
    (choice), how many times a weekday occurs, the date of the nth weekday, the days between
    two weekday dates, or the weekday the next month starts on (choice)."""

    name = "calendar_month"
    givens = ("month", "year")
    domain = DOMAIN
    node_ids = (READ_GRID, DAYS_LATER, COUNT_WD, NTH_WD, BETWEEN, MONTH_LEN)
    supports = frozenset({"sequential"})
    ASKS = {
        "later": frozenset({DAYS_LATER, READ_GRID}),
        "count": frozenset({COUNT_WD, READ_GRID}),
        "nth": frozenset({NTH_WD, READ_GRID}),
        "between": frozenset({BETWEEN, NTH_WD}),
        "next_month": frozenset({MONTH_LEN, DAYS_LATER}),
    }
    GRID = CellGrid([66] * 7, 40, 7, margin=12, title_h=34)

    def create(self, rng: random.Random, node_ids, difficulty: int) -> Draft:
        d = clamp_difficulty(difficulty)
        ask, covered = pick_ask(rng, node_ids, self.ASKS, self.node_ids)
        year, month = rng.randint(2024, 2031), rng.randint(1, 12)
        first, ndays = calendar.monthrange(year, month)
        g = self.GRID
        lines = g.prologue(f"{calendar.month_name[month]} {year}", title_size=14)
        for c, wd in enumerate(WEEKDAYS):
            lines.append(g.fill(0, c, "#9fb6da"))
            lines.append(text(*g.centre(0, c), wd[:3], size=12, weight="bold"))
        elements = []
        for day in range(1, ndays + 1):
            k = first + day - 1
            r, c = 1 + k // 7, k % 7
            x, y = g.centre(r, c)
            lines.append(g.fill(r, c, "#f6e3c6" if c >= 5 else "#dbe5f4"))
            lines.append(text(x, y, str(day), size=13))
            elements.append(Element(str(day), "label", x, y, "first day of the month" if day == 1 else ""))
        lines += g.rules(lw=1.0)
        params = {"ask": ask, "month": calendar.month_name[month], "year": year}
        wd = rng.randrange(7)
        params["weekday"] = wd
        if ask == "later":
            params["day"] = rng.randint(1, ndays)
            params["k"] = rng.randint(3, {1: 12, 2: 30, 3: 60}[d])
        elif ask == "nth":
            params["n"] = rng.randint(2, 4)
        elif ask == "between":
            wd2 = rng.randrange(7)
            params["weekday2"] = wd2
            params["n"] = 1
        draft = self.draft(node_ids=covered, render_code="\n".join(lines) + "\n", question="", answer="",
                          solution="", interactions=(), elements=tuple(elements), difficulty=d, params=params)
        return self._pose(draft, rng)

    def _days(self, draft: Draft) -> dict[int, int]:
        """date -> weekday column (0 = Monday), from the element coordinates."""
        return {int(e.name): self.GRID.locate(e.x, e.y)[1] for e in draft.elements}

    def _answer(self, draft: Draft) -> tuple[str, dict]:
        """The answer text and the facts the solution quotes, from the drawn dates."""
        days = self._days(draft)
        pr = draft.params
        ask = pr["ask"]
        ndays = max(days)
        col = lambda wd: sorted(dd for dd, c in days.items() if c == wd)  # noqa: E731
        if ask == "later":
            wd = (days[pr["day"]] + pr["k"]) % 7
            return WEEKDAYS[wd], {"wd": days[pr["day"]]}
        if ask == "count":
            return str(len(col(pr["weekday"]))), {"dates": col(pr["weekday"])}
        if ask == "nth":
            return str(col(pr["weekday"])[pr["n"] - 1]), {"dates": col(pr["weekday"])}
        if ask == "between":
            a = col(pr["weekday"])[0]
            b = col(pr["weekday2"])[-1]
            return str(abs(b - a)), {"a": a, "b": b}
        if ask == "next_month":
            return WEEKDAYS[(days[ndays] + 1) % 7], {"last": ndays, "wd": days[ndays]}
        if ask == "seq_later":
            base = col(pr["weekday"])[pr["n"] - 1]
            return WEEKDAYS[(pr["weekday"] + pr["k"]) % 7], {"base": base}
        raise ValueError(f"unknown ask {ask!r}")

    def _pose(self, draft: Draft, rng: random.Random) -> Draft:
        pr = draft.params
        ask = pr["ask"]
        answer, f = self._answer(draft)
        page = "The calendar shows one month."  # which month and year: the figure's title
        choices, atype = (), "number"
        wdn = WEEKDAYS[pr["weekday"]]
        if ask == "later":
            question = f"{page} What day of the week is {pr['k']} days after the {ordinal_day(pr['day'])}?"
            solution = (f"The {ordinal_day(pr['day'])} is a {WEEKDAYS[f['wd']]}. {pr['k']} days is {pr['k'] // 7} weeks and "
                        f"{pr['k'] % 7} days, so move on {pr['k'] % 7} weekdays: {answer}.")
            marks = [str(pr["day"])]
        elif ask == "count":
            question = f"{page} How many {wdn}s are there in this month?"
            solution = f"The {wdn} column holds {listing([str(x) for x in f['dates']])}: {answer} of them."
            marks = [str(x) for x in f["dates"]][:4]
        elif ask == "nth":
            question = f"{page} What is the date of the {ORD[pr['n']]} {wdn} of the month?"
            solution = f"Down the {wdn} column the dates are {listing([str(x) for x in f['dates']])}; the {ORD[pr['n']]} is the {answer}."
            marks = [answer]
        elif ask == "between":
            w2 = WEEKDAYS[pr["weekday2"]]
            question = f"{page} How many days are there from the first {wdn} to the last {w2} of the month?"
            solution = f"The first {wdn} is the {ordinal_day(f['a'])} and the last {w2} is the {ordinal_day(f['b'])}: {f['b']} − {f['a']} = {answer}." \
                if f["b"] >= f["a"] else f"The first {wdn} is the {ordinal_day(f['a'])} and the last {w2} the {ordinal_day(f['b'])}, {answer} days apart."
            marks = [str(f["a"]), str(f["b"])]
        elif ask == "next_month":
            question = f"{page} On what day of the week does the next month begin?"
            solution = (f"The month has {f['last']} days and the {ordinal_day(f['last'])} is a {WEEKDAYS[f['wd']]}, "
                        f"so the next day, the first of the next month, is a {answer}.")
            marks = [str(f["last"])]
        elif ask == "seq_later":
            question = f"{page} What day of the week is {pr['k']} days after the {ORD[pr['n']]} {wdn} of the month?"
            solution = (f"The {ORD[pr['n']]} {wdn} is the {pr['parent_answer']}. {pr['k']} days is {pr['k'] // 7} weeks and "
                        f"{pr['k'] % 7} days, so it is a {answer}.")
            marks = [str(pr["parent_answer"])]
        else:
            raise ValueError(ask)
        if ask in ("later", "next_month", "seq_later"):
            choices, answer = make_choices(rng, answer, [w for w in WEEKDAYS if w != answer][rng.randrange(4):][:3])
            atype = "choice"
        if ask.startswith("seq_"):
            ix = Interaction("highlight", f"Circle the date {listing(marks)} found before and count on from it.",
                             interaction_code(ix_rings(marks, color="#1f77b4", r=22)), tuple(marks))
        else:
            ix = Interaction("highlight", f"Shade the dates {listing(marks)} used in this step.",
                             interaction_code(ix_boxes(marks, 30, 17)), tuple(marks))
        return draft.replace(question=question, answer=answer, solution=solution, choices=choices, answer_type=atype,
                             interactions=draft.interactions + (ix,))

    def expand_sequential(self, draft: Draft, rng: random.Random) -> Draft | None:
        """Date of the nth weekday -> the weekday some days after that date."""
        if draft.params["ask"] != "nth":
            return None
        k = rng.choice([5, 9, 10, 12, 16, 20, 23])
        new = self._pose(draft.replace(params=dict(draft.params, ask="seq_later", k=k, parent_answer=draft.answer)), rng)
        return new.replace(variant="seq_later", difficulty=draft.difficulty + 1)

    def rederive(self, draft: Draft) -> str:
        answer, _ = self._answer(draft)
        if draft.answer_type == "choice":
            return choice_letter(draft.choices, answer)
        return answer


# ==============================================================================================
# coin stacks

COINS = [(1, "1c"), (5, "5c"), (10, "10c"), (25, "25c"), (50, "50c"), (100, "$1")]
COIN_H = 0.32  # stack height per coin (units)
COIN_COLORS = {1: "#c27c48", 5: "#b9b9b9", 10: "#c9c9c9", 25: "#d6d6d6", 50: "#cfcfcf", 100: "#e2c35a"}
PRICES_ITEMS = ["a sandwich", "a comic", "a bus ticket", "a pencil case", "a drink", "a bag of apples"]


def _cents(v: int) -> str:
    return f"{v // 100}.{v % 100:02d}"


class CoinStacks(Family):
    """Stacks of coins, one stack per coin type with its value on top; asks for the total in
    cents, the total in dollars, the difference between two stacks, or the change after paying
    for an item with all the coins."""

    name = "coin_stacks"
    givens = (ELEMENTS,)
    domain = DOMAIN
    node_ids = (COIN_VALUES, TOTAL_VALUE, CHANGE, CONVERT, COMPARE)
    supports = frozenset({"sequential"})
    ASKS = {
        "total": frozenset({TOTAL_VALUE, COIN_VALUES}),
        "dollars": frozenset({CONVERT, TOTAL_VALUE}),
        "compare": frozenset({COMPARE, COIN_VALUES}),
        "change": frozenset({CHANGE, TOTAL_VALUE}),
    }

    def create(self, rng: random.Random, node_ids, difficulty: int) -> Draft:
        d = clamp_difficulty(difficulty)
        ask, covered = pick_ask(rng, node_ids, self.ASKS, self.node_ids)
        k = {1: 3, 2: 4, 3: 5}[d]
        types = sorted(rng.sample(COINS, k))
        counts = [rng.randint(1, 3 + 2 * d) for _ in types]
        code, elements = self._figure(types, counts)
        total = sum(v * c for (v, _), c in zip(types, counts, strict=True))
        params = {"ask": ask}
        if ask == "compare":
            worth = [v * c for (v, _), c in zip(types, counts, strict=True)]
            pairs = [(a, b) for a in range(k) for b in range(k) if worth[a] > worth[b]]
            if not pairs:  # every stack worth the same: make the first stack one coin taller
                counts[0] += 1
                code, elements = self._figure(types, counts)
                total += types[0][0]
                worth[0] += types[0][0]
                pairs = [(0, b) for b in range(1, k)]
            a, b = rng.choice(pairs)
            params["pair"] = [types[a][1], types[b][1]]
        elif ask == "change":
            params["price"] = max(1, total - rng.randint(1, min(total - 1, 150))) if total > 1 else 1
            params["item"] = rng.choice(PRICES_ITEMS)
        draft = self.draft(node_ids=covered, render_code=code, question="", answer="", solution="",
                          interactions=(), elements=elements, difficulty=d, params=params)
        return self._pose(draft)

    def _figure(self, types, counts) -> tuple[str, tuple[Element, ...]]:
        n = len(types)
        top = max(counts) * COIN_H
        lines = canvas(5.6, 4.0, (-0.7, n - 0.3), (-0.5, top + 1.2), equal=False)
        lines.append(f"ax.plot([-0.6, {n - 0.4}], [0, 0], color='#555555', lw=2, zorder=0)")
        lines.append(text((n - 1) / 2, top + 0.95, "Coins on the table", size=13, weight="bold"))
        elements = []
        for i, ((v, label), c) in enumerate(zip(types, counts, strict=True)):
            w = 0.28 + 0.06 * COINS.index((v, label)) / 2
            for j in range(c):
                y0 = j * COIN_H
                lines.append(f"ax.add_patch(plt.Rectangle(({i - w:.4f}, {y0 + 0.03:.4f}), {2 * w:.4f}, {COIN_H - 0.06:.4f}, "
                             f"facecolor='{COIN_COLORS[v]}', edgecolor='#333333', lw=1.2, zorder=2))")
            lines.append(f"ax.plot([{i - w}, {i + w}], [{c * COIN_H:.4f}, {c * COIN_H:.4f}], color='#333333', lw=1.6, zorder=3)")
            lines.append(dot(float(i), round(c * COIN_H, 4), color="#333333", ms=5))
            lines.append(text(float(i), round(c * COIN_H + 0.32, 4), label, size=13, weight="bold"))
            elements.append(Element(label, "marker", float(i), round(c * COIN_H, 4), ""))
        return "\n".join(lines) + "\n", tuple(elements)

    def _stacks(self, draft: Draft) -> dict[str, tuple[int, int]]:
        """label -> (coin value in cents, coins in the stack), counted from the stack tops."""
        value = dict((lab, v) for v, lab in COINS)
        return {e.name: (value[e.name], round(e.y / COIN_H)) for e in draft.elements}

    def _pose(self, draft: Draft) -> Draft:
        pr = draft.params
        st = self._stacks(draft)
        total = sum(v * c for v, c in st.values())
        parts = " + ".join(f"{c} × {v}" for v, c in st.values())
        ask = pr["ask"]
        intro = "Each stack holds coins of the value written above it (c means cents; $1 is 100 cents)."
        if ask == "total":
            question = f"{intro} What is the total value of the coins, in cents?"
            answer = str(total)
            solution = f"Count each stack and multiply by the coin value: {parts} = {total} cents."
            marks = list(st)
        elif ask == "dollars":
            question = f"{intro} What is the total value of the coins, in dollars?"
            answer = fmt_frac(Fraction(total, 100)) if total % 100 == 0 else fmt_dec(Fraction(total, 100), 2)
            solution = f"The total is {parts} = {total} cents, which is {total}/100 = {answer} dollars."
            marks = list(st)
        elif ask == "compare":
            a, b = pr["pair"]
            va, vb = st[a][0] * st[a][1], st[b][0] * st[b][1]
            question = f"{intro} How many cents more are the {a} coins worth than the {b} coins?"
            answer = str(va - vb)
            solution = (f"The {a} stack has {st[a][1]} coins worth {va} cents; the {b} stack has {st[b][1]} coins worth {vb} cents; "
                        f"the difference is {va - vb} cents.")
            marks = [a, b]
        elif ask in ("change", "seq_change"):
            price = pr["price"]
            question = (f"{intro} All these coins are handed over to pay for {pr['item']} costing {_cents(price)} dollars. "
                        "How much change is given, in cents?")
            answer = str(total - price)
            solution = (f"The coins are worth {parts} = {total} cents and the price is {price} cents, so the change is "
                        f"{total} − {price} = {answer} cents.")
            if ask == "seq_change":
                solution = f"The total found before is {pr['parent_answer']} cents; the change is {pr['parent_answer']} − {price} = {answer} cents."
            marks = list(st)[:2]
        else:
            raise ValueError(ask)
        seq = ask.startswith("seq_")
        ix = Interaction("highlight", f"Circle the tops of the stacks {listing(marks)} and count their coins.",
                         interaction_code(ix_rings(marks, color="#1f77b4" if seq else "red", r=24 if seq else 16)), tuple(marks))
        return draft.replace(question=question, answer=answer, solution=solution, interactions=draft.interactions + (ix,))

    def expand_sequential(self, draft: Draft, rng: random.Random) -> Draft | None:
        """The total in cents -> the change after paying for an item with all the coins."""
        if draft.params["ask"] != "total":
            return None
        total = int(draft.answer)
        if total < 2:
            return None
        price = total - rng.randint(1, min(total - 1, 150))
        new = self._pose(draft.replace(params=dict(draft.params, ask="seq_change", price=price,
                                                   item=rng.choice(PRICES_ITEMS), parent_answer=draft.answer)))
        return new.replace(variant="seq_change", difficulty=draft.difficulty + 1)

    def rederive(self, draft: Draft) -> str:
        st = self._stacks(draft)
        total = sum(v * c for v, c in st.values())
        pr = draft.params
        ask = pr["ask"]
        if ask == "total":
            return str(total)
        if ask == "dollars":
            return fmt_frac(Fraction(total, 100)) if total % 100 == 0 else fmt_dec(Fraction(total, 100), 2)
        if ask == "compare":
            a, b = pr["pair"]
            return str(st[a][0] * st[a][1] - st[b][0] * st[b][1])
        if ask in ("change", "seq_change"):
            return str(total - pr["price"])
        raise ValueError(f"unknown ask {ask!r}")


FAMILIES = [AnalogClock(), CalendarMonth(), CoinStacks()]
