"""API metering: the org's daily request counter and limit, per-endpoint request counts and
the counts of what went wrong on purpose (control API ``/__emulator/stats``)."""

from __future__ import annotations

import threading
from collections import Counter
from typing import Any

from .org import OrgSettings


class Meter:
    """Counts requests against ``store.org`` (``api_used`` / ``api_limit``)."""

    def __init__(self, store: OrgSettings) -> None:
        self.store = store
        self.lock = threading.Lock()
        self.requests: Counter[str] = Counter()
        # Requests by the client id their ``Sforce-Call-Options`` named ("" for none).
        self.clients: Counter[str] = Counter()
        # What went wrong on purpose: injected faults by kind, and the emulator's own
        # refusals (expired sessions, the org's request limit).
        self.faults: Counter[str] = Counter()

    def count_request(self, key: str, client: str = "") -> None:
        with self.lock:
            self.requests[key] += 1
            self.clients[client] += 1

    def count_fault(self, kind: str, n: int = 1) -> None:
        with self.lock:
            self.faults[kind] += n

    def charge(self, *, refusable: bool = True) -> bool:
        """Count one API call; False (and nothing counted) past the limit if ``refusable``."""
        with self.lock:
            org = self.store.org
            if refusable and org["api_used"] >= org["api_limit"]:
                self.faults["refused:REQUEST_LIMIT_EXCEEDED"] += 1
                return False
            org["api_used"] += 1
            return True

    def usage_header(self) -> str:
        """The value of ``Sforce-Limit-Info``."""
        org = self.store.org
        return f"api-usage={org['api_used']}/{org['api_limit']}"

    def stats(self) -> dict[str, Any]:
        with self.lock:
            return {
                "api_used": self.store.org["api_used"],
                "api_limit": self.store.org["api_limit"],
                "requests": dict(self.requests),
                "total_requests": sum(self.requests.values()),
                "requests_by_client": dict(self.clients),
                "faults": dict(self.faults),
            }

    def reset(self) -> None:
        with self.lock:
            self.requests.clear()
            self.clients.clear()
            self.faults.clear()
