"""Map families: a street-grid town map, a map with a scale bar, and compass bearings.

Places are dots at integer map coordinates (one data unit per block / map square), so
:meth:`rederive` reads positions back from ``draft.elements`` and recomputes distances,
directions and bearings from them.
"""

from __future__ import annotations

import math
import random
from fractions import Fraction

from pipelines.creators.base import ELEMENTS, Draft, Family, Interaction
from pipelines.creators.common import (
    choice_letter,
    clamp_difficulty,
    dist,
    fmt_frac,
    interaction_code,
    ix_segment,
    ix_shade,
    make_choices,
    pick_ask,
    shoelace,
)
from pipelines.creators.families._canvas import Canvas

DOMAIN = "maps_coordinates"
_M = "maps_coordinates."
GRID_COORDS = _M + "grid_maps.grid_coordinates"
DIRECTIONS = _M + "directions.compass_directions"
TAXICAB = _M + "routes.taxicab_distance"
BLOCK_SCALE = _M + "routes.block_lengths"
MULTI_STOP = _M + "routes.multi_stop_route"
SCALE_BAR = _M + "scale.scale_bar"
REAL_DIST = _M + "scale.real_distance"
AREA_SCALE = _M + "scale.area_scale"
TRAVEL_TIME = _M + "routes.travel_time"
BEARING = _M + "directions.three_figure_bearing"
BACK_BEARING = _M + "directions.back_bearing"

PLACES = ["Library", "School", "Park", "Bank", "Museum", "Cafe", "Station", "Market", "Bakery", "Pool", "Garden",
          "Hotel", "Zoo", "Clinic", "Theatre"]
TOWNS = ["Ashby", "Brook", "Corfe", "Dale", "Elton", "Fenby", "Gorse", "Hale", "Irby", "Kirk", "Lowe", "Moss"]
COMPASS8 = ["north", "north-east", "east", "south-east", "south", "south-west", "west", "north-west"]


def _north_arrow(cv: Canvas, x: float, y: float, size: float) -> None:
    cv.raw(f"ax.annotate('', xy=({x}, {y + size}), xytext=({x}, {y}), arrowprops=dict(arrowstyle='-|>', lw=2, color='black'), zorder=8)")
    cv.text("N", (x, y + size + 0.32 * size + 0.25), font=13, weight="bold")
    cv.boxes.append((*cv.px((x - 0.3 * size, y - 0.1)), *cv.px((x + 0.3 * size, y + size))))


def _blocks(k: int) -> str:
    return f"{k} block" if k == 1 else f"{k} blocks"


def _speed(rng: random.Random, km: int) -> int:
    """A speed (km per hour) that makes the trip a whole number of minutes."""
    return rng.choice([v for v in (20, 30, 40, 45, 50, 60, 80, 90) if km * 60 % v == 0] or [60])


def _ip(p) -> tuple[int, int]:
    return (int(round(p[0])), int(round(p[1])))


# ==============================================================================================
# street-grid town map


