"""Coverage and diversity of the lake up to a round: metrics from DuckDB, figures as PNG bytes.

A knowledge point (level 2) counts an accepted sample when the sample names it; an evolved
composite counts the samples that realise it (all its components, and for a composition its
family and variant), the rule knowledge.evolve.accepted_counts applies in the sampler."""

from __future__ import annotations

import base64
import io
from dataclasses import dataclass, field

import duckdb

from warehouse.catalog import records

THRESHOLDS = (1, 2, 5)

NODE_COUNTS = """
WITH nodes AS (
    SELECT node_id, domain, source, components, family, variant, condition
    FROM knowledge_nodes WHERE level = 2 AND round <= $round
), s AS (
    SELECT sample_id, domain, node_ids, family, variant FROM samples WHERE round <= $round
), seed_hits AS (
    SELECT n.node_id, count(*) AS n
    FROM (SELECT domain, unnest(node_ids) AS node_id FROM s) u JOIN nodes n USING (domain, node_id)
    WHERE n.source = 'seed' GROUP BY 1
), evolved_hits AS (
    SELECT n.node_id, count(*) AS n
    FROM nodes n JOIN (SELECT *, unnest(node_ids) AS first FROM s) x
      ON x.domain = n.domain AND x.first = n.components[1]
    WHERE n.source = 'evolved' AND list_has_all(x.node_ids, n.components)
      AND (n.variant IS NULL OR (x.variant = n.variant AND x.family = n.family))
      AND (n.condition IS NULL OR list_contains(x.node_ids, n.node_id))  -- a sub-point: samples naming it
    GROUP BY 1
)
SELECT n.node_id, n.domain, n.source, coalesce(sh.n, eh.n, 0) AS samples
FROM nodes n LEFT JOIN seed_hits sh USING (node_id) LEFT JOIN evolved_hits eh USING (node_id)
ORDER BY samples DESC, node_id
"""

GROWTH = """
WITH r AS (SELECT DISTINCT round FROM knowledge_nodes WHERE round <= $round)
SELECT r.round,
       (SELECT count(*) FROM knowledge_nodes n WHERE n.round <= r.round AND n.source = 'seed' AND n.level = 2)
           AS seed_points,
       (SELECT count(*) FROM knowledge_nodes n WHERE n.round <= r.round AND n.source = 'evolved') AS evolved_nodes,
       (SELECT count(*) FROM knowledge_edges e WHERE e.round <= r.round AND e.kind = 'prerequisite')
           AS seed_edges,
       (SELECT count(*) FROM knowledge_edges e WHERE e.round <= r.round AND e.kind <> 'prerequisite')
           AS evolved_edges
FROM r ORDER BY r.round
"""

DUPLICATES = """
WITH acc AS (SELECT round, count(*) AS accepted FROM samples WHERE round <= $round GROUP BY 1),
     dup AS (SELECT round, count(*) AS duplicates,
                    count(*) FILTER (WHERE kind = 'exact') AS exact,
                    count(*) FILTER (WHERE kind = 'near_text') AS near_text,
                    count(*) FILTER (WHERE kind = 'near_image') AS near_image
             FROM duplicates WHERE round <= $round GROUP BY 1)
SELECT round, coalesce(accepted, 0) AS accepted, coalesce(duplicates, 0) AS duplicates,
       coalesce(exact, 0) AS exact, coalesce(near_text, 0) AS near_text, coalesce(near_image, 0) AS near_image,
       coalesce(duplicates, 0) / greatest(1, coalesce(accepted, 0) + coalesce(duplicates, 0)) AS rate
FROM acc FULL JOIN dup USING (round) ORDER BY round
"""


@dataclass
class Coverage:
    """Coverage metrics of the lake up to ``round`` (plain values) and their figures (PNG bytes)."""

    round: int
    samples_per_domain: dict[str, int]
    node_samples: list[tuple[str, str, str, int]]  # (node_id, domain, source, accepted samples)
    share_at_least: dict[int, float]  # k -> share of knowledge nodes with >= k samples
    difficulty: dict[int, int]
    answer_types: dict[str, int]
    growth: list[dict]  # per round: cumulative seed points / evolved nodes / seed edges / evolved edges
    duplicates: list[dict]  # per round: accepted, duplicates by kind, rate
    figures: dict[str, bytes] = field(default_factory=dict)
    # accepted samples by samples.needs_figure: "yes" | "no" | "unknown" (null: no model decided)
    needs_figure: dict[str, int] = field(default_factory=dict)
    # accepted samples by the engine that drew the figure (samples.renderer: matplotlib | svg)
    renderers: dict[str, int] = field(default_factory=dict)

    def numbers(self) -> dict:
        """The headline figures (what the asset metadata and the CLI summary show)."""
        nodes = len(self.node_samples)
        dup = sum(d["duplicates"] for d in self.duplicates)
        acc = sum(d["accepted"] for d in self.duplicates)
        return {
            "samples": sum(self.samples_per_domain.values()),
            "domains_with_samples": sum(n > 0 for n in self.samples_per_domain.values()),
            "knowledge_points": nodes,  # level 2: seed points and evolved composites
            "evolved_nodes": sum(s == "evolved" for _, _, s, _ in self.node_samples),
            **{f"share_nodes_ge_{k}": round(v, 4) for k, v in self.share_at_least.items()},
            "duplicates": dup,
            "duplicate_rate": round(dup / max(1, acc + dup), 4),
            # share of the decided samples whose question leaves a given to the figure
            "needs_figure_share": round(self.needs_figure.get("yes", 0)
                                        / max(1, self.needs_figure.get("yes", 0) + self.needs_figure.get("no", 0)), 4),
            "needs_figure_unknown": self.needs_figure.get("unknown", 0),
            "svg_share": round(self.renderers.get("svg", 0) / max(1, sum(self.renderers.values())), 4),
        }


