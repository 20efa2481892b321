"""The per-field merge (connector/merge.py): no database, no HTTP."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from connector.geo import iso_picklists
from connector.mappers import NOT_PROVIDED, MappingSpec
from connector.merge import contact_merge

EARLY = datetime(2026, 1, 1, tzinfo=UTC)
LATE = datetime(2026, 1, 2, tzinfo=UTC)
TITLE = MappingSpec("job_title", "Title", "Title", "two_way")


def merge(ours, theirs, base, *, rule="two_way", salesforce_later=True, picklists=None):
    mapping = MappingSpec("job_title", "Title", "Title", rule)
    return contact_merge(
        {"Title": theirs},
        object_type="Lead",
        mappings=[mapping],
        current={"job_title": ours},
        base=None if base is None else {"job_title": base},
        salesforce_modified=LATE if salesforce_later else EARLY,
        hubsync_modified=EARLY if salesforce_later else LATE,
        picklists=picklists,
    )


# (hubsync, Salesforce, base, Salesforce changed later) → (taken, sent, both changed)
TWO_WAY = [
    # Changed on one side only: that side, whatever the record times say.
    ("Baker", "Archer", "Archer", True, None, True, None),
    ("Archer", "Carter", "Archer", False, "Carter", False, None),
    # A clear is a change.
    ("", "Archer", "Archer", False, None, True, None),
    ("Archer", None, "Archer", True, "", False, None),
    # hubsync's placeholder for a required field is no value.
    ("", NOT_PROVIDED, "", True, None, False, None),
    # Changed on both sides: the later change.
    ("Baker", "Carter", "Archer", True, "Carter", False, "salesforce"),
    ("Baker", "Carter", "Archer", False, None, True, "hubsync"),
    # No base (a first match): a blank never overwrites a value.
    ("", "Carter", None, False, "Carter", False, None),
    ("Baker", "", None, True, None, True, None),
    ("Baker", "Carter", None, True, "Carter", False, "salesforce"),
    ("Baker", "Carter", None, False, None, True, "hubsync"),
    # Equal: nothing moves.
    ("Archer", "Archer", "Baker", True, None, False, None),
]


@pytest.mark.parametrize(("ours", "theirs", "base", "later", "taken", "sent", "both"), TWO_WAY)
def test_two_way_decides_each_field_on_its_own(ours, theirs, base, later, taken, sent, both):
    result = merge(ours, theirs, base, salesforce_later=later)
    assert result.take == ({} if taken is None else {"job_title": taken})
    assert result.send == ({"job_title"} if sent else set())
    assert result.both_changed == ({} if both is None else {"job_title": both})
    # A field hubsync keeps still differs from the base, so the push sends it.
    if sent:
        assert result.base["job_title"] != ours


@pytest.mark.parametrize("base", [None, "Archer"])
def test_one_way_rules_keep_their_meaning(base):
    assert merge("Baker", "", base, rule="prefer_salesforce").take == {}
    assert merge("Baker", "Carter", base, rule="prefer_salesforce").take == {"job_title": "Carter"}
    assert merge("Baker", "", base, rule="always_salesforce").take == {"job_title": ""}
    assert merge("Baker", "Carter", base, rule="dont_sync").take == {}
    for rule in ("prefer_salesforce", "always_salesforce", "dont_sync"):
        assert merge("Baker", "Carter", base, rule=rule, salesforce_later=False).send == set()


def test_fields_are_independent():
    mappings = [
        MappingSpec("first_name", "FirstName", "FirstName", "two_way"),
        MappingSpec("last_name", "LastName", "LastName", "two_way"),
        MappingSpec("phone", "Phone", "Phone", "two_way"),
    ]
    result = contact_merge(
        {"FirstName": "Ann", "LastName": "Archer", "Phone": "2"},
        object_type="Lead",
        mappings=mappings,
        current={"first_name": "Ann", "last_name": "Baker", "phone": "1"},
        base={"first_name": "Ann", "last_name": "Archer", "phone": "1"},
        salesforce_modified=LATE,
        hubsync_modified=EARLY,
        picklists=None,
    )
    assert (result.take, result.send) == ({"phone": "2"}, {"last_name"})


def test_the_same_place_in_other_words_is_no_change_on_either_side():
    places = [MappingSpec("country", "Country", "MailingCountry", "two_way")]
    result = contact_merge(
        {"MailingCountry": "Germany", "MailingCountryCode": "DE"},
        object_type="Contact",
        mappings=places,
        current={"country": "Deutschland"},
        base={"country": "Deutschland"},
        salesforce_modified=LATE,
        hubsync_modified=EARLY,
        picklists=iso_picklists(),
    )
    assert (result.take, result.send, result.base) == ({}, set(), {"country": "Deutschland"})
