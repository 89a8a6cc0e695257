"""Diversity of accepted samples per (round, domain, family), computed by DuckDB over the lake.

Template normalisation (the ``templates`` column): every run of digits (with a decimal part) becomes
``#`` and every lone capital letter (a one-letter label such as ``A`` or ``X``) becomes ``L``, so
"Find AB when A = 3" and "Find CD when C = 7.5" are different templates but "Find A when B = 3" and
"Find C when D = 4" are one. Two scopes per family: ``round`` (this round's samples) and
``cumulative`` (rounds 1..round of the domain); family ``'*'`` is the whole domain. Only grouped
results leave DuckDB, so the cost stays a scan of a few columns at 10^6 samples (docs/lakehouse.md).
"""

from __future__ import annotations

import duckdb
import pyarrow as pa

from warehouse.catalog import records
from warehouse.schemas import schema

# DuckDB (RE2) form of the documented normalisation; a Python caller uses template_of() below
TEMPLATE_SQL = r"regexp_replace(regexp_replace(question, '\d+(\.\d+)?', '#', 'g'), '\b[A-Z]\b', 'L', 'g')"
# the default of the non-blocking check: fewer new templates per 100 samples than this warns
MIN_TEMPLATE_YIELD = 20.0

_METRICS = """
WITH s AS MATERIALIZED (  -- one scan of the domain's history; templates and words computed once
    SELECT s.round, s.family, s.question, s.answer, s.node_ids, i.phash, {template} AS template,
           coalesce(d.style, '') AS style,
           string_split(lower(regexp_replace(s.question, '[^A-Za-z0-9#]+', ' ', 'g')), ' ') AS w
    FROM samples s LEFT JOIN drafts d USING (sample_id, attempt) LEFT JOIN images i USING (image_id)
    WHERE s.domain = $domain AND s.round <= $round
), base AS (
    SELECT 'cumulative' AS scope, CASE WHEN grouping(family) = 1 THEN '*' ELSE family END AS grp,
           count(*) AS samples, count(DISTINCT template) AS templates, count(DISTINCT question) AS question_texts,
           count(DISTINCT answer) AS answers, count(DISTINCT phash) AS image_clusters,
           count(DISTINCT style) AS styles
    FROM s GROUP BY GROUPING SETS ((family), ())
    UNION ALL
    SELECT 'round', CASE WHEN grouping(family) = 1 THEN '*' ELSE family END,
           count(*), count(DISTINCT template), count(DISTINCT question), count(DISTINCT answer),
           count(DISTINCT phash), count(DISTINCT style)
    FROM s WHERE round = $round GROUP BY GROUPING SETS ((family), ())
), fresh AS (  -- templates first seen this round (per family, and in the whole domain)
    SELECT 'round' AS scope, family AS grp, count(*) FILTER (WHERE r = $round) AS new_templates
    FROM (SELECT family, template, min(round) AS r FROM s GROUP BY ALL) x GROUP BY ALL
    UNION ALL
    SELECT 'round', '*', count(*) FILTER (WHERE r = $round) FROM (SELECT template, min(round) AS r FROM s GROUP BY ALL) x
), node_pairs AS (
    SELECT DISTINCT round, family, unnest(node_ids) AS node_id FROM s
), nodes AS (
    SELECT 'cumulative' AS scope, CASE WHEN grouping(family) = 1 THEN '*' ELSE family END AS grp,
           count(DISTINCT node_id) AS nodes_with_samples
    FROM node_pairs GROUP BY GROUPING SETS ((family), ())
    UNION ALL
    SELECT 'round', CASE WHEN grouping(family) = 1 THEN '*' ELSE family END, count(DISTINCT node_id)
    FROM node_pairs WHERE round = $round GROUP BY GROUPING SETS ((family), ())
), bigrams AS (  -- word-bigram counts per (round, family): the entropy's input, aggregated once
    SELECT round, family, bigram, count(*) AS n
    FROM (SELECT round, family, unnest(list_transform(range(1, len(w)), lambda k: w[k] || ' ' || w[k + 1])) AS bigram
          FROM s) x
    WHERE NOT starts_with(bigram, ' ') AND NOT ends_with(bigram, ' ') GROUP BY ALL
), bigram_counts AS (
    SELECT 'cumulative' AS scope, CASE WHEN grouping(family) = 1 THEN '*' ELSE family END AS grp, sum(n) AS n
    FROM bigrams GROUP BY GROUPING SETS ((family, bigram), (bigram))
    UNION ALL
    SELECT 'round', CASE WHEN grouping(family) = 1 THEN '*' ELSE family END, sum(n)
    FROM bigrams WHERE round = $round GROUP BY GROUPING SETS ((family, bigram), (bigram))
), entropy AS (
    SELECT scope, grp, -sum(n / total * log2(n / total)) AS ngram_entropy
    FROM (SELECT *, sum(n) OVER (PARTITION BY scope, grp) AS total FROM bigram_counts) x GROUP BY ALL
)
SELECT b.grp AS family, b.scope, b.samples, b.templates, b.question_texts, b.answers,
       coalesce(e.ngram_entropy, 0.0) AS ngram_entropy, b.image_clusters,
       coalesce(n.nodes_with_samples, 0) AS nodes_with_samples, b.styles,
       CASE WHEN b.scope = 'cumulative' THEN b.templates ELSE coalesce(f.new_templates, 0) END AS new_templates,
       100.0 * (CASE WHEN b.scope = 'cumulative' THEN b.templates ELSE coalesce(f.new_templates, 0) END)
           / b.samples AS template_yield,
       $round AS round, $domain AS domain
FROM base b LEFT JOIN entropy e USING (scope, grp) LEFT JOIN nodes n USING (scope, grp)
     LEFT JOIN fresh f USING (scope, grp)
ORDER BY b.scope DESC, b.grp = '*' DESC, b.grp
"""


