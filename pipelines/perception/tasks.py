"""Perception tasks at V-Perception's three levels, answers as label -> pixel (x, y).

* surface: locate named points ("Output the pixel coordinates of point A, point B and point C");
* semantic: locate points by structure (their ``role``) without naming them; only roles unique
  in the figure are asked; the answer is keyed by the element's label, in the order asked;
* integrated: perception plus exact computation from the element positions. Midpoints,
  centroids, line intersections and chart read-offs are computed in pixels (affine maps keep
  them: the render's data->pixel map is affine); feet of perpendiculars and incentres need
  lengths and angles, so they are computed in data coordinates and mapped with the affine map
  fitted from the elements, and only on figures whose data units are square.
Every task stores the image size and the coordinate convention.
"""

from __future__ import annotations

import hashlib
import json
import math
import random
import re
from collections.abc import Sequence

from pipelines.perception.figure import CONVENTION, Figure, Mark

LEVELS = ("surface", "semantic", "integrated")
IN_PIXELS = "pixels (affine-invariant construction)"
IN_DATA = "data coordinates, mapped by the affine data->pixel map fitted from the elements"
FORMAT = ('Answer with pixel coordinates in the image (origin at the top-left corner, x to the right, '
          'y downward) as JSON, e.g. {{{example}}}.')
_FRESH = "MNPQRSTUVWXYZHKLEFG"
TRIVIAL_PX = 8.0  # a constructed point this close to an element is just that element
# a role is asked as "the <role>": it must be a noun phrase, not a place ("outside every circle")
_PLACE_WORDS = frozenset({"outside", "inside", "between", "above", "below", "under", "over", "in", "on", "at",
                          "near", "beside", "within", "where"})
# "the circle" names one thing only in a figure with one circle
_THE_CIRCLE = re.compile(r"\bthe circle\b", re.I)


def role_problems(role: str, roles: Sequence[str]) -> list[str]:
    """Why ``role`` cannot be asked as "the <role>" of its figure (``roles``: every role there):
    it reads as a place rather than a thing, or another element shares it."""
    problems = []
    words = role.lower().split()
    if words and (words[0] in _PLACE_WORDS or (words[0] == "the" and len(words) > 1 and words[1] in _PLACE_WORDS)):
        problems.append(f"role {role!r} is a place, not a thing")
    if sum(r.strip().lower() == role.strip().lower() for r in roles) > 1:
        problems.append(f"role {role!r} is not unique in the figure")
    return problems


def subject_problems(subject: str, fig: Figure) -> list[str]:
    """Why a task's subject does not name one thing in ``fig`` ("the circle" among several)."""
    n = len({(round(c["cx"]), round(c["cy"]), round(c["r"])) for c in fig.circles})
    if _THE_CIRCLE.search(subject) and n != 1:
        return [f"'the circle' in a figure with {n} circles"]
    return []


def _is_its_text(fig: Figure, m: Mark) -> bool:
    return any(t["text"].strip() == m.name and t["x0"] <= m.px[0] <= t["x1"] and t["y0"] <= m.px[1] <= t["y1"]
               for t in fig.texts)


def phrase(m: Mark, fig: Figure) -> str:
    """How a question names a mark by its label."""
    if m.kind == "point":
        return f"point {m.name}"
    if m.kind == "bar":
        return f"the top centre of the bar for {m.name}"
    if m.kind == "marker":
        return f"the data marker for {m.name}"
    if m.kind == "label":  # the element is the text itself (a table cell) or a point it labels
        return f"the centre of the text '{m.name}'" if _is_its_text(fig, m) else f"the point labelled '{m.name}'"
    return f"the {m.kind} {m.name}"


