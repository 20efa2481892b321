"""Histories the model test (issue 29, tests/connector/sync/model/) found failing, shrunk
by hypothesis to their minimal steps and kept here by name, each with the fix it needed.

Each test replays the printed script against the same world and the same checks: the
steps, then ``teardown`` (every rule lifted, Retry all, quiescence, the strict check).
"""

from __future__ import annotations

import pytest

from tests.connector.sync.model.machine import SyncModel
from tests.connector.sync.model.world import World

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def state(emulator, settings, eager_celery):
    settings.SALESFORCE_EMULATOR_URL = emulator.url
    settings.SALESFORCE_MASS_DELETE_MIN = 2  # the mass-delete guard trips within a history
    SyncModel.world = World(emulator)
    machine = SyncModel()
    yield machine


def test_a_linked_record_takes_the_email_of_a_new_record_read_in_the_same_page(state):
    """A rep creates a Lead with an address and gives a linked Lead the same address; one
    cycle reads both. The linked contact took the address, then the pull inserted a new
    contact with it: the unique email sank the whole cycle (IntegrityError, run failed).
    Fix: the pull applies linked records before it matches the unlinked ones by email."""
    state.start(hub=["ada@x.test"], sf=[])
    state.cycle()
    state.sf_create(object_type="Lead", email="bob@x.test", last="Baker", company="Acme")
    state.sf_edit(i=0, edit=("email", "bob@x.test"))
    state.checkpoint()
    state.teardown()


def test_a_contact_back_in_the_inclusion_list_gets_what_changed_while_it_was_out(state):
    """Found by the soak (shrunk by hand from its 40-step history): a rep edits a linked
    Lead while its contact is outside the inclusion list; the contact comes back (or the
    list is removed). Its record was read while it was out and skipped, and never again:
    the contact kept the old value at quiescence, different from Salesforce's, forever
    (until the record changed again). Fix: a linked contact skipped for being outside the
    list is marked (ContactSyncState.reread_when_included) and its record is read again by
    Id in the first cycle that finds it back in."""
    state.start(hub=["ada@x.test"], sf=[])
    state.inclusion_list(on=True)
    state.cycle()
    state.hub_list_membership(i=0, included=False)
    state.sf_edit(i=0, edit=("job_title", "CTO"))
    state.cycle()
    state.hub_list_membership(i=0, included=True)
    state.checkpoint()
    state.teardown()


def test_a_list_removed_gives_the_contacts_outside_it_what_changed_meanwhile(state):
    """The same, when the inclusion list is switched off instead."""
    state.start(hub=["ada@x.test", "bob@x.test"], sf=[])
    state.cycle()
    state.inclusion_list(on=True)  # bob (a subscriber) is outside
    state.sf_edit(i=1, edit=("company_name", "Globex"))
    state.cycle()
    state.inclusion_list(on=False)
    state.checkpoint()
    state.teardown()
