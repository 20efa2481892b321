"""Custom fields an admin adds at run time (control API ``/__emulator/fields``), persisted in
``_meta``: a new column in the object's table and the object's "live" version with the
field, which every :class:`~..schema.SchemaView` of the org carries (describe, SOQL, reads,
writes, field-level security all see it). ``reset`` removes them (and their columns).
"""

from __future__ import annotations

import dataclasses
import json
import re
from typing import Any

from ..schema import OBJECTS, Field, SchemaView, SObject, get_object
from ..soql import quote
from .org import OrgSettings

#: Field types the control API can add, with their default length.
FIELD_TYPES = {
    "string": 255,
    "picklist": 255,
    "email": 80,
    "boolean": 0,
    "double": 0,
    "date": 0,
    "textarea": 32768,
}
MAX_LENGTH = {"string": 255, "picklist": 255, "email": 80, "textarea": 131072}
NAME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9]*(?:_[A-Za-z0-9]+)*__c$")


def parse_field_spec(body: Any) -> dict[str, Any]:
    """A checked, complete field definition from the control API body (ValueError if bad)."""
    if not isinstance(body, dict):
        raise ValueError('expected {"object", "name", "type", ...}')
    obj = get_object(str(body.get("object") or ""))
    if obj is None or not obj.createable:
        raise ValueError(f"unknown or read-only object {body.get('object')!r}")
    name = str(body.get("name") or "")
    if not NAME_RE.match(name):
        raise ValueError(f"custom field name {name!r} must look like Region__c")
    if obj.field(name) is not None:
        raise ValueError(f"{obj.name}.{name} already exists")
    ftype = body.get("type", "string")
    if ftype not in FIELD_TYPES:
        raise ValueError(f"type must be one of {', '.join(FIELD_TYPES)}")
    length = body.get("length") or FIELD_TYPES[ftype]
    if ftype in MAX_LENGTH and (not isinstance(length, int) or not 0 < length <= MAX_LENGTH[ftype]):
        raise ValueError(f"length of a {ftype} field must be 1..{MAX_LENGTH[ftype]}")
    required = body.get("required", False)
    restricted = body.get("restricted", ftype == "picklist")
    if not isinstance(required, bool) or not isinstance(restricted, bool):
        raise ValueError("required and restricted must be true or false")
    if required and ftype == "boolean":
        raise ValueError("a checkbox (boolean) field cannot be required")
    values = body.get("picklist_values") or []
    if ftype == "picklist" and (
        not isinstance(values, list) or not values or not all(isinstance(v, str) for v in values)
    ):
        raise ValueError("a picklist field needs picklist_values (a list of strings)")
    if ftype != "picklist" and values:
        raise ValueError("picklist_values are only for picklist fields")
    label = body.get("label") or name.removesuffix("__c").replace("_", " ")
    return {
        "object": obj.name,
        "name": name,
        "label": str(label),
        "type": ftype,
        "length": length if ftype in MAX_LENGTH else 0,
        "required": required,
        "picklist_values": list(values),
        "restricted": restricted if ftype == "picklist" else False,
    }


def field_of(spec: dict[str, Any]) -> Field:
    """The :class:`Field` of a definition made by :func:`parse_field_spec`."""
    boolean = spec["type"] == "boolean"
    return Field(
        spec["name"],
        spec["type"],
        spec["label"],
        spec["length"],
        nillable=not spec["required"] and not boolean,
        required=spec["required"],
        default=False if boolean else None,
        custom=True,
        picklist=tuple(spec["picklist_values"]),
        restricted=spec["restricted"],
        precision=18 if spec["type"] == "double" else 0,
        scale=2 if spec["type"] == "double" else 0,
    )


class CustomFields(OrgSettings):
    """``custom_fields``: ``"Object.Field"`` -> definition; ``live_objects``: the objects
    with their run-time fields (handed to every :class:`SchemaView` as ``live``)."""

    def __init__(self, path: str = ":memory:", *, api_limit: int = 100_000) -> None:
        super().__init__(path, api_limit=api_limit)
        self.custom_fields: dict[str, dict[str, Any]] = {}
        self.live_objects: dict[str, SObject] = {}
        with self.lock:
            row = self.conn.execute(
                "SELECT value FROM _meta WHERE key = 'custom_fields'"
            ).fetchone()
            for spec in json.loads(row[0]) if row else []:
                self.custom_fields[f"{spec['object']}.{spec['name']}"] = spec
                self._add_missing_columns(spec["object"], {spec["name"]: field_of(spec).sql_type})
            self._rebuild_live()

    def org_view(self) -> SchemaView:
        view = super().org_view()
        view.live = self.live_objects
        return view

    def _rebuild_live(self) -> None:
        extra: dict[str, list[Field]] = {}
        for spec in self.custom_fields.values():
            extra.setdefault(spec["object"], []).append(field_of(spec))
        self.live_objects = {
            name: dataclasses.replace(OBJECTS[name], fields=[*OBJECTS[name].fields, *fields])
            for name, fields in extra.items()
        }

    def _save_custom_fields(self) -> None:
        self.conn.execute(
            "INSERT OR REPLACE INTO _meta (key, value) VALUES ('custom_fields', ?)",
            (json.dumps(list(self.custom_fields.values())),),
        )

    def add_custom_field(self, body: Any) -> dict[str, Any]:
        """Add (or redefine, clearing its values) a custom field; returns its definition."""
        spec = parse_field_spec(body)
        key = f"{spec['object']}.{spec['name']}"
        with self.lock:
            old = self._custom_key(spec["object"], spec["name"])
            if old is not None:
                self._drop_custom_field(old)
            self.custom_fields[key] = spec
            self._add_missing_columns(spec["object"], {spec["name"]: field_of(spec).sql_type})
            self._rebuild_live()
            self._save_custom_fields()
        return spec

    def custom_field_list(self) -> list[dict[str, Any]]:
        return list(self.custom_fields.values())

    def delete_custom_field(self, obj_name: str, name: str) -> dict[str, Any]:
        """Remove a run-time field and its values (KeyError: no such field; ValueError: a
        rule still uses it)."""
        with self.lock:
            key = self._custom_key(obj_name, name)
            if key is None:
                raise KeyError(f"no custom field {obj_name}.{name} was added at run time")
            spec = self.custom_fields[key]
            users = self.rules_using_field(spec["object"], spec["name"])
            if users:
                raise ValueError(f"{key} is used by {', '.join(users)}; delete those first")
            self._drop_custom_field(key)
            self._rebuild_live()
            self._save_custom_fields()
        return spec

    def rules_using_field(self, obj_name: str, field_name: str) -> list[str]:
        """Names of the rules that refer to the field (the rules layer answers)."""
        return []

    def _custom_key(self, obj_name: str, name: str) -> str | None:
        wanted = f"{obj_name}.{name}".lower()
        return next((k for k in self.custom_fields if k.lower() == wanted), None)

    def _drop_custom_field(self, key: str) -> None:
        spec = self.custom_fields.pop(key)
        self.conn.execute(f"ALTER TABLE {quote(spec['object'])} DROP COLUMN {quote(spec['name'])}")

    def reset_custom_fields(self) -> None:
        """Remove every run-time field and its column (the ``_meta`` row is wiped)."""
        with self.lock:
            for key in list(self.custom_fields):
                self._drop_custom_field(key)
            self._rebuild_live()
