"""The Salesforce settings page in Chromium: credentials, every section, the inclusion-list
detour, the on/off button and the read-only view, against the Salesforce emulator."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from connector.models import IntegrationSettings
from marketing.models import SmartList
from tests.conftest import SF_PASSWORD, SF_TOKEN, SF_USERNAME
from tests.factories import SmartListFactory

from .helpers import open_settings, save_button

pytestmark = pytest.mark.browser

WRONG_PASSWORD = "not-the-Password-9"
# What Salesforce (and so the emulator) answers to a bad login.
INVALID_LOGIN_MESSAGE = "Invalid username, password, security token; or user locked out."


def save_credentials(page: Page, *, password: str, token: str) -> None:
    section = page.locator("#section-credentials")
    section.get_by_role("textbox", name="Username").fill(SF_USERNAME)
    section.get_by_label("Password", exact=True).fill(password)
    section.get_by_label("Security token", exact=True).fill(token)
    section.get_by_role("button", name="Save credentials").click()


def assert_no_secret_in(page: Page) -> None:
    html = page.content()
    for secret in (SF_PASSWORD, WRONG_PASSWORD, SF_TOKEN):
        assert secret not in html
    for field in ("Password", "Security token"):
        expect(page.get_by_label(field, exact=True)).to_have_value("")


def test_credentials_are_checked_by_logging_in_and_never_shown(
    page: Page, marketing_admin, salesforce, enqueued_syncs
):
    open_settings(page, marketing_admin)
    status = page.locator("#credentials-status")
    expect(status).to_have_text("Not checked yet")

    save_credentials(page, password=SF_PASSWORD, token=SF_TOKEN)
    expect(page.get_by_role("status")).to_have_text(
        "Your Salesforce credentials work and were saved."
    )
    expect(status.locator(".badge")).to_have_text("Valid")
    expect(page.get_by_role("textbox", name="Username")).to_have_value(SF_USERNAME)
    expect(page.get_by_text("Stored. Leave blank to keep it.")).to_have_count(2)
    assert_no_secret_in(page)
    assert enqueued_syncs == ["credentials_saved"]

    save_credentials(page, password=WRONG_PASSWORD, token=SF_TOKEN)
    # Refused: the working credentials stay in place, and so does the sync.
    expect(page.get_by_role("alert")).to_contain_text(
        "Salesforce refused these credentials: INVALID_LOGIN"
    )
    expect(status.locator(".badge")).to_have_text("Valid")
    assert_no_secret_in(page)
    assert enqueued_syncs == ["credentials_saved"], "no sync starts with refused credentials"

    page.reload()
    expect(status.locator(".badge")).to_have_text("Valid")
    assert_no_secret_in(page)


def test_a_refused_login_shows_salesforces_own_message(page: Page, marketing_admin, salesforce):
    open_settings(page, marketing_admin)
    save_credentials(page, password=WRONG_PASSWORD, token=SF_TOKEN)
    expect(page.get_by_role("alert")).to_contain_text("INVALID_LOGIN")
    assert INVALID_LOGIN_MESSAGE in page.get_by_role("alert").inner_text()


def test_every_section_saves_and_survives_a_reload(
    page: Page, marketing_admin, salesforce, integration_settings, enqueued_syncs
):
    integration_settings.crm_enabled = True  # shows the Task sync section
    integration_settings.save()
    smart_list = SmartListFactory(name="Qualified leads")
    open_settings(page, marketing_admin)

    page.get_by_label("API call limit").fill("12345")
    page.get_by_label("Account sync").select_option(label="Do Not Sync")
    page.get_by_label("Opportunity sync").select_option(label="Off")
    page.get_by_label("Task sync").select_option(label="On")
    page.get_by_label("Inclusion list").select_option(label="Qualified leads")
    page.get_by_label("Custom object (HubSpot_Intelligence__c)").check()
    page.get_by_label("Form submission").uncheck()
    page.get_by_label("Email open").uncheck()
    page.get_by_label("Create a contact in hubsync when a Lead is created").uncheck()
    page.get_by_label("Create a contact in hubsync when a Contact is created").uncheck()
    page.get_by_label("New record type").select_option(label="Contact")
    page.get_by_label("Automatic lifecycle stage transitions").select_option(label="No")
    page.get_by_label("State and country picklists in Salesforce").select_option(label="Yes")
    page.get_by_label("Delete the contact in hubsync when a Lead is deleted").check()
    page.get_by_label("Delete the contact in hubsync when a Contact is deleted").check()
    save_button(page).click()

    expect(page.get_by_role("status")).to_have_text("Your Salesforce settings were saved.")
    assert enqueued_syncs == ["settings_saved"]
    page.reload()
    expect(page.get_by_role("status")).to_have_count(0)

    expect(page.get_by_label("API call limit")).to_have_value("12345")
    expect(page.get_by_label("Account sync")).to_have_value("do_not_sync")
    expect(page.get_by_label("Opportunity sync")).to_have_value("False")
    expect(page.get_by_label("Task sync")).to_have_value("True")
    expect(page.get_by_label("Inclusion list")).to_have_value(str(smart_list.pk))
    expect(page.get_by_label("Custom object (HubSpot_Intelligence__c)")).to_be_checked()
    expect(page.get_by_label("Salesforce Tasks")).not_to_be_checked()
    expect(page.get_by_label("Form submission")).not_to_be_checked()
    expect(page.get_by_label("Email open")).not_to_be_checked()
    expect(page.get_by_label("Email click")).to_be_checked()
    expect(page.get_by_label("Page view")).to_be_checked()
    expect(
        page.get_by_label("Create a contact in hubsync when a Lead is created")
    ).not_to_be_checked()
    expect(
        page.get_by_label("Create a contact in hubsync when a Contact is created")
    ).not_to_be_checked()
    expect(page.get_by_label("New record type")).to_have_value("Contact")
    expect(page.get_by_label("Automatic lifecycle stage transitions")).to_have_value("False")
    expect(page.get_by_label("State and country picklists in Salesforce")).to_have_value("True")
    expect(
        page.get_by_label("Delete the contact in hubsync when a Lead is deleted")
    ).to_be_checked()
    expect(
        page.get_by_label("Delete the contact in hubsync when a Contact is deleted")
    ).to_be_checked()
    expect(page.locator("#api-usage")).to_contain_text("of 12,345 calls used in the last 24 hours")


def test_create_inclusion_list_and_come_back_with_it_selected(
    page: Page, marketing_admin, salesforce
):
    open_settings(page, marketing_admin)
    page.get_by_label("API call limit").fill("777")
    page.get_by_label("New record type").select_option(label="Contact")
    page.get_by_role("button", name="Create Inclusion List").click()

    expect(page.get_by_role("heading", name="Create Inclusion List", level=1)).to_be_visible()
    page.get_by_label("Name").fill("Germany MQLs")
    first = page.locator(".condition-row").first
    first.get_by_label("Property").select_option(label="Country/Region")
    first.get_by_label("Operator").select_option(label="is equal to")
    first.get_by_label("Value").fill("Germany")
    page.get_by_role("button", name="Create list").click()

    expect(page).to_have_url(re.compile(r"/integrations/salesforce/settings/\?inclusion_list=\d+"))
    smart_list = SmartList.objects.get(name="Germany MQLs")
    assert smart_list.criteria["conditions"] == [
        {"property": "country", "operator": "equals", "value": "Germany"}
    ]
    expect(page.locator("#page-messages")).to_contain_text("Smart list “Germany MQLs” created.")
    # Selected, but not saved yet: the page says so (it looked saved before).
    expect(page.locator("#settings-unsaved")).to_contain_text("not saved yet")
    inclusion_list = page.get_by_label("Inclusion list")
    expect(inclusion_list).to_have_value(str(smart_list.pk))
    expect(inclusion_list.locator("option:checked")).to_have_text("Germany MQLs")
    expect(page.get_by_label("API call limit")).to_have_value("777")
    expect(page.get_by_label("New record type")).to_have_value("Contact")

    save_button(page).click()
    expect(page.get_by_role("status")).to_have_text("Your Salesforce settings were saved.")
    stored = IntegrationSettings.objects.get()
    assert (stored.inclusion_list_id, stored.api_call_limit) == (smart_list.pk, 777)
    assert stored.new_record_type == "Contact"


def test_the_big_button_turns_the_sync_off_and_on(
    page: Page, marketing_admin, salesforce, enqueued_syncs
):
    open_settings(page, marketing_admin)
    toggle = page.locator("#sync-toggle")
    expect(toggle).to_contain_text("Salesforce sync is ON")

    toggle.click()
    expect(toggle).to_contain_text("Salesforce sync is OFF")
    expect(page.get_by_role("alert")).to_contain_text("Salesforce sync is off.")
    assert IntegrationSettings.objects.get().sync_enabled is False
    assert enqueued_syncs == []

    toggle.click()
    expect(toggle).to_contain_text("Salesforce sync is ON")
    expect(page.get_by_role("status")).to_have_text("Salesforce sync is on.")
    assert IntegrationSettings.objects.get().sync_enabled is True
    assert enqueued_syncs == ["sync_turned_on"]


def test_a_viewer_sees_the_page_read_only(page: Page, viewer, salesforce):
    open_settings(page, viewer)
    expect(page.locator("#read-only-notice")).to_have_text(
        "You can view these settings. Ask a marketing admin to change them."
    )
    expect(save_button(page)).to_have_count(0)
    expect(page.get_by_role("button", name="Save credentials")).to_have_count(0)
    expect(page.get_by_role("button", name="Create Inclusion List")).to_have_count(0)
    expect(page.locator("#sync-toggle")).to_be_disabled()
    enabled = (
        page.locator("main")
        .locator("input, select, textarea")
        .evaluate_all(
            "els => els.filter(el => el.type !== 'hidden' && !el.disabled).map(el => el.name)"
        )
    )
    assert enabled == []


def test_connect_with_salesforce_through_the_login_page_and_back(
    page: Page, marketing_admin, salesforce, live_server, integration_settings
):
    """The OAuth web server flow in the browser: hubsync → the org's login page → back."""
    callback = live_server.url + "/integrations/salesforce/oauth/callback/"
    salesforce.control.add_connected_app("3MVG9-browser", "s3cret", callback_url=callback)
    salesforce.control.configure_org(soap_login_enabled=False)
    open_settings(page, marketing_admin)
    section = page.locator("#section-credentials")
    section.get_by_role("radio", name="Connect with Salesforce").check()
    # Only the chosen method's fields show.
    expect(section.get_by_label("Security token", exact=True)).to_be_hidden()
    expect(section.locator("#callback-url")).to_contain_text(callback)
    section.get_by_label("Consumer key").fill("3MVG9-browser")
    section.get_by_role("button", name="Connect with Salesforce").click()

    # The emulator's login-and-approve page.
    page.get_by_label("Username").fill(SF_USERNAME)
    page.get_by_label("Password").fill(SF_PASSWORD)
    page.get_by_role("button", name="Log In and Allow").click()

    org = salesforce.control.org()["org_name"]
    expect(page.get_by_role("status")).to_have_text(f"Connected as {SF_USERNAME} ({org}).")
    expect(page.locator("#connected-as")).to_contain_text(SF_USERNAME)
    integration_settings.refresh_from_db()
    assert integration_settings.auth_method == "web_server"
    assert integration_settings.get_secret("refresh_token") not in page.content()
    # Disconnect asks first (a page of its own), then says so; nothing listens any more.
    page.get_by_role("link", name="Disconnect").click()
    expect(page.get_by_role("heading", name="Disconnect from Salesforce?")).to_be_visible()
    page.get_by_role("button", name="Disconnect").click()
    expect(page.get_by_role("status")).to_contain_text("Disconnected")
    expect(page.locator("#status-state")).to_contain_text("Disconnected")
    expect(page.locator("#status-changes")).to_contain_text("Not listening")
