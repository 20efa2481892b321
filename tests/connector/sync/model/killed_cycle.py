"""A sync cycle in a process of its own, killed right after Salesforce answered one of its
requests: the model's ``worker_killed`` step (a worker killed between Salesforce's answer
and hubsync's commit).

``python -m tests.connector.sync.model.killed_cycle <kind> <n>`` runs one cycle as a worker
does and ends the process with ``os._exit`` (as SIGKILL: no ``finally``, no rollback
handler, no commit) as soon as the ``n``-th answer of ``kind`` arrived: ``write`` (a
create, update or delete of records), ``read`` (a query). Salesforce has done what it
answered; hubsync keeps only what it had committed before. A cycle with fewer such answers
ends normally. Exit status: :data:`KILLED` when killed, 0 otherwise.
"""

from __future__ import annotations

import os
import sys
from typing import Any

KILLED = 137
WRITE_METHODS = {"POST", "PATCH", "PUT", "DELETE"}


def answer_kind(method: str, path: str) -> str:
    """``write``, ``read`` or ``other`` (login, describe, limits) for a request."""
    if "/query" in path or path.rstrip("/").endswith("/composite"):
        return "read"  # queries (also several in one composite call)
    if method in WRITE_METHODS and ("/sobjects" in path or "/jobs/ingest" in path):
        return "write"
    return "other"


def main(kind: str, n: int) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hubsync.settings")
    import django

    django.setup()
    from urllib.parse import urlsplit

    from connector.sync.cycle import sync_cycle_run
    from salesforce_emulator.client import EmulatorAdapter

    send = EmulatorAdapter.send
    seen = 0

    def send_then_maybe_die(self: EmulatorAdapter, request: Any, *args: Any, **kwargs: Any) -> Any:
        nonlocal seen
        response = send(self, request, *args, **kwargs)
        if answer_kind(request.method or "", urlsplit(request.url or "").path) == kind:
            seen += 1
            if seen >= n:
                os._exit(KILLED)
        return response

    EmulatorAdapter.send = send_then_maybe_die  # type: ignore[method-assign]
    sync_cycle_run(trigger="model_killed")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], int(sys.argv[2])))
