"""The setup check: what the org lacks, said with the fix; and a Save it rules out."""

from __future__ import annotations

import json

import pytest
from django.core.management import call_command
from django.urls import reverse

from connector.services.setup_check import setup_check_run
from tests.conftest import SF_USERNAME
from tests.settings_ui.posts import settings_form_data

pytestmark = pytest.mark.django_db


def by_name(checks):
    return {c.name: c for c in checks}


def test_a_ready_org_passes_every_check(salesforce, integration_settings):
    checks = setup_check_run(integration_settings=integration_settings)
    assert all(c.ok for c in checks), [c for c in checks if not c.ok]
    assert {"login", "api_enabled", "object:Lead", "object:Contact", "picklists", "version"} <= {
        c.name for c in checks
    }
    assert integration_settings.setup_check["ok"] is True


def test_missing_setup_names_the_fields_and_the_fix(salesforce, integration_settings):
    salesforce.control.configure_org(metadata_deployed=False)
    checks = by_name(setup_check_run(integration_settings=integration_settings))
    assert not checks["object:Lead"].ok
    assert "HubSync_Id__c is missing or hidden" in checks["object:Lead"].message
    assert "sf project deploy start" in checks["object:Lead"].fix
    assert not checks["version"].ok


def test_a_hidden_and_a_read_only_field(salesforce, integration_settings):
    salesforce.control.set_field_security(
        SF_USERNAME, {"Lead.Phone": "hidden", "Contact.Title": "read"}
    )
    checks = by_name(setup_check_run(integration_settings=integration_settings))
    assert "Phone is missing or hidden" in checks["object:Lead"].message
    assert "Title is read-only" in checks["object:Contact"].message


def test_picklist_mismatch_and_the_save_it_refuses(salesforce, admin_browser, integration_settings):
    checks = by_name(setup_check_run(integration_settings=integration_settings))
    assert checks["picklists"].ok  # both off
    integration_settings.refresh_from_db()
    assert integration_settings.org_state_country_picklists is False
    response = admin_browser.post(
        reverse("settings_ui:salesforce_settings"),
        settings_form_data(integration_settings, state_country_picklists="True"),
    )
    assert response.status_code == 200  # refused, with the reason at the field
    assert "does not use state and country picklists" in response.content.decode()
    integration_settings.refresh_from_db()
    assert integration_settings.state_country_picklists is False
    # The org turns them on: the check says the page disagrees, and the Save goes through.
    salesforce.control.configure_org(state_country_picklists=True)
    checks = by_name(setup_check_run(integration_settings=integration_settings))
    assert not checks["picklists"].ok and "the page says No" in checks["picklists"].message


def test_the_command_prints_json_and_exits_1_on_a_failure(salesforce, capsys):
    call_command("salesforce_check")
    assert json.loads(capsys.readouterr().out)["ok"] is True
    salesforce.control.configure_org(metadata_deployed=False)
    with pytest.raises(SystemExit) as exit_:
        call_command("salesforce_check")
    assert exit_.value.code == 1
    report = json.loads(capsys.readouterr().out)
    assert report["ok"] is False
    assert any(c["fix"] for c in report["checks"] if not c["ok"])


def test_the_page_shows_the_check(salesforce, admin_browser):
    response = admin_browser.post(reverse("settings_ui:salesforce_setup_check"), follow=True)
    html = response.content.decode()
    assert 'id="section-setup-check"' in html
    assert "Everything hubsync needs is in place." in html
