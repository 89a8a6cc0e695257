"""The browser's web app: FastAPI routes that run one query module's functions on a cursor of the
catalog and render a Jinja2 template (no JavaScript); images are served by content id."""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import quote, urlencode

import duckdb
from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, PlainTextResponse, Response
from fastapi.templating import Jinja2Templates

from warehouse.browse import queries as q
from warehouse.browse.catalog import Catalog, image_png
from warehouse.browse.paging import PAGE_ROWS, Page, parse_cursor
from warehouse.storage import LakeError

TEMPLATES = Path(__file__).resolve().parent / "templates"
MAX_ROWS = 500
IMMUTABLE = {"Cache-Control": "public, max-age=31536000, immutable"}  # ids are content hashes


class BadRequest(ValueError):
    """A malformed query parameter; the message names it."""


def _text(request: Request, name: str) -> str | None:
    value = request.query_params.get(name, "").strip()
    return value or None


def _int(request: Request, name: str) -> int | None:
    value = _text(request, name)
    if value is None:
        return None
    try:
        return int(value)
    except ValueError:
        raise BadRequest(f"{name} must be a whole number, got {value!r}") from None


def _paging(request: Request, key: tuple[str, ...]) -> dict:
    """The page asked for: after / before a cursor, or the last one; ``rows`` per page (1..500)."""
    rows = _int(request, "rows") or PAGE_ROWS
    if not 0 < rows <= MAX_ROWS:
        raise BadRequest(f"rows must be 1..{MAX_ROWS}, got {rows}")
    try:
        return {"after": parse_cursor(_text(request, "after"), key),
                "before": parse_cursor(_text(request, "before"), key),
                "last": _text(request, "last") is not None, "rows": rows}
    except ValueError as err:
        raise BadRequest(str(err)) from None


def _links(request: Request, page: Page) -> dict[str, str | None]:
    """first / prev / next / last links of a page, keeping the request's filters."""
    base = {k: v for k, v in request.query_params.items() if k not in ("after", "before", "last") and v}

    def link(**extra) -> str:
        return str(request.url.path) + "?" + urlencode({**base, **extra})

    return {"first": link() if page.has_prev else None,
            "prev": link(before=page.first) if page.has_prev else None,
            "next": link(after=page.last) if page.has_next else None,
            "last": link(last=1) if page.has_next else None}


def image_src(image_id: str | None, round: int | None = None, domain: str | None = None) -> str | None:
    """The URL of an image, with the partition it was written in when known (a pruned lookup)."""
    if not image_id:
        return None
    hint = {"r": round, "d": domain} if round is not None and domain else {}
    return f"/image/{quote(image_id)}" + (f"?{urlencode(hint)}" if hint else "")


def create_app(root: str | os.PathLike) -> FastAPI:
    """The browser over the lake at ``root``."""
    catalog = Catalog(root, q.DERIVED)
    catalog.cursor().close()  # open it now: the first page answers as fast as the others
    app = FastAPI(title="flywheel browse", docs_url=None, redoc_url=None, openapi_url=None)
    templates = Jinja2Templates(directory=str(TEMPLATES))
    templates.env.globals.update(image_src=image_src, quote=lambda s: quote(str(s), safe=""), root=str(root))

    def page(request: Request, name: str, status_code: int = 200, **context) -> HTMLResponse:
        return templates.TemplateResponse(request, name, context, status_code=status_code)

    @app.exception_handler(q.NotFound)
    def not_found(request: Request, err: q.NotFound):
        return page(request, "error.html", 404, title="Not found", message=str(err))

    @app.exception_handler(BadRequest)
    def bad_request(request: Request, err: BadRequest):
        return page(request, "error.html", 400, title="Bad request", message=str(err))

    @app.exception_handler(duckdb.Error)
    @app.exception_handler(LakeError)
    def lake_error(request: Request, err: Exception):
        return page(request, "error.html", 500, title="The lake cannot answer", message=str(err))

    @app.get("/healthz", response_class=PlainTextResponse)
    def healthz() -> str:
        catalog.cursor().close()
        return "ok"

    @app.get("/", response_class=HTMLResponse)
    def samples(request: Request):
        try:
            f = q.SampleFilters(status=_text(request, "status") or "accepted", round=_int(request, "round"),
                                domain=_text(request, "domain"), family=_text(request, "family"),
                                difficulty=_int(request, "difficulty"), creator=_text(request, "creator"),
                                expansion=_text(request, "expansion"), node=_text(request, "node"),
                                q=_text(request, "q"))
        except ValueError as err:
            raise BadRequest(str(err)) from None
        cur = catalog.cursor(*(["rejected_drafts"] if f.status == "rejected" else []))
        result = q.sample_list(cur, f, **_paging(request, q.SAMPLE_KEY))
        return page(request, "samples.html", f=f, page=result, links=_links(request, result),
                    options=catalog.options, statuses=q.STATUSES)

    @app.get("/sample/{sample_id:path}", response_class=HTMLResponse)
    def sample(request: Request, sample_id: str):
        return page(request, "sample.html", s=q.sample_detail(catalog.cursor(), sample_id))

    @app.get("/benchmark", response_class=HTMLResponse)
    def benchmark(request: Request):
        task_type, domain = _text(request, "task_type"), _text(request, "domain")
        result = q.benchmark_list(catalog.cursor(), task_type, domain, **_paging(request, q.BENCH_KEY))
        return page(request, "benchmark.html", page=result, links=_links(request, result),
                    task_type=task_type, domain=domain)

    @app.get("/benchmark/{item_id:path}", response_class=HTMLResponse)
    def benchmark_item(request: Request, item_id: str):
        return page(request, "benchmark_item.html", item=q.benchmark_item(catalog.cursor(), item_id))

    @app.get("/evals", response_class=HTMLResponse)
    def evals(request: Request):
        correct = {"yes": True, "no": False, None: None}.get(_text(request, "correct"))
        cur = catalog.cursor()
        run_id, bench = _text(request, "run_id"), _text(request, "benchmark")
        result = q.eval_list(cur, run_id, bench, correct, **_paging(request, q.EVAL_KEY))
        return page(request, "evals.html", runs=q.eval_runs(cur), page=result, links=_links(request, result),
                    run_id=run_id, benchmark=bench, correct=_text(request, "correct"))

    @app.get("/eval/{run_id}/{benchmark}/{task}/{item_id:path}", response_class=HTMLResponse)
    def eval_item(request: Request, run_id: str, benchmark: str, task: str, item_id: str):
        return page(request, "eval_item.html", r=q.eval_item(catalog.cursor(), run_id, benchmark, task, item_id))

    @app.get("/image/{image_id}")
    def image(request: Request, image_id: str):
        png = image_png(catalog.cursor(), image_id, _int(request, "r"), _text(request, "d"))
        if png is None:
            return PlainTextResponse(f"no image {image_id}", status_code=404)
        return Response(png, media_type="image/png", headers=IMMUTABLE)

    return app
