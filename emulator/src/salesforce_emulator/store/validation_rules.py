"""Validation rules (control API ``/__emulator/validation-rules``): an admin's condition on
one field of the record being saved (the saved values merged with the write) that refuses
the save with ``FIELD_CUSTOM_VALIDATION_EXCEPTION`` and the admin's message.

Conditions, compared like formula functions do (case-sensitive): ``blank`` / ``not_blank``
(ISBLANK), ``equals`` / ``not_equals`` (``=`` / ``<>``; numbers and checkboxes by value),
``contains`` (CONTAINS), ``matches`` (REGEX: the whole text matches the pattern).
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from typing import Any

from ..schema import Field, SchemaView
from .results import err

OPERATORS = ("blank", "not_blank", "equals", "not_equals", "contains", "matches")
NUMERIC = ("int", "double", "currency", "percent")


@dataclass(frozen=True)
class ValidationRule:
    """One validation rule; inactive ones are kept but not run."""

    object: str
    name: str
    field: str
    operator: str
    value: str | None
    message: str
    error_field: str | None = None
    active: bool = True

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


def parse_validation_rule(body: Any, view: SchemaView) -> ValidationRule:
    """A checked rule from the control API body (ValueError if bad); ``view``: the org."""
    if not isinstance(body, dict):
        raise ValueError('expected {"object", "name", "field", "operator", "message", ...}')
    obj = view.object(str(body.get("object") or ""))
    if obj is None or not obj.createable:
        raise ValueError(f"unknown object {body.get('object')!r}")
    name, message = body.get("name"), body.get("message")
    if not isinstance(name, str) or not name or not isinstance(message, str) or not message:
        raise ValueError("a validation rule needs a name and a message")
    f = view.exists(obj, str(body.get("field") or ""))
    if f is None:
        raise ValueError(f"unknown field {obj.name}.{body.get('field')}")
    operator = body.get("operator")
    if operator not in OPERATORS:
        raise ValueError(f"operator must be one of {', '.join(OPERATORS)}")
    value = body.get("value")
    if operator not in ("blank", "not_blank"):
        if value is None:
            raise ValueError(f"operator {operator} needs a value")
        value = ("true" if value else "false") if isinstance(value, bool) else str(value)
        if operator == "matches":
            try:
                re.compile(value)
            except re.error as exc:
                raise ValueError(f"bad regular expression {value!r}: {exc}") from exc
        elif f.type in NUMERIC and operator in ("equals", "not_equals"):
            try:
                float(value)
            except ValueError as exc:
                raise ValueError(f"{f.name} is a number; {value!r} is not") from exc
    error_field = body.get("error_field")
    if error_field is not None:
        ef = view.exists(obj, str(error_field))
        if ef is None:
            raise ValueError(f"unknown error_field {obj.name}.{error_field}")
        error_field = ef.name
    active = body.get("active", True)
    if not isinstance(active, bool):
        raise ValueError("active must be true or false")
    return ValidationRule(obj.name, name, f.name, operator, value, message, error_field, active)


def _text(f: Field, value: Any) -> str:
    if value is None:
        return ""
    if f.type == "boolean":
        return "true" if value else "false"
    return str(value)


def _equals(f: Field, value: Any, wanted: str) -> bool:
    if f.type in NUMERIC:
        return value is not None and float(value) == float(wanted)
    if f.type == "boolean":
        return bool(value) == (wanted.lower() in ("true", "1"))
    return _text(f, value) == wanted


def violates(rule: ValidationRule, f: Field, record: dict[str, Any]) -> bool:
    """Whether the record (all its values, stored form) meets the rule's error condition."""
    value = record.get(f.name)
    text = _text(f, value)
    wanted = rule.value or ""
    op = rule.operator
    if op in ("blank", "not_blank"):
        return (text == "") == (op == "blank")
    if op in ("equals", "not_equals"):
        return _equals(f, value, wanted) == (op == "equals")
    if op == "contains":
        return wanted in text
    return re.fullmatch(wanted, text) is not None


def validation_error(rule: ValidationRule) -> dict[str, Any]:
    return err(
        "FIELD_CUSTOM_VALIDATION_EXCEPTION",
        rule.message,
        [rule.error_field] if rule.error_field else [],
    )
