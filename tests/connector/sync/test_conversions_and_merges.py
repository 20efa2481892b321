"""Lead conversion and merges in the org (issue 13): the hubsync contact follows the record
that lives on, and a merge is never taken for a delete."""

from __future__ import annotations

import pytest

from connector.models import ContactSyncEvent, SyncEventOutcome
from connector.sync.cycle import sync_cycle_run
from marketing.models import Company, Contact
from tests.conftest import SF_PASSWORD, SF_TOKEN, SF_USERNAME
from tests.factories import ContactFactory

pytestmark = pytest.mark.django_db


def linked(**fields) -> Contact:
    contact = ContactFactory(**fields)
    assert sync_cycle_run(trigger="test").status == "succeeded"
    contact.refresh_from_db()
    assert contact.salesforce_id
    return contact


def edit(contact: Contact, **fields) -> None:
    for name, value in fields.items():
        setattr(contact, name, value)
    contact.save()


def lead_writes(salesforce) -> list[str]:
    return [
        path
        for path in salesforce.control.stats()["requests"]
        if "composite/sobjects" in path or "/sobjects/Lead" in path
    ]


class TestLeadConversion:
    def test_the_contact_follows_the_converted_contact_and_its_account(
        self, salesforce, integration_settings
    ):
        integration_settings.account_sync = "sync"
        integration_settings.save()
        contact = linked(email="ada@example.com", company_name="Analytical Engines")
        lead_id = contact.salesforce_id
        converted = salesforce.control.convert_lead(lead_id)
        run = sync_cycle_run(trigger="test")
        assert run.status == "succeeded" and run.counts["pull_converted"] == 1
        contact.refresh_from_db()
        assert (contact.salesforce_object, contact.salesforce_id) == (
            "Contact",
            converted["contact_id"],
        )
        event = ContactSyncEvent.objects.get(contact=contact, outcome=SyncEventOutcome.CONVERTED)
        assert lead_id in event.detail and event.salesforce_id == converted["contact_id"]
        assert contact.company == Company.objects.get(salesforce_id=converted["account_id"])
        # hubsync never writes to the converted Lead again: the edit goes to the Contact.
        edit(contact, job_title="Countess")
        salesforce.control.reset_stats()
        assert sync_cycle_run(trigger="test").counts["push_updated"] == 1
        [sf_contact] = salesforce.control.records("Contact")
        assert sf_contact["Title"] == "Countess"
        [lead] = salesforce.control.records("Lead")
        assert lead["IsConverted"] and lead["Title"] != "Countess"

    def test_an_unconverted_lead_keeps_its_contact(self, salesforce):
        contact = linked()
        lead_id = contact.salesforce_id
        edit(contact, job_title="CTO")
        run = sync_cycle_run(trigger="test")
        assert run.counts["pull_converted"] == 0 and run.counts["push_updated"] == 1
        contact.refresh_from_db()
        assert (contact.salesforce_object, contact.salesforce_id) == ("Lead", lead_id)

    def test_a_push_refused_for_a_converted_lead_follows_the_conversion(
        self, salesforce, integration_settings
    ):
        """Converted between the cycle's pull and its push: CANNOT_UPDATE_CONVERTED_LEAD."""
        from connector.client import SalesforceClient
        from connector.selectors import field_mappings_get
        from connector.sync.push import contacts_push
        from connector.sync.queue import contacts_mark_due

        contact = linked()
        converted = salesforce.control.convert_lead(contact.salesforce_id)
        edit(contact, job_title="CFO")
        contacts_mark_due()
        client = SalesforceClient.from_settings(integration_settings)
        client.login()
        counts = contacts_push(
            client=client,
            integration_settings=integration_settings,
            mappings=field_mappings_get(),
            should_continue=lambda: True,
        )
        assert counts.failed == 0 and counts.updated == 1
        contact.refresh_from_db()
        assert contact.salesforce_id == converted["contact_id"]
        [sf_contact] = salesforce.control.records("Contact")
        assert sf_contact["Title"] == "CFO"
        assert ContactSyncEvent.objects.filter(
            contact=contact, outcome=SyncEventOutcome.CONVERTED
        ).exists()


class TestMerges:
    def test_a_merged_away_lead_is_followed_not_deleted(self, salesforce, integration_settings):
        integration_settings.delete_when_lead_deleted = True
        integration_settings.save()
        contact = linked(email="loser@example.com")
        [survivor] = salesforce.control.load_records(
            "Lead", [{"LastName": "Survivor", "Company": "Acme", "Email": "winner@example.com"}]
        )
        salesforce.control.merge("Lead", survivor, [contact.salesforce_id])
        run = sync_cycle_run(trigger="test")
        assert run.counts["pull_merged"] == 1 and run.counts["pull_deleted"] == 0
        contact.refresh_from_db()
        assert contact.salesforce_id == survivor
        assert ContactSyncEvent.objects.filter(
            contact=contact, outcome=SyncEventOutcome.MERGED
        ).exists()

    def test_a_real_delete_still_applies_the_delete_option(self, salesforce, integration_settings):
        integration_settings.delete_when_lead_deleted = True
        integration_settings.save()
        contact = linked()
        salesforce.salesforce(SF_USERNAME, SF_PASSWORD, SF_TOKEN).Lead.delete(contact.salesforce_id)
        run = sync_cycle_run(trigger="test")
        assert run.counts["pull_deleted"] == 1 and run.counts["pull_merged"] == 0
        assert not Contact.objects.filter(pk=contact.pk).exists()

    def test_two_contacts_merged_into_one_record_do_not_share_it(self, salesforce):
        first = linked(email="one@example.com")
        second = linked(email="two@example.com")
        salesforce.control.merge("Lead", first.salesforce_id, [second.salesforce_id])
        sync_cycle_run(trigger="test")
        first.refresh_from_db()
        second.refresh_from_db()
        assert first.salesforce_id and Contact.objects.filter(pk=second.pk).exists()
        assert second.salesforce_id != first.salesforce_id
        assert ContactSyncEvent.objects.filter(
            contact=second, outcome=SyncEventOutcome.UNLINKED
        ).exists()
