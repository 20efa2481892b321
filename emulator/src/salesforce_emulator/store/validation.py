"""Validation of incoming values, as Salesforce does it on every write.

Required fields, lengths, e-mails, restricted picklists, types, id formats, read-only fields;
state/country picklists are in :mod:`.addresses`. Errors are ``{"statusCode", "message",
"fields"}`` dicts (see :func:`.results.err`). Pure functions: no database.
"""

from __future__ import annotations

import re
from typing import Any

from ..schema import OBJECTS, Field, SchemaView, SObject
from ..values import format_dt, normalize_id, parse_date, parse_dt
from .addresses import ADDRESS_PREFIXES, address_errors
from .record_types import record_type_errors
from .results import err

EMAIL_RE = re.compile(
    r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$"
)


def field_error(obj: SObject, name: str) -> dict[str, Any]:
    return err("INVALID_FIELD", f"No such column '{name}' on sobject of type {obj.name}", [name])


def convert_value(f: Field, value: Any, csv_mode: bool) -> tuple[Any, dict[str, Any] | None]:
    """Convert one incoming value to its stored form; returns (value, error)."""
    label = f.label or f.name
    if value is None:
        return None, None
    if isinstance(value, (dict, list)):
        return None, err(
            "JSON_PARSER_ERROR",
            f"Cannot deserialize instance of {f.type} from {type(value).__name__} value",
            [f.name],
        )
    t = f.type
    if f.is_text:
        text = ("true" if value else "false") if isinstance(value, bool) else str(value)
        if text == "":
            return None, None
        if len(text) > f.length:
            return None, err(
                "STRING_TOO_LONG",
                f"{label}: data value too large: {text[:40]} (max length={f.length})",
                [f.name],
            )
        if t == "email" and not EMAIL_RE.match(text):
            return None, err(
                "INVALID_EMAIL_ADDRESS", f"{label}: invalid email address: {text}", [f.name]
            )
        if f.restricted and f.picklist and text not in f.picklist:
            return None, err(
                "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
                f"{label}: bad value for restricted picklist field: {text}",
                [f.name],
            )
        return text, None
    if t == "boolean":
        if isinstance(value, bool):
            return int(value), None
        if isinstance(value, str) and value.lower() in ("true", "false", "1", "0"):
            return int(value.lower() in ("true", "1")), None
        return None, err(
            "JSON_PARSER_ERROR" if not csv_mode else "INVALID_FIELD_VALUE",
            f"Cannot deserialize instance of boolean from value {value}",
            [f.name],
        )
    if t in ("int", "double", "currency", "percent"):
        try:
            if isinstance(value, bool):
                raise ValueError
            num = float(value)
            if t == "int":
                if num != int(num):
                    raise ValueError
                return int(num), None
            return num, None
        except (TypeError, ValueError):
            return None, err(
                "JSON_PARSER_ERROR" if not csv_mode else "INVALID_FIELD_VALUE",
                f"Cannot deserialize instance of {t} from VALUE_STRING value {value}",
                [f.name],
            )
    if t == "date":
        text = str(value)
        d = parse_date(text[:10]) if len(text) >= 10 else None
        if d is None:
            return None, err(
                "JSON_PARSER_ERROR" if not csv_mode else "INVALID_FIELD_VALUE",
                f"Cannot deserialize instance of date from VALUE_STRING value {text}",
                [f.name],
            )
        return d.isoformat(), None
    if t == "datetime":
        dt = parse_dt(str(value))
        if dt is None:
            return None, err(
                "JSON_PARSER_ERROR" if not csv_mode else "INVALID_FIELD_VALUE",
                f"Cannot deserialize instance of datetime from VALUE_STRING value {value}",
                [f.name],
            )
        return format_dt(dt), None
    if t in ("reference", "id"):
        nid = normalize_id(str(value))
        if nid is None:
            return None, err(
                "MALFORMED_ID", f"{label}: id value of incorrect type: {value}", [f.name]
            )
        targets = {OBJECTS[n].key_prefix for n in f.reference_to}
        if f.reference_to and nid[:3] not in targets:
            return None, err(
                "FIELD_INTEGRITY_EXCEPTION",
                f"field integrity exception: unknown ({label}: id value of incorrect "
                f"type: {value})",
                [f.name],
            )
        return nid, None
    return value, None


def prepare_record(
    obj: SObject,
    data: dict[str, Any],
    *,
    insert: bool,
    existing: dict[str, Any] | None,
    picklists: bool = False,
    csv_mode: bool = False,
    view: SchemaView | None = None,
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Validate one record's data; return (column values to write, errors).

    ``view`` is what the writing user sees (org settings, field-level security); without
    one, the org's schema with state/country picklists as ``picklists`` says."""
    if view is None:
        view = SchemaView(picklists_on=picklists)
    picklists = view.picklists_on
    row: dict[str, Any] = {}
    errors: list[dict[str, Any]] = []
    ro: list[str] = []
    if not (obj.createable if insert else obj.updateable):
        operation = "insert" if insert else "update"
        return row, [
            err(
                "INVALID_TYPE_FOR_OPERATION",
                f"entity type {obj.name} does not support {operation}",
            )
        ]
    for key, value in data.items():
        if key == "attributes":
            continue
        f = view.exists(obj, key)
        if f is None:
            errors.append(field_error(obj, key))
            continue
        if f.name == "Id":
            if insert:
                errors.append(
                    err(
                        "INVALID_FIELD_FOR_INSERT_UPDATE",
                        "cannot specify Id in an insert call",
                        ["Id"],
                    )
                )
            continue
        if csv_mode:
            if value == "":
                continue
            if value == "#N/A":
                value = None
        if not view.writable(obj, f, insert=insert):
            ro.append(f.name)
            continue
        conv, e = convert_value(f, value, csv_mode)
        if e:
            errors.append(e)
            continue
        if conv is None and f.type == "boolean":
            conv = 0
        if conv is None and not f.nillable and f.default is None:
            errors.append(
                err(
                    "REQUIRED_FIELD_MISSING",
                    f"Required fields are missing: [{f.name}]",
                    [f.name],
                )
            )
            continue
        if conv is None and not f.nillable:
            conv = f.default
        row[f.name] = conv
    if ro:
        errors.append(
            err(
                "INVALID_FIELD_FOR_INSERT_UPDATE",
                f"Unable to create/update fields: {', '.join(ro)}. Please check the "
                "security settings of this field and verify that it is read/write for "
                "your profile or permission set.",
                ro,
            )
        )
    if insert:
        # One error per problem: a required field whose value was refused (too long, bad
        # e-mail...) has that error, not REQUIRED_FIELD_MISSING as well.
        refused = {name.lower() for e in errors for name in e.get("fields", [])}
        missing = [
            f.name
            for f in obj.required
            if row.get(f.name) is None
            and f.name.lower() not in refused
            and view.exists(obj, f.name)
        ]
        if missing:
            errors.append(
                err(
                    "REQUIRED_FIELD_MISSING",
                    f"Required fields are missing: [{', '.join(missing)}]",
                    missing,
                )
            )
        for name, default in obj.defaults:
            if name not in row:
                row[name] = default
    if not errors and obj.name in ADDRESS_PREFIXES and picklists:
        for prefix in ADDRESS_PREFIXES[obj.name]:
            errors.extend(address_errors(obj, prefix, row, existing or {}, view.places))
    errors = record_type_errors(obj, data, row, errors, view, insert=insert)
    return row, errors
