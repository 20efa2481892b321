"""Run the Change Data Capture listener until stopped (SIGTERM or Ctrl-C).

    python manage.py salesforce_listen

Its own process (Procfile ``listener``, docker-compose ``listener``): it subscribes to the
org's change events and runs a sync cycle when Salesforce changes something hubsync reads
(connector/listener.py). One listener per installation.
"""

from __future__ import annotations

import signal
import threading
from typing import Any

from django.core.management.base import BaseCommand

from connector.listener import ChangeListener
from operations.heartbeat import heartbeat_start


class Command(BaseCommand):
    help = "Listen to Salesforce's change events (Change Data Capture) and sync as they come."

    def handle(self, *args: Any, **options: Any) -> None:
        listener = ChangeListener(stop=threading.Event())
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: listener.cancel())
        # Liveness for `manage.py salesforce_health` (its own thread and connection).
        heartbeat = heartbeat_start("listener")
        try:
            listener.run()
        finally:
            heartbeat.stop()
