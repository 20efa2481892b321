"""OAuth 2.0 grants of the web server flow: authorization codes (in memory, single use,
short-lived) and refresh tokens (in SQLite: a file database keeps them across restarts).
Access tokens are the sessions of :mod:`.identity`; a session made from a refresh token
remembers it, so revoking the refresh token ends its access tokens too."""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from typing import Any

from .identity import Identity

#: Lifetime of an authorization code (Salesforce: 15 minutes).
CODE_TTL_S = 15 * 60


@dataclass
class AuthorizationCode:
    consumer_key: str
    user: dict[str, Any]
    redirect_uri: str
    code_challenge: str | None
    scope: str
    expires: float

    @property
    def expired(self) -> bool:
        return time.time() > self.expires


@dataclass(frozen=True)
class RefreshGrant:
    token: str
    consumer_key: str
    user_id: str
    scope: str


class OAuthGrants(Identity):
    """Authorization codes, refresh tokens, revocation."""

    def __init__(self, path: str = ":memory:", *, api_limit: int = 100_000) -> None:
        super().__init__(path, api_limit=api_limit)
        self.codes: dict[str, AuthorizationCode] = {}

    def new_code(
        self,
        consumer_key: str,
        user: dict[str, Any],
        redirect_uri: str,
        code_challenge: str | None,
        scope: str,
    ) -> str:
        code = "aPr" + secrets.token_urlsafe(48)
        with self.lock:
            self.codes[code] = AuthorizationCode(
                consumer_key, user, redirect_uri, code_challenge, scope, time.time() + CODE_TTL_S
            )
        return code

    def take_code(self, code: str) -> AuthorizationCode | None:
        """The code's grant, which is used up by this call (a code works once)."""
        with self.lock:
            return self.codes.pop(code, None)

    def new_refresh_token(self, consumer_key: str, user_id: str, scope: str) -> str:
        token = f"5Aep{secrets.token_urlsafe(60)}"
        with self.lock:
            self.conn.execute(
                "INSERT INTO _refresh_tokens VALUES (?,?,?,?,?)",
                (token, consumer_key, user_id, scope, time.time()),
            )
        return token

    def refresh_grant(self, token: str) -> RefreshGrant | None:
        with self.lock:
            row = self.conn.execute(
                "SELECT token, consumer_key, user_id, scope FROM _refresh_tokens WHERE token = ?",
                (token,),
            ).fetchone()
        return RefreshGrant(*row) if row else None

    def revoke(self, token: str) -> bool:
        """Revoke a refresh token (and the access tokens made from it) or an access token;
        False if the token is unknown."""
        with self.lock:
            gone = self.conn.execute("DELETE FROM _refresh_tokens WHERE token = ?", (token,))
            if gone.rowcount:
                for sid in [s for s, u in self.sessions.items() if u.get("refresh_token") == token]:
                    del self.sessions[sid]
                return True
            return self.sessions.pop(token, None) is not None

    def reset_grants(self) -> None:
        self.codes.clear()
