"""The four ways in to an org (SALESFORCE_API.md "Authentication"), and where logins go.

- ``web_server``: *Connect with Salesforce*; the stored refresh token buys access tokens
  (connector.credentials.oauth) that simple-salesforce then uses as a session id.
- ``jwt``: JWT bearer, server to server (consumer key, username, private key).
- ``client_credentials``: consumer key and secret, on the org's My Domain only.
- ``password``: SOAP login() with username, password and security token (legacy:
  disabled in orgs created since Winter '26, retired in Summer '27).
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Any

import requests
from simple_salesforce import Salesforce

from ..errors import AuthenticationFailed
from ..models import SECRET_NAMES, AuthMethod
from ..salesforce_hosts import allow_instance
from .oauth import token_refresh

API_VERSION = "59.0"
# When the legacy method stops working everywhere (shown on the page).
SOAP_LOGIN_RETIREMENT = "Summer '27"
SALESFORCE_SUFFIX = ".salesforce.com"
# Salesforce always says where the org lives; a login answer without it is not Salesforce's.
NO_INSTANCE = (
    "The login answer names no Salesforce instance (no instance_url or serverUrl): it did not "
    "come from Salesforce."
)


# What each method needs typed in (Credentials fields); Connect with Salesforce's refresh
# token comes from Salesforce itself, so a login needs it too (Credentials.missing).
NEEDS: dict[str, tuple[str, ...]] = {
    AuthMethod.PASSWORD: ("username", "password"),
    AuthMethod.JWT: ("consumer_key", "username", "private_key"),
    AuthMethod.CLIENT_CREDENTIALS: ("consumer_key", "consumer_secret", "my_domain"),
    AuthMethod.WEB_SERVER: ("consumer_key",),
}


@dataclass(frozen=True)
class Credentials:
    username: str
    password: str
    security_token: str
    sandbox: bool
    method: str = AuthMethod.PASSWORD
    my_domain: str = ""
    consumer_key: str = ""
    consumer_secret: str = ""
    private_key: str = ""
    refresh_token: str = ""

    def __repr__(self) -> str:  # never print secrets
        return (
            f"Credentials(method={self.method!r}, username={self.username!r}, "
            f"sandbox={self.sandbox}, my_domain={self.my_domain!r})"
        )

    @property
    def login_host(self) -> str:
        if self.my_domain:
            return self.my_domain
        return "test.salesforce.com" if self.sandbox else "login.salesforce.com"

    @property
    def domain(self) -> str:
        """simple-salesforce's ``domain``: the login host without ``.salesforce.com``."""
        return self.login_host.removesuffix(SALESFORCE_SUFFIX)

    def missing(self) -> str | None:
        """What this method still needs, or None when it is complete."""
        needs = NEEDS[AuthMethod(self.method)]
        if self.method == AuthMethod.WEB_SERVER:
            needs = (*needs, "refresh_token")
        absent = [name for name in needs if not getattr(self, name)]
        return ", ".join(absent) if absent else None


def credentials_from_settings(integration_settings: Any, **changes: Any) -> Credentials:
    """The stored credentials, with ``changes`` on top (a blank secret keeps the stored one)."""
    stored = Credentials(
        username=integration_settings.username,
        password=integration_settings.get_password(),
        security_token=integration_settings.get_security_token(),
        sandbox=integration_settings.sandbox,
        method=integration_settings.auth_method,
        my_domain=integration_settings.my_domain,
        consumer_key=integration_settings.consumer_key,
        consumer_secret=integration_settings.get_secret("consumer_secret"),
        private_key=integration_settings.get_secret("private_key"),
        refresh_token=integration_settings.get_secret("refresh_token"),
    )
    known = {f.name for f in fields(Credentials)}
    changes = {
        name: value
        for name, value in changes.items()
        if name in known and not (name in SECRET_NAMES and not value)
    }
    return replace(stored, **changes)


def salesforce_login(credentials: Credentials, session: requests.Session) -> Salesforce:
    """Log in by the credentials' method; simple-salesforce and OAuth errors pass through.

    The instance Salesforce returns becomes a host this session may send the token to
    (connector.salesforce_hosts); nothing else does."""
    try:
        sf = _login(credentials, session)
    except (AttributeError, KeyError, TypeError):
        # simple-salesforce reads instance_url / serverUrl without checking it is there.
        raise AuthenticationFailed(NO_INSTANCE, code="NO_INSTANCE_URL") from None
    if not sf.sf_instance:
        raise AuthenticationFailed(NO_INSTANCE, code="NO_INSTANCE_URL")
    allow_instance(session, sf.sf_instance)
    return sf


def _login(credentials: Credentials, session: requests.Session) -> Salesforce:
    common: dict[str, Any] = {"session": session, "version": API_VERSION}
    method = AuthMethod(credentials.method)
    if method == AuthMethod.WEB_SERVER:
        token = token_refresh(
            transport=session,
            login_host=credentials.login_host,
            consumer_key=credentials.consumer_key,
            consumer_secret=credentials.consumer_secret,
            refresh_token=credentials.refresh_token,
        )
        if not token.get("instance_url") or not token.get("access_token"):
            # Salesforce always names the instance; an answer without it is not Salesforce's.
            raise AuthenticationFailed(NO_INSTANCE, code="NO_INSTANCE_URL")
        allow_instance(session, token["instance_url"])
        return Salesforce(
            instance_url=token["instance_url"], session_id=token["access_token"], **common
        )
    if method == AuthMethod.JWT:
        return Salesforce(
            username=credentials.username,
            consumer_key=credentials.consumer_key,
            privatekey=credentials.private_key,
            domain=credentials.domain,
            **common,
        )
    if method == AuthMethod.CLIENT_CREDENTIALS:
        return Salesforce(
            consumer_key=credentials.consumer_key,
            consumer_secret=credentials.consumer_secret,
            domain=credentials.domain,
            **common,
        )
    return Salesforce(
        username=credentials.username,
        password=credentials.password,
        security_token=credentials.security_token,
        domain=credentials.domain,
        **common,
    )
