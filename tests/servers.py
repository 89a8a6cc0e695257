"""Real servers on 127.0.0.1 for the scale-out tests and bench/scale_out.py: a Ray cluster of
several nodes (``ray start`` per node), an S3-compatible object store (moto's server mode) and a
PostgreSQL server (``initdb`` + ``pg_ctl`` on a temp dir, as the ``postgres`` user when run as root).

Each is a context manager that starts its processes in their own session and stops exactly those
(by process id, never by name: ``ray stop`` would end every Ray process on the machine). Each
raises :class:`Unavailable` with the reason when its server cannot start here, so tests can skip
naming it."""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

BIN = Path(sys.executable).parent


class Unavailable(RuntimeError):
    """A server that cannot start on this machine; the message says why."""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _default_signals() -> None:
    """Background processes may inherit SIGINT/SIGTERM ignored; a server must be stoppable."""
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, signal.SIG_DFL)


def _session_pids(sid: int) -> list[int]:
    """Every live process of the session ``sid`` (the servers we started and their children)."""
    out = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[3]) == sid:  # field 6: session id
            out.append(int(stat.parent.name))
    return out


def stop_session(proc: subprocess.Popen, grace_s: float = 5.0) -> None:
    """SIGTERM the session ``proc`` leads, then SIGKILL what is left of it, by pid."""
    sid = proc.pid
    for pid in _session_pids(sid):
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
    deadline = time.monotonic() + grace_s
    while _session_pids(sid) and time.monotonic() < deadline:
        time.sleep(0.1)
        proc.poll()
    for pid in _session_pids(sid):
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    try:
        proc.wait(5)
    except subprocess.TimeoutExpired:
        pass


def start_process(args: list[str], log: Path, env: dict | None = None, user: str | None = None,
                  cwd: Path | None = None) -> subprocess.Popen:
    """``args`` in a session of its own (stoppable by :func:`stop_session`), output appended to ``log``."""
    kwargs = {}
    if user is not None:
        pw = pwd.getpwnam(user)
        kwargs.update(user=pw.pw_uid, group=pw.pw_gid, extra_groups=[])
    return subprocess.Popen(args, stdout=open(log, "ab"), stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                            start_new_session=True, preexec_fn=_default_signals,
                            env={**os.environ, **(env or {})}, cwd=cwd, **kwargs)


# ---- Ray ---------------------------------------------------------------------------------------------

@contextmanager
def ray_cluster(nodes: int = 2, cpus_per_node: int = 1, timeout_s: float = 120.0) -> Iterator[str]:
    """A Ray cluster of ``nodes`` raylets on 127.0.0.1 (a head and ``nodes - 1`` workers, one
    ``ray start --block`` each); yields the address drivers pass to ``ray.init``."""
    ray = BIN / "ray"
    if not ray.exists():
        raise Unavailable("ray is not installed (pip install '.[ray]')")
    tmp = Path(tempfile.mkdtemp(prefix="ray"))  # short: Ray's socket paths must stay under 107 bytes
    port = free_port()
    address = f"127.0.0.1:{port}"
    common = ["--node-ip-address=127.0.0.1", f"--num-cpus={cpus_per_node}", "--disable-usage-stats", "--block"]
    # a loopback cluster for tests: no token auth (a token file left in ~/.ray would be required otherwise)
    env = {"RAY_USAGE_STATS_ENABLED": "0", "RAY_AUTH_MODE": "disabled",
           "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    procs = [start_process([str(ray), "start", "--head", f"--port={port}", "--include-dashboard=false",
                            f"--temp-dir={tmp}", *common], tmp / "head.log", env)]
    try:
        _wait_started(tmp / "head.log", procs[0], timeout_s)
        for i in range(1, nodes):  # joined one after another: each registers with the head
            procs.append(start_process([str(ray), "start", f"--address={address}", *common], tmp / f"node{i}.log",
                                       env))
            _wait_started(tmp / f"node{i}.log", procs[-1], timeout_s)
        yield address
    finally:
        for p in reversed(procs):
            stop_session(p)
        shutil.rmtree(tmp, ignore_errors=True)


def _wait_started(log: Path, proc: subprocess.Popen, timeout_s: float) -> None:
    """Until ``ray start`` says its node runs (a worker node says so once the head registered it)."""
    deadline = time.monotonic() + timeout_s
    while "Ray runtime started" not in (log.read_text() if log.exists() else ""):
        if proc.poll() is not None:
            raise Unavailable(f"ray start exited with {proc.returncode}: {log.read_text()[-1500:]}")
        if time.monotonic() > deadline:
            raise Unavailable(f"ray start did not start a node in {timeout_s:.0f} s: {log.read_text()[-1500:]}")
        time.sleep(0.2)


