"""Biology families: Punnett squares, food webs and pedigree charts.

Punnett cells are located by their numbered badges: :meth:`rederive` maps each badge's coordinates
to its row and column and rebuilds the offspring genotype from the gametes. Food-web answers are
recounted by depth-first search over the drawn organisms (creation counts paths by dynamic
programming); pedigree probabilities are re-derived by enumerating genotypes consistent with the
chart.
"""

from __future__ import annotations

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
from pipelines.creators.families._science_kit import Canvas, ix_path, ix_rings

DOMAIN = "biology"
_B = DOMAIN + "."
CELL = _B + "genetics.punnett_square_cells"
GENO = _B + "genetics.genotype_ratio"
PHENO = _B + "genetics.phenotype_ratio"
MISSING = _B + "genetics.missing_parent_genotype"
EXPECTED = _B + "genetics.expected_offspring_number"
FEEDING = _B + "ecology.feeding_relationships"
CHAINS = _B + "ecology.counting_food_chains"
TROPHIC = _B + "ecology.trophic_levels"
DEPEND = _B + "ecology.dependence_in_food_webs"
AFFECTED = _B + "pedigrees.reading_a_pedigree"
RECESSIVE = _B + "pedigrees.recessive_inheritance"
CARRIER = _B + "pedigrees.carrier_probability"
NEXT_CHILD = _B + "pedigrees.probability_of_an_affected_child"
GROWTH_READ = _B + "populations.reading_a_growth_curve"
GROWTH_RATE = _B + "populations.growth_rate"
CAPACITY = _B + "populations.carrying_capacity"
DOUBLING = _B + "populations.doubling_time"


# ==============================================================================================
# Punnett square


TRAITS = [  # allele letter, dominant phenotype, recessive phenotype, organism plural
    ("T", "tall", "short", "pea plants"),
    ("R", "round seeds", "wrinkled seeds", "pea plants"),
    ("B", "black fur", "brown fur", "mice"),
    ("P", "purple flowers", "white flowers", "pea plants"),
    ("G", "green pods", "yellow pods", "bean plants"),
    ("E", "free earlobes", "attached earlobes", "parents"),
]
# "to have ..." needs a verb for adjectives
HAVE = {"tall": "be tall", "short": "be short"}
CROSSES = {1: [("Hh", "Hh"), ("Hh", "hh"), ("HH", "hh")], 2: [("Hh", "Hh"), ("Hh", "hh"), ("HH", "Hh"), ("HH", "hh")],
           3: [("Hh", "Hh"), ("Hh", "hh"), ("HH", "Hh")]}
CELL_NAMES = ("1", "2", "3", "4")
CELL_XY = {"1": (1, 1), "2": (2, 1), "3": (1, 0), "4": (2, 0)}  # bottom-left corner of each cell


def _geno(a: str, b: str) -> str:
    """Genotype with the dominant (upper-case) allele first."""
    return "".join(sorted(a + b))


def _is_dom(g: str) -> bool:
    return any(ch.isupper() for ch in g)


