"""Issue 26: retries happen at the time the page shows ("retries at …"), whatever the mode.

A real worker with celery beat inside it (its retry check every second) over the configured
broker; the back-off is a few seconds here (SALESFORCE_RETRY_BACKOFF_SECONDS). Salesforce
refuses one record with UNABLE_TO_LOCK_ROW (waiting heals it); the cycle that retries it
starts at the time the errors page showed, with change events flowing (the listener in a
thread) and with polling, and nothing due costs no API call.
"""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from django.urls import reverse

from connector.change_events import ALL_CHANGES
from connector.listener import CATCH_UP_TRIGGER, ChangeListener
from connector.models import ChangeEventState, ChangeEventStream, SyncError, SyncRun
from connector.selectors import change_events_flowing, integration_settings_get
from connector.sync.cycle import sync_cycle_run
from connector.tasks import salesforce_retries_due
from tests.factories import ContactFactory
from tests.workers import celery_workers, worker_env

pytestmark = pytest.mark.django_db(transaction=True)

BACKOFF_S = 6
COLLECTIONS = r"/composite/sobjects"


def wait_for(condition, *, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def test_nothing_due_costs_no_call(salesforce):
    salesforce.control.reset_stats()
    assert salesforce_retries_due() == {"status": "not_due"}
    ContactFactory()
    sync_cycle_run(trigger="test")  # succeeds: nothing waits for a retry
    salesforce.control.reset_stats()
    assert salesforce_retries_due() == {"status": "not_due"}
    assert salesforce.control.stats()["total_requests"] == 0


@pytest.mark.celery_worker
@pytest.mark.parametrize("mode", ["events", "polling"])
def test_a_retry_starts_at_the_time_the_page_shows(
    salesforce, settings, admin_browser, tmp_path, mode
):
    settings.SALESFORCE_RETRY_BACKOFF_SECONDS = BACKOFF_S
    integration = integration_settings_get()
    listener = None
    if mode == "events":
        salesforce.control.configure_org(pubsub_keepalive_s=0.5)
        settings.SALESFORCE_PUBSUB_URL = f"grpc://{salesforce.pubsub_address}"
        listener = ChangeListener(stop=threading.Event())
        threading.Thread(target=listener.run, daemon=True).start()
        wait_for(
            lambda: ChangeEventStream.objects.filter(
                topic=ALL_CHANGES, state=ChangeEventState.LISTENING
            ).exists(),
            timeout=30,
            what="the subscription",
        )
        wait_for(
            lambda: (
                SyncRun.objects.filter(trigger=CATCH_UP_TRIGGER).exclude(status="running").exists()
            ),
            timeout=30,
            what="the listener's catch-up cycle",
        )
    else:
        integration.change_events = False
        integration.save()
    try:
        assert change_events_flowing(integration_settings_get()) is (mode == "events")
        env = worker_env(
            salesforce,
            settings,
            SALESFORCE_RETRY_CHECK_SECONDS="1",
            SALESFORCE_RETRY_BACKOFF_SECONDS=str(BACKOFF_S),
            SALESFORCE_SYNC_INTERVAL_MINUTES="600",
            SALESFORCE_PUBSUB_URL=settings.SALESFORCE_PUBSUB_URL,
        )
        contact = ContactFactory(email="locked@x.example")
        salesforce.control.add_fault(
            COLLECTIONS, record_error_code="UNABLE_TO_LOCK_ROW", record_count=1, count=1
        )
        assert sync_cycle_run(trigger="test").status == "succeeded"
        error = SyncError.objects.get(contact=contact, resolved_at=None)
        assert error.code == "UNABLE_TO_LOCK_ROW" and error.next_retry_at is not None
        shown = error.next_retry_at
        html = admin_browser.get(reverse("settings_ui:sync_errors")).content.decode()
        assert "retries at" in html
        from hubsync.celery import app

        app.control.purge()  # jobs other tests left on a shared broker are not ours
        with celery_workers(env) as start:
            worker = start(beat_schedule=tmp_path / "beat-schedule")
            run = wait_for(
                lambda: (
                    SyncRun.objects.filter(trigger="retry_due").exclude(status="running").first()
                ),
                timeout=90,
                what="the retry's cycle",
            )
            assert worker.poll() is None, "the worker died"
        assert shown <= run.started_at <= shown + timedelta(minutes=1)
        assert run.status == "succeeded", run.reason
        error.refresh_from_db()
        assert error.resolved_at is not None
        assert SyncRun.objects.filter(trigger="retry_due").count() == 1
    finally:
        if listener is not None:
            listener.cancel()


def test_the_panels_next_run_is_the_retry_when_sooner(salesforce, settings, admin_browser):
    from connector.status import sync_status_get

    settings.SALESFORCE_RETRY_BACKOFF_SECONDS = 120
    contact = ContactFactory()
    salesforce.control.add_fault(
        COLLECTIONS, record_error_code="UNABLE_TO_LOCK_ROW", record_count=1, count=1
    )
    sync_cycle_run(trigger="test")
    error = SyncError.objects.get(contact=contact, resolved_at=None)
    status = sync_status_get(integration_settings=integration_settings_get())
    assert status.next_due_at == error.next_retry_at
