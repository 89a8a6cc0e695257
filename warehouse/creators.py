"""Per-creator statistics: how many drafts each creator (procedural family or model) wrote, how
its drafts fared with each checker, and how many were accepted — one SQL over the lake."""

from __future__ import annotations

import duckdb

CREATOR_STATS = """
WITH d AS (SELECT sample_id, attempt, creator, coalesce(provenance.model, '') AS model, tokens FROM drafts {where}),
     v AS (SELECT sample_id, attempt, checker, bool_and(passed) AS passed FROM verdicts {where} GROUP BY ALL),
     r AS (SELECT creator, count(*) AS rejected FROM draft_rejections {where} GROUP BY ALL),
     s AS (SELECT creator, count(*) AS accepted FROM samples {where} GROUP BY ALL)
SELECT d.creator, d.model,
       count(DISTINCT d.sample_id) AS samples_tried,
       count(*) AS attempts,
       coalesce(any_value(r.rejected), 0) AS rejected_replies,
       avg(d.tokens) AS avg_tokens,
       avg(CASE WHEN v.checker = 'rules' THEN v.passed::INT END) AS rules_pass_rate,
       avg(CASE WHEN v.checker LIKE 'model:%' THEN v.passed::INT END) AS judge_pass_rate,
       coalesce(any_value(s.accepted), 0) AS accepted
FROM d LEFT JOIN v USING (sample_id, attempt)
       LEFT JOIN r ON r.creator = d.creator
       LEFT JOIN s ON s.creator = d.creator
GROUP BY d.creator, d.model
ORDER BY d.creator
"""


def creator_stats(con: duckdb.DuckDBPyConnection, where: str = "") -> list[dict]:
    """One row per (creator, model); ``where`` is a SQL filter such as ``round = 1 AND domain = 'x'``."""
    cur = con.execute(CREATOR_STATS.format(where=f"WHERE {where}" if where else ""))
    cols = [c[0] for c in cur.description]
    return [dict(zip(cols, row, strict=True)) for row in cur.fetchall()]
