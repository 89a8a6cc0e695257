"""The browser's pages as queries over the catalog: the sample list (accepted samples or rejected
drafts), one sample's whole history, benchmark items, evaluated items.

A sample's page first finds the sample's (round, domain) by id, then reads every table with that
partition in the WHERE clause, so the Delta files' statistics skip all other partitions."""

from __future__ import annotations

import json
from dataclasses import dataclass

import duckdb

from warehouse.browse.catalog import image_png, png_size
from warehouse.browse.paging import PAGE_ROWS, Page, keyset_page, one
from warehouse.catalog import records

DIMENSION_ORDER = "CASE dimension WHEN 'text' THEN 0 WHEN 'visual' THEN 1 WHEN 'action' THEN 2 " \
                  "WHEN 'answer' THEN 3 ELSE 4 END"
STATUSES = ("accepted", "rejected")


class NotFound(LookupError):
    """No row with that key; the message says which."""


# ---- the sample list ---------------------------------------------------------------------------

SAMPLE_KEY = ("round", "sample_id")
_EQUAL = ("round", "domain", "family", "difficulty", "creator", "expansion")


@dataclass(frozen=True)
class SampleFilters:
    """What the list page filters on; ``status`` picks accepted samples or rejected drafts."""
    status: str = "accepted"
    round: int | None = None
    domain: str | None = None
    family: str | None = None
    difficulty: int | None = None
    creator: str | None = None
    expansion: str | None = None
    node: str | None = None  # a knowledge point id the sample names
    q: str | None = None  # words in the question or the sample id

    def __post_init__(self):
        if self.status not in STATUSES:
            raise ValueError(f"status must be one of {', '.join(STATUSES)}, got {self.status!r}")

    def where(self, alias: str) -> tuple[str, list]:
        terms, params = [], []
        for name in _EQUAL:
            value = getattr(self, name)
            if value is not None:
                terms.append(f"{alias}.{name} = ?")
                params.append(value)
        if self.node:
            terms.append(f"list_contains({alias}.node_ids, ?)")
            params.append(self.node)
        if self.q:
            terms.append(f"({alias}.question ILIKE ? OR {alias}.sample_id ILIKE ?)")
            params += [f"%{self.q}%"] * 2
        return " AND ".join(terms) or "true", params


_LIST_COLUMNS = ("round, sample_id, domain, family, variant, creator, expansion, difficulty, question, answer, "
                 "attempt, len(interactions) AS steps")
# every rejected draft's latest attempt, computed once per version of the lake (an anti-join of
# all draft ids with all sample ids: 1.4 s per page at 10^6 samples if evaluated per page)
REJECTED_DRAFTS = (f"SELECT DISTINCT ON (round, sample_id) {_LIST_COLUMNS}, node_ids FROM drafts "
                   "WHERE sample_id NOT IN (SELECT sample_id FROM samples) ORDER BY round, sample_id, attempt DESC")
DERIVED = {"rejected_drafts": REJECTED_DRAFTS}  # what Catalog builds on demand


def sample_list(cur: duckdb.DuckDBPyConnection, f: SampleFilters, after: list | None = None,
                before: list | None = None, last: bool = False, rows: int = PAGE_ROWS) -> Page:
    """A page of accepted samples, or of rejected drafts (their latest attempt, with why; the
    cursor must hold the ``rejected_drafts`` table, see DERIVED)."""
    where, params = f.where("x")
    if f.status == "accepted":
        source = f"SELECT {_LIST_COLUMNS}, image_id FROM samples x WHERE {where}"
        return keyset_page(cur, source, params, SAMPLE_KEY, after, before, last, rows)
    source = f"SELECT * EXCLUDE (node_ids) FROM rejected_drafts x WHERE {where}"
    page = keyset_page(cur, source, params, SAMPLE_KEY, after, before, last, rows)
    _why_rejected(cur, page.rows)
    return page


