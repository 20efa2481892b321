"""Record types: the control API, the RecordType object, RecordTypeId on writes (REST,
upsert, sObject Collections, Bulk API 2.0) and describe's recordTypeInfos."""

from __future__ import annotations

import csv
import io

import pytest
from simple_salesforce.exceptions import SalesforceMalformedRequest

MASTER = "012000000000000AAA"


def _error(exc: pytest.ExceptionInfo) -> dict:
    return exc.value.content[0]


def bad_record_type(rid: str) -> dict:
    return {
        "statusCode": "INVALID_CROSS_REFERENCE_KEY",
        "message": f"Record Type ID: this ID value isn't valid for the user: {rid}",
        "fields": ["RecordTypeId"],
    }


def fields_of(sf, obj):
    return {f["name"]: f for f in getattr(sf, obj).describe()["fields"]}


def test_control_api_round_trip_and_reset(emulator_control):
    rid = emulator_control.add_record_type("Lead", "Partner_Lead", "Partner Lead", default=True)
    assert rid.startswith("012") and len(rid) == 18 and rid != MASTER
    emulator_control.add_record_type("Contact", "Vendor", active=False)
    listed = emulator_control.record_types()
    assert listed[0] == {
        "id": rid,
        "object": "Lead",
        "developer_name": "Partner_Lead",
        "name": "Partner Lead",
        "active": True,
        "default": True,
    }
    assert (listed[1]["name"], listed[1]["active"], listed[1]["default"]) == (
        "Vendor",
        False,
        False,
    )
    bad = [
        ("Task", "X"),  # object without record types
        ("Lead", "Partner_Lead"),  # taken
        ("Lead", "Master"),
        ("Lead", "bad name"),
        ("Lead", "Ends_"),
    ]
    for sobject, developer_name in bad:
        with pytest.raises(RuntimeError, match="400"):
            emulator_control.add_record_type(sobject, developer_name)
    with pytest.raises(RuntimeError, match="400"):
        emulator_control.add_record_type("Lead", "Off", default=True, active=False)
    emulator_control.reset()
    assert emulator_control.record_types() == []


def test_record_type_object_is_queryable_and_read_only(sf, emulator_control):
    rid = emulator_control.add_record_type("Lead", "Partner_Lead", "Partner Lead")
    emulator_control.add_record_type("Lead", "Old", active=False)
    emulator_control.add_record_type("Account", "Customer")
    rows = sf.query(
        "SELECT Id, DeveloperName, Name, SobjectType, IsActive FROM RecordType "
        "WHERE SobjectType = 'Lead' ORDER BY DeveloperName"
    )["records"]
    assert [(r["DeveloperName"], r["IsActive"]) for r in rows] == [
        ("Old", False),
        ("Partner_Lead", True),
    ]
    assert rows[1]["Id"] == rid and rows[1]["SobjectType"] == "Lead"
    with pytest.raises(SalesforceMalformedRequest) as exc:
        sf.RecordType.create({"Name": "X"})
    assert _error(exc)["errorCode"] in (
        "INVALID_TYPE_FOR_OPERATION",
        "INVALID_FIELD_FOR_INSERT_UPDATE",
    )


def test_record_type_id_exists_only_once_the_object_has_record_types(sf, emulator_control):
    assert "RecordTypeId" not in fields_of(sf, "Lead")
    with pytest.raises(SalesforceMalformedRequest) as exc:
        sf.query("SELECT RecordTypeId FROM Lead")
    assert _error(exc)["errorCode"] == "INVALID_FIELD"
    with pytest.raises(SalesforceMalformedRequest) as exc:
        sf.Lead.create({"LastName": "L", "Company": "C", "RecordTypeId": MASTER})
    assert _error(exc)["errorCode"] == "INVALID_FIELD"
    emulator_control.add_record_type("Lead", "Partner_Lead")
    field = fields_of(sf, "Lead")["RecordTypeId"]
    assert field["type"] == "reference" and field["referenceTo"] == ["RecordType"]
    assert field["createable"] and field["updateable"] and field["relationshipName"] == "RecordType"
    assert "RecordTypeId" not in fields_of(sf, "Contact")


def test_describe_record_type_infos(sf, emulator_control):
    infos = sf.Lead.describe()["recordTypeInfos"]
    assert infos == [
        {
            "active": True,
            "available": True,
            "defaultRecordTypeMapping": True,
            "developerName": "Master",
            "master": True,
            "name": "Master",
            "recordTypeId": MASTER,
            "urls": {"layout": f"/services/data/v59.0/sobjects/Lead/describe/layouts/{MASTER}"},
        }
    ]
    partner = emulator_control.add_record_type("Lead", "Partner_Lead", "Partner Lead")
    infos = {i["developerName"]: i for i in sf.Lead.describe()["recordTypeInfos"]}
    assert infos["Partner_Lead"]["recordTypeId"] == partner
    assert infos["Partner_Lead"]["defaultRecordTypeMapping"] is False
    assert infos["Master"]["defaultRecordTypeMapping"] is True
    direct = emulator_control.add_record_type("Lead", "Direct", default=True)
    infos = {i["developerName"]: i for i in sf.Lead.describe()["recordTypeInfos"]}
    assert [d for d, i in infos.items() if i["defaultRecordTypeMapping"]] == ["Direct"]
    assert infos["Direct"]["recordTypeId"] == direct
    assert (infos["Master"]["available"], infos["Master"]["master"]) == (False, True)
    assert sf.Task.describe()["recordTypeInfos"] == []


