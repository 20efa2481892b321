"""Every page under the Content-Security-Policy, in Chromium: nothing it blocks is needed.

A blocked inline script, event handler or style attribute is a console error in Chromium,
which fails the test at teardown (the ``page`` fixture); these walk the pages a user and
a staff member open, and use what used to be inline (the language switch, the progress bar).
"""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from connector.models import IntegrationSettings, SyncRun, SyncRunStatus
from tests.factories import ContactFactory

from .helpers import log_in, open_settings

pytestmark = pytest.mark.browser


def test_every_response_carries_the_policy(page: Page, marketing_admin, salesforce):
    log_in(page, marketing_admin)
    response = page.goto(reverse("settings_ui:salesforce_settings"))
    policy = response.headers["content-security-policy"]
    assert "default-src 'self'" in policy
    assert "script-src 'self';" in policy + ";"
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy


def test_the_language_switch_works_without_an_inline_handler(page: Page, marketing_admin):
    log_in(page, marketing_admin)
    page.locator("#language-select").select_option("de")
    expect(page.locator("html")).to_have_attribute("lang", "de")
    page.locator("#language-select").select_option("en")
    expect(page.locator("html")).to_have_attribute("lang", "en")


def test_a_running_cycles_progress_bar_gets_its_width(page: Page, marketing_admin, salesforce):
    SyncRun.objects.create(
        trigger="test",
        status=SyncRunStatus.RUNNING,
        progress={"phase": "push", "done": 30, "total": 100},
    )
    open_settings(page, marketing_admin)
    bar = page.locator("#status-progress")
    expect(bar).to_be_visible()
    width = bar.evaluate("element => element.style.width")
    assert re.fullmatch(r"\d+%", width), width


def test_the_django_admin_works_under_the_policy(page: Page, staff, salesforce):
    contact = ContactFactory(email="csp@example.com")
    log_in(page, staff)
    settings = IntegrationSettings.objects.get()
    for url in [
        reverse("admin:index"),
        reverse("admin:marketing_contact_changelist"),
        reverse("admin:marketing_contact_change", args=[contact.pk]),
        reverse("admin:connector_integrationsettings_change", args=[settings.pk]),
        reverse("admin:connector_integrationsettings_history", args=[settings.pk]),
        reverse("admin:connector_syncerror_changelist"),
    ]:
        response = page.goto(url)
        assert response.status == 200, url
    # The admin's own JavaScript runs (it is external, so the policy allows it): the
    # changelist's select-all checkbox ticks every row.
    page.goto(reverse("admin:marketing_contact_changelist"))
    page.locator("#action-toggle").check()
    expect(page.locator("input.action-select").first).to_be_checked()
