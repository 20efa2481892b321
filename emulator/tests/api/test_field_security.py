"""Per-user field-level security: hidden fields vanish, read-only fields cannot be written,
in describe, SOQL, record reads, REST and collections writes and Bulk API 2.0 ingest."""

from __future__ import annotations

import pytest
from simple_salesforce.exceptions import SalesforceMalformedRequest

from salesforce_emulator.pytest_plugin import USERNAME


@pytest.fixture
def fls(emulator_control):
    return emulator_control.set_field_security(
        USERNAME, {"Lead.Phone": "hidden", "Lead.Title": "read", "Contact.Email": "edit"}
    )


def fields_of(sf, obj):
    return {f["name"]: f for f in getattr(sf, obj).describe()["fields"]}


def test_control_api_round_trip(emulator_control, fls):
    assert fls == {"Lead.Phone": "hidden", "Lead.Title": "read"}
    assert emulator_control.field_security(USERNAME) == fls
    emulator_control.set_field_security(USERNAME, {"Lead.Title": "edit"})
    assert emulator_control.field_security(USERNAME) == {"Lead.Phone": "hidden"}
    for bad in ({"Lead.Nope": "hidden"}, {"Lead.Phone": "secret"}, {"Lead.LastName": "hidden"}):
        with pytest.raises(RuntimeError, match="400"):
            emulator_control.set_field_security(USERNAME, bad)
    emulator_control.reset()
    emulator_control.create_user(USERNAME, "pw")
    assert emulator_control.field_security(USERNAME) == {}


def test_describe(sf, fls):
    fields = fields_of(sf, "Lead")
    assert "Phone" not in fields
    assert (fields["Title"]["createable"], fields["Title"]["updateable"]) == (False, False)
    assert fields["Email"]["createable"] is True
    assert "Phone" in fields_of(sf, "Contact")


def test_other_users_are_not_affected(emulator, fls):
    emulator.control.create_user("admin@hubsync.test", "pw", "TOK")
    admin = emulator.salesforce("admin@hubsync.test", "pw", "TOK")
    assert "Phone" in fields_of(admin, "Lead")


def test_query_and_record_reads(sf, emulator_control, fls):
    (lead_id,) = emulator_control.load_records(
        "Lead", [{"LastName": "L", "Company": "C", "Phone": "+1 555 0100", "Title": "CEO"}]
    )
    with pytest.raises(SalesforceMalformedRequest) as exc:
        sf.query("SELECT Id, Phone FROM Lead")
    error = exc.value.content[0]
    assert error["errorCode"] == "INVALID_FIELD"
    assert (
        "No such column 'Phone' on entity 'Lead'. If you are attempting to use a custom "
        "field, be sure to append the '__c' after the custom field name. Please reference "
        "your WSDL or the describe call for the appropriate names."
    ) in error["message"]
    with pytest.raises(SalesforceMalformedRequest):
        sf.query("SELECT Id FROM Lead WHERE Phone != null")
    assert sf.query("SELECT Title FROM Lead")["records"][0]["Title"] == "CEO"
    record = sf.Lead.get(lead_id)
    assert "Phone" not in record and record["Title"] == "CEO"


def test_rest_and_collections_writes(sf, fls):
    with pytest.raises(SalesforceMalformedRequest) as exc:
        sf.Lead.create({"LastName": "L", "Company": "C", "Phone": "1"})
    assert exc.value.content[0]["errorCode"] == "INVALID_FIELD_FOR_INSERT_UPDATE"
    res = sf.restful(
        "composite/sobjects",
        method="POST",
        json={
            "records": [
                {"attributes": {"type": "Lead"}, "LastName": "A", "Company": "C", "Phone": "1"},
                {"attributes": {"type": "Lead"}, "LastName": "B", "Company": "C", "Title": "X"},
                {
                    "attributes": {"type": "Lead"},
                    "LastName": "C",
                    "Company": "C",
                    "Email": "c@x.io",
                },
            ]
        },
    )
    assert [r["success"] for r in res] == [False, False, True]
    assert res[0]["errors"][0]["statusCode"] == "INVALID_FIELD_FOR_INSERT_UPDATE"
    assert res[0]["errors"][0]["fields"] == ["Phone"]
    assert res[1]["errors"][0]["fields"] == ["Title"]
    res = sf.restful(
        "composite/sobjects",
        method="PATCH",
        json={"records": [{"attributes": {"type": "Lead"}, "Id": res[2]["id"], "Title": "Y"}]},
    )
    assert res[0]["errors"][0]["statusCode"] == "INVALID_FIELD_FOR_INSERT_UPDATE"


def test_bulk_ingest_rows_fail(sf, fls):
    result = sf.bulk2.Lead.insert(
        records=[
            {"LastName": "A", "Company": "C", "Phone": "1", "Title": ""},
            {"LastName": "B", "Company": "C", "Phone": "", "Title": "X"},
            {"LastName": "C", "Company": "C", "Phone": "", "Title": ""},  # empty = not set
        ],
        wait=0,
    )
    assert (result[0]["numberRecordsProcessed"], result[0]["numberRecordsFailed"]) == (3, 2)
    failed = sf.bulk2.Lead.get_failed_records(result[0]["job_id"])
    rows = failed.strip().splitlines()[1:]
    assert len(rows) == 2
    assert all("INVALID_FIELD_FOR_INSERT_UPDATE" in row for row in rows)
