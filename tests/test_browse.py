"""`flywheel browse` as a user sees it: the real command serving a real lake, driven in headless
Chromium (Playwright with the system Chromium; skipped where either is missing).

The lake: two flywheel partitions through the real Dagster job (3 plans of plane_geometry with
expansions, 1 plan of statistics_charts). In the first, before rendering, one created draft gets
render code that raises (the repairer relayouts it), one a wrong answer on a variant the repairer
cannot recreate (rejected), and one a copy under a new id (rejected as an exact duplicate). While
the browser runs, the project benchmark's fixture items are evaluated by a scripted model through
the real loop and sandbox (tests/eval_fixtures.py) into the same lake.
Screenshots go to /tmp/browse_*.png."""

from __future__ import annotations

import html
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import duckdb
import pytest

from warehouse.browse.paging import keyset_page

REPO = Path(__file__).resolve().parent.parent
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
DOMAIN = "plane_geometry"
OTHER_DOMAIN = "statistics_charts"  # one plan: something for the domain filter to leave out
SHOTS = Path("/tmp")

needs_browser = pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (apt-get install chromium)")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _restore_signals() -> None:
    # background shells start children with SIGINT/SIGTERM ignored; the server must obey them
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def _flywheel_partition(root: Path) -> dict[str, str]:
    """The partition, with the three planted drafts; returns their ids by role."""
    import dagster as dg

    from assets_defs.definitions import defs
    from assets_defs.partitions import partition_key
    from warehouse.storage import Lake

    job = defs.resolve_job_def("flywheel")
    first = [dg.AssetKey(k) for k in ("knowledge_nodes", "knowledge_edges", "plans", "drafts")]
    rest = [k for k in job.asset_layer.executable_asset_keys if k not in first]
    key = partition_key(1, DOMAIN)
    with dg.instance_for_test() as instance:
        instance.add_dynamic_partitions("round", ["1"])
        job.execute_in_process(instance=instance, partition_key=key, asset_selection=first, run_config={
            "ops": {"plans": {"config": {"plans_per_domain": 3, "seed": 7}}}})
        lake = Lake(root)
        created = sorted(lake.rows("drafts", 1, DOMAIN, producer="create"), key=lambda d: d["sample_id"])
        broken, copied, wrong = created[0], created[1], created[2]
        broken["render_code"] = "raise RuntimeError('layout exploded')"
        wrong.update(variant="planted", answer="12345")  # not a base draft: the repairer gives up
        copy = {**copied, "sample_id": copied["sample_id"] + ".copy"}
        lake.write("drafts", [broken, copied, wrong, copy], round=1, domain=DOMAIN, producer="create")
        result = job.execute_in_process(instance=instance, partition_key=key, asset_selection=rest,
                                        raise_on_error=False, run_config={
                                            "ops": {"expansions": {"config": {"fraction": 1.0, "max_depth": 1}}}})
        assert result.success, [e.message for e in result.all_events if e.is_failure]
        meta = result.asset_materializations_for_node("samples")[0].metadata
        upto_samples = [dg.AssetKey(k) for k in ("knowledge_nodes", "knowledge_edges", "plans", "drafts", "renders",
                                                 "verdicts", "repairs", "expansions", "samples")]
        other = job.execute_in_process(instance=instance, partition_key=partition_key(1, OTHER_DOMAIN),
                                       asset_selection=upto_samples, raise_on_error=False, run_config={"ops": {
                                           "plans": {"config": {"plans_per_domain": 1, "seed": 7}},
                                           "expansions": {"config": {"fraction": 0.0}}}})
        assert other.success, [e.message for e in other.all_events if e.is_failure]
    return {"repaired": broken["sample_id"], "kept": copied["sample_id"], "rejected": wrong["sample_id"],
            "duplicate": copy["sample_id"], "browse_link": meta["browse"].value, "preview": meta["preview"].value}


