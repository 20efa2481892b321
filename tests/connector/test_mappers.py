"""The pure mappers between contact values and Salesforce records: no database, no HTTP."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

import pytest

import connector.merge
from connector.geo import Picklists, iso_picklists
from connector.mappers import (
    NOT_PROVIDED,
    MappingError,
    MappingSpec,
    Owners,
    contact_to_salesforce,
    hubsync_id,
    record_in_hubsync_terms,
    salesforce_fields_for,
    salesforce_to_contact,
)

pytestmark = pytest.mark.usefixtures("fresh_geo_tables")
EARLY = datetime(2026, 1, 1, tzinfo=UTC)
LATE = datetime(2026, 1, 2, tzinfo=UTC)

MAPPINGS = [
    MappingSpec("email", "Email", "Email", "prefer_salesforce"),
    MappingSpec("first_name", "FirstName", "FirstName", "two_way"),
    MappingSpec("last_name", "LastName", "LastName", "two_way"),
    MappingSpec("company_name", "Company", "", "two_way"),
    MappingSpec("job_title", "Title", "Title", "always_salesforce"),
    MappingSpec("phone", "Phone", "Phone", "dont_sync"),
    MappingSpec("state", "State", "MailingState", "two_way"),
    MappingSpec("country", "Country", "MailingCountry", "two_way"),
]


def contact_merge(record, *, object_type="Lead", current=None, picklists=None, **times):
    return connector.merge.contact_merge(
        record,
        object_type=object_type,
        mappings=MAPPINGS,
        current=CONTACT if current is None else current,
        base=times.pop("base", None),
        salesforce_modified=times.pop("salesforce_modified", LATE),
        hubsync_modified=times.pop("hubsync_modified", EARLY),
        picklists=picklists,
    )


CONTACT = {
    "email": "ada@example.com",
    "first_name": "Ada",
    "last_name": "",
    "company_name": "",
    "job_title": "Engineer",
    "phone": "123",
    "state": "",
    "country": "",
}


def test_create_sends_every_synced_property_and_fills_required_fields():
    record = contact_to_salesforce(
        CONTACT, object_type="Lead", mappings=MAPPINGS, picklists=None, creating=True
    )
    assert record == {
        "Email": "ada@example.com",
        "FirstName": "Ada",
        "LastName": NOT_PROVIDED,
        "Company": NOT_PROVIDED,
        "Title": "Engineer",
    }


def test_update_sends_only_two_way_properties():
    record = contact_to_salesforce(
        {**CONTACT, "last_name": "Lovelace"},
        object_type="Contact",
        mappings=MAPPINGS,
        picklists=None,
        creating=False,
    )
    assert record == {
        "FirstName": "Ada",
        "LastName": "Lovelace",
        "MailingState": None,
        "MailingCountry": None,
    }


def test_picklists_write_codes_and_reject_unknown_places():
    record = contact_to_salesforce(
        {**CONTACT, "last_name": "L", "state": "Bayern", "country": "Deutschland"},
        object_type="Lead",
        mappings=MAPPINGS,
        picklists=iso_picklists(),
        creating=True,
    )
    assert record["CountryCode"] == "DE" and record["StateCode"] == "BY"
    assert "Country" not in record and "State" not in record
    with pytest.raises(MappingError) as error:
        contact_to_salesforce(
            {**CONTACT, "state": "Bayern"},
            object_type="Lead",
            mappings=MAPPINGS,
            picklists=iso_picklists(),
            creating=True,
        )
    assert error.value.code == "STATE_WITHOUT_COUNTRY"
    assert error.value.fields == ("StateCode",)


def test_inbound_rules():
    """Without a base (a first match): prefer_salesforce ignores a blank; always_salesforce
    takes it; two_way takes a value hubsync lacks and decides two values by the later
    change; dont_sync never."""
    record = {"Email": "", "FirstName": "Augusta", "Title": "", "Phone": "999", "LastName": "L"}
    older = contact_merge(record, base=None, salesforce_modified=EARLY, hubsync_modified=LATE)
    assert older.take == {"job_title": "", "last_name": "L"}
    assert older.both_changed == {"first_name": "hubsync"}
    newer = contact_merge(record, base=None, salesforce_modified=LATE, hubsync_modified=EARLY)
    assert newer.take == {"first_name": "Augusta", "last_name": "L", "job_title": ""}


def test_inbound_with_picklists_equal_places_are_not_changes():
    merge = contact_merge(
        {"MailingCountry": "Germany", "MailingCountryCode": "DE"},
        object_type="Contact",
        current={**CONTACT, "country": "Deutschland"},
        picklists=iso_picklists(),
    )
    assert "country" not in merge.take and "country" not in merge.send


def test_new_contact_takes_non_blank_values_but_not_placeholders():
    changes = salesforce_to_contact(
        {"Email": "x@example.com", "LastName": NOT_PROVIDED, "FirstName": "X"},
        object_type="Lead",
        mappings=MAPPINGS,
    )
    assert changes == {"email": "x@example.com", "first_name": "X"}


def test_fields_read_per_object():
    lead = salesforce_fields_for("Lead", MAPPINGS, picklists=True)
    contact = salesforce_fields_for("Contact", MAPPINGS, picklists=False)
    assert "IsConverted" in lead and "CountryCode" in lead and "Phone" not in lead
    assert (
        "AccountId" in contact and "Company" not in contact and "MailingCountryCode" not in contact
    )


# -- Each rule, value by value -------------------------------------------------------------

PLACES = [
    MappingSpec("first_name", "FirstName", "FirstName", "two_way"),
    MappingSpec("state", "State", "MailingState", "two_way"),
    MappingSpec("country", "Country", "MailingCountry", "two_way"),
]
ORG = Picklists(
    countries={"US": "United States", "DE": "Germany", "FR": "France"},
    states={"US": {"CA": "California", "NY": "New York"}, "DE": {}},
)


def to_sf(values, *, object_type="Contact", mappings=PLACES, picklists=None, creating=False):
    return contact_to_salesforce(
        values, object_type=object_type, mappings=mappings, picklists=picklists, creating=creating
    )


def from_sf(record, current, *, object_type="Contact", mappings=PLACES, picklists=ORG):
    """What hubsync takes from a record Salesforce changed last (no base known)."""
    if current is None:
        return salesforce_to_contact(record, object_type=object_type, mappings=mappings)
    return connector.merge.contact_merge(
        record,
        object_type=object_type,
        mappings=mappings,
        current=current,
        base=None,
        salesforce_modified=LATE,
        hubsync_modified=EARLY,
        picklists=picklists,
    ).take


def test_a_mapping_error_carries_code_message_and_fields():
    error = MappingError("INVALID_STATE", "no such state", ["StateCode"])
    assert (error.code, error.message, error.fields) == (
        "INVALID_STATE",
        "no such state",
        ("StateCode",),
    )
    assert str(error) == "no such state"
    assert MappingError("X", "m").fields == ()


def test_the_external_id_is_the_contacts_external_id_as_text():
    assert (
        hubsync_id("6f1c2a9e-0b1d-4c4e-9a57-3f1e2d3c4b5a") == "6f1c2a9e-0b1d-4c4e-9a57-3f1e2d3c4b5a"
    )
    assert hubsync_id(UUID("6f1c2a9e-0b1d-4c4e-9a57-3f1e2d3c4b5a")) == (
        "6f1c2a9e-0b1d-4c4e-9a57-3f1e2d3c4b5a"
    )


def test_a_cleared_field_is_sent_as_null_so_salesforce_clears_it():
    """Clearing a field in hubsync: an update sends None (blank or spaces), never skips it."""
    assert to_sf({"first_name": "", "state": "  ", "country": None}) == {
        "FirstName": None,
        "MailingState": None,
        "MailingCountry": None,
    }
    assert to_sf({"first_name": "  Ada ", "state": "CA", "country": "US"}) == {
        "FirstName": "Ada",
        "MailingState": "CA",
        "MailingCountry": "US",
    }
    # On create a blank value is simply left out (Salesforce's default stands).
    assert to_sf({"first_name": ""}, creating=True) == {"LastName": NOT_PROVIDED}


def test_required_fields_get_the_placeholder_only_when_mapped_or_creating():
    names = [MappingSpec("last_name", "LastName", "LastName", "two_way")]
    assert to_sf({"last_name": ""}, mappings=names) == {"LastName": NOT_PROVIDED}
    assert to_sf({"last_name": "Byron"}, mappings=names) == {"LastName": "Byron"}
    # An update never adds a required field that is not mapped.
    assert to_sf({"first_name": "Ada"}, mappings=PLACES[:1]) == {"FirstName": "Ada"}
    # A create always carries it, mapped or not.
    assert to_sf({"first_name": "Ada"}, mappings=PLACES[:1], creating=True) == {
        "FirstName": "Ada",
        "LastName": NOT_PROVIDED,
    }
    assert to_sf({}, object_type="Lead", mappings=[], creating=True) == {
        "LastName": NOT_PROVIDED,
        "Company": NOT_PROVIDED,
    }


def test_contact_places_go_to_the_mailing_codes():
    assert to_sf({"state": "Kalifornien", "country": "Vereinigte Staaten"}, picklists=ORG) == {
        "FirstName": None,
        "MailingCountryCode": "US",
        "MailingStateCode": "CA",
    }
    assert to_sf({"state": "", "country": ""}, picklists=ORG) == {
        "FirstName": None,
        "MailingCountryCode": None,
        "MailingStateCode": None,
    }
    assert to_sf({"state": "", "country": ""}, picklists=ORG, creating=True) == {
        "LastName": NOT_PROVIDED
    }
    # A country the org keeps no states for: the state is not sent.
    assert to_sf({"state": "Bayern", "country": "Deutschland"}, picklists=ORG) == {
        "FirstName": None,
        "MailingCountryCode": "DE",
        "MailingStateCode": None,
    }


def test_only_a_country_or_only_a_state_mapped():
    country_only = [PLACES[2]]
    # The state is not mapped: it is left as it is in Salesforce, not cleared.
    assert to_sf({"country": "France"}, mappings=country_only, picklists=ORG) == {
        "MailingCountryCode": "FR",
    }
    state_only = [PLACES[1]]
    with pytest.raises(MappingError) as raised:
        to_sf({"state": "California"}, mappings=state_only, picklists=ORG)
    assert raised.value.code == "STATE_WITHOUT_COUNTRY"
    assert raised.value.fields == ("MailingStateCode",)
    assert (
        raised.value.message == "The state “California” needs a country for Salesforce's picklists."
    )
    assert to_sf({"first_name": "A"}, mappings=PLACES[:1], picklists=ORG) == {"FirstName": "A"}


def test_a_country_or_state_the_org_lacks_is_a_mapping_error_naming_it():
    with pytest.raises(MappingError) as raised:
        to_sf({"country": "Atlantis"}, picklists=ORG)
    assert raised.value.code == "INVALID_COUNTRY"
    assert raised.value.fields == ("MailingCountryCode",)
    assert raised.value.message == "“Atlantis” is not a country Salesforce's picklist knows."
    with pytest.raises(MappingError) as raised:
        to_sf({"state": "Texas", "country": "USA"}, object_type="Lead", picklists=ORG)
    assert raised.value.code == "INVALID_STATE"
    assert raised.value.fields == ("StateCode",)
    assert raised.value.message == (
        "“Texas” is not a state of US in your Salesforce org's state picklist."
    )


def test_prefer_salesforce_takes_a_non_blank_value_on_update():
    email = [MappingSpec("email", "Email", "Email", "prefer_salesforce")]
    current = {"email": "old@example.com"}
    assert from_sf({"Email": "new@example.com"}, current, mappings=email) == {
        "email": "new@example.com"
    }
    assert from_sf({"Email": "  "}, current, mappings=email) == {}
    assert from_sf({"Email": None}, current, mappings=email) == {}


def test_lead_and_contact_read_their_own_fields():
    record = {"State": "New York", "MailingState": "California", "CountryCode": "US"}
    changes = from_sf(record, {"state": "", "country": ""}, object_type="Lead", picklists=None)
    assert changes == {"state": "New York"}
    record = {"MailingState": "California", "State": "New York"}
    assert from_sf(record, {"state": ""}, picklists=None) == {"state": "California"}


def test_unmapped_and_dont_sync_fields_do_not_stop_the_others():
    mappings = [
        MappingSpec("company_name", "Company", "", "two_way"),
        MappingSpec("phone", "Phone", "Phone", "dont_sync"),
        MappingSpec("first_name", "FirstName", "FirstName", "two_way"),
        MappingSpec("last_name", "LastName", "LastName", "two_way"),
    ]
    current = {"company_name": "Acme", "phone": "1", "first_name": "Ada", "last_name": "L"}
    record = {"Phone": "2", "FirstName": "Ada", "LastName": "Lovelace", "Company": "X"}
    assert from_sf(record, current, mappings=mappings, picklists=None) == {"last_name": "Lovelace"}


def test_the_company_placeholder_never_lands_in_hubsync():
    """A Lead whose Company is "[not provided]" (hubsync's own placeholder, or web-to-lead's)
    neither creates a contact with that company nor overwrites the contact's company."""
    mappings = [MappingSpec("company_name", "Company", "", "two_way")]
    lead = {"Company": NOT_PROVIDED}
    assert from_sf(lead, None, object_type="Lead", mappings=mappings, picklists=None) == {}
    assert from_sf(lead, {"company_name": ""}, object_type="Lead", mappings=mappings) == {}
    assert from_sf(lead, {"company_name": "Acme"}, object_type="Lead", mappings=mappings) == {}
    assert from_sf(
        {"Company": "Initech"}, {"company_name": "Acme"}, object_type="Lead", mappings=mappings
    ) == {"company_name": "Initech"}


