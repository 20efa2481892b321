"""The settings row: the page's main form, credentials, the on/off switch, connection checks.

Every write of the settings goes through here, whoever makes it (the page, the
Django admin, the JSON import, demo setup), so each one unparks, backfills and
enqueues alike.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from ..client import SalesforceClient
from ..errors import AuthenticationFailed, ConfigurationError, ConnectorError, RecoverableError
from ..models import AccountSync, CredentialsStatus, IntegrationSettings
from ..sync.failures import contact_failures_unpark
from ..sync.login import client_login, credentials_mark
from ..sync.pull.watermark import inbound_cursors_reset
from ..version import connector_version_refresh
from .jobs import sync_enqueue

# The fields of the main settings form (sections 4–14 of the page); credentials
# and the on/off switch have services of their own.
SETTINGS_FIELDS: tuple[str, ...] = (
    "api_call_limit",
    "account_sync",
    "opportunity_sync",
    "task_sync",
    "inclusion_list",
    "activity_storage",
    "activity_types",
    "create_contact_from_lead",
    "create_contact_from_contact",
    "new_record_type",
    "lifecycle_transitions",
    "state_country_picklists",
    "delete_when_lead_deleted",
    "delete_when_contact_deleted",
)
# Settings under which records that failed may pass now: changing one retries them at once.
RETRY_ON_CHANGE = {"state_country_picklists", "new_record_type"}


@transaction.atomic
def integration_settings_update(
    *,
    integration_settings: IntegrationSettings,
    data: dict[str, Any],
    acting_user: AbstractBaseUser | None,
) -> IntegrationSettings:
    """Apply the main settings (keys of SETTINGS_FIELDS present in ``data``) at once.

    Validates the whole record first, so an invalid value saves nothing.
    Returns the saved settings; the names of changed fields are in
    ``integration_settings.changed_fields`` for the caller.
    """
    unknown = set(data) - set(SETTINGS_FIELDS)
    if unknown:
        raise ValueError(f"Not settings fields: {sorted(unknown)}")
    changed = [name for name, value in data.items() if getattr(integration_settings, name) != value]
    for name, value in data.items():
        setattr(integration_settings, name, value)
    integration_settings.full_clean(exclude=["site"])
    _set_acting_user(integration_settings, acting_user)
    integration_settings.save()
    integration_settings.changed_fields = changed
    if RETRY_ON_CHANGE & set(changed):
        contact_failures_unpark(failed=True)
    backfills = _backfills_for(integration_settings, changed)
    if backfills:
        inbound_cursors_reset(*backfills)
    sync_enqueue(trigger="settings_saved")
    return integration_settings


@transaction.atomic
def integration_credentials_update(
    *,
    integration_settings: IntegrationSettings,
    username: str,
    password: str,
    security_token: str,
    sandbox: bool,
    acting_user: AbstractBaseUser | None,
) -> IntegrationSettings:
    """Store new credentials; a blank password or token keeps the stored one.

    Any change resets the validation status: the credentials are unchecked
    until a login with them succeeds.
    """
    changed = username != integration_settings.username or sandbox != integration_settings.sandbox
    integration_settings.username = username
    integration_settings.sandbox = sandbox
    if password:
        integration_settings.set_password(password)
        changed = True
    if security_token:
        integration_settings.set_security_token(security_token)
        changed = True
    if changed:
        integration_settings.credentials_status = CredentialsStatus.UNKNOWN
        integration_settings.credentials_error_code = ""
        integration_settings.credentials_error_message = ""
        integration_settings.credentials_checked_at = None
    _set_acting_user(integration_settings, acting_user)
    integration_settings.save()
    return integration_settings


@transaction.atomic
def integration_sync_set(
    *,
    integration_settings: IntegrationSettings,
    enabled: bool,
    acting_user: AbstractBaseUser | None,
) -> IntegrationSettings:
    """Turn the sync on or off (the big button)."""
    _flag_set(integration_settings, "sync_enabled", enabled, acting_user)
    if enabled:
        sync_enqueue(trigger="sync_turned_on")
    return integration_settings


@transaction.atomic
def integration_crm_set(
    *,
    integration_settings: IntegrationSettings,
    enabled: bool,
    acting_user: AbstractBaseUser | None,
) -> IntegrationSettings:
    """The installation's *CRM enabled* flag (staff, in the admin): shows the Task sync section."""
    return _flag_set(integration_settings, "crm_enabled", enabled, acting_user)