def _why_rejected(cur: duckdb.DuckDBPyConnection, rows: list[dict]) -> None:
    """Add each rejected row's figure and reason (duplicate of X, or its failed dimensions)."""
    if not rows:
        return
    ids = [r["sample_id"] for r in rows]
    rounds = sorted({r["round"] for r in rows})
    marks, rmarks = ", ".join("?" * len(ids)), ", ".join("?" * len(rounds))
    figure = {(r["sample_id"], r["attempt"]): r["image_id"] for r in records(
        cur, f"SELECT sample_id, attempt, image_id FROM renders WHERE round IN ({rmarks}) AND sample_id IN ({marks})",
        rounds + ids)}
    failed: dict[tuple, list[str]] = {}
    for v in records(cur, f"""SELECT sample_id, attempt, dimension, reason FROM verdicts
                              WHERE round IN ({rmarks}) AND sample_id IN ({marks}) AND NOT passed
                              ORDER BY {DIMENSION_ORDER}""", rounds + ids):
        failed.setdefault((v["sample_id"], v["attempt"]), []).append(f"{v['dimension']}: {v['reason']}")
    dups = {d["sample_id"]: d for d in records(
        cur, f"SELECT sample_id, kind, kept_id FROM duplicates WHERE sample_id IN ({marks})", ids)}
    for r in rows:
        key = (r["sample_id"], r["attempt"])
        r["image_id"] = figure.get(key)
        dup = dups.get(r["sample_id"])
        r["kept_id"] = dup["kept_id"] if dup else None
        r["reason"] = (f"{dup['kind']} duplicate of {dup['kept_id']}" if dup else
                       "; ".join(failed.get(key, [])) or "not checked")


# ---- one sample --------------------------------------------------------------------------------

def locate(cur: duckdb.DuckDBPyConnection, sample_id: str) -> tuple[int, str]:
    """(round, domain) of a sample or draft id (one narrow scan of the id column)."""
    row = cur.execute("SELECT round, domain FROM drafts WHERE sample_id = ? LIMIT 1", [sample_id]).fetchone() \
        or cur.execute("SELECT round, domain FROM samples WHERE sample_id = ? LIMIT 1", [sample_id]).fetchone()
    if row is None:
        raise NotFound(f"no sample or draft with id {sample_id!r}")
    return row[0], row[1]


def sample_detail(cur: duckdb.DuckDBPyConnection, sample_id: str) -> dict:
    """Everything the lake knows about one sample id: the accepted row or why it was rejected,
    every attempt (draft, render, verdicts, the repair that made it), the expansion parent and
    children, knowledge points, perception tasks, duplicates, benchmark items made from it."""
    rnd, domain = locate(cur, sample_id)
    at = [rnd, domain, sample_id]
    part = "round = ? AND domain = ?"
    sample = one(cur, f"SELECT * FROM samples WHERE {part} AND sample_id = ?", at)
    drafts = records(cur, f"SELECT * FROM drafts WHERE {part} AND sample_id = ? ORDER BY attempt", at)
    renders = {r["attempt"]: r for r in records(cur, f"SELECT * FROM renders WHERE {part} AND sample_id = ?", at)}
    verdicts: dict[int, list[dict]] = {}
    for v in records(cur, f"SELECT * FROM verdicts WHERE {part} AND sample_id = ? ORDER BY attempt, "
                          f"{DIMENSION_ORDER}", at):
        verdicts.setdefault(v["attempt"], []).append(v)
    repairs = records(cur, f"SELECT * FROM repairs WHERE {part} AND sample_id = ? ORDER BY attempt", at)
    made_by = {r["attempt"]: r for r in repairs if r["action"] != "give_up"}
    attempts = [{"draft": d, "render": renders.get(d["attempt"]), "verdicts": verdicts.get(d["attempt"], []),
                 "repair": made_by.get(d["attempt"])} for d in drafts]
    latest = attempts[-1] if attempts else None
    duplicates = records(cur, "SELECT * FROM duplicates WHERE sample_id = ? OR kept_id = ? ORDER BY round, sample_id",
                         [sample_id, sample_id])
    status, reason = _status(sample, latest, duplicates, sample_id)
    shown = sample or (latest and latest["draft"]) or {}
    children = records(cur, """SELECT d.sample_id, any_value(d.expansion) AS expansion, any_value(d.variant) AS variant,
                                      max(d.attempt) AS attempt, bool_or(s.sample_id IS NOT NULL) AS accepted
                               FROM drafts d LEFT JOIN (SELECT sample_id FROM samples WHERE round = ? AND domain = ?) s
                                    USING (sample_id)
                               WHERE d.round = ? AND d.domain = ? AND d.parent_id = ?
                               GROUP BY d.sample_id ORDER BY d.sample_id""", [rnd, domain, *at])
    node_ids = list(shown.get("node_ids") or [])
    nodes = records(cur, f"""SELECT DISTINCT ON (node_id) node_id, name, description, level, source FROM knowledge_nodes
                             WHERE node_id IN ({', '.join('?' * len(node_ids))}) ORDER BY node_id, round DESC""",
                    node_ids) if node_ids else []
    tasks = records(cur, f"""SELECT * FROM perception_tasks WHERE {part} AND source = 'sample' AND source_id = ?
                             ORDER BY level, kind, task_id""", at)
    for t in tasks:
        t["points"] = points_of(t["answer"])
    return {
        "sample_id": sample_id, "round": rnd, "domain": domain, "status": status, "reason": reason,
        "sample": sample, "shown": shown, "steps": steps(sample, latest), "figure": _figure(sample, latest),
        "attempts": attempts, "repairs": repairs, "parent_id": shown.get("parent_id"), "children": children,
        "nodes": nodes, "node_ids": node_ids, "perception": tasks, "duplicates": duplicates,
        "benchmark": records(cur, "SELECT item_id, task_type, round, domain FROM benchmark WHERE sample_id = ? "
                                  "ORDER BY task_type, item_id", [sample_id]),
        "model_rejections": records(cur, "SELECT * FROM draft_rejections WHERE sample_id = ?", [sample_id]),
    }


