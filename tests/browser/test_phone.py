"""Phone-sized Chromium (issue 14): the sync errors page and the API chart fit a phone —
no sideways scrolling of the page, readable text."""

from __future__ import annotations

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from connector.sync.cycle import sync_cycle_run
from tests.factories import ContactFactory

from .helpers import log_in, open_settings

pytestmark = pytest.mark.browser

PHONE = {"width": 375, "height": 740}


def page_scrolls_sideways(page: Page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth > window.innerWidth + 1")


def test_the_sync_errors_page_fits_a_phone(page: Page, marketing_admin, salesforce):
    failing = ContactFactory(email="a-rather-long-address-for-a-phone@subsidiary.example.com")
    failing.job_title = "T" * 200
    failing.save()
    sync_cycle_run(trigger="test")
    page.set_viewport_size(PHONE)
    log_in(page, marketing_admin)
    page.goto(reverse("settings_ui:sync_errors"))
    row = page.locator("tr.error-row")
    expect(row).to_contain_text("STRING_TOO_LONG")
    expect(row).to_contain_text("needs a fix")
    assert not page_scrolls_sideways(page)
    # The record links to the contact to fix.
    row.get_by_role("link", name=failing.email).click()
    expect(page.locator("#contact-email")).to_have_text(failing.email)
    expect(page.locator("#contact-errors")).to_contain_text("STRING_TOO_LONG")
    assert not page_scrolls_sideways(page)


def test_the_api_chart_fits_a_phone_with_readable_labels(page: Page, marketing_admin, salesforce):
    ContactFactory()
    sync_cycle_run(trigger="test")
    page.set_viewport_size(PHONE)
    open_settings(page, marketing_admin)
    chart = page.locator("#api-usage-chart")
    chart.scroll_into_view_if_needed()
    expect(chart).to_be_visible()
    assert not page_scrolls_sideways(page)
    sizes = chart.locator("text").evaluate_all(
        "els => els.map(e => parseFloat(getComputedStyle(e).fontSize) * "
        "(e.getScreenCTM() ? e.getScreenCTM().a : 1))"
    )
    assert sizes and min(sizes) >= 10  # rendered size in CSS pixels
