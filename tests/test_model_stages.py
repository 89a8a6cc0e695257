"""Model-backed creator, judge and repairer against real local chat-completions servers.

A scripted server (tests/chat_server.py) replays replies the tests write: a valid draft, malformed
JSON, code that crashes, a 429 then success, a timeout. The real client, parser, sandbox render,
rule checker and judge run on them; the cache is checked by counting requests across two runs."""

from __future__ import annotations

import copy
import json

import pytest

from knowledge import load_taxonomy
from pipelines.check import FIGURE, ImageCache
from pipelines.creators import FAMILIES
from pipelines.llm import ChatClient
from pipelines.llm.creator import create_with_model, knowledge_context
from pipelines.llm.drafts import DraftError, draft_json, extract_json, parse_draft
from pipelines.llm.judge import extract_answer, judge_all, rules_then_judge
from pipelines.llm.prompting import load_prompt
from pipelines.llm.repairer import repair_with_model
from pipelines.render import render_drafts
from tests.chat_server import MODEL, FakeServer, Reply, ok_body

NODE = "plane_geometry.right_triangles.pythagoras"
RENDER = """fig = plt.figure(figsize=(6, 4.5), dpi=100)
ax = fig.add_axes([0.05, 0.05, 0.9, 0.9])
ax.set_xlim(-1, 6)
ax.set_ylim(-1, 4.5)
ax.axis('off')
ax.plot([0, 4, 0, 0], [0, 0, 3, 0], color='black', lw=2)
ax.plot([0, 4, 0], [0, 0, 3], 'o', color='black', ms=5)
ax.text(-0.4, -0.4, 'C', fontsize=14)
ax.text(4.2, -0.4, 'B', fontsize=14)
ax.text(-0.4, 3.2, 'A', fontsize=14)
"""
GOOD = {
    "render_code": RENDER,
    "elements": [{"name": "A", "x": 0, "y": 3, "role": "top vertex"}, {"name": "B", "x": 4, "y": 0},
                 {"name": "C", "x": 0, "y": 0, "role": "right-angle vertex"}],
    "question": "In the right triangle ABC the right angle is at C, AC = 3 and BC = 4. How long is AB?",
    "answer_type": "number", "answer": "5", "choices": [],
    "solution": "Highlight the hypotenuse AB; by Pythagoras AB = sqrt(9 + 16) = 5.",
    "interactions": [{"kind": "highlight", "instruction": "Highlight the hypotenuse AB.", "elements": ["A", "B"],
                      "code": "ax.plot([P['A'][0], P['B'][0]], [P['A'][1], P['B'][1]], color='red', lw=4)"}],
}
JUDGE_OK = {"text": {"score": 9, "reason": "well posed"}, "visual": {"score": 9, "reason": "clean"},
            "action": {"score": 9, "reason": "the highlight is the hypotenuse"}}


def reply(obj, fenced: bool = True) -> Reply:
    text = json.dumps(obj)
    return Reply(body=ok_body("Here it is:\n```json\n" + text + "\n```" if fenced else text, 120, 80))


def crashing() -> dict:
    bad = copy.deepcopy(GOOD)
    bad["render_code"] = RENDER + "ax.plot(undefined_name)\n"
    return bad


def kind_of(body: dict) -> str:
    """Which stage sent a request (from its prompt text)."""
    content = body["messages"][0]["content"]
    text = content if isinstance(content, str) else " ".join(p.get("text", "") for p in content)
    for key, kind in (("Knowledge points to exercise", "create"), ("skeptical auditor", "judge"),
                      ("Solve the problem", "solve"), ("You repair", "repair")):
        if key in text:
            return kind
    raise AssertionError(f"unknown request: {text[:80]}")


def plans(n: int, round: int = 1) -> list[dict]:
    return [{"plan_id": f"r{round}.plane_geometry.{i:04d}", "node_ids": [NODE], "creator": f"model:{MODEL}",
             "seed": 100 + i, "target_difficulty": 1 + i % 3, "round": round, "domain": "plane_geometry"}
            for i in range(n)]