def _status(sample: dict | None, latest: dict | None, duplicates: list[dict], sample_id: str) -> tuple[str, str]:
    if sample is not None:
        return "accepted", f"attempt {sample['attempt']} passed every check"
    dup = next((d for d in duplicates if d["sample_id"] == sample_id), None)
    if dup is not None:
        return "rejected", f"{dup['kind']} duplicate of {dup['kept_id']} (similarity {dup['similarity']:.2f})"
    if latest is None:
        return "rejected", "no draft row"
    attempt = latest["draft"]["attempt"]
    failed = [f"{v['dimension']}: {v['reason']}" for v in latest["verdicts"] if not v["passed"]]
    if not latest["verdicts"]:
        return "rejected", f"attempt {attempt} was not checked"
    if failed:
        return "rejected", f"attempt {attempt} failed " + "; ".join(failed)
    return "rejected", f"attempt {attempt} passed its checks but is not among the samples"


def _figure(sample: dict | None, latest: dict | None) -> dict | None:
    if sample is not None:
        return {"image_id": sample["image_id"], "width": sample["width"], "height": sample["height"]}
    render = latest and latest["render"]
    if not render or not render["image_id"]:
        return None
    return {"image_id": render["image_id"], "width": render["width"], "height": render["height"]}


def steps(sample: dict | None, latest: dict | None) -> list[dict]:
    """The interaction steps in order, each with the image after it (cumulative): the accepted
    sample's, else the latest attempt's as rendered (with each step's status and error)."""
    if sample is not None:
        return [{**i, "status": "ok", "error": ""} for i in sample["interactions"] or []]
    if latest is None:
        return []
    render = latest["render"] or {}
    images = render.get("interaction_image_ids") or []
    status = render.get("interaction_status") or []
    errors = render.get("interaction_errors") or []
    out = []
    for k, inter in enumerate(latest["draft"]["interactions"] or []):
        out.append({**inter, "image_id": images[k] if k < len(images) else None,
                    "status": status[k] if k < len(status) else "not run",
                    "error": errors[k] if k < len(errors) else ""})
    return out


def points_of(answer: str | None) -> list[tuple[str, float, float]]:
    """(label, x, y) of a JSON ``{label: [x, y]}`` answer (pixel truth); [] when it is not one."""
    try:
        data = json.loads(answer or "")
    except ValueError:
        return []
    if not isinstance(data, dict):
        return []
    out = []
    for label, xy in data.items():
        if isinstance(xy, (list, tuple)) and len(xy) == 2 and all(isinstance(v, (int, float)) for v in xy):
            out.append((str(label), float(xy[0]), float(xy[1])))
    return out


