"""The health endpoint checks the real PostgreSQL, Redis (cache and broker) and a real
worker's heartbeat; it says which part fails, never where the servers are."""

import json
import socket
from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from matchmaking.celery import app as celery_app
from matchmaking.models import WorkerHeartbeat
from matchmaking.services import worker_heartbeat_record
from matchmaking.tasks import worker_heartbeat
from tests.conftest import wait_for

pytestmark = pytest.mark.django_db


def free_port() -> int:
    """A port nothing listens on: a server that is down."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def health(client=None):
    response = (client or Client()).get(reverse("health"))
    return response.status_code, json.loads(response.content)


def failing(report) -> list[str]:
    return [name for name, check in report["checks"].items() if not check["ok"]]


def test_healthy_with_a_recent_heartbeat():
    worker_heartbeat_record(worker="celery@web-1")
    status, report = health()
    assert status == 200 and report["status"] == "ok"
    assert set(report["checks"]) == {"database", "cache", "broker", "worker"}
    assert report["checks"]["worker"]["workers"] == 1


def test_a_stale_heartbeat_fails_the_worker_check(settings):
    settings.WORKER_HEARTBEAT_STALE_SECONDS = 60
    WorkerHeartbeat.objects.create(worker="celery@gone", beat_at=timezone.now() - timedelta(90))
    status, report = health()
    assert status == 503 and report["status"] == "failing"
    assert failing(report) == ["worker"]
    WorkerHeartbeat.objects.all().delete()
    assert failing(health()[1]) == ["worker"]  # never any heartbeat


def test_a_cache_that_is_down_fails_the_cache_check(settings):
    worker_heartbeat_record(worker="celery@web-1")
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{free_port()}/0",
        }
    }
    status, report = health()
    assert status == 503 and failing(report) == ["cache"]


def test_a_broker_that_is_down_fails_the_broker_check():
    worker_heartbeat_record(worker="celery@web-1")
    configured = celery_app.conf.broker_read_url
    celery_app.conf.broker_read_url = f"redis://127.0.0.1:{free_port()}/0"
    try:
        status, report = health()
    finally:
        celery_app.conf.broker_read_url = configured
    assert status == 503 and failing(report) == ["broker"]


def test_the_report_names_no_server_and_is_never_cached():
    response = Client().get(reverse("health"))
    body = response.content.decode()
    database = django_settings.DATABASES["default"]
    for secret in ("127.0.0.1", "redis", "postgres", str(database["NAME"]), "password"):
        assert secret not in body
    assert "no-store" in response["Cache-Control"]
    assert Client().post(reverse("health")).status_code == 405


def test_plain_http_is_not_redirected(settings):
    """A load balancer behind the TLS proxy calls it over http; every other page redirects."""
    settings.SECURE_SSL_REDIRECT = True
    worker_heartbeat_record(worker="celery@web-1")
    assert health()[0] == 200
    assert Client().get(reverse("home")).status_code == 301


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_keeps_the_endpoint_healthy(celery_worker):
    """As beat does every WORKER_HEARTBEAT_SECONDS: the worker notes the time."""
    WorkerHeartbeat.objects.all().delete()
    assert failing(health()[1]) == ["worker"]
    worker_heartbeat.delay()
    beat = wait_for(lambda: WorkerHeartbeat.objects.first(), timeout=30)
    assert beat.worker.startswith("test-")  # the worker's own name
    status, report = health()
    assert status == 200 and report["checks"]["worker"]["seconds_since_heartbeat"] < 30


def test_beat_schedules_the_heartbeat():
    entry = django_settings.CELERY_BEAT_SCHEDULE["worker-heartbeat"]
    assert entry["task"] == worker_heartbeat.name
    interval = entry["schedule"].total_seconds()
    assert interval * 3 <= django_settings.WORKER_HEARTBEAT_STALE_SECONDS