# ---- S3 (moto server) --------------------------------------------------------------------------------

S3_ENV = {"AWS_ACCESS_KEY_ID": "flywheel", "AWS_SECRET_ACCESS_KEY": "flywheel-secret",
          "AWS_DEFAULT_REGION": "us-east-1", "AWS_REGION": "us-east-1"}


@contextmanager
def s3_server(bucket: str = "lake", timeout_s: float = 30.0) -> Iterator[dict]:
    """moto's S3 server on a free 127.0.0.1 port with ``bucket`` created; yields the AWS variables
    a client needs (endpoint, credentials, region)."""
    moto = BIN / "moto_server"
    if not moto.exists():
        raise Unavailable("moto's server is not installed (pip install 'moto[server]')")
    port = free_port()
    tmp = Path(tempfile.mkdtemp(prefix="moto"))
    proc = start_process([str(moto), "-H", "127.0.0.1", "-p", str(port)], tmp / "moto.log")
    endpoint = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                urllib.request.urlopen(endpoint + "/moto-api/", timeout=1).read()
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise Unavailable(f"moto_server did not start: {(tmp / 'moto.log').read_text()[-1500:]}") from None
                time.sleep(0.1)
        env = {**S3_ENV, "AWS_ENDPOINT_URL": endpoint, "AWS_ALLOW_HTTP": "true"}
        import boto3

        boto3.client("s3", endpoint_url=endpoint, aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
                     aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"], region_name="us-east-1"
                     ).create_bucket(Bucket=bucket)
        yield env
    finally:
        stop_session(proc, grace_s=1.0)
        shutil.rmtree(tmp, ignore_errors=True)


# ---- PostgreSQL --------------------------------------------------------------------------------------

def _pg_bin(name: str) -> str | None:
    found = shutil.which(name) or next(iter(sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"))), None)
    return str(found) if found else None


@contextmanager
def postgres_server(timeout_s: float = 30.0) -> Iterator[str]:
    """A PostgreSQL server on a temp dir and a free 127.0.0.1 port, trust auth; yields its URL
    (``postgresql+psycopg2://postgres@127.0.0.1:PORT/postgres``: SQLAlchemy 2.1
    maps a bare postgresql:// to psycopg 3, dagster-postgres ships psycopg2). PostgreSQL refuses to run as root, so as
    root the server runs as the ``postgres`` user."""
    initdb, postgres = _pg_bin("initdb"), _pg_bin("postgres")
    if not initdb or not postgres:
        raise Unavailable("PostgreSQL is not installed (initdb/postgres not found)")
    user = None
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            raise Unavailable("running as root and there is no 'postgres' user to run PostgreSQL as") from None
        user = "postgres"
    tmp = Path(tempfile.mkdtemp(prefix="pg"))
    data = tmp / "data"
    if user:
        pw = pwd.getpwnam(user)
        os.chown(tmp, pw.pw_uid, pw.pw_gid)
    port = free_port()
    try:
        init = start_process([initdb, "-D", str(data), "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-sync"],
                      tmp / "initdb.log", {"LC_ALL": "C.UTF-8", "LANG": "C.UTF-8"}, user)
        if init.wait(timeout_s) != 0:
            raise Unavailable(f"initdb failed: {(tmp / 'initdb.log').read_text()[-1500:]}")
        proc = start_process([postgres, "-D", str(data), "-c", "listen_addresses=127.0.0.1", "-p", str(port),
                       "-c", f"unix_socket_directories={tmp}", "-c", "fsync=off", "-c", "max_connections=200"],
                      tmp / "postgres.log", None, user)
    except PermissionError as err:
        shutil.rmtree(tmp, ignore_errors=True)
        raise Unavailable(f"cannot start PostgreSQL as {user}: {err}") from None
    try:
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    pass
                if "ready to accept connections" in (tmp / "postgres.log").read_text():
                    break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise Unavailable(f"PostgreSQL did not start: {(tmp / 'postgres.log').read_text()[-1500:]}")
            time.sleep(0.1)
        yield f"postgresql+psycopg2://postgres@127.0.0.1:{port}/postgres"
    finally:
        stop_session(proc)
        shutil.rmtree(tmp, ignore_errors=True)
