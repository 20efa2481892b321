"""The liveness of hubsync's long-running processes: one heartbeat row per process."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class ProcessKind(models.TextChoices):
    WORKER = "worker", _("Celery worker")
    BEAT = "beat", _("Celery beat")
    LISTENER = "listener", _("Change-event listener")


class ProcessHeartbeat(models.Model):
    """Written by a thread of each worker, beat and listener process every
    HEARTBEAT_SECONDS (operations/heartbeat.py); ``manage.py salesforce_health`` and the
    metrics read how long each kind has been silent."""

    kind = models.CharField(max_length=16, choices=ProcessKind.choices)
    # host:pid — one row per process; the host is the container's in Docker.
    name = models.CharField(max_length=255, unique=True)
    host = models.CharField(max_length=255)
    pid = models.PositiveIntegerField()
    started_at = models.DateTimeField()
    beat_at = models.DateTimeField()

    class Meta:
        verbose_name = _("process heartbeat")
        indexes = [models.Index(fields=["kind", "-beat_at"], name="heartbeat_kind_beat")]

    def __str__(self) -> str:
        return f"{self.kind} {self.name} {self.beat_at:%Y-%m-%d %H:%M:%S}"