def test_create_gets_the_default_and_update_checks(sf, emulator_control):
    partner = emulator_control.add_record_type("Lead", "Partner_Lead")
    old = emulator_control.add_record_type("Lead", "Old", active=False)
    account_type = emulator_control.add_record_type("Account", "Customer")
    lead = sf.Lead.create({"LastName": "L", "Company": "C"})["id"]
    assert sf.Lead.get(lead)["RecordTypeId"] is None  # Master is the default: null
    direct = emulator_control.add_record_type("Lead", "Direct", default=True)
    lead2 = sf.Lead.create({"LastName": "L", "Company": "C"})["id"]
    assert sf.Lead.get(lead2)["RecordTypeId"] == direct
    lead3 = sf.Lead.create({"LastName": "L", "Company": "C", "RecordTypeId": partner})["id"]
    row = sf.query(f"SELECT RecordType.DeveloperName FROM Lead WHERE Id = '{lead3}'")
    assert row["records"][0]["RecordType"]["DeveloperName"] == "Partner_Lead"
    for bad in (old, account_type, MASTER, lead):
        with pytest.raises(SalesforceMalformedRequest) as exc:
            sf.Lead.create({"LastName": "L", "Company": "C", "RecordTypeId": bad})
        assert exc.value.content == [
            {k.replace("statusCode", "errorCode"): v for k, v in bad_record_type(bad).items()}
        ]
        with pytest.raises(SalesforceMalformedRequest) as exc:
            sf.Lead.update(lead3, {"RecordTypeId": bad})
        assert _error(exc)["errorCode"] == "INVALID_CROSS_REFERENCE_KEY"
    assert sf.Lead.update(lead3, {"RecordTypeId": direct}) == 204
    assert sf.Lead.get(lead3)["RecordTypeId"] == direct


def test_master_id_is_accepted_while_master_is_the_default(sf, emulator_control):
    emulator_control.add_record_type("Contact", "Vendor")
    cid = sf.Contact.create({"LastName": "X", "RecordTypeId": MASTER})["id"]
    assert sf.Contact.get(cid)["RecordTypeId"] is None


def test_upsert_and_collections(sf, emulator_control):
    emulator_control.add_record_type("Contact", "Vendor")
    old = emulator_control.add_record_type("Contact", "Old", active=False)
    default = emulator_control.add_record_type("Contact", "Buyer", default=True)
    with pytest.raises(SalesforceMalformedRequest) as exc:
        sf.Contact.upsert("HubSync_Id__c/h-1", {"LastName": "X", "RecordTypeId": old})
    assert _error(exc)["errorCode"] == "INVALID_CROSS_REFERENCE_KEY"
    sf.Contact.upsert("HubSync_Id__c/h-1", {"LastName": "X"})
    got = sf.Contact.get_by_custom_id("HubSync_Id__c", "h-1")
    assert got["RecordTypeId"] == default
    records = [
        {"attributes": {"type": "Contact"}, "LastName": "A"},
        {"attributes": {"type": "Contact"}, "LastName": "B", "RecordTypeId": old},
    ]
    res = sf.restful("composite/sobjects", method="POST", json={"records": records})
    assert res[0]["success"] is True
    assert (res[1]["success"], res[1]["errors"]) == (False, [bad_record_type(old)])
    records = [
        {"attributes": {"type": "Contact"}, "HubSync_Id__c": "h-2", "LastName": "C"},
        {
            "attributes": {"type": "Contact"},
            "HubSync_Id__c": "h-3",
            "LastName": "D",
            "RecordTypeId": old,
        },
    ]
    res = sf.restful(
        "composite/sobjects/Contact/HubSync_Id__c", method="PATCH", json={"records": records}
    )
    assert res[0]["success"] is True and res[1]["errors"] == [bad_record_type(old)]


def test_bulk_ingest(sf, emulator_control):
    vendor = emulator_control.add_record_type("Lead", "Vendor")
    old = emulator_control.add_record_type("Lead", "Old", active=False)
    records = [
        {"LastName": "A", "Company": "C", "RecordTypeId": vendor},
        {"LastName": "B", "Company": "C", "RecordTypeId": old},
    ]
    result = sf.bulk2.Lead.insert(records=records, wait=0)
    job_id = result[0]["job_id"]
    assert (result[0]["numberRecordsProcessed"], result[0]["numberRecordsFailed"]) == (2, 1)
    failed = list(csv.DictReader(io.StringIO(sf.bulk2.Lead.get_failed_records(job_id))))
    assert failed[0]["sf__Error"].startswith("INVALID_CROSS_REFERENCE_KEY:Record Type ID: ")
    ok = list(csv.DictReader(io.StringIO(sf.bulk2.Lead.get_successful_records(job_id))))
    assert sf.Lead.get(ok[0]["sf__Id"])["RecordTypeId"] == vendor
