"""Owners (users active and inactive, queues) and campaigns (Campaign, CampaignMember,
CampaignMemberStatus) in the emulator: describe, SOQL, REST / Collections / Bulk 2.0 writes,
their rules, cascades and conversion, the control API."""

from __future__ import annotations

import csv
import io

import pytest
from simple_salesforce.exceptions import SalesforceMalformedRequest


@pytest.fixture
def org(emulator_control):
    rep = emulator_control.create_user(
        "rep@acme.test", first_name="Rita", last_name="Rep", email="rita@acme.test"
    )
    gone = emulator_control.create_user("gone@acme.test", last_name="Gone", active=False)
    queue = emulator_control.create_queue("Inbound Leads")
    lead = emulator_control.load_records("Lead", [{"LastName": "L", "Company": "C"}])[0]
    contact = emulator_control.load_records("Contact", [{"LastName": "K"}])[0]
    return {"rep": rep["id"], "gone": gone["id"], "queue": queue, "lead": lead, "contact": contact}


def test_users_and_queues_are_queryable(sf, org):
    users = sf.query("SELECT Id, Name, Email, IsActive FROM User ORDER BY Name")["records"]
    by_id = {u["Id"]: u for u in users}
    assert by_id[org["rep"]]["Name"] == "Rita Rep" and by_id[org["rep"]]["IsActive"] is True
    assert by_id[org["rep"]]["Email"] == "rita@acme.test"
    assert by_id[org["gone"]]["IsActive"] is False
    queues = sf.query("SELECT Id, Name, Type FROM Group WHERE Type = 'Queue'")["records"]
    assert [(q["Id"], q["Name"]) for q in queues] == [(org["queue"], "Inbound Leads")]
    owner = sf.Lead.describe()["fields"]
    assert next(f for f in owner if f["name"] == "OwnerId")["referenceTo"] == ["Group", "User"]


def test_a_queue_owns_leads_not_contacts(sf, org):
    sf.Lead.update(org["lead"], {"OwnerId": org["queue"]})
    row = sf.query(f"SELECT OwnerId FROM Lead WHERE Id = '{org['lead']}'")["records"][0]
    assert row["OwnerId"] == org["queue"]
    rep = sf.query(f"SELECT Owner.Name FROM Lead WHERE OwnerId = '{org['rep']}'")["records"]
    assert rep == []
    with pytest.raises(SalesforceMalformedRequest) as refused:
        sf.Contact.update(org["contact"], {"OwnerId": org["queue"]})
    assert refused.value.content[0]["errorCode"] == "FIELD_INTEGRITY_EXCEPTION"


def test_inactive_owner_refused_on_every_write_path(sf, org):
    with pytest.raises(SalesforceMalformedRequest) as refused:
        sf.Lead.create({"LastName": "X", "Company": "C", "OwnerId": org["gone"]})
    error = refused.value.content[0]
    assert error["errorCode"] == "INACTIVE_OWNER_OR_USER" and org["gone"] in error["message"]
    records = [
        {"attributes": {"type": "Contact"}, "Id": org["contact"], "OwnerId": org["gone"]},
    ]
    (result,) = sf.restful("composite/sobjects", method="PATCH", json={"records": records})
    assert result["errors"][0]["statusCode"] == "INACTIVE_OWNER_OR_USER"
    bulk = sf.bulk2.Contact.insert(
        records=[
            {"LastName": "B", "OwnerId": org["gone"]},
            {"LastName": "A", "OwnerId": org["rep"]},
        ],
        wait=0,
    )
    failed = list(
        csv.DictReader(io.StringIO(sf.bulk2.Contact.get_failed_records(bulk[0]["job_id"])))
    )
    assert [f["sf__Error"].split(":")[0] for f in failed] == ["INACTIVE_OWNER_OR_USER"]
    # Active owners are fine.
    assert sf.Lead.create({"LastName": "Y", "Company": "C", "OwnerId": org["rep"]})["success"]


