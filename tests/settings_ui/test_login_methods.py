"""Each way in, end to end: the page's credentials form → a login at the emulator → a sync
that pushes and pulls. And what an org created today does: no SOAP login, My Domain only."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from connector.models import AuthMethod, CredentialsStatus
from connector.sync.cycle import sync_cycle_run
from salesforce_emulator.testing import jwt_key_pair
from tests.conftest import SF_PASSWORD, SF_TOKEN, SF_USERNAME
from tests.factories import ContactFactory

pytestmark = pytest.mark.django_db

CREDENTIALS_URL = reverse("settings_ui:salesforce_credentials")
CALLBACK = "http://testserver" + reverse("settings_ui:salesforce_oauth_callback")
KEY = "3MVG9-hubsync-app"
SECRET = "app-secret-123"
MY_DOMAIN = "acme.my.salesforce.com"


@pytest.fixture
def new_org(salesforce):
    """An org created today: SOAP login off, logins through its My Domain only."""
    salesforce.control.configure_org(
        soap_login_enabled=False, my_domain=MY_DOMAIN, login_requires_my_domain=True
    )
    return salesforce


def syncs_both_ways(salesforce) -> None:
    """A contact goes to Salesforce, a Lead comes back."""
    ContactFactory(email="out@acme.example", last_name="Out")
    salesforce.control.load_records(
        "Lead", [{"Email": "in@acme.example", "LastName": "In", "Company": "Acme"}]
    )
    run = sync_cycle_run(trigger="test")
    assert run.status == "succeeded", run.reason
    emails = {r["Email"] for r in salesforce.control.records("Lead")}
    assert "out@acme.example" in emails
    assert run.counts["pull_created"] == 1


def post(client, **data):
    return client.post(CREDENTIALS_URL, data, follow=True)


@pytest.mark.slow
def test_jwt_bearer(new_org, admin_browser, integration_settings):
    key, certificate = jwt_key_pair()
    new_org.control.add_connected_app(KEY, SECRET, certificate=certificate)
    page = post(
        admin_browser,
        method="jwt",
        my_domain=MY_DOMAIN,
        consumer_key=KEY,
        username=SF_USERNAME,
        private_key=key,
    ).content.decode()
    assert "work and were saved" in page
    integration_settings.refresh_from_db()
    assert integration_settings.auth_method == AuthMethod.JWT
    assert integration_settings.credentials_status == CredentialsStatus.VALID
    assert "BEGIN" not in page  # the key is never shown again
    syncs_both_ways(new_org)


def test_jwt_with_the_wrong_key_leaves_the_working_connection(
    salesforce, admin_browser, integration_settings
):
    _, certificate = jwt_key_pair()
    other_key, _ = jwt_key_pair()
    salesforce.control.add_connected_app(KEY, SECRET, certificate=certificate)
    page = post(
        admin_browser, method="jwt", consumer_key=KEY, username=SF_USERNAME, private_key=other_key
    ).content.decode()
    assert "Salesforce refused these credentials: invalid_grant invalid assertion" in page
    assert "BEGIN" not in page  # the refused key is not shown again either
    integration_settings.refresh_from_db()
    assert integration_settings.auth_method == AuthMethod.PASSWORD  # still the working one
    assert not integration_settings.has_secret("private_key")
    syncs_both_ways(salesforce)


@pytest.mark.slow
def test_the_private_key_can_be_uploaded_as_a_file(new_org, admin_browser, integration_settings):
    key, certificate = jwt_key_pair()
    new_org.control.add_connected_app(KEY, SECRET, certificate=certificate)
    upload = SimpleUploadedFile("hubsync.key", key.encode(), content_type="application/x-pem-file")
    page = admin_browser.post(
        CREDENTIALS_URL,
        {
            "method": "jwt",
            "my_domain": MY_DOMAIN,
            "consumer_key": KEY,
            "username": SF_USERNAME,
            "private_key_file": upload,
        },
        follow=True,
    ).content.decode()
    assert "work and were saved" in page
    integration_settings.refresh_from_db()
    assert integration_settings.get_secret("private_key") == key.strip()


def test_not_a_private_key_is_refused_at_the_field(salesforce, admin_browser):
    page = post(
        admin_browser, method="jwt", consumer_key=KEY, username=SF_USERNAME, private_key="hello"
    ).content.decode()
    assert "This is not a PEM private key" in page


@pytest.mark.slow
def test_client_credentials_on_my_domain(new_org, admin_browser, integration_settings):
    new_org.control.add_connected_app(KEY, SECRET, username=SF_USERNAME)
    page = post(
        admin_browser,
        method="client_credentials",
        my_domain=MY_DOMAIN,
        consumer_key=KEY,
        consumer_secret=SECRET,
    ).content.decode()
    assert "work and were saved" in page
    integration_settings.refresh_from_db()
    assert integration_settings.get_secret("consumer_secret") == SECRET
    syncs_both_ways(new_org)
    # A wrong secret afterwards changes nothing.
    page = post(
        admin_browser,
        method="client_credentials",
        my_domain=MY_DOMAIN,
        consumer_key=KEY,
        consumer_secret="wrong",
    ).content.decode()
    assert "invalid_client" in page
    integration_settings.refresh_from_db()
    assert integration_settings.get_secret("consumer_secret") == SECRET


def test_client_credentials_need_a_my_domain(salesforce, admin_browser):
    page = post(
        admin_browser, method="client_credentials", consumer_key=KEY, consumer_secret=SECRET
    ).content.decode()
    assert "This login method needs this." in page


def connect(client, salesforce, *, password=SF_PASSWORD, **extra):
    """*Connect with Salesforce* → the emulator's login page → back to hubsync."""
    response = client.post(
        CREDENTIALS_URL, {"method": "web_server", "consumer_key": KEY, "connect": "1", **extra}
    )
    assert response.status_code == 302
    authorize = response["Location"]
    assert authorize.startswith(salesforce.url + "/services/oauth2/authorize")
    query = parse_qs(urlsplit(authorize).query)
    assert query["code_challenge_method"] == ["S256"] and query["redirect_uri"] == [CALLBACK]
    browser = requests.Session()  # a browser: it reaches the emulator directly
    login_page = browser.get(authorize)
    assert "Log In and Allow" in login_page.text
    fields = {k: v[0] for k, v in query.items()}
    approved = browser.post(
        salesforce.url + "/services/oauth2/authorize",
        data={**fields, "username": SF_USERNAME, "password": password},
        allow_redirects=False,
    )
    assert approved.status_code == 302, approved.text
    back = urlsplit(approved.headers["Location"])
    return client.get(f"{back.path}?{back.query}", follow=True)


