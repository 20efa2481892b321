"""The sync run a log line belongs to: ``run_id`` on every line a cycle writes.

``sync_cycle_run`` sets the run in a context variable; :class:`RunIdFilter` (on the
console handler, hubsync/settings.py LOGGING) copies it onto each record, so JSON logs
(LOG_FORMAT=json) carry ``"run_id"`` on sync lines. Loaded by the logging configuration
before Django's apps: imports nothing of Django.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_run_id: ContextVar[int | None] = ContextVar("hubsync_sync_run_id", default=None)


@contextmanager
def sync_run_logging(run_id: int) -> Iterator[None]:
    token = _run_id.set(run_id)
    try:
        yield
    finally:
        _run_id.reset(token)


def current_run_id() -> int | None:
    return _run_id.get()


class RunIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        run_id = _run_id.get()
        if run_id is not None and not hasattr(record, "run_id"):
            record.run_id = run_id
        return True