def diversity(con: duckdb.DuckDBPyConnection, round: int, domain: str) -> pa.Table:
    """The ``diversity`` rows of one (round, domain) from the ``samples``, ``drafts`` and ``images``
    views of ``con`` (warehouse.catalog.connect); no rows when the domain has no samples yet."""
    sql = _METRICS.format(template=TEMPLATE_SQL.replace("question", "s.question"))
    table = con.sql(sql, params={"round": round, "domain": domain}).to_arrow_table()
    return table.cast(schema("diversity"))


def templates_of(questions: list[str]) -> list[str]:
    """The normalised templates of ``questions``, by the same DuckDB expression the table uses."""
    with duckdb.connect() as con:
        rel = con.execute(f"SELECT {TEMPLATE_SQL} FROM (SELECT unnest(?::VARCHAR[]) AS question)", [questions])
        return [r[0] for r in rel.fetchall()]


def low_yield(rows: pa.Table | list[dict], threshold: float = MIN_TEMPLATE_YIELD, min_samples: int = 20
              ) -> list[dict]:
    """Families (not '*') whose new-template yield this round is under ``threshold`` per 100
    samples, among those with at least ``min_samples`` samples this round (fewer is noise)."""
    rows = rows.to_pylist() if isinstance(rows, pa.Table) else rows
    return [{"family": r["family"], "samples": r["samples"], "template_yield": round(r["template_yield"], 2)}
            for r in rows if r["scope"] == "round" and r["family"] != "*" and r["samples"] >= min_samples
            and r["template_yield"] < threshold]


GROWTH = """
SELECT round, sum(samples) AS samples, sum(templates) AS templates, sum(question_texts) AS question_texts,
       sum(image_clusters) AS image_clusters, sum(nodes_with_samples) AS nodes_with_samples
FROM diversity WHERE family = '*' AND scope = $scope AND round <= $round GROUP BY round ORDER BY round
"""


def growth(con: duckdb.DuckDBPyConnection, round: int, scope: str = "cumulative") -> list[dict]:
    """Per round up to ``round``: the diversity table summed over domains (family '*')."""
    return records(con, GROWTH, {"round": round, "scope": scope})


def plot_growth(rows: list[dict]) -> bytes:
    """PNG: cumulative samples, templates, question texts, image clusters and knowledge points
    reached per round (left), and distinct templates per sample (right)."""
    import io

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (a1, a2) = plt.subplots(1, 2, figsize=(11, 3.6), layout="constrained")
    rounds = [r["round"] for r in rows]
    for key, color in (("samples", "#4c72b0"), ("question_texts", "#55a868"), ("templates", "#dd8452"),
                       ("image_clusters", "#8172b3"), ("nodes_with_samples", "#c44e52")):
        a1.plot(rounds, [r[key] for r in rows], marker="o", color=color, label=key.replace("_", " "))
    a1.set_xticks(rounds)
    a1.set_xlabel("round")
    a1.set_title("Diversity (cumulative, all domains)")
    a1.legend(fontsize=8)
    ratios = [r["templates"] / max(1, r["samples"]) for r in rows]
    a2.bar([str(r) for r in rounds], [100 * x for x in ratios], color="#dd8452")
    for i, x in enumerate(ratios):
        a2.text(i, 100 * x, f"{100 * x:.0f}%", ha="center", va="bottom", fontsize=8)
    a2.set_ylim(0, 110)
    a2.set_xlabel("round")
    a2.set_ylabel("distinct templates / samples (%)")
    a2.set_title("Template share (cumulative)")
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=80, bbox_inches="tight")
    plt.close(fig)
    return buf.getvalue()
