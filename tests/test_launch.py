"""`make dev` and train/README's launch command as a user runs them in two terminals: `flywheel dev`
serves the project's instance, and `flywheel launch` in another process submits a job whose run the
UI's daemon picks up and launches, printing the run id and its page. A taken port and a launch with no
UI running are one line each, before anything starts."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from assets_defs import home
from assets_defs.cli import main
from tests.servers import free_port, start_process, stop_session

REPO = Path(__file__).resolve().parent.parent
FLYWHEEL = str(Path(sys.executable).parent / "flywheel")
LAUNCH = ".venv/bin/flywheel launch sft --config train/configs/cpu_sft_job.yaml"  # as train/README.md shows it


def _graphql(port: int, query: str) -> dict:
    req = urllib.request.Request(f"http://127.0.0.1:{port}/graphql", data=json.dumps({"query": query}).encode(),
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as resp:
        return json.loads(resp.read())["data"]


def test_the_instance_folder_is_one_rule_and_turns_telemetry_off(tmp_path, monkeypatch):
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    monkeypatch.setattr(home, "REPO", tmp_path)
    assert home.dagster_home() == tmp_path / ".dagster_home" and os.environ["DAGSTER_HOME"] == str(tmp_path / ".dagster_home")
    config = (tmp_path / ".dagster_home" / "dagster.yaml").read_text()
    assert "telemetry:\n  enabled: false" in config
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "dagster.yaml").write_text("telemetry:\n  enabled: true\n")
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "mine"))
    assert home.dagster_home() == tmp_path / "mine"
    assert (tmp_path / "mine" / "dagster.yaml").read_text() == "telemetry:\n  enabled: true\n"  # the user's


def test_a_taken_port_is_refused_before_anything_starts(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "home"))
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert main(["dev", "--port", str(port)]) == 2
    (line,) = capsys.readouterr().err.splitlines()
    assert f"port {port} on 127.0.0.1 is taken" in line and f"make dev PORT={port + 1}" in line
    assert not (tmp_path / "home").exists()


def test_a_launch_with_no_ui_running_says_what_to_start(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "home"))
    assert main(["launch", "sft", "--config", "train/configs/cpu_sft_job.yaml"]) == 2
    (line,) = capsys.readouterr().err.splitlines()
    assert "no Dagster UI is serving" in line and "make dev" in line and "dg launch --job" in line


@pytest.fixture(scope="module")
def dev_server(tmp_path_factory):
    """`flywheel dev` (what `make dev` runs) on a free port, with its own instance and lake."""
    tmp = tmp_path_factory.mktemp("dev")
    env = {**os.environ, "DAGSTER_HOME": str(tmp / "home"), "FLYWHEEL_DATA_ROOT": str(tmp / "lake")}
    port = free_port()
    proc = start_process([FLYWHEEL, "dev", "--port", str(port)], tmp / "dev.log", env=env, cwd=tmp)
    try:
        deadline = time.time() + 240
        while True:
            assert proc.poll() is None and time.time() < deadline, (tmp / "dev.log").read_text()[-3000:]
            try:
                repos = _graphql(port, "{ repositoriesOrError { ... on RepositoryConnection { nodes { name } } } }")
                if repos["repositoriesOrError"]["nodes"]:
                    break
            except (OSError, KeyError, TypeError):
                pass
            time.sleep(1)
        yield port, env, tmp
    finally:
        stop_session(proc)


def test_the_readme_launch_command_runs_from_a_second_process(dev_server):
    port, env, tmp = dev_server
    assert LAUNCH in (REPO / "train" / "README.md").read_text()
    proc = subprocess.run(LAUNCH.replace(".venv/bin/flywheel", FLYWHEEL).split(), cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    run_id = re.search(r"launched sft: run ([0-9a-f-]{36})", proc.stdout).group(1)
    assert f"http://127.0.0.1:{port}/runs/{run_id}" in proc.stdout
    # the UI's daemon (same instance) dequeues the run, finds its code location and launches it (a
    # location it cannot find, the old `-m` pitfall, fails the run at this point instead)
    query = f'{{ runOrError(runId: "{run_id}") {{ ... on Run {{ jobName status }} }} }}'
    deadline = time.time() + 180
    while (run := _graphql(port, query)["runOrError"])["status"] in ("QUEUED", "NOT_STARTED"):
        assert time.time() < deadline, (run, (tmp / "dev.log").read_text()[-3000:])
        time.sleep(1)
    assert run["jobName"] == "sft" and run["status"] in ("STARTING", "STARTED", "SUCCESS"), (
        run, (tmp / "dev.log").read_text()[-3000:])
