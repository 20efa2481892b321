"""Salesforce's values written into hubsync contacts (the pull, and the push's first match
by email): checked first, then written in as few statements as possible."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction

from marketing.models import Contact

from ..bulk_writes import rows_update
from ..messages import EMAIL_NOT_STORABLE, EMAIL_TAKEN, TOO_LONG_FOR_HUBSYNC, said
from .failures import Failure


def contact_values_problem(values: dict[str, Any]) -> tuple[str, str, tuple[str, ...]] | None:
    """Why hubsync cannot store Salesforce's values for a contact, or None.

    Salesforce accepts emails Django's validator refuses (``a..b@x.example``) and a
    field mapping may pour a long Salesforce field into a short property: such a
    record becomes an inbound sync error instead of invalid data (or, on PostgreSQL,
    a failed INSERT that would sink the whole page).
    """
    email = values.get("email")
    if email:
        try:
            validate_email(email)
        except ValidationError:
            return (
                "INVALID_EMAIL_ADDRESS",
                said(EMAIL_NOT_STORABLE, email=email),
                ("email",),
            )
    for name, value in values.items():
        max_length = getattr(Contact._meta.get_field(name), "max_length", None)
        if max_length and isinstance(value, str) and len(value) > max_length:
            return (
                "STRING_TOO_LONG",
                said(TOO_LONG_FOR_HUBSYNC, field=name, length=len(value), max=max_length),
                (name,),
            )
    return None


def storable(values: dict[str, Any]) -> dict[str, Any]:
    """The merge's text values as the contact stores them: the owner (a hubsync user's id
    as text, blank for none) as the user's id or None."""
    if "owner" not in values:
        return values
    owner = values["owner"]
    return {**values, "owner": int(owner) if owner not in (None, "") else None}


def contact_values_write(
    object_type: str,
    changed: list[tuple[int, dict[str, str]]],
    now: datetime,
    *,
    sf_ids: dict[int, str],
    failed: Callable[[int, Failure], None],
) -> set[int]:
    """Write Salesforce's values; returns the contacts written.

    One executemany per set of changed fields (an UPDATE per contact took most of a
    10,000-record pull). A set that breaks the unique email (another contact has the
    address) is written row by row, so that only the offending contacts fail.
    """
    groups: dict[tuple[str, ...], list[tuple[int, dict[str, Any]]]] = {}
    for pk, changes in ((pk, storable(changes)) for pk, changes in changed):
        groups.setdefault(tuple(sorted(changes)), []).append((pk, changes))
    written: set[int] = set()
    for fields, members in groups.items():
        try:
            with transaction.atomic():
                rows_update(
                    Contact,
                    [*fields, "updated_at"],
                    [(*(changes[f] for f in fields), now, pk) for pk, changes in members],
                )
            written.update(pk for pk, _ in members)
            continue
        except IntegrityError:
            pass
        for pk, changes in members:
            try:
                with transaction.atomic():
                    Contact.objects.filter(pk=pk).update(**changes, updated_at=now)
            except IntegrityError:
                failed(
                    pk,
                    Failure(
                        object_type,
                        "DUPLICATE_VALUE",
                        said(EMAIL_TAKEN, email=changes.get("email")),
                        ("email",),
                        sf_ids.get(pk, ""),
                    ),
                )
                continue
            written.add(pk)
    return written
