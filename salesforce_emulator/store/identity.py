"""Identity: users and their credentials, connected apps (OAuth clients) and sessions.

Credentials and apps are kept in SQLite (a file database keeps them across restarts);
sessions live in memory only.
"""

from __future__ import annotations

import secrets
import time
from typing import Any

from .writes import RecordWrites


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
    ) -> dict[str, Any]:
        """Create a User record and its login credentials; returns ``{id, username}``."""
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
                return {"id": existing[0], "username": username}
            data = {
                "Username": username,
                "FirstName": first_name,
                "LastName": last_name or username.split("@")[0],
                "Email": email or (username if "@" in username else f"{username}@example.com"),
                "Alias": username[:8],
            }
            res = self.insert("User", [data], user_id=None)[0]
            if not res.success:
                raise ValueError(res.errors[0]["message"])
            self.conn.execute(
                "INSERT INTO _credentials VALUES (?,?,?,?,?)",
                (username, res.id, password, security_token, int(sandbox)),
            )
            return {"id": res.id, "username": username}

    def check_login(self, username: str, secret: str) -> dict[str, Any] | None:
        """Credentials check: ``secret`` is the password followed by the security token."""
        with self.lock:
            row = self.conn.execute(
                "SELECT user_id, password, security_token, sandbox FROM _credentials "
                "WHERE username = ?",
                (username,),
            ).fetchone()
        if row is None:
            return None
        user_id, password, token, sandbox = row
        if secret not in (password + (token or ""), password if not token else None):
            return None
        return {"user_id": user_id, "username": username, "sandbox": bool(sandbox)}

    def add_app(self, consumer_key: str, consumer_secret: str, username: str | None) -> None:
        with self.lock:
            self.conn.execute(
                "INSERT OR REPLACE INTO _apps VALUES (?,?,?)",
                (consumer_key, consumer_secret, username),
            )

    def get_app(self, consumer_key: str) -> tuple[str, str | None] | None:
        with self.lock:
            row = self.conn.execute(
                "SELECT consumer_secret, username FROM _apps WHERE consumer_key = ?",
                (consumer_key,),
            ).fetchone()
        return (row[0], row[1]) if row else None

    def user_by_username(self, username: str) -> dict[str, Any] | None:
        with self.lock:
            row = self.conn.execute(
                "SELECT user_id, sandbox FROM _credentials WHERE username = ?", (username,)
            ).fetchone()
        return {"user_id": row[0], "username": username, "sandbox": bool(row[1])} if row else None

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