def test_without_picklists_place_texts_compare_as_text():
    record = {"MailingState": "Bavaria", "MailingCountryCode": "DE", "MailingStateCode": "BY"}
    assert from_sf(record, {"state": "Bayern"}, picklists=None) == {"state": "Bavaria"}


def test_the_same_place_in_other_words_is_not_a_change():
    iso = iso_picklists()
    record = {
        "MailingState": "Bavaria",
        "MailingStateCode": "BY",
        "MailingCountry": "Germany",
        "MailingCountryCode": "DE",
        "FirstName": "Ada",
    }
    current = {"first_name": "Ada", "state": "Bayern", "country": "Deutschland"}
    assert from_sf(record, current, picklists=iso) == {}
    # A field that is not a place still changes with picklists on, before or after one.
    assert from_sf({**record, "FirstName": "Augusta"}, current, picklists=iso) == {
        "first_name": "Augusta"
    }
    places_first = [PLACES[1], PLACES[2], PLACES[0]]
    assert from_sf(
        {**record, "FirstName": "Augusta"}, current, mappings=places_first, picklists=iso
    ) == {"first_name": "Augusta"}


def test_another_place_is_a_change():
    iso = iso_picklists()
    record = {
        "MailingState": "Hessen",
        "MailingStateCode": "HE",
        "MailingCountry": "Germany",
        "MailingCountryCode": "DE",
    }
    current = {"state": "Bayern", "country": "France"}
    assert from_sf(record, current, picklists=iso) == {"state": "Hessen", "country": "Germany"}
    # hubsync's text names no place at all: Salesforce's value is taken.
    assert from_sf(record, {"state": "Nowhere", "country": "Atlantis"}, picklists=iso) == {
        "state": "Hessen",
        "country": "Germany",
    }


