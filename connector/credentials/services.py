"""Credentials: saved only once they work, *Connect with Salesforce*, Disconnect, Test connection.

A new set of credentials (any method of connector.credentials.methods) is tried by logging in first;
the working credentials are replaced only when the new ones work. Refused ones come
back with Salesforce's own code and message, and nothing changes.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from typing import Any

import requests
from django.conf import settings as django_settings
from django.db import transaction

from ..client import SalesforceClient, salesforce_transport
from ..errors import (
    ApiLimitReached,
    AuthenticationFailed,
    ConfigurationError,
    ConnectorError,
    RecoverableError,
)
from ..metering import ApiMeter
from ..models import SECRET_NAMES, AuthMethod, IntegrationSettings
from ..services.acting_user import ActingUser
from ..services.jobs import sync_enqueue
from ..services.settings import set_acting_user
from ..services.setup_check import SETUP_CHECK_DUE, setup_check_run
from ..transport import browser_url
from .methods import Credentials, credentials_from_settings
from .oauth import (
    PendingAuthorization,
    authorization_start,
    code_exchange,
    identity,
    token_revoke,
)
from .rules import PLAIN_FIELDS, integration_credentials_clean
from .status import CREDENTIALS_CHECK_FIELDS, credentials_mark, credentials_unchecked

logger = logging.getLogger(__name__)

# The columns a credentials change writes (saves name them: nothing else is overwritten).
CREDENTIAL_COLUMNS = (
    *PLAIN_FIELDS.values(),
    *(f"{name}_encrypted" for name in SECRET_NAMES),
    "secrets_changed_at",
    "connected_username",
    "connected_org_name",
    "instance_url",
)


@dataclass(frozen=True)
class CredentialsOutcome:
    """What saving credentials came to: saved (they work), refused (Salesforce's code and
    message), or not checked (Salesforce unreachable; nothing saved).

    ``limit_reached``: saved, but hubsync's own API call limit is used up, so the setup
    check and the sync wait for the 24-hour window to free up (``message`` says so); or,
    not saved, an API limit stopped the check (``code`` and ``message`` say which).
    """

    saved: bool
    code: str = ""
    message: str = ""
    unreachable: bool = False
    limit_reached: bool = False


def integration_credentials_save(
    *,
    integration_settings: IntegrationSettings,
    acting_user: ActingUser,
    **changes: Any,
) -> CredentialsOutcome:
    """*Save credentials*: log in with the new ones; store them only when that works.

    ``changes`` are fields of connector.credentials.methods.Credentials (a blank secret keeps
    the stored one).
    Raises ValidationError for a value the rules refuse (nothing is sent anywhere then).
    """
    changes = integration_credentials_clean(
        integration_settings=integration_settings, changes=changes
    )
    candidate = credentials_from_settings(integration_settings, **changes)
    return _verify_and_store(integration_settings, candidate, acting_user=acting_user)


@transaction.atomic
def integration_credentials_update(
    *,
    integration_settings: IntegrationSettings,
    acting_user: ActingUser,
    **changes: Any,
) -> IntegrationSettings:
    """Store credentials without checking them (the admin, a settings import, demo setup):
    they are *not checked yet* until a cycle logs in with them. Raises ValidationError
    (connector.credentials.rules) and then stores nothing."""
    changes = integration_credentials_clean(
        integration_settings=integration_settings, changes=changes
    )
    candidate = credentials_from_settings(integration_settings, **changes)
    if _store(integration_settings, candidate):
        credentials_unchecked(integration_settings)
        # The page's Save runs the setup check; here the first cycle that logs in does.
        integration_settings.setup_check = {SETUP_CHECK_DUE: True}
    set_acting_user(integration_settings, acting_user)
    integration_settings.save(
        update_fields=[
            *CREDENTIAL_COLUMNS,
            *CREDENTIALS_CHECK_FIELDS,
            "connector_version_checked_at",
            "setup_check",
            "updated_by",
            "updated_at",
        ]
    )
    return integration_settings


def integration_connection_test(
    *, integration_settings: IntegrationSettings
) -> tuple[bool, str, str]:
    """*Test connection*: log in with the stored credentials; saves nothing.

    Returns (ok, code, message) — Salesforce's code and message when it refuses.
    """
    outcome = _login(integration_settings, credentials_from_settings(integration_settings))
    if isinstance(outcome, ConnectorError):
        return False, outcome.code, outcome.message
    return True, "", ""


# -- Connect with Salesforce (OAuth 2.0 web server flow with PKCE) ----------------------------


def oauth_connect_start(
    *,
    integration_settings: IntegrationSettings,
    consumer_key: str,
    sandbox: bool,
    my_domain: str,
    redirect_uri: str,
) -> PendingAuthorization:
    """Where to send the admin to log in and approve; the caller keeps state and verifier."""
    draft = credentials_from_settings(
        integration_settings,
        method=AuthMethod.WEB_SERVER,
        consumer_key=consumer_key,
        sandbox=sandbox,
        my_domain=my_domain,
    )
    pending = authorization_start(
        transport=salesforce_transport(integration_settings),
        login_host=draft.login_host,
        consumer_key=consumer_key,
        redirect_uri=redirect_uri,
    )
    return replace(pending, url=browser_url(pending.url, django_settings.SALESFORCE_EMULATOR_URL))


def oauth_connect_finish(
    *,
    integration_settings: IntegrationSettings,
    consumer_key: str,
    consumer_secret: str,
    sandbox: bool,
    my_domain: str,
    redirect_uri: str,
    code: str,
    code_verifier: str,
    acting_user: ActingUser,
) -> CredentialsOutcome:
    """Salesforce sent the admin back with a code: exchange it, then store the connection
    (its refresh token, encrypted) if it works."""
    draft = credentials_from_settings(
        integration_settings,
        method=AuthMethod.WEB_SERVER,
        consumer_key=consumer_key,
        consumer_secret=consumer_secret,
        sandbox=sandbox,
        my_domain=my_domain,
    )
    # The sign-in (code exchange and identity) may pass hubsync's own limit, as a login does.
    transport = salesforce_transport(integration_settings, meter=ApiMeter(limit=None))
    try:
        token = code_exchange(
            transport=transport,
            login_host=draft.login_host,
            consumer_key=consumer_key,
            consumer_secret=draft.consumer_secret,
            redirect_uri=redirect_uri,
            code=code,
            code_verifier=code_verifier,
        )
        who = identity(transport=transport, token=token)
    except AuthenticationFailed as error:
        return CredentialsOutcome(saved=False, code=error.code, message=error.message)
    except ApiLimitReached as error:
        return CredentialsOutcome(
            saved=False, code=error.code, message=error.message, limit_reached=True
        )
    except RecoverableError as error:
        return CredentialsOutcome(saved=False, message=str(error), unreachable=True)
    candidate = replace(
        draft, refresh_token=token.get("refresh_token", ""), username=who.get("username", "")
    )
    return _verify_and_store(integration_settings, candidate, acting_user=acting_user)


#: The credentials' error code after *Disconnect* (the status says *Disconnected*).
DISCONNECTED = "DISCONNECTED"


def oauth_disconnect(
    *, integration_settings: IntegrationSettings, acting_user: ActingUser
) -> IntegrationSettings:
    """*Disconnect*: revoke the refresh token at Salesforce and forget it; the sync stops
    until the admin connects again (the status says so)."""
    credentials = credentials_from_settings(integration_settings)
    if credentials.refresh_token:
        try:
            token_revoke(
                transport=salesforce_transport(integration_settings),
                login_host=credentials.login_host,
                consumer_key=credentials.consumer_key,
                token=credentials.refresh_token,
            )
        except (requests.RequestException, ConnectorError) as error:
            # Forgetting the token here must still happen; Salesforce expires it unused.
            logger.warning("Could not revoke the Salesforce refresh token: %s", error)
    integration_settings.set_secret("refresh_token", "")
    integration_settings.connected_username = ""
    integration_settings.connected_org_name = ""
    set_acting_user(integration_settings, acting_user)
    integration_settings.save(update_fields=[*CREDENTIAL_COLUMNS, "updated_by", "updated_at"])
    credentials_mark(
        integration_settings,
        error=AuthenticationFailed(
            "Disconnected from Salesforce: connect again to sync.", code=DISCONNECTED
        ),
    )
    return integration_settings


# -- the one way credentials become the working ones -----------------------------------------


def _login(
    integration_settings: IntegrationSettings, credentials: Credentials
) -> SalesforceClient | AuthenticationFailed | RecoverableError:
    """Log in with ``credentials``: the logged-in client, or why not (a missing value or an
    org's refusal as AuthenticationFailed with Salesforce's code; an outage as itself).

    The login call itself may go past hubsync's own API call limit (it is still counted):
    a used-up limit must not lock an admin out of checking and fixing the credentials.
    Every later call of the client keeps to the limit again.
    """
    try:
        client = SalesforceClient.from_settings(
            integration_settings, credentials=credentials, meter=ApiMeter(limit=None)
        )
        client.login()
        client.meter.limit = integration_settings.api_call_limit
    except ConfigurationError as error:
        return AuthenticationFailed(error.message, code=error.code)
    except AuthenticationFailed as error:
        return error
    except RecoverableError as error:
        return error
    return client


def _verify_and_store(
    integration_settings: IntegrationSettings,
    candidate: Credentials,
    *,
    acting_user: ActingUser,
) -> CredentialsOutcome:
    outcome = _login(integration_settings, candidate)
    if isinstance(outcome, ApiLimitReached):  # the org's daily limit, at login
        return CredentialsOutcome(
            saved=False, code=outcome.code, message=outcome.message, limit_reached=True
        )
    if isinstance(outcome, RecoverableError):
        return CredentialsOutcome(saved=False, message=str(outcome), unreachable=True)
    if isinstance(outcome, AuthenticationFailed):
        return CredentialsOutcome(saved=False, code=outcome.code, message=outcome.message)
    with transaction.atomic():
        _store(integration_settings, candidate)
        integration_settings.connected_org_name = _org_name(outcome)
        integration_settings.connected_username = candidate.username
        integration_settings.instance_url = outcome.instance_url
        set_acting_user(integration_settings, acting_user)
        # Only the credentials: a cycle or another tab may have written the rest meanwhile.
        integration_settings.save(
            update_fields=[
                *CREDENTIAL_COLUMNS,
                "connector_version_checked_at",
                "updated_by",
                "updated_at",
            ]
        )
        credentials_mark(integration_settings, error=None)
        sync_enqueue(trigger="credentials_saved")
    try:
        outcome.meter.check()
    except ApiLimitReached as error:
        # The setup check would only hit the limit: it keeps its last result, and the
        # sync resumes by itself when the window frees up (the status panel says so).
        return CredentialsOutcome(saved=True, message=error.message, limit_reached=True)
    # What the org has (and its version) shows at once; a Save it rules out is refused.
    setup_check_run(integration_settings=integration_settings)
    return CredentialsOutcome(saved=True)


def _org_name(client: SalesforceClient) -> str:
    try:
        rows = client.query_all("SELECT Name FROM Organization")
    except ConnectorError:  # hubsync's own limit too: the name is only a nicety
        return ""
    return rows[0].get("Name", "") if rows else ""


def _store(integration_settings: IntegrationSettings, credentials: Credentials) -> bool:
    """Put ``credentials`` on the settings (not saved); returns whether anything changed."""
    changed = False
    for name, attribute in PLAIN_FIELDS.items():
        value = getattr(credentials, name)
        if getattr(integration_settings, attribute) != value:
            setattr(integration_settings, attribute, value)
            changed = True
    for name in SECRET_NAMES:
        value = getattr(credentials, name)
        if value != integration_settings.get_secret(name):
            integration_settings.set_secret(name, value)
            changed = True
    if changed:  # another org, maybe: its connector version is read again at the next cycle
        integration_settings.connector_version_checked_at = None
    return changed
