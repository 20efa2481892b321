"""The connector's models in the Django admin: useful, never showing secrets, and writing
the settings through the same services as the settings page."""

from __future__ import annotations

from typing import Any

import pytest
from django import forms
from django.urls import reverse
from django.utils import timezone

from connector.models import CredentialsStatus, IntegrationSettings, SyncCursor
from tests.conftest import broker_drain

pytestmark = pytest.mark.django_db


def change_url(integration_settings: IntegrationSettings) -> str:
    return reverse("admin:connector_integrationsettings_change", args=[integration_settings.pk])


def admin_form_data(admin_client, integration_settings, **changes: Any) -> dict[str, Any]:
    """What the admin's change form posts for the stored settings, ``changes`` applied
    (checked boxes as "on", unchecked ones absent, JSON fields as JSON text, and the hidden
    initial values the admin renders)."""
    form = admin_client.get(change_url(integration_settings)).context["adminform"].form
    data: dict[str, Any] = {}
    for name, field in form.fields.items():
        value = changes.get(name, form.initial.get(name))
        if isinstance(field.widget, forms.CheckboxInput):
            if value:
                data[name] = "on"
        elif value is not None:
            data[name] = field.prepare_value(value)
        if field.show_hidden_initial:  # fields with a callable default (activity_types)
            data[form.add_initial_prefix(name)] = field.prepare_value(form.initial.get(name))
    return data


def admin_save(admin_client, integration_settings, **changes: Any) -> None:
    response = admin_client.post(
        change_url(integration_settings),
        admin_form_data(admin_client, integration_settings, **changes),
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    integration_settings.refresh_from_db()


def test_settings_admin_shows_flags_and_hides_secrets(admin_client, integration_settings):
    integration_settings.username = "ops@acme.example"
    integration_settings.set_password("hunter2-secret")
    integration_settings.set_security_token("tok-secret")
    integration_settings.save()
    changelist = admin_client.get(reverse("admin:connector_integrationsettings_changelist"))
    assert changelist.status_code == 200
    assert "ops@acme.example" in changelist.content.decode()
    html = admin_client.get(change_url(integration_settings)).content.decode()
    assert 'name="crm_enabled"' in html
    assert "hunter2-secret" not in html
    assert "tok-secret" not in html
    assert integration_settings.password_encrypted not in html


def test_staff_enable_the_crm_in_the_admin(admin_client, integration_settings):
    admin_save(admin_client, integration_settings, crm_enabled=True, activity_types=["email_open"])
    assert integration_settings.crm_enabled is True
    assert integration_settings.activity_types == ["email_open"]


def test_a_setting_saved_in_the_admin_backfills_and_enqueues_a_sync(
    admin_client, integration_settings, django_capture_on_commit_callbacks
):
    integration_settings.opportunity_sync = False
    integration_settings.save()
    SyncCursor.objects.create(name="inbound:Opportunity", value=timezone.now())
    broker_drain()
    with django_capture_on_commit_callbacks(execute=True):
        admin_save(admin_client, integration_settings, opportunity_sync=True)
    assert integration_settings.opportunity_sync is True
    # Opportunities are read again from the start, as after a save on the settings page.
    assert SyncCursor.objects.get(name="inbound:Opportunity").value is None
    assert broker_drain() == ["settings_saved"]


def test_an_admin_save_without_changes_starts_nothing(
    admin_client, integration_settings, django_capture_on_commit_callbacks
):
    history = integration_settings.history.count()
    broker_drain()
    with django_capture_on_commit_callbacks(execute=True):
        admin_save(admin_client, integration_settings)
    assert broker_drain() == []
    assert integration_settings.history.count() == history


def test_a_username_changed_in_the_admin_keeps_the_secrets_and_is_checked_again(
    admin_client, integration_settings
):
    integration_settings.username = "ops@acme.example"
    integration_settings.set_password("keep-me")
    integration_settings.credentials_status = CredentialsStatus.VALID
    integration_settings.save()
    admin_save(admin_client, integration_settings, username="new@acme.example")
    assert integration_settings.username == "new@acme.example"
    assert integration_settings.get_password() == "keep-me"
    assert integration_settings.credentials_status == CredentialsStatus.UNKNOWN
    assert integration_settings.history.first().history_user.username == "admin"


def test_the_settings_history_is_visible_in_the_admin(admin_client, integration_settings):
    integration_settings.api_call_limit = 77
    integration_settings.save()
    url = reverse("admin:connector_integrationsettings_history", args=[integration_settings.pk])
    response = admin_client.get(url)
    assert response.status_code == 200
    assert "77" in response.content.decode()


def test_api_usage_admin_lists(admin_client):
    assert admin_client.get(reverse("admin:connector_apicallbucket_changelist")).status_code == 200


@pytest.mark.parametrize(
    "model",
    [
        "integrationsettings",  # one per installation, made by hubsync itself
        "syncerror",
        "apicallbucket",
        "contactsyncstate",
        "contactsyncevent",
        "emailcollision",
        "syncrun",
    ],
)
def test_singletons_and_rows_the_sync_writes_offer_no_add(
    admin_client, integration_settings, model
):
    """Issue 18: these offered *Add*, which only makes rows the sync never wrote."""
    assert admin_client.get(reverse(f"admin:connector_{model}_add")).status_code == 403
    listing = admin_client.get(reverse(f"admin:connector_{model}_changelist")).content.decode()
    assert reverse(f"admin:connector_{model}_add") not in listing
    index = admin_client.get(reverse("admin:index")).content.decode()
    assert f'href="{reverse(f"admin:connector_{model}_add")}"' not in index


def test_the_admin_says_hubsync(admin_client):
    """Issue 18: the header said "Django administration"."""
    page = admin_client.get(reverse("admin:index")).content.decode()
    assert "Django administration" not in page and "Django site admin" not in page
    assert "hubsync administration" in page
