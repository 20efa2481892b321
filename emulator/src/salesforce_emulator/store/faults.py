"""Injected faults (control API ``/__emulator/faults``): which requests fail, and how.

A :class:`Fault` fails, stalls or drops the next ``count`` matching requests, or (a record
fault) fails some records of the next matching sObject Collections writes. How a fault is
applied to an HTTP request is the HTTP side's business (``api.faults``).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .results import ROLLED_BACK, WriteResult, err

# Salesforce's own wording for record faults the emulator can inject.
RECORD_FAULT_MESSAGES = {
    "UNABLE_TO_LOCK_ROW": "unable to obtain exclusive access to this record",
}


@dataclass
class Fault:
    """An injected failure for the next ``count`` requests matching ``path``/``method``."""

    id: int
    path: re.Pattern[str]
    method: str | None
    status: int | None
    error_code: str | None
    message: str | None
    count: int
    delay_s: float
    reset_connection: bool
    # Fail only this share of the matching requests, spread evenly (1.0 = every one).
    share: float = 1.0
    # Per-record failure inside an sObject Collections write: the request succeeds,
    # but ``record_count`` (or ``record_share``) of its records fail with this code.
    record_error_code: str | None = None
    # With ``status``: answer this JSON body instead of Salesforce's error list (a reply
    # Salesforce would never give, e.g. a token answer without ``instance_url``).
    body: Any = None
    record_count: int = 0
    record_share: float = 0.0
    fired: int = 0
    _credit: float = 0.0

    def admits(self) -> bool:
        """Whether this matching request is one of the ``share`` that fail."""
        if self.share >= 1:
            return True
        self._credit += self.share
        if self._credit < 1:
            return False
        self._credit -= 1
        return True

    def records_to_fail(self, n: int) -> set[int]:
        """Indices of the records of an n-record write that fail (spread evenly)."""
        if self.record_count:
            share = min(self.record_count, n) / n if n else 0
        else:
            share = self.record_share
        return {i for i in range(n) if int((i + 1) * share) > int(i * share)}

    def fail_records(
        self,
        records: list[dict[str, Any]],
        failing: set[int],
        all_or_none: bool,
        write: Callable[[list[dict[str, Any]]], list[WriteResult]],
    ) -> list[WriteResult]:
        """``write`` the records not in ``failing``; those fail with the record fault's code
        (with ``all_or_none`` nothing is written and the others are rolled back)."""
        assert self.record_error_code is not None
        code = self.record_error_code
        message = self.message or RECORD_FAULT_MESSAGES.get(code, "Injected record fault")
        if all_or_none:
            return [
                WriteResult(errors=[err(code, message)] if i in failing else [dict(ROLLED_BACK)])
                for i in range(len(records))
            ]
        written = iter(write([r for i, r in enumerate(records) if i not in failing]))
        return [
            WriteResult(errors=[err(code, message)]) if i in failing else next(written)
            for i in range(len(records))
        ]

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "path": self.path.pattern,
            "method": self.method,
            "status": self.status,
            "error_code": self.error_code,
            "message": self.message,
            "count": self.count,
            "delay_s": self.delay_s,
            "reset_connection": self.reset_connection,
            "share": self.share,
            "record_error_code": self.record_error_code,
            "record_count": self.record_count,
            "record_share": self.record_share,
            "fired": self.fired,
        }


class FaultBook:
    """The faults waiting to strike, in the order they were added."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.faults: list[Fault] = []
        self._n = 0

    def add(self, body: dict[str, Any]) -> Fault:
        """A fault from the control API's JSON body (ValueError/TypeError if invalid)."""
        with self.lock:
            self._n += 1
            fault = Fault(
                id=self._n,
                path=re.compile(body.get("path", ".*")),
                method=(body.get("method") or None),
                status=body.get("status"),
                error_code=body.get("error_code"),
                message=body.get("message"),
                count=int(body.get("count", 1)),
                delay_s=float(body.get("delay_s", 0) or 0),
                reset_connection=bool(body.get("reset_connection", False)),
                share=float(body.get("share", 1.0) or 1.0),
                record_error_code=body.get("record_error_code") or None,
                record_count=int(body.get("record_count", 0) or 0),
                record_share=float(body.get("record_share", 0) or 0),
                body=body.get("body"),
            )
            if not 0 < fault.share <= 1 or not 0 <= fault.record_share <= 1:
                raise ValueError("share and record_share are between 0 and 1")
            if fault.record_error_code:
                if not (fault.record_count or fault.record_share):
                    raise ValueError("a record fault needs record_count or record_share")
            elif fault.status is None and not fault.delay_s and not fault.reset_connection:
                raise ValueError(
                    "a fault needs status, delay_s, reset_connection or record_error_code"
                )
            self.faults.append(fault)
            return fault

    def take(self, method: str, path: str) -> Fault | None:
        """The first fault that strikes this request (its ``count`` is used up by one)."""
        with self.lock:
            for fault in self.faults:
                if fault.count <= 0:
                    continue
                if fault.method and fault.method.upper() != method:
                    continue
                if not fault.path.search(path):
                    continue
                if not fault.admits():
                    continue
                fault.count -= 1
                fault.fired += 1
                return fault
        return None

    def pending(self) -> list[dict[str, Any]]:
        """The faults that can still strike, as JSON."""
        with self.lock:
            return [f.as_json() for f in self.faults if f.count > 0]

    def clear(self) -> None:
        with self.lock:
            self.faults.clear()