@pytest.fixture
def server():
    srv = FakeServer()
    yield srv
    srv.close()


@pytest.fixture(scope="module")
def sandbox():
    from pipelines.sandbox import Sandbox

    with Sandbox(workers=1) as sb:
        yield sb


@pytest.fixture(scope="module")
def graph():
    return load_taxonomy()


def client_for(srv: FakeServer, **kw) -> ChatClient:
    kw.setdefault("timeout_s", 1.0)
    kw.setdefault("max_retries", 1)
    kw.setdefault("concurrency", 1)  # scripted replies are consumed in request order
    return ChatClient(srv.url, MODEL, **kw)


# ------------------------------------------------------------------------------------ prompts and parsing


def test_prompts_are_versioned_files_with_stable_hashes():
    p = load_prompt("creator")
    assert p.id == "creator.v1" and len(p.hash) == 16 and p.hash == load_prompt("creator", 1).hash
    with pytest.raises(KeyError, match="knowledge"):
        p.fill(domain="x", difficulty=1, example="")
    with pytest.raises(FileNotFoundError, match="creator.v9"):
        load_prompt("creator", 9)


def test_knowledge_context_names_points_and_prerequisites(graph):
    text = knowledge_context(graph, [NODE])
    node = graph.nodes[NODE]
    assert node.name in text and node.description in text
    for pre in graph.prerequisites(NODE):
        assert graph.nodes[pre].name in text


def test_parse_accepts_fenced_and_bare_json_and_prefixes_the_interaction_header():
    for fenced in (True, False):
        text = reply(GOOD, fenced).body["choices"][0]["message"]["content"]
        d = parse_draft(text, domain="plane_geometry", node_ids=(NODE,), seed=1, difficulty=2)
        assert d.family == "model" and d.answer == "5" and d.points()["B"] == (4.0, 0.0)
        assert d.interactions[0].code.startswith("img = plt.imread(image_path)")
        assert d.element("C").role == "right-angle vertex"
    # the repairer is shown the same shape back, and it parses to the same draft
    again = parse_draft(draft_json(d), domain="plane_geometry", node_ids=(NODE,), seed=1, difficulty=2)
    assert again == d


@pytest.mark.parametrize(("mutate", "field"), [
    (lambda o: o.pop("question"), "question"),
    (lambda o: o.update(answer="five"), "answer"),
    (lambda o: o.update(answer_type="text"), "answer_type"),
    (lambda o: o.update(answer_type="choice", answer="E", choices=["1", "2", "3", "4"]), "answer"),
    (lambda o: o.update(render_code="import os\nax = 1"), "render_code"),
    (lambda o: o.update(render_code="ax = (("), "render_code"),
    (lambda o: o["elements"].append({"name": "A", "x": 1, "y": 1}), "elements[3].name"),
    (lambda o: o["elements"][0].update(x="left"), "elements[0].x"),
    (lambda o: o["interactions"][0].update(elements=["Z"]), "interactions[0].elements"),
    (lambda o: o["interactions"][0].update(kind="teleport"), "interactions[0].kind"),
    (lambda o: o.update(interactions=[]), "interactions"),
])
def test_malformed_fields_are_named(mutate, field):
    obj = copy.deepcopy(GOOD)
    mutate(obj)
    with pytest.raises(DraftError) as err:
        parse_draft(json.dumps(obj), domain="plane_geometry", node_ids=(NODE,), seed=1, difficulty=1)
    assert err.value.field == field, str(err.value)


def test_no_json_at_all_is_a_draft_error():
    with pytest.raises(DraftError, match="no JSON object"):
        extract_json("I cannot help with that.")
    assert extract_answer("think... <answer> 5 </answer>") == "5" and extract_answer("5") is None


# ------------------------------------------------------------------------------------ creator


