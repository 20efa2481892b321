"""Value validation of writes on its own: conversions, errors, state/country rules (no HTTP)."""

from __future__ import annotations

import pytest

from salesforce_emulator.schema import OBJECTS
from salesforce_emulator.store.validation import convert_value, prepare_record
from salesforce_emulator.values import make_id

LEAD = OBJECTS["Lead"]
CONTACT = OBJECTS["Contact"]
ACCOUNT_ID = make_id("001", 1)


def field(obj, name):
    f = obj.field(name)
    assert f is not None
    return f


@pytest.mark.parametrize(
    ("obj", "name", "value", "stored"),
    [
        (LEAD, "Email", "a@b.example", "a@b.example"),
        (LEAD, "LastName", "", None),
        (LEAD, "NumberOfEmployees", "12", 12),
        (LEAD, "AnnualRevenue", 1.5, 1.5),
        (LEAD, "HasOptedOutOfEmail", "TRUE", 1),
        (CONTACT, "DoNotCall", False, 0),
        (CONTACT, "AccountId", ACCOUNT_ID[:15], ACCOUNT_ID),
        (OBJECTS["Opportunity"], "CloseDate", "2024-01-31T10:00:00Z", "2024-01-31"),
        (
            OBJECTS["HubSpot_Intelligence__c"],
            "Activity_Date__c",
            "2024-01-31T12:00:00+02:00",
            "2024-01-31T10:00:00.000+0000",
        ),
    ],
)
def test_convert_value(obj, name, value, stored):
    assert convert_value(field(obj, name), value, False) == (stored, None)


@pytest.mark.parametrize(
    ("obj", "name", "value", "code"),
    [
        (LEAD, "Email", "not-an-email", "INVALID_EMAIL_ADDRESS"),
        (LEAD, "LastName", "x" * 81, "STRING_TOO_LONG"),
        (LEAD, "NumberOfEmployees", "1.5", "JSON_PARSER_ERROR"),
        (LEAD, "NumberOfEmployees", True, "JSON_PARSER_ERROR"),
        (LEAD, "Company", {"a": 1}, "JSON_PARSER_ERROR"),
        (CONTACT, "AccountId", "nope", "MALFORMED_ID"),
        (CONTACT, "AccountId", make_id("003", 1), "FIELD_INTEGRITY_EXCEPTION"),
        (
            OBJECTS["Opportunity"],
            "StageName",
            "Dreaming",
            "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
        ),
    ],
)
def test_convert_value_errors(obj, name, value, code):
    stored, error = convert_value(field(obj, name), value, False)
    assert stored is None
    assert error is not None and error["statusCode"] == code and error["fields"] == [name]


def test_csv_mode_reports_invalid_field_value():
    _, error = convert_value(field(LEAD, "NumberOfEmployees"), "many", True)
    assert error is not None and error["statusCode"] == "INVALID_FIELD_VALUE"


def prepare(obj, data, *, insert=True, picklists=False, existing=None, csv_mode=False):
    return prepare_record(
        obj, data, insert=insert, existing=existing, picklists=picklists, csv_mode=csv_mode
    )


def test_insert_defaults_and_required_fields():
    row, errors = prepare(LEAD, {"attributes": {"type": "Lead"}, "LastName": "L", "Company": "C"})
    assert errors == []
    assert row["Status"] == "Open - Not Contacted" and row["HasOptedOutOfEmail"] == 0
    _, errors = prepare(LEAD, {"FirstName": "F"})
    assert [e["statusCode"] for e in errors] == ["REQUIRED_FIELD_MISSING"]
    assert errors[0]["fields"] == ["LastName", "Company"]


def test_unknown_read_only_and_id_fields():
    _, errors = prepare(LEAD, {"LastName": "L", "Company": "C", "Nope__c": 1})
    assert [(e["statusCode"], e["fields"]) for e in errors] == [("INVALID_FIELD", ["Nope__c"])]
    _, errors = prepare(LEAD, {"LastName": "L", "Company": "C", "IsConverted": True})
    assert [(e["statusCode"], e["fields"]) for e in errors] == [
        ("INVALID_FIELD_FOR_INSERT_UPDATE", ["IsConverted"])
    ]
    _, errors = prepare(LEAD, {"Id": make_id("00Q", 1), "LastName": "L", "Company": "C"})
    assert errors[0]["message"] == "cannot specify Id in an insert call"


def test_update_does_not_require_fields_and_csv_blank_keeps_value():
    row, errors = prepare(LEAD, {"Title": "CEO"}, insert=False, existing={})
    assert (row, errors) == ({"Title": "CEO"}, [])
    row, errors = prepare(LEAD, {"Title": "", "Email": "#N/A"}, insert=False, csv_mode=True)
    assert (row, errors) == ({"Email": None}, [])


def test_state_country_picklists():
    assert (
        prepare(LEAD, {"LastName": "L", "Company": "C", "CountryCode": "US"})[1][0]["statusCode"]
        == "INVALID_FIELD"
    )  # the code fields do not exist without the picklists
    row, errors = prepare(
        LEAD,
        {"LastName": "L", "Company": "C", "Country": "United States", "State": "California"},
        picklists=True,
    )
    assert errors == []
    assert (row["CountryCode"], row["StateCode"], row["Country"]) == ("US", "CA", "United States")
    _, errors = prepare(LEAD, {"LastName": "L", "Company": "C", "StateCode": "CA"}, picklists=True)
    assert errors[0]["statusCode"] == "FIELD_INTEGRITY_EXCEPTION"
    _, errors = prepare(CONTACT, {"LastName": "L", "MailingCountryCode": "XX"}, picklists=True)
    assert errors[0]["statusCode"] == "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST"
