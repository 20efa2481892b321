"""Linking a smart list to a Salesforce campaign in Chromium (issue 30): from the settings
page to *Campaigns*, a status the campaign lacks refused, the link saved, and after the next
sync the list's contacts are members of the campaign in Salesforce."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from connector.sync.cycle import sync_cycle_run
from marketing.models import SmartList
from tests.factories import ContactFactory

from .helpers import open_settings

pytestmark = pytest.mark.browser


def test_link_a_smart_list_to_a_campaign_and_see_the_members(
    page: Page, marketing_admin, salesforce, integration_settings, browser_problems
):
    campaign = salesforce.control.create_campaign(
        "Spring Webinar",
        type="Webinar",
        statuses=[{"label": "Invited", "is_default": True}, {"label": "Attended"}],
    )
    for i in range(3):
        ContactFactory(email=f"vip{i}@x.example", job_title="VIP")
    ContactFactory(email="other@x.example", job_title="Intern")
    SmartList.objects.create(
        name="VIPs",
        criteria={
            "match": "all",
            "conditions": [{"property": "job_title", "operator": "equals", "value": "VIP"}],
        },
    )
    assert sync_cycle_run(trigger="test").status == "succeeded"  # contacts out, campaign in

    open_settings(page, marketing_admin)
    page.get_by_role("link", name="Campaigns").click()
    expect(page).to_have_url(re.compile(r"/campaigns/$"))
    expect(page.locator("#campaigns-table")).to_contain_text("Spring Webinar")
    page.get_by_label("Smart list").select_option(label="VIPs")
    page.get_by_label("Campaign", exact=True).select_option(label="Spring Webinar")
    page.get_by_label("Member status").fill("Sent")
    page.get_by_role("button", name="Link", exact=True).click()
    expect(page.locator("#campaign-link-form")).to_contain_text("has no member status “Sent”")
    page.get_by_label("Member status").fill("Invited")
    page.get_by_label("Remove contacts that leave").check()
    page.get_by_role("button", name="Link", exact=True).click()
    expect(page.locator("#campaign-links")).to_contain_text("VIPs")

    assert sync_cycle_run(trigger="test").status == "succeeded"
    members = [
        m
        for m in salesforce.control.records("CampaignMember", include_deleted=False)
        if m["CampaignId"] == campaign
    ]
    leads = {lead["Id"]: lead["Email"] for lead in salesforce.control.records("Lead")}
    assert sorted(leads[m["LeadId"]] for m in members) == [
        "vip0@x.example",
        "vip1@x.example",
        "vip2@x.example",
    ]
    assert {m["Status"] for m in members} == {"Invited"}
    page.reload()
    expect(page.locator("#campaign-links")).to_contain_text("3")
    assert browser_problems == []
