"""OAuth 2.0 with Salesforce that simple-salesforce does not do: the web server flow with PKCE,
refresh tokens and revocation (Authlib's OAuth2Session, on the connector's own transport and
meter, so the emulator serves it in tests and every call counts).

JWT bearer and client credentials are built into simple-salesforce (connector.client).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import requests
from authlib.common.security import generate_token
from authlib.integrations.base_client.errors import OAuthError
from authlib.integrations.requests_client import OAuth2Session

from .errors import AuthenticationFailed

# What hubsync asks for: the REST API, and a refresh token to keep working unattended.
SCOPE = "api refresh_token"


@dataclass(frozen=True)
class PendingAuthorization:
    """A *Connect with Salesforce* on its way: where to send the admin, and what to check
    when Salesforce sends them back (``state``) and to prove it is us (PKCE verifier)."""

    url: str
    state: str
    code_verifier: str


def _session(
    transport: requests.Session, *, consumer_key: str, consumer_secret: str, redirect_uri: str = ""
) -> OAuth2Session:
    oauth = OAuth2Session(
        client_id=consumer_key,
        client_secret=consumer_secret or None,
        redirect_uri=redirect_uri or None,
        scope=SCOPE,
        code_challenge_method="S256",
        # An External Client App may not require the secret for the web server flow (PKCE).
        token_endpoint_auth_method="client_secret_post" if consumer_secret else "none",
    )
    oauth.adapters = transport.adapters  # the emulator adapter (tests) and the meter
    return oauth


def _token_url(login_host: str) -> str:
    return f"https://{login_host}/services/oauth2/token"


def authorization_start(
    *, transport: requests.Session, login_host: str, consumer_key: str, redirect_uri: str
) -> PendingAuthorization:
    """The authorization URL with a fresh state and PKCE verifier (no request is sent)."""
    verifier = generate_token(64)
    oauth = _session(
        transport, consumer_key=consumer_key, consumer_secret="", redirect_uri=redirect_uri
    )
    url, state = oauth.create_authorization_url(
        f"https://{login_host}/services/oauth2/authorize", code_verifier=verifier
    )
    return PendingAuthorization(url=url, state=state, code_verifier=verifier)


def code_exchange(
    *,
    transport: requests.Session,
    login_host: str,
    consumer_key: str,
    consumer_secret: str,
    redirect_uri: str,
    code: str,
    code_verifier: str,
) -> dict[str, Any]:
    """The authorization code (and the verifier) for tokens; raises AuthenticationFailed."""
    oauth = _session(
        transport,
        consumer_key=consumer_key,
        consumer_secret=consumer_secret,
        redirect_uri=redirect_uri,
    )
    try:
        return dict(
            oauth.fetch_token(
                _token_url(login_host),
                grant_type="authorization_code",
                code=code,
                code_verifier=code_verifier,
            )
        )
    except OAuthError as error:
        raise _refused(error) from None


def token_refresh(
    *,
    transport: requests.Session,
    login_host: str,
    consumer_key: str,
    consumer_secret: str,
    refresh_token: str,
) -> dict[str, Any]:
    """A new access token (``access_token``, ``instance_url``); raises AuthenticationFailed."""
    oauth = _session(transport, consumer_key=consumer_key, consumer_secret=consumer_secret)
    try:
        return dict(oauth.refresh_token(_token_url(login_host), refresh_token=refresh_token))
    except OAuthError as error:
        raise _refused(error) from None


def token_revoke(
    *, transport: requests.Session, login_host: str, consumer_key: str, token: str
) -> None:
    """Revoke a refresh token (and its access tokens); a token already gone is fine."""
    oauth = _session(transport, consumer_key=consumer_key, consumer_secret="")
    oauth.revoke_token(
        f"https://{login_host}/services/oauth2/revoke", token=token, token_type_hint="refresh_token"
    )


def identity(*, transport: requests.Session, token: dict[str, Any]) -> dict[str, Any]:
    """The identity behind a token (``username``, ``organization_id``…), from its ``id`` URL."""
    response = transport.get(
        token["id"], headers={"Authorization": f"Bearer {token['access_token']}"}
    )
    if response.status_code != 200:
        raise AuthenticationFailed(
            "Salesforce did not say who this connection belongs to.", code="IDENTITY_FAILED"
        )
    return response.json()


def _refused(error: OAuthError) -> AuthenticationFailed:
    return AuthenticationFailed(error.description or error.error, code=error.error or "OAUTH")
