"""The status panel tells the truth (issue 14): each state reached through real means —
emulator faults, settings, data — and checked on the page and on the Integrations card."""

from __future__ import annotations

import pytest
from django.urls import reverse

from connector.services.setup_check import setup_check_run
from connector.sync.cycle import sync_cycle_run
from tests.conftest import SF_PASSWORD, SF_TOKEN, SF_USERNAME
from tests.factories import ContactFactory

pytestmark = pytest.mark.django_db

STATUS_URL = reverse("settings_ui:salesforce_status")
INTEGRATIONS_URL = reverse("settings_ui:integrations")


def state(client) -> tuple[str, str]:
    html = client.get(STATUS_URL).content.decode()
    card = client.get(INTEGRATIONS_URL).content.decode()
    panel_state = html.split('data-state="')[1].split('"')[0]
    card_state = card.split('id="integration-salesforce-state" data-state="')[1].split('"')[0]
    assert panel_state == card_state  # the overview card shows the same state
    return panel_state, html


def test_idle_and_in_sync_only_when_nothing_is_wrong(admin_browser, salesforce):
    ContactFactory()
    sync_cycle_run(trigger="test")
    name, html = state(admin_browser)
    assert name == "idle" and "Everything is in sync." in html


def test_records_failing_with_a_link(admin_browser, salesforce):
    ContactFactory(job_title="T" * 200)  # Lead.Title takes 128 characters
    ContactFactory()
    sync_cycle_run(trigger="test")
    name, html = state(admin_browser)
    assert name == "records_failing"
    assert "1 record is failing." in html and reverse("settings_ui:sync_errors") in html
    assert "Everything is in sync" not in html


def test_last_cycle_failed_with_its_reason(admin_browser, salesforce):
    """Salesforce answers 503 to the cycle's queries: the run fails, and the page says why."""
    salesforce.control.add_fault(
        r"composite$", status=503, error_code="SERVER_UNAVAILABLE", count=5
    )
    ContactFactory()
    run = sync_cycle_run(trigger="test")
    assert run.status == "failed"
    name, html = state(admin_browser)
    assert name == "failed" and "SERVER_UNAVAILABLE" in html


def test_setup_check_failing(admin_browser, salesforce, integration_settings):
    salesforce.control.set_field_security(SF_USERNAME, {"Lead.Title": "hidden"})
    setup_check_run(integration_settings=integration_settings)
    name, html = state(admin_browser)
    assert name == "setup_failing" and "Setup check failing" in html
    assert "Title" in html


def test_paused_at_the_api_limit_says_until_when(admin_browser, salesforce, integration_settings):
    integration_settings.api_call_limit = 2
    integration_settings.save()
    ContactFactory.create_batch(2)
    sync_cycle_run(trigger="test")
    name, html = state(admin_browser)
    assert name == "paused" and "It resumes by itself at about" in html


def test_deletions_waiting_for_approval_with_a_link(
    admin_browser, salesforce, integration_settings, settings
):
    settings.SALESFORCE_MASS_DELETE_MIN = 2
    integration_settings.delete_when_lead_deleted = True
    integration_settings.save()
    contacts = ContactFactory.create_batch(3)
    sync_cycle_run(trigger="test")
    sync_cycle_run(trigger="test")
    sf = salesforce.salesforce(SF_USERNAME, SF_PASSWORD, SF_TOKEN)
    for contact in contacts:
        contact.refresh_from_db()
        sf.Lead.delete(contact.salesforce_id)
    sync_cycle_run(trigger="test")
    name, html = state(admin_browser)
    assert name == "deletions_held" and "3 deletions wait for approval." in html
    assert reverse("settings_ui:held_deletions") in html


def test_credentials_refused_comes_first(admin_browser, salesforce, integration_settings):
    ContactFactory(job_title="T" * 200)
    sync_cycle_run(trigger="test")  # a failing record too
    integration_settings.set_password("wrong")
    integration_settings.save()
    sync_cycle_run(trigger="test")
    name, html = state(admin_browser)
    assert name == "credentials_invalid" and "INVALID_LOGIN" in html
