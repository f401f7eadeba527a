"""The production setup itself: gunicorn with gunicorn.conf.py in front of the site,
the deploy check with the documented variables, and the backups docs/deploy.md
describes, each run for real."""

import http.client
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from matchmaking.environment import RENAMED, without_old_names
from tests.conftest import database_url
from tests.worker_process import WorkerProcess

ROOT = Path(__file__).resolve().parent.parent
ENV_EXAMPLE = ROOT / "docs" / "deploy" / "pledge.env.example"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def documented_environment() -> dict[str, str]:
    """docs/deploy/pledge.env.example's variables, as systemd's EnvironmentFile reads them."""
    values = {}
    for line in ENV_EXAMPLE.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            name, _, value = line.partition("=")
            values[name] = value
    return values


def site_environment(**overrides: str) -> dict[str, str]:
    """This process's environment without any Pledge variable, plus ``overrides``."""
    base = {
        name: value
        for name, value in without_old_names(os.environ).items()
        if not name.startswith("PLEDGE_") and name not in RENAMED.values()
    }
    return {**base, **overrides}


class Gunicorn:
    """gunicorn -c gunicorn.conf.py matchmaking.wsgi on a free port, its log kept."""

    def __init__(self, env: dict[str, str], tmp_path: Path):
        self.port = free_port()
        self.log = tmp_path / "gunicorn.log"
        env = {
            **env,
            "PLEDGE_GUNICORN_BIND": f"127.0.0.1:{self.port}",
            "PLEDGE_GUNICORN_WORKERS": "1",
            "PLEDGE_GUNICORN_THREADS": "2",
            "PLEDGE_GUNICORN_CONTROL_SOCKET_DISABLE": "true",
        }
        command = [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "matchmaking.wsgi"]
        with self.log.open("w") as log:
            self.process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=log)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            assert self.process.poll() is None, self.log.read_text()
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            time.sleep(0.1)
        self.stop()
        raise AssertionError("gunicorn did not listen within 30 s:\n" + self.log.read_text())

    def connection(self) -> http.client.HTTPConnection:
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=20)

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


