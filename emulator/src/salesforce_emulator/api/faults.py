"""Injected faults applied to an HTTP request: stall, drop the TCP connection, or fail with
a status; record faults are handed on to the sObject Collections write (``ctx.record_fault``).
"""

from __future__ import annotations

import socket
import sys
import time
from types import FrameType

from ..store.faults import FaultBook
from ..store.metering import Meter
from .common import Ctx, Out, sf_error


def apply_fault(faults: FaultBook, meter: Meter, ctx: Ctx) -> Out | None:
    """The answer of a faulted request, or None: go on (after a stall, or a record fault)."""
    fault = faults.take(ctx.method, ctx.path)
    if fault is None:
        return None
    if fault.record_error_code:
        ctx.record_fault = fault  # the write itself decides which records fail
        return None
    if fault.delay_s:
        time.sleep(fault.delay_s)
        meter.count_fault("delay")  # counted once over: a test can wait for it
    if fault.reset_connection:
        meter.count_fault("reset_connection")
        drop_connection()
        return sf_error(503, "CONNECTION_RESET", "connection reset")
    if fault.status:
        code = fault.error_code or "SERVER_UNAVAILABLE"
        msg = fault.message or "Injected fault"
        meter.count_fault(f"status:{fault.status}:{code}")
        if fault.body is not None:
            return Out(fault.status, fault.body)
        return sf_error(fault.status, code, msg)
    return None


def drop_connection() -> None:
    """Abort the current TCP connection (waitress only): find the channel serving this
    thread's request and shut its socket down, so the client sees a reset/closed connection
    instead of a response. A no-op under other servers."""
    frame: FrameType | None = sys._getframe()
    while frame is not None:
        channel = frame.f_locals.get("self")
        sock = getattr(channel, "socket", None)
        if sock is not None and type(channel).__name__ == "HTTPChannel":
            try:
                sock.setsockopt(
                    socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00"
                )
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return
        frame = frame.f_back
