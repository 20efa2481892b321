"""Bulk API allocations of a rolling 24 hours, as ``limits/`` reports them.

``DailyBulkV2QueryJobs``: Bulk API 2.0 query jobs created (a deleted or failed job still
counts). ``DailyBulkApiBatches`` (shared with Bulk API 1.0): an ingest job uses one batch per
started 10,000 records it processes, counted when it has run. Salesforce: "Bulk API and Bulk
API 2.0 Limits and Allocations".
"""

from __future__ import annotations

import threading
import time
from collections import deque

WINDOW_S = 24 * 3600
#: Records of an ingest job that make one batch.
RECORDS_PER_BATCH = 10_000


def batches_for(records: int) -> int:
    """Batches an ingest job of ``records`` records uses (0 for none)."""
    return -(-records // RECORDS_PER_BATCH)


class Allocations:
    """Timestamped uses of ``query`` (query jobs) and ``batches`` (ingest batches)."""

    def __init__(self) -> None:
        self._uses: deque[tuple[float, str, int]] = deque()
        self._lock = threading.Lock()

    def use(self, kind: str, amount: int = 1) -> None:
        if amount > 0:
            with self._lock:
                self._uses.append((time.time(), kind, amount))

    def used(self, kind: str) -> int:
        """Uses of ``kind`` in the last 24 hours."""
        cutoff = time.time() - WINDOW_S
        with self._lock:
            while self._uses and self._uses[0][0] < cutoff:
                self._uses.popleft()
            return sum(n for _, k, n in self._uses if k == kind)

    def clear(self) -> None:
        with self._lock:
            self._uses.clear()