def test_connect_with_salesforce(new_org, admin_browser, integration_settings):
    new_org.control.add_connected_app(KEY, SECRET, callback_url=CALLBACK)
    page = connect(admin_browser, new_org, my_domain=MY_DOMAIN).content.decode()
    integration_settings.refresh_from_db()
    org = new_org.control.org()["org_name"]
    assert f"Connected as {SF_USERNAME} ({org})" in page
    assert integration_settings.auth_method == AuthMethod.WEB_SERVER
    assert integration_settings.has_refresh_token
    refresh_token = integration_settings.get_secret("refresh_token")
    assert refresh_token not in page
    syncs_both_ways(new_org)
    # Expired access tokens are refreshed by themselves.
    new_org.control.expire_sessions()
    assert sync_cycle_run(trigger="test").status == "succeeded"
    # The token endpoint down: an outage to retry, no verdict on the connection.
    new_org.control.add_fault(r"/services/oauth2/token", status=503, count=5)
    new_org.control.expire_sessions()
    run = sync_cycle_run(trigger="test")
    assert (run.status, run.retry_soon) == ("failed", True), run.reason
    integration_settings.refresh_from_db()
    assert integration_settings.credentials_status == CredentialsStatus.VALID
    new_org.control.clear_faults()
    # Disconnect revokes the refresh token at Salesforce.
    admin_browser.post(reverse("settings_ui:salesforce_oauth_disconnect"))
    integration_settings.refresh_from_db()
    assert not integration_settings.has_refresh_token
    assert integration_settings.credentials_error_code == "DISCONNECTED"  # the page says so
    assert sync_cycle_run(trigger="test").status == "skipped"
    token = requests.post(
        new_org.url + "/services/oauth2/token",
        data={"grant_type": "refresh_token", "refresh_token": refresh_token, "client_id": KEY},
    )
    assert token.status_code == 400 and token.json()["error"] == "invalid_grant"


def test_a_callback_that_was_not_started_here_changes_nothing(
    salesforce, admin_browser, integration_settings
):
    page = admin_browser.get(
        reverse("settings_ui:salesforce_oauth_callback") + "?code=x&state=forged", follow=True
    ).content.decode()
    assert "was not started here" in page
    integration_settings.refresh_from_db()
    assert integration_settings.auth_method == AuthMethod.PASSWORD


def test_an_org_without_soap_login_refuses_the_legacy_method(new_org, admin_browser):
    page = post(
        admin_browser,
        method="password",
        my_domain=MY_DOMAIN,
        username=SF_USERNAME,
        password=SF_PASSWORD,
        security_token=SF_TOKEN,
    ).content.decode()
    assert "INVALID_OPERATION" in page
    assert "SOAP API login() is disabled by default in this org" in page


@pytest.mark.slow
def test_the_legacy_method_is_marked_with_its_retirement(admin_browser):
    page = admin_browser.get(reverse("settings_ui:salesforce_settings")).content.decode()
    assert "Legacy" in page and "Summer &#x27;27" in page
    assert "Callback URL to enter in the External Client App" in page
    assert CALLBACK in page
