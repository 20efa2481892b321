"""The pure mappers between contact values and Salesforce records: no database, no HTTP."""

from __future__ import annotations

import pytest

from connector.geo import iso_picklists
from connector.mappers import (
    NOT_PROVIDED,
    MappingError,
    MappingSpec,
    contact_to_salesforce,
    salesforce_fields_for,
    salesforce_to_contact,
)

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
    record = {"Email": "", "FirstName": "Augusta", "Title": "", "Phone": "999", "LastName": "L"}
    changes = salesforce_to_contact(
        record,
        object_type="Lead",
        mappings=MAPPINGS,
        current=CONTACT,
        salesforce_is_newer=False,
        picklists=None,
    )
    # prefer_salesforce ignores a blank; always_salesforce takes it; two_way waits for a newer
    # record; dont_sync never.
    assert changes == {"job_title": ""}
    newer = salesforce_to_contact(
        record,
        object_type="Lead",
        mappings=MAPPINGS,
        current=CONTACT,
        salesforce_is_newer=True,
        picklists=None,
    )
    assert newer == {"first_name": "Augusta", "last_name": "L", "job_title": ""}


def test_inbound_with_picklists_equal_places_are_not_changes():
    changes = salesforce_to_contact(
        {"MailingCountry": "Germany", "MailingCountryCode": "DE"},
        object_type="Contact",
        mappings=MAPPINGS,
        current={**CONTACT, "country": "Deutschland"},
        salesforce_is_newer=True,
        picklists=iso_picklists(),
    )
    assert "country" not in changes


def test_new_contact_takes_non_blank_values_but_not_placeholders():
    changes = salesforce_to_contact(
        {"Email": "x@example.com", "LastName": NOT_PROVIDED, "FirstName": "X"},
        object_type="Lead",
        mappings=MAPPINGS,
        current=None,
        salesforce_is_newer=True,
        picklists=None,
    )
    assert changes == {"email": "x@example.com", "first_name": "X"}


def test_fields_read_per_object():
    lead = salesforce_fields_for("Lead", MAPPINGS, picklists=True)
    contact = salesforce_fields_for("Contact", MAPPINGS, picklists=False)
    assert "IsConverted" in lead and "CountryCode" in lead and "Phone" not in lead
    assert (
        "AccountId" in contact and "Company" not in contact and "MailingCountryCode" not in contact
    )