def _evaluations(root: Path) -> None:
    """Runs 'good' and 'wrong' of a scripted model over the project benchmark's fixture items."""
    from pipelines.llm import ChatClient
    from pipelines.sandbox import Limits, Sandbox
    from tests.chat_server import MODEL, FakeServer
    from tests.eval_fixtures import scripted, write_project_benchmark
    from train.eval.backends import OpenAIBackend
    from train.eval.run import evaluate, write_run
    from warehouse.storage import Lake

    lake = Lake(root)
    with Sandbox(workers=1, limits=Limits(timeout_s=5)) as sandbox:
        scripts = write_project_benchmark(lake, sandbox)
        for run_id, which in (("good", 0), ("wrong", 1)):
            server = FakeServer()
            server.default = scripted(scripts, which)
            try:
                backend = OpenAIBackend(ChatClient(server.url, MODEL, max_retries=0, timeout_s=30))
                run = evaluate(lake, ["project"], backend, sandbox, run_id, max_new_tokens=256, progress=False)
            finally:
                server.close()
            write_run(lake, run, run_id)


@pytest.fixture(scope="module")
def lake(tmp_path_factory):
    root = tmp_path_factory.mktemp("browse") / "lake"
    mp = pytest.MonkeyPatch()
    mp.setenv("FLYWHEEL_DATA_ROOT", str(root))
    try:
        ids = _flywheel_partition(root)
    finally:
        mp.undo()
    return root, ids


@pytest.fixture(scope="module")
def evaluated(lake, server):
    """The evaluation runs, written while the browser already serves the lake: its next page
    sees the new commits."""
    root, _ = lake
    _evaluations(root)
    return root


@pytest.fixture(scope="module")
def server(lake):
    """`flywheel browse --root LAKE --port P` as a subprocess, stopped by its pid."""
    root, _ = lake
    port = _free_port()
    log = open(root.parent / "browse.log", "w+")
    proc = subprocess.Popen([str(Path(sys.executable).parent / "flywheel"), "browse", "--root", str(root),
                             "--port", str(port)], cwd=REPO, stdout=log, stderr=subprocess.STDOUT,
                            preexec_fn=_restore_signals)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 60
        while True:
            assert proc.poll() is None, (root.parent / "browse.log").read_text()
            assert time.time() < deadline, (root.parent / "browse.log").read_text()
            try:
                with urllib.request.urlopen(base + "/healthz", timeout=5) as resp:
                    if resp.status == 200:
                        break
            except OSError:
                time.sleep(0.2)
        yield base, port
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


@pytest.fixture(scope="module")
def page(server):
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install playwright)")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        pg = browser.new_page(viewport={"width": 1400, "height": 1000})
        errors: list[str] = []
        pg.on("pageerror", lambda e: errors.append(str(e)))
        yield pg
        browser.close()
        assert not errors, errors


def _all_images_loaded(pg, selector: str) -> list[int]:
    """naturalWidth of every image matching ``selector``, once all of them finished loading (each
    scrolled into view first: list thumbnails load lazily)."""
    images = pg.locator(selector)
    for i in range(images.count()):
        images.nth(i).scroll_into_view_if_needed()
    pg.wait_for_function(f"() => [...document.querySelectorAll({selector!r})].every(i => i.complete)")
    return pg.eval_on_selector_all(selector, "els => els.map(e => e.naturalWidth)")


def _sql(root: Path, query: str, params: list | None = None) -> list[tuple]:
    from warehouse.catalog import connect

    return connect(root).execute(query, params or []).fetchall()


@needs_browser
def test_filtering_a_domain_lists_that_domain_only(lake, server, page):
    root, _ = lake
    base, _ = server
    page.goto(base + "/")
    page.select_option("select[name=domain]", DOMAIN)
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url("**domain=plane_geometry**")
    shown = page.locator("#list tr.row .domain").all_inner_texts()
    expected, everything = _sql(root, "SELECT count(*) FILTER (domain = ?), count(*) FROM samples", [DOMAIN])[0]
    assert len(shown) == expected > 0 and set(shown) == {DOMAIN} and everything > expected
    assert all(w > 0 for w in _all_images_loaded(page, "#list img"))
    page.screenshot(path=str(SHOTS / "browse_list.png"), full_page=True)
    kind, count = _sql(root, "SELECT expansion, count(*) FROM samples WHERE domain = ? AND expansion != 'none' "
                             "GROUP BY 1 ORDER BY 1 LIMIT 1", [DOMAIN])[0]
    page.select_option("select[name=expansion]", kind)  # filters combine
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url(f"**expansion={kind}**")
    assert page.locator("#list tr.row").count() == count