def test_states_in_a_country_the_org_keeps_states_for():
    record = {"MailingState": "New York", "MailingStateCode": "NY", "MailingCountryCode": "US"}
    assert from_sf(record, {"state": "Kalifornien"}) == {"state": "New York"}
    assert from_sf({**record, "MailingState": "NY"}, {"state": "New York"}) == {}


def test_a_state_where_the_org_keeps_no_states_is_not_contradicted():
    record = {"MailingState": "Bavaria", "MailingCountryCode": "DE", "MailingStateCode": None}
    assert from_sf(record, {"state": "Bayern"}) == {}
    # hubsync has no state yet: Salesforce's text is taken.
    assert from_sf(record, {"state": ""}) == {"state": "Bavaria"}


def test_a_place_without_its_code_is_a_change():
    assert from_sf({"MailingCountry": "France"}, {"country": "Deutschland"}) == {
        "country": "France"
    }
    # A state without a country: nothing to compare it in, so Salesforce's text is taken.
    assert from_sf({"MailingState": "Hessen", "MailingStateCode": "HE"}, {"state": "Bayern"}) == {
        "state": "Hessen"
    }


def test_the_fields_read_are_exactly_these():
    assert salesforce_fields_for("Lead", PLACES, picklists=True) == [
        "ConvertedContactId",
        "Country",
        "CountryCode",
        "CreatedDate",
        "Email",
        "FirstName",
        "Id",
        "IsConverted",
        "LastModifiedDate",
        "OwnerId",  # the record's owner, always (a queue is shown on the contact page)
        "State",
        "StateCode",
        "SystemModstamp",
    ]
    assert salesforce_fields_for("Contact", MAPPINGS, picklists=False) == [
        "AccountId",
        "CreatedDate",
        "Email",
        "FirstName",
        "Id",
        "LastModifiedDate",
        "LastName",
        "MailingCountry",
        "MailingState",
        "OwnerId",
        "SystemModstamp",
        "Title",
    ]


