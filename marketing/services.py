"""Writes to the marketing database (STYLE.md point 1: ``<entity>_<action>``, keyword-only)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import IntegrityError, transaction

from marketing.models import Contact, SmartList
from marketing.selectors import contact_get_by_email

#: Contact fields that services and the CSV import may set from plain data.
CONTACT_DATA_FIELDS: tuple[str, ...] = (
    "first_name",
    "last_name",
    "company_name",
    "phone",
    "job_title",
    "state",
    "country",
    "lifecycle_stage",
)

# --- contacts ---------------------------------------------------------------------------


def contact_upsert_by_email(
    *, email: str, data: Mapping[str, Any] | None = None
) -> tuple[Contact, bool]:
    """Create the contact with ``email`` or update the one matching it case-insensitively.

    ``data`` maps Contact field names (``first_name``, ``company_id``, ``owner``, ...)
    to new values; fields not in ``data`` are left alone. The email of an existing
    contact keeps its stored spelling. Validates with ``full_clean()`` (so raises
    ``ValidationError``) and returns ``(contact, created)``. Safe against a
    concurrent insert of the same email: the loser updates the winner's row.
    """
    data = dict(data or {})
    for attempt in range(2):
        try:
            with transaction.atomic():
                contact = contact_get_by_email(email=email)
                created = contact is None
                if contact is None:
                    contact = Contact(email=email.strip())
                for name, value in data.items():
                    setattr(contact, name, value)
                contact.full_clean()
                contact.save()
                return contact, created
        except IntegrityError:
            if attempt:
                raise
    raise AssertionError("unreachable")  # pragma: no cover


# --- smart lists ------------------------------------------------------------------------


def smart_list_create(*, name: str, criteria: dict[str, Any], active: bool = True) -> SmartList:
    """Create a smart list after validating its name and criteria (``ValidationError``)."""
    smart_list = SmartList(name=name.strip(), criteria=criteria, active=active)
    smart_list.full_clean()
    smart_list.save()
    return smart_list


def smart_list_update(
    *,
    smart_list: SmartList,
    name: str | None = None,
    criteria: dict[str, Any] | None = None,
    active: bool | None = None,
) -> SmartList:
    """Change the given attributes of ``smart_list`` (``None`` = keep) and validate."""
    if name is not None:
        smart_list.name = name.strip()
    if criteria is not None:
        smart_list.criteria = criteria
    if active is not None:
        smart_list.active = active
    smart_list.full_clean()
    smart_list.save()
    return smart_list