class PunnettSquare(Family):
    """A monohybrid Punnett square with numbered cells; asks for the genotype in a hidden cell, a
    genotype or phenotype fraction, the expected number of offspring, or a parent's genotype
    deduced from the offspring."""

    name = "punnett_square"
    domain = DOMAIN
    node_ids = (CELL, GENO, PHENO, MISSING, EXPECTED)
    supports = frozenset({"sequential"})
    ASKS = {
        "cell": frozenset({CELL}),
        "genotype": frozenset({CELL, GENO}),
        "phenotype": frozenset({GENO, PHENO}),
        "missing": frozenset({MISSING, CELL}),
        "expected": frozenset({PHENO, EXPECTED}),
    }

    def given_values(self, draft: Draft) -> dict[str, object]:
        """The parents' genotypes, as written on the square's edges ("Bb"; single letters would
        match any "a/b" in the question)."""
        return {"parents": ["".join(draft.params["top"]), "".join(draft.params["left"])]}

    def create(self, rng: random.Random, node_ids, difficulty: int) -> Draft:
        d = clamp_difficulty(difficulty)
        ask, covered = pick_ask(rng, node_ids, self.ASKS, self.node_ids)
        tr = rng.randrange(len(TRAITS))
        up = TRAITS[tr][0]
        lo = up.lower()
        p1, p2 = rng.choice(CROSSES[d] if ask != "expected" else [("Hh", "Hh"), ("Hh", "hh")])
        if rng.random() < 0.5:
            p1, p2 = p2, p1
        p1 = p1.replace("H", up).replace("h", lo)
        p2 = p2.replace("H", up).replace("h", lo)
        top, left = list(p1), list(p2)
        cells = {nm: _geno(top[c], left[1 - r]) for nm, (c1, r) in CELL_XY.items() for c in [c1 - 1]}
        hidden = rng.choice(CELL_NAMES) if ask == "cell" else None
        cv = Canvas((-0.25, 3.25), (-0.2, 3.05), size=(4.6, 4.0), rect=(0.02, 0.02, 0.96, 0.96), font=13)
        # header cells and grid
        cv.raw("ax.add_patch(plt.Rectangle((1, 2), 2, 0.7, fc='#e8eef7', ec='black', lw=1.5))")
        cv.raw("ax.add_patch(plt.Rectangle((0.3, 0), 0.7, 2, fc='#e8eef7', ec='black', lw=1.5))")
        cv.raw("ax.add_patch(plt.Rectangle((1, 0), 2, 2, fc='white', ec='black', lw=2))")
        cv.plot([(2, 0), (2, 2.7)], "color='black', lw=1.5", avoid=False)
        cv.plot([(0.3, 1), (3, 1)], "color='black', lw=1.5", avoid=False)
        for c in range(2):
            cv.text(1.5 + c, 2.35, top[c], size=17)
        hide_left = ask == "missing"
        for r in range(2):
            cv.text(0.65, 1.5 - r, "?" if hide_left else left[r], size=17)
        cv.text(2.0, 2.9, f"parent {p1}", size=11)
        cv.text(0.15, 1.0, "parent ?" if hide_left else f"parent {p2}", size=11, extra="rotation=90")
        for nm, (x, y) in CELL_XY.items():
            cv.text(x + 0.5, y + 0.45, "?" if nm == hidden else cells[nm], size=17)
            bx, by = x + 0.14, y + 0.86
            cv.raw(f"ax.plot([{bx}], [{by}], 'o', ms=15, color='#1f3b99', zorder=5)")
            cv.text(bx, by, nm, size=9, extra="color='white', fontweight='bold', zorder=6")
            cv.point(nm, (bx, by), role=f"badge of the {['top-left', 'top-right', 'bottom-left', 'bottom-right'][int(nm) - 1]} cell",
                     dot=None, label="none")
        code, elements = cv.build()
        params = {"ask": ask, "trait": tr, "top": top, "left": left, "cells": cells, "hidden": hidden,
                  "offspring": rng.choice([20, 40, 48, 60, 80, 100, 120, 200])}
        draft = self.draft(node_ids=covered, question="", answer="", solution="", interactions=(),
                           elements=elements, render_code=code, difficulty=d, params=params)
        return self._pose(draft, rng)

    def _pose(self, draft: Draft, rng: random.Random) -> Draft:
        pr = draft.params
        ask, top, left, cells = pr["ask"], pr["top"], pr["left"], pr["cells"]
        up, dom, rec, org = TRAITS[pr["trait"]]
        lo = up.lower()
        listing = ", ".join(f"cell {nm}: {cells[nm]}" for nm in CELL_NAMES)
        fill = f"Each cell joins the allele above it with the allele to its left: {listing}"
        all_ix = Interaction("highlight", "Circle the four numbered cells of the square.",
                             interaction_code(ix_rings(list(CELL_NAMES), r=12)), CELL_NAMES)
        het = [nm for nm in CELL_NAMES if cells[nm][0] != cells[nm][1]]
        doms = [nm for nm in CELL_NAMES if _is_dom(cells[nm])]
        if ask == "cell":
            h = pr["hidden"]
            g = cells[h]
            opts = [f"{up}{up} ({dom})", f"{up}{lo} ({dom})", f"{lo}{lo} ({rec})", f"{up}{lo} ({rec})"]
            correct = f"{g} ({dom if _is_dom(g) else rec})"
            choices, letter = make_choices(rng, correct, [o for o in opts if o != correct])
            question = f"The Punnett square shows a cross between two {org}. Which offspring belongs in cell {h}?"
            c, r = CELL_XY[h][0] - 1, 1 - CELL_XY[h][1]
            sol = (f"Cell {h} joins the allele {top[c]} above it with the allele {left[r]} to its left, giving {g}; "
                   f"with {'at least one dominant allele' if _is_dom(g) else 'two recessive alleles'} the offspring will "
                   f"{HAVE.get(dom if _is_dom(g) else rec, 'have ' + (dom if _is_dom(g) else rec))}.")
            ix = Interaction("highlight", f"Circle cell {h} and trace its row and column headers.",
                             interaction_code(ix_rings([h], r=14)), (h,))
            return draft.replace(question=question, answer=letter, answer_type="choice", choices=choices, solution=sol,
                                 interactions=(ix,))
        if ask == "genotype":
            question = (f"The Punnett square shows a cross between two {org}. What fraction of the offspring are "
                        f"expected to be heterozygous? {fraction_note()}")
            ans = Fraction(len(het), 4)
            sol = f"{fill}. Heterozygous cells (one allele of each kind): {len(het)} of 4, so {fmt_frac(ans)}."
            return draft.replace(question=question, answer=fmt_frac(ans), solution=sol, interactions=(all_ix,))
        if ask in ("phenotype", "expected"):
            want_dom = ask == "phenotype" or pr.get("want_dom", True)
            n = len(doms) if want_dom else 4 - len(doms)
            frac = Fraction(n, 4)
            which = dom if want_dom else rec
            if ask == "phenotype":
                question = (f"The Punnett square shows a cross between two {org}. What fraction of the offspring are "
                            f"expected to {HAVE.get(which, 'have ' + which)}? {fraction_note()}")
                sol = (f"{fill}. An offspring has {dom} when it carries at least one dominant allele: {len(doms)} of 4 cells, "
                       f"so {fmt_frac(frac)}.")
                return draft.replace(question=question, answer=fmt_frac(frac), solution=sol, interactions=(all_ix,))
            total = pr["offspring"]
            question = (f"The Punnett square shows a cross between two {org}. If the cross gives {total} offspring, how many "
                        f"are expected to {HAVE.get(rec, 'have ' + rec)}?")
            n = 4 - len(doms)
            sol = f"{fill}. Cells with two recessive alleles: {n} of 4, so about {n}/4 × {total} = {n * total // 4} offspring."
            ix = Interaction("highlight", "Circle the cells with two recessive alleles.",
                             interaction_code(ix_rings([nm for nm in CELL_NAMES if not _is_dom(cells[nm])] or ["1"], color="blue", r=14)),
                             tuple([nm for nm in CELL_NAMES if not _is_dom(cells[nm])] or ["1"]))
            return draft.replace(question=question, answer=str(n * total // 4), solution=sol, interactions=(all_ix, ix))
        if ask == "seq_expected":
            total = pr["offspring"]
            n = len(doms)
            question = (f"The Punnett square shows a cross between two {org}. If the cross gives {total} offspring, how many "
                        f"are expected to {HAVE.get(dom, 'have ' + dom)}?")
            sol = f"{draft.solution} Of {total} offspring about {fmt_frac(Fraction(n, 4))} × {total} = {n * total // 4} have {dom}."
            ix = Interaction("highlight", "Circle the cells with at least one dominant allele.",
                             interaction_code(ix_rings(doms, color="blue", r=16)), tuple(doms))
            return draft.replace(question=question, answer=str(n * total // 4), solution=sol,
                                 interactions=draft.interactions + (ix,))
        if ask == "missing":
            g2 = _geno(*left)
            opts = [f"{up}{up}", f"{up}{lo}", f"{lo}{lo}", "it cannot be told from the square"]
            choices, letter = make_choices(rng, g2, [o for o in opts if o != g2])
            question = (f"The Punnett square shows a cross between two {org}; the gametes of the parent on the left are "
                        "hidden. What is that parent's genotype?")
            rows = "; ".join(f"row {r + 1}: cell {CELL_NAMES[2 * r]} is {cells[CELL_NAMES[2 * r]]} and the allele above it is "
                             f"{top[0]}, so the row's allele is {left[r]}" for r in range(2))
            sol = f"Each row shares the left parent's gamete. {rows}. The parent's genotype is {g2}."
            ix = Interaction("highlight", "Circle the first cell of each row.",
                             interaction_code(ix_rings(["1", "3"], r=14)), ("1", "3"))
            return draft.replace(question=question, answer=letter, answer_type="choice", choices=choices, solution=sol,
                                 interactions=(ix,))
        raise ValueError(ask)

    def expand_sequential(self, draft: Draft, rng: random.Random) -> Draft | None:
        """fraction with the dominant phenotype -> expected number of such offspring out of many."""
        if draft.params["ask"] != "phenotype":
            return None
        new = self._pose(draft.replace(params=dict(draft.params, ask="seq_expected", parent_answer=draft.answer)), rng)
        return new.replace(variant="seq_expected", difficulty=draft.difficulty + 1)

    def _cells_from_figure(self, draft: Draft) -> dict[str, str]:
        """Genotype of each badge's cell from its position (column from x, row from y)."""
        top, left = draft.params["top"], draft.params["left"]
        out = {}
        for e in draft.elements:
            c = 0 if e.x < 2 else 1
            r = 0 if e.y > 1 else 1
            out[e.name] = _geno(top[c], left[r])
        return out

    def rederive(self, draft: Draft) -> str:
        pr = draft.params
        cells = self._cells_from_figure(draft)
        up, dom, rec, _ = TRAITS[pr["trait"]]
        ask = pr["ask"]
        if ask == "cell":
            g = cells[pr["hidden"]]
            return choice_letter(draft.choices, f"{g} ({dom if _is_dom(g) else rec})")
        if ask == "genotype":
            return fmt_frac(Fraction(sum(1 for g in cells.values() if g[0] != g[1]), 4))
        if ask == "phenotype":
            return fmt_frac(Fraction(sum(1 for g in cells.values() if _is_dom(g)), 4))
        if ask == "expected":
            return str(sum(1 for g in cells.values() if not _is_dom(g)) * pr["offspring"] // 4)
        if ask == "seq_expected":
            return str(sum(1 for g in cells.values() if _is_dom(g)) * pr["offspring"] // 4)
        if ask == "missing":
            # the left parent's allele in each row is what remains of a cell after the top allele
            alleles = []
            for nm, c in (("1", 0), ("3", 0)):
                g = list(pr["cells"][nm])
                g.remove(pr["top"][c])
                alleles.append(g[0])
            return choice_letter(draft.choices, _geno(*alleles))
        raise ValueError(f"unknown ask {ask!r}")


# ==============================================================================================
# food webs


HABITATS = {
    "meadow": (["grass", "clover", "wheat"], ["rabbit", "mouse", "grasshopper", "vole"], ["snake", "frog", "shrew", "weasel"],
               ["hawk", "fox", "owl"]),
    "pond": (["algae", "pondweed", "duckweed"], ["tadpole", "snail", "shrimp", "mayfly"], ["minnow", "beetle", "newt", "perch"],
             ["heron", "pike", "otter"]),
    "woodland": (["oak", "bramble", "moss"], ["deer", "caterpillar", "squirrel", "slug"], ["thrush", "hedgehog", "spider", "toad"],
                 ["badger", "buzzard", "lynx"]),
}
LEVEL_COLORS = ("#4daf4a", "#ffd92f", "#fc8d62", "#e41a1c")
LEVEL_ROLES = ("producer", "primary consumer", "secondary consumer", "top predator")


def count_chains_dp(names, eats) -> dict[str, int]:
    """Number of chains from any producer up to each organism (by level order)."""
    ways: dict[str, int] = {}
    for nm in names:  # names are in level order, prey before predators
        prey = [a for a, b in eats if b == nm]
        ways[nm] = 1 if not prey else sum(ways[p] for p in prey)
    return ways


def all_chains(names, eats) -> list[list[str]]:
    """Every food chain (producer -> ... -> organism nothing eats), by depth-first search."""
    preds = {n: [b for a, b in eats if a == n] for n in names}
    prey = {n: [a for a, b in eats if b == n] for n in names}
    out: list[list[str]] = []

    def walk(path):
        nxt = preds[path[-1]]
        if not nxt:
            out.append(list(path))
        for q in nxt:
            walk(path + [q])

    for n in names:
        if not prey[n]:
            walk([n])
    return out


class FoodWeb(Family):
    """A food web whose arrows point from food to feeder, organisms in rows by feeding level;
    asks for the number of food chains (in all or through one organism), how many organisms one
    eats, the highest trophic level one feeds at, or how many would lose food if one disappeared."""

    name = "food_web"
    givens = ("eats",)
    domain = DOMAIN
    node_ids = (FEEDING, CHAINS, TROPHIC, DEPEND)
    supports = frozenset({"parallel"})
    ASKS = {
        "chains": frozenset({CHAINS}),
        "through": frozenset({CHAINS, FEEDING}),
        "eats": frozenset({FEEDING}),
        "trophic": frozenset({CHAINS, TROPHIC}),
        "lose_food": frozenset({FEEDING, DEPEND}),
    }

    def create(self, rng: random.Random, node_ids, difficulty: int) -> Draft:
        d = clamp_difficulty(difficulty)
        ask, covered = pick_ask(rng, node_ids, self.ASKS, self.node_ids)
        hab = rng.choice(sorted(HABITATS))
        pools = HABITATS[hab]
        sizes = {1: (2, 2, 1, 1), 2: (2, 3, 2, 1), 3: (2, 3, 2, 2)}[d]
        while True:
            levels = [rng.sample(pools[k], sizes[k]) for k in range(4)]
            eats: list[tuple[str, str]] = []
            for k in range(1, 4):
                for nm in levels[k]:
                    prey = rng.sample(levels[k - 1], rng.randint(1, min(2, len(levels[k - 1]))))
                    if k >= 2 and rng.random() < 0.3:
                        prey.append(rng.choice(levels[k - 2]))  # an omnivore skipping a level
                    eats += [(p, nm) for p in prey]
            # everything below the top is eaten by someone
            if all(any(a == nm for a, _ in eats) for k in range(3) for nm in levels[k]):
                break
        names = [nm for lv in levels for nm in lv]
        cv = Canvas((0, 6), (0, 5.2), size=(5.6, 4.6), rect=(0.02, 0.02, 0.96, 0.96), font=12)
        pos = {}
        for k, lv in enumerate(levels):
            y = 0.55 + 1.35 * k
            for j, nm in enumerate(lv):
                x = 6 * (j + 0.5) / len(lv) + (0.35 if k % 2 else -0.35) * (len(lv) == 1)
                pos[nm] = (round(x, 4), y)
        for a, b in eats:
            (x1, y1), (x2, y2) = pos[a], pos[b]
            dx, dy = x2 - x1, y2 - y1
            L = (dx * dx + dy * dy) ** 0.5
            s0, s1 = 0.17 / L, 0.2 / L
            cv.raw(f"ax.arrow({x1 + dx * s0:.4f}, {y1 + dy * s0:.4f}, {dx * (1 - s0 - s1):.4f}, {dy * (1 - s0 - s1):.4f}, "
                   "length_includes_head=True, head_width=0.1, head_length=0.16, color='#555555', lw=1.2, zorder=2)")
            cv.avoid([(x1, y1), (x2, y2)])
        for k, lv in enumerate(levels):
            for j, nm in enumerate(lv):
                role = LEVEL_ROLES[k] if len(lv) == 1 else f"{['left', 'right'][j]} {LEVEL_ROLES[k]}" if len(lv) == 2 else \
                    f"{['left', 'middle', 'right'][j]} {LEVEL_ROLES[k]}"
                cv.point(nm, pos[nm], role=role, dot=f"color='{LEVEL_COLORS[k]}', mec='black', ms=13", ref=(pos[nm][0], pos[nm][1] + 0.6))
        code, elements = cv.build()
        params = {"ask": ask, "habitat": hab, "levels": levels, "eats": [list(e) for e in eats]}
        if ask in ("through", "lose_food"):
            params["focus"] = rng.choice(levels[1] + levels[2])
        elif ask == "eats":
            params["focus"] = rng.choice(levels[2] + levels[3])
        elif ask == "trophic":
            params["focus"] = rng.choice(levels[2] + levels[3])
        draft = self.draft(node_ids=covered, question="", answer="", solution="", interactions=(),
                           elements=elements, render_code=code, difficulty=d, params=params)
        return self._pose(draft)

    def _pose(self, draft: Draft) -> Draft:
        pr = draft.params
        ask, levels = pr["ask"], pr["levels"]
        eats = [tuple(e) for e in pr["eats"]]
        names = [nm for lv in levels for nm in lv]
        intro = f"The food web shows feeding relationships in a {pr['habitat']}; each arrow points from the food to the organism that eats it."
        ways = count_chains_dp(names, eats)
        tops = [nm for nm in names if not any(a == nm for a, _ in eats)]
        total = sum(ways[t] for t in tops)
        per_top = ", ".join(f"{t}: {ways[t]}" for t in tops)
        dp_text = ("Count chains level by level: an organism is reached by as many chains as its foods together "
                   f"(producers start with 1). Organisms nothing eats end the chains ({per_top})")
        chains = all_chains(names, eats)
        if ask == "chains":
            question = f"{intro} How many different food chains are there in the web?"
            sol = f"{dp_text}, so there are {total} food chains."
            ix = Interaction("highlight", "Circle the producers, where every chain starts.",
                             interaction_code(ix_rings(levels[0], color="#2ca02c", r=14)), tuple(levels[0]))
            return draft.replace(question=question, answer=str(total), solution=sol, interactions=(ix,))
        if ask in ("through", "par_through"):
            f = pr["focus"]
            n = sum(1 for c in chains if f in c)
            question = f"{intro} How many different food chains pass through the {f}?"
            sol = (f"Chains through the {f} = (chains reaching the {f} from the producers) × (ways on from the {f} to the "
                   f"end of a chain); listing them gives {n}.")
            ix = Interaction("highlight", f"Circle the {f} and trace its arrows in and out.",
                             interaction_code(ix_rings([f], color="red", r=16)
                                              + "".join(ix_path([a, b], color="red", lw=3, alpha=0.6) for a, b in eats if f in (a, b))),
                             (f,))
            if ask == "through":
                return draft.replace(question=question, answer=str(n), solution=sol, interactions=(ix,))
            sol = f"{draft.solution} Counting, in the same web, only the food chains that pass through the {f} gives {n}."
            return draft.replace(question=question, answer=str(n), solution=sol, interactions=draft.interactions + (ix,))
        if ask == "eats":
            f = pr["focus"]
            prey = [a for a, b in eats if b == f]
            question = f"{intro} How many different organisms in the web does the {f} eat?"
            sol = f"Arrows pointing into the {f} come from {', '.join(prey)}: {len(prey)} organism{'s' if len(prey) != 1 else ''}."
            ix = Interaction("highlight", f"Highlight the arrows that point into the {f}.",
                             interaction_code("".join(ix_path([a, f], color="red", lw=4, alpha=0.6) for a in prey) + ix_rings([f], r=16)),
                             tuple([f] + prey))
            return draft.replace(question=question, answer=str(len(prey)), solution=sol, interactions=(ix,))
        if ask == "trophic":
            f = pr["focus"]
            best = max((c for c in chains if f in c), key=lambda c: c.index(f))
            lvl = best.index(f) + 1
            question = (f"{intro} Producers are at trophic level 1. What is the highest trophic level at which the {f} "
                        "feeds in this web?")
            sol = (f"The longest way from a producer up to the {f} is {' → '.join(best[:lvl])}, so the {f} feeds at trophic "
                   f"level {lvl} at most.")
            ix = Interaction("highlight", f"Highlight the longest path from a producer to the {f}.",
                             interaction_code(ix_path(best[:lvl], color="red", lw=5, alpha=0.6)), tuple(best[:lvl]))
            return draft.replace(question=question, answer=str(lvl), solution=sol, interactions=(ix,))
        if ask == "lose_food":
            f = pr["focus"]
            preds = [b for a, b in eats if a == f]
            question = (f"{intro} If the {f} disappeared, how many organisms in the web would lose one of their foods?")
            sol = (f"Arrows leaving the {f} point to {', '.join(preds)}: {len(preds)} organism{'s' if len(preds) != 1 else ''} "
                   f"eat{'' if len(preds) != 1 else 's'} it and would lose that food.")
            ix = Interaction("highlight", f"Highlight the arrows that leave the {f}.",
                             interaction_code("".join(ix_path([f, b], color="red", lw=4, alpha=0.6) for b in preds) + ix_rings([f], r=16)),
                             tuple([f] + preds))
            return draft.replace(question=question, answer=str(len(preds)), solution=sol, interactions=(ix,))
        raise ValueError(ask)

    def expand_parallel(self, draft: Draft, rng: random.Random) -> Draft | None:
        """food chains, one organism's foods or feeders, or a trophic level -> the number of chains
        through one chosen consumer (an extra condition on the same web)."""
        if draft.params["ask"] not in ("chains", "eats", "lose_food", "trophic"):
            return None
        lv = draft.params["levels"]
        focus = rng.choice(lv[1] + lv[2])
        new = self._pose(draft.replace(params=dict(draft.params, ask="par_through", focus=focus, parent_answer=draft.answer)))
        return new.replace(variant="par_through", difficulty=draft.difficulty + 1)

    def rederive(self, draft: Draft) -> str:
        pr = draft.params
        drawn = {e.name for e in draft.elements}
        eats = [tuple(e) for e in pr["eats"]]
        if any(a not in drawn or b not in drawn for a, b in eats):
            raise ValueError("an arrow joins an organism that is not drawn")
        # organisms ordered bottom-up by their drawn height (prey sit below their predators)
        names = [e.name for e in sorted(draft.elements, key=lambda e: e.y)]
        chains = all_chains(names, eats)
        ask = pr["ask"]
        if ask == "chains":
            return str(len(chains))
        if ask in ("through", "par_through"):
            return str(sum(1 for c in chains if pr["focus"] in c))
        if ask == "eats":
            return str(sum(1 for a, b in eats if b == pr["focus"]))
        if ask == "trophic":
            return str(max(c.index(pr["focus"]) + 1 for c in chains if pr["focus"] in c))
        if ask == "lose_food":
            return str(sum(1 for a, b in eats if a == pr["focus"]))
        raise ValueError(f"unknown ask {ask!r}")


# ==============================================================================================
# pedigree charts (autosomal recessive trait)


TRAIT_NAMES = ("albinism", "cystic fibrosis", "a recessive hearing condition", "phenylketonuria", "sickle-cell disease")
GENOTYPES = ("AA", "Aa", "aa")


def _child_dist(g1: str, g2: str) -> dict[str, Fraction]:
    out: dict[str, Fraction] = {}
    for x in g1:
        for y in g2:
            g = "".join(sorted(x + y))
            out[g] = out.get(g, Fraction(0)) + Fraction(1, 4)
    return out


def _founder_genotype(person: str, ped: dict) -> str:
    """The one genotype of a founder consistent with the chart (affected: aa; unaffected with an
    affected child: Aa). Raises if the chart does not fix it."""
    if ped["affected"][person]:
        return "aa"
    kids = [c for c, (f, m) in ped["parents"].items() if person in (f, m)]
    if any(ped["affected"][c] for c in kids):
        return "Aa"
    raise ValueError(f"the chart does not fix the genotype of {person}")


class PedigreeChart(Family):
    """A three-generation pedigree of a recessive trait (squares male, circles female, filled
    affected); asks for the number of affected people, the pattern of inheritance, the chance an
    unaffected child is a carrier, or the chance of an affected child."""

    name = "pedigree_chart"
    givens = (ELEMENTS,)
    domain = DOMAIN
    node_ids = (AFFECTED, RECESSIVE, CARRIER, NEXT_CHILD)
    ASKS = {
        "count": frozenset({AFFECTED}),
        "mode": frozenset({AFFECTED, RECESSIVE}),
        "carrier": frozenset({RECESSIVE, CARRIER}),
        "next_child": frozenset({RECESSIVE, NEXT_CHILD}),
        "grandchild": frozenset({CARRIER, NEXT_CHILD}),
    }

    def create(self, rng: random.Random, node_ids, difficulty: int) -> Draft:
        d = clamp_difficulty(difficulty)
        ask, covered = pick_ask(rng, node_ids, self.ASKS, self.node_ids)
        one_affected_parent = ask != "mode" and rng.random() < 0.3
        n2 = rng.randint(3, 4)
        # generation 2: at least one affected child, the last child (unaffected) marries in
        while True:
            aff2 = [rng.random() < (0.5 if one_affected_parent else 0.3) for _ in range(n2)]
            aff2[-1] = False
            if any(aff2[:-1]) and not all(aff2[:-1]):
                break
        spouse_affected = True if ask == "grandchild" else rng.random() < 0.5
        n3 = 0 if ask == "grandchild" else rng.randint(2, 3)  # children of the couple would change the odds
        aff3 = [rng.random() < 0.4 for _ in range(n3)] if spouse_affected else [False] * n3
        letters = iter("ABCDEFGHIJKLMN")
        people: list[dict] = []

        def add(gen, x, male, affected, parents=None):
            nm = next(letters)
            people.append({"name": nm, "gen": gen, "x": x, "male": male, "affected": affected, "parents": parents})
            return nm

        f_aff = one_affected_parent and rng.random() < 0.5
        m_aff = one_affected_parent and not f_aff
        father = add(1, 2.6, True, f_aff)
        mother = add(1, 4.2, False, m_aff)
        kid_x = [0.9 + 1.15 * i for i in range(n2)]
        kids2 = [add(2, x, rng.random() < 0.5, a, (father, mother)) for x, a in zip(kid_x, aff2, strict=True)]
        marry = kids2[-1]
        marry_male = people[-1]["male"]
        spouse = add(2, kid_x[-1] + 1.5, not marry_male, spouse_affected)
        cx = (kid_x[-1] + kid_x[-1] + 1.5) / 2
        kid3_x = [cx + 1.1 * (i - (n3 - 1) / 2) for i in range(n3)]
        p3 = (marry, spouse) if marry_male else (spouse, marry)
        kids3 = [add(3, x, rng.random() < 0.5, a, p3) for x, a in zip(kid3_x, aff3, strict=True)]
        gy = {1: 3.55, 2: 2.15, 3: 0.75}
        shift = 4.4 - (min(p["x"] for p in people) + max(p["x"] for p in people)) / 2  # centre the chart
        for p in people:
            p["x"] = round(p["x"] + shift, 4)
        cv = Canvas((0, 8.2), (0, 4.4), size=(5.8, 3.2), rect=(0.02, 0.02, 0.96, 0.96), font=12)
        h = 0.22
        for g, label in ((1, "I"), (2, "II"), (3, "III"))[: 3 if kids3 else 2]:
            cv.text(0.2, gy[g], label, size=11)
        by = {p["name"]: p for p in people}
        # marriage and descent lines
        for a, b, kids in ((father, mother, kids2), (p3[0], p3[1], kids3)):
            pa, pb = by[a], by[b]
            y = gy[pa["gen"]]
            cv.plot([(pa["x"] + h, y), (pb["x"] - h, y)] if pa["x"] < pb["x"] else [(pb["x"] + h, y), (pa["x"] - h, y)], "color='black', lw=1.5")
            if not kids:
                continue
            mx = (pa["x"] + pb["x"]) / 2
            sib = y - 0.62
            cv.plot([(mx, y), (mx, sib)], "color='black', lw=1.5")
            xs = [by[k]["x"] for k in kids]
            cv.plot([(min(xs + [mx]), sib), (max(xs + [mx]), sib)], "color='black', lw=1.5")
            for k in kids:
                cv.plot([(by[k]["x"], sib), (by[k]["x"], gy[by[k]["gen"]] + h)], "color='black', lw=1.5")
        for p in people:
            x, y = p["x"], gy[p["gen"]]
            fc = "black" if p["affected"] else "white"
            if p["male"]:
                cv.raw(f"ax.add_patch(plt.Rectangle(({x - h:.4f}, {y - h}), {2 * h}, {2 * h}, fc='{fc}', ec='black', lw=1.6, zorder=3))")
            else:
                cv.raw(f"ax.add_patch(plt.Circle(({x:.4f}, {y}), {h}, fc='{fc}', ec='black', lw=1.6, zorder=3))")
            cv.avoid_box(x - h, y - h, x + h, y + h)
            sex = "male" if p["male"] else "female"
            rank = sum(1 for q in people if q["gen"] == p["gen"] and q["x"] < p["x"]) + 1
            cv.point(p["name"], (x, y + h), role=f"{sex} number {rank} from the left in generation {p['gen']}",
                     dot=None, ref=(x + 0.3, y + 0.6))
        code, elements = cv.build()
        ped = {"affected": {p["name"]: p["affected"] for p in people},
               "parents": {p["name"]: list(p["parents"]) for p in people if p["parents"]}}
        params = {"ask": ask, "trait": rng.randrange(len(TRAIT_NAMES)), "ped": ped, "father": father, "mother": mother,
                  "marry": marry, "spouse": spouse}
        if ask == "carrier":
            # not the one who married: the couple's own children would change that person's odds
            params["who"] = rng.choice([k for k in kids2[:-1] if not ped["affected"][k]])
        if ask == "mode":
            opts = ["autosomal recessive", "autosomal dominant", "passed only from fathers to sons", "not inherited"]
            choices, letter = make_choices(rng, opts[0], opts[1:])
            params["choices"] = list(choices)
        draft = self.draft(node_ids=covered, question="", answer="", solution="", interactions=(),
                           elements=elements, render_code=code, difficulty=d, params=params)
        if ask == "mode":
            draft = draft.replace(answer_type="choice", choices=choices, answer=letter)
        return self._pose(draft)

    def _pose(self, draft: Draft) -> Draft:
        pr = draft.params
        ask, ped = pr["ask"], pr["ped"]
        trait = TRAIT_NAMES[pr["trait"]]
        intro = (f"The pedigree shows a family with {trait}, which is caused by a recessive allele on a non-sex chromosome. "
                 "Squares are males, circles females, and filled symbols are affected people.")
        f, m = pr["father"], pr["mother"]
        affected = [n for n, a in ped["affected"].items() if a]
        gf, gm = _founder_genotype(f, ped), _founder_genotype(m, ped)
        sick_kid = next(c for c, (a, b) in ped["parents"].items() if (a, b) == (f, m) and ped["affected"][c])
        parents_ix = Interaction("highlight", f"Circle the parents {f} and {m} and their affected child {sick_kid}.",
                                 interaction_code(ix_rings([f, m, sick_kid], r=16)), (f, m, sick_kid))
        why = (f"{sick_kid} is affected, so {sick_kid} has two recessive alleles, one from each parent; "
               f"{f} is {'affected (two recessive alleles)' if gf == 'aa' else 'unaffected, so a carrier'} and "
               f"{m} is {'affected (two recessive alleles)' if gm == 'aa' else 'unaffected, so a carrier'}")
        if ask == "count":
            question = f"{intro} How many people in the chart are affected?"
            sol = f"The filled symbols are {', '.join(affected)}: {len(affected)} affected people."
            ix = Interaction("highlight", "Circle every filled symbol.", interaction_code(ix_rings(affected, r=16)), tuple(affected))
            return draft.replace(question=question.replace(", which is caused by a recessive allele on a non-sex chromosome", ""),
                                 answer=str(len(affected)), solution=sol, interactions=(ix,))
        if ask == "mode":
            question = ("The pedigree shows how a trait is passed on in a family. Squares are males, circles females, and "
                        "filled symbols show the trait. Which pattern of inheritance does the chart show?")
            sol = (f"{f} and {m} do not show the trait but their child {sick_kid} does, so both parents carry a hidden "
                   "(recessive) allele; the trait appears in males and females alike, so it is autosomal recessive.")
            return draft.replace(question=question, solution=sol, interactions=(parents_ix,))
        if ask == "carrier":
            w = pr["who"]
            p = Fraction(2, 3) if gf == gm == "Aa" else Fraction(1)
            question = (f"{intro} What is the probability that {w} carries the recessive allele? {fraction_note()}")
            if p == 1:
                sol = f"{why}. The affected parent passes a recessive allele to every child, so unaffected {w} is certainly a carrier: 1."
            else:
                sol = (f"{why}. A child of two carriers is, in quarters, one non-carrier, two carriers and one affected. "
                       f"{w} is unaffected, which leaves 3 equally likely cases of which 2 are carriers: 2/3.")
            ix = Interaction("highlight", f"Circle {w}.", interaction_code(ix_rings([w], color="blue", r=16)), (w,))
            return draft.replace(question=question, answer=fmt_frac(p), solution=sol, interactions=(parents_ix, ix))
        if ask == "next_child":
            p = _child_dist(gf, gm).get("aa", Fraction(0))
            question = f"{intro} What is the probability that the next child of {f} and {m} is affected? {fraction_note()}"
            sol = f"{why}. Their child is affected only with two recessive alleles: probability {fmt_frac(p)}."
            return draft.replace(question=question, answer=fmt_frac(p), solution=sol, interactions=(parents_ix,))
        if ask == "grandchild":
            c, s = pr["marry"], pr["spouse"]
            pc = Fraction(2, 3) if gf == gm == "Aa" else Fraction(1)
            p = pc * Fraction(1, 2)
            question = (f"{intro} {c} and {s} are planning their first child. What is the probability that the child "
                        f"will be affected? {fraction_note()}")
            sol = (f"{why}. Unaffected {c} is a carrier with probability {fmt_frac(pc)}. {s} is affected and passes a recessive "
                   f"allele for sure, and a carrier passes one with probability 1/2, so the chance is {fmt_frac(pc)} × 1/2 = {fmt_frac(p)}.")
            ix = Interaction("highlight", f"Circle the couple {c} and {s}.", interaction_code(ix_rings([c, s], color="blue", r=16)), (c, s))
            return draft.replace(question=question, answer=fmt_frac(p), solution=sol, interactions=(parents_ix, ix))
        raise ValueError(ask)

    def rederive(self, draft: Draft) -> str:
        pr = draft.params
        ped = pr["ped"]
        drawn = {e.name for e in draft.elements}
        if set(ped["affected"]) - drawn:
            raise ValueError("a person of the chart is not drawn")
        ask = pr["ask"]
        f, m = pr["father"], pr["mother"]
        if ask == "count":
            return str(sum(ped["affected"].values()))
        if ask == "mode":
            # unaffected parents with an affected child can only be a recessive pattern
            ok = any(ped["affected"][c] and not ped["affected"][a] and not ped["affected"][b] for c, (a, b) in ped["parents"].items())
            return choice_letter(draft.choices, "autosomal recessive" if ok else "?")
        dist = _child_dist(_founder_genotype(f, ped), _founder_genotype(m, ped))
        unaffected = {g: p for g, p in dist.items() if g != "aa"}
        p_carrier = unaffected.get("Aa", Fraction(0)) / sum(unaffected.values())
        if ask == "carrier":
            return fmt_frac(p_carrier)
        if ask == "next_child":
            return fmt_frac(dist.get("aa", Fraction(0)))
        if ask == "grandchild":
            # the affected spouse is aa: each child of a carrier is affected with probability 1/2
            spouse_g = "aa" if ped["affected"][pr["spouse"]] else "AA"
            return fmt_frac(p_carrier * _child_dist("Aa", spouse_g).get("aa", Fraction(0)))
        raise ValueError(f"unknown ask {ask!r}")


# ==============================================================================================
# population growth


ORGANISMS = ("yeast cells", "bacteria", "duckweed plants", "fruit flies", "algal cells")


class PopulationGrowth(Family):
    """Counts of a population (in thousands) every two hours: a lag, doubling, slowing and a
    plateau; P and Q are consecutive points of the doubling phase, R is where growth slows and S
    lies on the plateau. Asks for a reading, an average growth rate, the carrying capacity or the
    doubling time."""

    name = "population_growth"
    givens = ("vals",)
    domain = DOMAIN
    node_ids = (GROWTH_READ, GROWTH_RATE, CAPACITY, DOUBLING)
    supports = frozenset({"sequential"})
    ASKS = {
        "read": frozenset({GROWTH_READ}),
        "rate": frozenset({GROWTH_READ, GROWTH_RATE}),
        "capacity": frozenset({GROWTH_READ, CAPACITY}),
        "doubling": frozenset({DOUBLING}),
    }

    def create(self, rng: random.Random, node_ids, difficulty: int) -> Draft:
        d = clamp_difficulty(difficulty)
        ask, covered = pick_ask(rng, node_ids, self.ASKS, self.node_ids)
        dt = rng.choice([1, 2]) if d > 1 else 2
        while True:
            n0 = rng.choice([2, 4, 6])
            lag = rng.randint(1, 2)
            m = rng.randint(3, 4)
            vals = [n0] * lag + [n0 * 2 ** k for k in range(1, m + 1)]
            last = vals[-1]
            K = (last // 10 + rng.randint(2, 4)) * 10
            if K > 120 or last < 16:
                continue
            a1 = last + (K - last) * 6 // 10 // 2 * 2
            a2 = K - 2 * rng.randint(1, 2)
            if not last < a1 < a2 < K:
                continue
            vals += [a1, a2] + [K] * rng.randint(2, 3)
            break
        times = [dt * i for i in range(len(vals))]
        i_p = rng.randrange(lag - 1, lag + m - 1)  # P, Q consecutive in the doubling phase
        i_r = lag + m  # first slowing point
        i_s = len(vals) - 1 - rng.randint(0, 1)
        ymax = K + 20
        org = rng.choice(ORGANISMS)
        cv = Canvas((0, times[-1] + dt / 2), (0, ymax), size=(5.6, 4.2), rect=(0.13, 0.14, 0.82, 0.8), axis_off=False, font=13)
        cv.setup += [
            f"ax.set_xticks(range(0, {times[-1] + 1}, {2 if dt == 1 and times[-1] > 12 else dt}))",
            f"ax.set_yticks(range(0, {ymax + 1}, 10))",
            f"ax.set_yticks(range(0, {ymax + 1}, 2), minor=True)",
            "ax.tick_params(labelsize=9)",
            "ax.grid(True, which='major', color='#c8c8c8', lw=0.8)",
            "ax.grid(True, which='minor', axis='y', color='#eeeeee', lw=0.5)",
            "ax.set_axisbelow(True)",
            "ax.set_xlabel('time (hours)', fontsize=11)",
            f"ax.set_ylabel('{org} (thousands)', fontsize=11)",
        ]
        cv.plot(list(zip(times, vals, strict=True)), "color='#2ca02c', lw=2")
        cv.raw(f"ax.plot({times!r}, {vals!r}, 'o', color='#2ca02c', ms=5, zorder=4)")
        marks = {"P": (i_p, "first marked point of the fast-growth phase"), "Q": (i_p + 1, "second marked point of the fast-growth phase"),
                 "R": (i_r, "point where growth starts to slow"), "S": (i_s, "marked point on the plateau")}
        for nm, (i, role) in marks.items():
            cv.point(nm, (times[i], vals[i]), role=role, dot="color='black', ms=6")
        code, elements = cv.build(label_color="#1f3b99")
        params = {"ask": ask, "org": org, "times": times, "vals": vals, "idx": {k: v[0] for k, v in marks.items()},
                  "origin_px": list(cv.img_px((0, 0)))}
        draft = self.draft(node_ids=covered, question="", answer="", solution="", interactions=(),
                           elements=elements, render_code=code, difficulty=d, params=params)
        return self._pose(draft)

    def _pose(self, draft: Draft) -> Draft:
        pr = draft.params
        ask, times, vals, idx, org = pr["ask"], pr["times"], pr["vals"], pr["idx"], pr["org"]
        ox, oy = pr["origin_px"]
        at = {k: (times[i], vals[i]) for k, i in idx.items()}
        intro = f"The graph shows a population of {org}, counted in thousands every few hours."

        def lines(names):
            return Interaction("auxiliary_line", f"Draw reading lines from {' and '.join(names)} to both axes.",
                               interaction_code("".join(
                                   f"ax.plot([{ox}, P[{n!r}][0], P[{n!r}][0]], [P[{n!r}][1], P[{n!r}][1], {oy}], color='red', ls='--', lw=1.6)\n"
                                   for n in names)), tuple(names))

        if ask == "read":
            question = f"{intro} How many thousand {org} were there at point R?"
            return draft.replace(question=question, answer=str(at["R"][1]), interactions=(lines(["R"]),),
                                 solution=f"Reading across from R to the population axis gives {at['R'][1]} thousand.")
        if ask == "rate":
            (t1, v1), (t2, v2) = at["P"], at["R"]
            r = Fraction(v2 - v1, t2 - t1)
            question = (f"{intro} What was the average growth rate between P and R, in thousands of {org} per hour? "
                        f"{fraction_note()}")
            sol = f"P is at {t1} h with {v1} thousand and R at {t2} h with {v2} thousand, so the rate is ({v2} − {v1})/({t2} − {t1}) = {fmt_frac(r)} thousand per hour."
            return draft.replace(question=question, answer=fmt_frac(r), solution=sol, interactions=(lines(["P", "R"]),))
        if ask in ("capacity", "seq_capacity_ratio"):
            K = at["S"][1]
            if ask == "capacity":
                question = f"{intro} What is the carrying capacity of this environment, in thousands of {org}?"
                sol = f"The population levels off where the graph is flat; S on the plateau reads {K} thousand, the carrying capacity."
                ix = Interaction("auxiliary_line", "Draw a horizontal line along the plateau through S.",
                                 interaction_code(f"ax.plot([{ox}, P['S'][0] + 20], [P['S'][1], P['S'][1]], color='purple', ls='--', lw=2)\n"), ("S",))
                return draft.replace(question=question, answer=str(K), solution=sol, interactions=(ix,))
            r_val = at["R"][1]
            frac = Fraction(r_val, K)
            question = (f"{intro} What fraction of the carrying capacity had the population reached at point R? {fraction_note()}")
            sol = f"{draft.solution} R reads {r_val} thousand, so the fraction is {r_val}/{K} = {fmt_frac(frac)}."
            return draft.replace(question=question, answer=fmt_frac(frac), solution=sol,
                                 interactions=draft.interactions + (lines(["R"]),))
        if ask == "doubling":
            (t1, v1), (t2, v2) = at["P"], at["Q"]
            question = f"{intro} During the fast-growth phase through P and Q, how many hours does the population take to double?"
            sol = f"P reads {v1} thousand at {t1} h and Q reads {v2} = 2 × {v1} thousand at {t2} h, so the doubling time is {t2 - t1} hours."
            return draft.replace(question=question, answer=str(t2 - t1), solution=sol, interactions=(lines(["P", "Q"]),))
        raise ValueError(ask)

    def expand_sequential(self, draft: Draft, rng: random.Random) -> Draft | None:
        """carrying capacity -> the fraction of it reached at R."""
        if draft.params["ask"] != "capacity":
            return None
        new = self._pose(draft.replace(params=dict(draft.params, ask="seq_capacity_ratio", parent_answer=draft.answer)))
        return new.replace(variant="seq_capacity_ratio", difficulty=draft.difficulty + 1)

    def rederive(self, draft: Draft) -> str:
        p = {e.name: (round(e.x), round(e.y)) for e in draft.elements}
        ask = draft.params["ask"]
        if ask == "read":
            return str(p["R"][1])
        if ask == "rate":
            return fmt_frac(Fraction(p["R"][1] - p["P"][1], p["R"][0] - p["P"][0]))
        if ask == "capacity":
            return str(p["S"][1])
        if ask == "seq_capacity_ratio":
            return fmt_frac(Fraction(p["R"][1], p["S"][1]))
        if ask == "doubling":
            if p["Q"][1] != 2 * p["P"][1]:
                raise ValueError("Q is not double P")
            return str(p["Q"][0] - p["P"][0])
        raise ValueError(f"unknown ask {ask!r}")


FAMILIES = [PunnettSquare(), FoodWeb(), PedigreeChart(), PopulationGrowth()]
