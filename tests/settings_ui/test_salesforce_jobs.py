"""The page against the emulator: credentials checked by logging in, saves start sync jobs."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from connector.credentials.services import integration_credentials_update
from connector.metering import ApiMeter
from connector.models import ApiCallBucket, CredentialsStatus, SyncRun
from connector.sync.cycle import sync_cycle_run
from tests.conftest import SF_PASSWORD, SF_TOKEN, SF_USERNAME
from tests.factories import ContactFactory
from tests.settings_ui.posts import settings_form_data

pytestmark = pytest.mark.django_db

SETTINGS_URL = reverse("settings_ui:salesforce_settings")
CREDENTIALS_URL = reverse("settings_ui:salesforce_credentials")
TEST_CONNECTION_URL = reverse("settings_ui:salesforce_test_connection")


def save_credentials(client, **overrides):
    data = {
        "username": SF_USERNAME,
        "password": SF_PASSWORD,
        "security_token": SF_TOKEN,
    }
    data.update(overrides)
    return client.post(CREDENTIALS_URL, data, follow=True)


def test_valid_credentials_show_valid(admin_browser, salesforce, integration_settings):
    page = save_credentials(admin_browser).content.decode()
    integration_settings.refresh_from_db()
    assert integration_settings.credentials_status == CredentialsStatus.VALID
    assert "Your Salesforce credentials work and were saved." in page
    assert '<span class="badge text-bg-success">Valid</span>' in page


def test_invalid_credentials_show_salesforces_code_and_message(
    admin_browser, salesforce, integration_settings
):
    working = integration_settings.password_encrypted
    page = save_credentials(admin_browser, password="wrong-password").content.decode()
    integration_settings.refresh_from_db()
    # Refused credentials replace nothing: the working ones stay, and so does the sync.
    assert integration_settings.password_encrypted == working
    assert integration_settings.credentials_status != CredentialsStatus.INVALID
    assert "Salesforce refused these credentials: INVALID_LOGIN" in page
    # Salesforce's own message, not a template.
    assert "Invalid username, password, security token; or user locked out." in page
    assert "{content}" not in page
    assert "wrong-password" not in page


def test_new_credentials_are_checked_even_when_hubsyncs_own_limit_is_used_up(
    admin_browser, salesforce, integration_settings
):
    """Issue 18: the check said "could not be reached: API_LIMIT_REACHED" and saved nothing."""
    integration_settings.api_call_limit = 50
    integration_settings.save()
    ApiCallBucket.objects.create(minute=timezone.now(), calls=50)
    salesforce.control.reset_stats()
    page = save_credentials(admin_browser).content.decode()
    integration_settings.refresh_from_db()
    assert integration_settings.credentials_status == CredentialsStatus.VALID
    assert '<span class="badge text-bg-success">Valid</span>' in page
    assert "Your Salesforce credentials work and were saved." in page
    # Says what happened: hubsync's own limit, not Salesforce being out of reach.
    assert "could not be reached" not in page
    assert "hubsync&#x27;s API call limit of 50 calls in 24 hours is used up" in page
    # One login call past the limit, nothing more (no setup check, no org query).
    assert salesforce.control.stats()["total_requests"] == 1
    assert ApiMeter(limit=50).used() == 51
    # Test connection logs in too.
    page = admin_browser.post(TEST_CONNECTION_URL, follow=True).content.decode()
    assert "Connection test: Salesforce accepted the credentials." in page
    assert salesforce.control.stats()["total_requests"] == 2


def test_a_sync_never_starts_with_credentials_known_to_be_invalid(
    admin_browser, salesforce, integration_settings
):
    # Stored without a check (as the admin or an import does); the next cycle finds them bad.
    integration_credentials_update(
        integration_settings=integration_settings, acting_user=None, password="wrong-password"
    )
    assert sync_cycle_run(trigger="test").status == "failed"
    ContactFactory.create_batch(2)
    salesforce.control.reset_stats()
    run = sync_cycle_run(trigger="test")
    assert run.status == "skipped"
    assert run.reason == "The Salesforce credentials are invalid: INVALID_LOGIN."
    assert salesforce.control.stats()["total_requests"] == 0


@pytest.mark.parametrize(
    ("sandbox_user", "sandbox_box", "valid"),
    [
        (True, True, True),
        (True, False, False),
        (False, True, False),
        (False, False, True),
    ],
)
def test_sandbox_logs_in_on_the_test_domain(
    admin_browser, salesforce, integration_settings, sandbox_user, sandbox_box, valid
):
    salesforce.control.create_user("sbx@acme.example", "pw-sbx", "TOK", sandbox=sandbox_user)
    data = {"username": "sbx@acme.example", "password": "pw-sbx", "security_token": "TOK"}
    if sandbox_box:
        data["sandbox"] = "on"
    admin_browser.post(CREDENTIALS_URL, data)
    integration_settings.refresh_from_db()
    # Only credentials that log in are saved; refused ones leave the stored (production) ones.
    assert integration_settings.sandbox is (sandbox_box if valid else False)
    assert (integration_settings.username == "sbx@acme.example") is valid


def test_saving_the_settings_starts_a_sync_that_reads_the_saved_values(
    admin_browser,
    salesforce,
    integration_settings,
    eager_celery,
    django_capture_on_commit_callbacks,
):
    ContactFactory.create_batch(3)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        admin_browser.post(
            SETTINGS_URL, settings_form_data(integration_settings, new_record_type="Contact")
        )
    assert len(callbacks) == 1
    run = SyncRun.objects.get()
    assert run.trigger == "settings_saved"
    assert run.status == "succeeded"
    # The job honoured the value saved in the same request.
    assert len(salesforce.control.records("Contact")) == 3
    assert salesforce.control.records("Lead") == []


def test_an_invalid_save_starts_nothing(
    admin_browser, integration_settings, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        admin_browser.post(
            SETTINGS_URL, settings_form_data(integration_settings, api_call_limit="x")
        )
    assert callbacks == []
