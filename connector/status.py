"""The integration's state in one line, by severity: what the status panel and the
Integrations card say. Each state is read from what really happened (the credentials'
status, the setup check, the last run, held deletes, open errors), never assumed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings as django_settings
from django.utils import timezone

from .credentials.services import DISCONNECTED
from .metering import ApiMeter
from .models import (
    CredentialsStatus,
    HeldDeletion,
    IntegrationSettings,
    SyncError,
    SyncRun,
    SyncRunStatus,
)
from .selectors import change_events_mode, setup_check_get
from .sync.failures import retry_next_at

# A running cycle that has not reported for this long was cut off (a killed worker).
RUN_STALE_AFTER = timedelta(minutes=15)
# By severity, first wins (the panel shows one line).
STATES = (
    "disabled",
    "disconnected",
    "credentials_invalid",
    "setup_failing",
    "failed",
    "paused",
    "deletions_held",
    "records_failing",
    "running",
    "idle",
)


@dataclass(frozen=True)
class SyncStatus:
    """What the status panel shows: ``state`` (one of STATES), its reason or count."""

    state: str
    reason: str
    current: SyncRun | None  # the running cycle
    last: SyncRun | None  # the last finished cycle
    next_due_at: datetime | None
    count: int = 0  # deletions held / records failing
    until: datetime | None = None  # paused: when the window frees enough to go on
    # How Salesforce's changes arrive: "events" (Change Data Capture, the listener is
    # subscribed), "polling" (every SALESFORCE_SYNC_INTERVAL_MINUTES; why not events) or
    # "stopped" (not connected: nothing is read).
    changes: str = "polling"
    changes_detail: str = ""

    @property
    def poll_minutes(self) -> int:
        return django_settings.SALESFORCE_SYNC_INTERVAL_MINUTES

    @property
    def safety_net_minutes(self) -> int:
        return django_settings.SALESFORCE_EVENTS_POLL_MINUTES

    @property
    def last_summary(self) -> dict[str, int]:
        counts = self.last.counts if self.last else {}
        return {
            "sent": counts.get("push_created", 0) + counts.get("push_updated", 0),
            "read": counts.get("pull_read", 0),
            "errors": self.last.errors if self.last else 0,
            "calls": self.last.api_calls if self.last else 0,
        }

    @property
    def percent(self) -> int | None:
        progress = self.current.progress if self.current else {}
        total = progress.get("total")
        if not total:
            return None
        return min(100, round(100 * progress.get("done", 0) / total))


def sync_status_get(*, integration_settings: IntegrationSettings) -> SyncStatus:
    """The integration's state right now (at most five small queries)."""
    now = timezone.now()
    runs = list(SyncRun.objects.order_by("-started_at")[:5])
    current = next(
        (
            r
            for r in runs
            if r.status == SyncRunStatus.RUNNING
            and (r.heartbeat_at or r.started_at) > now - RUN_STALE_AFTER
        ),
        None,
    )
    last = next((r for r in runs if r.status != SyncRunStatus.RUNNING), None)
    changes, changes_detail = change_events_mode(integration_settings)
    minutes = (
        django_settings.SALESFORCE_EVENTS_POLL_MINUTES
        if changes == "events"
        else django_settings.SALESFORCE_SYNC_INTERVAL_MINUTES
    )
    next_due = (last.finished_at or last.started_at) + timedelta(minutes=minutes) if last else None
    # A record's retry starts a cycle when it comes due (connector.tasks.salesforce_retries_due).
    retry_at = retry_next_at(now=now)
    if retry_at is not None and (next_due is None or retry_at < next_due):
        next_due = retry_at

    def status(state: str, reason: str = "", **extra: Any) -> SyncStatus:
        return SyncStatus(
            state,
            reason,
            current,
            last,
            next_due,
            changes=changes,
            changes_detail=changes_detail,
            **extra,
        )

    if not integration_settings.sync_enabled:
        return SyncStatus("disabled", "", current, last, None)
    if integration_settings.credentials_status == CredentialsStatus.INVALID:
        # Nothing listens or polls until the credentials work again.
        changes, changes_detail, next_due = "stopped", "", None
        if integration_settings.credentials_error_code == DISCONNECTED:
            return status("disconnected")
        reason = (
            f"{integration_settings.credentials_error_code}: "
            f"{integration_settings.credentials_error_message}"
        )
        return status("credentials_invalid", reason)
    check = setup_check_get(integration_settings) or {}
    if check and not check.get("ok", True):
        failing = [c for c in check.get("checks", []) if not c.get("ok")]
        return status("setup_failing", failing[0]["message"] if failing else "", count=len(failing))
    if last is not None and last.status == SyncRunStatus.FAILED and current is None:
        return status("failed", last.reason_read)
    if last is not None and last.status == SyncRunStatus.PAUSED and current is None:
        meter = ApiMeter(limit=integration_settings.api_call_limit)
        seconds = meter.seconds_until_free() if meter.limit and meter.used() >= meter.limit else 0
        until = now + timedelta(seconds=seconds) if seconds else None
        if until is not None:
            next_due = until  # one time on the page: the cycle resumes then, not before
        return status("paused", last.reason_read, until=until)
    held = HeldDeletion.objects.count()
    if held:
        return status("deletions_held", count=held)
    open_errors = SyncError.objects.filter(resolved_at__isnull=True).count()
    if open_errors:
        return status("records_failing", count=open_errors)
    if current is not None:
        return status("running")
    return status("idle")
