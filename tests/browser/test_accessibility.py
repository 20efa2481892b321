"""Accessibility basics of the settings page: labels, keyboard reach, a phone-sized screen."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from .helpers import open_settings

pytestmark = pytest.mark.browser

# Every visible form control without a label, as "tag[type] #id name=...". Buttons
# (<input type=submit> included) are named by their text or value, not by a <label>.
UNLABELLED_CONTROLS = """
() => [...document.querySelectorAll("input, select, textarea")]
  .filter(el => !["hidden", "submit", "button", "reset", "image"].includes(el.type))
  .filter(el => el.getClientRects().length > 0)
  .filter(el => el.labels.length === 0
    && !el.getAttribute("aria-label")
    && !el.getAttribute("aria-labelledby"))
  .map(el => `${el.tagName.toLowerCase()}[type=${el.type}] #${el.id} name=${el.name}`)
"""
ACTIVE_ELEMENT = """
() => {
  const el = document.activeElement;
  return el ? (el.id || el.getAttribute("name") || el.textContent.trim().slice(0, 40)) : null;
}
"""


@pytest.fixture
def crm_enabled(integration_settings):
    """Show every section, Task sync included."""
    integration_settings.crm_enabled = True
    integration_settings.save()


def test_every_visible_form_control_has_a_label(
    page: Page, marketing_admin, salesforce, crm_enabled
):
    open_settings(page, marketing_admin)
    controls = page.locator("input:not([type=hidden]), select, textarea")
    assert controls.count() > 20  # the check below looked at the real form
    assert page.evaluate(UNLABELLED_CONTROLS) == []


def test_tab_from_the_top_reaches_the_sync_button_then_save(
    page: Page, marketing_admin, salesforce, crm_enabled
):
    open_settings(page, marketing_admin)
    reached: list[str | None] = []
    for _ in range(80):
        page.keyboard.press("Tab")
        reached.append(page.evaluate(ACTIVE_ELEMENT))
        if reached[-1] == "submit-id-save":
            break
    assert reached[0] == "Skip to content", reached
    assert "sync-toggle" in reached, reached
    assert "submit-id-save" in reached, reached
    assert reached.index("sync-toggle") < reached.index("id_api_call_limit")
    # The keyboard can also press them: Enter on the focused Save button submits the form.
    page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_have_text("Your Salesforce settings were saved.")


def test_a_phone_sized_screen_needs_no_horizontal_scrolling(
    page: Page, marketing_admin, salesforce, crm_enabled
):
    page.set_viewport_size({"width": 375, "height": 800})
    open_settings(page, marketing_admin)
    widths = page.evaluate(
        "() => ({scroll: document.documentElement.scrollWidth, inner: window.innerWidth})"
    )
    assert widths["scroll"] <= widths["inner"], widths


def test_the_settings_page_is_completed_with_the_keyboard_alone(
    page: Page, marketing_admin, salesforce, crm_enabled, integration_settings
):
    """Issue 26: Tab to a field, type, choose an option with the arrow keys, Tab on to Save,
    Enter: saved, without the mouse."""
    open_settings(page, marketing_admin)
    page.keyboard.press("Tab")  # from the top of the page
    changed = set()
    for _ in range(120):
        focused = page.evaluate(ACTIVE_ELEMENT)
        if focused == "id_api_call_limit" and "limit" not in changed:
            page.keyboard.press("Control+A")
            page.keyboard.type("7000")
            changed.add("limit")
        elif focused == "id_account_sync" and "account" not in changed:
            page.keyboard.press("ArrowDown")  # "Sync Accounts" → "Do Not Sync"
            changed.add("account")
        elif focused == "submit-id-save":
            break
        page.keyboard.press("Tab")
    assert changed == {"limit", "account"}, changed
    page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_have_text("Your Salesforce settings were saved.")
    integration_settings.refresh_from_db()
    assert integration_settings.api_call_limit == 7000
    assert integration_settings.account_sync == "do_not_sync"
