"""Heartbeats of the worker, beat and listener processes, and how long each kind is silent.

Each process starts a daemon thread (``heartbeat_start``) that writes its
:class:`ProcessHeartbeat` row every HEARTBEAT_SECONDS and closes its database connection
in between (a thread of its own: a long sync cycle or a blocking change-event stream never
delays it). A process that dies stops writing; ``manage.py salesforce_health`` reports a
kind whose freshest heartbeat is older than its limit.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection
from django.utils import timezone

from .models import ProcessHeartbeat, ProcessKind

logger = logging.getLogger(__name__)

#: Rows of processes gone for longer than this are removed by the next heartbeat.
FORGET_AFTER = timedelta(days=1)


def heartbeat_seconds() -> float:
    return float(settings.HEARTBEAT_SECONDS)


def default_max_silence() -> float:
    """Three missed heartbeats and some slack before a process counts as silent."""
    return 3 * heartbeat_seconds() + 30


def heartbeat_write(*, kind: str, name: str, started_at: datetime) -> None:
    now = timezone.now()
    ProcessHeartbeat.objects.update_or_create(
        name=name,
        defaults={
            "kind": kind,
            "host": name.rsplit(":", 1)[0],
            "pid": int(name.rsplit(":", 1)[1]),
            "started_at": started_at,
            "beat_at": now,
        },
    )
    ProcessHeartbeat.objects.filter(beat_at__lt=now - FORGET_AFTER).delete()


class Heartbeat:
    """The heartbeat thread of this process; ``stop`` ends it and removes the row (a
    process stopped on purpose is not a silent one)."""

    def __init__(self, kind: str) -> None:
        self.kind = ProcessKind(kind)
        self.name = f"{socket.gethostname()}:{os.getpid()}"
        self.started_at = timezone.now()
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._run, name=f"hubsync-heartbeat-{kind}", daemon=True
        )

    def start(self) -> Heartbeat:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)
        try:
            ProcessHeartbeat.objects.filter(name=self.name).delete()
        except Exception:  # noqa: BLE001 — the database may be gone at shutdown
            logger.warning("Could not remove the heartbeat of %s", self.name)
        finally:
            connection.close()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                heartbeat_write(kind=self.kind, name=self.name, started_at=self.started_at)
            except Exception as error:  # noqa: BLE001 — keep beating once the database is back
                logger.warning("Heartbeat of %s not written: %s", self.kind, error)
            finally:
                connection.close()  # this thread's own connection: none held in between
            self._stop.wait(heartbeat_seconds())


def heartbeat_start(kind: str) -> Heartbeat:
    """Start this process's heartbeat thread (worker_ready, beat_init, salesforce_listen)."""
    return Heartbeat(kind).start()


@dataclass(frozen=True)
class ProcessLiveness:
    kind: str
    last: ProcessHeartbeat | None
    silent_for: float | None  # seconds since the freshest heartbeat; None: never seen
    alive: bool


def process_liveness(
    *, kinds: list[str], max_silence: float, host: str | None = None
) -> list[ProcessLiveness]:
    """For each kind, its freshest heartbeat (of ``host`` only, when given) and whether it
    is younger than ``max_silence`` seconds."""
    now = timezone.now()
    found = []
    for kind in kinds:
        rows = ProcessHeartbeat.objects.filter(kind=kind)
        if host:
            rows = rows.filter(host=host)
        last = rows.order_by("-beat_at").first()
        silent_for = (now - last.beat_at).total_seconds() if last else None
        alive = silent_for is not None and silent_for <= max_silence
        found.append(ProcessLiveness(kind=kind, last=last, silent_for=silent_for, alive=alive))
    return found