@needs_browser
def test_next_and_previous_walk_every_sample_in_key_order(lake, server, page):
    root, _ = lake
    base, _ = server
    expected = [r[0] for r in _sql(root, "SELECT sample_id FROM samples ORDER BY round, sample_id")]
    page.goto(base + "/?rows=2")
    seen, pages = [], 0
    while True:
        seen += page.locator("#list tr.row td:nth-child(2) a").all_inner_texts()
        pages += 1
        following = page.locator("a[rel=next]").first
        if not following.count():
            break
        following.click()
    chunks = [expected[i:i + 2] for i in range(0, len(expected), 2)]
    assert seen == expected and pages == len(chunks) >= 2
    page.locator("a[rel=prev]").first.click()
    assert page.locator("#list tr.row td:nth-child(2) a").all_inner_texts() == chunks[-2]


@needs_browser
def test_a_sample_shows_every_interaction_step_with_its_image(lake, server, page):
    root, ids = lake
    base, _ = server
    sid, steps = _sql(root, "SELECT sample_id, len(interactions) FROM samples ORDER BY 2 DESC, 1 LIMIT 1")[0]
    page.goto(base + "/")
    page.get_by_role("link", name=sid, exact=True).click()
    page.wait_for_url(f"**/sample/{sid}")
    assert page.locator("#status").inner_text() == "accepted"
    assert page.locator("#steps .step").count() == steps >= 1
    widths = _all_images_loaded(page, "#steps .step img")
    assert len(widths) == steps and all(w > 0 for w in widths), widths
    question = _sql(root, "SELECT question FROM samples WHERE sample_id = ?", [sid])[0][0]
    assert page.locator("#question").inner_text().endswith(question)
    assert page.locator("table").filter(has_text="dimension").first.is_visible()  # verdicts per dimension
    tasks = _sql(root, "SELECT count(*) FROM perception_tasks WHERE source = 'sample' AND source_id = ?", [sid])
    assert page.locator(".perception svg circle").count() >= 2 * tasks[0][0] > 0  # true points drawn
    page.screenshot(path=str(SHOTS / "browse_sample.png"), full_page=True)
    # the repaired sample: both attempts, the relayout and the error that caused it
    page.goto(f"{base}/sample/{ids['repaired']}")
    assert page.locator(".attempt").count() == 2
    assert "relayout" in page.locator(".attempt").nth(1).inner_text()
    assert "layout exploded" in page.locator(".attempt").nth(0).inner_text()
    # expansion parent and children link each other
    child = _sql(root, "SELECT sample_id, parent_id FROM drafts WHERE parent_id IS NOT NULL ORDER BY 1 LIMIT 1")[0]
    page.goto(f"{base}/sample/{child[1]}")
    page.locator("a.child", has_text=child[0]).click()
    assert page.locator("#parent").inner_text() == child[1]


@needs_browser
def test_rejected_drafts_show_why(lake, server, page):
    root, ids = lake
    base, _ = server
    page.goto(base + "/")
    page.get_by_role("link", name="Rejected drafts").click()
    listed = page.locator("#list tr.row")
    texts = "\n".join(listed.all_inner_texts())
    assert ids["rejected"] in texts and ids["duplicate"] in texts
    assert f"exact duplicate of {ids['kept']}" in texts
    page.screenshot(path=str(SHOTS / "browse_rejected_list.png"), full_page=True)
    page.get_by_role("link", name=ids["rejected"], exact=True).click()
    assert page.locator("#status").inner_text() == "rejected"
    assert "answer" in page.locator("#why").inner_text() and "12345" in page.locator("#why").inner_text()
    assert page.locator(".badge.fail").count() >= 1
    assert "gave up" in page.content()
    assert all(w > 0 for w in _all_images_loaded(page, "img"))
    page.screenshot(path=str(SHOTS / "browse_rejected.png"), full_page=True)
    page.goto(f"{base}/sample/{ids['kept']}")
    assert page.locator("table").filter(has_text="removed sample").get_by_text(ids["duplicate"]).count() == 1


