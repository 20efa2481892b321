"""Who may do what, for every URL of the app: anonymous, viewer, marketing admin, staff."""

from __future__ import annotations

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

LOGIN = reverse("login")
PAGES = [
    reverse("settings_ui:integrations"),
    reverse("settings_ui:salesforce_settings"),
]
FORMS = [
    (reverse("settings_ui:salesforce_settings"), {"api_call_limit": "10"}),
    (reverse("settings_ui:salesforce_credentials"), {"username": "a@b.example"}),
    (reverse("settings_ui:salesforce_sync_toggle"), {"sync_enabled": "True"}),
]
CREATE_LIST = reverse("settings_ui:inclusion_list_create")
ADMIN_PAGES = [
    reverse("admin:index"),
    reverse("admin:connector_integrationsettings_changelist"),
    reverse("admin:marketing_contact_changelist"),
]


@pytest.mark.parametrize("url", [*PAGES, CREATE_LIST])
def test_anonymous_is_sent_to_login(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(f"{LOGIN}?next=")


@pytest.mark.parametrize(("url", "data"), FORMS)
def test_anonymous_cannot_post(client, url, data, integration_settings):
    response = client.post(url, data)
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)
    integration_settings.refresh_from_db()
    assert integration_settings.sync_enabled is False
    assert integration_settings.username == ""


@pytest.mark.parametrize("url", PAGES)
@pytest.mark.parametrize("who", ["viewer", "marketing_admin", "staff"])
def test_every_logged_in_user_sees_the_pages(client, request, who, url):
    client.force_login(request.getfixturevalue(who))
    assert client.get(url).status_code == 200


def test_viewer_sees_a_read_only_page(client, viewer):
    client.force_login(viewer)
    html = client.get(reverse("settings_ui:salesforce_settings")).content.decode()
    assert 'id="read-only-notice"' in html
    assert 'value="Save"' not in html
    assert "Save credentials" not in html
    assert (
        'name="api_call_limit"' in html
        and "disabled" in html.split('name="api_call_limit"')[1].split(">")[0]
    )


@pytest.mark.parametrize(("url", "data"), FORMS)
def test_viewer_may_not_save(client, viewer, url, data, integration_settings):
    client.force_login(viewer)
    assert client.post(url, data).status_code == 403
    integration_settings.refresh_from_db()
    assert integration_settings.sync_enabled is False
    assert integration_settings.api_call_limit is None


def test_viewer_may_not_create_inclusion_lists(client, viewer):
    client.force_login(viewer)
    assert client.get(CREATE_LIST).status_code == 403
    assert client.post(CREATE_LIST, {"name": "x"}).status_code == 403


@pytest.mark.parametrize("who", ["marketing_admin", "staff"])
def test_marketing_admins_and_staff_may_save(client, request, who, integration_settings):
    client.force_login(request.getfixturevalue(who))
    html = client.get(reverse("settings_ui:salesforce_settings")).content.decode()
    assert 'id="read-only-notice"' not in html
    response = client.post(reverse("settings_ui:salesforce_sync_toggle"), {"sync_enabled": "True"})
    assert response.status_code == 302
    integration_settings.refresh_from_db()
    assert integration_settings.sync_enabled is True
    assert client.get(CREATE_LIST).status_code == 200


@pytest.mark.parametrize("url", ADMIN_PAGES)
@pytest.mark.parametrize("who", [None, "viewer", "marketing_admin"])
def test_only_staff_reach_the_admin(client, request, who, url):
    if who:
        client.force_login(request.getfixturevalue(who))
    response = client.get(url)
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


@pytest.mark.parametrize("url", ADMIN_PAGES)
def test_staff_reach_the_admin(client, staff, url):
    client.force_login(staff)
    assert client.get(url).status_code == 200


def test_login_page_logs_in_and_goes_to_integrations(client, marketing_admin):
    from tests.conftest import PASSWORD

    response = client.post(LOGIN, {"username": "marketer", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("settings_ui:integrations")
    html = client.get(reverse("settings_ui:integrations")).content.decode()
    assert reverse("settings_ui:salesforce_settings") in html
