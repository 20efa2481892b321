"""Duplicate rules over HTTP: REST, upsert, sObject Collections, Bulk 2.0, the allowSave
header, and the control API."""

from __future__ import annotations

import pytest
from simple_salesforce.exceptions import SalesforceMalformedRequest

ALLOW = {"Sforce-Duplicate-Rule-Header": "allowSave=true"}


def _lead(email: str, last: str = "Lovelace", **extra) -> dict:
    return {"LastName": last, "Company": "Analytical", "Email": email, **extra}


def test_block_rule_refuses_a_rest_create_with_the_duplicate_result(sf, emulator_control):
    first = sf.Lead.create(_lead("ada@example.com"))["id"]
    rule = emulator_control.add_duplicate_rule("Lead", "Standard_Lead_Duplicate_Rule")
    assert rule["match_fields"] == ["Email"] and rule["match_objects"] == ["Lead"]
    with pytest.raises(SalesforceMalformedRequest) as exc:
        sf.Lead.create(_lead("ADA@example.com", "Byron"))
    [error] = exc.value.content
    assert error["errorCode"] == "DUPLICATES_DETECTED"
    assert error["message"] == "Use one of these records?"
    assert error["fields"] == []
    result = error["duplicateResult"]
    assert result["allowSave"] is False
    assert result["duplicateRule"] == "Standard_Lead_Duplicate_Rule"
    assert result["duplicateRuleEntityType"] == "Lead"
    [match] = result["matchResults"]
    assert match["entityType"] == "Lead" and match["size"] == 1 and match["success"] is True
    assert match["matchEngine"] == "ExactMatchEngine"
    [record] = match["matchRecords"]
    assert record["matchConfidence"] == 100.0
    assert record["record"]["Id"] == first
    assert record["record"]["attributes"]["url"].endswith(f"/sobjects/Lead/{first}")
    assert sf.query("SELECT COUNT() FROM Lead")["totalSize"] == 1


def test_block_rules_ignore_the_allow_save_header_alert_rules_honour_it(sf, emulator_control):
    sf.Lead.create(_lead("ada@example.com"))
    emulator_control.add_duplicate_rule("Lead", "Lead_Alert", action="alert")
    with pytest.raises(SalesforceMalformedRequest) as exc:
        sf.Lead.create(_lead("ada@example.com"))
    assert exc.value.content[0]["duplicateResult"]["allowSave"] is True
    assert sf.Lead.create(_lead("ada@example.com"), headers=ALLOW)["success"]

    emulator_control.add_duplicate_rule("Lead", "Lead_Block", action="block")
    with pytest.raises(SalesforceMalformedRequest) as exc:
        sf.Lead.create(_lead("ada@example.com"), headers=ALLOW)
    assert exc.value.content[0]["duplicateResult"]["duplicateRule"] == "Lead_Block"
    assert len(exc.value.content[0]["duplicateResult"]["matchResults"][0]["matchRecords"]) == 2


def test_updates_never_match_the_record_itself_and_empty_fields_never_match(sf, emulator_control):
    a = sf.Lead.create(_lead("ada@example.com"))["id"]
    b = sf.Lead.create(_lead("", "NoMail"))["id"]
    c = sf.Lead.create(_lead("", "AlsoNoMail"))["id"]
    emulator_control.add_duplicate_rule("Lead", "Dedupe")
    assert sf.Lead.update(a, {"Title": "Countess"}) == 204
    assert sf.Lead.update(b, {"Title": "Anyone"}) == 204  # blank Email: no match with c
    with pytest.raises(SalesforceMalformedRequest) as exc:
        sf.Lead.update(c, {"Email": "Ada@Example.com"})
    assert (
        exc.value.content[0]["duplicateResult"]["matchResults"][0]["matchRecords"][0]["record"][
            "Id"
        ]
        == a
    )


