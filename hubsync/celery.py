"""The Celery application: configuration comes from Django settings (CELERY_*)."""

from __future__ import annotations

import os

from celery import Celery
from celery.signals import beat_init, worker_ready, worker_shutdown

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hubsync.settings")

app = Celery("hubsync")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Liveness: the worker's and beat's heartbeat threads (operations/heartbeat.py), read by
# `manage.py salesforce_health` and the metrics. Imported late: the apps must be ready.
_heartbeats: list = []


@worker_ready.connect
def _worker_heartbeat_start(**_: object) -> None:
    from operations.heartbeat import heartbeat_start

    _heartbeats.append(heartbeat_start("worker"))


@beat_init.connect
def _beat_heartbeat_start(**_: object) -> None:
    from operations.heartbeat import heartbeat_start

    _heartbeats.append(heartbeat_start("beat"))


@worker_shutdown.connect
def _heartbeats_stop(**_: object) -> None:
    while _heartbeats:
        _heartbeats.pop().stop()
