"""Fixtures of the fault tests: workers started and killed by the test, private servers."""

import json
import os

import pytest

from matchmaking.celery import app as celery_app
from tests.conftest import TEST_QUEUE, database_url, queue_purge
from tests.worker_process import WorkerProcess

from .servers import PrivateRedis

# Short intervals so that a dead run is noticed in seconds, not the production 20.
LEASE_SECONDS = 2.0
HEARTBEAT_SECONDS = 0.2


def pytest_collection_modifyitems(items):
    for item in items:
        if "/faults/" in str(item.path):
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
        worker = WorkerProcess(
            queue=TEST_QUEUE, env=env, name=f"fault{len(workers)}", timeout=60, app=app
        )
        worker.paused_file = env.get("PLEDGE_TEST_PAUSED_FILE")
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