def test_converted_and_deleted_leads_do_not_match(sf, emulator_control):
    gone = sf.Lead.create(_lead("gone@example.com"))["id"]
    sf.Lead.delete(gone)
    converted = sf.Lead.create(_lead("conv@example.com"))["id"]
    emulator_control.convert_lead(converted)
    emulator_control.add_duplicate_rule("Lead", "Dedupe")
    assert sf.Lead.create(_lead("gone@example.com"))["success"]
    assert sf.Lead.create(_lead("conv@example.com"))["success"]


def test_lead_rule_matching_contacts(sf, emulator_control):
    contact = sf.Contact.create({"LastName": "Hopper", "Email": "grace@example.com"})["id"]
    emulator_control.add_duplicate_rule(
        "Lead", "Lead_vs_Contact", match_objects=["Lead", "Contact"]
    )
    with pytest.raises(SalesforceMalformedRequest) as exc:
        sf.Lead.create(_lead("grace@example.com"))
    [match] = exc.value.content[0]["duplicateResult"]["matchResults"]
    assert match["entityType"] == "Contact"
    assert match["matchRecords"][0]["record"]["attributes"]["type"] == "Contact"
    assert match["matchRecords"][0]["record"]["Id"] == contact


def test_several_match_fields_must_all_match(sf, emulator_control):
    sf.Lead.create(_lead("ada@example.com", Company="Analytical"))
    emulator_control.add_duplicate_rule(
        "Lead", "Email_And_Company", match_fields=["Email", "Company"]
    )
    assert sf.Lead.create(_lead("ada@example.com", Company="Other Co"))["success"]
    with pytest.raises(SalesforceMalformedRequest):
        sf.Lead.create(_lead("ada@example.com", Company="ANALYTICAL"))


def test_upsert_by_external_id_is_checked(sf, emulator_control):
    sf.Lead.create(_lead("ada@example.com", HubSync_Id__c="hs-1"))
    emulator_control.add_duplicate_rule("Lead", "Dedupe")
    with pytest.raises(SalesforceMalformedRequest) as exc:
        sf.Lead.upsert("HubSync_Id__c/hs-2", _lead("ada@example.com"))
    assert exc.value.content[0]["errorCode"] == "DUPLICATES_DETECTED"
    assert sf.Lead.upsert("HubSync_Id__c/hs-1", {"Title": "Dr"}) == 200  # itself: fine
    with pytest.raises(SalesforceMalformedRequest):  # a block rule: the header does not help
        sf.Lead.upsert("HubSync_Id__c/hs-2", _lead("ada@example.com"), headers=ALLOW)
    assert sf.query("SELECT COUNT() FROM Lead")["totalSize"] == 1


def test_collections_fail_per_record_with_the_duplicate_result(sf, emulator_control):
    existing = sf.Lead.create(_lead("ada@example.com"))["id"]
    emulator_control.add_duplicate_rule("Lead", "Dedupe")
    records = [
        {"attributes": {"type": "Lead"}, **_lead("ada@example.com")},
        {"attributes": {"type": "Lead"}, **_lead("new@example.com")},
    ]
    res = sf.restful(
        "composite/sobjects", method="POST", json={"allOrNone": False, "records": records}
    )
    assert res[1]["success"] is True
    assert res[0] == {
        "success": False,
        "errors": [
            {
                "statusCode": "DUPLICATES_DETECTED",
                "message": "Use one of these records?",
                "fields": [],
                "duplicateResult": {
                    "allowSave": False,
                    "duplicateRule": "Dedupe",
                    "duplicateRuleEntityType": "Lead",
                    "errorMessage": "Use one of these records?",
                    "matchResults": [
                        {
                            "entityType": "Lead",
                            "errors": [],
                            "matchEngine": "ExactMatchEngine",
                            "matchRecords": [
                                {
                                    "additionalInformation": [],
                                    "fieldDiffs": [],
                                    "matchConfidence": 100.0,
                                    "record": {
                                        "attributes": {
                                            "type": "Lead",
                                            "url": f"/services/data/v59.0/sobjects/Lead/{existing}",
                                        },
                                        "Id": existing,
                                    },
                                }
                            ],
                            "rule": "Standard_Lead_Match_Rule_v1_0",
                            "size": 1,
                            "success": True,
                        }
                    ],
                },
            }
        ],
    }


