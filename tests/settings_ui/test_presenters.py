"""What the settings page shows: the settings history, and the settings as the form posts them."""

from __future__ import annotations

import pytest
from django.urls import reverse

from connector.services.settings import SETTINGS_FIELDS, integration_settings_update
from settings_ui.forms import IntegrationSettingsForm
from settings_ui.history import settings_history
from tests.factories import SmartListFactory
from tests.settings_ui.posts import settings_form_data

pytestmark = pytest.mark.django_db

SETTINGS_URL = reverse("settings_ui:salesforce_settings")


def page_history(client) -> str:
    return client.get(SETTINGS_URL).content.decode().split('id="section-history"')[1]


class TestSettingsHistory:
    def test_who_when_and_which_values_secrets_only_as_changed(
        self, admin_browser, integration_settings, marketing_admin, salesforce
    ):
        salesforce.control.create_user("ops@acme.example", "s3cret-pw-xyz", "tok-xyz")
        admin_browser.post(
            SETTINGS_URL, settings_form_data(integration_settings, api_call_limit="1234")
        )
        admin_browser.post(
            reverse("settings_ui:salesforce_credentials"),
            {
                "username": "ops@acme.example",
                "password": "s3cret-pw-xyz",
                "security_token": "tok-xyz",
            },
        )
        html = admin_browser.get(SETTINGS_URL).content.decode()
        history = html.split('id="section-history"')[1]
        assert "marketer" in history
        assert "1234" in history
        assert "credentials secret: <em>changed</em>" in history
        assert "s3cret-pw-xyz" not in html and "tok-xyz" not in html
        latest = integration_settings.history.first()
        assert latest.history_user == marketing_admin
        # The history keeps no secret at all, not even encrypted.
        assert not [f for f in latest._meta.get_fields() if f.name.endswith("_encrypted")]

    def test_speaks_the_pages_language(self, admin_browser, integration_settings):
        admin_browser.post(
            SETTINGS_URL,
            settings_form_data(integration_settings, activity_types=["email_open", "page_view"]),
        )
        history = page_history(admin_browser)
        assert "Email open, Page view" in history
        assert "<li>site:" not in history and "<li>Site:" not in history

    def test_old_and_new_values_with_smart_list_names(self, integration_settings, marketing_admin):
        smart_list = SmartListFactory(name="Sales ready")
        integration_settings_update(
            integration_settings=integration_settings,
            data={"inclusion_list": smart_list, "opportunity_sync": False},
            acting_user=marketing_admin,
        )
        latest, *_ = settings_history(integration_settings=integration_settings)["entries"]
        assert latest["user"] == marketing_admin
        changes = {change["field"]: change for change in latest["changes"]}
        # The page's own labels and values: "Opportunity sync", On/Off.
        assert changes["Inclusion list"]["old"] == "—"
        assert changes["Inclusion list"]["new"] == "Sales ready"
        assert (changes["Opportunity sync"]["old"], changes["Opportunity sync"]["new"]) == (
            "On",
            "Off",
        )

    def test_paged_and_credential_checks_do_not_push_changes_out(
        self, admin_browser, integration_settings, marketing_admin
    ):
        from connector.models import CredentialsStatus

        for limit in range(1000, 1013):  # 13 changes by a person: two pages of 10
            integration_settings_update(
                integration_settings=integration_settings,
                data={"api_call_limit": limit},
                acting_user=marketing_admin,
            )
        checked = integration_settings.__class__.objects.get()  # as a cycle loads it
        for status in [CredentialsStatus.VALID, CredentialsStatus.INVALID] * 10:
            checked.credentials_status = status  # what a cycle's login check writes
            checked.save()
        first = page_history(admin_browser)
        assert first.count('class="mb-2 history-entry"') == 10 and 'id="history-older"' in first
        assert "1012" in first and "Not listed: 20 credential checks by hubsync itself." in first
        second = admin_browser.get(SETTINGS_URL + "?history=2").content.decode()
        second = second.split('id="section-history"')[1]
        # The 3 oldest changes and the settings' creation.
        assert second.count('class="mb-2 history-entry"') == 4 and "1002" in second


class TestSettingsFormData:
    def test_the_stored_settings_post_back_unchanged(self, integration_settings):
        integration_settings.crm_enabled = True
        integration_settings.inclusion_list = SmartListFactory()
        integration_settings.delete_when_lead_deleted = True
        integration_settings.save()
        data = settings_form_data(integration_settings)
        assert data["delete_when_lead_deleted"] == "on"
        assert "delete_when_contact_deleted" not in data  # unchecked boxes are not posted
        form = IntegrationSettingsForm(data, integration_settings=integration_settings)
        assert form.is_valid(), form.errors
        assert not form.has_changed()
        assert form.settings_data() == {
            name: getattr(integration_settings, name) for name in SETTINGS_FIELDS
        }

    def test_overrides_post_as_a_browser_would(self, integration_settings):
        data = settings_form_data(
            integration_settings,
            api_call_limit=None,
            opportunity_sync=False,
            activity_types=["page_view"],
            create_contact_from_lead=False,
        )
        assert data["api_call_limit"] == ""
        assert data["opportunity_sync"] == "False"
        assert data["activity_types"] == ["page_view"]
        assert "create_contact_from_lead" not in data
