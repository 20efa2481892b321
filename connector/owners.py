"""Reads of the org's users and the user matches: which hubsync user each Salesforce user
is (a match set by hand, else the one hubsync user with its email), and what the Users page
and the contact page show."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models.functions import Lower
from django.utils.translation import gettext as _

from .mappers import Owners
from .models import SalesforceUser, UserMapping


@dataclass(frozen=True)
class UserRow:
    """One Salesforce user on the Users page."""

    salesforce_user: SalesforceUser
    user: Any  # the matched hubsync user, or None
    manual: bool  # set by hand (UserMapping), else by email
    manual_none: bool  # cleared by hand: nobody, whatever the emails say


def _hubsync_users_by_email() -> dict[str, int]:
    """Lower-cased email → the one active hubsync user with it (an email two users share
    matches nobody)."""
    seen: dict[str, list[int]] = {}
    for pk, email in (
        get_user_model()
        .objects.filter(is_active=True)
        .exclude(email="")
        .values_list("pk", Lower("email"))
    ):
        seen.setdefault(email, []).append(pk)
    return {email: pks[0] for email, pks in seen.items() if len(pks) == 1}


def _matches() -> tuple[dict[str, int | None], set[str]]:
    """``{Salesforce user id: hubsync user id or None}`` for every Salesforce user, and the
    ids matched by hand."""
    manual = dict(UserMapping.objects.values_list("salesforce_user_id", "user_id"))
    by_email = _hubsync_users_by_email()
    out: dict[str, int | None] = {}
    for sf_id, email in SalesforceUser.objects.filter(is_queue=False).values_list(
        "salesforce_id", "email"
    ):
        out[sf_id] = manual[sf_id] if sf_id in manual else by_email.get(email.lower())
    for sf_id, user_id in manual.items():
        out.setdefault(sf_id, user_id)
    return out, set(manual)


def owners_get() -> Owners:
    """The matches as the mappers use them. A hubsync user matched to several Salesforce
    users (by hand and by email) is written as the one matched by hand, else an active one."""
    matches, manual = _matches()
    active = dict(SalesforceUser.objects.values_list("salesforce_id", "is_active"))
    to_salesforce: dict[str, str] = {}
    ranked = sorted(
        ((sf_id, pk) for sf_id, pk in matches.items() if pk is not None),
        key=lambda item: (item[0] in manual, active.get(item[0], True), item[0]),
    )
    for sf_id, pk in ranked:  # the best comes last and wins
        to_salesforce[str(pk)] = sf_id
    to_hubsync = {sf_id: str(pk) for sf_id, pk in matches.items() if pk is not None}
    return Owners(to_salesforce=to_salesforce, to_hubsync=to_hubsync)


def users_page() -> dict[str, Any]:
    """The Users page: every Salesforce user with its match, the unmatched on both sides."""
    matches, manual = _matches()
    users = {u.pk: u for u in get_user_model().objects.filter(is_active=True).order_by("username")}
    rows = [
        UserRow(
            salesforce_user=sf_user,
            user=users.get(matches.get(sf_user.salesforce_id) or 0),
            manual=sf_user.salesforce_id in manual,
            manual_none=sf_user.salesforce_id in manual
            and matches.get(sf_user.salesforce_id) is None,
        )
        for sf_user in SalesforceUser.objects.filter(is_queue=False, gone=False)
    ]
    matched = {row.user.pk for row in rows if row.user is not None}
    return {
        "rows": rows,
        "matched": [row for row in rows if row.user is not None],
        "unmatched_salesforce": [row for row in rows if row.user is None],
        "unmatched_hubsync": [u for pk, u in users.items() if pk not in matched],
        "hubsync_users": list(users.values()),
        "queues": list(SalesforceUser.objects.filter(is_queue=True, gone=False)),
        "read_at": SalesforceUser.objects.order_by("-read_at")
        .values_list("read_at", flat=True)
        .first(),
    }


def salesforce_owner_label(salesforce_id: str) -> str:
    """How the contact page names a record's owner: "Queue: <name>" for a queue, else the
    Salesforce user's name (or the id while the user was not read)."""
    if not salesforce_id:
        return ""
    sf_user = SalesforceUser.objects.filter(salesforce_id=salesforce_id).first()
    if sf_user is None:
        if salesforce_id.startswith("00G"):
            return _("Queue: %(name)s") % {"name": salesforce_id}
        return salesforce_id
    if sf_user.is_queue:
        return _("Queue: %(name)s") % {"name": sf_user.name}
    return sf_user.name


def salesforce_user_names(ids: list[str]) -> dict[str, str]:
    return dict(
        SalesforceUser.objects.filter(salesforce_id__in=ids).values_list("salesforce_id", "name")
    )
