"""The Celery tasks' retry policy: what comes back, when, and how often."""

from __future__ import annotations

import pytest
from celery.exceptions import Retry

from connector.models import SyncRun, SyncRunStatus
from connector.sync.lock import cycle_lock_acquire
from connector.tasks import (
    MAX_FAILED_RETRIES,
    MAX_PAUSED_RETRIES,
    MAX_SKIPPED_RETRIES,
    RESUME_PAUSED_AFTER_MAX_S,
    RETRY_FAILED_AFTER_S,
    RETRY_SKIPPED_AFTER_S,
    retry_countdown,
    salesforce_sync,
)


def policy(status, *, retry_soon=False, trigger="settings_saved", retries=0):
    return retry_countdown(status=status, retry_soon=retry_soon, trigger=trigger, retries=retries)


def test_failed_cycles_that_may_pass_come_back_with_growing_waits_then_stop():
    waits = [
        policy(SyncRunStatus.FAILED, retry_soon=True, retries=n) for n in range(MAX_FAILED_RETRIES)
    ]
    assert 0.8 * RETRY_FAILED_AFTER_S <= waits[0] <= 1.2 * RETRY_FAILED_AFTER_S
    assert all(later > earlier for earlier, later in zip(waits, waits[1:], strict=False))
    assert policy(SyncRunStatus.FAILED, retry_soon=True, retries=MAX_FAILED_RETRIES) is None


def test_bad_credentials_or_settings_are_not_retried():
    assert policy(SyncRunStatus.FAILED, retry_soon=False) is None
    assert policy(SyncRunStatus.SKIPPED, retry_soon=False) is None  # sync off, bad credentials
    assert policy(SyncRunStatus.SUCCEEDED) is None
    assert policy(SyncRunStatus.STOPPED) is None


def test_a_skipped_cycle_someone_asked_for_comes_back_a_scheduled_one_does_not():
    assert policy(SyncRunStatus.SKIPPED, retry_soon=True) == RETRY_SKIPPED_AFTER_S
    assert policy(SyncRunStatus.SKIPPED, retry_soon=True, trigger="schedule") is None
    assert policy(SyncRunStatus.SKIPPED, retry_soon=True, retries=MAX_SKIPPED_RETRIES) is None


@pytest.mark.django_db
def test_a_paused_cycle_resumes_within_the_cap_for_a_day_at_most():
    assert 0 < policy(SyncRunStatus.PAUSED) <= RESUME_PAUSED_AFTER_MAX_S
    assert policy(SyncRunStatus.PAUSED, retries=MAX_PAUSED_RETRIES) is None


@pytest.mark.django_db
def test_the_task_asks_celery_to_retry_a_skipped_cycle(salesforce):
    holder = SyncRun.objects.create(trigger="schedule")
    cycle_lock_acquire(run=holder)
    salesforce_sync.push_request(retries=0, is_eager=False)
    try:
        with pytest.raises(Retry):
            salesforce_sync.run(trigger="retry")
    finally:
        salesforce_sync.pop_request()
    run = SyncRun.objects.exclude(pk=holder.pk).get()
    assert run.status == SyncRunStatus.SKIPPED and run.retry_soon


@pytest.mark.django_db
def test_the_task_does_not_retry_a_cycle_that_ran(salesforce):
    salesforce_sync.push_request(retries=0, is_eager=False)
    try:
        result = salesforce_sync.run(trigger="test")
    finally:
        salesforce_sync.pop_request()
    assert result["status"] == SyncRunStatus.SUCCEEDED