def test_creator_turns_every_failure_into_a_rejected_row(server, graph):
    server.script(
        reply(GOOD),                                    # happy path
        Reply(body=ok_body("{'render_code': oops")),    # malformed JSON
        reply(crashing()),                              # parses; fails later at render
        Reply(status=429, body={"error": "slow down"}, headers={"Retry-After": "0"}), reply(GOOD),
        Reply(delay=1.5), Reply(delay=1.5),             # times out, retried once, times out again
    )
    out = create_with_model(plans(5), graph, client_for(server))
    assert [r["sample_id"] for r in out.drafts] == ["r1.plane_geometry.0000", "r1.plane_geometry.0002",
                                                    "r1.plane_geometry.0003"]
    reasons = {r["sample_id"]: r["reason"] for r in out.rejections}
    assert reasons["r1.plane_geometry.0001"].startswith("malformed reply: reply: no JSON object")
    assert "timeout" in reasons["r1.plane_geometry.0004"]
    for row in out.drafts:
        assert row["creator"] == f"model:{MODEL}" and row["family"] == "model"
        assert row["tokens"] == 200 and row["provenance"]["prompt_hash"] == load_prompt("creator").hash
    assert server.count == 7


def test_rules_then_judge_never_sends_a_failed_draft(server, graph, sandbox):
    server.script(reply(GOOD), reply(crashing()))
    created = create_with_model(plans(2), graph, client_for(server))
    rendered = render_drafts(created.drafts, sandbox)
    assert [r["status"] for r in rendered.renders] == ["ok", "error"]
    server.default = lambda body: reply(JUDGE_OK) if kind_of(body) == "judge" else Reply(body=ok_body("<answer>5</answer>"))
    before = server.count
    verdicts = rules_then_judge(created.drafts, rendered.renders, ImageCache(rendered.images), FAMILIES,
                                client_for(server))
    assert server.count - before == 3  # judge + solver + text-only solver for the good draft only
    judged = [v for v in server.bodies[before:] if kind_of(v) == "judge"]
    assert len(judged[0]["messages"][0]["content"]) == 3  # text + figure + one interaction image
    blind = server.bodies[before:][-1]["messages"][0]["content"]
    assert isinstance(blind, str) and "no figure is available" in blind  # the text-only solve sees no image
    model_rows = [v for v in verdicts if v["checker"] == f"model:{MODEL}"]
    assert {v["sample_id"] for v in model_rows} == {"r1.plane_geometry.0000"}
    gating = [v for v in model_rows if v["dimension"] != FIGURE]
    assert all(v["passed"] for v in gating) and len(gating) == 4
    # the text-only solve reached the reference: the question does not need its figure
    (figure,) = [v for v in model_rows if v["dimension"] == FIGURE]
    assert not figure["passed"] and "text-only solve gave '5'" in figure["reason"]
    assert not all(v["passed"] for v in verdicts if v["sample_id"] == "r1.plane_geometry.0001")


def test_judge_scores_below_threshold_and_wrong_solves_fail(server, graph, sandbox):
    server.script(reply(GOOD))
    created = create_with_model(plans(1), graph, client_for(server))
    rendered = render_drafts(created.drafts, sandbox)
    low = copy.deepcopy(JUDGE_OK)
    low["action"] = {"score": 3, "reason": "the highlight is not used"}
    server.script(reply(low), Reply(body=ok_body("I think it is <answer>7</answer>")),
                  Reply(body=ok_body("<answer>unknown</answer>")))
    rows = judge_all(created.drafts, rendered.renders, ImageCache(rendered.images).png, client_for(server))
    by_dim = {v["dimension"]: v for v in rows}
    assert by_dim["text"]["passed"] and not by_dim["action"]["passed"] and "3/10" in by_dim["action"]["reason"]
    assert not by_dim["answer"]["passed"] and "'7'" in by_dim["answer"]["reason"]
    assert by_dim[FIGURE]["passed"], "the text-only solve could not answer: the figure is needed"
    server.script(Reply(body=ok_body("scores: great")), Reply(body=ok_body("no tags")), Reply(status=400))
    rows = judge_all(created.drafts, rendered.renders, ImageCache(rendered.images).png, client_for(server))
    assert not any(v["passed"] for v in rows)
    assert all("malformed" in v["reason"] for v in rows if v["dimension"] != "answer")
    assert FIGURE not in {v["dimension"] for v in rows}, "a failed text-only request leaves needs_figure unknown"


