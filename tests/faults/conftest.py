"""Fixtures of the fault tests: workers started and killed by the test, private servers."""

import json
import os
import subprocess
import threading
from pathlib import Path
from urllib.parse import urlencode

import pytest
from django.conf import settings as django_settings
from django.db import connection
from kombu import pools as kombu_pools

from matchmaking.cache import OUTAGE
from matchmaking.celery import app as celery_app
from tests.conftest import TEST_QUEUE, database_url, queue_purge
from tests.worker_process import WorkerProcess

from .servers import PrivateRedis, fetch, manage

# Short intervals so that a dead run is noticed in seconds, not the production 20.
LEASE_SECONDS = 2.0
HEARTBEAT_SECONDS = 0.2


def pytest_collection_modifyitems(items):
    # The hook sees the whole session's items: mark only this folder's.
    here = Path(__file__).parent
    for item in items:
        if here in item.path.parents:
            item.add_marker(pytest.mark.faults)


@pytest.fixture
def start_worker(settings, tmp_path):
    """``start_worker(**env)``: a real worker on the test database and queue (or the
    broker ``PLEDGE_CELERY_BROKER_URL`` in ``env`` names), with short lease intervals;
    ``pause_at="compute"`` or ``"drift"`` starts one that stops there (paused_worker.py).
    Every worker still running at the end is stopped."""
    settings.TRUST_RUN_LEASE = settings.TRUST_RUN_LEASE.__class__(seconds=LEASE_SECONDS)
    settings.TRUST_RUN_HEARTBEAT = settings.TRUST_RUN_HEARTBEAT.__class__(seconds=HEARTBEAT_SECONDS)
    workers = []

    def start(*, pause_at: str | None = None, **env) -> WorkerProcess:
        env = {
            **os.environ,
            "PLEDGE_DATABASE_URL": database_url(),
            "PLEDGE_CELERY_TASK_DEFAULT_QUEUE": TEST_QUEUE,
            "PLEDGE_TRUST_RECALC_DELAY": "0.2",
            "PLEDGE_TRUST_RUN_LEASE": str(LEASE_SECONDS),
            "PLEDGE_TRUST_RUN_HEARTBEAT": str(HEARTBEAT_SECONDS),
            **env,
        }
        app = "matchmaking"
        if pause_at:
            app = "tests.faults.paused_worker"
            env["PLEDGE_TEST_PAUSE_AT"] = pause_at
            env["PLEDGE_TEST_PAUSED_FILE"] = str(tmp_path / f"paused-{len(workers)}")
            env["PLEDGE_TEST_RESUME_FILE"] = str(tmp_path / f"resume-{len(workers)}")
        worker = WorkerProcess(
            queue=TEST_QUEUE, env=env, name=f"fault{len(workers)}", timeout=60, app=app
        )
        worker.paused_file = env.get("PLEDGE_TEST_PAUSED_FILE")
        worker.resume_file = env.get("PLEDGE_TEST_RESUME_FILE")
        workers.append(worker)
        return worker

    queue_purge()
    yield start
    for worker in workers:
        if worker.process.poll() is None:
            worker.stop(timeout=10)
    forget_unacked(TEST_QUEUE)
    queue_purge()


def forget_unacked(queue: str) -> None:
    """Drop what killed workers left unacknowledged on a Redis broker for ``queue``, so
    it is not redelivered to nobody an hour later."""
    if not celery_app.conf.broker_url.startswith("redis"):
        return
    with celery_app.connection_for_write() as conn:
        client = conn.default_channel.client
        for tag, raw in client.hgetall("unacked").items():
            if json.loads(raw)[-1] == queue:
                client.hdel("unacked", tag)
                client.zrem("unacked_index", tag)


@pytest.fixture
def private_redis():
    redis = PrivateRedis()
    yield redis
    redis.stop()


def use_broker(url: str | None) -> None:
    """Point this process's producers at ``url`` (None: back to the configured broker)."""
    kombu_pools.reset()  # closes and forgets every pooled connection
    celery_app._pool = None
    celery_app.amqp._producer_pool = None
    celery_app.conf.broker_write_url = url


