"""One sync cycle, start to end: the contract every trigger (beat, save, command) goes through.

``sync_cycle_run`` checks that a sync may run (on, credentials not known
bad), logs in, marks changed contacts due, pushes them, and records the run
(trigger, times, status, counts, API calls). It never raises for sync
problems: the outcome is in the returned SyncRun, whose status tells the
Celery task whether to come back later.
"""

from __future__ import annotations

import logging
import time
from datetime import timedelta
from typing import Any

from django.utils import timezone

from .client import SalesforceClient
from .crm import CrmCounts, activities_push, crm_tasks_push
from .errors import (
    ApiLimitReached,
    AuthenticationFailed,
    ConfigurationError,
    RecoverableError,
    UnrecoverableError,
)
from .metering import ApiMeter
from .models import (
    CredentialsStatus,
    IntegrationSettings,
    OrgUsageSample,
    SyncRun,
    SyncRunStatus,
)
from .pull import SalesforcePull
from .push import contacts_push
from .queue import contacts_due_count, contacts_mark_due
from .selectors import field_mappings_get, integration_settings_get
from .version import connector_version_refresh

logger = logging.getLogger(__name__)

PROGRESS_EVERY = 0.5
# The installed connector package is read once a day (and when credentials are saved).
VERSION_CHECK_EVERY = timedelta(hours=24)
# Automatic retries of failed records wait while more than this share of the limit is used.
RETRY_BUDGET_SHARE = 0.75


class RunProgress:
    """Writes a running cycle's progress (phase, done, total) for the live status panel.

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


def sync_enabled_now(integration_settings: IntegrationSettings) -> bool:
    """Re-read the on/off switch (a batch boundary)."""
    return IntegrationSettings.objects.filter(
        pk=integration_settings.pk, sync_enabled=True
    ).exists()


def credentials_mark(
    integration_settings: IntegrationSettings, *, error: AuthenticationFailed | None
) -> None:
    integration_settings.credentials_status = (
        CredentialsStatus.INVALID if error else CredentialsStatus.VALID
    )
    integration_settings.credentials_error_code = error.code if error else ""
    integration_settings.credentials_error_message = error.message if error else ""
    integration_settings.credentials_checked_at = timezone.now()
    integration_settings.save(
        update_fields=[
            "credentials_status",
            "credentials_error_code",
            "credentials_error_message",
            "credentials_checked_at",
        ]
    )


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


def sync_cycle_run(*, trigger: str, **client_kwargs: Any) -> SyncRun:
    """Run one full cycle now and return its record."""
    integration_settings = integration_settings_get()
    run = SyncRun.objects.create(trigger=trigger)
    if not integration_settings.sync_enabled:
        return _finish(run, SyncRunStatus.SKIPPED, "The Salesforce sync is off.")
    if integration_settings.credentials_status == CredentialsStatus.INVALID:
        return _finish(
            run,
            SyncRunStatus.SKIPPED,
            "The Salesforce credentials are invalid: "
            f"{integration_settings.credentials_error_code}.",
        )
    meter = ApiMeter(limit=integration_settings.api_call_limit)
    try:
        client = SalesforceClient.from_settings(integration_settings, meter=meter, **client_kwargs)
        meter.check()  # paused runs cost nothing until the window frees up
        try:
            client.login()
        except AuthenticationFailed as error:
            credentials_mark(integration_settings, error=error)
            raise
        if integration_settings.credentials_status != CredentialsStatus.VALID:
            credentials_mark(integration_settings, error=None)
        mappings = field_mappings_get()
        # hubsync's edits are marked due first, so that what the pull writes never hides
        # them; then Salesforce's changes come in (a two-way field edited on both sides
        # is settled by the newer edit) before the push sends hubsync's side.
        contacts_mark_due()
        crm_counts = CrmCounts()
        progress = RunProgress(run)
        pull_counts = SalesforcePull(
            client=client,
            integration_settings=integration_settings,
            mappings=mappings,
            crm_counts=crm_counts,
            on_progress=lambda counts: progress.report("pull", counts.read, None),
        ).run()
        run.counts = pull_counts.as_dict()
        include_retries = meter.limit is None or meter.used() <= RETRY_BUDGET_SHARE * meter.limit
        total = contacts_due_count(integration_settings=integration_settings)
        progress.report("push", 0, total, force=True)
        counts = contacts_push(
            client=client,
            on_progress=lambda c: progress.report("push", c.created + c.updated + c.failed, total),
            integration_settings=integration_settings,
            mappings=mappings,
            should_continue=lambda: sync_enabled_now(integration_settings),
            include_retries=include_retries,
        )
        if sync_enabled_now(integration_settings):
            if integration_settings.task_sync_active:
                crm_tasks_push(client=client, counts=crm_counts)
            activities_push(
                client=client, integration_settings=integration_settings, counts=crm_counts
            )
        if _version_check_due(integration_settings):
            connector_version_refresh(client=client, integration_settings=integration_settings)
        run.counts.update(counts.as_dict())
        run.counts.update(crm_counts.as_dict())
        run.errors = counts.failed + pull_counts.errors + crm_counts.errors
        if not sync_enabled_now(integration_settings):
            status, reason = SyncRunStatus.STOPPED, "The sync was turned off during the run."
        else:
            status, reason = SyncRunStatus.SUCCEEDED, ""
            if not include_retries:
                reason = "Retries of failed records wait: more than 75 % of the API limit is used."
    except ApiLimitReached as error:
        status, reason = SyncRunStatus.PAUSED, str(error)
    except (RecoverableError, UnrecoverableError, ConfigurationError) as error:
        logger.warning("Salesforce sync failed: %s", error)
        status, reason = SyncRunStatus.FAILED, str(error)
    finally:
        run.api_calls = meter.calls
        org_usage_store(integration_settings, meter)
    return _finish(run, status, reason)


def _version_check_due(integration_settings: IntegrationSettings) -> bool:
    checked = integration_settings.connector_version_checked_at
    return checked is None or timezone.now() - checked > VERSION_CHECK_EVERY


def _finish(run: SyncRun, status: str, reason: str) -> SyncRun:
    run.status = status
    run.reason = reason
    run.finished_at = timezone.now()
    run.save()
    return run
