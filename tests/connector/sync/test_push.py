"""hubsync → Salesforce through the emulator over HTTP: each setting, both ways."""

from __future__ import annotations

import pytest

from connector.models import ContactSyncState, SyncError, SyncRunStatus
from connector.sync.cycle import sync_cycle_run
from tests.factories import ContactFactory, SmartListFactory

pytestmark = pytest.mark.django_db


def by_email(control, sobject: str) -> dict[str, dict]:
    return {r["Email"].lower(): r for r in control.records(sobject, include_deleted=False)}


def test_new_contacts_become_leads_with_mapped_fields(salesforce):
    ContactFactory(
        email="Ada@Example.com",
        first_name="Ada",
        last_name="Lovelace",
        company_name="Analytical Engines",
        job_title="Engineer",
        phone="+44 20 1234",
        country="United Kingdom",
    )
    ContactFactory.create_batch(4)
    run = sync_cycle_run(trigger="test")
    assert run.status == SyncRunStatus.SUCCEEDED, run.reason
    leads = by_email(salesforce.control, "Lead")
    assert len(leads) == 5
    ada = leads["ada@example.com"]
    assert ada["FirstName"] == "Ada"
    assert ada["LastName"] == "Lovelace"
    assert ada["Company"] == "Analytical Engines"
    assert ada["Title"] == "Engineer"
    assert ada["Phone"] == "+44 20 1234"
    assert ada["Country"] == "United Kingdom"
    assert salesforce.control.records("Contact") == []
    assert run.counts["push_created"] == 5
    assert not ContactSyncState.objects.filter(due=True).exists()


def api_used(control) -> int:
    return control.stats()["total_requests"]


@pytest.mark.parametrize("record_type", ["Lead", "Contact"])
def test_new_record_type_decides_what_salesforce_gets(
    salesforce, integration_settings, record_type
):
    integration_settings.new_record_type = record_type
    integration_settings.save()
    ContactFactory.create_batch(3)
    sync_cycle_run(trigger="test")
    other = "Contact" if record_type == "Lead" else "Lead"
    assert len(salesforce.control.records(record_type)) == 3
    assert salesforce.control.records(other) == []


def test_unlinked_contacts_match_existing_records_by_email_case_insensitively(salesforce):
    (lead_id,) = salesforce.control.load_records(
        "Lead", [{"LastName": "Old", "Company": "X", "Email": "Grace@Navy.example"}]
    )
    (contact_id,) = salesforce.control.load_records(
        "Contact", [{"LastName": "Hopper", "Email": "ALAN@bletchley.example"}]
    )
    grace = ContactFactory(email="grace@navy.example", first_name="Grace", last_name="Hopper")
    alan = ContactFactory(email="alan@Bletchley.example", first_name="Alan", last_name="Turing")
    run = sync_cycle_run(trigger="test")
    assert run.counts["pull_linked"] + run.counts["push_matched"] == 2
    assert run.counts["push_created"] == 0
    grace.refresh_from_db()
    alan.refresh_from_db()
    assert (grace.salesforce_object, grace.salesforce_id) == ("Lead", lead_id)
    assert (alan.salesforce_object, alan.salesforce_id) == ("Contact", contact_id)
    assert len(salesforce.control.records("Lead")) == 1
    assert len(salesforce.control.records("Contact")) == 1
    # Two-way fields go over; the existing records are updated, not duplicated.
    assert salesforce.control.records("Lead")[0]["FirstName"] == "Grace"
    assert salesforce.control.records("Contact")[0]["LastName"] == "Turing"


def test_several_records_with_one_email_link_the_oldest_and_record_the_collision(salesforce):
    from connector.models import EmailCollision

    first, second = salesforce.control.load_records(
        "Lead",
        [
            {"LastName": "First", "Company": "X", "Email": "dup@example.com"},
            {"LastName": "Second", "Company": "X", "Email": "dup@example.com"},
        ],
    )
    contact = ContactFactory(email="dup@example.com")
    sync_cycle_run(trigger="test")
    contact.refresh_from_db()
    assert contact.salesforce_id == first
    collision = EmailCollision.objects.get()
    assert collision.chosen_id == first and collision.other_ids == [second]


def test_a_changed_linked_contact_updates_its_record_and_nothing_else_moves(salesforce):
    contact = ContactFactory(first_name="Before")
    ContactFactory.create_batch(2)
    sync_cycle_run(trigger="test")
    salesforce.control.reset_stats()
    contact.refresh_from_db()
    contact.first_name = "After"
    contact.save()
    run = sync_cycle_run(trigger="test")
    assert run.counts["push_updated"] == 1
    assert run.counts["push_created"] == 0
    contact.refresh_from_db()
    record = next(r for r in salesforce.control.records("Lead") if r["Id"] == contact.salesforce_id)
    assert record["FirstName"] == "After"
    # login, the pull's one composite call, one collection update; no lookup (linked).
    assert api_used(salesforce.control) == 3, salesforce.control.stats()


