"""Salesforce → hubsync through the emulator: every setting both ways, loops, deletes, scale."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command
from django.db import connection
from django.urls import reverse

from connector.models import (
    ContactSyncState,
    EmailCollision,
    FieldMapping,
    SalesforceDeletion,
    SyncRunStatus,
)
from connector.sync.cycle import sync_cycle_run
from marketing.models import Company, Contact, LifecycleStage, Opportunity
from tests.factories import ContactFactory, SmartListFactory

pytestmark = pytest.mark.django_db


def lead(**fields) -> dict:
    return {"LastName": "Lovelace", "Company": "Engines Ltd", **fields}


def cycle():
    run = sync_cycle_run(trigger="test")
    assert run.status == SyncRunStatus.SUCCEEDED, run.reason
    return run


def requests(control) -> int:
    return control.stats()["total_requests"]


class TestRecordsCreatedInSalesforce:
    @pytest.mark.parametrize("on", [True, False])
    def test_a_new_lead_creates_a_contact_only_when_ticked(
        self, salesforce, integration_settings, on
    ):
        integration_settings.create_contact_from_lead = on
        integration_settings.save()
        salesforce.control.load_records(
            "Lead", [lead(Email="ada@engines.example", FirstName="Ada")]
        )
        cycle()
        contact = Contact.objects.filter(email="ada@engines.example").first()
        assert (contact is not None) is on
        if on:
            assert (contact.first_name, contact.last_name, contact.company_name) == (
                "Ada",
                "Lovelace",
                "Engines Ltd",
            )
            assert contact.salesforce_object == "Lead"

    @pytest.mark.parametrize("on", [True, False])
    def test_a_new_contact_creates_a_contact_only_when_ticked(
        self, salesforce, integration_settings, on
    ):
        integration_settings.create_contact_from_contact = on
        integration_settings.save()
        salesforce.control.load_records(
            "Contact", [{"LastName": "Hopper", "Email": "g@navy.example"}]
        )
        cycle()
        assert Contact.objects.filter(email="g@navy.example").exists() is on

    def test_contacts_created_from_salesforce_are_not_pushed_back(self, salesforce):
        salesforce.control.load_records("Lead", [lead(Email=f"p{i}@x.example") for i in range(5)])
        run = cycle()
        assert run.counts["pull_created"] == 5
        assert run.counts["push_created"] == run.counts["push_updated"] == 0
        assert not ContactSyncState.objects.filter(due=True).exists()

    def test_matched_by_email_case_insensitively_never_duplicated(self, salesforce):
        existing = ContactFactory(email="ada@engines.example")
        salesforce.control.load_records("Lead", [lead(Email="ADA@Engines.example")])
        cycle()
        assert Contact.objects.count() == 1
        existing.refresh_from_db()
        assert existing.salesforce_object == "Lead"
        assert len(salesforce.control.records("Lead")) == 1

    def test_several_records_with_one_email_the_oldest_wins_and_is_recorded(self, salesforce):
        older, newer = salesforce.control.load_records(
            "Lead", [lead(Email="dup@x.example", FirstName="Old"), lead(Email="dup@x.example")]
        )
        cycle()
        contact = Contact.objects.get(email__iexact="dup@x.example")
        assert contact.salesforce_id == older
        assert EmailCollision.objects.filter(chosen_id=older, other_ids=[newer]).exists()


class TestUpdatesFromSalesforce:
    def linked(self, salesforce, **fields):
        contact = ContactFactory(email="sync@x.example", **fields)
        cycle()
        contact.refresh_from_db()
        return contact

    def edit_in_salesforce(self, salesforce, contact, **fields):
        sf = salesforce.salesforce(*self.credentials())
        getattr(sf, contact.salesforce_object).update(contact.salesforce_id, fields)

    @staticmethod
    def credentials():
        from tests.conftest import SF_PASSWORD, SF_TOKEN, SF_USERNAME

        return SF_USERNAME, SF_PASSWORD, SF_TOKEN

    def test_two_way_the_newer_salesforce_edit_wins(self, salesforce):
        contact = self.linked(salesforce, job_title="Engineer")
        self.edit_in_salesforce(salesforce, contact, Title="CTO")
        cycle()
        contact.refresh_from_db()
        assert contact.job_title == "CTO"

    def test_prefer_salesforce_unless_blank(self, salesforce):
        FieldMapping.objects.filter(hubsync_property="phone").update(sync_rule="prefer_salesforce")
        contact = self.linked(salesforce, phone="111")
        self.edit_in_salesforce(salesforce, contact, Phone=None)
        cycle()
        contact.refresh_from_db()
        assert contact.phone == "111"  # blank in Salesforce: hubsync's value stays
        self.edit_in_salesforce(salesforce, contact, Phone="222")
        cycle()
        contact.refresh_from_db()
        assert contact.phone == "222"

    def test_always_use_salesforce_even_blank(self, salesforce):
        FieldMapping.objects.filter(hubsync_property="phone").update(sync_rule="always_salesforce")
        contact = self.linked(salesforce, phone="111")
        self.edit_in_salesforce(salesforce, contact, Phone=None)
        cycle()
        contact.refresh_from_db()
        assert contact.phone == ""

    def test_dont_sync_never_changes_the_contact(self, salesforce):
        FieldMapping.objects.filter(hubsync_property="job_title").update(sync_rule="dont_sync")
        contact = self.linked(salesforce, job_title="Engineer")
        self.edit_in_salesforce(salesforce, contact, Title="CTO")
        cycle()
        contact.refresh_from_db()
        assert contact.job_title == "Engineer"

    def test_contacts_outside_the_inclusion_list_receive_no_updates(
        self, salesforce, integration_settings
    ):
        contact = self.linked(salesforce, job_title="Engineer", country="France")
        integration_settings.inclusion_list = SmartListFactory(
            criteria={
                "match": "all",
                "conditions": [{"property": "country", "operator": "equals", "value": "Germany"}],
            }
        )
        integration_settings.save()
        self.edit_in_salesforce(salesforce, contact, Title="CTO")
        run = cycle()
        contact.refresh_from_db()
        assert contact.job_title == "Engineer"
        assert run.counts["pull_outside_inclusion_list"] == 1
        # Records created in Salesforce are still created (rule 10).
        salesforce.control.load_records("Lead", [lead(Email="new@x.example")])
        cycle()
        assert Contact.objects.filter(email="new@x.example").exists()

    def test_hubsyncs_own_writes_read_back_are_not_counted_as_changes(
        self, salesforce, admin_browser
    ):
        """Issue 18: after a push, the next run reported its own writes read back as reads."""
        ContactFactory.create_batch(30)
        assert cycle().counts["push_created"] == 30
        out = io.StringIO()
        call_command("salesforce_sync", stdout=out)
        counts = json.loads(out.getvalue())
        assert counts["pull_read"] == 0  # nothing changed in Salesforce
        assert counts["pull_echoes"] == 30  # hubsync's own writes, read back
        status = admin_browser.get(reverse("settings_ui:salesforce_status")).content.decode()
        assert "0 sent to Salesforce, 0 read from Salesforce" in status
        # A change made in Salesforce after the push is one.
        contact = Contact.objects.filter(salesforce_id__gt="").first()
        self.edit_in_salesforce(salesforce, contact, Title="CTO")
        run = cycle()
        assert (run.counts["pull_read"], run.counts["pull_echoes"]) == (1, 0)

    def test_no_sync_loop_a_two_way_edit_settles_after_one_cycle(self, salesforce):
        contact = self.linked(salesforce, job_title="Engineer")
        # Edited in hubsync: pushed once, then nothing more moves.
        contact.job_title = "Director"
        contact.save()
        run = cycle()
        assert run.counts["push_updated"] == 1
        salesforce.control.reset_stats()
        run = cycle()
        assert run.counts["push_updated"] == 0 and run.counts["pull_updated"] == 0
        assert requests(salesforce.control) == 2  # login + one composite look for changes
        # Edited in Salesforce: pulled once, never pushed back.
        self.edit_in_salesforce(salesforce, contact, Title="VP")
        run = cycle()
        assert run.counts["pull_updated"] == 1 and run.counts["push_updated"] == 0
        salesforce.control.reset_stats()
        run = cycle()
        assert run.counts["pull_updated"] == 0 and run.counts["push_updated"] == 0
        assert requests(salesforce.control) == 2
        contact.refresh_from_db()
        assert contact.job_title == "VP"


class TestDeletes:
    @pytest.mark.parametrize(
        ("object_type", "setting"),
        [
            ("Lead", "delete_when_lead_deleted"),
            ("Contact", "delete_when_contact_deleted"),
        ],
    )
    @pytest.mark.parametrize("on", [True, False])
    def test_deleted_in_salesforce(
        self, salesforce, integration_settings, object_type, setting, on
    ):
        setattr(integration_settings, setting, on)
        integration_settings.new_record_type = object_type
        integration_settings.save()
        contact = ContactFactory(email="gone@x.example")
        cycle()
        contact.refresh_from_db()
        from tests.conftest import SF_PASSWORD, SF_TOKEN, SF_USERNAME

        sf = salesforce.salesforce(SF_USERNAME, SF_PASSWORD, SF_TOKEN)
        getattr(sf, object_type).delete(contact.salesforce_id)
        run = cycle()
        deletion = SalesforceDeletion.objects.get(salesforce_id=contact.salesforce_id)
        if on:
            assert not Contact.objects.filter(pk=contact.pk).exists()
            assert deletion.action == "deleted"
            assert run.counts["pull_deleted"] == 1
        else:
            contact.refresh_from_db()
            assert contact.salesforce_id == ""
            assert deletion.action == "kept" and deletion.contact == contact
            # Kept, and never re-created in Salesforce, even after an edit.
            contact.first_name = "Edited"
            contact.save()
            cycle()
            assert salesforce.control.records(object_type, include_deleted=False) == []


class TestAccountSync:
    def test_sync_accounts_copies_every_field_and_links_the_contact(
        self, salesforce, integration_settings
    ):
        integration_settings.account_sync = "sync"
        integration_settings.save()
        (account_id,) = salesforce.control.load_records(
            "Account",
            [
                {
                    "Name": "Initech",
                    "Website": "https://www.initech.example/about",
                    "Tier__c": "Gold",
                }
            ],
        )
        salesforce.control.load_records(
            "Contact",
            [{"LastName": "Lumbergh", "Email": "bill@initech.example", "AccountId": account_id}],
        )
        cycle()
        company = Company.objects.get(salesforce_id=account_id)
        assert company.name == "Initech"
        assert company.domain == "initech.example"
        assert company.properties["Tier__c"] == "Gold"  # a custom field, found by describe
        assert company.properties["Website"] == "https://www.initech.example/about"
        assert Contact.objects.get(email="bill@initech.example").company == company
        # A change to the Account reaches the company in a later cycle.
        from tests.conftest import SF_PASSWORD, SF_TOKEN, SF_USERNAME

        salesforce.salesforce(SF_USERNAME, SF_PASSWORD, SF_TOKEN).Account.update(
            account_id, {"Tier__c": "Platinum"}
        )
        cycle()
        company.refresh_from_db()
        assert company.properties["Tier__c"] == "Platinum"

    def test_do_not_sync_reads_no_account(self, salesforce, integration_settings):
        integration_settings.account_sync = "do_not_sync"
        integration_settings.save()
        (account_id,) = salesforce.control.load_records("Account", [{"Name": "Initech"}])
        salesforce.control.load_records(
            "Contact", [{"LastName": "L", "Email": "bill@initech.example", "AccountId": account_id}]
        )
        cycle()
        assert not Company.objects.exists()
        assert Contact.objects.get(email="bill@initech.example").company is None
        assert not any("describe" in e for e in salesforce.control.stats()["requests"])


def load_opportunity(control, *, stage: str, email: str = "buyer@x.example", **contact) -> str:
    (contact_id,) = control.load_records(
        "Contact", [{"LastName": "Buyer", "Email": email, **contact}]
    )
    (opportunity_id,) = control.load_records(
        "Opportunity",
        [{"Name": "Big deal", "StageName": stage, "CloseDate": "2026-12-31", "Amount": 50000}],
    )
    control.load_records(
        "OpportunityContactRole",
        [
            {
                "OpportunityId": opportunity_id,
                "ContactId": contact_id,
                "Role": "Decision Maker",
                "IsPrimary": True,
            }
        ],
    )
    return opportunity_id


class TestOpportunitySync:
    def test_on_opportunities_are_copied_and_smart_lists_can_use_them(
        self, salesforce, integration_settings
    ):
        assert integration_settings.opportunity_sync is True
        opportunity_id = load_opportunity(salesforce.control, stage="Closed Won")
        load_opportunity(salesforce.control, stage="Prospecting", email="maybe@x.example")
        cycle()
        opportunity = Opportunity.objects.get(salesforce_id=opportunity_id)
        assert opportunity.stage == "Closed Won"
        assert opportunity.is_won and opportunity.is_closed
        assert opportunity.amount == 50000
        assert str(opportunity.close_date) == "2026-12-31"
        assert opportunity.owner_name  # the Owner's name came along
        buyer = Contact.objects.get(email="buyer@x.example")
        assert list(buyer.opportunities.all()) == [opportunity]
        from marketing.selectors import smart_list_contacts

        won = SmartListFactory(
            criteria={
                "match": "all",
                "conditions": [
                    {"property": "opportunity_stage", "operator": "equals", "value": "Closed Won"}
                ],
            }
        )
        assert list(smart_list_contacts(smart_list=won)) == [buyer]

    def test_multi_currency_amounts_keep_their_currency(
        self, salesforce, integration_settings, client, staff
    ):
        """Issue 18: CurrencyIsoCode was never read, so 50,000 EUR and 50,000 USD looked alike."""
        from connector.services.setup_check import setup_check_run

        salesforce.control.configure_org(multi_currency=True)
        setup_check_run(integration_settings=integration_settings)  # reads the org
        euro_id = load_opportunity(salesforce.control, stage="Prospecting")
        sf = salesforce.salesforce(*TestUpdatesFromSalesforce.credentials())
        sf.Opportunity.update(euro_id, {"CurrencyIsoCode": "EUR"})
        dollar_id = load_opportunity(salesforce.control, stage="Prospecting", email="b@x.example")
        cycle()
        euro = Opportunity.objects.get(salesforce_id=euro_id)
        assert (euro.amount, euro.currency) == (50000, "EUR")
        assert Opportunity.objects.get(salesforce_id=dollar_id).currency == "USD"
        client.force_login(staff)
        listing = client.get(reverse("admin:marketing_opportunity_changelist")).content.decode()
        assert "50,000.00 EUR" in listing and "50,000.00 USD" in listing
        buyer = Contact.objects.get(email="buyer@x.example")
        page = client.get(reverse("settings_ui:contact_sync", args=[buyer.pk])).content.decode()
        assert "50,000.00 EUR" in page

    def test_a_single_currency_org_has_no_currency_to_read(self, salesforce, integration_settings):
        from connector.services.setup_check import setup_check_run

        setup_check_run(integration_settings=integration_settings)
        opportunity_id = load_opportunity(salesforce.control, stage="Prospecting")
        cycle()  # the query names no CurrencyIsoCode (the org has none: INVALID_FIELD)
        assert Opportunity.objects.get(salesforce_id=opportunity_id).currency == ""

    def test_off_no_opportunity_is_read(self, salesforce, integration_settings):
        integration_settings.opportunity_sync = False
        integration_settings.save()
        load_opportunity(salesforce.control, stage="Closed Won")
        cycle()
        assert not Opportunity.objects.exists()
        contact = Contact.objects.get(email="buyer@x.example")
        assert contact.lifecycle_stage == LifecycleStage.SUBSCRIBER


class TestLifecycleTransitions:
    @pytest.mark.parametrize(
        ("stage", "before", "after"),
        [
            ("Prospecting", LifecycleStage.LEAD, LifecycleStage.OPPORTUNITY),
            ("Closed Won", LifecycleStage.LEAD, LifecycleStage.CUSTOMER),
            ("Closed Won", LifecycleStage.EVANGELIST, LifecycleStage.EVANGELIST),  # never back
            ("Closed Lost", LifecycleStage.LEAD, LifecycleStage.LEAD),
        ],
    )
    def test_yes(self, salesforce, stage, before, after):
        contact = ContactFactory(email="buyer@x.example", lifecycle_stage=before)
        load_opportunity(salesforce.control, stage=stage)
        cycle()
        contact.refresh_from_db()
        assert contact.salesforce_object == "Contact"
        assert contact.lifecycle_stage == after
        # Written by the sync itself: the next cycle has nothing to push or pull.
        run = cycle()
        assert run.counts["push_updated"] == run.counts["pull_updated"] == 0

    def test_a_contact_outside_the_inclusion_list_keeps_its_stage(
        self, salesforce, integration_settings
    ):
        """Issue 18: a Closed Won opportunity made a contact outside the list a *customer*."""
        contact = ContactFactory(
            email="buyer@x.example", lifecycle_stage=LifecycleStage.LEAD, country="France"
        )
        integration_settings.inclusion_list = SmartListFactory(
            criteria={
                "match": "all",
                "conditions": [{"property": "country", "operator": "equals", "value": "Germany"}],
            }
        )
        integration_settings.save()
        load_opportunity(salesforce.control, stage="Closed Won")
        run = cycle()
        contact.refresh_from_db()
        assert contact.lifecycle_stage == LifecycleStage.LEAD
        assert run.counts["pull_lifecycle_changes"] == 0
        # Once it matches again, the next change of its opportunities moves it on.
        contact.country = "Germany"
        contact.save()
        opportunity = contact.opportunities.get()
        sf = salesforce.salesforce(*TestUpdatesFromSalesforce.credentials())
        sf.Opportunity.update(opportunity.salesforce_id, {"Amount": 60000})
        cycle()
        contact.refresh_from_db()
        assert contact.lifecycle_stage == LifecycleStage.CUSTOMER

    def test_no_opportunities_never_change_the_stage(self, salesforce, integration_settings):
        integration_settings.lifecycle_transitions = False
        integration_settings.save()
        load_opportunity(salesforce.control, stage="Closed Won")
        cycle()
        contact = Contact.objects.get(email="buyer@x.example")
        assert contact.lifecycle_stage == LifecycleStage.SUBSCRIBER
        assert contact.opportunities.count() == 1


def test_synced_opportunities_show_on_the_contacts_page_and_in_the_admin(
    salesforce, integration_settings, client, staff
):
    """Issue 14: /admin/marketing/opportunity/ was a 404 and the contact's page showed none."""
    opportunity_id = load_opportunity(salesforce.control, stage="Closed Won")
    cycle()
    opportunity = Opportunity.objects.get(salesforce_id=opportunity_id)
    buyer = Contact.objects.get(email="buyer@x.example")
    client.force_login(staff)
    from django.urls import reverse

    page = client.get(reverse("admin:marketing_contact_change", args=[buyer.pk])).content.decode()
    assert "Opportunities (from Salesforce)" in page and opportunity.name in page
    assert "Closed Won" in page
    listing = client.get(reverse("admin:marketing_opportunity_changelist"))
    assert listing.status_code == 200 and opportunity.name in listing.content.decode()
    detail = client.get(reverse("admin:marketing_opportunity_change", args=[opportunity.pk]))
    assert detail.status_code == 200 and "buyer@x.example" in detail.content.decode()
    assert client.get(reverse("admin:marketing_opportunity_add")).status_code == 403


@pytest.mark.skipif(
    connection.vendor != "sqlite", reason="SQLite's planner, which has no statistics"
)
def test_the_records_to_read_again_are_found_from_the_marked_states(salesforce, monkeypatch):
    """Each cycle looks for contacts marked to have their records read again: from the
    states' partial index (almost always empty), not by reading every contact (0.12 s a cycle
    at 200,000 contacts, the Leads' and the Contacts' lookups)."""
    ContactFactory.create_batch(3)
    cycle()
    plans: list[str] = []

    def explain(execute, sql, params, many, context):
        if sql.startswith("SELECT") and "reread_when_included" in sql:
            with connection.cursor() as cursor:
                cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
                plans.append(" / ".join(str(row[-1]) for row in cursor.fetchall()))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(explain):
        cycle()
    assert plans, "no lookup of the marked states"
    assert all("syncstate_reread" in plan for plan in plans), plans
    assert not any("SCAN marketing_contact" in plan for plan in plans), plans
