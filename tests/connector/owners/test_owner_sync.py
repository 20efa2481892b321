"""Issue 30, owners: the org's users read and matched by email (or by hand), the contact
owner ↔ OwnerId through those matches (default *Prefer Salesforce unless blank*), queues,
and an inactive owner as a *needs a fix* error while the rest of the batch goes on.

hubsync through its commands (``salesforce_sync``), Salesforce as a rep through the
emulator's REST API (polling) or with change events (the listener in a thread)."""

from __future__ import annotations

import io
import json

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from connector.models import ContactSyncState, FieldMapping, SalesforceUser, SyncError
from connector.owners import owners_get, salesforce_owner_label
from connector.services.owners import user_match_set
from marketing.models import Contact
from tests.connector.sync.test_per_field_merge import ChangeEvents, Polling, wait_for

pytestmark = pytest.mark.django_db(transaction=True)

REP = ("rep@acme.example", "rep-Password-1", "REPTOKEN")
OTHER = ("other@acme.example", "other-Password-1", "")
GONE = ("gone@acme.example", "gone-Password-1", "")


def salesforce_sync() -> dict[str, int]:
    out = io.StringIO()
    call_command("salesforce_sync", stdout=out)
    return json.loads(out.getvalue())


@pytest.fixture
def org(salesforce, settings):
    control = salesforce.control
    salesforce.rep_id = control.create_user(*REP, first_name="Rita", last_name="Rep")["id"]
    salesforce.other_id = control.create_user(*OTHER, first_name="Otto", last_name="Other")["id"]
    salesforce.gone_id = control.create_user(
        *GONE, first_name="Gail", last_name="Gone", active=False
    )["id"]
    salesforce.queue_id = control.create_queue("Inbound Leads")
    control.configure_org(pubsub_keepalive_s=0.5)
    settings.SALESFORCE_PUBSUB_URL = f"grpc://{salesforce.pubsub_address}"
    salesforce.rep = salesforce.salesforce(*REP)
    users = get_user_model().objects
    salesforce.rita = users.create_user("rita", email="REP@acme.example")
    salesforce.otto = users.create_user("otto", email="other@acme.example")
    salesforce.gail = users.create_user("gail", email="gone@acme.example")
    salesforce.nobody = users.create_user("nobody", email="nobody@hubsync.test")
    return salesforce


def contact(email: str, owner=None) -> Contact:
    return Contact.objects.create(email=email, first_name="Ann", last_name="Archer", owner=owner)


@pytest.mark.slow
def test_users_are_read_and_matched_by_email(org):
    contact("ann@x.example", owner=org.rita)
    salesforce_sync()
    read = {u.salesforce_id: u for u in SalesforceUser.objects.all()}
    assert read[org.rep_id].name == "Rita Rep" and read[org.rep_id].is_active
    assert read[org.gone_id].is_active is False
    assert read[org.queue_id].is_queue and read[org.queue_id].name == "Inbound Leads"
    owners = owners_get()
    assert owners.to_hubsync[org.rep_id] == str(org.rita.pk)  # email matched, any case
    assert owners.to_salesforce[str(org.otto.pk)] == org.other_id
    assert str(org.nobody.pk) not in owners.to_salesforce


@pytest.mark.slow
def test_new_records_get_the_mapped_owner_or_salesforces_default(org):
    owned = contact("ann@x.example", owner=org.rita)
    unowned = contact("bob@x.example")
    unmatched = contact("cy@x.example", owner=org.nobody)
    salesforce_sync()  # reads the users first (a contact has an owner), then pushes
    for c in (owned, unowned, unmatched):
        c.refresh_from_db()
    integration = org.rep.query("SELECT Id FROM User WHERE Username = 'integration@acme.example'")
    default_owner = integration["records"][0]["Id"]
    assert org.rep.Lead.get(unowned.salesforce_id)["OwnerId"] == default_owner
    assert org.rep.Lead.get(unmatched.salesforce_id)["OwnerId"] == default_owner
    assert org.rep.Lead.get(owned.salesforce_id)["OwnerId"] == org.rep_id


