"""The Field mappings page end to end in Chromium (issue 14): from the settings page, map a
property to a custom field of the org, save, and the next sync moves the value there."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from connector.services.setup_check import setup_check_run
from connector.sync.cycle import sync_cycle_run
from tests.factories import ContactFactory

from .helpers import open_settings

pytestmark = pytest.mark.browser


def test_map_a_property_to_a_custom_field_and_sync(
    page: Page, marketing_admin, salesforce, integration_settings, browser_problems
):
    salesforce.control.add_field("Lead", "Region__c", label="Region", length=255)
    setup_check_run(integration_settings=integration_settings)
    open_settings(page, marketing_admin)
    page.get_by_role("link", name="Field mappings").click()
    expect(page).to_have_url(re.compile(r"/field-mappings/$"))
    row = page.locator('tr.mapping-row[data-property="job_title"]')
    row.get_by_label("job_title: Lead field").select_option("Region__c")
    page.get_by_role("button", name="Save mappings").click()
    expect(page.get_by_role("status").first).to_contain_text("1 mapping saved.")
    expect(row.get_by_label("job_title: Lead field")).to_have_value("Region__c")

    ContactFactory(email="cfo@x.example", job_title="CFO")
    sync_cycle_run(trigger="test")
    [lead] = salesforce.control.records("Lead")
    assert lead["Region__c"] == "CFO"
    assert browser_problems == []