def _flag_set(
    integration_settings: IntegrationSettings,
    name: str,
    enabled: bool,
    acting_user: AbstractBaseUser | None,
) -> IntegrationSettings:
    setattr(integration_settings, name, enabled)
    _set_acting_user(integration_settings, acting_user)
    integration_settings.save(update_fields=[name, "updated_by", "updated_at"])
    return integration_settings


def integration_credentials_save(
    *,
    integration_settings: IntegrationSettings,
    username: str,
    password: str,
    security_token: str,
    sandbox: bool,
    acting_user: AbstractBaseUser | None,
) -> bool | None:
    """*Save credentials*: store them, then check them by logging in.

    Returns True (valid), False (Salesforce refused them: its code and message are on
    the settings) or None (saved, but Salesforce could not be reached; the reason is in
    ``integration_settings.credentials_check_error``).
    """
    integration_credentials_update(
        integration_settings=integration_settings,
        username=username,
        password=password,
        security_token=security_token,
        sandbox=sandbox,
        acting_user=acting_user,
    )
    try:
        return integration_credentials_verify(integration_settings=integration_settings)
    except RecoverableError as error:
        integration_settings.credentials_check_error = str(error)
        return None


def integration_credentials_verify(*, integration_settings: IntegrationSettings) -> bool:
    """Log in with the stored credentials and record *Valid* or Salesforce's failure.

    Returns whether they are valid. A network failure leaves the status as it was
    (the credentials may be fine) and raises the RecoverableError.
    """
    client = SalesforceClient.from_settings(integration_settings)
    try:
        client_login(client, integration_settings)
    except ConfigurationError as error:
        credentials_mark(
            integration_settings, error=AuthenticationFailed(error.message, code=error.code)
        )
        return False
    except AuthenticationFailed:
        return False
    connector_version_refresh(client=client, integration_settings=integration_settings)
    sync_enqueue(trigger="credentials_saved")
    return True


def integration_connection_test(
    *, integration_settings: IntegrationSettings
) -> tuple[bool, str, str]:
    """*Test connection*: log in with the stored credentials; saves nothing.

    Returns (ok, code, message) — Salesforce's code and message when it refuses.
    """
    try:
        SalesforceClient.from_settings(integration_settings).login()
    except ConnectorError as error:
        return False, error.code, error.message
    return True, "", ""


def _backfills_for(integration_settings: IntegrationSettings, changed: list[str]) -> set[str]:
    """Objects to read again from the start because a setting now reaches further back."""
    objects: set[str] = set()
    if "account_sync" in changed and integration_settings.account_sync == AccountSync.SYNC:
        objects |= {"Contact", "Account"}  # every synced Contact's Account, not just new ones
    if "opportunity_sync" in changed and integration_settings.opportunity_sync:
        objects |= {"OpportunityContactRole", "Opportunity"}
    if "create_contact_from_lead" in changed and integration_settings.create_contact_from_lead:
        objects.add("Lead")
    if (
        "create_contact_from_contact" in changed
        and integration_settings.create_contact_from_contact
    ):
        objects.add("Contact")
    if "task_sync" in changed and integration_settings.task_sync:
        objects.add("Task")
    return objects


def _set_acting_user(
    integration_settings: IntegrationSettings, acting_user: AbstractBaseUser | None
) -> None:
    user = acting_user if getattr(acting_user, "is_authenticated", False) else None
    integration_settings.updated_by = user
    # Who made the change, for the settings history (django-simple-history).
    integration_settings._history_user = user