class TownGridMap(Family):
    """Town map on a street grid with numbered streets; asks for the coordinates of a place, the
    walking distance in blocks (or metres), or which place lies a given number of blocks away."""

    name = "town_grid_map"
    givens = (ELEMENTS,)
    domain = DOMAIN
    node_ids = (GRID_COORDS, DIRECTIONS, TAXICAB, BLOCK_SCALE, MULTI_STOP)
    supports = frozenset({"parallel"})
    ASKS = {
        "coords": frozenset({GRID_COORDS}),
        "blocks": frozenset({TAXICAB}),
        "metres": frozenset({TAXICAB, BLOCK_SCALE}),
        "direction": frozenset({DIRECTIONS, GRID_COORDS}),
        "trip": frozenset({TAXICAB, MULTI_STOP}),
    }

    def create(self, rng: random.Random, node_ids, difficulty: int) -> Draft:
        d = clamp_difficulty(difficulty)
        ask, covered = pick_ask(rng, node_ids, self.ASKS, self.node_ids)
        W, H = {1: (6, 5), 2: (8, 6), 3: (9, 7)}[d]
        k = 5 if d == 1 else 6
        names = rng.sample(PLACES, k)
        while True:
            cells = rng.sample([(x, y) for x in range(W + 1) for y in range(H + 1)], k)
            if all(abs(a[0] - b[0]) + abs(a[1] - b[1]) >= 3 for i, a in enumerate(cells) for b in cells[i + 1:]):
                if len({c[0] for c in cells}) >= 3 and len({c[1] for c in cells}) >= 3:
                    break
        pos = dict(zip(names, cells, strict=True))
        cv = Canvas((-1.3, W + 1.6), (-1.1, H + 1.9), 430 / max(W + 2.9, H + 3.0), font=12)
        for x in range(W + 1):
            cv.line([(x, 0), (x, H)], color="#bdbdbd", lw=1.6, z=1, obstacle=False)
            cv.text(str(x), (x, -0.55), font=10, color="#525252")
        for y in range(H + 1):
            cv.line([(0, y), (W, y)], color="#bdbdbd", lw=1.6, z=1, obstacle=False)
            cv.text(str(y), (-0.6, y), font=10, color="#525252")
        _north_arrow(cv, W + 0.9, H + 0.15, 0.9)
        roles = {max(names, key=lambda n: (pos[n][1], -pos[n][0])): "north-most place",
                 min(names, key=lambda n: (pos[n][1], pos[n][0])): "south-most place"}
        for n in names:
            cv.dot(n, pos[n], role=roles.get(n, ""), color="#1f3b99", ms=8, label_color="#1f3b99")
        code, elements = cv.build(ref=(W / 2, H / 2))
        params = {"ask": ask, "block_m": rng.choice([50, 80, 100, 120, 150, 200, 250])}
        a, b, c = rng.sample(names, 3)
        params.update(a=a, b=b, c=c)
        if ask == "coords":
            x, y = pos[a]
            correct = f"({x}, {y})"
            cands = [f"({y}, {x})", f"({x + 1}, {y})", f"({x}, {y - 1})", f"({x - 1}, {y + 1})", f"({x + 1}, {y + 1})"]
            choices, answer = make_choices(rng, correct, [o for o in cands if o != correct])
            params["choices"] = list(choices)
        draft = self.draft(node_ids=covered, render_code=code, question="", answer="", solution="",
                           interactions=(), elements=elements, difficulty=d, params=params)
        return self._pose(draft, rng)

    def _pose(self, draft: Draft, rng: random.Random) -> Draft:
        pr = draft.params
        pos = {e.name: _ip((e.x, e.y)) for e in draft.elements}
        a, b, c, ask = pr["a"], pr["b"], pr["c"], pr["ask"]
        (xa, ya), (xb, yb), (xc, yc) = pos[a], pos[b], pos[c]
        blocks = abs(xa - xb) + abs(ya - yb)
        walk = (f"From the {a} at ({xa}, {ya}) to the {b} at ({xb}, {yb}) a shortest walk goes {_blocks(abs(xb - xa))} "
                f"{'east' if xb >= xa else 'west'} and {_blocks(abs(yb - ya))} {'north' if yb >= ya else 'south'}")
        route = Interaction("auxiliary_line", f"Draw a shortest street route from the {a} to the {b}: across, then up or down.",
                            interaction_code(self._route(a, b)), (a, b))
        answer_type, choices = "number", ()
        if ask == "coords":
            choices = tuple(pr["choices"])
            answer_type = "choice"
            ans = choice_letter(choices, f"({xa}, {ya})")
            question = f"The streets are numbered along the bottom (x) and the left side (y). What are the coordinates of the {a}?"
            solution = f"Follow the street through the {a} down to the bottom edge ({xa}) and across to the left edge ({ya}): ({xa}, {ya})."
            inter = Interaction("auxiliary_line", f"Draw dashed lines from the {a} down to the x numbers and left to the y numbers.",
                                interaction_code(self._drop(a, pos[a])), (a,))
        elif ask == "blocks":
            ans = str(blocks)
            question = f"Walking only along the streets, how many blocks long is the shortest walk from the {a} to the {b}?"
            solution = f"{walk}: {abs(xb - xa)} + {abs(yb - ya)} = {blocks} blocks."
            inter = route
        elif ask == "metres":
            m = pr["block_m"]
            ans = str(blocks * m)
            question = (f"Each block is {m} metres long. Walking only along the streets, how many metres is the shortest "
                        f"walk from the {a} to the {b}?")
            solution = f"{walk}, {blocks} blocks in all, so the walk is {blocks} × {m} = {ans} metres."
            inter = route
        elif ask == "direction":
            dx, dy = xb - xa, yb - ya
            ew = f"{_blocks(abs(dx))} {'east' if dx > 0 else 'west'}" if dx else ""
            ns = f"{_blocks(abs(dy))} {'north' if dy > 0 else 'south'}" if dy else ""
            where = " and ".join(s for s in (ew, ns) if s)
            others = [n for n in pos if n not in (a, b)]
            choices, ans = make_choices(rng, b, rng.sample(others, 3))
            answer_type = "choice"
            question = f"North is up. Which place is {where} of the {a}?"
            solution = f"Start at the {a} ({xa}, {ya}) and move {where}: you reach ({xb}, {yb}), the {b}."
            inter = route
        elif ask in ("trip", "par_trip"):
            b2 = abs(xb - xc) + abs(yb - yc)
            ans = str(blocks + b2)
            question = (f"Walking only along the streets, how many blocks long is the shortest walk from the {a} to the {b} "
                        f"and then on to the {c}?")
            solution = (f"{walk}: {blocks} blocks. From the {b} to the {c} it is {abs(xc - xb)} + {abs(yc - yb)} = {b2} "
                        f"blocks. In total {blocks} + {b2} = {ans} blocks.")
            inter = Interaction("auxiliary_line", f"Draw the street route from the {b} on to the {c}.",
                                interaction_code(self._route(b, c, "#2ca02c")), (b, c))
            if ask == "trip":
                inter = Interaction("auxiliary_line", f"Draw street routes from the {a} to the {b} and on to the {c}.",
                                    interaction_code(self._route(a, b), self._route(b, c, "#2ca02c")), (a, b, c))
        else:
            raise ValueError(ask)
        return draft.replace(question=question, answer=ans, answer_type=answer_type, choices=choices, solution=solution,
                             interactions=draft.interactions + (inter,))

    @staticmethod
    def _route(a: str, b: str, color: str = "#d62728") -> str:
        return (f"ax.plot([P[{a!r}][0], P[{b!r}][0], P[{b!r}][0]], [P[{a!r}][1], P[{a!r}][1], P[{b!r}][1]], "
                f"color='{color}', lw=4, alpha=0.85)\n")

    @staticmethod
    def _drop(a: str, xy) -> str:
        return ("_o = np.array(P[{a!r}])\n".format(a=a) +
                f"ax.plot([_o[0], _o[0]], [_o[1], h - 4], color='#d62728', ls='--', lw=2)\n"  # to the edges, inside
                f"ax.plot([_o[0], 4], [_o[1], _o[1]], color='#d62728', ls='--', lw=2)\n")

    def expand_parallel(self, draft: Draft, rng: random.Random) -> Draft | None:
        """Walk between two places -> a walk that continues on to a third place."""
        if draft.params["ask"] not in ("blocks", "metres", "direction"):
            return None
        new = draft.replace(params=dict(draft.params, ask="par_trip", parent_answer=draft.answer))
        return self._pose(new, rng).replace(variant="par_trip", difficulty=draft.difficulty + 1)

    def rederive(self, draft: Draft) -> str:
        pos = {e.name: (e.x, e.y) for e in draft.elements}
        pr = draft.params
        a, b, c, ask = pr["a"], pr["b"], pr["c"], pr["ask"]

        def taxi(p, q):
            return round(abs(pos[p][0] - pos[q][0]) + abs(pos[p][1] - pos[q][1]))

        if ask == "coords":
            return choice_letter(draft.choices, f"({round(pos[a][0])}, {round(pos[a][1])})")
        if ask == "blocks":
            return str(taxi(a, b))
        if ask == "metres":
            return str(taxi(a, b) * pr["block_m"])
        if ask == "direction":
            target = (pos[a][0] + (pos[b][0] - pos[a][0]), pos[a][1] + (pos[b][1] - pos[a][1]))
            hit = [n for n, p in pos.items() if dist(p, target) < 1e-6]
            return choice_letter(draft.choices, hit[0]) if len(hit) == 1 else "?"
        if ask in ("trip", "par_trip"):
            return str(taxi(a, b) + taxi(b, c))
        raise ValueError(f"unknown ask {ask!r}")


