"""Campaigns and campaign members publish change events (a rep adding a Lead to a campaign,
changing a member's status); member statuses do not (Salesforce has no such events)."""

from __future__ import annotations

from pubsub_api import pb2


def test_campaign_and_member_events(pubsub, sf, emulator_control):
    emulator_control.create_user("rep@acme.test", "pw")
    lead = emulator_control.load_records("Lead", [{"LastName": "L", "Company": "C"}])[0]
    campaign = sf.Campaign.create({"Name": "Events"})["id"]
    (added,) = emulator_control.add_campaign_members(
        [{"campaign_id": campaign, "lead_id": lead}], as_user="rep@acme.test"
    )
    emulator_control.update_records(
        "CampaignMember", [{"Id": added["id"], "Status": "Responded"}], as_user="rep@acme.test"
    )
    events = pubsub.subscribe("/data/ChangeEvents", preset=pb2.EARLIEST).drain()
    decoded = [pubsub.decode(e) for e in events]
    kinds = [
        (d["ChangeEventHeader"]["entityName"], d["ChangeEventHeader"]["changeType"])
        for d in decoded
    ]
    assert ("Campaign", "CREATE") in kinds
    members = [d for d in decoded if d["ChangeEventHeader"]["entityName"] == "CampaignMember"]
    assert [d["ChangeEventHeader"]["changeType"] for d in members] == ["CREATE", "UPDATE"]
    assert members[1]["Status"] == "Responded"
    assert members[1]["ChangeEventHeader"]["recordIds"] == [added["id"]]
    assert "CampaignMemberStatus" not in {k for k, _ in kinds}
