"""API call metering shared by every worker: a rolling 24-hour window in the database.

The count happens at the HTTP transport (a wrapping ``requests`` adapter), so
every request the connector sends — login, REST, composite, Bulk — counts
once, exactly as Salesforce counts it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import requests
from django.db import IntegrityError, transaction
from django.db.models import F, Min, Sum
from django.utils import timezone
from requests.adapters import BaseAdapter

from .errors import ApiLimitReached
from .messages import OWN_LIMIT_USED_UP, said
from .models import ApiCallBucket

WINDOW = timedelta(hours=24)
# Automatic retries of failed records wait while more than this share of the limit is used,
# so that new changes keep flowing when a batch of rejects would eat the rest of the day.
RETRY_BUDGET_SHARE = 0.75
# "api-usage=25/5000; per-app-api-usage=17/250(appName=…)": the org's figure, not an app's.
_LIMIT_INFO = re.compile(r"(?<![\w-])api-usage=(\d+)/(\d+)")


def _minute(moment: datetime) -> datetime:
    return moment.replace(second=0, microsecond=0)


@dataclass
class OrgUsage:
    """The org's own daily usage, as the last ``Sforce-Limit-Info`` header said."""

    used: int
    max: int


class ApiMeter:
    """Counts calls per minute in :class:`ApiCallBucket` and enforces hubsync's own limit.

    ``limit`` None means no limit of hubsync's own (the org's limit still
    applies: Salesforce answers REQUEST_LIMIT_EXCEEDED, which the client
    translates into :class:`ApiLimitReached` as well).
    """

    def __init__(self, *, limit: int | None) -> None:
        self.limit = limit
        self.calls = 0  # calls sent through this meter (for run statistics)
        self.org_usage: OrgUsage | None = None

    def used(self, *, now: datetime | None = None) -> int:
        now = now or timezone.now()
        total = ApiCallBucket.objects.filter(minute__gt=now - WINDOW).aggregate(t=Sum("calls"))["t"]
        return total or 0

    def seconds_until_free(self, *, now: datetime | None = None) -> int:
        """How long until the oldest counted minute leaves the window."""
        now = now or timezone.now()
        oldest = ApiCallBucket.objects.filter(minute__gt=now - WINDOW).aggregate(m=Min("minute"))
        if oldest["m"] is None:
            return 0
        return max(60, int((oldest["m"] + WINDOW - now).total_seconds()) + 60)

    def retries_allowed(self) -> bool:
        """Whether automatic retries of failed records may spend calls now (RETRY_BUDGET_SHARE)."""
        return self.limit is None or self.used() <= RETRY_BUDGET_SHARE * self.limit

    def check(self) -> None:
        """Raise :class:`ApiLimitReached` when one more call would exceed the limit."""
        if self.limit is None:
            return
        if self.used() >= self.limit:
            raise ApiLimitReached(
                said(OWN_LIMIT_USED_UP, limit=self.limit),
                retry_after_s=self.seconds_until_free(),
            )

    def reserve(self) -> None:
        """Count one call about to be sent, or raise :class:`ApiLimitReached` when it would
        exceed the limit. Counted first, then checked: two lanes (or workers) at the last
        call never both take it (checked first, both saw it free and the limit was passed)."""
        self.record()
        if self.limit is not None and self.used() > self.limit:
            self.record(-1)
            raise ApiLimitReached(
                said(OWN_LIMIT_USED_UP, limit=self.limit),
                retry_after_s=self.seconds_until_free(),
            )

    def record(self, count: int = 1) -> None:
        minute = _minute(timezone.now())
        self.calls += count
        # The sync holds no transaction open around HTTP calls, so this commits at once:
        # a call sent is a call spent, whatever happens to the batch.
        with transaction.atomic():
            updated = ApiCallBucket.objects.filter(minute=minute).update(calls=F("calls") + count)
            if not updated:
                try:
                    with transaction.atomic():
                        ApiCallBucket.objects.create(minute=minute, calls=count)
                except IntegrityError:  # another worker created the minute first
                    ApiCallBucket.objects.filter(minute=minute).update(calls=F("calls") + count)

    def observe(self, response: requests.Response) -> None:
        match = _LIMIT_INFO.search(response.headers.get("Sforce-Limit-Info", ""))
        if match:
            self.org_usage = OrgUsage(used=int(match.group(1)), max=int(match.group(2)))


class MeteredAdapter(BaseAdapter):
    """Wraps the session's real adapter: checks the limit, counts, then sends."""

    def __init__(self, inner: BaseAdapter, meter: ApiMeter) -> None:
        super().__init__()
        self.inner = inner
        self.meter = meter

    def send(
        self, request: requests.PreparedRequest, *args: Any, **kwargs: Any
    ) -> requests.Response:
        self.meter.reserve()
        response = self.inner.send(request, *args, **kwargs)
        self.meter.observe(response)
        return response

    def close(self) -> None:
        self.inner.close()


def meter_session(session: requests.Session, meter: ApiMeter) -> requests.Session:
    """Route every adapter of ``session`` through ``meter``."""
    for prefix, adapter in list(session.adapters.items()):
        session.mount(prefix, MeteredAdapter(adapter, meter))
    return session
