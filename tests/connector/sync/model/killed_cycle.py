"""A sync cycle in a worker process of its own, killed right after Salesforce answered one
of its requests: the model's ``worker_killed`` step (a worker killed between Salesforce's
answer and hubsync's commit).

``python -m tests.connector.sync.model.killed_cycle`` sets Django up, then waits for one
line ``<kind> <n>`` on its standard input (so a spare process can be started ahead, its
start-up overlapping the steps before: :class:`Spare`), runs one cycle as a worker does and
ends the process with ``os._exit`` (as SIGKILL: no ``finally``, no rollback handler, no
commit) as soon as the ``n``-th answer of ``kind`` arrived: ``write`` (a create, update or
delete of records), ``read`` (a query). Salesforce has done what it answered; hubsync keeps
only what it had committed before. A cycle with fewer such answers ends normally. Exit
status: :data:`KILLED` when killed, 0 otherwise; end of input: 0 without a cycle.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
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


class Spare:
    """A worker process started ahead of the step that kills it."""

    def __init__(self, *, cwd: Path, env: dict[str, str]) -> None:
        self.cwd, self.env = cwd, env
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        if self.process is None:
            self.process = subprocess.Popen(
                [sys.executable, "-m", __name__],
                cwd=self.cwd,
                env=self.env,
                stdin=subprocess.PIPE,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
            )

    def run(self, kind: str, n: int, *, timeout: float = 300) -> bool:
        """The cycle, killed after the ``n``-th answer of ``kind``; True when it was. The next
        spare starts at once."""
        self.start()
        process, self.process = self.process, None
        assert process is not None and process.stdin is not None
        _, stderr = process.communicate(f"{kind} {n}\n".encode(), timeout=timeout)
        self.start()
        if process.returncode not in (0, KILLED):
            raise AssertionError(f"the worker process failed: {stderr.decode()[-3000:]}")
        return process.returncode == KILLED

    def close(self) -> None:
        if self.process is not None:
            self.process.communicate(b"", timeout=60)  # end of input: it exits
            self.process = None


def main() -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hubsync.settings")
    import django

    django.setup()
    from urllib.parse import urlsplit

    from connector.sync.cycle import sync_cycle_run
    from salesforce_emulator.client import EmulatorAdapter

    line = sys.stdin.readline().split()
    if not line:
        return 0
    kind, n = line[0], int(line[1])
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
    sys.exit(main())
