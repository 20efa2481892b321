"""API requests in flight, for Salesforce's concurrent long-running request limit.

Besides the daily request limit, a production org lets at most 25 requests that have run for
20 seconds or more be in flight at once; while that many are, every new request is refused
with ``REQUEST_LIMIT_EXCEEDED`` (*ConcurrentRequests*), which a client must treat as "slow
down", not as "the day's budget is spent". The org settings ``concurrent_request_limit`` and
``long_running_request_s`` switch the emulation on and scale it down for tests; the HTTP side
(``app.py``) tracks every API request here and asks :meth:`InFlight.refuses` before running
a new one.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

CONCURRENT_MESSAGE = "ConcurrentRequests (Concurrent API Requests) Limit exceeded."


class InFlight:
    """Start times of the API requests being served (control API requests are not)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.started: dict[int, float] = {}
        self._ids = itertools.count()

    @contextmanager
    def track(self) -> Iterator[None]:
        """Register one request for as long as it is served."""
        key = next(self._ids)
        with self.lock:
            self.started[key] = time.monotonic()
        try:
            yield
        finally:
            with self.lock:
                self.started.pop(key, None)

    def long_running(self, threshold_s: float) -> int:
        """How many requests in flight have run for at least ``threshold_s`` seconds."""
        cutoff = time.monotonic() - threshold_s
        with self.lock:
            return sum(1 for t in self.started.values() if t <= cutoff)

    def refuses(self, org: dict[str, Any]) -> bool:
        """Whether a new request is refused under the org's concurrent request limit."""
        limit = org.get("concurrent_request_limit")
        if limit is None:
            return False
        return self.long_running(float(org.get("long_running_request_s", 20))) >= int(limit)