@needs_browser
def test_an_evaluated_item_shows_the_models_turns_their_images_and_the_score(evaluated, server, page):
    root = evaluated
    base, _ = server
    page.goto(base + "/evals")
    assert page.locator("tr.run").count() == 2  # good and wrong, on the project benchmark
    page.goto(base + "/evals?run_id=wrong")
    page.get_by_role("link", name="pp", exact=True).click()  # perception: the model marks points
    assert page.locator("#score").inner_text() == "score 0.00"
    turns = _sql(root, "SELECT count(*), count(output_image_id) FROM eval_turns WHERE run_id = 'wrong' "
                       "AND item_id = 'pp'")[0]
    assert page.locator("#turns .turn").count() == turns[0] and turns[1] >= 1
    widths = _all_images_loaded(page, "img")
    assert len(widths) >= 1 + turns[1] and all(w > 0 for w in widths)
    assert page.locator("svg circle").count() >= 4  # the true A and B drawn over the produced image
    page.screenshot(path=str(SHOTS / "browse_eval.png"), full_page=True)
    page.goto(base + "/evals?run_id=good")
    page.get_by_role("link", name="pp", exact=True).click()
    assert page.locator("#score").inner_text() == "score 1.00"


@needs_browser
def test_a_benchmark_item_links_its_sample_and_its_evaluations(evaluated, server, page):
    base, _ = server
    page.goto(base + "/benchmark")
    page.get_by_role("link", name="pi", exact=True).click()
    assert all(w > 0 for w in _all_images_loaded(page, "img"))  # input and the reference edit's output
    assert page.locator("table").filter(has_text="checkpoint").locator("tr").count() == 3  # header + 2 runs
    page.screenshot(path=str(SHOTS / "browse_benchmark.png"), full_page=True)


def test_dagster_metadata_links_to_the_browser(lake, server):
    """The samples asset links its partition's list and, in its preview, each sample's page; the
    links work against a running browser (at the test's port instead of the default one)."""
    import re

    from warehouse.browse import default_port

    _, ids = lake
    base, _ = server
    default = f"http://127.0.0.1:{default_port()}"
    assert ids["browse_link"] == f"{default}/?round=1&domain={DOMAIN}"
    linked = re.findall(re.escape(f"({default}") + r"(/sample/[^)]+)\)", ids["preview"])
    assert linked and all(path.startswith("/sample/r1.") for path in linked)
    for path in [ids["browse_link"].removeprefix(default), *linked]:
        with urllib.request.urlopen(base + path, timeout=10) as resp:
            assert resp.status == 200


def test_a_taken_port_is_refused_and_a_missing_sample_is_a_404(lake, server):
    root, _ = lake
    base, port = server
    out = subprocess.run([str(Path(sys.executable).parent / "flywheel"), "browse", "--root", str(root), "--port",
                          str(port)], capture_output=True, text=True, timeout=60)
    assert out.returncode == 2 and f"port {port} on 127.0.0.1 is taken" in out.stderr
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(base + "/sample/no.such.id", timeout=10)
    assert err.value.code == 404 and "no sample or draft with id 'no.such.id'" in html.unescape(err.value.read().decode())
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(base + "/?after=oops", timeout=10)
    assert err.value.code == 400


def test_keyset_pages_walk_the_order_forward_and_back_without_gaps():
    con = duckdb.connect()
    con.execute("CREATE TABLE t AS SELECT (i % 4)::INT AS round, 'id' || lpad((i * 7919 % 1000)::VARCHAR, 4, '0') "
                "AS sample_id FROM range(1000) r(i)")
    expected = con.execute("SELECT round, sample_id FROM t ORDER BY 1, 2").fetchall()
    source, key = "SELECT round, sample_id FROM t", ("round", "sample_id")
    pages = [keyset_page(con, source, [], key, rows=64)]
    while pages[-1].has_next:
        pages.append(keyset_page(con, source, [], key, after=[pages[-1].rows[-1][k] for k in key], rows=64))
    assert [(r["round"], r["sample_id"]) for p in pages for r in p.rows] == expected
    assert len(pages) == 16 and not pages[0].has_prev and all(p.total == 1000 for p in pages)
    back = keyset_page(con, source, [], key, before=[pages[5].rows[0][k] for k in key], rows=64)
    assert back.rows == pages[4].rows and back.has_prev and back.has_next
    last = keyset_page(con, source, [], key, last=True, rows=64)
    assert [(r["round"], r["sample_id"]) for r in last.rows] == expected[-64:] and not last.has_next