# ---- benchmark items ---------------------------------------------------------------------------

BENCH_KEY = ("round", "domain", "item_id")


def benchmark_list(cur: duckdb.DuckDBPyConnection, task_type: str | None = None, domain: str | None = None,
                   after: list | None = None, before: list | None = None, last: bool = False,
                   rows: int = PAGE_ROWS) -> Page:
    terms = [(c, v) for c, v in (("task_type", task_type), ("domain", domain)) if v]
    where = " AND ".join(f"{c} = ?" for c, _ in terms) or "true"
    source = ("SELECT round, domain, item_id, task_type, answer_type, question, image_id, sample_id "
              f"FROM benchmark WHERE {where}")
    return keyset_page(cur, source, [v for _, v in terms], BENCH_KEY, after, before, last, rows)


def benchmark_item(cur: duckdb.DuckDBPyConnection, item_id: str) -> dict:
    item = one(cur, "SELECT * FROM benchmark WHERE item_id = ? ORDER BY round DESC LIMIT 1", [item_id])
    if item is None:
        raise NotFound(f"no benchmark item {item_id!r}")
    item["points"] = points_of(item["reference"]) if item["answer_type"] == "points" else []
    try:
        item["reference_json"] = json.loads(item["reference"])
    except ValueError:
        item["reference_json"] = None
    item["evaluations"] = records(cur, """SELECT run_id, checkpoint, task, item_id, benchmark, score, correct, answer
                                          FROM eval_results WHERE benchmark = 'project' AND item_id = ?
                                          ORDER BY run_id""", [item_id])
    return item


# ---- evaluated items ---------------------------------------------------------------------------

EVAL_KEY = ("run_id", "benchmark", "task", "item_id")


def eval_runs(cur: duckdb.DuckDBPyConnection) -> list[dict]:
    """One row per run and benchmark: the judge-free accuracy over all its tasks."""
    return records(cur, """SELECT run_id, any_value(checkpoint) AS checkpoint, any_value(backend) AS backend,
                                  benchmark, max(value) FILTER (metric = 'accuracy') AS accuracy,
                                  max(n) FILTER (metric = 'accuracy') AS n, max(created_at) AS created_at
                           FROM eval_summary WHERE task = 'all' AND subset = 'all'
                           GROUP BY run_id, benchmark ORDER BY max(created_at) DESC, run_id, benchmark""")


def eval_list(cur: duckdb.DuckDBPyConnection, run_id: str | None = None, benchmark: str | None = None,
              correct: bool | None = None, after: list | None = None, before: list | None = None,
              last: bool = False, rows: int = PAGE_ROWS) -> Page:
    terms = [(c, v) for c, v in (("run_id", run_id), ("benchmark", benchmark), ("correct", correct)) if v is not None]
    where = " AND ".join(f"{c} = ?" for c, _ in terms) or "true"
    source = ("SELECT run_id, benchmark, task, item_id, checkpoint, score, correct, turns, tool_calls, stop_reason, "
              f"answer, reference, image_id, final_image_id, round, domain FROM eval_results WHERE {where}")
    return keyset_page(cur, source, [v for _, v in terms], EVAL_KEY, after, before, last, rows)


def eval_item(cur: duckdb.DuckDBPyConnection, run_id: str, benchmark: str, task: str, item_id: str) -> dict:
    """An evaluated item: its result (score, answer, reference) and every turn of the model in order."""
    key = [run_id, benchmark, task, item_id]
    where = "run_id = ? AND benchmark = ? AND task = ? AND item_id = ?"
    result = one(cur, f"SELECT * FROM eval_results WHERE {where}", key)
    if result is None:
        raise NotFound(f"no evaluated item {item_id!r} of {benchmark}/{task} in run {run_id!r}")
    try:
        result["details"] = json.loads(result["score_details"] or "{}")
    except ValueError:
        result["details"] = result["score_details"]
    result["points"] = points_of(result["reference"])
    png = image_png(cur, result["final_image_id"] or result["image_id"], 0, benchmark) if result["points"] else None
    result["size"] = png_size(png) if png else None
    result["turn_rows"] = records(cur, f"SELECT * FROM eval_turns WHERE {where} ORDER BY turn", key)
    return result