def test_collections_update_and_upsert_honour_alert_rules_with_the_header(sf, emulator_control):
    a = sf.Lead.create(_lead("ada@example.com"))["id"]
    b = sf.Lead.create(_lead("b@example.com"))["id"]
    emulator_control.add_duplicate_rule("Lead", "Dedupe", action="alert")
    update = [{"attributes": {"type": "Lead"}, "Id": b, "Email": "ada@example.com"}]
    res = sf.restful("composite/sobjects", method="PATCH", json={"records": update})
    assert res[0]["errors"][0]["statusCode"] == "DUPLICATES_DETECTED"
    res = sf.restful("composite/sobjects", method="PATCH", json={"records": update}, headers=ALLOW)
    assert res[0]["success"] is True
    upsert = [{"attributes": {"type": "Lead"}, "HubSync_Id__c": "x", **_lead("ada@example.com")}]
    path = "composite/sobjects/Lead/HubSync_Id__c"
    res = sf.restful(path, method="PATCH", json={"records": upsert})
    assert res[0]["success"] is False and res[0]["created"] is False
    assert res[0]["errors"][0]["duplicateResult"]["duplicateRule"] == "Dedupe"
    res = sf.restful(path, method="PATCH", json={"records": upsert}, headers=ALLOW)
    assert res[0]["success"] is True and res[0]["created"] is True
    assert a


def test_bulk_honours_block_rules_and_ignores_alert_rules(sf, emulator_control):
    sf.Lead.create(_lead("ada@example.com"))
    emulator_control.add_duplicate_rule("Lead", "Alert_Only", action="alert")
    rows = [_lead("ada@example.com", "Alerted")]
    [res] = sf.bulk2.Lead.insert(records=rows, wait=0)
    assert res["numberRecordsFailed"] == 0

    emulator_control.add_duplicate_rule("Lead", "Blocker", action="block")
    [res] = sf.bulk2.Lead.insert(
        records=[_lead("ada@example.com", "Blocked"), _lead("fresh@example.com")], wait=0
    )
    assert res["numberRecordsFailed"] == 1
    failed = sf.bulk2.Lead.get_failed_records(res["job_id"])
    assert "DUPLICATES_DETECTED:Use one of these records?:--" in failed


def test_control_api_lists_replaces_deletes_and_reset_clears(emulator_control, emulator):
    emulator_control.add_duplicate_rule("Lead", "One")
    emulator_control.add_duplicate_rule("Lead", "One", action="alert")
    emulator_control.add_duplicate_rule("Contact", "Two", match_objects=["Contact", "Lead"])
    rules = emulator_control.duplicate_rules()
    assert [(r["name"], r["action"]) for r in rules] == [("One", "alert"), ("Two", "block")]
    assert emulator_control.delete_duplicate_rules("One") == 1
    assert emulator_control.delete_duplicate_rules() == 1
    emulator_control.add_duplicate_rule("Lead", "Again")
    emulator_control.reset()
    assert emulator_control.duplicate_rules() == []
    for bad in (
        {"object": "Lead", "name": "x", "action": "warn"},
        {"object": "Nope", "name": "x"},
        {"object": "Lead", "name": "x", "match_fields": ["Nope"]},
        {"object": "Lead", "name": "x", "match_fields": ["Company"], "match_objects": ["Contact"]},
    ):
        resp = emulator_control.http.post(f"{emulator.url}/__emulator/duplicate-rules", json=bad)
        assert resp.status_code == 400, bad


def test_control_api_loading_skips_rules(emulator_control):
    emulator_control.load_records("Lead", [_lead("ada@example.com")])
    emulator_control.add_duplicate_rule("Lead", "Dedupe")
    ids = emulator_control.load_records("Lead", [_lead("ada@example.com")])
    assert len(ids) == 1
