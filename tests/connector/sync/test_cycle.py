"""The one cycle entry point: it always finishes its run, and one cycle runs at a time."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from connector.models import CredentialsStatus, CycleLock, SyncRun, SyncRunStatus
from connector.sync.cycle import sync_cycle_run
from connector.sync.lock import cycle_lock_acquire
from tests.factories import ContactFactory

pytestmark = pytest.mark.django_db


def test_an_unexpected_error_ends_the_run_failed_with_the_reason(salesforce, monkeypatch):
    def broken_pull(**kwargs):
        raise RuntimeError("a bug in a phase")

    # A bug in our own code, not Salesforce: the one way to reach the last-resort handler.
    monkeypatch.setattr("connector.sync.cycle.pull_run", broken_pull)
    run = sync_cycle_run(trigger="test")
    assert run.status == SyncRunStatus.FAILED
    assert run.reason == "a bug in a phase"
    assert run.finished_at is not None
    assert not run.retry_soon  # a bug does not pass by itself
    assert not SyncRun.objects.filter(status=SyncRunStatus.RUNNING).exists()
    # The lock is free again: the next cycle runs.
    monkeypatch.undo()
    assert sync_cycle_run(trigger="test").status == SyncRunStatus.SUCCEEDED


def test_salesforce_unreachable_fails_the_run_and_asks_for_a_retry(
    salesforce, integration_settings
):
    salesforce.control.add_fault(r"/services/Soap/u/", status=503, count=10)
    run = sync_cycle_run(trigger="test")
    assert run.status == SyncRunStatus.FAILED
    assert run.retry_soon
    assert run.reason
    # An outage at login is no verdict on the credentials: the next cycle tries again.
    integration_settings.refresh_from_db()
    assert integration_settings.credentials_status != CredentialsStatus.INVALID


def test_a_second_cycle_while_one_runs_is_skipped_saying_which(salesforce):
    ContactFactory.create_batch(3)
    running = SyncRun.objects.create(trigger="schedule")
    assert cycle_lock_acquire(run=running) is None
    second = sync_cycle_run(trigger="settings_saved")
    assert second.status == SyncRunStatus.SKIPPED
    assert second.reason == f"Another sync cycle is running (run {running.pk}, schedule)."
    assert second.retry_soon
    assert second.api_calls == 0
    assert salesforce.control.records("Lead") == []  # it did nothing
    running.refresh_from_db()
    assert running.status == SyncRunStatus.RUNNING  # the holder is not disturbed


def test_the_command_shows_a_skipped_cycle(salesforce, capsys):
    running = SyncRun.objects.create(trigger="schedule")
    cycle_lock_acquire(run=running)
    call_command("salesforce_sync")
    out = capsys.readouterr().out
    assert '"status": "skipped"' in out
    assert f"run {running.pk}" in out


def test_a_dead_workers_lock_is_taken_over_and_its_run_ended(salesforce, settings):
    settings.SALESFORCE_CLAIM_TTL_SECONDS = 60
    dead = SyncRun.objects.create(trigger="schedule")
    cycle_lock_acquire(run=dead)
    CycleLock.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    ContactFactory.create_batch(2)
    run = sync_cycle_run(trigger="schedule")
    assert run.status == SyncRunStatus.SUCCEEDED
    dead.refresh_from_db()
    assert dead.status == SyncRunStatus.FAILED
    assert dead.finished_at is not None
    assert dead.reason == (
        "The worker running this cycle stopped without finishing it "
        f"(no sign of life for 60 s); run {run.pk} took over."
    )
    assert len(salesforce.control.records("Lead")) == 2


def test_a_finished_cycle_releases_the_lock(salesforce):
    first = sync_cycle_run(trigger="test")
    second = sync_cycle_run(trigger="test")
    assert (first.status, second.status) == (SyncRunStatus.SUCCEEDED, SyncRunStatus.SUCCEEDED)
    assert CycleLock.objects.get().run is None


def test_a_failure_before_the_cycle_itself_still_finishes_its_run(db, settings):
    """The settings cannot even be read (here: the installation's Site is gone): the run
    that was started ends failed with the reason, never left running."""
    from django.contrib.sites.models import Site

    settings.SITE_ID = 9_999
    Site.objects.filter(pk=9_999).delete()
    run = sync_cycle_run(trigger="test")
    assert (run.status, run.reason) == (SyncRunStatus.FAILED, "Site matching query does not exist.")
    assert run.finished_at is not None
    assert not SyncRun.objects.filter(status=SyncRunStatus.RUNNING).exists()