def coverage(con: duckdb.DuckDBPyConnection, round: int, figures: bool = True) -> Coverage:
    """Metrics over every table row with ``round <= round`` (and the figures unless ``figures=False``)."""
    per_domain = dict(con.execute("SELECT domain, count(*) FROM samples WHERE round <= ? GROUP BY 1 ORDER BY 1",
                                  [round]).fetchall())
    node_samples = [tuple(r.values()) for r in records(con, NODE_COUNTS, {"round": round})]
    total = len(node_samples)
    share = {k: (sum(n >= k for *_, n in node_samples) / total if total else 0.0) for k in THRESHOLDS}
    difficulty = dict(con.execute("SELECT difficulty, count(*) FROM samples WHERE round <= ? GROUP BY 1 ORDER BY 1",
                                  [round]).fetchall())
    answer_types = dict(con.execute("SELECT answer_type, count(*) FROM samples WHERE round <= ? GROUP BY 1 "
                                    "ORDER BY 2 DESC", [round]).fetchall())
    out = Coverage(round, per_domain, node_samples, share, difficulty, answer_types,
                   records(con, GROWTH, {"round": round}), records(con, DUPLICATES, {"round": round}))
    out.needs_figure = dict(con.execute(
        "SELECT CASE WHEN needs_figure THEN 'yes' WHEN NOT needs_figure THEN 'no' ELSE 'unknown' END, count(*) "
        "FROM samples WHERE round <= ? GROUP BY 1 ORDER BY 1", [round]).fetchall())
    out.renderers = dict(con.execute("SELECT renderer, count(*) FROM samples WHERE round <= ? GROUP BY 1 ORDER BY 1",
                                     [round]).fetchall())
    if figures:
        out.figures = plot(out)
    return out


# ---------------------------------------------------------------------------------------------- figures


def _png(fig) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=80, bbox_inches="tight")
    import matplotlib.pyplot as plt

    plt.close(fig)
    return buf.getvalue()


def _hbar(title: str, labels: list[str], values: list[float], xlabel: str, colors=None):
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8, 1.2 + 0.28 * max(1, len(labels))))
    ax.barh(range(len(labels)), values, color=colors or "#4c72b0")
    ax.set_yticks(range(len(labels)), labels, fontsize=9)
    ax.invert_yaxis()
    ax.set_xlabel(xlabel)
    ax.set_title(title)
    for i, v in enumerate(values):
        ax.text(v, i, f" {v:g}", va="center", fontsize=8)
    ax.margins(x=0.12)
    return fig