@pytest.fixture
def redis_everywhere(private_redis, settings):
    """The cache and the broker both on the private Redis, as on a production machine
    with one Redis: DB 1 the cache, DB 0 the broker."""
    settings.CACHES = {
        "default": {
            "BACKEND": "matchmaking.cache.ResilientRedisCache",
            "LOCATION": private_redis.url(1),
            "OPTIONS": settings.CACHES["default"].get("OPTIONS", {})
            if settings.CACHES["default"]["BACKEND"].endswith("ResilientRedisCache")
            else {"socket_connect_timeout": 0.25, "socket_timeout": 0.5, "retry_after": 5},
        }
    }
    options = celery_app.conf.broker_transport_options
    if not celery_app.conf.broker_url.startswith("redis"):
        # What the settings give a Redis broker; here the configured one is another kind.
        celery_app.conf.broker_transport_options = {
            "socket_connect_timeout": 1,
            "socket_timeout": 1,
        }
    OUTAGE.until = 0.0
    use_broker(private_redis.url(0))
    yield private_redis
    use_broker(None)
    celery_app.conf.broker_transport_options = options
    OUTAGE.until = 0.0


def promptly(call, *, within: float = 20):
    """``call()``'s result, failing the test if it hangs (a frozen server with no
    timeout would hold it forever): a liveness check, not a measure of speed."""
    outcome = {}

    def run():
        try:
            outcome["value"] = call()
        except BaseException as error:  # noqa: BLE001 - handed to the test below
            outcome["error"] = error
        finally:
            connection.close()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(timeout=within)
    if thread.is_alive():
        pytest.fail(f"still waiting after {within} s")
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


@pytest.fixture(scope="session")
def production_var_dir(tmp_path_factory) -> str:
    """A var folder with the static files collected, as a deployment with debug off
    serves them (the manifest storage needs them)."""
    var_dir = tmp_path_factory.mktemp("var")
    # Pledge's own files are all the pages under test need; the admin's are most of it.
    manage("collectstatic", "--noinput", "-v0", "-i", "admin", env=production_env(str(var_dir)))
    return str(var_dir)


def production_env(var_dir: str) -> dict[str, str]:
    return {
        "PLEDGE_DEBUG": "false",
        # This process's key: sessions it signs are good there.
        "PLEDGE_SECRET_KEY": django_settings.SECRET_KEY,
        "PLEDGE_VAR_DIR": var_dir,
        "PLEDGE_CACHE_URL": "locmemcache://faults",
    }


CSRF = "faultsfaultsfaultsfaultsfaults12"  # a valid CSRF secret: cookie and form agree


def post_form(server, path: str, fields: dict, *, session=None, language="en", timeout=20):
    """POST ``fields`` to the server as a browser would, CSRF token included."""
    cookie = f"csrftoken={CSRF}" + (f"; sessionid={session}" if session else "")
    return fetch(
        server.url + path,
        data=urlencode({**fields, "csrfmiddlewaretoken": CSRF}).encode(),
        headers={
            "Cookie": cookie,
            "Content-Type": "application/x-www-form-urlencoded",
            "Accept-Language": language,
        },
        timeout=timeout,
    )


def copy_schema(*, source: str, target: str, bin_dir: str) -> None:
    """Give the database at ``target`` Pledge's tables: those of the migrated test
    database when both are PostgreSQL (a second), else by migrating (a dozen)."""
    if source.startswith("postgres"):
        dump = subprocess.run(
            [f"{bin_dir}/pg_dump", "--schema-only", "--no-owner", "--no-privileges", "-d", source],
            check=True,
            capture_output=True,
        ).stdout
        subprocess.run(
            [f"{bin_dir}/psql", "-q", "-v", "ON_ERROR_STOP=1", "-d", target],
            input=dump,
            check=True,
            capture_output=True,
        )
    else:
        manage("migrate", "--noinput", "-v0", env={"PLEDGE_DATABASE_URL": target})


def in_parallel(calls) -> list:
    """Run the calls in threads released together, as parallel requests; their results
    in order. An exception in any of them fails the test."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)
    errors: list = []

    def run(index, call):
        try:
            barrier.wait(timeout=30)
            results[index] = call()
        except BaseException as error:  # noqa: BLE001 - handed to the test below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=pair) for pair in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    if errors:
        raise errors[0]
    return results
