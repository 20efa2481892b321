"""Identity: users and their credentials, connected apps (OAuth clients) and sessions.

Credentials and apps are kept in SQLite (a file database keeps them across restarts);
sessions live in memory only.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from typing import Any

from ..schema import OBJECTS
from .writes import RecordWrites


@dataclass(frozen=True)
class ConnectedApp:
    """An OAuth client (a Connected App or External Client App)."""

    consumer_key: str
    consumer_secret: str
    #: Client-credentials run-as user.
    username: str | None = None
    #: PEM X.509 certificate the app's JWT bearer assertions are verified with.
    certificate: str | None = None
    #: The web server flow's callback URL (``redirect_uri`` must equal it).
    callback_url: str | None = None


class Identity(RecordWrites):
    """Logins check credentials here; a user is also a ``User`` record (see ``create_user``)."""

    def __init__(self, path: str = ":memory:", *, api_limit: int = 100_000) -> None:
        super().__init__(path, api_limit=api_limit)
        self.sessions: dict[str, dict[str, Any]] = {}

    def create_user(
        self,
        *,
        username: str,
        password: str,
        security_token: str = "",
        sandbox: bool = False,
        first_name: str = "Emulated",
        last_name: str | None = None,
        email: str | None = None,
        active: bool = True,
    ) -> dict[str, Any]:
        """Create a User record and its login credentials; returns ``{id, username}``.
        An existing username gets the new credentials, sandbox flag and ``active``."""
        with self.lock, self.transaction():
            existing = self.conn.execute(
                "SELECT user_id FROM _credentials WHERE username = ?", (username,)
            ).fetchone()
            if existing:
                self.conn.execute(
                    "UPDATE _credentials SET password = ?, security_token = ?, sandbox = ? "
                    "WHERE username = ?",
                    (password, security_token, int(sandbox), username),
                )
                self.conn.execute(
                    'UPDATE "User" SET "IsActive" = ? WHERE "Id" = ?', (int(active), existing[0])
                )
                return {"id": existing[0], "username": username}
            data = {
                "Username": username,
                "FirstName": first_name,
                "LastName": last_name or username.split("@")[0],
                "Email": email or (username if "@" in username else f"{username}@example.com"),
                "Alias": username[:8],
                "IsActive": active,
            }
            res = self.insert("User", [data], user_id=None)[0]
            if not res.success:
                raise ValueError(res.errors[0]["message"])
            self.conn.execute(
                "INSERT INTO _credentials VALUES (?,?,?,?,?)",
                (username, res.id, password, security_token, int(sandbox)),
            )
            return {"id": res.id, "username": username}

    def _credentials(self, where: str, value: str) -> tuple[Any, ...] | None:
        with self.lock:
            row: tuple[Any, ...] | None = self.conn.execute(
                "SELECT c.user_id, c.username, c.password, c.security_token, c.sandbox, "
                f'u."IsActive" FROM _credentials c LEFT JOIN "User" u ON u."Id" = c.user_id '
                f"WHERE c.{where} = ?",
                (value,),
            ).fetchone()
            return row

    def check_login(
        self, username: str, secret: str, *, token_optional: bool = False
    ) -> dict[str, Any] | None:
        """Credentials check of an active user: ``secret`` is the password followed by the
        security token (or the password alone, with ``token_optional``: the login page)."""
        row = self._credentials("username", username)
        if row is None or not row[5]:
            return None
        user_id, name, password, token, sandbox, _ = row
        accepted = {password + (token or "")}
        if token_optional or not token:
            accepted.add(password)
        if secret not in accepted:
            return None
        return {"user_id": user_id, "username": name, "sandbox": bool(sandbox)}

    def add_app(
        self,
        consumer_key: str,
        consumer_secret: str,
        username: str | None,
        *,
        certificate: str | None = None,
        callback_url: str | None = None,
    ) -> ConnectedApp:
        """Register (or replace) an OAuth client."""
        app = ConnectedApp(consumer_key, consumer_secret, username, certificate, callback_url)
        with self.lock:
            self.conn.execute(
                "INSERT OR REPLACE INTO _apps (consumer_key, consumer_secret, username, "
                "certificate, callback_url) VALUES (?,?,?,?,?)",
                (consumer_key, consumer_secret, username, certificate, callback_url),
            )
        return app

    def get_app(self, consumer_key: str) -> ConnectedApp | None:
        with self.lock:
            row = self.conn.execute(
                "SELECT consumer_key, consumer_secret, username, certificate, callback_url "
                "FROM _apps WHERE consumer_key = ?",
                (consumer_key,),
            ).fetchone()
        return ConnectedApp(*row) if row else None

    def user_by_username(self, username: str) -> dict[str, Any] | None:
        """An active user (``{user_id, username, sandbox}``), or None."""
        row = self._credentials("username", username)
        if row is None or not row[5]:
            return None
        return {"user_id": row[0], "username": row[1], "sandbox": bool(row[4])}

    def user_by_id(self, user_id: str) -> dict[str, Any] | None:
        """A user with login credentials (active or not), as a ``User`` record plus
        ``sandbox``."""
        row = self._credentials("user_id", user_id)
        if row is None:
            return None
        with self.lock:
            record = self.rows_by_id(OBJECTS["User"], [user_id]).get(user_id)
        return dict(record or {}, sandbox=bool(row[4]), IsActive=bool(row[5]))

    def any_user_id(self) -> str | None:
        """The first user's id (owner for records loaded through the control API)."""
        with self.lock:
            row = self.conn.execute("SELECT user_id FROM _credentials LIMIT 1").fetchone()
        return row[0] if row else None

    def new_session(self, user: dict[str, Any]) -> str:
        sid = f"{self.org['org_id'][:15]}!{secrets.token_urlsafe(48)}"
        with self.lock:
            self.sessions[sid] = dict(user, created=time.time())
        return sid

    def session(self, sid: str) -> dict[str, Any] | None:
        return self.sessions.get(sid)

    def expire_sessions(self) -> int:
        with self.lock:
            n = len(self.sessions)
            self.sessions.clear()
            return n
