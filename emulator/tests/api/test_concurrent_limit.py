"""The concurrent long-running request limit (org settings concurrent_request_limit and
long_running_request_s): a stalled request (fault delay_s) runs in a thread while the test
sends another one."""

from __future__ import annotations

import threading
import time

import pytest
from simple_salesforce.exceptions import SalesforceRefusedRequest

from salesforce_emulator.pytest_plugin import PASSWORD, SECURITY_TOKEN, USERNAME

LIMITS = "GET /services/data/v<version>/limits/"
REFUSED = [
    {
        "message": "ConcurrentRequests (Concurrent API Requests) Limit exceeded.",
        "errorCode": "REQUEST_LIMIT_EXCEEDED",
        "fields": [],
    }
]


def _in_thread(emulator, call):
    """Run ``call(client)`` with a client of its own in a thread; its outcome in a dict."""
    client = emulator.salesforce(USERNAME, PASSWORD, SECURITY_TOKEN)
    outcome: dict = {}

    def run():
        try:
            outcome["result"] = call(client)
        except Exception as exc:  # handed back to the test
            outcome["error"] = exc

    thread = threading.Thread(target=run)
    thread.start()
    return thread, outcome


def _arrived(emulator_control, request: str) -> None:
    """Wait (with a deadline) until the emulator has received ``request``."""
    deadline = time.monotonic() + 30
    while not emulator_control.stats()["requests"].get(request):
        assert time.monotonic() < deadline, f"{request} never arrived"
        time.sleep(0.02)


@pytest.mark.slow
def test_new_requests_are_refused_while_long_ones_run(emulator, emulator_control, sf):
    emulator_control.configure_org(concurrent_request_limit=1, long_running_request_s=0.2)
    # The stall is long (3 s) against the 0.2 s that makes a request long-running, so a
    # loaded machine that is slow to send the next request still sends it while the first
    # one runs; the test waits for the first one's arrival, not for a guessed moment.
    emulator_control.add_fault(r"/limits", delay_s=3.0)
    thread, outcome = _in_thread(emulator, lambda c: c.limits())
    _arrived(emulator_control, LIMITS)
    time.sleep(0.3)  # at least long_running_request_s: the request now counts as long
    used = emulator_control.stats()["api_used"]
    with pytest.raises(SalesforceRefusedRequest) as exc:
        sf.query("SELECT Id FROM Contact")
    assert exc.value.content == REFUSED
    stats = emulator_control.stats()
    assert stats["api_used"] == used  # not counted against the daily limit
    assert stats["faults"]["refused:ConcurrentRequests"] == 1
    thread.join()
    assert "DailyApiRequests" in outcome["result"]  # the long request itself succeeds
    assert sf.query("SELECT Id FROM Contact")["totalSize"] == 0  # and then all is well


def test_short_requests_do_not_count(emulator, emulator_control, sf):
    emulator_control.configure_org(concurrent_request_limit=1, long_running_request_s=5)
    emulator_control.add_fault(r"/limits", delay_s=0.6)
    thread, outcome = _in_thread(emulator, lambda c: c.limits())
    _arrived(emulator_control, LIMITS)
    assert sf.query("SELECT Id FROM Contact")["totalSize"] == 0
    thread.join()
    assert "result" in outcome


def test_off_by_default(emulator, emulator_control, sf):
    org = emulator_control.org()
    assert org["concurrent_request_limit"] is None and org["long_running_request_s"] == 20
    emulator_control.configure_org(long_running_request_s=0)
    emulator_control.add_fault(r"/limits", delay_s=0.5)
    thread, _ = _in_thread(emulator, lambda c: c.limits())
    _arrived(emulator_control, LIMITS)
    assert sf.query("SELECT Id FROM Contact")["totalSize"] == 0
    thread.join()


def test_settings_are_validated(emulator_control):
    for key, bad in [
        ("concurrent_request_limit", -1),
        ("concurrent_request_limit", "5"),
        ("long_running_request_s", None),
        ("long_running_request_s", -0.5),
    ]:
        with pytest.raises(RuntimeError, match="400"):
            emulator_control.configure_org(**{key: bad})