# -- the contact owner (issue 30) ----------------------------------------------------------

OWNER = MappingSpec("owner", "OwnerId", "OwnerId", "two_way")
OWNERS = Owners(to_salesforce={"7": "005A"}, to_hubsync={"005A": "7", "005B": "8"})


@pytest.mark.parametrize(
    ("owner", "creating", "only", "sent"),
    [
        (7, True, None, {"OwnerId": "005A"}),  # a new record gets the matched user
        (9, True, None, {}),  # matched to nobody: Salesforce's default
        (None, True, None, {}),  # no owner: Salesforce's default
        (7, False, {"owner"}, {"OwnerId": "005A"}),  # changed in hubsync (Two-way)
        (None, False, {"owner"}, {}),  # cleared in hubsync: a blank is never sent (a queue)
        (7, False, set(), {}),  # unchanged: nothing
    ],
)
def test_the_owner_goes_as_its_matched_salesforce_user(owner, creating, only, sent):
    record = contact_to_salesforce(
        {"owner": owner, "last_name": "X"},
        object_type="Contact",
        mappings=[OWNER],
        picklists=None,
        creating=creating,
        only=only,
        owners=OWNERS,
    )
    assert {k: v for k, v in record.items() if k == "OwnerId"} == sent


def test_a_records_owner_in_hubsync_terms():
    def owner_of(owner_id):
        return record_in_hubsync_terms({"Id": "00Q1", "OwnerId": owner_id}, OWNERS)["OwnerId"]

    assert owner_of("005B") == "8"
    assert owner_of("00GQUEUE") == ""  # a queue: nobody in hubsync
    assert owner_of("005UNKNOWN") == ""
    assert owner_of(None) == ""
    assert record_in_hubsync_terms({"Id": "00Q1"}, OWNERS) == {"Id": "00Q1"}
