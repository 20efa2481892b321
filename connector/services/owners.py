"""Writes of the org's users and the user matches: reading the users and queues from
Salesforce, a match set or cleared by hand (the Users page), ``user_mappings`` of the
settings JSON. Every match written here is in the settings history (UserMapping.history)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ..client import SalesforceClient
from ..models import SalesforceUser, UserMapping
from ..soql import in_lists
from ..sync.failures import contact_failures_unpark
from .acting_user import ActingUser, history_user_set

#: A full read of the org's users at most this often (and when hubsync meets an owner it
#: does not know): no call in an idle cycle.
USERS_READ_EVERY = timedelta(hours=24)
USER_ID = re.compile(r"^005[A-Za-z0-9]{12}([A-Za-z0-9]{3})?$")
AUTOMATIC, NOBODY = "", "none"


def _user_queries(ids: list[str] | None) -> list[tuple[str, bool]]:
    users = "SELECT Id, Name, Email, IsActive FROM User"
    queues = "SELECT Id, Name FROM Group WHERE Type = 'Queue'"
    if ids is None:
        return [(users, False), (queues, False)]
    queries = []
    for chunk in in_lists(sorted(ids)):
        queries.append((f"{users} WHERE Id IN ({chunk})", False))
        queries.append((f"{queues} AND Id IN ({chunk})", False))
    return queries


def org_users_read(client: SalesforceClient, *, ids: Iterable[str] | None = None) -> int:
    """Read the org's users (active and inactive) and queues (all, or those ``ids``) into
    SalesforceUser; a full read marks those the org no longer has as gone. One composite
    call for up to five queries. Returns how many were read."""
    wanted = None if ids is None else sorted({i for i in ids if i})
    if wanted == []:
        return 0
    seen: dict[str, dict[str, Any]] = {}
    for pages in client.query_many(_user_queries(wanted)):
        for page in pages:
            for record in page:
                queue = record["Id"].startswith("00G")
                seen[record["Id"]] = {
                    "name": record.get("Name") or "",
                    "email": "" if queue else (record.get("Email") or ""),
                    "is_active": True if queue else bool(record.get("IsActive")),
                    "is_queue": queue,
                    "gone": False,
                }
    with transaction.atomic():
        for sf_id, values in seen.items():
            SalesforceUser.objects.update_or_create(salesforce_id=sf_id, defaults=values)
        if wanted is None:
            SalesforceUser.objects.exclude(salesforce_id__in=list(seen)).update(gone=True)
    return len(seen)


def org_users_read_if_due(client: SalesforceClient, *, owner_ids: Iterable[str] = ()) -> int:
    """A full read when none was made for a day; else only owners hubsync does not know
    (a new rep, a new queue). No call when nothing is due, nor while no hubsync user could
    match a Salesforce user (none has an email, none is matched by hand)."""
    if not (
        UserMapping.objects.exists()
        or get_user_model().objects.filter(is_active=True).exclude(email="").exists()
    ):
        return 0
    last = SalesforceUser.objects.order_by("-read_at").values_list("read_at", flat=True).first()
    if last is None or timezone.now() - last > USERS_READ_EVERY:
        return org_users_read(client)
    known = set(
        SalesforceUser.objects.filter(salesforce_id__in=list(set(owner_ids))).values_list(
            "salesforce_id", flat=True
        )
    )
    unknown = {i for i in owner_ids if i and i not in known}
    return org_users_read(client, ids=unknown) if unknown else 0


def _save(mapping: UserMapping, acting_user: ActingUser) -> None:
    history_user_set(mapping, acting_user)
    mapping.save()


@transaction.atomic
def user_match_set(*, salesforce_user_id: str, choice: str, acting_user: ActingUser) -> None:
    """The Users page: ``choice`` is a hubsync user's id, ``"none"`` (matches nobody) or
    ``""`` (back to the match by email). Contacts that failed are tried again."""
    if not SalesforceUser.objects.filter(salesforce_id=salesforce_user_id, is_queue=False).exists():
        raise ValidationError(_("Salesforce has no user %(id)s.") % {"id": salesforce_user_id})
    existing = UserMapping.objects.filter(salesforce_user_id=salesforce_user_id).first()
    if choice == AUTOMATIC:
        if existing is not None:
            history_user_set(existing, acting_user)
            existing.delete()
            contact_failures_unpark(failed=True)
        return
    user = None
    if choice != NOBODY:
        user = get_user_model().objects.filter(pk=choice if str(choice).isdigit() else 0).first()
        if user is None:
            raise ValidationError(_("hubsync has no such user."))
        _refuse_second_match(user, salesforce_user_id)
    mapping = existing or UserMapping(salesforce_user_id=salesforce_user_id)
    mapping.user = user
    _save(mapping, acting_user)
    contact_failures_unpark(failed=True)


def _refuse_second_match(user: Any, salesforce_user_id: str) -> None:
    other = (
        UserMapping.objects.filter(user=user)
        .exclude(salesforce_user_id=salesforce_user_id)
        .values_list("salesforce_user_id", flat=True)
        .first()
    )
    if other:
        raise ValidationError(
            _("%(user)s is already matched by hand to the Salesforce user %(id)s.")
            % {"user": user.get_username(), "id": other}
        )


def user_mappings_parse(value: Any) -> list[tuple[str, Any]]:
    """``user_mappings`` of the settings JSON → ``[(Salesforce user id, user or None)]``;
    a ValidationError names every problem."""
    if not isinstance(value, list):
        raise ValidationError(_("user_mappings must be a list."))
    errors: list[str] = []
    out: list[tuple[str, Any]] = []
    users = get_user_model().objects
    seen_ids: set[str] = set()
    seen_users: set[int] = set()
    for number, item in enumerate(value, start=1):
        where = _("user_mappings item %(number)s") % {"number": number}
        if not isinstance(item, dict) or set(item) != {"user", "salesforce_user_id"}:
            errors.append(
                _('%(where)s: expected {"user": ..., "salesforce_user_id": ...}.')
                % {"where": where}
            )
            continue
        sf_id, username = item["salesforce_user_id"], item["user"]
        if not isinstance(sf_id, str) or not USER_ID.match(sf_id):
            errors.append(
                _("%(where)s: %(id)s is not a Salesforce user id (005…).")
                % {"where": where, "id": repr(sf_id)}
            )
            continue
        if sf_id in seen_ids:
            errors.append(_("%(where)s: %(id)s appears twice.") % {"where": where, "id": sf_id})
            continue
        seen_ids.add(sf_id)
        user = None
        if username is not None:
            user = users.filter(username=username).first() if isinstance(username, str) else None
            if user is None:
                errors.append(
                    _("%(where)s: hubsync has no user %(user)s.")
                    % {"where": where, "user": repr(username)}
                )
                continue
            if user.pk in seen_users:
                errors.append(
                    _("%(where)s: %(user)s is matched twice.") % {"where": where, "user": username}
                )
                continue
            seen_users.add(user.pk)
        out.append((sf_id, user))
    if errors:
        raise ValidationError(errors)
    return out


@transaction.atomic
def user_mappings_replace(parsed: list[tuple[str, Any]], *, acting_user: ActingUser) -> None:
    """The matches set by hand become exactly ``parsed`` (a settings import)."""
    wanted = dict(parsed)
    for mapping in UserMapping.objects.all():
        if mapping.salesforce_user_id not in wanted:
            history_user_set(mapping, acting_user)
            mapping.delete()
    for sf_id, user in wanted.items():
        existing = UserMapping.objects.filter(salesforce_user_id=sf_id).first()
        if existing is not None and existing.user_id == (user.pk if user else None):
            continue
        mapping = existing or UserMapping(salesforce_user_id=sf_id)
        mapping.user = user
        _save(mapping, acting_user)
    contact_failures_unpark(failed=True)


def user_mappings_export() -> list[dict[str, Any]]:
    return [
        {
            "user": m.user.get_username() if m.user else None,
            "salesforce_user_id": m.salesforce_user_id,
        }
        for m in UserMapping.objects.select_related("user").order_by("salesforce_user_id")
    ]
