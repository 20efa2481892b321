"""The API meter: the rolling 24-hour window, the limit, the 75 % retry budget, the org's
usage header, and counting at the transport. In-memory database, no HTTP server."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import requests
from django.db.models import QuerySet
from django.utils import timezone
from requests.adapters import BaseAdapter

from connector.errors import ApiLimitReached
from connector.metering import (
    RETRY_BUDGET_SHARE,
    WINDOW,
    ApiMeter,
    MeteredAdapter,
    OrgUsage,
    meter_session,
)
from connector.models import ApiCallBucket

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 12, 1, 12, 0, 30, tzinfo=UTC)


def calls_at(moment: datetime, calls: int) -> None:
    ApiCallBucket.objects.create(minute=moment, calls=calls)


def test_the_window_is_exactly_24_hours():
    assert timedelta(hours=24) == WINDOW
    calls_at(NOW - timedelta(hours=25), 1_000)  # a 25-hour window would count these
    calls_at(NOW - timedelta(hours=24), 100)  # the boundary has left the window
    calls_at(NOW - timedelta(hours=23, minutes=59), 10)  # a 23-hour window would drop these
    calls_at(NOW - timedelta(hours=23, minutes=30), 5)
    calls_at(NOW - timedelta(minutes=1), 1)
    assert ApiMeter(limit=None).used(now=NOW) == 16


def test_nothing_used_is_zero():
    assert ApiMeter(limit=None).used(now=NOW) == 0


def test_used_defaults_to_now():
    calls_at(timezone.now() - timedelta(hours=23), 7)
    calls_at(timezone.now() - timedelta(hours=25), 1)
    assert ApiMeter(limit=None).used() == 7


def test_the_window_frees_when_its_oldest_minute_leaves_plus_a_minute():
    meter = ApiMeter(limit=10)
    assert meter.seconds_until_free(now=NOW) == 0
    calls_at(NOW - timedelta(hours=25), 3)  # already outside: not the oldest counted
    calls_at(NOW - timedelta(hours=23), 3)
    calls_at(NOW - timedelta(hours=2), 3)
    assert meter.seconds_until_free(now=NOW) == 3_600 + 60


def test_the_wait_is_at_least_a_minute():
    calls_at(NOW - timedelta(hours=24) + timedelta(seconds=10), 1)
    assert ApiMeter(limit=1).seconds_until_free(now=NOW) == 70
    ApiCallBucket.objects.all().delete()
    calls_at(NOW - timedelta(hours=24) + timedelta(microseconds=1), 1)
    assert ApiMeter(limit=1).seconds_until_free(now=NOW) == 60


def test_seconds_until_free_defaults_to_now():
    calls_at(timezone.now() - timedelta(hours=23), 1)
    assert 3_600 <= ApiMeter(limit=1).seconds_until_free() <= 3_660


def test_retries_wait_while_more_than_75_percent_is_used():
    assert RETRY_BUDGET_SHARE == 0.75
    meter = ApiMeter(limit=100)
    calls_at(timezone.now() - timedelta(hours=1), 75)
    assert meter.retries_allowed() is True  # exactly 75 %: still allowed
    calls_at(timezone.now() - timedelta(hours=2), 1)
    assert meter.retries_allowed() is False
    assert ApiMeter(limit=None).retries_allowed() is True


def test_the_limit_stops_the_call_that_would_exceed_it():
    calls_at(timezone.now() - timedelta(hours=1), 4)
    ApiMeter(limit=5).check()  # the fifth call may go
    ApiMeter(limit=None).check()
    calls_at(timezone.now() - timedelta(hours=2), 1)
    with pytest.raises(ApiLimitReached) as raised:
        ApiMeter(limit=5).check()
    assert raised.value.code == "API_LIMIT_REACHED"
    assert raised.value.message == "hubsync's API call limit of 5 calls in 24 hours is used up."
    assert 22 * 3_600 + 55 <= raised.value.retry_after_s <= 22 * 3_600 + 60


@pytest.mark.django_db(transaction=True)
def test_two_lanes_at_the_last_call_never_both_take_it():
    """Each thread has its own connection (as the push's lanes do): checked first, both
    saw the last call free and the limit was passed by one."""
    import threading

    from django.db import connection

    calls_at(timezone.now() - timedelta(hours=1), 4)
    meter = ApiMeter(limit=5)
    start = threading.Barrier(2)
    took: list[bool] = []

    def lane() -> None:
        start.wait()
        try:
            meter.reserve()
            took.append(True)
        except ApiLimitReached:
            took.append(False)
        finally:
            connection.close()

    for _ in range(20):
        lanes = [threading.Thread(target=lane) for _ in range(2)]
        for thread in lanes:
            thread.start()
        for thread in lanes:
            thread.join()
        assert took.count(True) <= 1
        assert ApiMeter(limit=5).used() <= 5
        ApiCallBucket.objects.filter(minute__gt=timezone.now() - timedelta(minutes=30)).delete()
        took.clear()


def test_no_limit_never_raises():
    calls_at(timezone.now() - timedelta(hours=1), 1_000_000)
    ApiMeter(limit=None).check()


def test_record_counts_this_minutes_calls_in_one_row():
    meter = ApiMeter(limit=None)
    meter.record()
    meter.record(3)
    assert meter.calls == 4
    bucket = ApiCallBucket.objects.get()
    assert bucket.calls == 4
    assert bucket.minute.second == 0 and bucket.minute.microsecond == 0
    assert timezone.now() - timedelta(minutes=2) < bucket.minute <= timezone.now()
    assert ApiMeter(limit=None).calls == 0


def test_two_workers_creating_the_same_minute_both_count(monkeypatch):
    """Another worker creates this minute's row just after our update found none: our create
    meets the unique minute, and our calls are added to the other worker's row."""
    real_update = QuerySet.update
    raced = []

    def update_then_another_worker_creates(queryset, **kwargs):
        updated = real_update(queryset, **kwargs)
        if queryset.model is ApiCallBucket and not raced:
            raced.append(True)
            minute = queryset.query.where.children[0].rhs
            ApiCallBucket.objects.bulk_create([ApiCallBucket(minute=minute, calls=5)])
        return updated

    monkeypatch.setattr(QuerySet, "update", update_then_another_worker_creates)
    meter = ApiMeter(limit=None)
    meter.record(2)
    assert raced == [True]
    assert list(ApiCallBucket.objects.values_list("calls", flat=True)) == [7]
    assert meter.calls == 2


def response_with(headers: dict[str, str]) -> requests.Response:
    response = requests.Response()
    response.status_code = 200
    response.headers.update(headers)
    return response


def test_the_orgs_usage_is_read_from_the_limit_info_header():
    meter = ApiMeter(limit=None)
    meter.observe(response_with({}))
    assert meter.org_usage is None
    meter.observe(response_with({"Sforce-Limit-Info": "api-usage=1234/15000"}))
    assert meter.org_usage == OrgUsage(used=1234, max=15000)
    both = "api-usage=25/5000; per-app-api-usage=17/250(appName=hubsync)"
    meter.observe(response_with({"Sforce-Limit-Info": both}))
    assert meter.org_usage == OrgUsage(used=25, max=5000)
    app_first = "per-app-api-usage=1/5(appName=hubsync); api-usage=7/900"
    meter.observe(response_with({"Sforce-Limit-Info": app_first}))
    assert meter.org_usage == OrgUsage(used=7, max=900)  # the org's figure, not the app's
    meter.observe(response_with({"Sforce-Limit-Info": "garbage"}))
    assert meter.org_usage == OrgUsage(used=7, max=900)  # kept from the last good header


class Answering(BaseAdapter):
    """A transport that answers every request itself (in place of the network)."""

    def __init__(self, headers: dict[str, str] | None = None) -> None:
        super().__init__()
        self.sent: list[tuple[str, dict]] = []
        self.closed = False
        self.headers = headers or {}

    def send(self, request, **kwargs):
        self.sent.append((request.url, kwargs))
        response = response_with(self.headers)
        response.request = request
        return response

    def close(self):
        self.closed = True


def test_every_request_through_a_metered_session_is_checked_counted_and_observed():
    inner = Answering({"Sforce-Limit-Info": "api-usage=10/100"})
    session = requests.Session()
    session.mount("https://", inner)
    session.mount("http://", inner)
    meter = ApiMeter(limit=2)
    assert meter_session(session, meter) is session
    assert all(isinstance(adapter, MeteredAdapter) for adapter in session.adapters.values())
    assert set(session.adapters) == {"https://", "http://"}
    answer = session.get("https://org.example/services/data", timeout=3)
    assert answer.status_code == 200
    session.get("http://org.example/x")
    assert [url for url, _ in inner.sent] == [
        "https://org.example/services/data",
        "http://org.example/x",
    ]
    assert inner.sent[0][1]["timeout"] == 3
    assert meter.calls == 2
    assert meter.org_usage == OrgUsage(used=10, max=100)
    assert ApiCallBucket.objects.get().calls == 2
    with pytest.raises(ApiLimitReached):
        session.get("https://org.example/services/data")
    assert len(inner.sent) == 2  # stopped before it was sent, and not counted
    assert meter.calls == 2
    session.close()
    assert inner.closed is True
