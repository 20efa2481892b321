"""OAuth 2.0 under ``/services/oauth2/``: the token endpoint (password, client credentials,
JWT bearer, authorization code with PKCE, refresh token) and token revocation. The identity
URL and ``userinfo`` are in :mod:`.identity`; the login page of the web server flow is in
:mod:`.authorize`. Errors are Salesforce's ``{"error", "error_description"}``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl

from ..store import ConnectedApp, Store
from .common import Ctx, Out
from .jwt_bearer import AssertionRefused, verify_assertion
from .login_hosts import LoginHost, login_host

JWT_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
#: Scopes that let the web server flow hand out a refresh token.
REFRESH_SCOPES = {"refresh_token", "offline_access", "full"}
DEFAULT_SCOPE = "api refresh_token"


class OAuthError(Exception):
    def __init__(self, error: str, description: str, status: int = 400) -> None:
        super().__init__(description)
        self.error = error
        self.description = description
        self.status = status


def auth_failure() -> OAuthError:
    return OAuthError("invalid_grant", "authentication failure")


def pkce_challenge(verifier: str) -> str:
    """The S256 code challenge of a PKCE code verifier."""
    digest = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def form_of(ctx: Ctx) -> dict[str, str]:
    """The request's form fields (body), with the query string's as fallback."""
    form = dict(parse_qsl(ctx.body.decode("utf-8", "replace")))
    for key, value in ctx.args.items():
        form.setdefault(key, value)
    return form


class OAuthApi:
    """``/services/oauth2/token``, ``/services/oauth2/revoke``."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.grants: dict[str, Callable[[Ctx, dict[str, str], LoginHost], Out]] = {
            "password": self._password,
            "client_credentials": self._client_credentials,
            JWT_GRANT: self._jwt_bearer,
            "authorization_code": self._authorization_code,
            "refresh_token": self._refresh_token,
        }

    # ------------------------------------------------------------------ token

    def token(self, ctx: Ctx) -> Out:
        form = dict(parse_qsl(ctx.body.decode("utf-8", "replace")))
        auth = ctx.headers.get("Authorization", "")
        try:
            if auth.lower().startswith("basic "):
                try:
                    key, _, secret = base64.b64decode(auth[6:]).decode().partition(":")
                except (ValueError, UnicodeDecodeError) as exc:
                    raise OAuthError("invalid_client", "invalid client credentials") from exc
                form.setdefault("client_id", key)
                form.setdefault("client_secret", secret)
            grant = self.grants.get(form.get("grant_type", ""))
            if grant is None:
                raise OAuthError("unsupported_grant_type", "grant type not supported")
            host = login_host(ctx, self.store.org)
            refusal = host.refusal()
            if refusal:
                raise OAuthError("invalid_grant", refusal)
            return grant(ctx, form, host)
        except OAuthError as exc:
            return Out(exc.status, {"error": exc.error, "error_description": exc.description})

    def _app(self, form: dict[str, str], *, secret_required: bool) -> ConnectedApp:
        app = self.store.get_app(form.get("client_id", ""))
        if app is None:
            raise OAuthError("invalid_client_id", "client identifier invalid")
        secret = form.get("client_secret")
        if (secret_required or secret is not None) and secret != app.consumer_secret:
            raise OAuthError("invalid_client", "invalid client credentials")
        return app

    def _password(self, ctx: Ctx, form: dict[str, str], host: LoginHost) -> Out:
        if not self.store.org.get("username_password_flow_enabled", True):
            raise OAuthError("invalid_request", "username-password flow is blocked")
        app = self._app(form, secret_required=True)
        user = self.store.check_login(form.get("username", ""), form.get("password", ""))
        if user is None or not host.admits(user["sandbox"]):
            raise auth_failure()
        return self._issue(ctx, app, user, form.get("scope"))

    def _client_credentials(self, ctx: Ctx, form: dict[str, str], host: LoginHost) -> Out:
        if host.generic or (host.kind == "other" and host.my_domain):
            raise OAuthError("invalid_request", "request not supported on this domain")
        app = self._app(form, secret_required=True)
        if not app.username:
            raise OAuthError("invalid_grant", "no client credentials user enabled")
        user = self.store.user_by_username(app.username)
        if user is None or not host.admits(user["sandbox"]):
            raise auth_failure()
        return self._issue(ctx, app, user, form.get("scope"))

    def _jwt_bearer(self, ctx: Ctx, form: dict[str, str], host: LoginHost) -> Out:
        try:
            claims, audience = verify_assertion(
                form.get("assertion", ""), self.store.get_app, host.audiences()
            )
        except AssertionRefused as exc:
            raise OAuthError(exc.error, exc.description) from exc
        meant = host.for_audience(audience)
        refusal = meant.refusal()
        if refusal:
            raise OAuthError("invalid_grant", refusal)
        user = self.store.user_by_username(str(claims.get("sub", "")))
        if user is None or not meant.admits(user["sandbox"]):
            raise auth_failure()
        app = self.store.get_app(str(claims["iss"]))
        assert app is not None  # verify_assertion found it
        return self._issue(ctx, app, user, form.get("scope"))

    def _authorization_code(self, ctx: Ctx, form: dict[str, str], host: LoginHost) -> Out:
        app = self._app(form, secret_required=False)
        code = self.store.take_code(form.get("code", ""))
        if code is None or code.consumer_key != app.consumer_key:
            raise OAuthError("invalid_grant", "invalid authorization code")
        if code.expired:
            raise OAuthError("invalid_grant", "expired authorization code")
        if form.get("redirect_uri") != code.redirect_uri:
            raise OAuthError("invalid_grant", "redirect_uri must match configuration")
        if code.code_challenge is not None:
            verifier = form.get("code_verifier") or ""
            if not hmac.compare_digest(pkce_challenge(verifier), code.code_challenge):
                raise OAuthError("invalid_grant", "invalid code verifier")
        user = self.store.user_by_username(code.user["username"])
        if user is None:
            raise auth_failure()
        refresh = None
        if REFRESH_SCOPES & set(code.scope.split()):
            refresh = self.store.new_refresh_token(app.consumer_key, user["user_id"], code.scope)
        return self._issue(ctx, app, user, code.scope, refresh_token=refresh, link=refresh)

    def _refresh_token(self, ctx: Ctx, form: dict[str, str], host: LoginHost) -> Out:
        app = self._app(form, secret_required=False)
        token = form.get("refresh_token", "")
        grant = self.store.refresh_grant(token)
        user = self.store.user_by_id(grant.user_id) if grant is not None else None
        if grant is None or grant.consumer_key != app.consumer_key or not user:
            raise OAuthError("invalid_grant", "expired access/refresh token")
        active = self.store.user_by_username(str(user.get("Username", "")))
        if active is None:
            raise OAuthError("invalid_grant", "expired access/refresh token")
        return self._issue(ctx, app, active, grant.scope, link=token)

    def _issue(
        self,
        ctx: Ctx,
        app: ConnectedApp,
        user: dict[str, Any],
        scope: str | None,
        *,
        refresh_token: str | None = None,
        link: str | None = None,
    ) -> Out:
        """A new access token (a session; ``link``: the refresh token it comes from)."""
        sid = self.store.new_session(dict(user, refresh_token=link, consumer_key=app.consumer_key))
        issued = str(int(time.time() * 1000))
        identity = f"{ctx.url_for(ctx.sf_host)}/id/{self.store.org['org_id']}/{user['user_id']}"
        mac = hmac.new(app.consumer_secret.encode(), (identity + issued).encode(), "sha256")
        body: dict[str, Any] = {"access_token": sid}
        if refresh_token:
            body["refresh_token"] = refresh_token
        body.update(
            {
                "signature": base64.b64encode(mac.digest()).decode(),
                "scope": scope or DEFAULT_SCOPE,
                "instance_url": ctx.base_url,
                "id": identity,
                "token_type": "Bearer",
                "issued_at": issued,
            }
        )
        return Out(200, body)

    # ------------------------------------------------------------------ revoke

    def revoke(self, ctx: Ctx) -> Out:
        """``POST /services/oauth2/revoke`` (``token=``; also ``GET ?token=``)."""
        if self.store.revoke(form_of(ctx).get("token", "")):
            return Out(200, b"")
        return Out(400, {"error": "invalid_token", "error_description": "invalid token"})
