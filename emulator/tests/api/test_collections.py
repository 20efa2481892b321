"""sObject Collections (through sf.restful) and composite."""

from __future__ import annotations

import pytest
from simple_salesforce.exceptions import SalesforceMalformedRequest


def contacts(n, **extra):
    return [{"attributes": {"type": "Contact"}, "LastName": f"C{i}", **extra} for i in range(n)]


def test_create_update_delete_in_order(sf, emulator_control):
    res = sf.restful("composite/sobjects", method="POST", json={"records": contacts(3)})
    assert [r["success"] for r in res] == [True, True, True]
    ids = [r["id"] for r in res]
    assert all(i.startswith("003") for i in ids)
    upd = [{"attributes": {"type": "Contact"}, "Id": i, "Title": "T"} for i in ids]
    res = sf.restful("composite/sobjects", method="PATCH", json={"records": upd})
    assert all(r["success"] and r["id"] in ids for r in res)
    res = sf.restful("composite/sobjects", method="DELETE", params={"ids": ",".join(ids)})
    assert [r["id"] for r in res] == ids
    assert all(row["IsDeleted"] for row in emulator_control.records("Contact"))


def test_partial_success_by_default(sf):
    records = contacts(1) + [{"attributes": {"type": "Contact"}, "FirstName": "NoLast"}]
    records += contacts(1, Email="bad")
    res = sf.restful("composite/sobjects", method="POST", json={"records": records})
    assert res[0]["success"] is True
    assert res[1] == {
        "success": False,
        "errors": [
            {
                "statusCode": "REQUIRED_FIELD_MISSING",
                "message": "Required fields are missing: [LastName]",
                "fields": ["LastName"],
            }
        ],
    }
    assert res[2]["errors"][0]["statusCode"] == "INVALID_EMAIL_ADDRESS"
    assert sf.query("SELECT COUNT() FROM Contact")["totalSize"] == 1


def test_all_or_none_rolls_back(sf):
    records = contacts(2) + [{"attributes": {"type": "Contact"}}]
    res = sf.restful(
        "composite/sobjects", method="POST", json={"allOrNone": True, "records": records}
    )
    assert [r["success"] for r in res] == [False, False, False]
    assert res[0]["errors"][0]["statusCode"] == "ALL_OR_NONE_OPERATION_ROLLED_BACK"
    assert res[2]["errors"][0]["statusCode"] == "REQUIRED_FIELD_MISSING"
    assert sf.query("SELECT COUNT() FROM Contact")["totalSize"] == 0


def test_all_or_none_update_rolls_back_earlier_rows(sf):
    ids = [
        r["id"]
        for r in sf.restful("composite/sobjects", method="POST", json={"records": contacts(2)})
    ]
    upd = [
        {"attributes": {"type": "Contact"}, "Id": ids[0], "Title": "New"},
        {"attributes": {"type": "Contact"}, "Id": ids[1], "Email": "broken"},
    ]
    res = sf.restful("composite/sobjects", method="PATCH", json={"allOrNone": True, "records": upd})
    assert res[0]["errors"][0]["statusCode"] == "ALL_OR_NONE_OPERATION_ROLLED_BACK"
    assert sf.Contact.get(ids[0])["Title"] is None


def test_mixed_types_in_one_create(sf):
    records = contacts(1) + [{"attributes": {"type": "Lead"}, "LastName": "L", "Company": "C"}]
    res = sf.restful("composite/sobjects", method="POST", json={"records": records})
    assert [r["id"][:3] for r in res] == ["003", "00Q"]


def test_more_than_200_records_is_an_error(sf):
    with pytest.raises(SalesforceMalformedRequest) as exc:
        sf.restful("composite/sobjects", method="POST", json={"records": contacts(201)})
    assert exc.value.content[0]["errorCode"] == "EXCEEDED_ID_LIMIT"
    res = sf.restful("composite/sobjects", method="POST", json={"records": contacts(200)})
    assert len(res) == 200 and all(r["success"] for r in res)


def test_upsert_by_external_id_is_idempotent(sf, emulator_control):
    records = [
        {"attributes": {"type": "Contact"}, "HubSync_Id__c": f"hs-{i}", "LastName": f"L{i}"}
        for i in range(3)
    ]
    first = sf.restful(
        "composite/sobjects/Contact/HubSync_Id__c", method="PATCH", json={"records": records}
    )
    assert [r["created"] for r in first] == [True, True, True]
    records[1]["LastName"] = "Changed"
    second = sf.restful(
        "composite/sobjects/Contact/HubSync_Id__c", method="PATCH", json={"records": records}
    )
    assert [r["created"] for r in second] == [False, False, False]
    assert [r["id"] for r in second] == [r["id"] for r in first]
    rows = emulator_control.records("Contact")
    assert len(rows) == 3 and rows[1]["LastName"] == "Changed"


