"""The health endpoint's checks: PostgreSQL (or SQLite), the cache, the broker and the
workers' heartbeat. Each says only whether it works and how long it took: no address,
name or error text, which could tell an outsider about the servers. The errors go to
the log."""

from __future__ import annotations

import logging
import time
import uuid
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.utils import timezone

from ..celery import app as celery_app
from ..models import WorkerHeartbeat

logger = logging.getLogger(__name__)


def database_check() -> dict:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return {}


def cache_check() -> dict:
    """A round trip: a cache that is down may read as a miss rather than fail."""
    probe = uuid.uuid4().hex
    cache.set("health:probe", probe, timeout=30)
    if cache.get("health:probe") != probe:
        raise ConnectionError("the cache did not return what was written")
    return {}


def broker_check() -> dict:
    with celery_app.connection_for_read() as broker:
        broker.ensure_connection(max_retries=0, timeout=settings.CELERY_BROKER_CONNECTION_TIMEOUT)
    return {}


def worker_check() -> dict:
    """A worker ran beat's heartbeat task within ``WORKER_HEARTBEAT_STALE_SECONDS``."""
    stale = settings.WORKER_HEARTBEAT_STALE_SECONDS
    last = WorkerHeartbeat.objects.order_by("-beat_at").values_list("beat_at", flat=True).first()
    age = None if last is None else (timezone.now() - last).total_seconds()
    alive = WorkerHeartbeat.objects.filter(
        beat_at__gte=timezone.now() - timedelta(seconds=stale)
    ).count()
    if age is None or age > stale:
        raise LookupError(f"no worker heartbeat in the last {stale} s")
    return {"seconds_since_heartbeat": round(age, 1), "workers": alive}


CHECKS = {
    "database": database_check,
    "cache": cache_check,
    "broker": broker_check,
    "worker": worker_check,
}


def health_report() -> dict:
    """``{"status": "ok" | "failing", "checks": {name: {"ok": …, "ms": …}}}``."""
    checks = {}
    for name, check in CHECKS.items():
        started = time.perf_counter()
        try:
            result = {"ok": True, **check()}
        # Whatever a driver raises (psycopg, redis, kombu each have their own errors)
        # means the service does not work; what it was goes to the log, not the page.
        except Exception as error:  # noqa: BLE001
            logger.warning("health check %s failed: %r", name, error)
            result = {"ok": False}
        result["ms"] = round((time.perf_counter() - started) * 1000, 1)
        checks[name] = result
    healthy = all(check["ok"] for check in checks.values())
    return {"status": "ok" if healthy else "failing", "checks": checks}
