"""HubSync_Id__c is random, and a push never writes onto a record hubsync did not create.

Before, the external id was the contact's primary key: anyone with a Salesforce login
could create email-less Leads carrying the next ids, and the next new hubsync contacts
were upserted onto them (records that stayed that user's).
"""

from __future__ import annotations

import uuid

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from connector.client import SalesforceClient
from connector.models import ContactSyncState, SyncError, SyncRunStatus
from connector.selectors import field_mappings_get
from connector.sync.cycle import sync_cycle_run
from connector.sync.push import contacts_push
from connector.sync.queue import contact_creates_sent, contacts_mark_due
from marketing.models import Activity, Contact, CrmTask
from tests.factories import ContactFactory

pytestmark = pytest.mark.django_db


def leads(control) -> list[dict]:
    return control.records("Lead", include_deleted=False)


def test_every_contact_carries_its_own_random_id_into_salesforce(salesforce):
    contacts = ContactFactory.create_batch(5)
    run = sync_cycle_run(trigger="test")
    assert run.status == SyncRunStatus.SUCCEEDED, run.reason
    by_email = {lead["Email"]: lead for lead in leads(salesforce.control)}
    for contact in contacts:
        contact.refresh_from_db()
        assert isinstance(contact.external_id, uuid.UUID)
        assert by_email[contact.email]["HubSync_Id__c"] == str(contact.external_id)
        assert contact.salesforce_id == by_email[contact.email]["Id"]
    assert len({c.external_id for c in contacts}) == 5


def test_contacts_created_by_the_pull_get_distinct_ids(salesforce):
    """The pull inserts contacts with one multi-row INSERT: each row its own UUID."""
    salesforce.control.load_records(
        "Lead",
        [
            {"LastName": f"Pulled{i}", "Company": "P", "Email": f"p{i}@pull.example"}
            for i in range(30)
        ],
    )
    assert sync_cycle_run(trigger="test").status == SyncRunStatus.SUCCEEDED
    ids = list(Contact.objects.values_list("external_id", flat=True))
    assert len(ids) == 30 and len(set(ids)) == 30 and None not in ids


def test_leads_carrying_guessed_ids_are_never_written_onto(salesforce):
    """The old attack: email-less Leads with the next primary keys as HubSync_Id__c."""
    planted = salesforce.control.load_records(
        "Lead",
        [
            {"LastName": "Mallory", "Company": "Planted", "HubSync_Id__c": str(n)}
            for n in range(1, 21)
        ],
    )
    contacts = ContactFactory.create_batch(5)
    run = sync_cycle_run(trigger="test")
    assert run.status == SyncRunStatus.SUCCEEDED, run.reason
    assert run.counts["push_created"] == 5
    after = {lead["Id"]: lead for lead in leads(salesforce.control)}
    assert len(after) == 25
    for lead_id in planted:
        assert after[lead_id]["LastName"] == "Mallory"
        assert after[lead_id]["Email"] is None
    linked = {Contact.objects.get(pk=c.pk).salesforce_id for c in contacts}
    assert not linked & set(planted)


def test_a_record_that_already_carries_a_contacts_id_is_a_sync_error_not_an_overwrite(
    salesforce,
):
    victim, bystander = ContactFactory.create_batch(2)
    (planted,) = salesforce.control.load_records(
        "Lead",
        [{"LastName": "Mallory", "Company": "Planted", "HubSync_Id__c": str(victim.external_id)}],
    )
    run = sync_cycle_run(trigger="test")
    assert run.status == SyncRunStatus.SUCCEEDED, run.reason
    assert (run.counts["push_created"], run.counts["push_failed"]) == (1, 1)
    mallory = next(lead for lead in leads(salesforce.control) if lead["Id"] == planted)
    assert (mallory["LastName"], mallory["Email"]) == ("Mallory", None)
    error = SyncError.objects.get(contact=victim, resolved_at__isnull=True)
    assert error.code == "DUPLICATE_VALUE"
    assert error.message == (
        f"duplicate value found: HubSync_Id__c duplicates value on record with id: {planted}"
    )
    assert error.needs_fix is True
    victim.refresh_from_db()
    assert victim.salesforce_id == ""
    bystander.refresh_from_db()
    assert bystander.salesforce_id.startswith("00Q")
    # Refused, not unknown: the next try (after an edit) creates again, never upserts onto it.
    assert ContactSyncState.objects.get(contact=victim).create_sent is False
    victim.last_name = "Edited"
    victim.save()
    again = sync_cycle_run(trigger="test")
    assert (again.counts["push_created"], again.counts["push_failed"]) == (0, 1)
    mallory = next(lead for lead in leads(salesforce.control) if lead["Id"] == planted)
    assert (mallory["LastName"], mallory["Email"]) == ("Mallory", None)
    assert SyncError.objects.get(contact=victim, resolved_at__isnull=True).code == "DUPLICATE_VALUE"