# ==============================================================================================
# map with a scale bar


OFFSETS = [(3, 4), (4, 3), (0, 5), (5, 0), (6, 8), (8, 6), (5, 12), (12, 5), (0, 4), (4, 0), (0, 6), (6, 0), (0, 3), (3, 0)]


class ScaleBarMap(Family):
    """Map on a faint square grid with a scale bar and three towns; asks for the real straight-line
    distance, a two-leg journey, the real area of the triangle of towns, or a travel time."""

    name = "scale_bar_map"
    givens = (ELEMENTS,)
    domain = DOMAIN
    node_ids = (SCALE_BAR, REAL_DIST, MULTI_STOP, AREA_SCALE, TRAVEL_TIME)
    supports = frozenset({"sequential"})
    ASKS = {
        "distance": frozenset({SCALE_BAR, REAL_DIST}),
        "journey": frozenset({SCALE_BAR, REAL_DIST, MULTI_STOP}),
        "area": frozenset({SCALE_BAR, AREA_SCALE}),
        "time": frozenset({SCALE_BAR, REAL_DIST, TRAVEL_TIME}),
    }

    def create(self, rng: random.Random, node_ids, difficulty: int) -> Draft:
        d = clamp_difficulty(difficulty)
        ask, covered = pick_ask(rng, node_ids, self.ASKS, self.node_ids)
        small = [o for o in OFFSETS if max(o) <= 8]
        while True:
            p = (rng.randint(0, 3), rng.randint(0, 3))
            o1 = rng.choice(small)
            o1 = (o1[0] * rng.choice([1, -1]), o1[1] * rng.choice([1, -1]))
            o2 = rng.choice(small)
            o2 = (o2[0] * rng.choice([1, -1]), o2[1] * rng.choice([1, -1]))
            q = (p[0] + o1[0], p[1] + o1[1])
            r = (q[0] + o2[0], q[1] + o2[1])
            pts = [p, q, r]
            xs, ys = [t[0] for t in pts], [t[1] for t in pts]
            if max(xs) - min(xs) > 10 or max(ys) - min(ys) > 9 or shoelace(pts) < 6:
                continue
            if min(dist(a, b) for a, b in ((p, q), (q, r), (p, r))) < 3:
                continue
            break
        x0, y0 = min(xs), min(ys)
        p, q, r = [(t[0] - x0, t[1] - y0) for t in pts]
        W, H = max(xs) - min(xs), max(ys) - min(ys)
        k = rng.choice({1: [1, 2, 5], 2: [2, 3, 4, 5], 3: [3, 4, 6, 8, 15]}[d])  # km per map square
        names = rng.sample(TOWNS, 3)
        gx0, gx1, gy0, gy1 = -1, max(W, 4) + 1, -3, H + 1
        cv = Canvas((gx0 - 0.3, gx1 + 0.3), (gy0 - 0.3, gy1 + 0.3), 440 / max(gx1 - gx0 + 0.6, gy1 - gy0 + 0.6), font=13)
        for x in range(gx0, gx1 + 1):
            cv.line([(x, gy0 + 1.6), (x, gy1)], color="#e0e0e0", lw=1.0, z=0, obstacle=False)
        for y in range(gy0 + 2, gy1 + 1):
            cv.line([(gx0, y), (gx1, y)], color="#e0e0e0", lw=1.0, z=0, obstacle=False)
        # scale bar: two squares long, at the bottom left
        bx, by = gx0 + 0.5, gy0 + 0.6
        cv.fill([(bx, by), (bx + 1, by), (bx + 1, by + 0.22), (bx, by + 0.22)], "black", z=3)
        cv.fill([(bx + 1, by), (bx + 2, by), (bx + 2, by + 0.22), (bx + 1, by + 0.22)], "white", ec="black", lw=1.2, z=3)
        cv.text("0", (bx, by - 0.5), font=11)
        cv.text(f"{k}", (bx + 1, by - 0.5), font=11)
        cv.text(f"{2 * k} km", (bx + 2.25, by - 0.5), font=11)
        for t, nm in zip((p, q, r), names, strict=True):
            cv.dot(nm, t, role="", color="#b2182b", ms=9, label_color="#67001f")
        cv.line([p, q], color="#8c510a", lw=1.4, ls=":", z=2)
        cv.line([q, r], color="#8c510a", lw=1.4, ls=":", z=2)
        cv.line([p, r], color="#8c510a", lw=1.4, ls=":", z=2)
        code, elements = cv.build(ref=((p[0] + q[0] + r[0]) / 3, (p[1] + q[1] + r[1]) / 3))
        params = {"ask": ask, "km": k, "towns": names, "speed": None}
        if ask == "time":
            params["speed"] = _speed(rng, round(dist(p, q)) * k)
        draft = self.draft(node_ids=covered, render_code=code, question="", answer="", solution="",
                           interactions=(), elements=elements, difficulty=d, params=params)
        return self._pose(draft, rng)

    def _pose(self, draft: Draft, rng: random.Random) -> Draft:
        pr = draft.params
        pos = {e.name: (e.x, e.y) for e in draft.elements}
        a, b, c = pr["towns"]
        k, ask = pr["km"], pr["ask"]
        sq = {(u, v): round(dist(pos[u], pos[v])) for u in pos for v in pos}
        scale = f"On the map each grid square is {k} km across, as the scale bar shows."
        d1 = sq[a, b] * k
        leg = (f"{a} to {b} spans {abs(round(pos[b][0] - pos[a][0]))} squares across and "
               f"{abs(round(pos[b][1] - pos[a][1]))} squares up or down, so it is √({abs(round(pos[b][0] - pos[a][0]))}² + "
               f"{abs(round(pos[b][1] - pos[a][1]))}²) = {sq[a, b]} squares on the map")
        line_ab = Interaction("auxiliary_line", f"Draw the straight line from {a} to {b}.",
                              interaction_code(ix_segment(a, b, "#d62728", "-", 3)), (a, b))
        if ask == "distance":
            ans = str(d1)
            question = f"{scale} What is the straight-line distance from {a} to {b} in kilometres?"
            solution = f"{leg}, which is {sq[a, b]} × {k} = {d1} km."
            inter = line_ab
        elif ask == "journey":
            d2 = sq[b, c] * k
            ans = str(d1 + d2)
            question = (f"{scale} The helicopter flies in straight lines from {a} to {b} and then to {c}. How many "
                        f"kilometres does it fly?")
            solution = (f"{leg}, i.e. {d1} km. {b} to {c} is {sq[b, c]} squares, i.e. {d2} km. Total {d1} + {d2} = {ans} km.")
            inter = Interaction("auxiliary_line", f"Draw the flight path {a} to {b} to {c}.",
                                interaction_code(ix_segment(a, b, "#d62728", "-", 3), ix_segment(b, c, "#d62728", "-", 3)), (a, b, c))
        elif ask == "area":
            pts = [pos[a], pos[b], pos[c]]
            map_area = Fraction(round(2 * shoelace(pts)), 2)
            ans = fmt_frac(map_area * k * k)
            question = f"{scale} What is the real area, in square kilometres, of the triangle with corners at {a}, {b} and {c}?"
            solution = (f"On the map the triangle covers {fmt_frac(map_area)} squares (shoelace formula on the grid "
                        f"coordinates). Each square is {k} km × {k} km = {k * k} km², so the real area is "
                        f"{fmt_frac(map_area)} × {k * k} = {ans} km².")
            inter = Interaction("shade", f"Shade the triangle {a}-{b}-{c}.", interaction_code(ix_shade([a, b, c])), (a, b, c))
        elif ask in ("time", "seq_time"):
            v = pr["speed"] or 40
            mins = Fraction(d1 * 60, v)
            ans = fmt_frac(mins)
            question = (f"{scale} The car drives the straight road from {a} to {b} at {v} km per hour. How many minutes does "
                        f"the trip take?")
            if ask == "seq_time":
                question = (f"{scale} The straight road from {a} to {b} is {d1} km long. The car drives it at {v} km per "
                            f"hour. How many minutes does the trip take?")
            solution = f"{leg}, i.e. {d1} km. At {v} km per hour this takes {d1}/{v} hours = {d1} × 60/{v} = {ans} minutes."
            inter = line_ab if ask == "time" else Interaction(
                "highlight", f"Highlight the road from {a} to {b} that the car drives.",
                interaction_code(ix_segment(a, b, "#ff7f0e", "-", 5)), (a, b))
        else:
            raise ValueError(ask)
        return draft.replace(question=question, answer=ans, solution=solution, interactions=draft.interactions + (inter,))

    def expand_sequential(self, draft: Draft, rng: random.Random) -> Draft | None:
        """Real distance -> travel time along that distance."""
        if draft.params["ask"] != "distance":
            return None
        new = draft.replace(params=dict(draft.params, ask="seq_time", speed=_speed(rng, int(draft.answer)),
                                        parent_answer=draft.answer))
        return self._pose(new, rng).replace(variant="seq_time", difficulty=draft.difficulty + 1)

    def rederive(self, draft: Draft) -> str:
        pos = {e.name: (e.x, e.y) for e in draft.elements}
        pr = draft.params
        a, b, c = pr["towns"]
        k, ask = pr["km"], pr["ask"]
        if ask == "distance":
            return str(round(dist(pos[a], pos[b]) * k))
        if ask == "journey":
            return str(round((dist(pos[a], pos[b]) + dist(pos[b], pos[c])) * k))
        if ask == "area":
            return fmt_frac(Fraction(round(2 * shoelace([pos[a], pos[b], pos[c]]) * k * k), 2))
        if ask in ("time", "seq_time"):
            return fmt_frac(Fraction(round(dist(pos[a], pos[b]) * k) * 60, pr["speed"]))
        raise ValueError(f"unknown ask {ask!r}")


