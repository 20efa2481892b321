"""The back-off policy: pure, no database, no HTTP."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from connector.sync.failures import MAX_ATTEMPTS, MAX_BACKOFF, backoff, retry_after

NOW = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)


def no_jitter(low: float, high: float) -> float:
    return 1.0


def test_backoff_doubles_from_one_minute_and_is_capped():
    waits = [backoff(n, jitter=no_jitter) for n in range(1, 13)]
    assert waits[:4] == [timedelta(minutes=m) for m in (1, 2, 4, 8)]
    assert max(waits) == MAX_BACKOFF == timedelta(hours=6)


def test_backoff_jitter_stays_within_twenty_percent():
    for attempts in range(1, 12):
        base = backoff(attempts, jitter=no_jitter)
        for _ in range(20):
            assert 0.8 * base <= backoff(attempts) <= 1.2 * base


def test_retry_after_counts_and_parks_at_the_last_attempt():
    first = retry_after(0, now=NOW)
    assert first.attempts == 1 and not first.parked
    assert NOW + timedelta(seconds=47) <= first.not_before <= NOW + timedelta(seconds=73)
    last = retry_after(MAX_ATTEMPTS - 1, now=NOW)
    assert last.attempts == MAX_ATTEMPTS and last.parked and last.not_before is None
