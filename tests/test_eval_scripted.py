"""The interactive loop against a scripted model: a real local HTTP server speaking the chat-completions
protocol (tests/chat_server.py) replays turns the tests wrote, through the real ChatClient, the real
sandbox, the real lake and catalog. Benchmarks come from fixture files in their published shapes,
loaded by warehouse/sources."""

from __future__ import annotations

import json

import pytest

from pipelines.llm import ChatClient, EndpointError
from pipelines.sandbox import Limits, Sandbox
from tests.chat_server import MODEL, FakeServer, Reply, ok_body
from tests.eval_fixtures import (HEADER, answer_turn, code_turn, figure_png, load_all, scripted,
                                 write_downloads, write_project_benchmark)
from train.eval.backends import OpenAIBackend, build_backend
from train.eval.benchmarks import BenchmarkMissing, load_items, unavailable_tasks
from train.eval.loop import run_items
from train.eval.report import comparison_png, failures_markdown, report_inputs
from train.eval.run import evaluate, write_run
from train.eval.scoring import score, summarize, visulogic_letter, wemath_four_dimensions, wemath_steps
from train.eval.types import EvalItem
from warehouse.catalog import connect
from warehouse.storage import Lake


@pytest.fixture(scope="module")
def sandbox():
    with Sandbox(workers=1, limits=Limits(timeout_s=2)) as sb:
        yield sb


@pytest.fixture
def server():
    srv = FakeServer()
    yield srv
    srv.close()


def backend(server) -> OpenAIBackend:
    return OpenAIBackend(ChatClient(server.url, MODEL, max_retries=0, timeout_s=30))


def item(max_turns=5, reference="42") -> EvalItem:
    return EvalItem("vtbench", "reasoning", "x", "[x] What is k + 1?", figure_png(), reference, max_turns=max_turns)


def _texts(message) -> str:
    content = message["content"]
    return content if isinstance(content, str) else " ".join(p.get("text", "") for p in content)


def test_turns_run_in_the_sandbox_errors_are_fed_back_and_state_carries(server, sandbox):
    server.script(
        Reply(body=ok_body(code_turn(HEADER + "k = 41\nax.plot([10], [10], 'ro')\n"))),            # ``` fence
        Reply(body=ok_body(code_turn("print(k + 1)\nplt.imshow(plt.imread(image_path))\n", "'''"))),  # ''' fence, uses k
        Reply(body=ok_body("<think>crash</think>\n<code>\nundefined_name + 1\n</code>")),           # bare <code>
        Reply(body=ok_body(code_turn("while True:\n    pass\n"))),                                   # loops forever
        Reply(body=ok_body(answer_turn("42"))))
    traj = run_items([item()], backend(server), sandbox, max_new_tokens=64)[0]
    assert [t.status for t in traj.turns] == ["ok", "ok", "error", "timeout", "answer"]
    assert traj.turns[1].stdout.strip() == "42" and traj.turns[1].replayed_blocks == 1  # k survived turn 0
    assert "NameError" in traj.turns[2].error
    assert traj.turns[3].seconds < 30  # the sandbox's 2 s limit stopped the loop
    assert (traj.stop_reason, traj.answer, traj.tool_calls, traj.code_errors) == ("answer", "42", 4, 2)
    assert score(traj).score == 1.0
    bodies = server.bodies
    assert len(bodies) == 5 and bodies[0]["stop"] == ["</code>", "</answer>"]
    # the produced image goes back as an image part; errors go back as text, inside <sandbox_output>
    fed = bodies[1]["messages"][-1]
    assert fed["role"] == "user" and [p["type"] for p in fed["content"]] == ["text", "image_url", "text"]
    assert fed["content"][1]["image_url"]["url"].startswith("data:image/png;base64,")
    assert "NameError" in _texts(bodies[3]["messages"][-1]) and "timeout" in _texts(bodies[4]["messages"][-1])
    assert _texts(bodies[3]["messages"][-1]).startswith("<sandbox_output>")
    # the image the code turn saw is the previous turn's output
    assert traj.turns[1].input_image_id == traj.turns[0].output_image_id


def test_turn_limit_holds_and_text_after_a_stop_string_is_cut(server, sandbox):
    server.default = lambda body: Reply(body=ok_body(code_turn(HEADER) + " then <answer>7</answer>"))
    traj = run_items([item(max_turns=3)], backend(server), sandbox, max_new_tokens=64)[0]
    assert server.count == 3 and len(traj.turns) == 3 and traj.stop_reason == "max_turns"
    assert all(t.text.endswith("</code>") and t.status == "ok" for t in traj.turns)
    assert not traj.has_answer and score(traj).score == 0.0
    # a global override beats the item's own limit
    server.bodies.clear()
    traj = run_items([item(max_turns=3)], backend(server), sandbox, max_new_tokens=64, max_turns=1)[0]
    assert server.count == 1 and len(traj.turns) == 1