@pytest.mark.parametrize("mode", ["polling", "change_events"])
@pytest.mark.slow
def test_a_reps_reassignment_reaches_hubsync(org, mode):
    c = contact("ann@x.example", owner=org.rita)
    salesforce_sync()
    c.refresh_from_db()
    arrival = Polling(org) if mode == "polling" else ChangeEvents(org)
    try:
        org.rep.Lead.update(c.salesforce_id, {"OwnerId": org.other_id})
        arrival.settle("the reassignment")
        wait_for(
            lambda: Contact.objects.get(pk=c.pk).owner_id == org.otto.pk,
            what="the new owner in hubsync",
        )
    finally:
        arrival.close()


@pytest.mark.slow
def test_a_queue_shows_on_the_contact_page_and_is_never_overwritten(org, admin_browser):
    FieldMapping.objects.filter(hubsync_property="owner").update(sync_rule="two_way")
    c = contact("ann@x.example", owner=org.rita)
    salesforce_sync()
    c.refresh_from_db()
    org.rep.Lead.update(c.salesforce_id, {"OwnerId": org.queue_id})
    salesforce_sync()
    c.refresh_from_db()
    assert c.owner is None  # the queue matches nobody: hubsync's owner is empty
    state = ContactSyncState.objects.get(contact=c)
    assert salesforce_owner_label(state.salesforce_owner_id) == "Queue: Inbound Leads"
    page = admin_browser.get(f"/integrations/salesforce/contacts/{c.pk}/").content.decode()
    assert "Queue: Inbound Leads" in page
    # A marketer's edit goes out; the blank owner does not replace the queue.
    c.job_title = "CTO"
    c.save()
    counts = salesforce_sync()
    assert counts["push_updated"] == 1
    lead = org.rep.Lead.get(c.salesforce_id)
    assert lead["Title"] == "CTO" and lead["OwnerId"] == org.queue_id


@pytest.mark.slow
def test_an_inactive_owner_needs_a_fix_and_the_batch_goes_on(org):
    salesforce_sync()  # the users are known
    refused = contact("ann@x.example", owner=org.gail)
    fine = contact("bob@x.example", owner=org.otto)
    counts = salesforce_sync()
    assert counts["push_created"] == 1 and counts["push_failed"] == 1
    fine.refresh_from_db()
    assert org.rep.Lead.get(fine.salesforce_id)["OwnerId"] == org.other_id
    error = SyncError.objects.get(contact=refused, resolved_at__isnull=True)
    assert error.code == "INACTIVE_OWNER_OR_USER"
    assert "Gail Gone" in error.message and org.gone_id in error.message
    assert ContactSyncState.objects.get(contact=refused).needs_fix
    # The admin matches gail to nobody: the record is made with Salesforce's default owner.
    user_match_set(salesforce_user_id=org.gone_id, choice="none", acting_user=None)
    counts = salesforce_sync()
    assert counts["push_created"] == 1
    refused.refresh_from_db()
    assert refused.salesforce_id


def test_owner_sync_rule_dont_sync_sends_nothing(org):
    FieldMapping.objects.filter(hubsync_property="owner").update(sync_rule="dont_sync")
    salesforce_sync()
    c = contact("ann@x.example", owner=org.rita)
    salesforce_sync()
    c.refresh_from_db()
    assert org.rep.Lead.get(c.salesforce_id)["OwnerId"] != org.rep_id


def test_with_assignment_rules_on_only_leads_without_a_mapped_owner_are_assigned(
    org, integration_settings
):
    integration_settings.lead_assignment_rules = True
    integration_settings.save()
    org.control.configure_org(lead_assignment_rule_owner=REP[0])
    owned = contact("ann@x.example", owner=org.otto)
    unowned = contact("bob@x.example")
    salesforce_sync()
    owned.refresh_from_db()
    unowned.refresh_from_db()
    assert org.rep.Lead.get(owned.salesforce_id)["OwnerId"] == org.other_id
    assert org.rep.Lead.get(unowned.salesforce_id)["OwnerId"] == org.rep_id  # the rule's