def test_an_unchanged_database_costs_the_login_and_one_look_for_changes(salesforce):
    ContactFactory.create_batch(5)
    sync_cycle_run(trigger="test")
    salesforce.control.reset_stats()
    run = sync_cycle_run(trigger="test")
    assert run.counts["push_created"] == run.counts["push_updated"] == 0
    assert run.counts["pull_updated"] == run.counts["pull_created"] == 0
    # The pull's queries (Leads, Contacts, deletes, roles, ...) share one composite call.
    assert salesforce.control.stats()["requests"] == {
        "POST /services/Soap/u/<version>/": 1,
        "POST /services/data/v<version>/composite/": 1,
    }


class TestInclusionList:
    def test_only_members_are_pushed_and_the_rest_wait(self, salesforce, integration_settings):
        smart_list = SmartListFactory(
            criteria={
                "match": "all",
                "conditions": [{"property": "country", "operator": "equals", "value": "Germany"}],
            }
        )
        integration_settings.inclusion_list = smart_list
        integration_settings.save()
        ContactFactory.create_batch(2, country="Germany")
        outsider = ContactFactory(country="France")
        sync_cycle_run(trigger="test")
        assert len(salesforce.control.records("Lead")) == 2
        assert ContactSyncState.objects.get(contact=outsider).due is True
        # Once the outsider matches, it flows.
        outsider.country = "Germany"
        outsider.save()
        sync_cycle_run(trigger="test")
        assert len(salesforce.control.records("Lead")) == 3

    def test_no_inclusion_list_pushes_everyone(self, salesforce, integration_settings):
        assert integration_settings.inclusion_list is None
        ContactFactory.create_batch(2, country="Germany")
        ContactFactory(country="France")
        sync_cycle_run(trigger="test")
        assert len(salesforce.control.records("Lead")) == 3


class TestStateCountryPicklists:
    def test_on_free_text_is_normalised_to_iso_codes(self, salesforce, integration_settings):
        salesforce.control.configure_org(state_country_picklists=True)
        integration_settings.state_country_picklists = True
        integration_settings.save()
        ContactFactory(email="de@example.com", country="Deutschland", state="Bayern")
        ContactFactory(email="us@example.com", country="USA", state="California")
        ContactFactory(email="vs@example.com", country="Vereinigte Staaten", state="NY")
        run = sync_cycle_run(trigger="test")
        assert run.errors == 0, SyncError.objects.values_list("code", "message")
        leads = by_email(salesforce.control, "Lead")
        assert (leads["de@example.com"]["CountryCode"], leads["de@example.com"]["StateCode"]) == (
            "DE",
            "BY",
        )
        assert leads["us@example.com"]["CountryCode"] == "US"
        assert leads["us@example.com"]["StateCode"] == "CA"
        assert leads["vs@example.com"]["StateCode"] == "NY"

    def test_on_a_value_that_cannot_be_normalised_is_a_per_record_error(
        self, salesforce, integration_settings
    ):
        salesforce.control.configure_org(state_country_picklists=True)
        integration_settings.state_country_picklists = True
        integration_settings.save()
        bad = ContactFactory(email="bad@example.com", country="Atlantis")
        ContactFactory.create_batch(3, country="France")
        run = sync_cycle_run(trigger="test")
        assert run.status == SyncRunStatus.SUCCEEDED
        assert len(salesforce.control.records("Lead")) == 3
        error = SyncError.objects.get(contact=bad)
        assert error.code == "INVALID_COUNTRY"
        assert "Atlantis" in error.message

    def test_off_state_and_country_go_as_plain_text(self, salesforce, integration_settings):
        assert integration_settings.state_country_picklists is False
        ContactFactory(email="de@example.com", country="Deutschland", state="Bayern")
        sync_cycle_run(trigger="test")
        lead = by_email(salesforce.control, "Lead")["de@example.com"]
        assert (lead["Country"], lead["State"]) == ("Deutschland", "Bayern")
        assert not lead.get("CountryCode")


def test_a_record_salesforce_rejects_is_an_error_with_its_code_and_the_rest_goes_on(salesforce):
    too_long = ContactFactory(job_title="T" * 200)  # Lead.Title takes 128 characters
    ContactFactory.create_batch(4)
    run = sync_cycle_run(trigger="test")
    assert run.status == SyncRunStatus.SUCCEEDED
    assert run.errors == 1
    assert len(salesforce.control.records("Lead")) == 4
    error = SyncError.objects.get(contact=too_long)
    assert error.code == "STRING_TOO_LONG"
    assert error.message  # Salesforce's own message
    assert error.object_type == "Lead"
    state = ContactSyncState.objects.get(contact=too_long)
    # Waiting cannot make it shorter: it needs a fix, no back-off.
    assert state.due and state.attempts == 1 and state.parked and state.needs_fix
    assert state.not_before is None and error.needs_fix


