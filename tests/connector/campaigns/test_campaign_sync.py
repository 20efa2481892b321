"""Issue 30, campaigns: Campaigns and CampaignMembers read (polling and change events), the
contact page and the admin, smart lists on membership, smart lists linked to campaigns
(members added in batches, idempotent, removed when leaving, failures as sync errors)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from connector.models import CampaignLink, SyncError
from connector.services.campaign_links import campaign_link_save
from marketing.models import Campaign, CampaignMember, Contact, SmartList
from marketing.selectors import smart_list_contacts
from tests.commands import salesforce_sync
from tests.connector.sync.test_per_field_merge import ChangeEvents, Polling, wait_for

pytestmark = pytest.mark.django_db(transaction=True)

REP = ("rep@acme.example", "rep-Password-1", "REPTOKEN")
STATUSES = [
    {"label": "Invited", "is_default": True},
    {"label": "Registered"},
    {"label": "Attended", "has_responded": True},
]


@pytest.fixture
def org(salesforce, settings):
    salesforce.control.create_user(*REP)
    salesforce.control.configure_org(pubsub_keepalive_s=0.5)
    settings.SALESFORCE_PUBSUB_URL = f"grpc://{salesforce.pubsub_address}"
    salesforce.rep = salesforce.salesforce(*REP)
    salesforce.webinar = salesforce.control.create_campaign(
        "Spring Webinar", type="Webinar", statuses=STATUSES
    )
    return salesforce


def linked(n: int) -> list[Contact]:
    contacts = [
        Contact.objects.create(email=f"c{i}@x.example", last_name=f"C{i}", company_name="Co")
        for i in range(n)
    ]
    salesforce_sync()
    return [Contact.objects.get(pk=c.pk) for c in contacts]


def members_in_salesforce(org, campaign_id: str) -> dict[str, str]:
    rows = org.rep.query_all(
        f"SELECT LeadId, ContactId, Status FROM CampaignMember WHERE CampaignId = '{campaign_id}'"
    )["records"]
    return {r["ContactId"] or r["LeadId"]: r["Status"] for r in rows}


@pytest.mark.parametrize("mode", ["polling", "change_events"])
@pytest.mark.slow
def test_campaigns_and_members_reach_hubsync(org, mode, admin_browser, staff, client):
    (ann,) = linked(1)
    campaign = Campaign.objects.get(salesforce_id=org.webinar)
    assert campaign.type == "Webinar" and campaign.status_labels == [
        "Invited",
        "Registered",
        "Attended",
    ]
    arrival = Polling(org) if mode == "polling" else ChangeEvents(org)
    try:
        (added,) = org.control.add_campaign_members(
            [{"campaign_id": org.webinar, "lead_id": ann.salesforce_id}], as_user=REP[0]
        )
        arrival.settle("a rep adds the Lead")
        member = wait_for(
            lambda: CampaignMember.objects.filter(contact=ann).first(), what="the membership"
        )
        assert member.status == "Invited" and not member.has_responded
        org.control.update_records(
            "CampaignMember", [{"Id": added["id"], "Status": "Attended"}], as_user=REP[0]
        )
        arrival.settle("a rep changes the status")
        wait_for(
            lambda: CampaignMember.objects.filter(contact=ann, has_responded=True).exists(),
            what="the new status",
        )
    finally:
        arrival.close()
    page = admin_browser.get(f"/integrations/salesforce/contacts/{ann.pk}/").content.decode()
    assert "Spring Webinar" in page and "Attended" in page
    client.force_login(staff)
    listing = client.get("/admin/marketing/campaign/").content.decode()
    assert "Spring Webinar" in listing
    assert client.get("/admin/marketing/campaign/add/").status_code == 403


def test_smart_lists_filter_on_membership_status_and_response(org):
    ann, bob, cy = linked(3)
    org.control.add_campaign_members(
        [
            {"campaign_id": org.webinar, "lead_id": ann.salesforce_id, "status": "Attended"},
            {"campaign_id": org.webinar, "lead_id": bob.salesforce_id, "status": "Registered"},
        ]
    )
    salesforce_sync()

    def members(value: dict, operator: str = "member_of") -> set[str]:
        smart_list = SmartList(
            name="x",
            criteria={
                "match": "all",
                "conditions": [{"property": "campaign", "operator": operator, "value": value}],
            },
        )
        smart_list.full_clean()
        return {c.email for c in smart_list_contacts(smart_list=smart_list)}

    assert members({"campaign": "Spring Webinar"}) == {ann.email, bob.email}
    assert members({"campaign": org.webinar, "status": "attended"}) == {ann.email}
    assert members({"campaign": "Spring Webinar", "responded": False}) == {bob.email}
    assert members({"campaign": "Spring Webinar"}, "not_member_of") == {cy.email}
    with pytest.raises(ValidationError):
        members({"campaign": "", "responded": "yes"})


@pytest.mark.slow
def test_a_linked_list_becomes_members_once_and_leavers_are_removed(org):
    contacts = linked(5)
    Contact.objects.filter(pk__in=[c.pk for c in contacts[:3]]).update(job_title="VIP")
    vips = SmartList.objects.create(
        name="VIPs",
        criteria={
            "match": "all",
            "conditions": [{"property": "job_title", "operator": "equals", "value": "VIP"}],
        },
    )
    # A rep already added one of them: a member is never added twice (nor an error).
    org.control.add_campaign_members(
        [{"campaign_id": org.webinar, "lead_id": contacts[0].salesforce_id, "status": "Attended"}]
    )
    salesforce_sync()
    campaign_link_save(
        smart_list=vips,
        campaign_id=org.webinar,
        member_status="Registered",
        remove_when_leaving=True,
        acting_user=None,
    )
    counts = salesforce_sync()
    assert counts["campaign_members_added"] == 2
    assert members_in_salesforce(org, org.webinar) == {
        contacts[0].salesforce_id: "Attended",
        contacts[1].salesforce_id: "Registered",
        contacts[2].salesforce_id: "Registered",
    }
    org.control.reset_stats()
    counts = salesforce_sync()  # nothing to do: no write
    assert "campaign_members_added" not in counts
    assert not [k for k in org.control.stats()["requests"] if "composite/sobjects" in k]
    Contact.objects.filter(pk=contacts[1].pk).update(job_title="")
    counts = salesforce_sync()
    assert counts["campaign_members_removed"] == 1
    assert set(members_in_salesforce(org, org.webinar)) == {
        contacts[0].salesforce_id,
        contacts[2].salesforce_id,
    }


@pytest.mark.slow
def test_a_status_the_campaign_lacks_is_refused(org, admin_browser):
    linked(1)
    vips = SmartList.objects.create(
        name="VIPs",
        criteria={"match": "all", "conditions": [{"property": "email", "operator": "is_known"}]},
    )
    with pytest.raises(ValidationError) as refused:
        campaign_link_save(
            smart_list=vips,
            campaign_id=org.webinar,
            member_status="Sent",
            remove_when_leaving=False,
            acting_user=None,
        )
    assert "Invited, Registered, Attended" in str(refused.value)
    page = admin_browser.post(
        "/integrations/salesforce/campaigns/",
        {"smart_list": vips.pk, "campaign_id": org.webinar, "member_status": "Sent"},
    )
    assert page.status_code == 200 and "has no member status" in page.content.decode()
    assert not CampaignLink.objects.exists()
    ok = admin_browser.post(
        "/integrations/salesforce/campaigns/",
        {"smart_list": vips.pk, "campaign_id": org.webinar, "member_status": "Invited"},
    )
    assert ok.status_code == 302 and CampaignLink.objects.count() == 1


@pytest.mark.slow
def test_refused_members_are_visible_sync_errors_and_the_rest_go_on(org):
    contacts = linked(3)
    everyone = SmartList.objects.create(
        name="Everyone",
        criteria={"match": "all", "conditions": [{"property": "email", "operator": "is_known"}]},
    )
    campaign_link_save(
        smart_list=everyone,
        campaign_id=org.webinar,
        member_status="Invited",
        remove_when_leaving=False,
        acting_user=None,
    )
    org.control.add_fault(
        r"/composite/sobjects$",
        method="POST",
        record_error_code="UNABLE_TO_LOCK_ROW",
        record_count=1,
    )
    counts = salesforce_sync()
    assert counts["campaign_members_added"] == 2 and counts["campaign_members_failed"] == 1
    error = SyncError.objects.get(object_type="CampaignMember", resolved_at__isnull=True)
    assert error.code == "UNABLE_TO_LOCK_ROW" and error.contact_id in {c.pk for c in contacts}
    SyncError.objects.filter(pk=error.pk).update(next_retry_at=None)
    counts = salesforce_sync()
    assert counts["campaign_members_added"] == 1
    assert len(members_in_salesforce(org, org.webinar)) == 3
    assert not SyncError.objects.filter(resolved_at__isnull=True).exists()


@pytest.mark.slow
def test_an_org_without_campaigns_is_asked_once_a_day_or_on_request(salesforce, admin_browser):
    """No campaign anywhere: later cycles do not ask again within the day; a campaign made
    meanwhile is read when the page asks (or a change event says so, or a day passed)."""
    salesforce_sync()  # the first cycle asks: nothing
    campaign = salesforce.control.create_campaign("Late Campaign")
    salesforce_sync()
    assert not Campaign.objects.exists()  # not asked again within the day
    response = admin_browser.post("/integrations/salesforce/campaigns/", {"read_campaigns": "1"})
    assert response.status_code == 302
    salesforce_sync()
    assert Campaign.objects.get().salesforce_id == campaign
