"""The workers' heartbeat, read by the health endpoint."""

from django.db import models


class WorkerHeartbeat(models.Model):
    """The last time a worker ran the heartbeat task that beat schedules: a recent one
    means beat, the broker and a worker all do their part."""

    worker = models.CharField(max_length=255, primary_key=True)
    beat_at = models.DateTimeField()

    def __str__(self):
        return f"{self.worker} at {self.beat_at:%Y-%m-%d %H:%M:%S}"
