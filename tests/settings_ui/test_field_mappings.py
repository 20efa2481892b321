"""*Integrations → Salesforce → Field mappings* (issue 14): the org's fields from describe
(custom ones too), types and field-level security checked, saved through the service,
in the settings history; the Django admin keeps working for staff."""

from __future__ import annotations

import pytest
from django.urls import reverse

from connector.models import FieldMapping
from connector.services.setup_check import setup_check_run
from connector.sync.cycle import sync_cycle_run
from tests.conftest import SF_USERNAME
from tests.factories import ContactFactory

pytestmark = pytest.mark.django_db

URL = reverse("settings_ui:field_mappings")


def posted(**overrides) -> dict[str, str]:
    """The page's form as a browser posts it, with ``{"job_title-lead_field": ...}`` changes."""
    data = {}
    for mapping in FieldMapping.objects.all():
        prefix = mapping.hubsync_property
        data[f"{prefix}-lead_field"] = mapping.lead_field
        data[f"{prefix}-contact_field"] = mapping.contact_field
        data[f"{prefix}-sync_rule"] = mapping.sync_rule
    data.update(overrides)
    return data


@pytest.fixture
def org(salesforce, integration_settings):
    salesforce.control.add_field("Lead", "Region__c", label="Region", length=255)
    salesforce.control.add_field("Lead", "Score__c", "double", label="Score")
    setup_check_run(integration_settings=integration_settings)
    return salesforce


def test_the_orgs_fields_are_offered_custom_ones_too(org, admin_browser):
    page = admin_browser.get(URL).content.decode()
    assert "Region (Region__c)" in page and "Title (Title)" in page
    assert "Score (Score__c, double)" in page  # listed apart: a number cannot hold text


def test_a_mapping_change_moves_the_value_on_the_next_sync_and_is_in_the_history(
    org, admin_browser, marketing_admin
):
    response = admin_browser.post(URL, posted(**{"job_title-lead_field": "Region__c"}))
    assert response.status_code == 302
    assert FieldMapping.objects.get(hubsync_property="job_title").lead_field == "Region__c"
    ContactFactory(email="cfo@x.example", job_title="CFO")
    sync_cycle_run(trigger="test")
    [lead] = org.control.records("Lead")
    assert lead["Region__c"] == "CFO" and not lead.get("Title")
    settings = admin_browser.get(reverse("settings_ui:salesforce_settings")).content.decode()
    history = settings.split('id="section-history"')[1]
    assert "Mapping of job_title: Lead field" in history and "Region__c" in history
    assert marketing_admin.get_username() in history


def test_types_and_field_level_security_are_checked(org, admin_browser, integration_settings):
    response = admin_browser.post(URL, posted(**{"job_title-lead_field": "Score__c"}))
    assert response.status_code == 200
    assert "Lead.Score__c is a double field" in response.content.decode()
    org.control.set_field_security(SF_USERNAME, {"Lead.Title": "read"})
    setup_check_run(integration_settings=integration_settings)
    response = admin_browser.post(URL, posted(**{"job_title-sync_rule": "two_way"}))
    assert response.status_code == 200
    assert "Lead.Title is read-only for the integration user" in response.content.decode()
    assert FieldMapping.objects.get(hubsync_property="job_title").sync_rule != "always_salesforce"
    ok = admin_browser.post(URL, posted(**{"job_title-sync_rule": "always_salesforce"}))
    assert ok.status_code == 302  # reading a read-only field is fine


@pytest.mark.slow
def test_viewers_look_marketing_admins_save(org, client, viewer):
    client.force_login(viewer)
    assert client.get(URL).status_code == 200
    assert client.post(URL, posted(**{"job_title-lead_field": "Region__c"})).status_code == 403


def test_the_django_admin_keeps_working_for_staff(org, client, staff):
    client.force_login(staff)
    mapping = FieldMapping.objects.get(hubsync_property="job_title")
    url = reverse("admin:connector_fieldmapping_change", args=[mapping.pk])
    response = client.post(
        url,
        {
            "hubsync_property": "job_title",
            "lead_field": "Region__c",
            "contact_field": mapping.contact_field,
            "sync_rule": "two_way",
        },
    )
    assert response.status_code == 302
    mapping.refresh_from_db()
    assert mapping.lead_field == "Region__c"