def test_missing_answer_tags_and_a_server_stripped_stop_string(server, sandbox):
    # a batch: requests arrive in any order, so replies go by the item's marker
    server.default = scripted({"a": (["The answer is 42."], []), "b": (["<think>t</think> <answer>42"], [])}, 0)
    a, b = (EvalItem("vtbench", "reasoning", k, f"[{k}] What is k + 1?", figure_png(), "42") for k in "ab")
    no_tags, stripped = run_items([a, b], backend(server), sandbox, max_new_tokens=64)
    # no tags: the loop stops, and the free-text answer is scored by the official rules (VLMEvalKit style)
    assert (no_tags.stop_reason, no_tags.has_answer, score(no_tags).score) == ("no_code", False, 1.0)
    assert stripped.turns[0].text.endswith("</answer>") and stripped.answer == "42"  # servers drop the stop string


def test_a_failing_backend_is_recorded_not_raised(server, sandbox):
    server.default = lambda body: Reply(status=400, body={"error": {"message": "bad request"}})
    traj = run_items([item()], backend(server), sandbox, max_new_tokens=64)[0]
    assert traj.stop_reason == "backend_error" and "400" in traj.turns[0].error


@pytest.fixture(scope="module")
def world(tmp_path_factory, sandbox):
    root = tmp_path_factory.mktemp("eval")
    lake = Lake(root / "lake")
    scripts = write_downloads(root / "downloads", sandbox)
    load_all(root / "downloads", lake)
    scripts.update(write_project_benchmark(lake, sandbox))
    return lake, scripts


SPECS = ["vtbench", "project", "mathvision", "wemath", "visulogic", "mathvista"]


def _scores(lake: Lake, run_id: str) -> dict:
    rows = connect(lake.root).execute("SELECT benchmark, task, avg(score), count(*) FROM eval_results "
                                      "WHERE run_id = ? GROUP BY ALL ORDER BY ALL", [run_id]).fetchall()
    return {(b, t): (s, n) for b, t, s, n in rows}


