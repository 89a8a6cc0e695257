"""Protocol parsing, V-Thinker's format check, reward functions and run-config validation (no model)."""

from __future__ import annotations

import math

import pytest

from train.config import GRPO_DEFAULTS, ConfigError, load_config, parse_config
from train.protocol import code_block, code_turn, extract_answer, extract_code, final_turn, format_ok
from train.rewards import (accuracy_reward, accuracy_score, code_reward, consistency_reward, format_reward,
                           total_reward)

CODE = "ax.plot([1, 2], [3, 4])\nprint('done')"


@pytest.mark.parametrize("text", [
    code_turn("t", CODE),
    f"<think>t</think>\n```python\n{CODE}\n```",
    f"<think>t</think>\n'''python\n{CODE}\n'''",
    f"<think>t</think><code>\n{CODE}\n</code>",
])
def test_code_block_fences_all_parse_to_the_same_code(text):
    assert extract_code(text) == CODE


def test_no_code_block_is_none():
    assert extract_code("<think>nothing to run</think> <answer>3</answer>") is None


@pytest.mark.parametrize("text,ok", [
    (final_turn("so 3", "3"), True),
    ("<think>so 3</think>\n<answer>3</answer>", True),          # any one whitespace
    ("<think>so 3</think><answer>3</answer>", False),            # V-Thinker requires the whitespace
    ("<think>so 3</think> <answer>3</answer> trailing", False),
    ("<think>a</think> <think>b</think> <answer>3</answer>", False),
    ("<think>so 3</think> <answer>3</answer><answer>4</answer>", False),
    (code_turn("t", CODE), False),
])
def test_format_check_is_vthinkers(text, ok):
    assert format_ok(text) is ok


@pytest.mark.parametrize("pred,gold,kind,choices,ok", [
    ("B", "B", "choice", [], True), ("(B)", "B", "choice", [], True), ("B. parallel", "B", "choice", [], True),
    ("parallel", "B", "choice", ["perpendicular", "parallel"], True), ("C", "B", "choice", [], False),
    ("0.5", "1/2", "number", [], True), ("7/2", "3.5", "number", [], True), ("3", "4", "number", [], False),
    ("\\sqrt{12}", "2\\sqrt{3}", "text", [], True), ("x = 5", "5", "number", [], True),
    ("The answer is 12", "12", "number", [], True),
])
def test_answer_matching(pred, gold, kind, choices, ok):
    assert accuracy_score(final_turn("t", pred), gold, kind, choices) == (1.0 if ok else -1.0)


def test_the_reward_reads_the_first_answer_block_as_vthinker():
    two = "<think>t</think> <answer>4</answer> <answer>3</answer>"
    assert accuracy_score(two, "4") == 1.0 and accuracy_score(two, "3") == -1.0
    assert accuracy_score("<think>no tags: the answer is 4</think>", "4") == 0.0  # no <answer>: no reward


def _completion(*turns):
    return [t if isinstance(t, dict) else {"role": "assistant", "content": t} for t in turns]


IMAGE_TOOL = {"role": "tool", "content": [{"type": "image", "image": object()}]}
ERROR_TOOL = {"role": "tool", "content": "Code execution failed (error): NameError"}


def test_rewards_score_format_accuracy_consistency_and_code():
    right = _completion(code_turn("draw", CODE), IMAGE_TOOL, final_turn("AB = 5 so the answer is 5", "5"))
    wrong = _completion(code_turn("draw", CODE), IMAGE_TOOL, final_turn("so 4", "4"))
    half = _completion(code_turn("a", CODE), IMAGE_TOOL, code_turn("b", CODE), ERROR_TOOL, final_turn("so 5", "5"))
    silent = _completion("<think>no answer</think>")
    comps, gold = [right, wrong, half, silent], ["5"] * 4
    kw = {"answer_type": ["number"] * 4, "choices": [[]] * 4}
    assert format_reward(comps, **kw) == [1.0, 1.0, 1.0, 0.0]
    assert accuracy_reward(comps, gold, **kw) == [1.0, -1.0, 1.0, 0.0]
    assert consistency_reward(comps, gold, **kw) == [1.0, 0.0, 1.0, 0.0]  # gated by accuracy
    assert code_reward(comps, gold, **kw) == [1.0, 0.0, 0.5, 0.0]
    assert math.isclose(total_reward(right, "5"), 0.5 + 1 + 0.5 + 0.3)
    assert math.isclose(total_reward(wrong, "5"), 0.5 - 1)


def test_consistency_needs_the_answer_at_the_end_of_the_thinking():
    comp = _completion(final_turn("the length is 4 " + "x" * 600, "5"))
    assert consistency_reward([comp], ["5"], answer_type=["number"]) == [0.0]
    grouped = _completion(final_turn("so there are 1,200 seats", "1200"))  # the same number, written with a comma
    assert consistency_reward([grouped], ["1200"], answer_type=["number"]) == [1.0]


