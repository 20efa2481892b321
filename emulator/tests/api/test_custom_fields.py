"""Custom fields added at run time over HTTP: describe, SOQL, writes, required fields,
restricted picklists, field-level security, Bulk 2.0, deletion, reset and persistence."""

from __future__ import annotations

import pytest
from simple_salesforce.exceptions import SalesforceMalformedRequest

from salesforce_emulator.pytest_plugin import USERNAME
from salesforce_emulator.testing import running_emulator


def _lead(**extra) -> dict:
    return {"LastName": "Lovelace", "Company": "Analytical", **extra}


def _describe_field(sf, sobject: str, name: str) -> dict | None:
    fields = getattr(sf, sobject).describe()["fields"]
    return next((f for f in fields if f["name"] == name), None)


def test_a_new_field_is_described_queryable_and_writable(sf, emulator_control):
    lead = sf.Lead.create(_lead())["id"]
    spec = emulator_control.add_field("Lead", "Region__c", label="Region", length=80)
    assert spec["type"] == "string" and spec["length"] == 80
    described = _describe_field(sf, "Lead", "Region__c")
    assert described["label"] == "Region" and described["custom"] is True
    assert described["nillable"] is True and described["length"] == 80
    assert sf.Lead.get(lead)["Region__c"] is None
    assert sf.Lead.update(lead, {"Region__c": "EMEA"}) == 204
    rec = sf.query("SELECT Id, Region__c FROM Lead WHERE Region__c = 'emea'")["records"]
    assert [r["Region__c"] for r in rec] == ["EMEA"]
    with pytest.raises(SalesforceMalformedRequest) as exc:
        sf.Lead.update(lead, {"Region__c": "x" * 81})
    assert exc.value.content[0]["errorCode"] == "STRING_TOO_LONG"


def test_other_types(sf, emulator_control):
    emulator_control.add_field("Contact", "Vip__c", "boolean")
    emulator_control.add_field("Contact", "Score__c", "double")
    emulator_control.add_field("Contact", "Since__c", "date")
    emulator_control.add_field("Contact", "Backup_Email__c", "email")
    emulator_control.add_field("Contact", "Notes__c", "textarea")
    cid = sf.Contact.create(
        {"LastName": "Hopper", "Score__c": 4.5, "Since__c": "2024-02-01", "Notes__c": "n"}
    )["id"]
    rec = sf.Contact.get(cid)
    assert rec["Vip__c"] is False and rec["Score__c"] == 4.5 and rec["Since__c"] == "2024-02-01"
    assert sf.query("SELECT COUNT() FROM Contact WHERE Score__c > 4")["totalSize"] == 1
    with pytest.raises(SalesforceMalformedRequest) as exc:
        sf.Contact.update(cid, {"Backup_Email__c": "not-an-email"})
    assert exc.value.content[0]["errorCode"] == "INVALID_EMAIL_ADDRESS"
    assert _describe_field(sf, "Contact", "Vip__c")["nillable"] is False


def test_required_field_missing_on_create_blanking_and_old_records(sf, emulator_control):
    old = sf.Lead.create(_lead())["id"]
    emulator_control.add_field("Lead", "Region__c", required=True)
    assert _describe_field(sf, "Lead", "Region__c")["nillable"] is False
    with pytest.raises(SalesforceMalformedRequest) as exc:
        sf.Lead.create(_lead())
    assert exc.value.content == [
        {
            "message": "Required fields are missing: [Region__c]",
            "errorCode": "REQUIRED_FIELD_MISSING",
            "fields": ["Region__c"],
        }
    ]
    new = sf.Lead.create(_lead(Region__c="EMEA"))["id"]
    with pytest.raises(SalesforceMalformedRequest) as exc:
        sf.Lead.update(new, {"Region__c": None})
    assert exc.value.content[0]["errorCode"] == "REQUIRED_FIELD_MISSING"
    # A record saved before the field became required must get a value on its next save.
    with pytest.raises(SalesforceMalformedRequest) as exc:
        sf.Lead.update(old, {"Title": "Countess"})
    assert exc.value.content[0]["fields"] == ["Region__c"]
    assert sf.Lead.update(old, {"Title": "Countess", "Region__c": "APAC"}) == 204


def test_restricted_picklist(sf, emulator_control):
    emulator_control.add_field("Lead", "Tier__c", "picklist", picklist_values=["Gold", "Silver"])
    described = _describe_field(sf, "Lead", "Tier__c")
    assert described["restrictedPicklist"] is True
    assert [v["value"] for v in described["picklistValues"]] == ["Gold", "Silver"]
    assert sf.Lead.create(_lead(Tier__c="Gold"))["success"]
    records = [{"attributes": {"type": "Lead"}, **_lead(Tier__c="Bronze")}]
    res = sf.restful("composite/sobjects", method="POST", json={"records": records})
    assert res[0]["errors"] == [
        {
            "statusCode": "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
            "message": "Tier: bad value for restricted picklist field: Bronze",
            "fields": ["Tier__c"],
        }
    ]
    emulator_control.add_field(
        "Lead", "Open__c", "picklist", picklist_values=["A"], restricted=False
    )
    assert sf.Lead.create(_lead(Open__c="Anything"))["success"]


