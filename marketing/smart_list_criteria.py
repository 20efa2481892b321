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

A smart list has at most :data:`MAX_SMART_LIST_CONDITIONS` conditions: beyond a
few hundred, SQLite refuses the query ("Expression tree is too large (maximum depth
1000)"), so every sync cycle using the list as inclusion list would fail.
:func:`validate_criteria` enforces it wherever a list is saved (model
``full_clean()``: admin, services, the settings page) and where one is evaluated.

This module is pure (no database access); :func:`marketing.selectors.smart_list_q`
turns valid criteria into a query.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any, Literal, NamedTuple

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import translation
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from marketing.choices import LifecycleStage

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

PropertyKind = Literal["text", "date", "choice", "campaign"]

#: The most conditions a smart list may have (far more than a person builds by hand).
MAX_SMART_LIST_CONDITIONS = 100


class SmartListInvalid(ValidationError):
    """A stored smart list whose criteria cannot be evaluated (raised by the selectors).

    ``str()`` is the readable message (a sync run's reason), not a list's repr.
    """

    def __str__(self) -> str:
        return " ".join(self.messages)


class SmartListProperty(NamedTuple):
    """One filterable contact property.

    ``path`` is an ORM lookup path relative to ``Contact`` (may cross relations).
    ``choices`` lists the ``(value, label)`` pairs of a ``choice`` property.
    """

    path: str
    kind: PropertyKind
    label: StrOrPromise
    choices: tuple[tuple[str, StrOrPromise], ...] = ()


#: Every property a smart list can filter on, by the name used in criteria.
SMART_LIST_PROPERTIES: dict[str, SmartListProperty] = {
    "email": SmartListProperty("email", "text", gettext_lazy("Email")),
    "first_name": SmartListProperty("first_name", "text", gettext_lazy("First name")),
    "last_name": SmartListProperty("last_name", "text", gettext_lazy("Last name")),
    "company_name": SmartListProperty("company_name", "text", gettext_lazy("Company name")),
    "phone": SmartListProperty("phone", "text", gettext_lazy("Phone number")),
    "job_title": SmartListProperty("job_title", "text", gettext_lazy("Job title")),
    "state": SmartListProperty("state", "text", gettext_lazy("State/Region")),
    "country": SmartListProperty("country", "text", gettext_lazy("Country/Region")),
    "lifecycle_stage": SmartListProperty(
        "lifecycle_stage", "choice", gettext_lazy("Lifecycle stage"), tuple(LifecycleStage.choices)
    ),
    "created_at": SmartListProperty("created_at", "date", gettext_lazy("Create date")),
    "updated_at": SmartListProperty("updated_at", "date", gettext_lazy("Last modified date")),
    "company__name": SmartListProperty(
        "company__name", "text", gettext_lazy("Associated company name")
    ),
    # Filled by the opportunity sync: "has an opportunity in stage Closed Won", etc.
    "opportunity_stage": SmartListProperty(
        "opportunities__stage", "text", gettext_lazy("Opportunity stage")
    ),
    "opportunity_owner": SmartListProperty(
        "opportunities__owner_name", "text", gettext_lazy("Opportunity owner")
    ),
    "opportunity_close_date": SmartListProperty(
        "opportunities__close_date", "date", gettext_lazy("Opportunity close date")
    ),
    "opportunity_name": SmartListProperty(
        "opportunities__name", "text", gettext_lazy("Opportunity name")
    ),
    # The contact owner (a hubsync user, by username; synced with the record's OwnerId).
    "owner": SmartListProperty("owner__username", "text", gettext_lazy("Contact owner")),
    # Salesforce campaign membership (the campaign sync): "member of campaign X (with
    # status Y, responded or not)"; the value is an object, see CAMPAIGN_VALUE_KEYS.
    "campaign": SmartListProperty(
        "campaign_memberships", "campaign", gettext_lazy("Salesforce campaign")
    ),
}
#: A ``campaign`` condition's value: ``{"campaign": "<701… id or name>", "status":
#: "<member status>" (optional), "responded": true | false (optional)}``.
CAMPAIGN_VALUE_KEYS = frozenset({"campaign", "status", "responded"})


class SmartListOperator(models.TextChoices):
    EQUALS = "equals", gettext_lazy("is equal to")
    NOT_EQUALS = "not_equals", gettext_lazy("is not equal to")
    CONTAINS = "contains", gettext_lazy("contains")
    IS_KNOWN = "is_known", gettext_lazy("is known")
    IS_UNKNOWN = "is_unknown", gettext_lazy("is unknown")
    BEFORE = "before", gettext_lazy("is before")
    AFTER = "after", gettext_lazy("is after")
    MEMBER_OF = "member_of", gettext_lazy("is a member of")
    NOT_MEMBER_OF = "not_member_of", gettext_lazy("is not a member of")


class SmartListMatch(models.TextChoices):
    ALL = "all", gettext_lazy("All conditions (AND)")
    ANY = "any", gettext_lazy("Any condition (OR)")


_Op = SmartListOperator

