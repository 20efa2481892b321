"""What a running cycle reports as it goes: live progress, and the org's API usage."""

from __future__ import annotations

import time

from django.utils import timezone

from ..metering import ApiMeter
from ..models import IntegrationSettings, OrgUsageSample, SyncRun
from .lock import cycle_lock_extend

PROGRESS_EVERY = 0.5


class RunProgress:
    """Writes a running cycle's progress (phase, done, total) for the live status panel,
    and keeps its cycle lock.

    At most every PROGRESS_EVERY seconds, so a fast loop does not turn into writes.
    """

    def __init__(self, run: SyncRun) -> None:
        self.run = run
        self.last = 0.0

    def report(self, phase: str, done: int, total: int | None, *, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self.last < PROGRESS_EVERY:
            return
        self.last = now
        self.run.progress = {"phase": phase, "done": done, "total": total}
        SyncRun.objects.filter(pk=self.run.pk).update(
            progress=self.run.progress, heartbeat_at=timezone.now()
        )
        cycle_lock_extend(run=self.run)


def org_usage_store(integration_settings: IntegrationSettings, meter: ApiMeter) -> None:
    """Keep the org's usage as Salesforce last reported it, and its hourly high for the chart."""
    if meter.org_usage is None:
        return
    now = timezone.now()
    IntegrationSettings.objects.filter(pk=integration_settings.pk).update(
        org_api_used=meter.org_usage.used,
        org_api_max=meter.org_usage.max,
        org_api_checked_at=now,
    )
    hour = now.replace(minute=0, second=0, microsecond=0)
    sample, created = OrgUsageSample.objects.get_or_create(
        hour=hour, defaults={"used": meter.org_usage.used, "max": meter.org_usage.max}
    )
    if not created and meter.org_usage.used > sample.used:
        OrgUsageSample.objects.filter(pk=sample.pk).update(
            used=meter.org_usage.used, max=meter.org_usage.max
        )
