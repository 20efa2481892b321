"""What an org's own rules do to a push (issue 13): duplicate rules, validation rules,
required fields — errors waiting cannot heal need a fix and cost no call until something
changes — and the concurrent-request limit, which is not the daily limit."""

from __future__ import annotations

import pytest
from django.urls import reverse

from connector.models import ContactSyncState, SyncError, SyncRunStatus
from connector.sync.cycle import sync_cycle_run
from tests.factories import ContactFactory

pytestmark = pytest.mark.django_db


def writes(salesforce) -> int:
    return sum(
        count
        for path, count in salesforce.control.stats()["requests"].items()
        if "composite/sobjects" in path
    )


class TestDuplicateRules:
    @pytest.fixture(autouse=True)
    def leads_stay_in_salesforce(self, integration_settings):
        """The org's existing Leads do not become hubsync contacts of their own here."""
        integration_settings.create_contact_from_lead = False
        integration_settings.save()

    def test_one_match_links_the_contact_to_it_and_updates_it(self, salesforce):
        [existing] = salesforce.control.load_records(
            "Lead", [{"LastName": "Lovelace", "Company": "Engines", "Email": "ada@old.example"}]
        )
        salesforce.control.add_duplicate_rule(
            "Lead", "Name_and_company", match_fields=["LastName", "Company"]
        )
        contact = ContactFactory(
            email="ada@new.example", last_name="Lovelace", company_name="Engines", job_title="CTO"
        )
        run = sync_cycle_run(trigger="test")
        assert run.status == "succeeded" and run.errors == 0
        contact.refresh_from_db()
        assert contact.salesforce_id == existing
        [lead] = salesforce.control.records("Lead")  # no second Lead
        assert lead["Title"] == "CTO"

    def test_several_matches_are_an_error_naming_them_never_retried_unchanged(
        self, salesforce, admin_browser
    ):
        ids = salesforce.control.load_records(
            "Lead",
            [
                {"LastName": "Lovelace", "Company": "Engines", "Email": "a1@old.example"},
                {"LastName": "Lovelace", "Company": "Engines", "Email": "a2@old.example"},
            ],
        )
        salesforce.control.add_duplicate_rule(
            "Lead", "Name_and_company", match_fields=["LastName", "Company"]
        )
        contact = ContactFactory(last_name="Lovelace", company_name="Engines")
        assert sync_cycle_run(trigger="test").errors == 1
        error = SyncError.objects.get(contact=contact)
        assert error.code == "DUPLICATES_DETECTED" and error.needs_fix
        assert all(sf_id in error.message for sf_id in ids)
        salesforce.control.reset_stats()
        sync_cycle_run(trigger="test")
        assert writes(salesforce) == 0
        page = admin_browser.get(reverse("settings_ui:sync_errors")).content.decode()
        assert "needs a fix" in page and ids[0] in page


class TestErrorsWaitingCannotHeal:
    def test_a_validation_rule_needs_a_fix_and_shows_salesforces_message(
        self, salesforce, admin_browser
    ):
        salesforce.control.add_validation_rule(
            "Lead",
            "Phone_required",
            "Phone",
            "blank",
            "Sales needs a phone number.",
            error_field="Phone",
        )
        contact = ContactFactory(phone="")
        sync_cycle_run(trigger="test")
        error = SyncError.objects.get(contact=contact)
        assert (error.code, error.message) == (
            "FIELD_CUSTOM_VALIDATION_EXCEPTION",
            "Sales needs a phone number.",
        )
        assert error.needs_fix and error.next_retry_at is None
        salesforce.control.reset_stats()
        for _ in range(3):
            sync_cycle_run(trigger="test")
        assert writes(salesforce) == 0  # zero calls spent on hopeless retries
        page = admin_browser.get(reverse("settings_ui:sync_errors")).content.decode()
        assert "needs a fix" in page and "Sales needs a phone number." in page
        contact.phone = "+44 20 1234"
        contact.save()  # the fix
        sync_cycle_run(trigger="test")
        assert writes(salesforce) == 1
        error.refresh_from_db()
        assert error.resolved_at is not None

    def test_a_required_custom_field_needs_a_fix_until_the_mapping_changes(
        self, salesforce, integration_settings
    ):
        salesforce.control.add_field("Lead", "Region__c", required=True)
        contact = ContactFactory(state="Bayern")
        sync_cycle_run(trigger="test")
        state = ContactSyncState.objects.get(contact=contact)
        assert state.needs_fix and SyncError.objects.get(contact=contact).code == (
            "REQUIRED_FIELD_MISSING"
        )
        # The admin maps a property to the field: a mapping change retries at once.
        from connector.models import FieldMapping
        from connector.services.mappings import field_mapping_save

        mapping = FieldMapping.objects.get(hubsync_property="state")
        field_mapping_save(mapping=mapping, lead_field="Region__c", acting_user=None)
        sync_cycle_run(trigger="test")
        assert SyncError.objects.get(contact=contact).resolved_at is not None

    def test_a_locked_row_keeps_the_back_off(self, salesforce):
        contact = ContactFactory()
        salesforce.control.add_fault(
            r"composite/sobjects", record_error_code="UNABLE_TO_LOCK_ROW", record_count=1
        )
        sync_cycle_run(trigger="test")
        state = ContactSyncState.objects.get(contact=contact)
        assert not state.needs_fix and not state.parked and state.not_before is not None


class TestConcurrentRequestLimit:
    def test_told_apart_from_the_daily_limit_short_retry_no_pause(
        self, salesforce, integration_settings, admin_browser
    ):
        from connector.tasks import RETRY_FAILED_AFTER_S, retry_countdown

        ContactFactory()
        salesforce.control.configure_org(concurrent_request_limit=0)  # the org is saturated
        run = sync_cycle_run(trigger="test")
        assert run.status == SyncRunStatus.FAILED and run.retry_soon
        assert run.reason == (
            "Salesforce's concurrent request limit: too many long-running requests run in your "
            "org at once (REQUEST_LIMIT_EXCEEDED, ConcurrentRequests). hubsync tries again "
            "shortly (after 1, 2, 4 … minutes); the daily API limit is not reached."
        )
        countdown = retry_countdown(
            status=run.status, retry_soon=run.retry_soon, trigger="schedule", retries=0
        )
        # About a minute (with ±20 % jitter), not the 24 h window.
        assert 0.8 * RETRY_FAILED_AFTER_S <= countdown <= 1.2 * RETRY_FAILED_AFTER_S
        page = admin_browser.get(reverse("settings_ui:salesforce_settings")).content.decode()
        assert "concurrent request limit" in page
        salesforce.control.configure_org(concurrent_request_limit=None)
        run = sync_cycle_run(trigger="test")
        assert run.status == SyncRunStatus.SUCCEEDED and run.counts["push_created"] == 1

    def test_the_daily_limit_still_pauses(self, salesforce):
        ContactFactory()
        salesforce.control.configure_org(api_limit=1, api_used=1)
        assert sync_cycle_run(trigger="test").status == SyncRunStatus.PAUSED
