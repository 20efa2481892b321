"""The push's claim with an inclusion list (issue 31): window by window, members only, in
order, never more than the limit, on SQLite and PostgreSQL alike."""

from __future__ import annotations

import pytest

from connector.models import ContactSyncState
from connector.sync import queue
from connector.sync.queue import contact_states_claim, contacts_due_more_than, contacts_mark_due
from tests.factories import ContactFactory, SmartListFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def germans(integration_settings):
    smart_list = SmartListFactory(
        criteria={
            "match": "all",
            "conditions": [{"property": "country", "operator": "equals", "value": "germany"}],
        }
    )
    integration_settings.inclusion_list = smart_list
    integration_settings.save()
    return smart_list


@pytest.mark.parametrize("window", [3, 7, 20_000])
def test_only_members_are_claimed_in_order_up_to_the_limit(germans, monkeypatch, window):
    monkeypatch.setattr(queue, "CLAIM_WINDOW", window)
    contacts = [ContactFactory(country="Germany" if i % 3 == 0 else "France") for i in range(30)]
    contacts_mark_due()
    members = [c.pk for c in contacts if c.country == "Germany"]
    token, ids = contact_states_claim(limit=6, inclusion_list=germans)
    assert ids == members[:6]
    claimed = ContactSyncState.objects.filter(claim_token=token)
    assert sorted(claimed.values_list("contact_id", flat=True)) == members[:6]
    # The next claim takes the rest of the members and nothing else.
    _, rest = contact_states_claim(limit=100, inclusion_list=germans)
    assert rest == members[6:]
    _, none = contact_states_claim(limit=100, inclusion_list=germans)
    assert none == []


def test_whether_more_than_n_are_due_counts_members_only(germans, integration_settings):
    ContactFactory.create_batch(5, country="France")
    ContactFactory.create_batch(2, country="Germany")
    contacts_mark_due()
    assert contacts_due_more_than(1, integration_settings=integration_settings)
    assert not contacts_due_more_than(2, integration_settings=integration_settings)


@pytest.mark.parametrize("with_list", [False, True])
def test_a_claim_after_an_id_takes_only_the_contacts_past_it(germans, with_list):
    """A backfill's lanes claim on from the last contact they claimed: the contacts before
    it, claimed or released meanwhile, are not read again (the push's last lane, which
    claims from the start, takes the released ones)."""
    contacts = [ContactFactory(country="Germany") for _ in range(10)]
    contacts_mark_due()
    pks = [c.pk for c in contacts]
    inclusion_list = germans if with_list else None
    token, first = contact_states_claim(limit=4, inclusion_list=inclusion_list)
    assert first == pks[:4]
    queue.contact_states_release(token=token, contact_ids=first[:2])  # due again
    _, past = contact_states_claim(limit=4, inclusion_list=inclusion_list, after=first[-1])
    assert past == pks[4:8]
    _, again = contact_states_claim(limit=4, inclusion_list=inclusion_list)
    assert again == pks[:2] + pks[8:]
