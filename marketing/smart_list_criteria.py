"""Smart-list criteria: the property registry, the operators and validation.

A smart list's ``criteria`` is a JSON object::

    {
        "match": "all" | "any",
        "conditions": [
            {"property": "country", "operator": "equals", "value": "Germany"},
            {"property": "phone", "operator": "is_known", "value": null},
        ],
    }

``property`` names an entry of :data:`SMART_LIST_PROPERTIES`, which maps it to an
ORM lookup path relative to ``Contact`` and a kind. The kind decides which
operators apply and how the value is read:

========== ====================================================== =====================
kind       operators                                              value
========== ====================================================== =====================
text       equals, not_equals, contains, is_known, is_unknown     any non-blank string
choice     equals, not_equals, is_known, is_unknown               a choice value or label
date       before, after, is_known, is_unknown                    ``YYYY-MM-DD`` or ISO
                                                                  8601 date-time
========== ====================================================== =====================

``is_known``/``is_unknown`` take no value (``null`` or omitted). Text comparisons
are case-insensitive. To make a new property filterable (for example an
opportunity field once opportunities are synced), add one entry to
:data:`SMART_LIST_PROPERTIES`; the lookup path may cross relations
(``"opportunities__stage"``).

This module is pure (no database access); :func:`marketing.selectors.smart_list_q`
turns valid criteria into a query.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal, NamedTuple

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.dateparse import parse_date, parse_datetime

from marketing.choices import LifecycleStage

PropertyKind = Literal["text", "date", "choice"]


class SmartListProperty(NamedTuple):
    """One filterable contact property.

    ``path`` is an ORM lookup path relative to ``Contact`` (may cross relations).
    ``choices`` lists the ``(value, label)`` pairs of a ``choice`` property.
    """

    path: str
    kind: PropertyKind
    label: str
    choices: tuple[tuple[str, str], ...] = ()


#: Every property a smart list can filter on, by the name used in criteria.
SMART_LIST_PROPERTIES: dict[str, SmartListProperty] = {
    "email": SmartListProperty("email", "text", "Email"),
    "first_name": SmartListProperty("first_name", "text", "First name"),
    "last_name": SmartListProperty("last_name", "text", "Last name"),
    "company_name": SmartListProperty("company_name", "text", "Company name"),
    "phone": SmartListProperty("phone", "text", "Phone number"),
    "job_title": SmartListProperty("job_title", "text", "Job title"),
    "state": SmartListProperty("state", "text", "State/Region"),
    "country": SmartListProperty("country", "text", "Country/Region"),
    "lifecycle_stage": SmartListProperty(
        "lifecycle_stage", "choice", "Lifecycle stage", tuple(LifecycleStage.choices)
    ),
    "created_at": SmartListProperty("created_at", "date", "Create date"),
    "updated_at": SmartListProperty("updated_at", "date", "Last modified date"),
    "company__name": SmartListProperty("company__name", "text", "Associated company name"),
    # Filled by the opportunity sync: "has an opportunity in stage Closed Won", etc.
    "opportunity_stage": SmartListProperty("opportunities__stage", "text", "Opportunity stage"),
    "opportunity_owner": SmartListProperty(
        "opportunities__owner_name", "text", "Opportunity owner"
    ),
    "opportunity_close_date": SmartListProperty(
        "opportunities__close_date", "date", "Opportunity close date"
    ),
    "opportunity_name": SmartListProperty("opportunities__name", "text", "Opportunity name"),
}


class SmartListOperator(models.TextChoices):
    EQUALS = "equals", "is equal to"
    NOT_EQUALS = "not_equals", "is not equal to"
    CONTAINS = "contains", "contains"
    IS_KNOWN = "is_known", "is known"
    IS_UNKNOWN = "is_unknown", "is unknown"
    BEFORE = "before", "is before"
    AFTER = "after", "is after"


class SmartListMatch(models.TextChoices):
    ALL = "all", "All conditions (AND)"
    ANY = "any", "Any condition (OR)"


_Op = SmartListOperator

#: Operators that make sense for each property kind.
OPERATORS_BY_KIND: dict[str, frozenset[str]] = {
    "text": frozenset({_Op.EQUALS, _Op.NOT_EQUALS, _Op.CONTAINS, _Op.IS_KNOWN, _Op.IS_UNKNOWN}),
    "choice": frozenset({_Op.EQUALS, _Op.NOT_EQUALS, _Op.IS_KNOWN, _Op.IS_UNKNOWN}),
    "date": frozenset({_Op.BEFORE, _Op.AFTER, _Op.IS_KNOWN, _Op.IS_UNKNOWN}),
}

#: Operators whose condition has no value.
VALUELESS_OPERATORS: frozenset[str] = frozenset({_Op.IS_KNOWN, _Op.IS_UNKNOWN})

_CONDITION_KEYS = frozenset({"property", "operator", "value"})


def parse_date_value(value: str) -> dt.date | dt.datetime:
    """Read a ``before``/``after`` value: a ``date`` for ``YYYY-MM-DD``, else a datetime.

    Raises ``ValueError`` when the text is neither an ISO 8601 date nor date-time.
    A date-time without offset is interpreted later in the current time zone.
    """
    text = value.strip()
    # parse_date first: parse_datetime would also accept "2024-05-01" (as midnight),
    # but a bare date means "the whole day" to before/after.
    parsed: dt.date | dt.datetime | None = parse_date(text) or parse_datetime(text)
    if parsed is None:
        raise ValueError(f"{value!r} is not a date")
    return parsed


def choice_value(prop: SmartListProperty, value: str) -> str | None:
    """The stored value of a ``choice`` property matching ``value`` (value or label).

    Case-insensitive; ``None`` when nothing matches.
    """
    wanted = value.strip().casefold()
    for stored, label in prop.choices:
        if wanted in (stored.casefold(), str(label).casefold()):
            return stored
    return None


def validate_criteria(criteria: Any) -> None:
    """Check the structure of smart-list criteria; raise ``ValidationError`` listing every problem.

    Used as the ``SmartList.criteria`` field validator, so model ``full_clean()`` and
    model forms share it.
    """
    if not isinstance(criteria, dict):
        raise ValidationError("Criteria must be an object with 'match' and 'conditions'.")
    errors: list[str] = []
    unknown_keys = set(criteria) - {"match", "conditions"}
    if unknown_keys:
        errors.append(f"Unknown criteria keys: {', '.join(sorted(map(str, unknown_keys)))}.")
    if criteria.get("match") not in SmartListMatch.values:
        errors.append(f"'match' must be 'all' or 'any', not {criteria.get('match')!r}.")
    conditions = criteria.get("conditions")
    if not isinstance(conditions, list) or not conditions:
        errors.append("'conditions' must be a non-empty list.")
    else:
        for number, condition in enumerate(conditions, start=1):
            errors.extend(f"Condition {number}: {msg}" for msg in _condition_errors(condition))
    if errors:
        raise ValidationError(errors)


def _condition_errors(condition: Any) -> list[str]:
    if not isinstance(condition, dict):
        return ["must be an object with 'property', 'operator' and 'value'."]
    errors: list[str] = []
    unknown_keys = set(condition) - _CONDITION_KEYS
    if unknown_keys:
        errors.append(f"unknown keys {', '.join(sorted(map(str, unknown_keys)))}.")
    name = condition.get("property")
    operator = condition.get("operator")
    value = condition.get("value")
    prop = SMART_LIST_PROPERTIES.get(name) if isinstance(name, str) else None
    if prop is None:
        errors.append(
            f"unknown property {name!r}; choose one of {', '.join(SMART_LIST_PROPERTIES)}."
        )
    if operator not in SmartListOperator.values:
        errors.append(
            f"unknown operator {operator!r}; choose one of {', '.join(SmartListOperator.values)}."
        )
    if errors or prop is None:
        return errors

    if operator not in OPERATORS_BY_KIND[prop.kind]:
        allowed = ", ".join(sorted(OPERATORS_BY_KIND[prop.kind]))
        return [f"operator {operator!r} does not apply to {name!r} (use one of {allowed})."]
    if operator in VALUELESS_OPERATORS:
        if value not in (None, ""):
            errors.append(f"operator {operator!r} takes no value.")
        return errors
    if value is None or (isinstance(value, str) and not value.strip()):
        return [f"operator {operator!r} needs a value."]
    if not isinstance(value, str):
        return [f"the value must be a string, not {type(value).__name__}."]
    if prop.kind == "date":
        try:
            parse_date_value(value)
        except ValueError:
            errors.append(
                f"{value!r} is not a date; use YYYY-MM-DD or an ISO 8601 date-time "
                "such as 2024-05-01T09:30:00+02:00."
            )
    elif prop.kind == "choice" and choice_value(prop, value) is None:
        allowed = ", ".join(stored for stored, _ in prop.choices)
        errors.append(f"{value!r} is not a valid {prop.label.lower()}; choose one of {allowed}.")
    return errors
