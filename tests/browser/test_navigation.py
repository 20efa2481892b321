"""Account menu → Integrations → Salesforce → Settings, with Bootstrap's JavaScript working."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from .helpers import account_menu, log_in

pytestmark = pytest.mark.browser


def test_account_menu_leads_to_the_salesforce_settings(
    page: Page, marketing_admin, salesforce, browser_problems
):
    log_in(page, marketing_admin)

    # Bootstrap's bundle loaded (it is a static file) and runs the dropdown.
    assert page.evaluate("typeof window.bootstrap?.Dropdown") == "function"
    menu = account_menu(page, marketing_admin)
    integrations = page.get_by_role("link", name="Integrations", exact=True)
    expect(integrations).to_be_hidden()
    menu.click()
    expect(menu).to_have_attribute("aria-expanded", "true")
    expect(integrations).to_be_visible()
    integrations.click()

    expect(page).to_have_url(re.compile(r"/integrations/$"))
    expect(page.get_by_role("heading", name="Integrations", level=1)).to_be_visible()
    card = page.locator("#integration-salesforce")
    expect(card.get_by_role("heading", name="Salesforce")).to_be_visible()
    expect(card).to_contain_text("Waiting for the first sync cycle.")
    card.get_by_role("link", name="Settings").click()

    expect(page).to_have_url(re.compile(r"/integrations/salesforce/settings/$"))
    expect(page.get_by_role("heading", name="Salesforce settings", level=1)).to_be_visible()
    # The stylesheet applied too: the navbar is Bootstrap's dark one, not an unstyled list.
    navbar_background = page.locator("nav.navbar").evaluate(
        "el => getComputedStyle(el).backgroundColor"
    )
    assert navbar_background == "rgb(33, 37, 41)"
    assert browser_problems == []