def test_field_level_security_applies(sf, emulator_control):
    emulator_control.add_field("Lead", "Region__c")
    emulator_control.add_field("Lead", "Secret__c")
    emulator_control.set_field_security(
        USERNAME, {"Lead.Region__c": "read", "Lead.Secret__c": "hidden"}
    )
    assert _describe_field(sf, "Lead", "Secret__c") is None
    assert _describe_field(sf, "Lead", "Region__c")["updateable"] is False
    with pytest.raises(SalesforceMalformedRequest) as exc:
        sf.query("SELECT Secret__c FROM Lead")
    assert exc.value.content[0]["errorCode"] == "INVALID_FIELD"
    with pytest.raises(SalesforceMalformedRequest) as exc:
        sf.Lead.create(_lead(Region__c="EMEA"))
    assert exc.value.content[0]["errorCode"] == "INVALID_FIELD_FOR_INSERT_UPDATE"
    # Deleting the field forgets its field-level security.
    emulator_control.delete_field("Lead", "Secret__c")
    assert emulator_control.field_security(USERNAME) == {"Lead.Region__c": "read"}


def test_bulk_ingest_and_query_see_the_field(sf, emulator_control):
    emulator_control.add_field("Lead", "Region__c", required=True)
    [res] = sf.bulk2.Lead.insert(
        records=[_lead(Region__c="EMEA"), _lead(LastName="NoRegion")], wait=0
    )
    assert res["numberRecordsProcessed"] == 2 and res["numberRecordsFailed"] == 1
    failed = sf.bulk2.Lead.get_failed_records(res["job_id"])
    assert "REQUIRED_FIELD_MISSING:Required fields are missing: [Region__c]:Region__c --" in failed
    rows = list(sf.bulk2.Lead.query("SELECT LastName, Region__c FROM Lead", wait=0))
    assert "EMEA" in "".join(rows)


def test_delete_removes_field_and_values(sf, emulator_control, emulator):
    lead = sf.Lead.create(_lead())["id"]
    emulator_control.add_field("Lead", "Region__c")
    sf.Lead.update(lead, {"Region__c": "EMEA"})
    assert emulator_control.delete_field("Lead", "Region__c")["name"] == "Region__c"
    assert _describe_field(sf, "Lead", "Region__c") is None
    with pytest.raises(SalesforceMalformedRequest) as exc:
        sf.query("SELECT Region__c FROM Lead")
    assert exc.value.content[0]["errorCode"] == "INVALID_FIELD"
    with pytest.raises(SalesforceMalformedRequest) as exc:
        sf.Lead.update(lead, {"Region__c": "EMEA"})
    assert exc.value.content[0]["errorCode"] == "INVALID_FIELD"
    emulator_control.add_field("Lead", "Region__c")
    assert sf.Lead.get(lead)["Region__c"] is None  # a new field: no old values
    url = f"{emulator.url}/__emulator/fields/Lead/Never__c"
    assert emulator_control.http.delete(url).status_code == 400


def test_rules_can_use_custom_fields_and_keep_them(sf, emulator_control, emulator):
    emulator_control.add_field("Lead", "Region__c")
    emulator_control.add_validation_rule("Lead", "Region", "Region__c", "blank", "Need a region")
    with pytest.raises(SalesforceMalformedRequest) as exc:
        sf.Lead.create(_lead())
    assert exc.value.content[0]["message"] == "Need a region"
    url = f"{emulator.url}/__emulator/fields/Lead/Region__c"
    assert emulator_control.http.delete(url).status_code == 400  # still used by the rule


def test_control_api_refuses_bad_definitions_and_reset_removes_fields(
    sf, emulator_control, emulator
):
    url = f"{emulator.url}/__emulator/fields"
    for bad in (
        {"object": "Lead", "name": "Region"},
        {"object": "Lead", "name": "HubSync_Id__c"},
        {"object": "Nope", "name": "Region__c"},
        {"object": "Lead", "name": "Region__c", "type": "currency"},
        {"object": "Lead", "name": "Region__c", "type": "picklist"},
        {"object": "Lead", "name": "Region__c", "type": "boolean", "required": True},
        {"object": "Lead", "name": "Region__c", "length": 256},
    ):
        assert emulator_control.http.post(url, json=bad).status_code == 400, bad
    emulator_control.add_field("Lead", "Region__c")
    assert [f["name"] for f in emulator_control.custom_fields()] == ["Region__c"]
    emulator_control.reset()
    assert emulator_control.custom_fields() == []
    emulator_control.create_user(USERNAME, "pw", "T")
    fresh = emulator.salesforce(USERNAME, "pw", "T")
    assert _describe_field(fresh, "Lead", "Region__c") is None


@pytest.mark.slow
def test_fields_and_rules_survive_a_restart(tmp_path):
    db = str(tmp_path / "org.sqlite")
    with running_emulator(db=db) as emu:
        emu.control.create_user("p@example.com", "pw", "T")
        emu.control.add_field("Lead", "Region__c", required=True)
        emu.control.add_duplicate_rule("Lead", "Dedupe")
        emu.control.add_validation_rule("Lead", "No_Test", "LastName", "equals", "No", value="Test")
        emu.salesforce("p@example.com", "pw", "T").Lead.create(
            _lead(Email="a@example.com", Region__c="EMEA")
        )
    with running_emulator(db=db) as emu:
        sf = emu.salesforce("p@example.com", "pw", "T")
        assert sf.query("SELECT Region__c FROM Lead")["records"][0]["Region__c"] == "EMEA"
        assert [r["name"] for r in emu.control.duplicate_rules()] == ["Dedupe"]
        assert [r["name"] for r in emu.control.validation_rules()] == ["No_Test"]
        with pytest.raises(SalesforceMalformedRequest) as exc:
            sf.Lead.create(_lead(Email="a@example.com", Region__c="APAC"))
        assert exc.value.content[0]["errorCode"] == "DUPLICATES_DETECTED"
