"""Behaviours a user relies on that no other test held (issue 19), end to end against the
emulator: a cleared field, the Company placeholder, an edit while its push is in flight, a
postponed Bulk job, the resume a paused cycle schedules, an email change from Salesforce
that another contact already has, and records a Bulk insert refuses one by one."""

from __future__ import annotations

from datetime import timedelta

import pytest
from celery.exceptions import Retry
from django.utils import timezone

from connector.mappers import NOT_PROVIDED
from connector.models import (
    ApiCallBucket,
    ContactSyncState,
    SyncDirection,
    SyncError,
    SyncRun,
    SyncRunStatus,
)
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
    # Due again at once after the write that carried "Before": the same cycle's next batch
    # sent it (the next cycle's scan would have found it too, a cycle later).
    assert lead_of(salesforce.control, contact.email.lower())["FirstName"] == "During"
    assert ContactSyncState.objects.get(contact=contact).due is False
    sync_cycle_run(trigger="test")
    assert lead_of(salesforce.control, contact.email.lower())["FirstName"] == "During"
    assert ContactSyncState.objects.get(contact=contact).due is False


def test_a_contact_edited_during_each_of_its_pushes_does_not_hold_the_cycle(
    salesforce, monkeypatch
):
    """Edited while each of its pushes is out (or stored so that it always reads as newer
    than what went out: a date-time written outside Django on SQLite did that), a contact
    is due again after every push. It goes out twice in the cycle, which then ends; the
    next cycle takes it. (It went out until the edits stopped, or the API limit.)"""
    from connector.client import SalesforceClient

    contact = ContactFactory(first_name="Edit 0")
    real_collection = SalesforceClient.collection
    sends = []

    def collection_then_an_edit(self, *args, **kwargs):
        results = real_collection(self, *args, **kwargs)
        sends.append(True)
        if len(sends) < 10:  # a bound, should the cycle push it on and on
            edited = Contact.objects.get(pk=contact.pk)
            edited.first_name = f"Edit {len(sends)}"
            edited.save()
        return results

    monkeypatch.setattr(SalesforceClient, "collection", collection_then_an_edit)
    run = sync_cycle_run(trigger="test")
    assert run.status == SyncRunStatus.SUCCEEDED, run.reason
    assert len(sends) == 2
    assert lead_of(salesforce.control, contact.email.lower())["FirstName"] == "Edit 1"
    state = ContactSyncState.objects.get(contact=contact)
    assert (state.due, state.claim_token) == (True, "")
    sync_cycle_run(trigger="test")  # out twice again: "Edit 2", then "Edit 3"
    assert len(sends) == 4
    assert lead_of(salesforce.control, contact.email.lower())["FirstName"] == "Edit 3"


@pytest.mark.slow
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


def test_an_email_from_salesforce_that_another_contact_has_is_an_inbound_error(salesforce):
    a = ContactFactory(email="a@taken.example", job_title="Engineer")
    b = ContactFactory(email="b@taken.example", job_title="Chemist")
    c = ContactFactory(email="c@taken.example", job_title="Pilot")
    sync_cycle_run(trigger="test")
    for contact in (a, b, c):
        contact.refresh_from_db()
    sf = salesforce.salesforce(SF_USERNAME, SF_PASSWORD, SF_TOKEN)
    # In Salesforce, A's Lead gets B's email (in other letter case) and a new title; C's
    # Lead, in the same page, only a new title.
    sf.Lead.update(a.salesforce_id, {"Email": "B@taken.example", "Title": "CTO"})
    sf.Lead.update(c.salesforce_id, {"Title": "Captain"})
    run = sync_cycle_run(trigger="test")
    assert run.status == SyncRunStatus.SUCCEEDED, run.reason
    assert (run.counts["pull_updated"], run.counts["pull_errors"]) == (1, 1)
    # A is not half-applied: neither the email nor the title of its Lead; B is untouched;
    # the rest of the page went on.
    contacts = {x.pk: (x.email, x.job_title) for x in Contact.objects.all()}
    assert contacts == {
        a.pk: ("a@taken.example", "Engineer"),
        b.pk: ("b@taken.example", "Chemist"),
        c.pk: ("c@taken.example", "Captain"),
    }
    # Salesforce keeps what its user typed: hubsync writes nothing back.
    assert {lead["Id"]: lead["Email"] for lead in salesforce.control.records("Lead")} == {
        a.salesforce_id: "B@taken.example",
        b.salesforce_id: "b@taken.example",
        c.salesforce_id: "c@taken.example",
    }
    error = SyncError.objects.get()
    assert (
        error.contact_id,
        error.direction,
        error.object_type,
        error.code,
        error.message,
        error.resolved_at,
    ) == (
        a.pk,
        SyncDirection.INBOUND,
        "Lead",
        "DUPLICATE_VALUE",
        "Another hubsync contact already has the email B@taken.example.",
        None,
    )
    # Which Salesforce record carries it, as every other inbound error of a linked contact
    # says (the errors CSV has a column for it).
    assert error.salesforce_id == a.salesforce_id
    assert (error.fields, error.needs_fix) == (["email"], True)


