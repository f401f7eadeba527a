"""The workers' heartbeat: a worker notes the time whenever it runs beat's heartbeat task."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from ..models import WorkerHeartbeat

# A worker not heard of for a day is gone (renamed, or its machine retired).
FORGOTTEN_AFTER = timedelta(days=1)


def worker_heartbeat_record(*, worker: str) -> None:
    now = timezone.now()
    WorkerHeartbeat.objects.update_or_create(worker=worker, defaults={"beat_at": now})
    WorkerHeartbeat.objects.filter(beat_at__lt=now - FORGOTTEN_AFTER).delete()
