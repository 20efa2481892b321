"""OAuth 2.0 with Salesforce that simple-salesforce does not do: the web server flow with PKCE,
refresh tokens and revocation (Authlib's OAuth2Session, on the connector's own transport and
meter, so the emulator serves it in tests and every call counts).

JWT bearer and client credentials are built into simple-salesforce (connector.client).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import requests
from authlib.common.security import generate_token
from authlib.integrations.base_client.errors import OAuthError
from authlib.integrations.requests_client import OAuth2Session

from ..errors import AuthenticationFailed, ConnectorError, RecoverableError
from ..transport import CALL_OPTIONS

# What hubsync asks for: the REST API, and a refresh token to keep working unattended.
SCOPE = "api refresh_token"
TIMEOUT = (10, 60)
# OAuth error codes that say "try again later", not "these credentials are bad".
RECOVERABLE_OAUTH_ERRORS = {"temporarily_unavailable", "server_error"}


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
        default_timeout=TIMEOUT,
    )
    oauth.adapters = transport.adapters  # the emulator adapter (tests) and the meter
    oauth.headers.update(CALL_OPTIONS)  # client=hubsync, as on every call
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
    with _translated():
        return dict(
            oauth.fetch_token(
                _token_url(login_host),
                grant_type="authorization_code",
                code=code,
                code_verifier=code_verifier,
            )
        )


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
    with _translated():
        return dict(oauth.refresh_token(_token_url(login_host), refresh_token=refresh_token))


def token_revoke(
    *, transport: requests.Session, login_host: str, consumer_key: str, token: str
) -> None:
    """Revoke a refresh token (and its access tokens); a token already gone is fine."""
    oauth = _session(transport, consumer_key=consumer_key, consumer_secret="")
    with _translated():
        oauth.revoke_token(
            f"https://{login_host}/services/oauth2/revoke",
            token=token,
            token_type_hint="refresh_token",
        )


def identity(*, transport: requests.Session, token: dict[str, Any]) -> dict[str, Any]:
    """The identity behind a token (``username``, ``organization_id``…), from its ``id`` URL."""
    if "id" not in token or "access_token" not in token:
        raise AuthenticationFailed("Salesforce's token answer has no identity.", code="NO_IDENTITY")
    with _translated():
        response = transport.get(
            token["id"],
            headers={"Authorization": f"Bearer {token['access_token']}"},
            timeout=TIMEOUT,
        )
    if response.status_code >= 500:
        raise RecoverableError(f"Salesforce answered {response.status_code}.", code="IDENTITY")
    if response.status_code != 200:
        raise AuthenticationFailed(
            "Salesforce did not say who this connection belongs to.", code="IDENTITY_FAILED"
        )
    return response.json()


@contextmanager
def _translated() -> Iterator[None]:
    """OAuth and HTTP failures as the connector's errors: an outage is recoverable (and says
    nothing about the credentials), a refusal is AuthenticationFailed with Salesforce's code."""
    try:
        yield
    except ConnectorError:
        raise
    except OAuthError as error:
        code, message = error.error or "OAUTH", error.description or error.error or ""
        if code in RECOVERABLE_OAUTH_ERRORS:
            raise RecoverableError(message, code=code) from None
        raise AuthenticationFailed(message, code=code) from None
    except requests.HTTPError as error:
        status = error.response.status_code if error.response is not None else 0
        if status >= 500 or status == 0:
            raise RecoverableError(f"Salesforce answered {status}.", code=str(status)) from None
        raise AuthenticationFailed(f"Salesforce answered {status}.", code=str(status)) from None
    except requests.Timeout:
        raise RecoverableError("Salesforce did not answer in time.", code="TIMEOUT") from None
    except requests.ConnectionError:
        raise RecoverableError(
            "The connection to Salesforce failed.", code="CONNECTION_ERROR"
        ) from None
    except ValueError:  # a body that is not the JSON OAuth promises (a proxy's error page)
        raise RecoverableError("Salesforce's answer was not JSON.", code="BAD_RESPONSE") from None
