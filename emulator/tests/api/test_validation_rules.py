"""Validation rules over HTTP: REST, upsert, sObject Collections, Bulk 2.0, the control API."""

from __future__ import annotations

import pytest
from simple_salesforce.exceptions import SalesforceMalformedRequest


def _lead(**extra) -> dict:
    return {"LastName": "Lovelace", "Company": "Analytical", **extra}


def test_rest_create_fails_with_the_rule_message_on_its_field(sf, emulator_control):
    emulator_control.add_validation_rule(
        "Lead", "Email_Required", "Email", "blank", "Leads need an e-mail", error_field="Email"
    )
    with pytest.raises(SalesforceMalformedRequest) as exc:
        sf.Lead.create(_lead())
    assert exc.value.content == [
        {
            "message": "Leads need an e-mail",
            "errorCode": "FIELD_CUSTOM_VALIDATION_EXCEPTION",
            "fields": ["Email"],
        }
    ]
    assert sf.Lead.create(_lead(Email="ada@example.com"))["success"]


def test_update_is_checked_on_the_merged_record(sf, emulator_control):
    lead = sf.Lead.create(_lead(Title="Countess"))["id"]
    emulator_control.add_validation_rule(
        "Lead", "No_Countess_At_Acme", "Title", "equals", "Not here", value="Countess"
    )
    # Only Company changes, but the saved Title still meets the condition.
    with pytest.raises(SalesforceMalformedRequest) as exc:
        sf.Lead.update(lead, {"Company": "Acme"})
    assert exc.value.content[0]["errorCode"] == "FIELD_CUSTOM_VALIDATION_EXCEPTION"
    assert exc.value.content[0]["fields"] == []  # top of the page
    assert sf.Lead.update(lead, {"Title": "Engineer"}) == 204


@pytest.mark.parametrize(
    ("operator", "value", "bad", "good"),
    [
        ("not_blank", None, {"Website": "x.example"}, {}),
        ("not_equals", "Web", {"LeadSource": "Other"}, {"LeadSource": "Web"}),
        ("contains", "spam", {"Description": "pure spam here"}, {"Description": "ham"}),
        ("matches", r"\d+", {"Phone": "12345"}, {"Phone": "+1 555"}),
        ("equals", "100", {"NumberOfEmployees": 100}, {"NumberOfEmployees": 101}),
        ("equals", True, {"HasOptedOutOfEmail": True}, {"HasOptedOutOfEmail": False}),
    ],
)
def test_operators(sf, emulator_control, operator, value, bad, good):
    field = next(iter(bad))
    emulator_control.add_validation_rule("Lead", "Rule", field, operator, "Refused", value=value)
    with pytest.raises(SalesforceMalformedRequest):
        sf.Lead.create(_lead(**bad))
    assert sf.Lead.create(_lead(**good))["success"]


def test_every_failing_rule_is_reported_and_inactive_ones_do_not_run(sf, emulator_control):
    emulator_control.add_validation_rule("Lead", "A", "Email", "blank", "Need email")
    emulator_control.add_validation_rule("Lead", "B", "Phone", "blank", "Need phone")
    emulator_control.add_validation_rule("Lead", "C", "Title", "blank", "Off", active=False)
    with pytest.raises(SalesforceMalformedRequest) as exc:
        sf.Lead.create(_lead())
    assert [e["message"] for e in exc.value.content] == ["Need email", "Need phone"]


def test_upsert_and_collections_fail_per_record(sf, emulator_control):
    emulator_control.add_validation_rule(
        "Lead", "Email_Required", "Email", "blank", "Leads need an e-mail", error_field="Email"
    )
    with pytest.raises(SalesforceMalformedRequest) as exc:
        sf.Lead.upsert("HubSync_Id__c/hs-1", _lead())
    assert exc.value.content[0]["errorCode"] == "FIELD_CUSTOM_VALIDATION_EXCEPTION"
    records = [
        {"attributes": {"type": "Lead"}, **_lead()},
        {"attributes": {"type": "Lead"}, **_lead(Email="ok@example.com")},
    ]
    res = sf.restful("composite/sobjects", method="POST", json={"records": records})
    assert res[0] == {
        "success": False,
        "errors": [
            {
                "statusCode": "FIELD_CUSTOM_VALIDATION_EXCEPTION",
                "message": "Leads need an e-mail",
                "fields": ["Email"],
            }
        ],
    }
    assert res[1]["success"] is True
    upsert = [{"attributes": {"type": "Lead"}, "HubSync_Id__c": "hs-2", **_lead()}]
    res = sf.restful(
        "composite/sobjects/Lead/HubSync_Id__c", method="PATCH", json={"records": upsert}
    )
    assert res[0]["errors"][0]["statusCode"] == "FIELD_CUSTOM_VALIDATION_EXCEPTION"


def test_bulk_rows_fail_with_the_rule(sf, emulator_control):
    emulator_control.add_validation_rule(
        "Lead", "Email_Required", "Email", "blank", "Leads need an e-mail", error_field="Email"
    )
    [res] = sf.bulk2.Lead.insert(records=[_lead(), _lead(Email="ok@example.com")], wait=0)
    assert res["numberRecordsFailed"] == 1
    failed = sf.bulk2.Lead.get_failed_records(res["job_id"])
    assert "FIELD_CUSTOM_VALIDATION_EXCEPTION:Leads need an e-mail:Email --" in failed


def test_control_api_replace_delete_one_or_all_and_reset(emulator_control, emulator):
    emulator_control.add_validation_rule("Lead", "A", "Email", "blank", "one")
    emulator_control.add_validation_rule("Lead", "A", "Email", "blank", "two")
    emulator_control.add_validation_rule("Contact", "B", "Email", "blank", "three")
    emulator_control.add_validation_rule("Lead", "C", "Phone", "blank", "four")
    assert [r["message"] for r in emulator_control.validation_rules()] == ["two", "three", "four"]
    assert emulator_control.delete_validation_rules("A") == 1
    assert [r["name"] for r in emulator_control.validation_rules()] == ["B", "C"]
    emulator_control.reset()
    assert emulator_control.validation_rules() == []
    url = f"{emulator.url}/__emulator/validation-rules"
    for bad in (
        {"object": "Lead", "name": "x", "field": "Nope", "operator": "blank", "message": "m"},
        {"object": "Lead", "name": "x", "field": "Email", "operator": "like", "message": "m"},
        {"object": "Lead", "name": "x", "field": "Email", "operator": "equals", "message": "m"},
        {
            "object": "Lead",
            "name": "x",
            "field": "Email",
            "operator": "matches",
            "value": "(",
            "message": "m",
        },
        {"object": "Lead", "name": "x", "field": "Email", "operator": "blank"},
    ):
        assert emulator_control.http.post(url, json=bad).status_code == 400, bad
    assert emulator_control.http.delete(f"{url}/missing").status_code == 400