def test_upsert_duplicate_external_ids_in_one_request(sf):
    records = [
        {"attributes": {"type": "Lead"}, "HubSync_Id__c": "same", "LastName": "A", "Company": "C"}
    ] * 2
    res = sf.restful(
        "composite/sobjects/Lead/HubSync_Id__c", method="PATCH", json={"records": records}
    )
    assert res[0]["success"] is True
    assert res[1]["errors"][0]["statusCode"] == "DUPLICATE_EXTERNAL_ID"


def test_upsert_all_or_none(sf):
    records = [
        {"attributes": {"type": "Lead"}, "HubSync_Id__c": "a", "LastName": "A", "Company": "C"},
        {"attributes": {"type": "Lead"}, "HubSync_Id__c": "b", "LastName": "B"},
    ]
    res = sf.restful(
        "composite/sobjects/Lead/HubSync_Id__c",
        method="PATCH",
        json={"allOrNone": True, "records": records},
    )
    assert res[0]["errors"][0]["statusCode"] == "ALL_OR_NONE_OPERATION_ROLLED_BACK"
    assert sf.query("SELECT COUNT() FROM Lead")["totalSize"] == 0


def test_delete_collection_errors(sf):
    cid = sf.Contact.create({"LastName": "X"})["id"]
    sf.Contact.delete(cid)
    res = sf.restful(
        "composite/sobjects", method="DELETE", params={"ids": f"{cid},003Hs0000004C91IAE"}
    )
    assert res[0]["errors"][0]["statusCode"] == "ENTITY_IS_DELETED"
    assert res[1]["errors"][0]["statusCode"] == "NOT_FOUND"


def test_retrieve_collection(sf):
    cid = sf.Contact.create({"LastName": "X", "Email": "x@example.com"})["id"]
    res = sf.restful("composite/sobjects/Contact", params={"ids": cid, "fields": "Id,Email"})
    assert res[0]["Email"] == "x@example.com"


def test_composite_with_references_counts_one_call(sf, emulator_control):
    before = emulator_control.stats()["api_used"]
    body = {
        "compositeRequest": [
            {
                "method": "POST",
                "url": "/services/data/v59.0/sobjects/Account",
                "referenceId": "acct",
                "body": {"Name": "Acme"},
            },
            {
                "method": "POST",
                "url": "/services/data/v59.0/sobjects/Contact",
                "referenceId": "contact",
                "body": {"LastName": "X", "AccountId": "@{acct.id}"},
            },
            {
                "method": "GET",
                "url": "/services/data/v59.0/sobjects/Contact/@{contact.id}",
                "referenceId": "read",
            },
            {
                "method": "GET",
                "url": "/services/data/v59.0/query?q=SELECT+Id+FROM+Contact",
                "referenceId": "q",
            },
        ]
    }
    res = sf.restful("composite", method="POST", json=body)["compositeResponse"]
    assert [r["httpStatusCode"] for r in res] == [201, 201, 200, 200]
    assert res[2]["body"]["AccountId"] == res[0]["body"]["id"]
    assert res[3]["body"]["totalSize"] == 1
    assert emulator_control.stats()["api_used"] == before + 1


def test_composite_all_or_none(sf):
    body = {
        "allOrNone": True,
        "compositeRequest": [
            {
                "method": "POST",
                "url": "/services/data/v59.0/sobjects/Account",
                "referenceId": "ok",
                "body": {"Name": "Acme"},
            },
            {
                "method": "POST",
                "url": "/services/data/v59.0/sobjects/Contact",
                "referenceId": "bad",
                "body": {"FirstName": "no last name"},
            },
        ],
    }
    res = sf.restful("composite", method="POST", json=body)["compositeResponse"]
    assert res[0]["httpStatusCode"] == 400
    assert res[0]["body"][0]["errorCode"] == "PROCESSING_HALTED"
    assert res[1]["body"][0]["errorCode"] == "REQUIRED_FIELD_MISSING"
    assert sf.query("SELECT COUNT() FROM Account")["totalSize"] == 0


def test_composite_max_25(sf):
    sub = {"method": "GET", "url": "/services/data/v59.0/limits", "referenceId": "x"}
    with pytest.raises(SalesforceMalformedRequest) as exc:
        sf.restful("composite", method="POST", json={"compositeRequest": [sub] * 26})
    assert exc.value.content[0]["errorCode"] == "LIMIT_EXCEEDED"
