"""The back-off policy, value by value: pure, no database, no HTTP."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from connector.sync.failures import (
    MAX_ATTEMPTS,
    MAX_BACKOFF,
    NEEDS_A_FIX,
    Failure,
    Retry,
    backoff,
    retry_after,
)

NOW = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)


def no_jitter(low: float, high: float) -> float:
    return 1.0


@pytest.mark.parametrize(
    ("attempts", "minutes"),
    [(0, 1), (1, 1), (2, 2), (3, 4), (4, 8), (9, 256), (10, 360), (30, 360)],
)
def test_the_wait_doubles_from_one_minute_up_to_six_hours(attempts, minutes):
    assert backoff(attempts, jitter=no_jitter) == timedelta(minutes=minutes)


def test_the_jitter_is_drawn_between_minus_and_plus_twenty_percent():
    asked = []

    def jitter(low: float, high: float) -> float:
        asked.append((low, high))
        return high

    assert backoff(3, jitter=jitter) == timedelta(minutes=4) * 1.2
    assert asked == [(0.8, 1.2)]


def test_the_default_jitter_is_random_within_the_bounds():
    waits = {backoff(2) for _ in range(50)}
    assert len(waits) > 1
    assert all(timedelta(seconds=96) <= wait <= timedelta(seconds=144) for wait in waits)


def test_a_failure_is_retried_after_the_back_off(monkeypatch):
    monkeypatch.setattr(
        "connector.sync.failures.backoff", lambda attempts: backoff(attempts, jitter=no_jitter)
    )
    assert retry_after(0, now=NOW) == Retry(1, False, NOW + timedelta(minutes=1))
    assert retry_after(3, now=NOW) == Retry(4, False, NOW + timedelta(minutes=8))
    assert retry_after(MAX_ATTEMPTS - 2, now=NOW) == Retry(
        MAX_ATTEMPTS - 1, False, NOW + timedelta(minutes=256)
    )


def test_the_tenth_failure_parks_the_record():
    assert MAX_ATTEMPTS == 10
    assert retry_after(MAX_ATTEMPTS - 1, now=NOW) == Retry(MAX_ATTEMPTS, True, None)
    assert retry_after(MAX_ATTEMPTS + 3, now=NOW) == Retry(MAX_ATTEMPTS + 4, True, None)


def test_a_failure_that_needs_a_fix_is_parked_at_once():
    assert retry_after(0, now=NOW, needs_fix=True) == Retry(1, True, None, needs_fix=True)
    assert retry_after(4, now=NOW, needs_fix=True) == Retry(5, True, None, needs_fix=True)
    assert Retry(1, False, None).needs_fix is False


def test_which_codes_need_a_fix():
    assert Failure("Lead", "FIELD_CUSTOM_VALIDATION_EXCEPTION", "m").needs_fix is True
    assert Failure("Lead", "INVALID_COUNTRY", "m").needs_fix is True
    assert Failure("Lead", "UNABLE_TO_LOCK_ROW", "m").needs_fix is False
    assert Failure("Lead", "SERVER_UNAVAILABLE", "m").needs_fix is False
    assert Failure("Lead", "", "m").needs_fix is False
    assert timedelta(hours=6) == MAX_BACKOFF
    assert {"INVALID_STATE", "STATE_WITHOUT_COUNTRY", "DUPLICATES_DETECTED"} <= NEEDS_A_FIX
    assert "REQUEST_LIMIT_EXCEEDED" not in NEEDS_A_FIX


def test_a_failure_carries_salesforces_details():
    failure = Failure("Contact", "REQUIRED_FIELD_MISSING", "LastName", ("LastName",), "003A")
    assert (failure.object_type, failure.code, failure.message) == (
        "Contact",
        "REQUIRED_FIELD_MISSING",
        "LastName",
    )
    assert failure.fields == ("LastName",)
    assert failure.salesforce_id == "003A"
    assert Failure("Lead", "X", "m").fields == ()
    assert Failure("Lead", "X", "m").salesforce_id == ""