@pytest.mark.slow
def test_failed_records_back_off_then_park_then_retry_at_night(salesforce):
    from django.utils import timezone

    from connector.sync.failures import MAX_ATTEMPTS
    from connector.tasks import salesforce_retry_parked

    bad = ContactFactory()
    salesforce.control.add_fault(
        r"composite/sobjects",
        record_error_code="UNABLE_TO_LOCK_ROW",
        record_count=1,
        count=MAX_ATTEMPTS,
    )
    for attempt in range(1, MAX_ATTEMPTS + 1):
        ContactSyncState.objects.filter(contact=bad).update(not_before=timezone.now())
        sync_cycle_run(trigger="test")
        state = ContactSyncState.objects.get(contact=bad)
        assert state.attempts == attempt and not state.needs_fix
    assert state.parked and state.not_before is None
    assert SyncError.objects.get(contact=bad).parked
    salesforce.control.reset_stats()
    sync_cycle_run(trigger="test")
    assert api_used(salesforce.control) == 2  # parked: login and the pull only
    assert salesforce_retry_parked() == {"unparked": 1}
    sync_cycle_run(trigger="test")
    assert SyncError.objects.get(contact=bad).resolved_at is not None
    assert len(salesforce.control.records("Lead")) == 1


def test_a_record_that_needs_a_fix_costs_no_call_until_the_contact_changes(salesforce):
    from connector.tasks import salesforce_retry_parked

    bad = ContactFactory(job_title="T" * 200)
    sync_cycle_run(trigger="test")
    salesforce.control.reset_stats()
    for _ in range(3):
        sync_cycle_run(trigger="test")
    assert salesforce_retry_parked() == {"unparked": 0}  # the night heals nothing here
    sync_cycle_run(trigger="test")
    assert not any("composite/sobjects" in r for r in salesforce.control.stats()["requests"])
    assert ContactSyncState.objects.get(contact=bad).attempts == 1
    bad.job_title = "CEO"
    bad.save()  # the fix
    sync_cycle_run(trigger="test")
    assert SyncError.objects.get(contact=bad).resolved_at is not None
    assert len(salesforce.control.records("Lead")) == 1


class TestFieldMappings:
    def test_dont_sync_keeps_a_field_out_of_salesforce(self, salesforce):
        from connector.models import FieldMapping

        FieldMapping.objects.filter(hubsync_property="job_title").update(sync_rule="dont_sync")
        ContactFactory(email="a@example.com", job_title="CFO", phone="123")
        sync_cycle_run(trigger="test")
        lead = by_email(salesforce.control, "Lead")["a@example.com"]
        assert lead["Title"] is None
        assert lead["Phone"] == "123"

    def test_prefer_salesforce_is_sent_on_create_but_never_overwrites(self, salesforce):
        from connector.models import FieldMapping

        FieldMapping.objects.filter(hubsync_property="phone").update(sync_rule="prefer_salesforce")
        contact = ContactFactory(email="a@example.com", phone="111", first_name="A")
        sync_cycle_run(trigger="test")
        assert by_email(salesforce.control, "Lead")["a@example.com"]["Phone"] == "111"
        contact.refresh_from_db()
        contact.phone = "222"
        contact.first_name = "B"
        contact.save()
        sync_cycle_run(trigger="test")
        lead = by_email(salesforce.control, "Lead")["a@example.com"]
        assert lead["Phone"] == "111"  # Salesforce's value stands
        assert lead["FirstName"] == "B"  # two-way goes over

    def test_mappings_are_editable_in_the_admin(self, admin_client):
        from django.urls import reverse

        response = admin_client.get(reverse("admin:connector_fieldmapping_changelist"))
        html = response.content.decode()
        assert "MailingCountry" in html
        assert "Prefer Salesforce unless blank" in html


def test_editing_a_contact_queues_a_push(
    salesforce, eager_celery, django_capture_on_commit_callbacks
):
    contact = ContactFactory()
    sync_cycle_run(trigger="test")
    contact.refresh_from_db()
    contact.last_name = "Edited"
    with django_capture_on_commit_callbacks(execute=True):
        contact.save()
    from connector.models import SyncRun

    run = SyncRun.objects.get(trigger="contact_edited")
    assert run.counts["push_updated"] == 1
    assert by_email(salesforce.control, "Lead")[contact.email.lower()]["LastName"] == "Edited"
