"""The connector's models in the Django admin: useful, and never showing secrets."""

from __future__ import annotations

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_settings_admin_shows_flags_and_hides_secrets(admin_client, integration_settings):
    integration_settings.username = "ops@acme.example"
    integration_settings.set_password("hunter2-secret")
    integration_settings.set_security_token("tok-secret")
    integration_settings.save()
    changelist = admin_client.get(reverse("admin:connector_integrationsettings_changelist"))
    assert changelist.status_code == 200
    assert "ops@acme.example" in changelist.content.decode()
    change = admin_client.get(
        reverse("admin:connector_integrationsettings_change", args=[integration_settings.pk])
    )
    html = change.content.decode()
    assert 'name="crm_enabled"' in html
    assert "hunter2-secret" not in html
    assert "tok-secret" not in html
    assert integration_settings.password_encrypted not in html


def test_staff_enable_the_crm_in_the_admin(admin_client, integration_settings):
    url = reverse("admin:connector_integrationsettings_change", args=[integration_settings.pk])
    form = admin_client.get(url).context["adminform"].form
    data = {name: value for name, value in form.initial.items() if value is not None}
    data["crm_enabled"] = "on"
    data["activity_types"] = '["email_open"]'
    data["site"] = integration_settings.site_id
    for name in [
        "sync_enabled",
        "sandbox",
        "opportunity_sync",
        "task_sync",
        "create_contact_from_lead",
        "create_contact_from_contact",
        "lifecycle_transitions",
        "state_country_picklists",
        "delete_when_lead_deleted",
        "delete_when_contact_deleted",
    ]:
        if data.get(name) is False:
            data.pop(name)
        elif data.get(name) is True:
            data[name] = "on"
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    integration_settings.refresh_from_db()
    assert integration_settings.crm_enabled is True
    assert integration_settings.activity_types == ["email_open"]


def test_api_usage_admin_lists(admin_client):
    assert admin_client.get(reverse("admin:connector_apicallbucket_changelist")).status_code == 200
