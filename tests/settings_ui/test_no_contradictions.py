"""Issue 26: what the pages say agrees with itself — one resume time, Disconnect asks first
and then says *Disconnected* (and that nothing listens), Salesforce links go to the org's
instance. (The demo's setup check after its first cycle: tests/settings_ui/test_demo_setup.py;
the kept-and-unlinked delete in the contact's history: tests/connector/services/
test_deletions.py.)"""

from __future__ import annotations

import re
from html import unescape

import pytest
from django.urls import reverse
from django.utils.formats import date_format

from connector.selectors import integration_settings_get
from connector.status import sync_status_get
from connector.sync.cycle import sync_cycle_run
from marketing.models import Contact
from tests.factories import ContactFactory

pytestmark = pytest.mark.django_db

SETTINGS_URL = reverse("settings_ui:salesforce_settings")
STATUS_URL = reverse("settings_ui:salesforce_status")
DISCONNECT_URL = reverse("settings_ui:salesforce_oauth_disconnect")


def text(html: str) -> str:
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html)))


def test_paused_shows_one_resume_time(admin_browser, salesforce, integration_settings):
    integration_settings.api_call_limit = 2
    integration_settings.save()
    ContactFactory.create_batch(2)
    sync_cycle_run(trigger="test")
    status = sync_status_get(integration_settings=integration_settings_get())
    assert status.state == "paused" and status.until is not None
    assert status.next_due_at == status.until
    page = text(admin_browser.get(STATUS_URL).content.decode())
    shown = date_format(status.until, "DATETIME_FORMAT")
    assert f"It resumes by itself at about {shown}" in page
    assert f"Next run {shown}" in page
    assert page.count(shown) == 2  # the same time twice, no other


@pytest.fixture
def connected(salesforce, integration_settings):
    """Connected with Salesforce (a refresh token stored), and a cycle ran."""
    integration_settings.set_secret("refresh_token", "stored-refresh-token")
    integration_settings.connected_username = "integration@acme.example"
    integration_settings.save()
    assert sync_cycle_run(trigger="test").status == "succeeded"
    return integration_settings


@pytest.mark.slow
def test_disconnect_asks_first_then_says_disconnected(admin_browser, connected):
    page = admin_browser.get(SETTINGS_URL).content.decode()
    # The button leads to a question, it does not act (a link, not a form).
    assert f'id="disconnect" href="{DISCONNECT_URL}"' in page
    question = admin_browser.get(DISCONNECT_URL)
    html = question.content.decode()
    assert question.status_code == 200 and "Disconnect from Salesforce?" in html
    # A plain form: no inline script (the Content-Security-Policy forbids it).
    assert not re.search(r"<script(?![^>]*\bsrc=)", html)
    assert 'id="disconnect-confirmed"' in html and f'href="{SETTINGS_URL}"' in html  # Cancel
    assert integration_settings_get().has_refresh_token  # asking changed nothing
    response = admin_browser.post(DISCONNECT_URL, follow=True)
    page = text(response.content.decode())
    assert "Disconnected: hubsync's access to Salesforce was revoked." in page
    assert not integration_settings_get().has_refresh_token
    status = text(admin_browser.get(STATUS_URL).content.decode())
    assert "Disconnected" in status and "connects with Salesforce again" in status
    assert "Credentials refused" not in status and "refused" not in status
    assert "Not listening and not polled" in status and "As they happen" not in status
    assert "Next run" not in status
    assert (
        "Invalid"
        not in text(admin_browser.get(SETTINGS_URL).content.decode())
        .split("Salesforce Credentials", 1)[1]
        .split("Test connection", 1)[0]
    )


def test_viewers_cannot_disconnect(client, viewer, connected):
    client.force_login(viewer)
    assert client.post(DISCONNECT_URL).status_code == 403
    assert client.get(DISCONNECT_URL).status_code == 403
    assert integration_settings_get().has_refresh_token


def test_salesforce_links_use_the_orgs_instance(admin_browser, salesforce, settings):
    contact = ContactFactory()
    sync_cycle_run(trigger="test")
    contact = Contact.objects.get(pk=contact.pk)
    integration = integration_settings_get()
    assert integration.instance_url  # what the login answered
    page = admin_browser.get(reverse("settings_ui:contact_sync", args=[contact.pk]))
    link = page.content.decode().split('id="salesforce-link"')[0].rsplit('href="', 1)[1]
    link = link.split('"', 1)[0]
    # The emulator's own address stands for the instance in the demo and the tests.
    assert link == f"{salesforce.url}/{contact.salesforce_id}"
    assert "login.salesforce.com" not in link
