"""Private servers for fault tests: a Redis, a PostgreSQL cluster and a gunicorn, each
started for the test on a free port and stopped, frozen or restarted by it. The shared
PostgreSQL and Redis are never touched."""

from __future__ import annotations

import glob
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def require(program: str | None, what: str) -> str:
    """The program's path; without it the test fails where the run requires the fault
    tests (CI) and is skipped, saying so, elsewhere."""
    if program and os.path.exists(program):
        return program
    if os.environ.get("PLEDGE_REQUIRE_FAULTS"):
        pytest.fail(f"{what} is missing and this run requires the fault tests")
    pytest.skip(f"{what} is not installed; CI runs these fault tests")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until(predicate, *, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError(f"{what} within {timeout} s")


def accepts(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return True
    except OSError:
        return False


class PrivateRedis:
    """``redis-server`` on a free port, no persistence."""

    def __init__(self) -> None:
        self.binary = require(shutil.which("redis-server"), "redis-server")
        self.port = free_port()
        self.process: subprocess.Popen | None = None
        self.start()

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1"]
            + ["--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_until(lambda: accepts(self.port), timeout=10, what="redis-server did not start")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.thaw()
            self.process.kill()
            self.process.wait()

    def freeze(self) -> None:
        """Still accepting connections (the kernel does), never answering."""
        os.kill(self.process.pid, signal.SIGSTOP)

    def thaw(self) -> None:
        os.kill(self.process.pid, signal.SIGCONT)


def _postgres_bin() -> str:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    initdb = found[-1] if found else shutil.which("initdb")
    return os.path.dirname(require(initdb, "PostgreSQL's initdb"))


class PrivatePostgres:
    """A throwaway PostgreSQL cluster in a temporary folder, trust authentication, as the
    ``postgres`` system user when the tests run as root (``initdb`` refuses root)."""

    def __init__(self) -> None:
        self.bin = _postgres_bin()
        self.port = free_port()
        self.folder = tempfile.mkdtemp(prefix="pledge-pg-")
        self.data = os.path.join(self.folder, "data")
        if os.geteuid() == 0:
            shutil.chown(self.folder, "postgres", "postgres")
        self._as_owner(
            [f"{self.bin}/initdb", "-D", self.data, "-U", "postgres", "-A", "trust", "--no-sync"]
        )
        self.start()

    def url(self, name: str = "postgres") -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{name}"

    def _as_owner(self, command: list[str]) -> None:
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def start(self) -> None:
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._as_owner([f"{self.bin}/pg_ctl", "-D", self.data, "-o", options, "-w", "start"])

    def stop(self) -> None:
        self._as_owner([f"{self.bin}/pg_ctl", "-D", self.data, "-m", "immediate", "-w", "stop"])

    def _processes(self) -> list[int]:
        postmaster = int(Path(self.data, "postmaster.pid").read_text().split()[0])
        children = subprocess.run(
            ["pgrep", "-P", str(postmaster)], capture_output=True, text=True
        ).stdout.split()
        return [postmaster, *map(int, children)]

    def freeze(self) -> None:
        """Every process of the cluster stopped: connections open, nothing answers."""
        for pid in self._processes():
            os.kill(pid, signal.SIGSTOP)

    def thaw(self) -> None:
        for pid in self._processes():
            os.kill(pid, signal.SIGCONT)

    def destroy(self) -> None:
        try:
            self.stop()
        except subprocess.CalledProcessError:
            pass  # already stopped
        shutil.rmtree(self.folder, ignore_errors=True)


class WebServer:
    """gunicorn serving Pledge, one sync worker; ``env`` says how (debug off: see
    ``production_env`` in conftest.py)."""

    def __init__(self, *, env: dict[str, str], timeout: int = 20) -> None:
        self.port = free_port()
        self.env = {
            **os.environ,
            "PLEDGE_ALLOWED_HOSTS": "127.0.0.1",
            "PLEDGE_SECURE_SSL_REDIRECT": "false",
            **env,
        }
        self.log = tempfile.TemporaryFile()  # closed with the object
        self.process = subprocess.Popen(
            # gunicorn.conf.py's threaded workers are overridden: a sync worker is the one
            # whose timeout ends a stuck request with a SystemExit.
            [sys.executable, "-m", "gunicorn", "matchmaking.wsgi", "--workers", "1"]
            + ["--worker-class", "sync", "--threads", "1"]
            + ["--bind", f"127.0.0.1:{self.port}", "--timeout", str(timeout)]
            + ["--graceful-timeout", "1", "--no-control-socket"],
            cwd=ROOT,
            env=self.env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        wait_until(lambda: accepts(self.port), timeout=30, what="gunicorn did not start")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def output(self) -> str:
        self.log.seek(0)
        return self.log.read().decode(errors="replace")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def manage(*args: str, env: dict[str, str]) -> None:
    """``manage.py`` in a process of its own, with ``env`` on top of this one's."""
    subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**os.environ, **env},
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def fetch(url: str, *, data: bytes | None = None, headers: dict | None = None, timeout=20):
    """(status, headers, body) of a request, errors included."""
    request = urllib.request.Request(url, data=data, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.headers, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read().decode()
