"""Read queries of the marketing database (STYLE.md point 2: a query lives in one place)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext as _

from marketing.models import CampaignMember, Contact, SmartList
from marketing.smart_list_criteria import (
    SMART_LIST_PROPERTIES,
    SmartListInvalid,
    SmartListMatch,
    SmartListOperator,
    SmartListProperty,
    choice_value,
    parse_date_value,
    validate_criteria,
)

#: Columns of ``contacts_export`` (and accepted by ``contacts_import``), in order.
CONTACT_EXPORT_COLUMNS: tuple[str, ...] = (
    "email",
    "first_name",
    "last_name",
    "company",
    "phone",
    "state",
    "country",
    "lifecycle_stage",
    "salesforce_id",
    "salesforce_object",
)


# --- contacts ---------------------------------------------------------------------------


def email_key(email: str) -> str:
    """The case-insensitive identity of an email, as used by matching and the unique index."""
    return email.strip().lower()


def contact_get_by_email(*, email: str) -> Contact | None:
    """The contact whose email equals ``email`` case-insensitively, or ``None``.

    Filters on ``Lower("email")`` so the database can use the unique functional index.
    """
    return (
        Contact.objects.alias(email_lower=Lower("email"))
        .filter(email_lower=email_key(email))
        .first()
    )


def contacts_by_email_keys(*, keys: Iterable[str]) -> dict[str, Contact]:
    """Existing contacts for a batch of :func:`email_key` values, keyed by that value."""
    contacts = Contact.objects.alias(email_lower=Lower("email")).filter(email_lower__in=list(keys))
    return {email_key(contact.email): contact for contact in contacts}


def contacts_export_rows(*, chunk_size: int = 2000) -> Iterator[tuple[Any, ...]]:
    """Stream every contact as a tuple in :data:`CONTACT_EXPORT_COLUMNS` order, by id."""
    return (
        Contact.objects.order_by("id")
        .values_list(
            "email",
            "first_name",
            "last_name",
            "company_name",
            "phone",
            "state",
            "country",
            "lifecycle_stage",
            "salesforce_id",
            "salesforce_object",
        )
        .iterator(chunk_size=chunk_size)
    )


# --- smart lists ------------------------------------------------------------------------


def smart_lists_active() -> QuerySet[SmartList]:
    """Smart lists that are switched on, by name."""
    return SmartList.objects.filter(active=True).order_by("name")


def smart_list_q(*, criteria: dict[str, Any]) -> Q:
    """Translate smart-list criteria into one ``Q`` over ``Contact``.

    The database decides membership in a single query. Semantics:

    - text ``equals``/``contains`` are case-insensitive; values are stripped;
    - ``not_equals`` is the negation of ``equals``, so contacts whose property
      is unknown (blank or no related row) *are* members;
    - ``is_known`` means not NULL and, for text/choice, not the empty string;
      ``is_unknown`` is its exact complement;
    - ``before D`` on a date-time property means before the start of day D and
      ``after D`` after the end of day D (current time zone); a full date-time
      value compares strictly (``<`` / ``>``).

    Raises ``ValidationError`` for invalid criteria (more than
    ``MAX_SMART_LIST_CONDITIONS`` conditions included), before building any query.
    """
    validate_criteria(criteria)
    parts = [_condition_q(condition) for condition in criteria["conditions"]]
    # One flat node (a AND b AND ...), never a nested chain of pairs.
    connector = Q.AND if criteria["match"] == SmartListMatch.ALL else Q.OR
    return Q(*parts, _connector=connector)


def smart_list_contacts(*, smart_list: SmartList) -> QuerySet[Contact]:
    """The contacts currently in ``smart_list`` (an unevaluated queryset).

    Raises :class:`SmartListInvalid` (a ``ValidationError`` naming the list) when its
    stored criteria are invalid, e.g. over the conditions limit: a clear error rather
    than a database error when the query runs.
    """
    try:
        q = smart_list_q(criteria=smart_list.criteria)
    except ValidationError as error:
        raise SmartListInvalid(
            _("The smart list “%(name)s” cannot be used: %(problems)s")
            % {"name": smart_list.name, "problems": " ".join(error.messages)}
        ) from error
    queryset = Contact.objects.filter(q)
    if _crosses_to_many(smart_list.criteria):
        # A to-many join (e.g. future opportunity properties) repeats contacts.
        queryset = queryset.distinct()
    return queryset


def smart_list_contains(*, smart_list: SmartList, contact_id: int) -> bool:
    """Whether the contact with ``contact_id`` is in ``smart_list`` (one query)."""
    return smart_list_contacts(smart_list=smart_list).filter(pk=contact_id).exists()


def smart_list_member_count(*, smart_list: SmartList) -> int:
    """How many contacts ``smart_list`` holds right now."""
    return smart_list_contacts(smart_list=smart_list).count()


def _condition_q(condition: dict[str, Any]) -> Q:
    prop = SMART_LIST_PROPERTIES[condition["property"]]
    operator = condition["operator"]
    value = condition.get("value")
    path = prop.path
    Op = SmartListOperator

    if prop.kind == "campaign":
        member = _campaign_member_q(value or {})
        return member if operator == Op.MEMBER_OF else ~member
    if operator == Op.IS_KNOWN:
        return _known_q(prop)
    if operator == Op.IS_UNKNOWN:
        return ~_known_q(prop)
    assert isinstance(value, str)  # guaranteed by validate_criteria
    if prop.kind == "choice":
        stored = choice_value(prop, value)
        equals = Q(**{path: stored})
        return equals if operator == Op.EQUALS else ~equals
    if operator == Op.EQUALS:
        return Q(**{f"{path}__iexact": value.strip()})
    if operator == Op.NOT_EQUALS:
        return ~Q(**{f"{path}__iexact": value.strip()})
    if operator == Op.CONTAINS:
        return Q(**{f"{path}__icontains": value.strip()})
    if operator in (Op.BEFORE, Op.AFTER):
        return _date_q(prop, before=operator == Op.BEFORE, value=parse_date_value(value))
    raise AssertionError(f"unhandled operator {operator!r}")  # pragma: no cover


def _campaign_member_q(value: dict[str, Any]) -> Q:
    """Member of the campaign (by Salesforce id or name), with that status, responded or not."""
    name = value["campaign"].strip()
    members = CampaignMember.objects.filter(contact=OuterRef("pk")).filter(
        Q(campaign__salesforce_id=name) | Q(campaign__name__iexact=name)
    )
    if value.get("status"):
        members = members.filter(status__iexact=value["status"].strip())
    if value.get("responded") is not None:
        members = members.filter(has_responded=value["responded"])
    return Q(Exists(members))


def _known_q(prop: SmartListProperty) -> Q:
    known = Q(**{f"{prop.path}__isnull": False})
    if prop.kind != "date":
        # Comparing a date column with '' would be an error on PostgreSQL.
        known &= ~Q(**{prop.path: ""})
    return known


def _date_q(prop: SmartListProperty, *, before: bool, value: dt.date | dt.datetime) -> Q:
    field = _resolve_field(prop.path)
    bound: dt.date | dt.datetime
    if isinstance(value, dt.datetime):
        bound = value if timezone.is_aware(value) else timezone.make_aware(value)
        if not isinstance(field, models.DateTimeField):
            bound = timezone.localtime(bound).date()
        return Q(**{f"{prop.path}__{'lt' if before else 'gt'}": bound})
    # A bare date is the whole day: before it = before its first instant,
    # after it = from the first instant of the next day on.
    day = value if before else value + dt.timedelta(days=1)
    if isinstance(field, models.DateTimeField):
        bound = timezone.make_aware(dt.datetime.combine(day, dt.time.min))
    else:
        bound = day
    return Q(**{f"{prop.path}__{'lt' if before else 'gte'}": bound})


def _resolve_field(path: str) -> models.Field:
    """The model field at the end of an ORM lookup path starting at ``Contact``."""
    model: Any = Contact
    field: Any = None
    for name in path.split("__"):
        field = model._meta.get_field(name)
        if field.is_relation:
            model = field.related_model
    return field


def _path_crosses_to_many(path: str) -> bool:
    model: Any = Contact
    for name in path.split("__"):
        field = model._meta.get_field(name)
        if field.is_relation:
            if field.one_to_many or field.many_to_many:
                return True
            model = field.related_model
    return False


def _crosses_to_many(criteria: dict[str, Any]) -> bool:
    return any(
        _path_crosses_to_many(SMART_LIST_PROPERTIES[c["property"]].path)
        for c in criteria["conditions"]
        if SMART_LIST_PROPERTIES[c["property"]].kind != "campaign"  # an EXISTS: no join
    )