def test_repairer_gets_the_traceback_and_its_fix_is_rendered_and_checked(server, graph, sandbox):
    server.script(reply(crashing()))
    created = create_with_model(plans(1), graph, client_for(server))
    rendered = render_drafts(created.drafts, sandbox)
    images = ImageCache(rendered.images)
    verdicts = rules_then_judge(created.drafts, rendered.renders, images, FAMILIES, None)
    assert not all(v["passed"] for v in verdicts)

    def answer(body):
        kind = kind_of(body)
        if kind == "repair":
            return reply(GOOD)
        return reply(JUDGE_OK) if kind == "judge" else Reply(body=ok_body("<answer>5</answer>"))

    server.default = answer
    before = server.count
    out, rejected = repair_with_model(created.drafts, rendered.renders, verdicts, images, FAMILIES,
                                      client_for(server), sandbox, max_rounds=2)
    sent = server.bodies[before]
    assert kind_of(sent) == "repair" and "undefined_name" in sent["messages"][0]["content"]
    assert not rejected and [r["attempt"] for r in out.drafts] == [1]
    assert out.drafts[0]["provenance"]["action"] == "repair:model"
    assert out.repairs[0]["action"] == "model" and "visual" in out.repairs[0]["failed"]
    assert all(v["passed"] for v in out.verdicts if v["dimension"] != FIGURE)  # FIGURE never gates
    assert {v["checker"] for v in out.verdicts} == {"rules", f"model:{MODEL}"}


def test_a_rerun_is_served_from_the_cache(server, graph, sandbox, tmp_path):
    def answer(body):
        kind = kind_of(body)
        if kind == "create":  # one distinct draft per plan (the prompt names its difficulty)
            text = body["messages"][0]["content"]
            level = text.split("Difficulty: ")[1][0]
            return reply({**GOOD, "question": GOOD["question"].replace("How long", f"Case {level}: how long")})
        return reply(JUDGE_OK) if kind == "judge" else Reply(body=ok_body("<answer>5</answer>"))

    server.default = answer

    def run():
        client = client_for(server, cache_dir=tmp_path / "cache", concurrency=4)
        created = create_with_model(plans(3), graph, client)
        rendered = render_drafts(created.drafts, sandbox)
        verdicts = rules_then_judge(created.drafts, rendered.renders, ImageCache(rendered.images), FAMILIES, client)
        return created, verdicts, client.usage()

    first, v1, u1 = run()
    sent = server.count
    assert sent == 12 and u1.cache_hits == 0  # per plan: create, judge, solve, text-only solve
    second, v2, u2 = run()
    assert server.count == sent, "the second run must not send a single request"
    def timeless(rows):  # wall time is the only thing a replay may change
        return [{**r, "provenance": {**r["provenance"], "seconds": None}} for r in rows]

    assert u2.cache_hits == 12 and timeless(second.drafts) == timeless(first.drafts) and v2 == v1


# ------------------------------------------------------------------------------------ a real (tiny) model


