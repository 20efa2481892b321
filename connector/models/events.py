"""The Change Data Capture subscription's durable state (connector/listener.py)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class ChangeEventState(models.TextChoices):
    OFF = "off", _("Off")
    CONNECTING = "connecting", _("Connecting")
    LISTENING = "listening", _("Listening")
    UNAVAILABLE = "unavailable", _("Unavailable")
    REPLAY_MISSED = "replay_missed", _("Replay window missed")


class ChangeEventStream(models.Model):
    """Where the listener stands on one Pub/Sub topic, and where it resumes.

    ``replay_id`` is the last event whose changes a finished cycle has read (or the
    server's latest replay id at an idle keepalive): after a restart the listener
    subscribes after it, so no change is lost and none is applied twice. It is written only
    once a cycle that started after the events has finished.
    """

    topic = models.CharField(max_length=80, unique=True)
    replay_id = models.BinaryField(null=True, blank=True)
    state = models.CharField(
        max_length=16, choices=ChangeEventState.choices, default=ChangeEventState.OFF
    )
    detail = models.TextField(blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    last_event_at = models.DateTimeField(null=True, blank=True)
    events_received = models.PositiveBigIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("change event stream")

    def __str__(self) -> str:
        return f"{self.topic} ({self.state})"
