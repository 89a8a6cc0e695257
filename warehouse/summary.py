"""The round summary printed after `make run`: what was made, what was rejected and why."""

from __future__ import annotations

import os

import duckdb

from warehouse.sql import format_result

STAGE_COUNTS = """
SELECT d.domain,
       count(*) FILTER (WHERE d.expansion = 'none' AND d.attempt = 0)  AS drafted,
       count(*) FILTER (WHERE d.attempt > 0)                           AS repair_attempts,
       count(*) FILTER (WHERE d.expansion <> 'none')                   AS expansions,
       (SELECT count(*) FROM samples s WHERE s.domain = d.domain AND s.round = $round) AS accepted,
       (SELECT count(*) FROM samples s WHERE s.domain = d.domain AND s.round = $round
                                         AND s.expansion <> 'none')   AS accepted_expansions
FROM drafts d WHERE d.round = $round GROUP BY d.domain ORDER BY d.domain
"""

REJECTIONS = """
WITH latest AS (SELECT sample_id, max(attempt) AS attempt FROM drafts WHERE round = $round GROUP BY 1)
SELECT v.domain, v.dimension,
       regexp_replace(split_part(v.reason, '; ', 1), '''[^'']*''|[0-9]+(\\.[0-9]+)?', '_', 'g') AS reason,
       count(DISTINCT v.sample_id) AS samples
FROM verdicts v JOIN latest l USING (sample_id, attempt)
WHERE v.round = $round AND NOT v.passed
GROUP BY ALL ORDER BY samples DESC, v.domain LIMIT 15
"""


def _table(con: duckdb.DuckDBPyConnection, sql: str, round: int) -> str:
    cur = con.execute(sql, {"round": round})
    return format_result([d[0] for d in cur.description], cur.fetchall())


def round_summary(con: duckdb.DuckDBPyConnection, round: int) -> str:
    return "\n".join([
        f"Round {round}: samples per domain",
        _table(con, STAGE_COUNTS, round),
        "",
        f"Round {round}: rejection reasons (latest attempt of each rejected sample)",
        _table(con, REJECTIONS, round),
    ])


def coverage_summary(con: duckdb.DuckDBPyConnection, round: int) -> str:
    """Coverage, knowledge growth and duplicate figures of rounds 1..``round`` as text tables."""
    from warehouse.coverage import coverage

    c = coverage(con, round, figures=False)
    n = c.numbers()
    shares = ", ".join(f">= {k}: {100 * v:.0f}%" for k, v in c.share_at_least.items())
    growth = format_result(list(c.growth[0]) if c.growth else ["round"], [tuple(g.values()) for g in c.growth])
    dups = format_result(list(c.duplicates[0]) if c.duplicates else ["round"],
                         [tuple(_fmt(v) for v in d.values()) for d in c.duplicates])
    return "\n".join([
        f"Coverage up to round {round}: {n['samples']} accepted samples in {n['domains_with_samples']} domains; "
        f"{n['knowledge_points']} knowledge points ({n['evolved_nodes']} evolved); nodes with at least k "
        f"samples: {shares}",
        "Figures by renderer: " + (", ".join(f"{k} {v}" for k, v in c.renderers.items()) or "none")
        + f" (svg {100 * n['svg_share']:.0f}%)",
        "Knowledge graph growth (cumulative)",
        growth,
        "Duplicates removed before acceptance",
        dups,
    ])


def _fmt(value):
    return f"{value:.4f}" if isinstance(value, float) else value


PERCEPTION_COUNTS = """
SELECT 'perception_tasks' AS "table", level AS kind, count(*) AS n FROM perception_tasks WHERE round = $round GROUP BY ALL
UNION ALL
SELECT 'benchmark', task_type, count(*) FROM benchmark WHERE round = $round GROUP BY ALL
ORDER BY 1, 2
"""


def perception_summary(con: duckdb.DuckDBPyConnection, round: int) -> str:
    """Perception tasks per level and benchmark items per task type of one round."""
    return "\n".join([f"Round {round}: perception tasks and held-out benchmark",
                      _table(con, PERCEPTION_COUNTS, round)])


SANDBOX_FAILURES = ("crash", "error", "timeout", "memory")  # render statuses where the sandbox failed the task
HEALTH = """
WITH r AS (SELECT domain, count(*) AS renders, count(*) FILTER (WHERE status IN $failures) AS failed,
                  mode(split_part(error, chr(10), 1)) FILTER (WHERE status IN $failures) AS error
           FROM renders WHERE round = $round AND list_contains($domains, domain) GROUP BY 1),
     s AS (SELECT domain, count(*) AS accepted FROM samples
           WHERE round = $round AND list_contains($domains, domain) GROUP BY 1)
SELECT d.domain, coalesce(r.renders, 0), coalesce(r.failed, 0), r.error, coalesce(s.accepted, 0)
FROM unnest($domains) AS d(domain) LEFT JOIN r USING (domain) LEFT JOIN s USING (domain) ORDER BY 1
"""


def round_health(con: duckdb.DuckDBPyConnection, round: int, domains: list[str],
                 max_failed_share: float = 0.5) -> tuple[list[str], list[str]]:
    """(failures, partial failures) of ``round`` over ``domains``, each a line. The round failed
    when it accepted no sample, or when the sandbox failed (crash, error, timeout, memory) more
    than ``max_failed_share`` of its renders: Dagster reports such runs as successes."""
    rows = con.execute(HEALTH, {"round": round, "domains": domains, "failures": list(SANDBOX_FAILURES)}).fetchall()
    renders, failed, accepted = (sum(r[i] for r in rows) for i in (1, 2, 4))
    errors = [r[3] for r in rows if r[3]]
    failures, partial = [], []
    if accepted == 0:
        failures.append(f"round {round} accepted no samples ({renders} renders)")
    if renders and failed > max_failed_share * renders:
        failures.append(f"the sandbox failed {failed} of {renders} renders of round {round}"
                        + (f" (e.g. {errors[0]})" if errors else ""))
    for domain, n, bad, error, ok in rows:
        if ok == 0 or (n and bad > max_failed_share * n):
            partial.append(f"{domain}: {ok} accepted, sandbox failed {bad} of {n} renders"
                           + (f" (e.g. {error})" if error else ""))
    return failures, partial


def sandbox_line(missing: list[str], strict: bool) -> str:
    """The sandbox's isolation state in one line: strict, or opted out by FLYWHEEL_SANDBOX_STRICT
    (``strict`` as pipelines.sandbox decides it), with the isolation features the lanes'
    sandboxes reported missing."""
    listed = ", ".join(sorted(set(missing))) or "none reported"
    if not strict:
        return f"sandbox: NOT STRICT (FLYWHEEL_SANDBOX_STRICT={os.environ.get('FLYWHEEL_SANDBOX_STRICT', '')}) — missing: {listed}"
    return f"sandbox: strict — missing: {listed}" if missing else "sandbox: strict"