#: Operators that make sense for each property kind.
OPERATORS_BY_KIND: dict[str, frozenset[str]] = {
    "text": frozenset({_Op.EQUALS, _Op.NOT_EQUALS, _Op.CONTAINS, _Op.IS_KNOWN, _Op.IS_UNKNOWN}),
    "choice": frozenset({_Op.EQUALS, _Op.NOT_EQUALS, _Op.IS_KNOWN, _Op.IS_UNKNOWN}),
    "date": frozenset({_Op.BEFORE, _Op.AFTER, _Op.IS_KNOWN, _Op.IS_UNKNOWN}),
    "campaign": frozenset({_Op.MEMBER_OF, _Op.NOT_MEMBER_OF}),
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
    # The English (source) labels whatever the active language: criteria are stored as
    # typed and evaluated later, by a worker that may run in another language.
    with translation.override(None):
        for stored, label in prop.choices:
            if wanted in (stored.casefold(), str(label).casefold()):
                return stored
    return None


def validate_criteria(criteria: Any) -> None:
    """Check the structure of smart-list criteria; raise ``ValidationError`` listing every problem.

    Used as the ``SmartList.criteria`` field validator, so model ``full_clean()`` and
    model forms share it; the settings page's forms and the selectors call it too.
    At most :data:`MAX_SMART_LIST_CONDITIONS` conditions.
    """
    if not isinstance(criteria, dict):
        raise ValidationError(_("Criteria must be an object with 'match' and 'conditions'."))
    errors: list[str] = []
    unknown_keys = set(criteria) - {"match", "conditions"}
    if unknown_keys:
        errors.append(
            _("Unknown criteria keys: %(keys)s.")
            % {"keys": ", ".join(sorted(map(str, unknown_keys)))}
        )
    if criteria.get("match") not in SmartListMatch.values:
        errors.append(
            _("'match' must be 'all' or 'any', not %(match)s.")
            % {"match": repr(criteria.get("match"))}
        )
    conditions = criteria.get("conditions")
    if not isinstance(conditions, list) or not conditions:
        errors.append(_("'conditions' must be a non-empty list."))
    elif len(conditions) > MAX_SMART_LIST_CONDITIONS:
        # One message, not one per condition: the list is refused as a whole.
        errors.append(
            _("A smart list has at most %(max)s conditions; this one has %(count)s.")
            % {"max": MAX_SMART_LIST_CONDITIONS, "count": len(conditions)}
        )
    else:
        for number, condition in enumerate(conditions, start=1):
            errors.extend(
                _("Condition %(number)s: %(message)s") % {"number": number, "message": msg}
                for msg in _condition_errors(condition)
            )
    if errors:
        raise ValidationError(errors)


def _condition_errors(condition: Any) -> list[str]:
    if not isinstance(condition, dict):
        return [_("must be an object with 'property', 'operator' and 'value'.")]
    errors: list[str] = []
    unknown_keys = set(condition) - _CONDITION_KEYS
    if unknown_keys:
        errors.append(
            _("unknown keys %(keys)s.") % {"keys": ", ".join(sorted(map(str, unknown_keys)))}
        )
    name = condition.get("property")
    operator = condition.get("operator")
    value = condition.get("value")
    prop = SMART_LIST_PROPERTIES.get(name) if isinstance(name, str) else None
    if prop is None:
        errors.append(
            _("unknown property %(property)s; choose one of %(allowed)s.")
            % {"property": repr(name), "allowed": ", ".join(SMART_LIST_PROPERTIES)}
        )
    if operator not in SmartListOperator.values:
        errors.append(
            _("unknown operator %(operator)s; choose one of %(allowed)s.")
            % {"operator": repr(operator), "allowed": ", ".join(SmartListOperator.values)}
        )
    if errors or prop is None:
        return errors

    if operator not in OPERATORS_BY_KIND[prop.kind]:
        allowed = ", ".join(sorted(OPERATORS_BY_KIND[prop.kind]))
        return [
            _("operator %(operator)s does not apply to %(property)s (use one of %(allowed)s).")
            % {"operator": repr(operator), "property": repr(name), "allowed": allowed}
        ]
    if prop.kind == "campaign":
        return _campaign_value_errors(value)
    if operator in VALUELESS_OPERATORS:
        if value not in (None, ""):
            errors.append(_("operator %(operator)s takes no value.") % {"operator": repr(operator)})
        return errors
    if value is None or (isinstance(value, str) and not value.strip()):
        return [_("operator %(operator)s needs a value.") % {"operator": repr(operator)}]
    if not isinstance(value, str):
        return [_("the value must be a string, not %(type)s.") % {"type": type(value).__name__}]
    if prop.kind == "date":
        try:
            parse_date_value(value)
        except ValueError:
            errors.append(
                _(
                    "%(value)s is not a date; use YYYY-MM-DD or an ISO 8601 date-time "
                    "such as 2024-05-01T09:30:00+02:00."
                )
                % {"value": repr(value)}
            )
    elif prop.kind == "choice" and choice_value(prop, value) is None:
        allowed = ", ".join(stored for stored, _ in prop.choices)
        errors.append(
            _("%(value)s is not a valid %(property)s; choose one of %(allowed)s.")
            % {"value": repr(value), "property": prop.label.lower(), "allowed": allowed}
        )
    return errors


def _campaign_value_errors(value: Any) -> list[str]:
    if not isinstance(value, dict) or set(value) - CAMPAIGN_VALUE_KEYS:
        return [
            _(
                'the value must be an object {"campaign": "<campaign id or name>", "status": '
                '"<member status>", "responded": true or false} (status and responded optional).'
            )
        ]
    errors = []
    campaign = value.get("campaign")
    if not isinstance(campaign, str) or not campaign.strip():
        errors.append(_("name the campaign (its Salesforce id or its name)."))
    status = value.get("status")
    if status is not None and not isinstance(status, str):
        errors.append(_("the member status must be text."))
    if value.get("responded") not in (None, True, False):
        errors.append(_("responded must be true, false or left out."))
    return errors