REFUSED = {
    # email: (the contact's values, Salesforce's code, message and fields)
    "intern@refused.example": (
        {"job_title": "Intern"},
        "FIELD_CUSTOM_VALIDATION_EXCEPTION",
        "Interns are not leads.",
        ["Title"],
    ),
    "x@refused.example": (
        {"first_name": "X"},
        "FIELD_CUSTOM_VALIDATION_EXCEPTION",
        "X is not a name.",
        [],
    ),
    # hubsync keeps 100 characters of last name, Salesforce 80.
    "long@refused.example": (
        {"last_name": "L" * 95},
        "STRING_TOO_LONG",
        f"Last Name: data value too large: {'L' * 40} (max length=80)",
        ["LastName"],
    ),
}


@pytest.mark.parametrize(
    "new", [pytest.param(5, id="collections"), pytest.param(BULK_THRESHOLD, id="bulk")]
)
@pytest.mark.slow
def test_records_salesforce_refuses_in_a_create_fail_alone_with_its_words(salesforce, new):
    """The same refusals, whether the creates went by sObject Collections or as one Bulk API
    2.0 job (whose failed-results CSV packs code, message and fields into one cell)."""
    salesforce.control.add_validation_rule(
        "Lead",
        "No_interns",
        "Title",
        "equals",
        "Interns are not leads.",
        value="Intern",
        error_field="Title",
    )
    salesforce.control.add_validation_rule(
        "Lead", "No_X", "FirstName", "equals", "X is not a name.", value="X"
    )
    good = new - len(REFUSED)
    Contact.objects.bulk_create(
        [Contact(email=f"g{i}@created.example", last_name=f"G{i}") for i in range(good)]
        + [
            Contact(email=email, **{"last_name": "Refused", **values})
            for email, (values, *_) in REFUSED.items()
        ]
    )
    salesforce.control.reset_stats()
    run = sync_cycle_run(trigger="test")
    assert run.status == SyncRunStatus.SUCCEEDED, run.reason
    assert (run.counts["push_created"], run.counts["push_failed"]) == (good, len(REFUSED))
    went_by_bulk = (
        "POST /services/data/v<version>/jobs/ingest/" in (salesforce.control.stats()["requests"])
    )
    assert went_by_bulk is (new == BULK_THRESHOLD)
    # The rest are created and linked, each to its own Lead.
    leads = {lead["Email"]: lead["Id"] for lead in salesforce.control.records("Lead")}
    linked = dict(Contact.objects.exclude(salesforce_id="").values_list("email", "salesforce_id"))
    assert linked == leads
    assert set(leads) == {f"g{i}@created.example" for i in range(good)}
    # Exactly the refused ones have an error: Salesforce's own code, message and fields.
    errors = {
        e.contact.email: (e.direction, e.object_type, e.code, e.message, e.fields, e.needs_fix)
        for e in SyncError.objects.select_related("contact")
    }
    assert errors == {
        email: (SyncDirection.OUTBOUND, "Lead", code, message, fields, True)
        for email, (_, code, message, fields) in REFUSED.items()
    }
