"""The Dagster UI (`flywheel dev`, i.e. `make dev`) and job launches against it (`flywheel launch`),
from any terminal: both resolve the instance with :func:`assets_defs.home.dagster_home`; the UI
records its port in that instance folder, and a launch submits the run to that UI's server (GraphQL),
whose daemon executes it, then prints the run id and its page. A taken port is refused before
anything starts."""

from __future__ import annotations

import json
import os
import shutil
import socket
import sys
import urllib.request
from pathlib import Path

from assets_defs.home import REPO, dagster_home
from warehouse.storage import atomic_path

HOST = "127.0.0.1"
DEFAULT_PORT = 3000
LOCATION = "flywheel"  # pyproject [tool.dg.project] code_location_name
SERVER_FILE = "flywheel-dev.json"  # in the instance folder: the UI serving it


class LaunchError(RuntimeError):
    """A launch or UI start that cannot proceed; the message says what to do."""


def port_taken(port: int, host: str = HOST) -> str | None:
    """Why ``host:port`` cannot be bound now (as a web server binds it), or None when it can."""
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as err:
            return err.strerror or str(err)
    return None


def _dg() -> str:
    exe = Path(sys.executable).parent / "dg"
    if exe.exists():
        return str(exe)
    found = shutil.which("dg")
    if not found:
        raise LaunchError("the `dg` command is not installed (pip install -e .)")
    return found


def exec_dev(port: int) -> None:
    """Replace this process with `dg dev` on ``HOST:port`` for the project's instance (never returns)."""
    if not 0 < port < 65536:
        raise LaunchError(f"port must be 1..65535, got {port}")
    if port_taken(port):
        raise LaunchError(f"port {port} on {HOST} is taken; choose another: make dev PORT={port + 1} "
                          f"(or flywheel dev --port {port + 1})")
    home = dagster_home()
    with atomic_path(home / SERVER_FILE) as tmp:
        Path(tmp).write_text(json.dumps({"host": HOST, "port": port, "pid": os.getpid()}))
    print(f"Dagster UI: http://{HOST}:{port}  (instance {home}; Ctrl-C stops)", flush=True)
    os.chdir(REPO)  # dg finds the project (pyproject [tool.dg]) in the working folder
    exe = _dg()
    os.execv(exe, [exe, "dev", "-h", HOST, "-p", str(port)])


def _serving(host: str, port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://{host}:{port}/server_info", timeout=5) as resp:
            return resp.status == 200
    except OSError:
        return False


def ui_server(port: int | None = None) -> tuple[str, int]:
    """(host, port) of the UI serving the project's instance: ``port`` if given, else the one
    `flywheel dev` recorded; :class:`LaunchError` when none answers."""
    home = dagster_home()
    host = HOST
    if port is None:
        try:
            recorded = json.loads((home / SERVER_FILE).read_text())
            host, port = recorded["host"], int(recorded["port"])
        except (OSError, ValueError, KeyError):
            port = None
    if port is None or not _serving(host, port):
        where = f"on port {port}" if port else "for this instance"
        raise LaunchError(f"no Dagster UI is serving {where} ({home}): start `make dev` in another terminal "
                          "(its daemon runs launched jobs), or run the job in this terminal with "
                          "`dg launch --job JOB --config FILE`")
    return host, port


def launch(job: str, config: str | None, tags: dict[str, str] | None = None,
           port: int | None = None) -> tuple[str, str]:
    """Submit ``job`` with the run config in ``config`` (a YAML file) to the UI's daemon; returns
    (run id, the run's page)."""
    import yaml

    run_config = {}
    if config:
        path = Path(config)
        if not path.is_file():
            raise LaunchError(f"config file {config} does not exist")
        try:
            run_config = yaml.safe_load(path.read_text()) or {}
        except yaml.YAMLError as err:
            raise LaunchError(f"config file {config} is not valid YAML: {str(err).splitlines()[0]}") from err
    host, port = ui_server(port)
    from dagster_graphql import DagsterGraphQLClient, DagsterGraphQLClientError

    client = DagsterGraphQLClient(host, port_number=port, timeout=60)
    try:
        run_id = client.submit_job_execution(job, repository_location_name=LOCATION, run_config=run_config,
                                             tags=tags or None)
    except DagsterGraphQLClientError as err:
        detail = " ".join(str(err.body or err).split())[:400] if getattr(err, "body", None) else str(err)
        raise LaunchError(f"job {job!r} was not launched: {detail}") from err
    return run_id, f"http://{host}:{port}/runs/{run_id}"
