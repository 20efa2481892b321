"""Behaviours a user relies on that no other test held (issue 19), end to end against the
emulator: a cleared field, the Company placeholder, an edit while its push is in flight, a
postponed Bulk job, and the resume a paused cycle schedules."""

from __future__ import annotations

from datetime import timedelta

import pytest
from celery.exceptions import Retry
from django.utils import timezone

from connector.mappers import NOT_PROVIDED
from connector.models import ApiCallBucket, ContactSyncState, SyncRun, SyncRunStatus
from connector.sync.cycle import sync_cycle_run
from connector.sync.push_writes import BULK_THRESHOLD
from connector.tasks import RESUME_PAUSED_AFTER_MAX_S, salesforce_sync
from marketing.models import Contact
from tests.conftest import SF_PASSWORD, SF_TOKEN, SF_USERNAME
from tests.factories import ContactFactory

pytestmark = pytest.mark.django_db


def lead_of(control, email: str) -> dict:
    (lead,) = [
        r for r in control.records("Lead", include_deleted=False) if r["Email"].lower() == email
    ]
    return lead


def test_clearing_a_field_in_hubsync_clears_it_in_salesforce(salesforce):
    contact = ContactFactory(first_name="Ada", last_name="Lovelace")
    sync_cycle_run(trigger="test")
    assert lead_of(salesforce.control, contact.email.lower())["FirstName"] == "Ada"
    contact.refresh_from_db()
    contact.first_name = ""
    contact.save()
    run = sync_cycle_run(trigger="test")
    assert run.counts["push_updated"] == 1
    assert lead_of(salesforce.control, contact.email.lower())["FirstName"] is None


def test_a_lead_with_the_company_placeholder_creates_no_company_of_that_name(
    salesforce, integration_settings
):
    integration_settings.create_contact_for_new_lead = True
    integration_settings.save()
    sf = salesforce.salesforce(SF_USERNAME, SF_PASSWORD, SF_TOKEN)
    sf.Lead.create({"LastName": "Web", "Company": NOT_PROVIDED, "Email": "web@lead.example"})
    sync_cycle_run(trigger="test")
    contact = Contact.objects.get(email="web@lead.example")
    assert contact.company_name == ""
    assert contact.last_name == "Web"


def test_an_edit_while_its_push_is_in_flight_is_pushed_again(salesforce, monkeypatch):
    from connector.client import SalesforceClient

    contact = ContactFactory(first_name="Before")
    real_collection = SalesforceClient.collection
    edits = []

    def collection_then_an_edit(self, *args, **kwargs):
        results = real_collection(self, *args, **kwargs)
        if not edits:  # the admin saves the contact while Salesforce is answering
            edits.append(True)
            edited = Contact.objects.get(pk=contact.pk)
            edited.first_name = "During"
            edited.save()
        return results

    monkeypatch.setattr(SalesforceClient, "collection", collection_then_an_edit)
    sync_cycle_run(trigger="test")
    assert edits == [True]
    # Still due after the write that carried "Before", the contact went again (in the same
    # cycle's next batch, or the next cycle's).
    sync_cycle_run(trigger="test")
    assert lead_of(salesforce.control, contact.email.lower())["FirstName"] == "During"
    assert ContactSyncState.objects.get(contact=contact).due is False


def test_a_postponed_bulk_job_loses_nothing(salesforce):
    Contact.objects.bulk_create(
        [Contact(email=f"b{i}@bulk.example", last_name=f"L{i}") for i in range(BULK_THRESHOLD)]
    )
    salesforce.control.add_fault(r"jobs/ingest", status=503, error_code="SERVER_UNAVAILABLE")
    run = sync_cycle_run(trigger="test")
    assert salesforce.control.records("Lead") == []
    assert run.counts.get("push_created", 0) == 0
    assert ContactSyncState.objects.filter(due=True).count() == BULK_THRESHOLD
    run = sync_cycle_run(trigger="test")
    assert run.status == SyncRunStatus.SUCCEEDED, run.reason
    assert len(salesforce.control.records("Lead")) == BULK_THRESHOLD
    assert Contact.objects.filter(salesforce_id="").count() == 0


def test_a_paused_cycle_schedules_its_resume_when_the_window_frees(
    salesforce, integration_settings, monkeypatch
):
    integration_settings.api_call_limit = 10
    integration_settings.save()
    ContactFactory()
    ApiCallBucket.objects.create(minute=timezone.now() - timedelta(minutes=5), calls=10)
    asked = {}

    def retry(**kwargs):
        asked.update(kwargs)
        return Retry()

    monkeypatch.setattr(salesforce_sync, "retry", retry)
    salesforce_sync.push_request(retries=0, is_eager=False)
    try:
        with pytest.raises(Retry):
            salesforce_sync.run(trigger="test")
    finally:
        salesforce_sync.pop_request()
    assert SyncRun.objects.get().status == SyncRunStatus.PAUSED
    # The window frees in about 24 hours: the task comes back at the cap to look again.
    assert asked == {"kwargs": {"trigger": "resume"}, "countdown": RESUME_PAUSED_AFTER_MAX_S}
    ApiCallBucket.objects.all().delete()
    ApiCallBucket.objects.create(minute=timezone.now() - timedelta(hours=23, minutes=58), calls=10)
    asked.clear()
    salesforce_sync.push_request(retries=1, is_eager=False)
    try:
        with pytest.raises(Retry):
            salesforce_sync.run(trigger="resume")
    finally:
        salesforce_sync.pop_request()
    # The oldest counted minute leaves the window in two minutes: the resume comes then
    # (plus the minute's own margin), not at the cap.
    assert asked["kwargs"] == {"trigger": "resume"}
    assert 2 * 60 <= asked["countdown"] <= 3 * 60
