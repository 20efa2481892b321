"""`manage.py salesforce_health`: are the worker, beat and listener alive? Exit 1 if not.

    python manage.py salesforce_health                       # every process hubsync needs
    python manage.py salesforce_health --process worker --here --max-silence 120

One line per process kind; a kind whose freshest heartbeat is older than ``--max-silence``
seconds (default: three missed heartbeats and 30 s) or that never wrote one is *silent*
and the command exits 1. The listener is needed only while the sync and *Changes from
Salesforce* are on; ``--process listener`` asks for it regardless. ``--here``: only
processes on this host (a container's own health check).
"""

from __future__ import annotations

import socket
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from connector.selectors import integration_settings_get
from operations.heartbeat import default_max_silence, process_liveness
from operations.models import ProcessKind


class Command(BaseCommand):
    help = "Report whether the worker, beat and listener processes are alive; exit 1 if not."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--process",
            action="append",
            choices=ProcessKind.values,
            help="a process kind to check (repeatable; default: all that are needed)",
        )
        parser.add_argument(
            "--max-silence",
            type=float,
            default=None,
            help="seconds without a heartbeat before a process is silent",
        )
        parser.add_argument(
            "--here", action="store_true", help="only processes running on this host"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        max_silence = options["max_silence"] or default_max_silence()
        try:
            kinds = options["process"] or self._needed()
            found = process_liveness(
                kinds=kinds,
                max_silence=max_silence,
                host=socket.gethostname() if options["here"] else None,
            )
        except DatabaseError as error:
            raise CommandError(f"database unreachable: {error}".strip()) from None
        for liveness in found:
            if liveness.last is None:
                line = f"{liveness.kind}: silent (no heartbeat from any such process)"
            else:
                state = "alive" if liveness.alive else "silent"
                line = (
                    f"{liveness.kind}: {state} (last heartbeat {liveness.silent_for:.0f} s ago, "
                    f"{liveness.last.name})"
                )
            self.stdout.write(line)
        if not all(liveness.alive for liveness in found):
            sys.exit(1)

    def _needed(self) -> list[str]:
        integration_settings = integration_settings_get()
        kinds = [ProcessKind.WORKER.value, ProcessKind.BEAT.value]
        if integration_settings.sync_enabled and integration_settings.change_events:
            kinds.append(ProcessKind.LISTENER.value)
        return kinds
