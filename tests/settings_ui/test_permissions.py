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


# -- the matrix over every URL of settings_ui, including any added later -----------------


def _settings_ui_patterns() -> list[tuple[str, object]]:
    """``(reversed url, view class)`` for every pattern in the settings_ui namespace."""
    from django.urls import URLResolver, get_resolver

    found = []
    for entry in get_resolver().url_patterns:
        if isinstance(entry, URLResolver) and entry.namespace == "settings_ui":
            for pattern in entry.url_patterns:
                # Path parameters get a plausible value: 1 for ints, "x" for the rest.
                kwargs = {
                    name: 1 if type(conv).__name__ == "IntConverter" else "x"
                    for name, conv in pattern.pattern.converters.items()
                }
                url = reverse(f"settings_ui:{pattern.name}", kwargs=kwargs or None)
                found.append((url, pattern.callback.view_class))
    assert found, "no settings_ui URLs found"
    return found


def _accepts(view_class, method: str) -> bool:
    return method in view_class.http_method_names and hasattr(view_class, method)


def settings_ui_urls(*, get_only: bool = False, post_only: bool = False) -> list[str]:
    """Every settings_ui URL; ``get_only``: those answering GET, ``post_only``: POST."""
    return [
        url
        for url, view_class in _settings_ui_patterns()
        if (not get_only or _accepts(view_class, "get"))
        and (not post_only or _accepts(view_class, "post"))
    ]


MATRIX = _settings_ui_patterns()


@pytest.mark.parametrize(("url", "view_class"), MATRIX, ids=[url for url, _ in MATRIX])
@pytest.mark.parametrize("who", [None, "viewer", "marketing_admin", "staff"])
def test_permission_matrix_for_every_url(
    client, request, integration_settings, who, url, view_class
):
    """GET and POST on every URL, for each kind of user: never a 500, never a leak."""
    if who:
        client.force_login(request.getfixturevalue(who))
    user = request.getfixturevalue(who) if who else None
    may_manage = bool(user and user.has_perm("connector.change_integrationsettings"))
    get = client.get(url)
    post = client.post(url, {})
    if who is None:
        for response in (get, post):
            assert response.status_code == 302
            assert response["Location"].startswith(f"{LOGIN}?next=")
        return
    refused = (405,) if may_manage else (403, 405)
    if _accepts(view_class, "get"):
        # 302: a page that sends the user on (the OAuth callback back to the settings page);
        # 404: a page of one record (a contact) that does not exist
        allowed = (200, 302) if may_manage else (200, 403)
        assert get.status_code in (*allowed, 404), get.status_code
    else:  # POST-only: a GET is refused
        assert get.status_code in refused, get.status_code
    if not _accepts(view_class, "post"):
        assert post.status_code in refused, post.status_code
    elif not may_manage:
        assert post.status_code == 403  # a viewer may look, never change
        integration_settings.refresh_from_db()
        assert integration_settings.sync_enabled is False
    else:
        assert post.status_code in (200, 302)  # the form with its errors, or done