@pytest.fixture(scope="module")
def gunicorn(django_db_setup, django_db_blocker, tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("gunicorn")
    with django_db_blocker.unblock():
        url = database_url()
    env = site_environment(
        PLEDGE_DATABASE_URL=url,
        PLEDGE_CELERY_BROKER_URL=settings.CELERY_BROKER_URL,
        PLEDGE_CACHE_URL=os.environ.get("PLEDGE_CACHE_URL", "locmemcache://"),
        PLEDGE_VAR_DIR=str(tmp_path / "var"),
        PLEDGE_LOG_FORMAT="json",
    )
    server = Gunicorn(env, tmp_path)
    yield server
    server.stop()


def json_lines(log: Path) -> list[dict]:
    return [json.loads(line) for line in log.read_text().splitlines() if line.startswith("{")]


def test_gunicorn_serves_the_site_with_its_config(gunicorn):
    conn = gunicorn.connection()
    conn.request("GET", "/health/", headers={"X-Request-ID": "probe-request-0001"})
    response = conn.getresponse()
    assert response.status in (200, 503)  # 503 without a worker's heartbeat
    assert json.loads(response.read())["checks"]["database"]["ok"]
    assert response.getheader("X-Request-ID") == "probe-request-0001"
    # The request's line in the JSON log, with its id, status and duration.
    deadline = time.monotonic() + 5
    while not (lines := [e for e in json_lines(gunicorn.log) if e.get("path") == "/health/"]):
        assert time.monotonic() < deadline, gunicorn.log.read_text()
        time.sleep(0.1)
    line = lines[0]
    assert line["request_id"] == "probe-request-0001" and line["status"] == response.status
    assert line["method"] == "GET" and line["duration_ms"] >= 0 and line["level"] == "INFO"


def test_a_body_over_the_limit_is_refused_before_it_is_sent(gunicorn):
    """A 300 MB upload announced in Content-Length: refused at once, styled, with not a
    byte of the body sent."""
    conn = gunicorn.connection()
    conn.putrequest("POST", "/settings/")
    conn.putheader("Content-Type", "multipart/form-data; boundary=x")
    conn.putheader("Content-Length", str(300 * 1024 * 1024))
    conn.endheaders()
    response = conn.getresponse()
    assert response.status == 413
    page = response.read().decode()
    assert "too large to send" in page and "Pledge" in page


def test_a_chunked_body_is_capped_too(gunicorn):
    size = settings.REQUEST_BODY_MAX_BYTES + 64 * 1024
    chunks = (b"x" * (64 * 1024) for _ in range(size // (64 * 1024)))
    conn = gunicorn.connection()
    try:
        conn.request(
            "POST",
            "/settings/",
            body=chunks,
            headers={"Content-Type": "application/octet-stream"},
            encode_chunked=True,
        )
    except (BrokenPipeError, ConnectionResetError):
        pass  # the server answered and closed before the rest was sent
    response = conn.getresponse()
    assert response.status == 413


def test_gunicorn_refuses_oversized_request_heads(gunicorn):
    conn = gunicorn.connection()
    conn.request("GET", "/", headers={"X-Padding": "p" * 10_000})
    assert conn.getresponse().status == 431  # Request Header Fields Too Large


def test_the_documented_variables_pass_the_deploy_check(db, tmp_path):
    """PLEDGE_DEBUG off with docs/deploy/pledge.env.example's variables: `check --deploy`
    finds nothing, at the warning level, with nothing silenced, on PostgreSQL."""
    documented = documented_environment()
    assert documented["PLEDGE_DEBUG"] == "false"
    env = site_environment(
        **{
            **documented,
            "PLEDGE_SECRET_KEY": "a-test-only-secret-key-" + "k" * 40,
            "PLEDGE_DATABASE_URL": database_url(),
            "PLEDGE_VAR_DIR": str(tmp_path / "var"),
        }
    )
    command = [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"]
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "System check identified no issues (0 silenced)." in done.stdout


def test_every_documented_variable_is_one_pledge_reads():
    # Settings read the environment, some of it through PledgeEnv's helpers.
    settings_module = "".join(
        (ROOT / "matchmaking" / name).read_text() for name in ("settings.py", "environment.py")
    )
    gunicorn_config = (ROOT / "gunicorn.conf.py").read_text()
    for name in documented_environment():
        if name.startswith("PLEDGE_GUNICORN_"):
            assert f'"{name.removeprefix("PLEDGE_GUNICORN_")}"' in gunicorn_config, name
        else:
            assert f'"{name}"' in settings_module, f"{name} is documented but never read"


@pytest.mark.django_db(transaction=True)
def test_a_backup_restores_into_a_new_database(member, tmp_path):
    """docs/deploy.md's backup and restore, run: pg_dump -Fc of the test database,
    pg_restore into a scratch database on the same server, the same rows in each table."""
    if connection.vendor != "postgresql":
        pytest.fail("backups are pg_dump's: run the suite on PostgreSQL (CI does)")
    import psycopg

    source = database_url()
    scratch_name = f"{connection.settings_dict['NAME']}_restore_{os.getpid()}"
    scratch = source.rsplit("/", 1)[0] + "/" + scratch_name
    dump = tmp_path / "pledge.dump"
    run = {"check": True, "capture_output": True, "text": True}
    subprocess.run(["pg_dump", "-Fc", "--no-owner", "-f", str(dump), source], **run)
    with psycopg.connect(source, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{scratch_name}"')
        admin.execute(f'CREATE DATABASE "{scratch_name}"')
    try:
        subprocess.run(
            ["pg_restore", "--no-owner", "--single-transaction", "-d", scratch, str(dump)], **run
        )
        tables = connection.introspection.table_names()
        assert {"vouching_member", "vouching_vouch", "django_migrations"} <= set(tables)
        counted = " UNION ALL ".join(f"SELECT '{t}', count(*) FROM \"{t}\"" for t in tables)
        with psycopg.connect(source) as original, psycopg.connect(scratch) as restored:
            before = dict(original.execute(counted).fetchall())
            after = dict(restored.execute(counted).fetchall())
        assert after == before and before["vouching_vouch"] == 2
    finally:
        with psycopg.connect(source, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{scratch_name}"')


@pytest.mark.celery_worker
def test_a_worker_logs_json_too(db):
    """Celery's worker keeps the site's log configuration instead of its own format."""
    env = {**os.environ, "PLEDGE_DATABASE_URL": database_url(), "PLEDGE_LOG_FORMAT": "json"}
    worker = WorkerProcess(queue=f"json-logs-{os.getpid()}", env=env, name="json", timeout=60)
    worker.stop()
    ready = [line for line in worker.lines if " ready." in line]
    entry = json.loads(ready[0])
    assert entry["logger"] == "celery.apps.worker" and entry["level"] == "INFO"
