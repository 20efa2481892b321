"""Deletes the recycle bin can no longer tell about (issue 13): when getDeleted cannot answer
for the time since the watermark, the linked records are looked up instead, cheaply, and the
delete options apply through the mass-delete guard."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from connector.models import HeldDeletion, SyncCursor
from connector.sync.cycle import sync_cycle_run
from marketing.models import Contact
from tests.conftest import SF_PASSWORD, SF_TOKEN, SF_USERNAME
from tests.factories import ContactFactory

pytestmark = pytest.mark.django_db


def a_day_passes() -> None:
    """The daily getDeleted check is due (the watermark itself is recent)."""
    SyncCursor.objects.filter(name__startswith="deletes_checked:").update(
        value=timezone.now() - timedelta(hours=25)
    )


@pytest.fixture
def linked(salesforce, integration_settings):
    integration_settings.delete_when_lead_deleted = True
    integration_settings.save()
    contacts = ContactFactory.create_batch(5)
    sync_cycle_run(trigger="test")
    sync_cycle_run(trigger="test")  # the deletes watermark exists from here on
    for contact in contacts:
        contact.refresh_from_db()
    return contacts


def delete_in_salesforce(salesforce, contacts) -> None:
    sf = salesforce.salesforce(SF_USERNAME, SF_PASSWORD, SF_TOKEN)
    for contact in contacts:
        sf.Lead.delete(contact.salesforce_id)


def test_deletes_purged_from_the_bin_are_found_by_looking_up_linked_records(salesforce, linked):
    delete_in_salesforce(salesforce, linked[:2])
    salesforce.control.purge_recycle_bin("Lead")  # invisible to the deletes query now
    a_day_passes()
    salesforce.control.reset_stats()
    run = sync_cycle_run(trigger="test")
    assert run.counts["pull_reconciled"] == 1 and run.counts["pull_deleted"] == 2
    assert not Contact.objects.filter(pk__in=[c.pk for c in linked[:2]]).exists()
    assert Contact.objects.filter(pk__in=[c.pk for c in linked[2:]]).count() == 3
    requests = salesforce.control.stats()["requests"]
    assert sum(n for path, n in requests.items() if "/deleted/" in path) == 2  # Lead, Contact


def test_an_interrupted_reconciliation_is_asked_for_again(salesforce, linked):
    delete_in_salesforce(salesforce, linked[:1])
    salesforce.control.purge_recycle_bin("Lead")
    a_day_passes()
    salesforce.control.add_fault(r"composite$", status=503, count=1)  # the lookup fails
    assert sync_cycle_run(trigger="test").status == "failed"
    run = sync_cycle_run(trigger="test")
    assert run.counts["pull_reconciled"] == 1 and run.counts["pull_deleted"] == 1


def test_while_the_bin_can_answer_no_lookup_is_made(salesforce, linked):
    delete_in_salesforce(salesforce, linked[:1])
    a_day_passes()
    run = sync_cycle_run(trigger="test")
    assert run.counts["pull_reconciled"] == 0 and run.counts["pull_deleted"] == 1
    salesforce.control.reset_stats()
    run = sync_cycle_run(trigger="test")  # checked today: no getDeleted call either
    assert not any("/deleted/" in path for path in salesforce.control.stats()["requests"])


def test_a_watermark_older_than_the_bin_reconciles_without_asking(salesforce, linked):
    delete_in_salesforce(salesforce, linked[:1])
    salesforce.control.purge_recycle_bin()
    SyncCursor.objects.filter(name="inbound:Lead:deleted").update(
        value=timezone.now() - timedelta(days=20)  # a long outage
    )
    run = sync_cycle_run(trigger="test")
    assert run.counts["pull_reconciled"] >= 1 and run.counts["pull_deleted"] == 1


def test_missed_deletes_go_through_the_mass_delete_guard(salesforce, linked, settings):
    settings.SALESFORCE_MASS_DELETE_MIN = 2
    settings.SALESFORCE_MASS_DELETE_SHARE = 0.5
    delete_in_salesforce(salesforce, linked[:4])
    salesforce.control.purge_recycle_bin()
    a_day_passes()
    run = sync_cycle_run(trigger="test")
    assert run.counts["pull_held_deletions"] == 4 and run.counts["pull_deleted"] == 0
    assert HeldDeletion.objects.count() == 4 and Contact.objects.count() == 5


def test_merged_records_still_in_the_bin_are_followed_when_reconciling(salesforce, linked):
    from connector.models import ContactSyncEvent, SyncEventOutcome

    loser = linked[0]
    [survivor] = salesforce.control.load_records(
        "Lead", [{"LastName": "Survivor", "Company": "Acme", "Email": "survivor@x.example"}]
    )
    salesforce.control.merge("Lead", survivor, [loser.salesforce_id])
    SyncCursor.objects.filter(name="inbound:Lead:deleted").update(
        value=timezone.now() - timedelta(days=20)  # the merge is found by the lookup
    )
    run = sync_cycle_run(trigger="test")
    assert run.counts["pull_reconciled"] == 1 and run.counts["pull_deleted"] == 0
    loser.refresh_from_db()  # not deleted: it follows the survivor
    assert loser.salesforce_id == survivor
    assert ContactSyncEvent.objects.filter(contact=loser, outcome=SyncEventOutcome.MERGED).exists()