def _join(parts: Sequence[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def _fmt(points: dict[str, tuple[float, float]]) -> str:
    return json.dumps({k: [round(float(x), 2), round(float(y), 2)] for k, (x, y) in points.items()})


def _example(labels: Sequence[str]) -> str:
    return ", ".join(f'"{k}": [x, y]' for k in labels)


def _task(fig: Figure, level: str, kind: str, question: str, answer: dict[str, tuple[float, float]],
          computed_in: str = "", subject: str = "") -> dict:
    key = f"{fig.source}:{fig.source_id}:{level}:{kind}:{question}"
    return {
        "task_id": hashlib.sha256(key.encode()).hexdigest()[:20],
        "image_id": fig.image_id,
        "source": fig.source,
        "source_id": fig.source_id,
        "level": level,
        "kind": kind,
        "question": question,
        "subject": subject,
        "answer": _fmt(answer),
        "width": fig.width,
        "height": fig.height,
        "convention": CONVENTION,
        "computed_in": computed_in,
        "round": fig.round,
        "domain": fig.domain,
    }


def _inside(fig: Figure, p: tuple[float, float], margin: float = 3.0) -> bool:
    return margin <= p[0] <= fig.width - margin and margin <= p[1] <= fig.height - margin


def surface_tasks(fig: Figure, rng: random.Random, max_points: int = 3) -> list[dict]:
    """Locate up to ``max_points`` labelled marks by their labels."""
    named = sorted(n for n, m in fig.marks.items() if m.labelled)
    if not named:
        return []
    pick = sorted(rng.sample(named, min(max_points, len(named))))
    marks = [fig.marks[n] for n in pick]
    subject = _join([phrase(m, fig) for m in marks])
    q = f"Output the pixel coordinates of {subject}. " + FORMAT.format(example=_example(pick))
    return [_task(fig, "surface", "named_points", q, {m.name: m.px for m in marks}, subject=subject)]


def semantic_tasks(fig: Figure, rng: random.Random, per_task: int = 2) -> list[dict]:
    """Locate marks by their (figure-unique) roles; the answer is keyed by their labels."""
    roles = [m.role for m in fig.marks.values() if m.role]
    unique = sorted(n for n, m in fig.marks.items() if m.role and not role_problems(m.role, roles)
                    and not subject_problems(m.role, fig))
    if not unique:
        return []
    rng.shuffle(unique)
    out = []
    for i in range(0, min(len(unique), 2 * per_task), per_task):
        group = sorted(unique[i: i + per_task])
        roles = [fig.marks[n].role for n in group]
        ask = "; ".join(f"({k + 1}) the {r}" if not r.lower().startswith("the ") else f"({k + 1}) {r}"
                        for k, r in enumerate(roles))
        q = (f"Locate the following in the figure: {ask}. Key each one by its label (in the order asked). "
             + FORMAT.format(example=", ".join('"<label>": [x, y]' for _ in group)))
        out.append(_task(fig, "semantic", "by_role", q, {n: fig.marks[n].px for n in group}, subject=ask))
    return out


# ---------------------------------------------------------------------------------------------
# integrated: construction candidates, each (kind, question stem, {label: px}, computed_in)


def _fresh(fig: Figure) -> str:
    taken = set(fig.marks) | {t["text"].strip() for t in fig.texts}
    return next(c for c in _FRESH if c not in taken)


def _line_x(p1, p2, p3, p4) -> tuple[float, float] | None:
    d = (p1[0] - p2[0]) * (p3[1] - p4[1]) - (p1[1] - p2[1]) * (p3[0] - p4[0])
    n1, n2 = math.dist(p1, p2), math.dist(p3, p4)
    if abs(d) < 0.2 * n1 * n2:  # nearly parallel: the intersection is ill-conditioned
        return None
    a = p1[0] * p2[1] - p1[1] * p2[0]
    b = p3[0] * p4[1] - p3[1] * p4[0]
    return ((a * (p3[0] - p4[0]) - (p1[0] - p2[0]) * b) / d, (a * (p3[1] - p4[1]) - (p1[1] - p2[1]) * b) / d)


def _triangles(fig: Figure) -> list[tuple[str, str, str]]:
    seg = set(fig.segments)
    pts = sorted({n for s in fig.segments for n in s})
    out = []
    for i, a in enumerate(pts):
        for j, b in enumerate(pts[i + 1:], i + 1):
            for c in pts[j + 1:]:
                if {(a, b), (a, c), (b, c)} <= seg:
                    out.append((a, b, c))
    return out


def _candidates(fig: Figure) -> list[tuple[str, str, dict, str]]:
    M = _fresh(fig)
    px = {n: m.px for n, m in fig.marks.items()}
    named = {n for n, m in fig.marks.items() if m.labelled}
    cands = []
    for a, b in fig.segments:
        if a in named and b in named:
            mid = ((px[a][0] + px[b][0]) / 2, (px[a][1] + px[b][1]) / 2)
            cands.append(("midpoint", f"Let {M} be the midpoint of segment {a}{b}. Output the pixel coordinates of {M}.",
                          {M: mid}, IN_PIXELS))
    for a, b, c in _triangles(fig):
        if {a, b, c} <= named:
            g = tuple(sum(px[n][k] for n in (a, b, c)) / 3 for k in (0, 1))
            cands.append(("centroid", f"Let {M} be the centroid of triangle {a}{b}{c}. Output the pixel "
                          f"coordinates of {M}.", {M: g}, IN_PIXELS))
            if fig.equal_aspect():
                d = {n: fig.marks[n].data for n in (a, b, c)}
                la, lb, lc = math.dist(d[b], d[c]), math.dist(d[a], d[c]), math.dist(d[a], d[b])
                s = la + lb + lc
                inc = tuple((la * d[a][k] + lb * d[b][k] + lc * d[c][k]) / s for k in (0, 1))
                cands.append(("incentre", f"Let {M} be the incentre of triangle {a}{b}{c} (where its angle "
                              f"bisectors meet). Output the pixel coordinates of {M}.", {M: fig.to_px(*inc)}, IN_DATA))
    segs = [s for s in fig.segments if set(s) <= named]
    for i, (a, b) in enumerate(segs):
        for c, d in segs[i + 1:]:
            if len({a, b, c, d}) < 4:
                continue
            x = _line_x(px[a], px[b], px[c], px[d])
            if x is not None and _inside(fig, x, 10):
                cands.append(("intersection", f"Let {M} be the intersection of line {a}{b} and line {c}{d} "
                              f"(extended if needed). Output the pixel coordinates of {M}.", {M: x}, IN_PIXELS))
    if fig.equal_aspect():
        for a, b in segs:
            for p in sorted(named - {a, b}):
                if fig.marks[p].kind != "point":
                    continue
                da, db, dp = fig.marks[a].data, fig.marks[b].data, fig.marks[p].data
                vx, vy = db[0] - da[0], db[1] - da[1]
                t = ((dp[0] - da[0]) * vx + (dp[1] - da[1]) * vy) / (vx * vx + vy * vy)
                foot = fig.to_px(da[0] + t * vx, da[1] + t * vy)
                if math.dist(foot, px[p]) > 15 and _inside(fig, foot, 10):
                    cands.append(("foot_of_perpendicular", f"Let {M} be the foot of the perpendicular from {p} to "
                                  f"line {a}{b}. Output the pixel coordinates of {M}.", {M: foot}, IN_DATA))
    for c in fig.circles:
        if not c["label"].startswith("circle ") or c["label"][7:] not in fig.marks:
            cands.append(("circle_centre", f"Let {M} be the centre of the circle. Output the pixel coordinates of {M}.",
                          {M: (c["cx"], c["cy"])}, IN_PIXELS))
    bars = sorted(n for n, m in fig.marks.items() if m.kind in ("bar", "marker") and m.labelled)
    for i, a in enumerate(bars):
        for b in bars[i + 1:]:
            ma, mb = fig.marks[a], fig.marks[b]
            if abs(ma.px[1] - mb.px[1]) > 8:
                cands.append(("chart_read", f"Let {M} be the point directly above or below {phrase(ma, fig)} at the height "
                              f"of {phrase(mb, fig)}. Output the pixel coordinates of {M}.", {M: (ma.px[0], mb.px[1])},
                              IN_PIXELS))
    return cands


def integrated_tasks(fig: Figure, rng: random.Random, max_tasks: int = 3) -> list[dict]:
    """Up to ``max_tasks`` constructions, of different kinds where the figure allows; a result
    that lands on an existing element (a foot at a vertex, lines meeting at a labelled point)
    is skipped: it would be a surface task in disguise."""
    by_kind: dict[str, list] = {}
    for c in _candidates(fig):
        if any(math.dist(p, m.px) < TRIVIAL_PX for p in c[2].values() for m in fig.marks.values()):
            continue
        if not all(_inside(fig, p, 0.0) for p in c[2].values()) or subject_problems(c[1], fig):
            continue
        by_kind.setdefault(c[0], []).append(c)
    kinds = sorted(by_kind)
    rng.shuffle(kinds)
    out = []
    for kind in kinds[:max_tasks]:
        _, stem, ans, where = rng.choice(by_kind[kind])
        out.append(_task(fig, "integrated", kind, stem + " " + FORMAT.format(example=_example(list(ans))), ans, where,
                         subject=stem.split(". ")[0]))
    return out


def build_tasks(fig: Figure) -> list[dict]:
    """All perception tasks of one figure (deterministic given the figure)."""
    rng = random.Random(f"{fig.source}:{fig.source_id}")
    tasks = surface_tasks(fig, rng) + semantic_tasks(fig, rng) + integrated_tasks(fig, rng)
    return [t for t in tasks if not subject_problems(t["subject"], fig)]
