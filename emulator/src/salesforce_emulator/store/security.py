"""Field-level security per user (control API ``users/<username>/field-security``),
persisted in ``_meta``, and the :class:`~..schema.SchemaView` of a user's requests."""

from __future__ import annotations

import json
from typing import Any

from ..schema import FLS_LEVELS, SchemaView, get_object
from .identity import Identity

#: Metadata object names that stand for an emulated object (``Activity`` fields are Task's).
OBJECT_ALIASES = {"activity": "Task"}


class FieldSecurity(Identity):
    """``field_security``: user id -> {(object, field): "hidden" | "read"}."""

    def __init__(self, path: str = ":memory:", *, api_limit: int = 100_000) -> None:
        super().__init__(path, api_limit=api_limit)
        self.field_security: dict[str, dict[tuple[str, str], str]] = {}
        with self.lock:
            row = self.conn.execute(
                "SELECT value FROM _meta WHERE key = 'field_security'"
            ).fetchone()
        if row:
            for user_id, levels in json.loads(row[0]).items():
                self.field_security[user_id] = {
                    tuple(key.split(".", 1)): level for key, level in levels.items()
                }

    def _save_security(self) -> None:
        data = {
            user_id: {f"{o}.{f}": level for (o, f), level in levels.items()}
            for user_id, levels in self.field_security.items()
        }
        self.conn.execute(
            "INSERT OR REPLACE INTO _meta (key, value) VALUES ('field_security', ?)",
            (json.dumps(data),),
        )

    def _user_id(self, username: str) -> str:
        with self.lock:
            row = self.conn.execute(
                "SELECT user_id FROM _credentials WHERE username = ?", (username,)
            ).fetchone()
        if row is None:
            raise KeyError(f"unknown user {username!r}")
        return str(row[0])

    def set_field_security(self, username: str, mapping: dict[str, Any]) -> dict[str, str]:
        """Merge ``{"Lead.Phone": "hidden" | "read" | "edit"}`` into the user's field-level
        security (``edit``, the default, lifts a restriction); returns the user's mapping."""
        user_id = self._user_id(username)
        if not isinstance(mapping, dict):
            raise ValueError('expected {"Object.Field": "hidden" | "read" | "edit", ...}')
        org = self.org_view()
        parsed = {_field_key(key, org): _level(level) for key, level in mapping.items()}
        with self.lock:
            levels = self.field_security.setdefault(user_id, {})
            for key, level in parsed.items():
                if level == "edit":
                    levels.pop(key, None)
                else:
                    levels[key] = level
            self._save_security()
        return self.field_security_of(username)

    def field_security_of(self, username: str) -> dict[str, str]:
        levels = self.field_security.get(self._user_id(username), {})
        return {f"{o}.{f}": level for (o, f), level in sorted(levels.items())}

    def view(self, user_id: str | None = None) -> SchemaView:
        """What ``user_id`` sees of the org (None: the org, no field-level security)."""
        view = self.org_view()
        if user_id and user_id in self.field_security:
            view.security = dict(self.field_security[user_id])
        return view

    def drop_field_security(self, obj_name: str, field_name: str) -> None:
        """Forget every user's level for a field that is gone (a deleted custom field)."""
        with self.lock:
            for levels in self.field_security.values():
                levels.pop((obj_name, field_name), None)
            self._save_security()

    def reset_security(self) -> None:
        self.field_security.clear()


def _field_key(key: Any, org: SchemaView) -> tuple[str, str]:
    obj_name, _, field_name = str(key).partition(".")
    obj = get_object(OBJECT_ALIASES.get(obj_name.lower(), obj_name))
    # The org's version of the object: custom fields added at run time count too.
    f = org.sobject(obj.name).field(field_name) if obj is not None else None
    if obj is None or f is None:
        raise ValueError(f"unknown field {key!r} (expected Object.Field, e.g. Lead.Phone)")
    if f.name == "Id" or f.required:
        raise ValueError(f"field-level security cannot restrict the required field {key!r}")
    return obj.name, f.name


def _level(level: Any) -> str:
    if level not in FLS_LEVELS:
        raise ValueError(f"field-level security must be one of {', '.join(FLS_LEVELS)}")
    return str(level)
