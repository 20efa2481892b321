"""Record types of the org (control API ``/__emulator/record-types``) and the
``RecordTypeId`` rules of writes.

Each record type is a row of the read-only ``RecordType`` object (so SOQL sees it); which one
is the integration user's default is kept in ``_meta`` (Salesforce keeps it on the profile).
Both survive restarts with a database file; ``reset`` removes them. Every request's
:class:`~..schema.SchemaView` carries a snapshot (:class:`ObjectRecordTypes` per object).

Writes: a create without ``RecordTypeId`` (or with null) gets the default record type's id
(null when Master is the default); a ``RecordTypeId`` that is not an active record type of
the object fails with ``INVALID_CROSS_REFERENCE_KEY``.
"""

from __future__ import annotations

import json
import re
from typing import Any

from ..schema import SchemaView, SObject
from ..schema.record_types import (
    MASTER_ID,
    RECORD_TYPE_OBJECTS,
    ObjectRecordTypes,
    RecordType,
)
from ..values import format_dt, make_id, now_utc
from .org import OrgSettings
from .results import err

FIELD = "RecordTypeId"
#: A developer name: a letter, then letters, digits and single underscores, no trailing one.
DEVELOPER_NAME_RE = re.compile(r"^[A-Za-z](?:[A-Za-z0-9]|_(?!_))*(?<!_)$")


def record_type_error(value: Any) -> dict[str, Any]:
    return err(
        "INVALID_CROSS_REFERENCE_KEY",
        f"Record Type ID: this ID value isn't valid for the user: {value}",
        [FIELD],
    )


def record_type_errors(
    obj: SObject,
    data: dict[str, Any],
    row: dict[str, Any],
    errors: list[dict[str, Any]],
    view: SchemaView,
    *,
    insert: bool,
) -> list[dict[str, Any]]:
    """Check (and on create default) ``row``'s ``RecordTypeId``; returns the record's errors.

    An id of another object's type is reported as Salesforce does for any id that is not an
    assignable record type (``INVALID_CROSS_REFERENCE_KEY``), not as a field integrity error.
    """
    types = view.record_types.get(obj.name)
    if types is None:
        return errors  # no RecordTypeId field: INVALID_FIELD already
    raw = next((v for k, v in data.items() if k.lower() == FIELD.lower()), None)
    errors = [
        record_type_error(raw)
        if FIELD in e["fields"] and e["statusCode"] == "FIELD_INTEGRITY_EXCEPTION"
        else e
        for e in errors
    ]
    value = row.get(FIELD)
    if value is not None:
        if not types.active(value):
            return [*errors, record_type_error(raw)]
        if value == MASTER_ID:
            row[FIELD] = None  # records of the Master record type have no RecordTypeId
    elif insert or FIELD in row:
        row[FIELD] = types.default_id  # null on update too: back to the default
    return errors


class RecordTypes(OrgSettings):
    """``record_types``: object name -> :class:`ObjectRecordTypes` (only objects with any)."""

    def __init__(self, path: str = ":memory:", *, api_limit: int = 100_000) -> None:
        super().__init__(path, api_limit=api_limit)
        with self.lock:
            self._load_record_types()

    def _load_record_types(self) -> None:
        row = self.conn.execute(
            "SELECT value FROM _meta WHERE key = 'record_type_defaults'"
        ).fetchone()
        defaults: dict[str, str] = json.loads(row[0]) if row else {}
        by_obj: dict[str, list[RecordType]] = {}
        for rid, sobject, developer, name, active in self.conn.execute(
            'SELECT "Id", "SobjectType", "DeveloperName", "Name", "IsActive" FROM "RecordType" '
            'WHERE "IsDeleted" = 0 ORDER BY rowid'
        ):
            by_obj.setdefault(sobject, []).append(
                RecordType(rid, sobject, developer, name, bool(active))
            )
        self.record_types: dict[str, ObjectRecordTypes] = {
            o: ObjectRecordTypes(tuple(ts), defaults.get(o)) for o, ts in by_obj.items()
        }

    def reset_record_types(self) -> None:
        """Forget the record types (their rows and ``_meta`` are wiped by :meth:`wipe`)."""
        self.record_types = {}

    def org_view(self) -> SchemaView:
        view = super().org_view()
        view.record_types = self.record_types
        return view

    def add_record_type(
        self,
        sobject: str,
        developer_name: str,
        name: str | None = None,
        *,
        active: bool = True,
        default: bool = False,
    ) -> dict[str, Any]:
        """Create a record type of ``sobject`` (``default``: the integration user's default
        from now on); ValueError on bad input."""
        obj = next((o for o in RECORD_TYPE_OBJECTS if o.lower() == str(sobject).lower()), None)
        if obj is None:
            raise ValueError(f"record types are supported on {', '.join(RECORD_TYPE_OBJECTS)}")
        if not isinstance(developer_name, str) or not DEVELOPER_NAME_RE.match(developer_name):
            raise ValueError(f"invalid developer_name {developer_name!r}")
        if not isinstance(active, bool) or not isinstance(default, bool):
            raise ValueError("active and default must be true or false")
        if default and not active:
            raise ValueError("the default record type must be active")
        label = name if name is not None else developer_name.replace("_", " ")
        if not isinstance(label, str) or not label.strip() or len(label) > 80:
            raise ValueError("name must be 1 to 80 characters")
        with self.lock:
            current = self.record_types.get(obj, ObjectRecordTypes(()))
            taken = {t.developer_name.lower() for t in current.types} | {"master"}
            if developer_name.lower() in taken:
                raise ValueError(f"{obj} already has a record type {developer_name!r}")
            n = self._next["RecordType"]
            self._next["RecordType"] = n + 1
            rtype = RecordType(make_id("012", n), obj, developer_name, label.strip(), active)
            stamp = format_dt(now_utc())
            user = make_id("005", 1)  # set up by "the admin", like the Organization row
            with self.transaction():
                self.conn.execute(
                    'INSERT INTO "RecordType" (rowid, "Id", "IsDeleted", "CreatedDate", '
                    '"CreatedById", "LastModifiedDate", "LastModifiedById", "SystemModstamp", '
                    '"Name", "DeveloperName", "SobjectType", "IsActive") '
                    "VALUES (?, ?, 0, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (n, rtype.id, stamp, user, stamp, user, stamp, rtype.name, developer_name)
                    + (obj, int(active)),
                )
                default_id = rtype.id if default else current.default_id
                updated = dict(self.record_types)
                updated[obj] = ObjectRecordTypes((*current.types, rtype), default_id)
                self._save_record_type_defaults(updated)
            # A new dict, never changed in place: views handed out keep a consistent snapshot.
            self.record_types = updated
            return rtype.as_json(default_id)

    def _save_record_type_defaults(self, types: dict[str, ObjectRecordTypes]) -> None:
        data = {o: t.default_id for o, t in types.items() if t.default_id}
        self.conn.execute(
            "INSERT OR REPLACE INTO _meta (key, value) VALUES ('record_type_defaults', ?)",
            (json.dumps(data),),
        )

    def list_record_types(self) -> list[dict[str, Any]]:
        return [
            t.as_json(types.default_id) for types in self.record_types.values() for t in types.types
        ]