def test_reference_answers_score_one_and_wrong_ones_zero_on_every_benchmark(world, sandbox):
    lake, scripts = world
    judge_srv = FakeServer()
    judge_srv.default = lambda body: Reply(body=ok_body("1\nThe answers agree."))
    runs = {}
    try:
        for run_id, which in (("good", 0), ("wrong", 1)):
            srv = FakeServer()
            srv.default = scripted(scripts, which)
            try:
                judge_client = ChatClient(judge_srv.url, "judge", max_retries=0) if run_id == "good" else None
                run = evaluate(lake, SPECS, backend(srv), sandbox, run_id, max_new_tokens=256, judge_client=judge_client,
                               progress=False)
            finally:
                srv.close()
            write_run(lake, run, run_id)
            runs[run_id] = run
    finally:
        judge_srv.close()
    good, wrong = _scores(lake, "good"), _scores(lake, "wrong")
    expected = {("vtbench", t) for t in ("perception", "instruction", "reasoning")} | {
        ("project", t) for t in ("perception", "instruction_guided", "interactive_reasoning")} | {
        ("mathvision", "testmini"), ("wemath", "testmini"), ("visulogic", "test"), ("mathvista", "testmini")}
    assert set(good) == expected and set(wrong) == expected
    assert {k: s for k, (s, _) in good.items()} == {k: 1.0 for k in expected}, good
    assert {k: s for k, (s, _) in wrong.items()} == {k: 0.0 for k in expected}, wrong
    con = connect(lake.root)
    # the comparison query of the issue
    assert sorted(con.execute("SELECT checkpoint, benchmark, avg(score) FROM eval_results GROUP BY ALL").fetchall())[0][2] \
        in (0.0, 1.0)
    # judge-free and judge-based side by side; the image judge saw [original, generated, ground truth]
    side = con.execute("""SELECT metric, avg(value) FROM eval_summary WHERE run_id = 'good' AND benchmark = 'vtbench'
                          AND task = 'all' AND subset = 'all' GROUP BY 1 ORDER BY 1""").fetchall()
    assert side == [("accuracy", 1.0), ("judge_accuracy", 1.0), ("vtbench_avg", 1.0)]
    assert con.execute("SELECT count(*) FROM eval_results WHERE run_id = 'good' AND judge_score IS NULL").fetchone() == (1,)
    # per domain where the data has one (VisuLogic's tag, MathVision's subject, the project's knowledge domain)
    assert con.execute("""SELECT benchmark, subset FROM eval_summary WHERE run_id = 'good' AND metric = 'accuracy'
                          AND subset != 'all' ORDER BY ALL""").fetchall() == [
        ("mathvision", "category=counting"), ("mathvision", "category=metric geometry"),
        ("mathvista", "category=math-targeted-vqa"), ("project", "category=plane_geometry"),
        ("project", "category=plane_geometry"), ("project", "category=plane_geometry"),
        ("visulogic", "category=Other"), ("visulogic", "category=Spatial"), ("wemath", "category=Area of circles")]
    image_requests = [b for b in judge_srv.bodies if isinstance(b["messages"][0]["content"], list)]
    # VTBench perception x2 and instruction x2, the project's instruction item (its perception item has pixel truth)
    assert len(image_requests) == 5
    assert all(sum(p["type"] == "image_url" for p in b["messages"][0]["content"]) == 3 for b in image_requests)
    # We-Math's four dimensions: all right = complete mastery; all wrong = insufficient knowledge
    wm = dict(con.execute("SELECT run_id || ':' || metric, value FROM eval_summary WHERE benchmark = 'wemath' "
                          "AND metric LIKE 'wemath_%'").fetchall())
    assert (wm["good:wemath_CM_strict"], wm["good:wemath_score_strict"]) == (1.0, 1.0)
    assert (wm["wrong:wemath_IK"], wm["wrong:wemath_score_strict"]) == (1.0, 0.0)
    # every turn and produced image is in the lake; failed items can be shown with their images
    assert con.execute("SELECT count(*) FROM eval_turns WHERE run_id = 'wrong' AND code IS NOT NULL").fetchone()[0] == 6
    assert con.execute("SELECT count(*) FROM eval_results r ANTI JOIN images i ON r.final_image_id = i.image_id "
                       "WHERE r.final_image_id IS NOT NULL").fetchone() == (0,)
    details = json.loads(con.execute("SELECT score_details FROM eval_results WHERE run_id = 'wrong' "
                                     "AND task = 'instruction_guided'").fetchone()[0])
    assert details["iou"] < 0.5
    # no true positions in evaluation: the wrong run's code that reads P['A'] died of a NameError
    (error,) = con.execute("SELECT error FROM eval_turns WHERE run_id = 'wrong' AND item_id = 'pi'").fetchone()
    assert "NameError" in error and "'P'" in error, error
    # the report: both runs in the comparison plot, failed items of the wrong run with their images
    summary, results, images = report_inputs(lake, "wrong")
    assert comparison_png(summary).startswith(b"\x89PNG") and {r["run_id"] for r in summary} == {"good", "wrong"}
    md = failures_markdown(results, images, n=3)
    # markdown images (the UI drops raw <img>), texts shown as written (no HTML entities)
    assert md.count("**") == 6
    assert failures_markdown(results, images, n=len(results)).count("![produced](data:image/png;base64,") >= 1
    assert md.count("![input](data:image/png;base64,") == 3 and "<img" not in md and "&quot;" not in md


def test_a_missing_benchmark_names_its_table_and_loader(tmp_path):
    lake = Lake(tmp_path / "empty")
    for spec, words in (("vtbench", ("source_vtbench", "python -m warehouse.sources vtbench")),
                        ("wemath", ("source_benchmarks", "source_wemath")), ("project", ("'benchmark'",))):
        with pytest.raises(BenchmarkMissing) as err:
            load_items(lake, [spec])
        assert all(w in str(err.value) for w in words), str(err.value)
    with pytest.raises(ValueError, match="unknown benchmark 'mmmu'"):
        load_items(lake, ["mmmu"])


@pytest.mark.parametrize("text, letter", [
    ("so \\boxed{B} and finally \\boxed{C}", "C"), ("<answer>D</answer>", "D"), ("<answer>(D)</answer>", "N"), ("The answer is A.", "A"),
    ("\\boxed{A or B}", "N"), ("<answer>the letter</answer>", "N"), ("nothing here", "N")])
def test_visulogic_letter_extraction(text, letter):
    """The official rule: a boxed / tagged answer longer than 2 characters is discarded, so "(D)" is not D."""
    assert visulogic_letter(text) == letter


