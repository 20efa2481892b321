"""Issue 33: *Two-way* decides per field, never per record.

Driven as the random-history probe drove it: hubsync only through its documented commands
(``contacts_import``, ``salesforce_sync``), Salesforce only through the emulator's REST API
as a sales rep (another user), with polling (the command) and with change events (the
listener, in a thread of this process). Default field mappings: first name, last name,
company, phone, title, state, country *Two-way*; email *Prefer Salesforce unless blank*.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from connector.listener import ALL_CHANGES, CATCH_UP_TRIGGER, ChangeListener
from connector.messages import BOTH_CHANGED_HUBSYNC, BOTH_CHANGED_SALESFORCE, said
from connector.models import ChangeEventStream, ContactSyncEvent, SyncRun, SyncRunStatus
from marketing.models import Contact
from tests.commands import contacts_import, salesforce_sync
from tests.connector.test_listener import REP, wait_for

pytestmark = pytest.mark.django_db(transaction=True)

EMAIL = "ada@engines.example"


@pytest.fixture
def org(salesforce, settings):
    salesforce.control.create_user(*REP)
    salesforce.control.configure_org(pubsub_keepalive_s=0.5)
    settings.SALESFORCE_PUBSUB_URL = f"grpc://{salesforce.pubsub_address}"
    salesforce.rep = salesforce.salesforce(*REP)
    return salesforce


class Polling:
    """Changes arrive when a cycle runs: ``manage.py salesforce_sync``."""

    def __init__(self, org) -> None:
        self.org = org

    def settle(self, what: str) -> None:
        salesforce_sync()

    def close(self) -> None:
        pass


class ChangeEvents:
    """Changes arrive by change events: the listener runs a cycle when Salesforce says so."""

    def __init__(self, org) -> None:
        self.org = org
        self.listener = ChangeListener(stop=threading.Event())
        self.thread = threading.Thread(target=self.listener.run, daemon=True)
        self.thread.start()
        wait_for(
            lambda: (
                SyncRun.objects.filter(trigger=CATCH_UP_TRIGGER)
                .exclude(status=SyncRunStatus.RUNNING)
                .exists()
            ),
            what="the listener's catch-up cycle",
        )

    def settle(self, what: str) -> None:
        """Wait until the listener has applied every change event Salesforce published so
        far: its stored replay id reaches the log's latest, which it stores only once the
        cycle those events started has finished. Whether that cycle began before this call
        (a busy machine can run the listener first) or after it makes no difference."""
        latest = self.org.control.change_events()["latest_seq"]
        wait_for(lambda: applied_through() >= latest, what=what)

    def close(self) -> None:
        self.listener.cancel()
        self.thread.join(timeout=10)


@pytest.fixture(params=["polling", pytest.param("change_events", marks=pytest.mark.slow)])
def arrival(request, org) -> Iterator[Polling | ChangeEvents]:
    mode = Polling(org) if request.param == "polling" else ChangeEvents(org)
    yield mode
    mode.close()


def applied_through() -> int:
    """The sequence number of the last change event the listener applied (the emulator's
    replay ids are big-endian sequence numbers)."""
    stream = ChangeEventStream.objects.filter(topic=ALL_CHANGES).first()
    return int.from_bytes(stream.replay_id, "big") if stream and stream.replay_id else 0


def lead_of(org, contact: Contact) -> dict:
    return org.rep.Lead.get(contact.salesforce_id)


def linked_contact(tmp_path, org) -> Contact:
    """Step 1: a contact imported and pushed as a Lead."""
    contacts_import(
        tmp_path,
        "email,first_name,last_name,company,phone",
        f"{EMAIL},Ann,Archer,Acme,+1 555 0100",
    )
    counts = salesforce_sync()
    assert counts["push_created"] == 1
    return Contact.objects.get(email=EMAIL)


@pytest.mark.slow
def test_a_marketers_edit_survives_a_reps_edit_of_another_field(tmp_path, org, arrival):
    """The probe's history: hubsync's newer last name is no longer lost."""
    contact = linked_contact(tmp_path, org)
    contacts_import(tmp_path, "email,last_name", f"{EMAIL},Baker")  # hubsync's edit
    org.rep.Lead.update(contact.salesforce_id, {"Phone": "+1 555 0199"})  # then the rep's
    arrival.settle("the rep's edit")
    if isinstance(arrival, ChangeEvents):
        salesforce_sync()  # the hubsync edit goes out with the next cycle in any mode
    contact.refresh_from_db()
    lead = lead_of(org, contact)
    assert (contact.last_name, lead["LastName"]) == ("Baker", "Baker")
    assert (contact.phone, lead["Phone"]) == ("+1 555 0199", "+1 555 0199")
    # Settled: the next cycle writes nothing on either side.
    counts = salesforce_sync()
    assert counts["pull_updated"] == counts["push_updated"] == counts["push_created"] == 0


@pytest.mark.slow
def test_a_reps_edit_survives_a_marketers_later_edit_of_another_field(tmp_path, org, arrival):
    """The mirror case: the rep edits first, hubsync later; neither is lost."""
    contact = linked_contact(tmp_path, org)
    org.rep.Lead.update(contact.salesforce_id, {"Title": "CTO"})  # the rep's edit
    arrival.settle("the rep's edit")
    contacts_import(tmp_path, "email,first_name", f"{EMAIL},Annabel")  # then hubsync's
    salesforce_sync()
    contact.refresh_from_db()
    lead = lead_of(org, contact)
    assert (contact.job_title, lead["Title"]) == ("CTO", "CTO")
    assert (contact.first_name, lead["FirstName"]) == ("Annabel", "Annabel")


def test_both_edits_in_one_cycle_whatever_their_order(tmp_path, org):
    """hubsync edits one field, the rep another, then one cycle: both survive, both ways."""
    contact = linked_contact(tmp_path, org)
    org.rep.Lead.update(contact.salesforce_id, {"Title": "CTO"})
    contacts_import(tmp_path, "email,first_name", f"{EMAIL},Annabel")
    counts = salesforce_sync()
    assert (counts["pull_updated"], counts["push_updated"]) == (1, 1)
    contact.refresh_from_db()
    lead = lead_of(org, contact)
    assert (contact.job_title, contact.first_name) == ("CTO", "Annabel")
    assert (lead["Title"], lead["FirstName"]) == ("CTO", "Annabel")


@pytest.mark.parametrize("later", ["salesforce", "hubsync"])
def test_a_field_changed_on_both_sides_takes_the_later_change(tmp_path, org, arrival, later):
    contact = linked_contact(tmp_path, org)
    if later == "salesforce":
        contacts_import(tmp_path, "email,last_name", f"{EMAIL},Baker")
        org.rep.Lead.update(contact.salesforce_id, {"LastName": "Carter"})
        expected = "Carter"
    else:
        # The rep's change is stored before hubsync's import; no cycle runs between them
        # (with change events the listener is stopped first).
        arrival.close()
        org.rep.Lead.update(contact.salesforce_id, {"LastName": "Carter"})
        contacts_import(tmp_path, "email,last_name", f"{EMAIL},Baker")
        expected = "Baker"
    if later == "salesforce":
        arrival.settle("the rep's edit")
    salesforce_sync()
    contact.refresh_from_db()
    assert (contact.last_name, lead_of(org, contact)["LastName"]) == (expected, expected)
    # The contact's history says whose value the field took, and why.
    template = BOTH_CHANGED_SALESFORCE if later == "salesforce" else BOTH_CHANGED_HUBSYNC
    assert ContactSyncEvent.objects.filter(
        contact=contact, detail=said(template, fields="last_name")
    ).exists()


@pytest.mark.slow
def test_a_clear_is_a_change_on_either_side(tmp_path, org, arrival):
    contact = linked_contact(tmp_path, org)
    # Salesforce clears the phone: hubsync clears it too (not "a blank, ignored").
    org.rep.Lead.update(contact.salesforce_id, {"Phone": None})
    arrival.settle("the rep's clear")
    if isinstance(arrival, ChangeEvents):
        arrival.close()
    salesforce_sync()
    contact.refresh_from_db()
    assert contact.phone == ""
    # hubsync clears the first name (a blank import cell keeps a value, so as the admin's
    # contact form saves it): Salesforce's is cleared too.
    contact.first_name = ""
    contact.save()
    salesforce_sync()
    lead = lead_of(org, contact)
    assert lead["FirstName"] is None and lead["Phone"] is None


class TestFirstMatch:
    """An existing record meets an existing contact by email: a blank on one side never
    overwrites the other side's value; each side gets what only the other had."""

    def rep_lead(self, org, **fields) -> str:
        return org.rep.Lead.create(
            {"LastName": "Archer", "Company": "Acme", "Email": EMAIL, **fields}
        )["id"]

    def test_matched_by_the_pull(self, tmp_path, org):
        contacts_import(tmp_path, "email,last_name,phone", f"{EMAIL},Archer,+1 555 0100")
        self.rep_lead(org, Title="CTO")  # no phone in Salesforce, no title in hubsync
        counts = salesforce_sync()
        assert counts["pull_linked"] == 1
        contact = Contact.objects.get(email=EMAIL)
        lead = lead_of(org, contact)
        assert (contact.phone, lead["Phone"]) == ("+1 555 0100", "+1 555 0100")
        assert (contact.job_title, lead["Title"]) == ("CTO", "CTO")

    def test_matched_by_the_push(self, tmp_path, org, integration_settings):
        # The Lead is read before the contact exists (and creates nothing), so it is the
        # push's email lookup that finds it.
        integration_settings.create_contact_from_lead = False
        integration_settings.save()
        lead_id = self.rep_lead(org, Title="CTO")
        salesforce_sync()
        contacts_import(tmp_path, "email,last_name,phone", f"{EMAIL},Archer,+1 555 0100")
        counts = salesforce_sync()
        assert (counts["push_matched"], counts["push_created"]) == (1, 0)
        contact = Contact.objects.get(email=EMAIL)
        assert contact.salesforce_id == lead_id
        lead = lead_of(org, contact)
        assert (contact.phone, lead["Phone"]) == ("+1 555 0100", "+1 555 0100")
        assert (contact.job_title, lead["Title"]) == ("CTO", "CTO")
        counts = salesforce_sync()
        assert counts["pull_updated"] == counts["push_updated"] == 0
