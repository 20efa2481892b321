"""Logging in for a cycle or a credentials check, and recording what Salesforce said."""

from __future__ import annotations

from django.utils import timezone

from ..client import SalesforceClient
from ..errors import AuthenticationFailed
from ..models import CredentialsStatus, IntegrationSettings

# What a login check records on the settings (the credentials' status badge).
CREDENTIALS_CHECK_FIELDS = (
    "credentials_status",
    "credentials_error_code",
    "credentials_error_message",
    "credentials_checked_at",
)


def credentials_unchecked(integration_settings: IntegrationSettings) -> None:
    """New credentials nobody logged in with yet: *Not checked yet* (not saved)."""
    integration_settings.credentials_status = CredentialsStatus.UNKNOWN
    integration_settings.credentials_error_code = ""
    integration_settings.credentials_error_message = ""
    integration_settings.credentials_checked_at = None


def credentials_mark(
    integration_settings: IntegrationSettings, *, error: AuthenticationFailed | None
) -> None:
    """Record the outcome of a login: *Valid*, or Salesforce's code and message."""
    integration_settings.credentials_status = (
        CredentialsStatus.INVALID if error else CredentialsStatus.VALID
    )
    integration_settings.credentials_error_code = error.code if error else ""
    integration_settings.credentials_error_message = error.message if error else ""
    integration_settings.credentials_checked_at = timezone.now()
    integration_settings.save(update_fields=list(CREDENTIALS_CHECK_FIELDS))


def client_login(client: SalesforceClient, integration_settings: IntegrationSettings) -> None:
    """Log in; a refusal is recorded on the settings (and raised), a success marks them valid."""
    try:
        client.login()
    except AuthenticationFailed as error:
        credentials_mark(integration_settings, error=error)
        raise
    if integration_settings.credentials_status != CredentialsStatus.VALID:
        credentials_mark(integration_settings, error=None)
    if integration_settings.instance_url != client.instance_url:
        # Not a change anyone made: no entry in the settings' history.
        integration_settings.instance_url = client.instance_url
        IntegrationSettings.objects.filter(pk=integration_settings.pk).update(
            instance_url=client.instance_url
        )
