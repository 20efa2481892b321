"""Save feedback and the unsaved-changes guard in Chromium (issue 14): success and failure
show a message in the viewport, a failed Save brings the first field in error into view,
and unsaved changes are not lost silently to another form or to leaving the page."""

from __future__ import annotations

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from connector.models import IntegrationSettings

from .helpers import open_settings, save_button

pytestmark = pytest.mark.browser


def in_viewport(page: Page, selector: str) -> bool:
    return page.locator(selector).first.evaluate(
        "el => { const r = el.getBoundingClientRect();"
        " return r.bottom > 0 && r.top < window.innerHeight && r.height > 0; }"
    )


def test_a_failed_save_says_so_in_view_and_scrolls_to_the_field(
    page: Page, marketing_admin, salesforce
):
    open_settings(page, marketing_admin)
    page.locator("input[name=activity_storage][value=tasks]").check()
    page.get_by_label("API call limit").fill("5000")  # a change that must not be saved either
    for box in page.locator("input[name=activity_types]").all():
        box.uncheck()  # no activity type: the form refuses that
    save_button(page).click()
    expect(page.get_by_role("alert").first).to_contain_text("Nothing was saved")
    assert in_viewport(page, ".alert-danger")  # the message is in view…
    assert in_viewport(page, ".is-invalid, .invalid-feedback")  # …and so is the field
    assert page.evaluate("window.scrollY") > 300  # the page scrolled down to it
    stored = IntegrationSettings.objects.get()
    assert stored.activity_types and stored.api_call_limit != 5000  # nothing was saved
    expect(page.get_by_label("API call limit")).to_have_value("5000")  # what was typed stays


def test_a_successful_save_says_so_in_view(page: Page, marketing_admin, salesforce):
    open_settings(page, marketing_admin)
    page.get_by_label("API call limit").fill("4321")
    save_button(page).click()
    expect(page.get_by_role("status").first).to_contain_text("settings were saved")
    assert in_viewport(page, "#page-messages")
    assert IntegrationSettings.objects.get().api_call_limit == 4321


def test_unsaved_changes_are_not_lost_to_another_form_or_leaving(
    page: Page, marketing_admin, salesforce
):
    open_settings(page, marketing_admin)
    page.get_by_label("API call limit").fill("777")
    dialogs: list[str] = []

    def dismiss(dialog) -> None:
        dialogs.append(dialog.type)
        dialog.dismiss()

    page.on("dialog", dismiss)
    # Each click waits for its dialog (with the page's deadline), not for a fixed pause.
    with page.expect_event("dialog"):
        page.locator("#run-setup-check").click()
    assert dialogs == ["confirm"]  # asked first; dismissed: nothing was posted
    expect(page.get_by_label("API call limit")).to_have_value("777")
    with page.expect_event("dialog"):
        page.get_by_role("link", name="Sync errors").first.click()
    assert dialogs[-1] == "beforeunload" and page.url.endswith(
        reverse("settings_ui:salesforce_settings")
    )
    expect(page.get_by_label("API call limit")).to_have_value("777")
    page.remove_listener("dialog", dismiss)
    save_button(page).click()  # Save itself never asks
    expect(page.get_by_role("status").first).to_contain_text("settings were saved")
    assert IntegrationSettings.objects.get().api_call_limit == 777
