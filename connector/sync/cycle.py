"""One sync cycle, start to end: the one entry point every trigger (beat, a save, a command,
a retry) goes through.

``sync_cycle_run`` checks that a sync may run (on, credentials not known bad),
takes the cycle lock (a second cycle meanwhile is *skipped*, saying which run
holds it), logs in, marks changed contacts due, pulls Salesforce's changes,
pushes hubsync's, writes tasks and activities, and always finishes its SyncRun:
whatever goes wrong, the run ends *failed* with the reason, never left *running*.
It never raises; the returned run's ``status`` and ``retry_soon`` tell the
Celery task whether to come back.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from django.utils import timezone

from marketing.selectors import smart_list_contacts
from marketing.smart_list_criteria import SmartListInvalid

from ..client import SalesforceClient
from ..credentials.status import client_login
from ..errors import (
    ApiLimitReached,
    ConcurrentLimitReached,
    ConfigurationError,
    ConnectorError,
    RecoverableError,
)
from ..log_context import sync_run_logging
from ..messages import (
    CONCURRENT_LIMIT,
    CREDENTIALS_INVALID,
    CYCLE_BUSY,
    RETRIES_WAIT,
    SYNC_OFF,
    TURNED_OFF_DURING_RUN,
    message_stored,
    said,
)
from ..metering import RETRY_BUDGET_SHARE, ApiMeter
from ..models import CredentialsStatus, IntegrationSettings, SyncRun, SyncRunStatus
from ..org_schema import org_schema_refresh_if_due
from ..selectors import field_mappings_get, integration_settings_get
from ..services.setup_check import SETUP_CHECK_DUE, setup_check_run
from ..version import connector_version_refresh
from .campaign_links import LinkCounts, campaign_links_push
from .crm import CrmCounts, activities_push, crm_tasks_push
from .lock import cycle_lock_acquire, cycle_lock_release
from .progress import RunProgress, org_usage_store
from .pull import pull_run
from .push import contacts_push
from .queue import contacts_due_count, contacts_mark_due

logger = logging.getLogger(__name__)

# The installed connector package is read once a day (and when credentials are saved).
VERSION_CHECK_EVERY = timedelta(hours=24)


def sync_cycle_run(*, trigger: str, **client_kwargs: Any) -> SyncRun:
    """Run one full cycle now and return its finished record."""
    run = SyncRun.objects.create(trigger=trigger)
    with sync_run_logging(run.pk):  # run_id on every log line of this cycle
        try:
            return _run(run, client_kwargs)
        except Exception as error:  # noqa: BLE001 — reading the settings, the lock: finished
            logger.exception("Salesforce sync failed before or after its cycle")
            return _finish(run, SyncRunStatus.FAILED, str(error) or type(error).__name__)


def _run(run: SyncRun, client_kwargs: dict[str, Any]) -> SyncRun:
    integration_settings = integration_settings_get()
    if not integration_settings.sync_enabled:
        return _finish(run, SyncRunStatus.SKIPPED, said(SYNC_OFF))
    if integration_settings.credentials_status == CredentialsStatus.INVALID:
        return _finish(
            run,
            SyncRunStatus.SKIPPED,
            said(CREDENTIALS_INVALID, code=integration_settings.credentials_error_code),
        )
    holder = cycle_lock_acquire(run=run)
    if holder is not None:
        return _finish(
            run,
            SyncRunStatus.SKIPPED,
            said(CYCLE_BUSY, run=holder.pk, trigger=holder.trigger),
            retry_soon=True,
        )
    meter = ApiMeter(limit=integration_settings.api_call_limit)
    retry_soon = False
    try:
        status, reason = _cycle(run, integration_settings, meter, client_kwargs)
    except ConcurrentLimitReached as error:
        # Not the daily limit: the org runs too many long requests at once. A short back-off
        # (the task's retry of a failed run), no pause until the 24-hour window frees.
        logger.warning("Salesforce's concurrent request limit: %s", error)
        status, reason, retry_soon = SyncRunStatus.FAILED, said(CONCURRENT_LIMIT), True
    except ApiLimitReached as error:
        status, reason = SyncRunStatus.PAUSED, error.said
    except RecoverableError as error:
        logger.warning("Salesforce sync failed, will retry: %s", error)
        status, reason, retry_soon = SyncRunStatus.FAILED, error.said, True
    except ConnectorError as error:  # bad credentials, settings the org refuses: no retry
        logger.warning("Salesforce sync failed: %s", error)
        status, reason = SyncRunStatus.FAILED, error.said
    except Exception as error:  # noqa: BLE001 — the run must end with the reason, whatever it is
        logger.exception("Salesforce sync failed")
        status, reason = SyncRunStatus.FAILED, str(error) or type(error).__name__
    finally:
        run.api_calls = meter.calls
        cycle_lock_release(run=run)
    try:
        org_usage_store(integration_settings, meter)
    except Exception:  # noqa: BLE001 — the chart's sample must not fail the run
        logger.exception("Could not store the org's API usage")
    return _finish(run, status, reason, retry_soon=retry_soon)


def _cycle(
    run: SyncRun,
    integration_settings: IntegrationSettings,
    meter: ApiMeter,
    client_kwargs: dict[str, Any],
) -> tuple[str, str]:
    """The cycle's work; returns (status, reason). Raises what ends it early."""
    if integration_settings.inclusion_list is not None:
        # A stored list that cannot run (over the conditions limit): a configuration error,
        # the run fails with the reason before it spends a call.
        try:
            smart_list_contacts(smart_list=integration_settings.inclusion_list)
        except SmartListInvalid as error:
            raise ConfigurationError(str(error)) from None
    client = SalesforceClient.from_settings(integration_settings, meter=meter, **client_kwargs)
    meter.check()  # paused runs cost nothing until the window frees up
    client_login(client, integration_settings)
    org_schema_refresh_if_due(client, integration_settings)
    mappings = field_mappings_get()
    # hubsync's edits are marked due first, so that what the pull writes never hides
    # them; then Salesforce's changes come in (a two-way field edited on both sides
    # is settled by the newer edit) before the push sends hubsync's side.
    contacts_mark_due()
    crm_counts = CrmCounts()
    progress = RunProgress(run)
    pull_counts = pull_run(
        client=client,
        integration_settings=integration_settings,
        mappings=mappings,
        crm_counts=crm_counts,
        on_progress=lambda counts: progress.report("pull", counts.read, None),
    )
    run.counts = pull_counts.as_dict()
    include_retries = meter.retries_allowed()
    total = contacts_due_count(integration_settings=integration_settings)
    progress.report("push", 0, total, force=True)
    counts = contacts_push(
        client=client,
        on_progress=lambda c: progress.report("push", c.created + c.updated + c.failed, total),
        integration_settings=integration_settings,
        mappings=mappings,
        should_continue=lambda: _sync_enabled_now(integration_settings),
        include_retries=include_retries,
        due=total,
    )
    if _sync_enabled_now(integration_settings):
        if integration_settings.task_sync_active:
            crm_tasks_push(client=client, counts=crm_counts)
        activities_push(client=client, integration_settings=integration_settings, counts=crm_counts)
        link_counts = campaign_links_push(client=client)
    else:
        link_counts = LinkCounts()
    if _version_check_due(integration_settings):
        connector_version_refresh(client=client, integration_settings=integration_settings)
    if (integration_settings.setup_check or {}).get(SETUP_CHECK_DUE):
        # Credentials stored without the page (the demo, the admin, a settings import): the
        # first cycle that logs in with them runs the setup check the page's Save would have.
        setup_check_run(integration_settings=integration_settings)
    run.counts.update(counts.as_dict())
    run.counts.update(crm_counts.as_dict())
    # Smart lists linked to campaigns: the keys appear once a link wrote something.
    run.counts.update({k: v for k, v in link_counts.as_dict().items() if v})
    run.errors = counts.failed + pull_counts.errors + crm_counts.errors + link_counts.failed
    if not _sync_enabled_now(integration_settings):
        return SyncRunStatus.STOPPED, said(TURNED_OFF_DURING_RUN)
    if not include_retries:
        share = round(RETRY_BUDGET_SHARE * 100)
        return (
            SyncRunStatus.SUCCEEDED,
            said(RETRIES_WAIT, share=share),
        )
    return SyncRunStatus.SUCCEEDED, ""


def _sync_enabled_now(integration_settings: IntegrationSettings) -> bool:
    """Re-read the on/off switch (a batch boundary)."""
    return IntegrationSettings.objects.filter(
        pk=integration_settings.pk, sync_enabled=True
    ).exists()


def _version_check_due(integration_settings: IntegrationSettings) -> bool:
    checked = integration_settings.connector_version_checked_at
    return checked is None or timezone.now() - checked > VERSION_CHECK_EVERY


def _finish(run: SyncRun, status: str, reason: str, *, retry_soon: bool = False) -> SyncRun:
    """Record the outcome, unless another cycle took the lock over and ended this run
    (its lease ran out): that verdict stands."""
    run.status = status
    run.reason = reason
    run.reason_said = message_stored(reason)
    run.retry_soon = retry_soon
    run.finished_at = timezone.now()
    fields = [
        "status",
        "reason",
        "reason_said",
        "retry_soon",
        "finished_at",
        "api_calls",
        "counts",
        "errors",
    ]
    if not SyncRun.objects.filter(pk=run.pk, status=SyncRunStatus.RUNNING).update(
        **{name: getattr(run, name) for name in fields}
    ):
        run.refresh_from_db()
    return run