def plot(c: Coverage) -> dict[str, bytes]:
    """One PNG per view; sized so 25 domains and long node ids stay readable."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figs: dict[str, bytes] = {}
    doms = sorted(c.samples_per_domain, key=lambda d: -c.samples_per_domain[d])
    figs["samples_per_domain"] = _png(_hbar(f"Accepted samples per domain (rounds 1..{c.round})", doms,
                                            [c.samples_per_domain[d] for d in doms], "accepted samples"))

    top = c.node_samples[:15]
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(15, 5.5), layout="constrained")
    a1.barh(range(len(top)), [n for *_, n in top],
            color=["#dd8452" if s == "evolved" else "#4c72b0" for _, _, s, _ in top])
    a1.set_yticks(range(len(top)), [i for i, *_ in top], fontsize=8)
    a1.invert_yaxis()
    a1.set_title("Most covered knowledge nodes (orange: evolved)")
    a1.set_xlabel("accepted samples")
    cap = 10  # one bin per count up to 9, then ">= 10"
    bins = [str(b) for b in range(cap)] + [f">={cap}"]
    below = [0] * len(bins)
    for source, color in (("seed", "#4c72b0"), ("evolved", "#dd8452")):
        vals = [0] * len(bins)
        for _, _, src, n in c.node_samples:
            if src == source:
                vals[min(n, cap)] += 1
        a2.bar(bins, vals, bottom=below, color=color, label=f"{source} nodes")
        below = [b + v for b, v in zip(below, vals)]
    for x, total in enumerate(below):
        if total:
            a2.text(x, total, str(total), ha="center", va="bottom", fontsize=8)
    a2.set_ylim(0, 1.12 * max(below + [1]))
    a2.set_xlabel("accepted samples per node")
    a2.set_ylabel("knowledge nodes")
    a2.set_title(f"Knowledge nodes by accepted samples ({len(c.node_samples)} nodes)")
    a2.legend(fontsize=8)
    figs["samples_per_node"] = _png(fig)

    fig, ax = plt.subplots(figsize=(6, 3.5))
    ks = list(c.share_at_least)
    ax.bar([f">= {k}" for k in ks], [100 * c.share_at_least[k] for k in ks], color="#55a868")
    for i, k in enumerate(ks):
        ax.text(i, 100 * c.share_at_least[k], f"{100 * c.share_at_least[k]:.0f}%", ha="center", va="bottom")
    ax.set_ylim(0, 110)
    ax.set_ylabel("% of knowledge nodes")
    ax.set_title(f"Knowledge nodes with at least k accepted samples ({len(c.node_samples)} nodes)")
    figs["share_at_least_k"] = _png(fig)

    fig, (a1, a2, a3) = plt.subplots(1, 3, figsize=(14, 3.5))
    a3.bar(list(c.renderers), list(c.renderers.values()), color="#64b5cd")
    a3.set_title("Figure renderers")
    a1.bar([str(d) for d in c.difficulty], list(c.difficulty.values()), color="#8172b3")
    a1.set_xlabel("difficulty")
    a1.set_ylabel("accepted samples")
    a1.set_title("Difficulty distribution")
    a2.bar(list(c.answer_types), list(c.answer_types.values()), color="#937860")
    a2.set_title("Answer types")
    figs["difficulty_answer_types"] = _png(fig)

    fig, (a1, a2) = plt.subplots(1, 2, figsize=(11, 3.5))
    rounds = [str(g["round"]) for g in c.growth]
    for ax, keys, title in ((a1, ("seed_points", "evolved_nodes"), "Knowledge points (cumulative)"),
                            (a2, ("seed_edges", "evolved_edges"), "Knowledge edges (cumulative)")):
        bottom_ = [0] * len(rounds)
        for key, color in zip(keys, ("#4c72b0", "#dd8452")):
            vals = [g[key] for g in c.growth]
            ax.bar(rounds, vals, bottom=bottom_, color=color, label=key.replace("_", " "))
            bottom_ = [b + v for b, v in zip(bottom_, vals)]
        ax.set_xlabel("round")
        ax.set_title(title)
        ax.set_ylim(0, max(bottom_ or [1]) * 1.25)  # headroom: the legend never covers a bar
        ax.legend(fontsize=8, ncols=2, loc="upper center")
    figs["graph_growth"] = _png(fig)

    fig, ax = plt.subplots(figsize=(6, 3.5))
    rounds = [str(d["round"]) for d in c.duplicates]
    bottom_ = [0.0] * len(rounds)
    for kind, color in (("exact", "#c44e52"), ("near_text", "#dd8452"), ("near_image", "#ccb974")):
        vals = [100 * d[kind] / max(1, d["accepted"] + d["duplicates"]) for d in c.duplicates]
        ax.bar(rounds, vals, bottom=bottom_, color=color, label=kind)
        bottom_ = [b + v for b, v in zip(bottom_, vals)]
    for x, (total, d) in enumerate(zip(bottom_, c.duplicates)):
        ax.text(x, total, f"{total:.1f}% ({d['duplicates']})", ha="center", va="bottom", fontsize=8)
    ax.set_ylim(0, 1.35 * max(bottom_ + [1.0]))
    ax.set_xlabel("round")
    ax.set_ylabel("% of passing samples removed")
    ax.set_title("Duplicate rate by kind (count)")
    ax.legend(fontsize=8, ncols=3, loc="upper center")
    figs["duplicate_rates"] = _png(fig)
    return figs


def markdown(c: Coverage) -> str:
    """The figures as markdown images (base64 PNG data URIs) under their titles, for Dagster metadata."""
    parts = [f"### Coverage up to round {c.round}", ""]
    for name, png in c.figures.items():
        parts += [f"**{name.replace('_', ' ')}**", "",
                  f"![{name}](data:image/png;base64,{base64.b64encode(png).decode()})", ""]
    return "\n".join(parts)
