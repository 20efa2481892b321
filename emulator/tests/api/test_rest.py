"""REST sObject endpoints through simple-salesforce: CRUD, validation, upsert, recycle bin,
describe, limits, updated/deleted."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from simple_salesforce.exceptions import (
    SalesforceMalformedRequest,
    SalesforceResourceNotFound,
)

DATETIME_RE = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}\+0000$"


def _error(exc: pytest.ExceptionInfo) -> dict:
    return exc.value.content[0]


def test_create_read_update_delete(sf, emulator_control):
    created = sf.Lead.create(
        {"FirstName": "Ada", "LastName": "Lovelace", "Company": "Acme", "Email": "ada@example.com"}
    )
    assert created["success"] is True and created["errors"] == []
    lead_id = created["id"]
    assert len(lead_id) == 18 and lead_id.startswith("00Q")
    lead = sf.Lead.get(lead_id)
    assert lead["attributes"] == {
        "type": "Lead",
        "url": f"/services/data/v59.0/sobjects/Lead/{lead_id}",
    }
    assert lead["Name"] == "Ada Lovelace"
    assert lead["Status"] == "Open - Not Contacted"
    assert lead["IsConverted"] is False and lead["IsDeleted"] is False
    assert lead["OwnerId"].startswith("005")
    assert re.match(DATETIME_RE, lead["CreatedDate"])
    assert sf.Lead.update(lead_id, {"Title": "Countess"}) == 204
    updated = sf.Lead.get(lead_id)
    assert updated["Title"] == "Countess"
    assert updated["SystemModstamp"] >= lead["SystemModstamp"]
    assert sf.Lead.delete(lead_id) == 204
    with pytest.raises(SalesforceResourceNotFound) as exc:
        sf.Lead.get(lead_id)
    assert _error(exc)["errorCode"] == "ENTITY_IS_DELETED"
    row = emulator_control.records("Lead")[0]
    assert row["IsDeleted"] is True


def test_ids_for_every_object_have_their_key_prefix(sf):
    acct = sf.Account.create({"Name": "Acme", "Tier__c": "Gold"})["id"]
    contact = sf.Contact.create({"LastName": "C", "AccountId": acct})["id"]
    opp = sf.Opportunity.create(
        {"Name": "Deal", "StageName": "Prospecting", "CloseDate": "2025-01-31", "AccountId": acct}
    )["id"]
    ocr = sf.OpportunityContactRole.create(
        {"OpportunityId": opp, "ContactId": contact, "Role": "Decision Maker", "IsPrimary": True}
    )["id"]
    task = sf.Task.create(
        {
            "WhoId": contact,
            "WhatId": opp,
            "Subject": "Call",
            "TaskSubtype": "Call",
            "ActivityDate": "2025-01-02",
        }
    )["id"]
    intel = sf.HubSpot_Intelligence__c.create(
        {
            "Name": "Visit",
            "Contact__c": contact,
            "Activity_Type__c": "Page View",
            "Activity_Date__c": "2025-01-01T10:00:00Z",
        }
    )["id"]
    prefixes = [i[:3] for i in (acct, contact, opp, ocr, task, intel)]
    assert prefixes == ["001", "003", "006", "00K", "00T", "a0H"]
    assert sf.HubSpot_Intelligence__c.get(intel)["Activity_Date__c"] == (
        "2025-01-01T10:00:00.000+0000"
    )


def test_get_unknown_id_is_404(sf):
    with pytest.raises(SalesforceResourceNotFound):
        sf.Contact.get("003Hs0000004C91IAE")


@pytest.mark.parametrize(
    "data, code, field",
    [
        ({"FirstName": "No"}, "REQUIRED_FIELD_MISSING", "LastName"),
        ({"LastName": "X", "Email": "not-an-email"}, "INVALID_EMAIL_ADDRESS", "Email"),
        ({"LastName": "X" * 81}, "STRING_TOO_LONG", "LastName"),
        ({"LastName": "X", "FirstName": "Y" * 41}, "STRING_TOO_LONG", "FirstName"),
        ({"LastName": "X", "Title": "T" * 129}, "STRING_TOO_LONG", "Title"),
        ({"LastName": "X", "Bogus__c": 1}, "INVALID_FIELD", "Bogus__c"),
        ({"LastName": "X", "Name": "Full"}, "INVALID_FIELD_FOR_INSERT_UPDATE", "Name"),
        ({"LastName": "X", "AccountId": "nope"}, "MALFORMED_ID", "AccountId"),
        (
            {"LastName": "X", "AccountId": "001Hs0000004C91IAE"},
            "INVALID_CROSS_REFERENCE_KEY",
            "AccountId",
        ),
        ({"LastName": "X", "MailingCountryCode": "US"}, "INVALID_FIELD", "MailingCountryCode"),
    ],
)
def test_contact_validation_errors(sf, data, code, field):
    with pytest.raises(SalesforceMalformedRequest) as exc:
        sf.Contact.create(data)
    assert exc.value.status == 400
    err = _error(exc)
    assert err["errorCode"] == code
    assert field in err["fields"]
    assert set(err) == {"message", "errorCode", "fields"}


def test_lead_requires_company_and_last_name(sf):
    with pytest.raises(SalesforceMalformedRequest) as exc:
        sf.Lead.create({"FirstName": "A"})
    err = _error(exc)
    assert err["errorCode"] == "REQUIRED_FIELD_MISSING"
    assert set(err["fields"]) == {"LastName", "Company"}


def test_update_cannot_blank_a_required_field(sf):
    cid = sf.Contact.create({"LastName": "X"})["id"]
    with pytest.raises(SalesforceMalformedRequest) as exc:
        sf.Contact.update(cid, {"LastName": None})
    assert _error(exc)["errorCode"] == "REQUIRED_FIELD_MISSING"


def test_opportunity_stage_derives_closed_and_won(sf):
    oid = sf.Opportunity.create(
        {"Name": "D", "StageName": "Closed Won", "CloseDate": "2025-02-01", "Amount": 1000}
    )["id"]
    opp = sf.Opportunity.get(oid)
    assert (opp["IsClosed"], opp["IsWon"], opp["Amount"]) == (True, True, 1000.0)
    sf.Opportunity.update(oid, {"StageName": "Closed Lost"})
    opp = sf.Opportunity.get(oid)
    assert (opp["IsClosed"], opp["IsWon"]) == (True, False)
    with pytest.raises(SalesforceMalformedRequest) as exc:
        sf.Opportunity.update(oid, {"StageName": "Daydreaming"})
    assert _error(exc)["errorCode"] == "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST"
    with pytest.raises(SalesforceMalformedRequest) as exc:
        sf.Opportunity.update(oid, {"IsWon": False})
    assert _error(exc)["errorCode"] == "INVALID_FIELD_FOR_INSERT_UPDATE"


def test_task_subtype_is_restricted(sf):
    with pytest.raises(SalesforceMalformedRequest) as exc:
        sf.Task.create({"Subject": "x", "TaskSubtype": "Fax"})
    assert _error(exc)["errorCode"] == "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST"


class TestStateCountryPicklists:
    def test_codes_are_validated_and_text_is_mapped(self, sf, emulator_control):
        emulator_control.configure_org(state_country_picklists=True)
        cid = sf.Contact.create(
            {"LastName": "X", "MailingCountryCode": "US", "MailingStateCode": "CA"}
        )["id"]
        c = sf.Contact.get(cid)
        assert (c["MailingCountry"], c["MailingState"]) == ("United States", "California")
        lid = sf.Lead.create(
            {"LastName": "L", "Company": "C", "Country": "Germany", "State": "Bavaria"}
        )["id"]
        lead = sf.Lead.get(lid)
        assert (lead["CountryCode"], lead["StateCode"]) == ("DE", "BY")
        aid = sf.Account.create(
            {"Name": "A", "BillingCountry": "Australia", "BillingState": "NSW"}
        )["id"]
        assert sf.Account.get(aid)["BillingStateCode"] == "NSW"

    @pytest.mark.parametrize(
        "data, code",
        [
            ({"MailingCountryCode": "XX"}, "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST"),
            (
                {"MailingCountryCode": "US", "MailingStateCode": "ZZ"},
                "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
            ),
            ({"MailingStateCode": "CA"}, "FIELD_INTEGRITY_EXCEPTION"),
            ({"MailingCountry": "Atlantis"}, "FIELD_INTEGRITY_EXCEPTION"),
            ({"MailingCountryCode": "CA", "MailingState": "Texas"}, "FIELD_INTEGRITY_EXCEPTION"),
        ],
    )
    def test_bad_values(self, sf, emulator_control, data, code):
        emulator_control.configure_org(state_country_picklists=True)
        with pytest.raises(SalesforceMalformedRequest) as exc:
            sf.Contact.create({"LastName": "X", **data})
        assert _error(exc)["errorCode"] == code

    def test_state_needs_country_on_update_uses_existing_country(self, sf, emulator_control):
        emulator_control.configure_org(state_country_picklists=True)
        cid = sf.Contact.create({"LastName": "X", "MailingCountryCode": "CA"})["id"]
        sf.Contact.update(cid, {"MailingStateCode": "ON"})
        assert sf.Contact.get(cid)["MailingState"] == "Ontario"

    def test_describe_follows_the_org_setting(self, sf, emulator_control):
        names = {f["name"] for f in sf.Contact.describe()["fields"]}
        assert "MailingCountryCode" not in names
        emulator_control.configure_org(state_country_picklists=True)
        fields = {f["name"]: f for f in sf.Contact.describe()["fields"]}
        code = fields["MailingCountryCode"]
        assert code["type"] == "picklist" and code["restrictedPicklist"] is True
        assert {"US", "DE", "CA", "AU", "FR"} <= {v["value"] for v in code["picklistValues"]}


class TestUpsert:
    def test_upsert_is_idempotent_by_hubsync_id(self, sf, emulator_control):
        assert sf.Contact.upsert("HubSync_Id__c/hs-1", {"LastName": "One"}) == 201
        assert sf.Contact.upsert("HubSync_Id__c/hs-1", {"LastName": "Uno"}) == 200
        rows = emulator_control.records("Contact")
        assert len(rows) == 1 and rows[0]["LastName"] == "Uno"
        assert rows[0]["HubSync_Id__c"] == "hs-1"

    def test_upsert_response_body(self, sf):
        resp = sf.Lead.upsert(
            "HubSync_Id__c/abc", {"LastName": "L", "Company": "C"}, raw_response=True
        )
        assert resp.status_code == 201
        body = resp.json()
        assert body["created"] is True and body["success"] is True
        resp = sf.Lead.upsert("HubSync_Id__c/abc", {"Title": "T"}, raw_response=True)
        assert resp.status_code == 200 and resp.json()["id"] == body["id"]

    def test_external_id_is_unique_and_case_insensitive(self, sf):
        sf.Contact.create({"LastName": "A", "HubSync_Id__c": "ABC"})
        with pytest.raises(SalesforceMalformedRequest) as exc:
            sf.Contact.create({"LastName": "B", "HubSync_Id__c": "abc"})
        assert _error(exc)["errorCode"] == "DUPLICATE_VALUE"

    def test_deleted_record_frees_external_id(self, sf):
        cid = sf.Contact.create({"LastName": "A", "HubSync_Id__c": "x1"})["id"]
        sf.Contact.delete(cid)
        assert sf.Contact.upsert("HubSync_Id__c/x1", {"LastName": "B"}) == 201

    def test_get_by_external_id(self, sf):
        cid = sf.Contact.create({"LastName": "A", "HubSync_Id__c": "ext-9"})["id"]
        assert sf.Contact.get_by_custom_id("HubSync_Id__c", "ext-9")["Id"] == cid
        with pytest.raises(SalesforceResourceNotFound):
            sf.Contact.get_by_custom_id("HubSync_Id__c", "missing")

    def test_upsert_on_unknown_field_is_404(self, sf):
        with pytest.raises(SalesforceResourceNotFound):
            sf.Contact.upsert("Nope__c/1", {"LastName": "A"})

    def test_describe_marks_hubsync_id_as_unique_external_id(self, sf):
        for obj in (sf.Contact, sf.Lead):
            f = {f["name"]: f for f in obj.describe()["fields"]}["HubSync_Id__c"]
            assert f["externalId"] is True and f["unique"] is True and f["type"] == "string"


def test_recycle_bin_query_vs_query_all(sf):
    keep = sf.Contact.create({"LastName": "Keep"})["id"]
    gone = sf.Contact.create({"LastName": "Gone"})["id"]
    sf.Contact.delete(gone)
    assert [r["Id"] for r in sf.query("SELECT Id FROM Contact")["records"]] == [keep]
    everything = sf.query_all(
        "SELECT Id, IsDeleted FROM Contact ORDER BY LastName", include_deleted=True
    )["records"]
    assert [(r["Id"], r["IsDeleted"]) for r in everything] == [(gone, True), (keep, False)]
    with pytest.raises(SalesforceResourceNotFound) as exc:
        sf.Contact.delete(gone)
    assert _error(exc)["errorCode"] == "ENTITY_IS_DELETED"


def test_delete_cascades_to_children(sf, emulator_control):
    acct = sf.Account.create({"Name": "Parent"})["id"]
    sf.Contact.create({"LastName": "Child", "AccountId": acct})
    sf.Account.delete(acct)
    assert all(r["IsDeleted"] for r in emulator_control.records("Contact"))


def test_describe_object_and_global(sf):
    d = sf.Lead.describe()
    assert d["name"] == "Lead" and d["keyPrefix"] == "00Q"
    fields = {f["name"]: f for f in d["fields"]}
    assert fields["Email"]["type"] == "email" and fields["Email"]["length"] == 80
    assert fields["Company"]["nillable"] is False
    assert fields["FirstName"]["length"] == 40 and fields["LastName"]["length"] == 80
    assert fields["Id"]["type"] == "id"
    for system in ("IsDeleted", "CreatedDate", "LastModifiedDate", "SystemModstamp", "OwnerId"):
        assert system in fields
    account = {f["name"]: f for f in sf.Account.describe()["fields"]}
    assert account["Tier__c"]["custom"] is True
    opp = {f["name"]: f for f in sf.Opportunity.describe()["fields"]}
    assert "Negotiation/Review" in [v["value"] for v in opp["StageName"]["picklistValues"]]
    names = {o["name"] for o in sf.describe()["sobjects"]}
    assert {
        "Lead",
        "Contact",
        "Account",
        "Opportunity",
        "OpportunityContactRole",
        "Task",
        "User",
        "HubSpot_Intelligence__c",
    } <= names
    assert sf.Contact.metadata()["objectDescribe"]["keyPrefix"] == "003"


def test_unknown_object_is_404(sf):
    with pytest.raises(SalesforceResourceNotFound):
        sf.Nope__c.describe()


def test_limits_and_limit_info_header(sf, emulator_control):
    emulator_control.configure_org(api_limit=500, api_used=10)
    limits = sf.limits()
    assert limits["DailyApiRequests"] == {"Max": 500, "Remaining": 489}
    assert sf.api_usage["api-usage"].used == 11
    assert sf.api_usage["api-usage"].total == 500
    resp = sf.Contact.create({"LastName": "H"})
    assert resp["success"]
    raw = sf.session.get(sf.base_url + "limits/", headers=sf.headers)
    assert raw.headers["Sforce-Limit-Info"] == "api-usage=13/500"


def test_updated_and_deleted_endpoints(sf):
    start = datetime.now(UTC) - timedelta(minutes=5)
    a = sf.Contact.create({"LastName": "A"})["id"]
    b = sf.Contact.create({"LastName": "B"})["id"]
    sf.Contact.delete(b)
    end = datetime.now(UTC) + timedelta(minutes=1)
    updated = sf.Contact.updated(start, end)
    assert updated["ids"] == [a]
    assert updated["latestDateCovered"].endswith("+0000")
    deleted = sf.Contact.deleted(start, end)
    assert [d["id"] for d in deleted["deletedRecords"]] == [b]
    assert deleted["deletedRecords"][0]["deletedDate"].endswith("+0000")
    assert "earliestDateAvailable" in deleted


def test_updated_window_limits(sf):
    now = datetime.now(UTC)
    with pytest.raises(SalesforceMalformedRequest) as exc:
        sf.Contact.updated(now - timedelta(days=31), now)
    assert _error(exc)["errorCode"] == "INVALID_REPLICATION_DATE"
    with pytest.raises(SalesforceMalformedRequest):
        sf.Contact.deleted(now - timedelta(days=16), now)
    with pytest.raises(SalesforceMalformedRequest):
        sf.Contact.updated(now.replace(tzinfo=None), now.replace(tzinfo=None))  # naive


def test_bad_json_body(sf):
    with pytest.raises(SalesforceMalformedRequest) as exc:
        sf.restful("sobjects/Contact/", method="POST", data="{not json")
    assert _error(exc)["errorCode"] == "JSON_PARSER_ERROR"