def test_config_defaults_are_vthinkers_and_bad_configs_name_the_problem(tmp_path):
    cfg = parse_config({"stage": "grpo"})
    args = cfg.trainer_args()
    assert {k: args[k] for k in ("loss_type", "beta", "num_generations", "learning_rate", "lr_scheduler_type")} == {
        "loss_type": "grpo", "beta": 0.01, "num_generations": 8, "learning_rate": 5e-7, "lr_scheduler_type": "cosine"}
    assert args["max_tool_calling_iterations"] == GRPO_DEFAULTS["max_tool_calling_iterations"] == 4
    bad = tmp_path / "bad.yaml"
    bad.write_text("stage: dpo\n")
    with pytest.raises(ConfigError, match="bad.yaml: stage"):
        load_config(bad)
    with pytest.raises(ConfigError, match="rewards.weights has unknown components"):
        parse_config({"stage": "grpo", "rewards": {"weights": {"style": 1}}})
    with pytest.raises(ConfigError, match="not a local model directory"):
        parse_config({"stage": "sft", "model": {"path": str(tmp_path / "missing")}})


def test_every_shipped_config_parses():
    from pathlib import Path

    import yaml

    folder = Path(__file__).resolve().parent.parent / "train" / "configs"
    run_configs = [p for p in folder.glob("*.yaml") if "stage" in (yaml.safe_load(p.read_text()) or {})]
    assert len(run_configs) >= 3
    for path in run_configs:
        data = yaml.safe_load(path.read_text())
        data["model"] = {**data.get("model", {}), "path": "tiny"}  # GPU configs name a local 7B dir
        assert parse_config(data, str(path)).stage in ("perception_sft", "sft", "grpo")


def test_code_block_is_what_the_response_template_parses():
    from train.protocol import RESPONSE_TEMPLATE

    assert code_block(CODE).startswith(RESPONSE_TEMPLATE["fields"]["tool_calls"]["open"])
    assert extract_answer(final_turn("t", " 42 ")) == "42"


def test_every_job_config_names_a_run_config_of_its_stage():
    from pathlib import Path

    import yaml

    from train.config import parse_config

    folder = Path(__file__).resolve().parent.parent / "train" / "configs"
    stage_of_job = {"perception_sft": "perception_sft", "sft": "sft", "rl": "grpo"}
    jobs = sorted(folder.glob("*_job.yaml"))
    assert len(jobs) >= 6
    for path in jobs:
        (op, body), = yaml.safe_load(path.read_text())["ops"].items()
        job = op.removesuffix("_checkpoint")
        run = yaml.safe_load((folder.parent.parent / body["config"]["config_file"]).read_text())
        run["model"] = {**run.get("model", {}), "path": "tiny"}
        assert parse_config(run).stage == stage_of_job[job], path


def test_a_run_that_cannot_start_is_recorded_as_failed(tmp_path):
    from train.runs import prepare_run
    from warehouse.catalog import connect
    from warehouse.storage import Lake

    cfg = tmp_path / "grpo.yaml"
    cfg.write_text("stage: grpo\n")
    with pytest.raises(ValueError, match="does not fit job 'sft'"):
        prepare_run(Lake(tmp_path), run_id="r1", job="sft", stage="sft", config_file=str(cfg), data_path="x")
    rows = connect(tmp_path).execute("SELECT run_id, job, status, error FROM training_runs").fetchall()
    assert [(r[0], r[1], r[2]) for r in rows] == [("r1", "sft", "failed")] and "does not fit" in rows[0][3]


def test_grpo_rollouts_bind_no_true_positions(tiny_png):
    """A rollout's tool gets the current image and nothing else: code that reads the flywheel's P
    fails with a NameError even when the dataset row still carries points; located literals work."""
    from pipelines.sandbox import Sandbox
    from train.grpo import SandboxEnv

    head = "img = plt.imread(image_path)\nfig = plt.figure(figsize=(0.08, 0.06), dpi=100)\nplt.imshow(img)\n"
    with Sandbox(workers=1) as sb:
        env = SandboxEnv(sb)
        env.reset(images=[{"bytes": tiny_png}], points_px='[{"name": "A", "x": 2, "y": 3}]')
        oracle = env.run_python(head + "plt.plot([P['A'][0]], [P['A'][1]], 'o')")
        assert isinstance(oracle, str) and "NameError" in oracle and "'P'" in oracle
        located = env.run_python("image_path = 'images/elsewhere.png'\n" + head + "plt.plot([2], [3], 'o')")
        assert isinstance(located, list) and located[0]["type"] == "image"  # the literal keeps the bound image