def build_tiny_causal_lm(path) -> None:
    """A 2-layer Llama with random weights and a byte-level BPE tokenizer trained here (no hub)."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    corpus = [load_prompt(n).text for n in ("creator", "judge", "solver", "repairer")] + [json.dumps(GOOD)]
    tok.train_from_iterator(corpus, trainers.BpeTrainer(vocab_size=400, special_tokens=["<pad>", "<eos>"],
                                                        initial_alphabet=pre_tokenizers.ByteLevel.alphabet()))
    tokenizer = PreTrainedTokenizerFast(tokenizer_object=tok, eos_token="<eos>", pad_token="<pad>")
    cfg = LlamaConfig(vocab_size=len(tokenizer), hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                      num_attention_heads=2, num_key_value_heads=2, max_position_embeddings=4096,
                      eos_token_id=tokenizer.eos_token_id, pad_token_id=tokenizer.pad_token_id)
    LlamaForCausalLM(cfg).save_pretrained(path)
    tokenizer.save_pretrained(path)


@pytest.fixture(scope="module")
def tiny_model_server(tmp_path_factory):
    import os
    import signal
    import subprocess
    import sys

    path = tmp_path_factory.mktemp("tiny-lm")
    build_tiny_causal_lm(path)
    proc = subprocess.Popen([sys.executable, "-m", "pipelines.llm.serve", "--model", str(path), "--name", "tiny",
                             "--port", "0", "--max-new-tokens", "48"], stdout=subprocess.PIPE, text=True, env=dict(os.environ))
    try:
        line = proc.stdout.readline()
        assert line.startswith("serving"), line
        yield line.split(" on ")[1].strip()
    finally:
        os.kill(proc.pid, signal.SIGTERM)
        proc.wait(timeout=10)


def test_garbage_from_a_random_weight_model_is_rejected_with_reasons(tiny_model_server, graph, sandbox):
    from pipelines.llm import resolve_model

    assert resolve_model(tiny_model_server) == "tiny"  # the local server lists its one model
    client = ChatClient(tiny_model_server, "tiny", timeout_s=60, max_retries=0, concurrency=2)
    created = create_with_model(plans(3), graph, client)
    assert created.drafts == [] and len(created.rejections) == 3
    reasons = [r["reason"] for r in created.rejections]
    assert all(r.startswith("malformed reply:") for r in reasons), reasons
    assert all(r["tokens"] > 0 for r in created.rejections)
    # the judge's garbage fails a procedural draft too, and nothing raises
    fam = FAMILIES["right_triangle"]
    import random

    from pipelines.records import Lineage, draft_to_row

    row = draft_to_row(fam.create(random.Random(0), (NODE,), 1), Lineage("s1", "s1", 1))
    rendered = render_drafts([row], sandbox)
    verdicts = rules_then_judge([row], rendered.renders, ImageCache(rendered.images), FAMILIES, client,
                                judge_procedural=True)
    model_rows = [v for v in verdicts if v["checker"] == "model:tiny" and v["dimension"] != FIGURE]
    assert len(model_rows) == 4 and not any(v["passed"] for v in model_rows)
    assert client.usage().http_requests == 6  # 3 creator + judge, solver, text-only solver


# ------------------------------------------------------------------------------------ a whole round in Dagster


def _round(instance, monkeypatch, root, url: str | None, share: float = 1.0):
    from assets_defs.definitions import defs
    from assets_defs.partitions import partition_key

    monkeypatch.setenv("FLYWHEEL_DATA_ROOT", str(root))
    monkeypatch.delenv("FLYWHEEL_LLM_MODEL", raising=False)  # the served model is asked from /v1/models
    if url:
        monkeypatch.setenv("FLYWHEEL_LLM_BASE_URL", url)
    else:
        monkeypatch.delenv("FLYWHEEL_LLM_BASE_URL", raising=False)
    config = {"ops": {"plans": {"config": {"plans_per_domain": 4, "seed": 3}},
                      "expansions": {"config": {"fraction": 1.0, "max_depth": 1, "seed": 3}}},
              "resources": {"llm": {"config": {"creator_share": share, "timeout_s": 2.0, "max_retries": 1,
                                               "concurrency": 1}}}}
    return defs.resolve_job_def("flywheel").execute_in_process(
        instance=instance, partition_key=partition_key(1, "plane_geometry"), run_config=config)


def _metadata(result, asset: str) -> dict:
    mats = [m for m in result.get_asset_materialization_events() if m.asset_key.to_user_string() == asset]
    return {k: v.value for k, v in mats[-1].materialization.metadata.items()}


def test_a_round_runs_model_creation_judging_and_repair_end_to_end(server, tmp_path, monkeypatch):
    import dagster as dg

    from warehouse.catalog import connect

    seen = {"create": 0}

    def answer(body):
        kind = kind_of(body)
        if kind == "create":  # first plan: crashing code (repaired later); second: malformed; rest: good
            seen["create"] += 1
            n = seen["create"]
            return reply(crashing()) if n == 1 else Reply(body=ok_body("nope")) if n == 2 else reply(
                {**GOOD, "question": GOOD["question"].replace("How long", f"Variant {n}: how long")})
        if kind == "repair":
            return reply(GOOD)
        return reply(JUDGE_OK) if kind == "judge" else Reply(body=ok_body("<answer>5</answer>"))

    server.default = answer
    with dg.instance_for_test() as instance:
        instance.add_dynamic_partitions("round", ["1"])
        result = _round(instance, monkeypatch, tmp_path / "lake", server.url)
        assert result.success
        assert _metadata(result, "plans")["model_stages"].startswith(f"on: {MODEL}")
        con = connect(tmp_path / "lake")
        by_creator = dict(con.execute("SELECT creator, count(*) FROM drafts WHERE attempt = 0 GROUP BY 1").fetchall())
        assert by_creator == {f"model:{MODEL}": 3}
        avg_tokens = con.execute("SELECT creator, count(*), avg(tokens) FROM drafts GROUP BY 1").fetchall()
        assert avg_tokens[0][2] == 200
        assert con.execute("SELECT count(*) FROM draft_rejections WHERE reason LIKE 'malformed reply:%'").fetchone()[0] == 1
        checkers = dict(con.execute("SELECT checker, count(*) FROM verdicts GROUP BY 1").fetchall())
        assert checkers[f"model:{MODEL}"] >= 8  # 2 good drafts + the repaired one, 4 dimensions each
        repaired = con.execute("SELECT sample_id, attempt FROM drafts WHERE provenance.action = 'repair:model'").fetchall()
        assert len(repaired) == 1
        # three drafts pass, but they share one figure: de-duplication keeps one per duplicate cluster
        accepted, creator = con.execute("SELECT count(*), min(creator) FROM samples").fetchone()
        duplicates = con.execute("SELECT count(*) FROM duplicates").fetchone()[0]
        assert creator == f"model:{MODEL}" and accepted >= 1 and duplicates >= 1 and accepted + duplicates == 3
        stats = {r["creator"]: r for r in _metadata(result, "samples")["by_creator"]}
        assert stats[f"model:{MODEL}"]["accepted"] == accepted and stats[f"model:{MODEL}"]["rejected_replies"] == 1


@pytest.mark.parametrize("model,served,expected", [
    ("", [], "serves 0 models"), ("other", [MODEL], "does not serve model 'other'"), ("", None, "is unreachable")])
def test_a_bad_endpoint_is_one_line_and_exit_2_before_any_run(tmp_path, monkeypatch, capsys, model, served, expected):
    from assets_defs.cli import main

    srv = FakeServer()
    if served is None:
        srv.close()  # nothing listens there
    else:
        srv.models = served
    monkeypatch.setenv("FLYWHEEL_LLM_BASE_URL", srv.url)
    monkeypatch.setenv("FLYWHEEL_LLM_MODEL", model)
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("FLYWHEEL_DATA_ROOT", str(tmp_path / "lake"))
    try:
        code = main(["run", "--plans", "1", "--domains", "plane_geometry"])
    finally:
        srv.close()
    err = capsys.readouterr().err.strip()
    assert code == 2 and expected in err and srv.url in err and "\n" not in err
    assert srv.count == 0 and not (tmp_path / "lake").exists() and not (tmp_path / "home").exists()


def test_without_an_endpoint_the_round_is_procedural_and_says_so(tmp_path, monkeypatch):
    import dagster as dg

    from warehouse.catalog import connect

    with dg.instance_for_test() as instance:
        instance.add_dynamic_partitions("round", ["1"])
        result = _round(instance, monkeypatch, tmp_path / "lake", None)
        assert result.success
        assert _metadata(result, "plans")["model_stages"].startswith("off")
        creators = {c for (c,) in connect(tmp_path / "lake").execute("SELECT DISTINCT creator FROM drafts").fetchall()}
        assert creators and all(c.startswith("procedural:") for c in creators)
