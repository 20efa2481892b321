"""A real Celery worker process, over the configured broker (Redis in CI), runs a saved job."""

from __future__ import annotations

import time

import pytest
from django.urls import reverse

from connector.models import SyncRun
from marketing.models import Contact
from tests.settings_ui.posts import settings_form_data


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_a_page_save_is_run_by_a_real_worker(
    salesforce, celery_worker_process, client, marketing_admin, integration_settings
):
    # Saved without the signal that queues a "contact_edited" cycle: with two jobs queued,
    # which one the worker ran first (the other one skipped, the lock taken) depended on
    # the machine's speed. The page's save is the only job here.
    Contact.objects.bulk_create(
        [Contact(email=f"worker{i}@x.example", last_name=f"W{i}") for i in range(5)]
    )
    client.force_login(marketing_admin)
    response = client.post(
        reverse("settings_ui:salesforce_settings"),
        settings_form_data(integration_settings, new_record_type="Contact"),
    )
    assert response.status_code == 302
    deadline = time.monotonic() + 60
    run = None
    while time.monotonic() < deadline:
        run = SyncRun.objects.filter(trigger="settings_saved").exclude(status="running").first()
        if run:
            break
        assert celery_worker_process.poll() is None, "the worker died"
        time.sleep(0.25)
    assert run is not None, "no worker picked up the job"
    assert run.status == "succeeded", run.reason
    assert run.counts["push_created"] == 5, (run.counts, list(SyncRun.objects.values()))
    assert len(salesforce.control.records("Contact")) == 5