def test_wemath_four_dimensions_classify_each_problem():
    def rows(pid, subs, multi):
        return [{"item_id": f"{pid}|{pid[:6]}_{i + 1}", "correct": c} for i, c in enumerate(subs)] + [
            {"item_id": f"{pid}|{pid[:6]}_multi", "correct": multi}]
    m = wemath_four_dimensions(rows("2steps_1", [1, 1], 0) + rows("2steps_2", [1, 0], 1) + rows("3steps_1", [0, 0, 0], 1)
                               + rows("2steps_3", [1, 1], 1) + [{"item_id": "1step_1|1step_1", "correct": 1}])
    assert (m["wemath_IG"], m["wemath_IK"], m["wemath_CM_strict"], m["wemath_RM_strict"]) == (0.25, 0.0, 0.25, 0.5)
    assert (m["wemath_CM_loose"], m["wemath_RM_loose"]) == (0.5, 0.25)
    assert m["wemath_score_strict"] == pytest.approx((4 - 0.5 - 2) / 4)
    # accuracy.py's step accuracies: one-step over every single-step question, two/three-step over the multis
    steps = wemath_steps(rows("2steps_1", [1, 1], 0) + rows("2steps_2", [1, 0], 1) + rows("3steps_1", [0, 0, 0], 1)
                         + rows("2steps_3", [1, 1], 1) + [{"item_id": "1step_1|1step_1", "correct": 1}])
    assert steps == {"wemath_one_step": (0.6, 10), "wemath_two_step": (pytest.approx(2 / 3), 3),
                     "wemath_three_step": (1.0, 1)}


def test_a_vtbench_file_without_ground_truth_images_reports_those_tasks_unavailable(tmp_path):
    """No `annotation_perception` column: perception is not scored 0 item by item, it is unavailable."""
    from tests.eval_fixtures import hf, write_parquet
    from warehouse.sources import load

    rows = [{"id": f"v{i}", "image": hf(figure_png(i)), "annotation_instruction": hf(figure_png(i + 5)),
             "question_reasoning": "q?", "answer_reasoning": "1", "question_perception": "Where is A?",
             "question_instruction": "Connect A and B", "answer_instruction": ""} for i in range(2)]
    write_parquet(tmp_path / "VTBench" / "data" / "train-00000-of-00001.parquet", rows,
                  ("image", "annotation_instruction"))
    lake = Lake(tmp_path / "lake")
    load("vtbench", tmp_path / "VTBench", lake)
    assert {i.task for i in load_items(lake, ["vtbench"])} == {"instruction", "reasoning"}
    (missing,) = unavailable_tasks(lake, ["vtbench"])
    assert (missing["task"], missing["n"]) == ("perception", 2) and "annotation_perception" in missing["reason"]
    results = [{"benchmark": "vtbench", "task": t, "category": "", "score": 1.0, "judge_score": None, "item_id": t,
                "correct": True} for t in ("instruction", "reasoning")]
    metrics = {(m["task"], m["metric"]): (m["value"], m["n"]) for m in summarize(results, [missing])}
    assert metrics[("perception", "unavailable")] == (1.0, 2) and ("perception", "accuracy") not in metrics
    assert ("all", "vtbench_avg") not in metrics  # an average over two of three tasks would not be VTBench's


def test_backend_factory_names_what_is_missing():
    pytest.importorskip("torch")
    try:
        import vllm  # noqa: F401
    except ImportError:
        with pytest.raises(ImportError, match=r"gpu extra"):
            build_backend("vllm", "/models/x")
    with pytest.raises(EndpointError, match="is unreachable"):  # no model named: the endpoint is asked
        build_backend("openai", "http://127.0.0.1:9/v1")
    with pytest.raises(ValueError, match="unknown backend 'onnx'"):
        build_backend("onnx", "x")


def test_judge_verdicts_failures_and_items_it_never_sees(server):
    from train.eval.judge import judge
    from train.eval.types import Trajectory, Turn

    answered = Trajectory(item(), answer="41", has_answer=True)
    silent = Trajectory(item())  # no answer: 0 without a call
    drawn = Trajectory(EvalItem("vtbench", "perception", "p", "[p] Mark A", figure_png(), "", reference_png=figure_png(1)))
    drawn.turns.append(Turn(0, "t", "stop", "error", code="1/0"))  # no produced image: 0 without a call
    server.default = lambda body: Reply(body=ok_body("maybe"))
    verdicts = judge([answered, silent, drawn], ["41", "", ""], ChatClient(server.url, "judge", max_retries=0))
    assert server.count == 1 and "[Standard Answer]: 42" in server.bodies[0]["messages"][0]["content"]
    assert verdicts[0].score is None and "unparsable" in verdicts[0].reason
    assert verdicts[0].prompt.startswith("answer_judge.v1@")
    assert (verdicts[1].score, verdicts[2].score) == (0.0, 0.0)
    assert verdicts[2].prompt.startswith("vtbench_perception_judge.v1@")