def test_a_create_that_landed_unseen_is_found_by_its_id_not_made_twice(
    salesforce, integration_settings
):
    """A create was sent (the worker died before storing its outcome, or it timed out)
    and landed while the retry's email lookup missed it (a stalled write finishing late;
    here: its email changed since): the retry upserts on the id it sent."""
    contact = ContactFactory(last_name="Landed")
    contacts_mark_due()
    contact_creates_sent([contact.pk])
    (landed,) = salesforce.control.load_records(
        "Lead",
        [
            {
                "LastName": "Landed",
                "Company": "X",
                "Email": "changed-by-sales@example.com",
                "HubSync_Id__c": str(contact.external_id),
            }
        ],
    )
    client = SalesforceClient.from_settings(integration_settings)
    client.login()
    counts = contacts_push(
        client=client,
        integration_settings=integration_settings,
        mappings=field_mappings_get(),
        should_continue=lambda: True,
    )
    assert (counts.created, counts.updated, counts.failed) == (0, 1, 0)
    (lead,) = leads(salesforce.control)
    assert (lead["Id"], lead["Email"]) == (landed, contact.email)
    contact.refresh_from_db()
    assert (contact.salesforce_object, contact.salesforce_id) == ("Lead", landed)
    assert ContactSyncState.objects.get(contact=contact).create_sent is False
    assert not SyncError.objects.exists()


def test_a_first_create_marks_its_contacts_before_it_goes(salesforce):
    contact = ContactFactory()
    salesforce.control.add_fault(r"/composite/sobjects$", method="POST", status=503, count=1)
    run = sync_cycle_run(trigger="test")
    assert run.counts["push_retried_later"] == 1
    state = ContactSyncState.objects.get(contact=contact)
    assert (state.due, state.create_sent) == (True, True)


def test_a_contact_linked_under_the_old_ids_keeps_its_record_and_takes_the_new_id(salesforce):
    (lead_id,) = salesforce.control.load_records(
        "Lead",
        [{"LastName": "Old", "Company": "X", "Email": "old@ids.example", "HubSync_Id__c": "404"}],
    )
    contact = ContactFactory(email="old@ids.example", last_name="Old")
    Contact.objects.filter(pk=contact.pk).update(salesforce_object="Lead", salesforce_id=lead_id)
    contact.last_name = "Renamed"
    contact.save()
    run = sync_cycle_run(trigger="test")
    assert run.status == SyncRunStatus.SUCCEEDED, run.reason
    (lead,) = leads(salesforce.control)
    assert (lead["Id"], lead["LastName"]) == (lead_id, "Renamed")
    assert lead["HubSync_Id__c"] == str(contact.external_id)


@pytest.mark.django_db(transaction=True)
@pytest.mark.slow
def test_upgrading_gives_existing_rows_distinct_ids_and_keeps_their_links():
    executor = MigrationExecutor(connection)
    latest = executor.loader.graph.leaf_nodes()
    before = [("marketing", "0002_opportunities")]
    executor.migrate(before)
    try:
        old = executor.loader.project_state(before).apps
        OldContact = old.get_model("marketing", "Contact")
        for i in range(3):
            contact = OldContact.objects.create(
                email=f"u{i}@upgrade.example",
                salesforce_object="Lead",
                salesforce_id=f"00Q000000000{i:03d}AAA",
            )
            old.get_model("marketing", "Activity").objects.create(
                contact=contact, type="form_submission", occurred_at="2026-11-30T10:00:00Z"
            )
            old.get_model("marketing", "CrmTask").objects.create(contact=contact, subject="Call")
    finally:
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(latest)
    rows = list(Contact.objects.values_list("external_id", "salesforce_id"))
    assert len({external_id for external_id, _ in rows}) == 3
    assert sorted(sf_id for _, sf_id in rows) == [f"00Q000000000{i:03d}AAA" for i in range(3)]
    for model in (Activity, CrmTask):
        ids = list(model.objects.values_list("external_id", flat=True))
        assert len(set(ids)) == 3 and None not in ids


@pytest.mark.parametrize("model", [Contact, Activity, CrmTask])
def test_the_upgrade_leaves_the_schema_djangos_alter_field_would(model):
    """marketing 0003 builds the constraint its own way on PostgreSQL (an index built
    CONCURRENTLY, NOT NULL through a validated CHECK): the end is Django's schema, by name."""
    table = model._meta.db_table
    editor = connection.schema_editor()  # only for the name Django gives the constraint
    name = editor._create_index_name(table, ["external_id"], suffix="_uniq")
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, table)
        columns = {c.name: c for c in connection.introspection.get_table_description(cursor, table)}
    unique = [n for n, c in constraints.items() if c["columns"] == ["external_id"] and c["unique"]]
    assert unique == [name] or (connection.vendor == "sqlite" and len(unique) == 1)
    assert not columns["external_id"].null_ok
    assert not [n for n, c in constraints.items() if c["check"] and "external_id" in n]
