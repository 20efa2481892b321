"""Lead conversion (control API) and what a converted Lead looks like to every API."""

from __future__ import annotations

import csv
import io
import time

import pytest
from simple_salesforce.exceptions import SalesforceMalformedRequest

LEAD = {
    "FirstName": "Ada",
    "LastName": "Lovelace",
    "Company": "Analytical Engines",
    "Email": "ada@example.com",
    "Phone": "+1 555 0100",
    "Title": "CTO",
    "Street": "1 Main St",
    "City": "Boston",
    "State": "MA",
    "PostalCode": "02101",
    "Country": "United States",
    "Website": "https://engines.example",
    "HubSync_Id__c": "hs-1",
}


@pytest.fixture
def lead_id(emulator_control):
    return emulator_control.load_records("Lead", [LEAD])[0]


def test_conversion_creates_account_and_contact(sf, emulator_control, lead_id):
    before = sf.Lead.get(lead_id)
    time.sleep(0.01)
    out = emulator_control.convert_lead(lead_id)
    assert out["lead_id"] == lead_id and out["opportunity_id"] is None
    account = sf.Account.get(out["account_id"])
    assert account["Name"] == "Analytical Engines"
    assert account["BillingCity"] == "Boston" and account["Website"] == "https://engines.example"
    contact = sf.Contact.get(out["contact_id"])
    expected = {
        "FirstName": "Ada",
        "LastName": "Lovelace",
        "Email": "ada@example.com",
        "Phone": "+1 555 0100",
        "Title": "CTO",
        "MailingStreet": "1 Main St",
        "MailingCity": "Boston",
        "MailingState": "MA",
        "MailingPostalCode": "02101",
        "MailingCountry": "United States",
        "AccountId": out["account_id"],
        "HubSync_Id__c": "hs-1",
    }
    assert {k: contact[k] for k in expected} == expected
    lead = sf.query(
        "SELECT IsConverted, ConvertedContactId, ConvertedAccountId, ConvertedOpportunityId, "
        f"ConvertedDate, Status, SystemModstamp FROM Lead WHERE Id = '{lead_id}'"
    )["records"][0]
    assert lead["IsConverted"] is True
    assert lead["ConvertedContactId"] == out["contact_id"]
    assert lead["ConvertedAccountId"] == out["account_id"]
    assert lead["ConvertedOpportunityId"] is None
    assert lead["ConvertedDate"] == lead["SystemModstamp"][:10]
    assert lead["Status"] == "Closed - Converted"
    assert lead["SystemModstamp"] > before["SystemModstamp"]
    assert sf.Lead.get(lead_id)["LastModifiedDate"] > before["LastModifiedDate"]


def test_conversion_with_opportunity_and_status(sf, emulator_control, lead_id):
    out = emulator_control.convert_lead(
        lead_id, create_opportunity=True, converted_status="Closed - Not Converted"
    )
    opp = sf.Opportunity.get(out["opportunity_id"])
    assert opp["AccountId"] == out["account_id"] and opp["Name"] == "Analytical Engines-"
    lead = sf.Lead.get(lead_id)
    assert lead["ConvertedOpportunityId"] == out["opportunity_id"]
    assert lead["Status"] == "Closed - Not Converted"


def test_conversion_into_existing_account_and_contact(sf, emulator_control, lead_id):
    account_id = emulator_control.load_records("Account", [{"Name": "Existing"}])[0]
    contact_id = emulator_control.load_records(
        "Contact", [{"LastName": "Known", "Email": "known@example.com", "AccountId": account_id}]
    )[0]
    out = emulator_control.convert_lead(lead_id, account_id=account_id, contact_id=contact_id)
    assert (out["account_id"], out["contact_id"]) == (account_id, contact_id)
    contact = sf.Contact.get(contact_id)
    # Only the contact's empty fields are filled from the lead.
    assert contact["LastName"] == "Known" and contact["Email"] == "known@example.com"
    assert contact["Title"] == "CTO" and contact["HubSync_Id__c"] == "hs-1"
    assert sf.query("SELECT COUNT() FROM Account")["totalSize"] == 1
    assert sf.query("SELECT COUNT() FROM Contact")["totalSize"] == 1


def test_lead_tasks_move_to_the_contact(sf, emulator_control, lead_id):
    task_id = emulator_control.load_records("Task", [{"Subject": "Call", "WhoId": lead_id}])[0]
    out = emulator_control.convert_lead(lead_id)
    assert sf.Task.get(task_id)["WhoId"] == out["contact_id"]


def test_bad_conversions_are_400(emulator_control, lead_id):
    emulator_control.convert_lead(lead_id)
    with pytest.raises(RuntimeError, match="400.*already converted"):
        emulator_control.convert_lead(lead_id)
    with pytest.raises(RuntimeError, match="400"):
        emulator_control.convert_lead("00QHs0000000999AAA")
    other = emulator_control.load_records("Lead", [{"LastName": "B", "Company": "C"}])[0]
    with pytest.raises(RuntimeError, match="400"):
        emulator_control.convert_lead(other, converted_status="Nope")


def _converted_error(errors):
    assert errors[0]["statusCode" if "statusCode" in errors[0] else "errorCode"] == (
        "CANNOT_UPDATE_CONVERTED_LEAD"
    )
    assert errors[0]["message"] == "cannot reference converted lead"


def test_every_write_to_a_converted_lead_fails(sf, emulator_control, lead_id):
    emulator_control.convert_lead(lead_id)
    with pytest.raises(SalesforceMalformedRequest) as exc:
        sf.Lead.update(lead_id, {"Title": "CEO"})
    _converted_error(exc.value.content)
    with pytest.raises(SalesforceMalformedRequest) as exc:
        sf.Lead.upsert("HubSync_Id__c/hs-1", {"Title": "CEO"})
    _converted_error(exc.value.content)
    res = sf.restful(
        "composite/sobjects",
        method="PATCH",
        json={"records": [{"attributes": {"type": "Lead"}, "Id": lead_id, "Title": "CEO"}]},
    )
    _converted_error(res[0]["errors"])
    res = sf.restful(
        "composite/sobjects/Lead/HubSync_Id__c",
        method="PATCH",
        json={"records": [{"attributes": {"type": "Lead"}, "HubSync_Id__c": "hs-1"}]},
    )
    _converted_error(res[0]["errors"])
    job = sf.bulk2.Lead.update(records=[{"Id": lead_id, "Title": "CEO"}], wait=0)
    assert job[0]["numberRecordsFailed"] == 1
    failed = list(csv.DictReader(io.StringIO(sf.bulk2.Lead.get_failed_records(job[0]["job_id"]))))
    assert failed[0]["sf__Error"].startswith("CANNOT_UPDATE_CONVERTED_LEAD:")
    # Still readable, still converted, unchanged.
    rows = sf.query(f"SELECT Title, IsConverted FROM Lead WHERE Id = '{lead_id}'")["records"]
    assert rows[0]["Title"] == "CTO" and rows[0]["IsConverted"] is True