def test_campaign_statuses_members_and_rules(sf, emulator_control, org):
    campaign = sf.Campaign.create({"Name": "Webinar", "Type": "Webinar", "IsActive": True})["id"]
    statuses = sf.query(
        "SELECT Label, HasResponded, IsDefault FROM CampaignMemberStatus "
        f"WHERE CampaignId = '{campaign}' ORDER BY SortOrder"
    )["records"]
    assert [(s["Label"], s["HasResponded"], s["IsDefault"]) for s in statuses] == [
        ("Sent", False, True),
        ("Responded", True, False),
    ]
    member = sf.CampaignMember.create({"CampaignId": campaign, "LeadId": org["lead"]})["id"]
    row = sf.CampaignMember.get(member)
    assert (row["Status"], row["HasResponded"], row["Type"]) == ("Sent", False, "Lead")
    with pytest.raises(SalesforceMalformedRequest) as again:
        sf.CampaignMember.create({"CampaignId": campaign, "LeadId": org["lead"]})
    assert again.value.content[0]["errorCode"] == "DUPLICATE_VALUE"
    with pytest.raises(SalesforceMalformedRequest) as bad:
        sf.CampaignMember.create(
            {"CampaignId": campaign, "ContactId": org["contact"], "Status": "Attended"}
        )
    assert bad.value.content[0]["errorCode"] == "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST"
    sf.CampaignMember.update(member, {"Status": "Responded"})
    row = sf.CampaignMember.get(member)
    assert row["HasResponded"] is True and row["FirstRespondedDate"]
    # One request with the same contact twice: one member, one DUPLICATE_VALUE.
    records = [
        {
            "attributes": {"type": "CampaignMember"},
            "CampaignId": campaign,
            "ContactId": org["contact"],
        }
    ] * 2
    results = sf.restful("composite/sobjects", method="POST", json={"records": records})
    assert [r["success"] for r in results] == [True, False]
    counted = sf.query(
        f"SELECT COUNT() FROM CampaignMember WHERE CampaignId = '{campaign}' "
        "AND HasResponded = true"
    )
    assert counted["totalSize"] == 1


def test_control_api_campaigns_with_own_statuses_and_bulk_query(sf, emulator_control, org):
    campaign = emulator_control.create_campaign(
        "Expo",
        type="Conference",
        statuses=[
            {"label": "Invited", "is_default": True},
            {"label": "Attended", "has_responded": True},
        ],
    )
    results = emulator_control.add_campaign_members(
        [
            {"campaign_id": campaign, "lead_id": org["lead"], "status": "Attended"},
            {"campaign_id": campaign, "contact_id": org["contact"], "status": "Sent"},
        ]
    )
    assert results[0]["success"] and not results[1]["success"]
    assert results[1]["errors"][0]["statusCode"] == "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST"
    pages = list(
        sf.bulk2.CampaignMember.query(
            "SELECT LeadId, Status, HasResponded FROM CampaignMember "
            f"WHERE CampaignId = '{campaign}'",
            wait=0,
        )
    )
    rows = list(csv.DictReader(io.StringIO(pages[0])))
    assert rows == [{"LeadId": org["lead"], "Status": "Attended", "HasResponded": "true"}]
    names = {o["name"] for o in sf.describe()["sobjects"]}
    assert {"Campaign", "CampaignMember", "CampaignMemberStatus", "Group", "User"} <= names


def test_members_go_with_their_campaign_or_person_and_convert_with_the_lead(
    sf, emulator_control, org
):
    first = emulator_control.create_campaign("First")
    second = emulator_control.create_campaign("Second")
    emulator_control.add_campaign_members(
        [
            {"campaign_id": first, "lead_id": org["lead"]},
            {"campaign_id": second, "contact_id": org["contact"]},
            {"campaign_id": first, "contact_id": org["contact"]},
        ]
    )
    converted = emulator_control.convert_lead(org["lead"])
    rows = sf.query(
        "SELECT CampaignId, LeadId, ContactId, Type FROM CampaignMember "
        f"WHERE LeadId = '{org['lead']}'"
    )["records"]
    assert [(r["ContactId"], r["Type"]) for r in rows] == [(converted["contact_id"], "Contact")]
    sf.Contact.delete(org["contact"])
    live = sf.query("SELECT CampaignId FROM CampaignMember")["records"]
    assert [r["CampaignId"] for r in live] == [first]
    sf.Campaign.delete(first)
    assert sf.query("SELECT COUNT() FROM CampaignMember")["totalSize"] == 0
    assert (
        sf.query(f"SELECT COUNT() FROM CampaignMemberStatus WHERE CampaignId = '{first}'")[
            "totalSize"
        ]
        == 0
    )