# ==============================================================================================
# compass bearings


class CompassBearings(Family):
    """Lighthouse-style chart: a centre O and three points at given bearings; asks for the
    three-figure bearing of a point from O, the back bearing, or the compass direction."""

    name = "compass_bearings"
    givens = ("bearings",)
    domain = DOMAIN
    node_ids = (DIRECTIONS, BEARING, BACK_BEARING)
    ASKS = {
        "bearing": frozenset({BEARING}),
        "back": frozenset({BEARING, BACK_BEARING}),
        "direction": frozenset({DIRECTIONS}),
    }

    def create(self, rng: random.Random, node_ids, difficulty: int) -> Draft:
        d = clamp_difficulty(difficulty)
        ask, covered = pick_ask(rng, node_ids, self.ASKS, self.node_ids)
        while True:
            if ask == "direction":
                bs = rng.sample(range(0, 360, 45), 3)
            else:
                step = {1: 10, 2: 5, 3: 5}[d]
                bs = rng.sample(range(step, 360, step), 3)
            srt = sorted(bs)
            gaps = [(srt[(i + 1) % 3] - srt[i]) % 360 for i in range(3)]
            if min(gaps) >= 50 and all(b % 90 for b in bs if ask != "direction"):
                break
        radii = [rng.uniform(3.2, 4.6) for _ in bs]
        names = ["A", "B", "C"]
        pts = {n: (r * math.sin(math.radians(b)), r * math.cos(math.radians(b))) for n, b, r in zip(names, bs, radii, strict=True)}
        cv = Canvas((-5.6, 5.6), (-5.6, 5.6), 40, font=14)
        cv.line([(0, -5.0), (0, 4.6)], color="#9e9e9e", lw=1.2, ls="--", z=1)
        cv.raw("ax.annotate('', xy=(0, 5.05), xytext=(0, 4.2), arrowprops=dict(arrowstyle='-|>', lw=2, color='black'), zorder=8)")
        cv.text("N", (0.5, 5.0), font=13, weight="bold")
        cv.dot("O", (0, 0), role="centre of the compass", ms=7)
        for n in names:
            cv.line([(0, 0), pts[n]], color="#2b8cbe", lw=2.0, z=2)
            cv.dot(n, pts[n], role="", ms=7, color="#08519c", label_color="#08519c")
        code, elements = cv.build(ref=(0, 0), refs={"O": (0.7, 0.7)})
        t = rng.choice(names)
        b = dict(zip(names, bs, strict=True))[t]
        params = {"ask": ask, "target": t}
        answer_type, choices = "number", ()
        ray = Interaction("angle_mark", f"Mark the angle turned clockwise from north to the line O{t}.",
                          interaction_code(self._arc(t)), ("O", t))
        if ask == "bearing":
            ans = str(b)
            question = f"North is straight up. What is the bearing of {t} from O, in degrees (measured clockwise from north)?"
            solution = (f"Turn clockwise from the north line at O until you reach O{t}: the turn is {b} degrees, so the "
                        f"bearing is {b:03d}, i.e. {b}.")
            inter = ray
        elif ask == "back":
            back = (b + 180) % 360
            ans = str(back)
            question = (f"North is straight up and the bearing of {t} from O is {b:03d} degrees. What is the bearing of O "
                        f"from {t}, in degrees?")
            solution = (f"The back bearing differs by 180 degrees: {b} {'+' if b < 180 else '−'} 180 = {back}. The north "
                        f"line at {t} is parallel to the one at O.")
            inter = Interaction("auxiliary_line", f"Draw a north line through {t} and mark the line back to O.",
                                interaction_code(f"ax.plot([P[{t!r}][0], P[{t!r}][0]], [P[{t!r}][1] + 60, P[{t!r}][1] - 60], color='red', ls='--', lw=2)\n",
                                                 ix_segment(t, "O", "#d62728", "-", 3.5)), (t, "O"))
        else:
            answer_type = "choice"
            correct = COMPASS8[b // 45]
            others = [c for c in COMPASS8 if c != correct]
            opp = COMPASS8[(b // 45 + 4) % 8]
            near = [COMPASS8[(b // 45 + 1) % 8], COMPASS8[(b // 45 - 1) % 8]]
            choices, ans = make_choices(rng, correct, [opp] + near + others)
            question = f"North is straight up. In which compass direction does {t} lie from O?"
            solution = f"The line O{t} makes a clockwise turn of {b} degrees from north, which is {correct}."
            inter = ray
        params["bearings"] = dict(zip(names, bs, strict=True))
        return self.draft(node_ids=covered, render_code=code, question=question, answer=ans, answer_type=answer_type,
                          choices=choices, solution=solution, interactions=(inter,), elements=elements, difficulty=d,
                          params=params)

    @staticmethod
    def _arc(t: str) -> str:
        return f"""_ox, _oy = P['O']
_tx, _ty = P[{t!r}]
_b = math.atan2(_tx - _ox, -(_ty - _oy)) % (2 * math.pi)
_ts = np.linspace(0, _b, 60)
ax.plot(_ox + 34 * np.sin(_ts), _oy - 34 * np.cos(_ts), color='red', lw=2.5)
ax.plot([_ox, _ox], [_oy, _oy - 60], color='red', lw=2)
ax.plot([_ox, _tx], [_oy, _ty], color='red', lw=2.5)
"""

    def rederive(self, draft: Draft) -> str:
        pos = draft.points()
        t = draft.params["target"]
        o = pos["O"]
        b = round(math.degrees(math.atan2(pos[t][0] - o[0], pos[t][1] - o[1]))) % 360
        ask = draft.params["ask"]
        if ask == "bearing":
            return str(b)
        if ask == "back":
            return str((b + 180) % 360)
        if ask == "direction":
            return choice_letter(draft.choices, COMPASS8[round(b / 45) % 8])
        raise ValueError(f"unknown ask {ask!r}")


# ==============================================================================================
# area and perimeter of a region on a map grid


GRID_AREA = _M + "scale.grid_square_area"
PARK_THEMES = ["park", "farm field", "car park", "nature reserve", "sports ground", "garden"]


class MapRegionArea(Family):
    """L-shaped region ABCDEF on a map grid with a scale bar; asks for its area in grid squares,
    its real area, or the real length of a fence around it."""

    name = "map_region_area"
    givens = (ELEMENTS,)
    domain = DOMAIN
    node_ids = (GRID_AREA, AREA_SCALE, SCALE_BAR, REAL_DIST)
    supports = frozenset({"sequential"})
    ASKS = {
        "squares": frozenset({GRID_AREA}),
        "real_area": frozenset({GRID_AREA, AREA_SCALE, SCALE_BAR}),
        "fence": frozenset({SCALE_BAR, REAL_DIST}),
    }

    def create(self, rng: random.Random, node_ids, difficulty: int) -> Draft:
        d = clamp_difficulty(difficulty)
        ask, covered = pick_ask(rng, node_ids, self.ASKS, self.node_ids)
        w, h = rng.randint(4, 5 + d), rng.randint(3, 3 + d)
        cw, ch = rng.randint(1, w - 2), rng.randint(1, h - 1)
        # rectangle 0..w x 0..h with the top-right cw x ch corner cut away, counter-clockwise from the origin
        poly = [(0, 0), (w, 0), (w, h - ch), (w - cw, h - ch), (w - cw, h), (0, h)]
        if rng.random() < 0.5:  # mirror left-right for variety
            poly = [(w - x, y) for x, y in poly]
            poly = [poly[0]] + poly[1:][::-1]
            poly = poly[1:] + poly[:1]
        k = rng.choice({1: [10, 20, 50], 2: [20, 25, 50, 100], 3: [15, 30, 40, 200]}[d])
        cv = Canvas((-1.0, max(w, h + 2) + 1.0), (-2.6, h + 1.0), 430 / (max(w, h + 2) + 2.0), font=14)
        for x in range(-1, max(w, h + 2) + 2):
            cv.line([(x, -1.0), (x, h + 1.0)], color="#e0e0e0", lw=1.0, z=0, obstacle=False)
        for y in range(-1, h + 2):
            cv.line([(-1.0, y), (max(w, h + 2) + 1.0, y)], color="#e0e0e0", lw=1.0, z=0, obstacle=False)
        cv.fill(poly, "#c7e9c0", z=1)
        cv.line(poly + [poly[0]], color="#006d2c", lw=2.4, z=3)
        cv.fill([(0, -2.0), (1, -2.0), (1, -1.8), (0, -1.8)], "black", z=3)
        cv.text("0", (0, -2.35), font=11)
        cv.text(f"{k} m", (1.35, -2.35), font=11)
        names = "ABCDEF"
        for nm, p in zip(names, poly, strict=True):
            cv.dot(nm, p, role="", ms=6)
        code, elements = cv.build(ref=(sum(p[0] for p in poly) / 6, sum(p[1] for p in poly) / 6))
        params = {"ask": ask, "k": k, "theme": rng.choice(PARK_THEMES)}
        draft = self.draft(node_ids=covered, render_code=code, question="", answer="", solution="",
                           interactions=(), elements=elements, difficulty=d, params=params)
        return self._pose(draft)

    def _pose(self, draft: Draft) -> Draft:
        pr = draft.params
        pts = [(round(e.x), round(e.y)) for e in draft.elements]
        k, ask, what = pr["k"], pr["ask"], pr["theme"]
        squares = round(shoelace(pts))
        xs, ys = sorted({p[0] for p in pts}), sorted({p[1] for p in pts})
        W, H = xs[-1] - xs[0], ys[-1] - ys[0]
        intro = f"The shaded {what} ABCDEF is drawn on a map grid; the scale bar shows that one grid square is {k} m wide."
        split = (f"It is a {W} × {H} rectangle of {W * H} squares with a corner of {W * H - squares} squares cut away, "
                 f"so it covers {squares} squares")
        shade = Interaction("shade", "Shade the region ABCDEF to count its squares.",
                            interaction_code(ix_shade(list("ABCDEF"), "#fd8d3c", 0.4)), tuple("ABCDEF"))
        if ask == "squares":
            ans = str(squares)
            question = f"{intro} How many grid squares does the {what} cover?"
            solution = f"{split}."
            inter = shade
        elif ask in ("real_area", "seq_real_area"):
            ans = str(squares * k * k)
            question = (f"{intro} What is the real area of the {what} in square metres?" if ask == "real_area" else
                        f"{intro} The {what} covers {squares} grid squares. What is its real area in square metres?")
            solution = f"{split}. Each square is {k} m × {k} m = {k * k} m², so the area is {squares} × {k * k} = {ans} m²."
            inter = shade if ask == "real_area" else Interaction(
                "highlight", "Highlight one grid square's side along AB to read the scale.",
                interaction_code(ix_segment("A", "B", "#e6550d", "-", 4)), ("A", "B"))
        elif ask == "seq_fence_cost":
            per = 2 * (W + H)
            price = pr["price"]
            ans = str(per * k * price)
            question = (f"{intro} A fence runs all the way around the {what}, and each metre of fence costs {price} "
                        "dollars. What does the whole fence cost, in dollars?")
            solution = (f"The boundary measures {per} grid lengths, i.e. {per} × {k} = {per * k} m of fence, costing "
                        f"{per * k} × {price} = {ans} dollars.")
            inter = Interaction("highlight", "Highlight the side AB to read its length against the scale bar.",
                                interaction_code(ix_segment("A", "B", "#3182bd", "-", 5)), ("A", "B"))
        elif ask == "fence":
            per = 2 * (W + H)
            ans = str(per * k)
            question = f"{intro} A fence runs all the way around the {what}. How many metres long is it?"
            solution = (f"The sides of ABCDEF add up to {per} grid lengths (the same as the {W} × {H} rectangle around it, "
                        f"since the cut corner moves the sides without changing their total), so the fence is "
                        f"{per} × {k} = {ans} m.")
            inter = Interaction("highlight", "Highlight the boundary ABCDEF.",
                                interaction_code("".join(ix_segment(a, b, "#e6550d", "-", 4)
                                                         for a, b in zip("ABCDEF", "BCDEFA", strict=True))), tuple("ABCDEF"))
        else:
            raise ValueError(ask)
        return draft.replace(question=question, answer=ans, solution=solution, interactions=draft.interactions + (inter,))

    def expand_sequential(self, draft: Draft, rng: random.Random) -> Draft | None:
        """Squares covered -> real area from those squares; fence length -> cost of the fence."""
        nxt = {"squares": "seq_real_area", "fence": "seq_fence_cost"}.get(draft.params["ask"])
        if nxt is None:
            return None
        new = draft.replace(params=dict(draft.params, ask=nxt, price=rng.randint(3, 25), parent_answer=draft.answer))
        return self._pose(new).replace(variant=nxt, difficulty=draft.difficulty + 1)

    def rederive(self, draft: Draft) -> str:
        pts = [(e.x, e.y) for e in draft.elements]
        k, ask = draft.params["k"], draft.params["ask"]
        if ask == "squares":
            return str(round(shoelace(pts)))
        if ask in ("real_area", "seq_real_area"):
            return str(round(shoelace(pts) * k * k))
        if ask in ("fence", "seq_fence_cost"):
            fence = round(sum(dist(pts[i], pts[(i + 1) % len(pts)]) for i in range(len(pts))) * k)
            return str(fence * draft.params["price"] if ask == "seq_fence_cost" else fence)
        raise ValueError(f"unknown ask {ask!r}")


FAMILIES = [TownGridMap(), ScaleBarMap(), CompassBearings(), MapRegionArea()]
