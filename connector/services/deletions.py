"""Records deleted in Salesforce, and the mass-delete guard: the one home for both.

A Lead or Contact deleted in Salesforce either deletes its hubsync contact (the
page's *delete when … deleted* checkboxes) or keeps it, unlinked and never pushed
again, so the delete is not undone. A cycle that would delete more than
SALESFORCE_MASS_DELETE_SHARE of all contacts (and at least
SALESFORCE_MASS_DELETE_MIN) holds its deletes for an admin instead: a mistaken
mass delete in Salesforce, or a sandbox refresh, must not wipe the marketing
database. The admin then approves (delete) or discards (keep and unlink).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings as django_settings
from django.db import transaction
from django.db.models import Count, Min, QuerySet

from marketing.models import Contact

from ..messages import DELETED_KEPT_UNLINKED, RESTORED_LINKED_AGAIN, said
from ..models import (
    ContactSyncState,
    DeletionAction,
    HeldDeletion,
    SalesforceDeletion,
    SyncEventOutcome,
)
from ..soql import chunks
from ..sync.history import contact_events
from ..sync.relink import merge_followers_yield
from .acting_user import ActingUser


@dataclass(frozen=True)
class _Deleted:
    """A hubsync contact whose Salesforce record was deleted."""

    contact_id: int
    email: str
    object_type: str
    salesforce_id: str


@dataclass
class DeleteOutcome:
    deleted: int = 0
    kept_unlinked: int = 0
    held: int = 0


def mass_delete_guard_trips(*, salesforce_ids: Mapping[str, Sequence[str]]) -> bool:
    """Whether deleting the contacts of these records (``{object_type: [ids]}``) is too many
    at once: they are then held for an admin."""
    would_delete = 0
    for object_type, ids in salesforce_ids.items():
        for chunk in chunks(list(ids), 1_000):
            would_delete += Contact.objects.filter(
                salesforce_id__in=chunk, salesforce_object=object_type
            ).count()
    if would_delete < django_settings.SALESFORCE_MASS_DELETE_MIN:
        return False
    return would_delete > django_settings.SALESFORCE_MASS_DELETE_SHARE * Contact.objects.count()


def deleted_records_apply(
    *, object_type: str, salesforce_ids: Iterable[str], delete: bool, hold: bool, cycle: str
) -> DeleteOutcome:
    """Carry out one page of Salesforce deletes: delete, keep unlinked, or hold the contacts."""
    contacts = [
        _Deleted(pk, email, object_type, sf_id)
        for pk, email, sf_id in Contact.objects.filter(
            salesforce_id__in=list(salesforce_ids), salesforce_object=object_type
        ).values_list("pk", "email", "salesforce_id")
    ]
    if not contacts:
        return DeleteOutcome()
    if not delete:
        return DeleteOutcome(kept_unlinked=_keep_unlinked(contacts))
    if hold:
        return DeleteOutcome(held=_hold(contacts, cycle=cycle))
    return DeleteOutcome(deleted=_delete(contacts))


def deleted_records_restored(*, object_type: str, salesforce_ids: Iterable[str]) -> int:
    """Records back from Salesforce's recycle bin whose contacts hubsync kept unlinked when
    they were deleted: the sales team undid its delete, so each contact is linked to its
    record again and syncs as before (its history says so). Returns how many."""
    return _linked_again(object_type, dict.fromkeys(salesforce_ids))


def deleted_records_restored_meanwhile(
    *, object_type: str, deleted_at: Mapping[str, datetime]
) -> int:
    """Records read deleted (``{id: SystemModstamp}``) that were restored and deleted again
    since hubsync kept their contacts unlinked: between two cycles such a record is only
    ever read deleted, so its restore is applied here (as :func:`deleted_records_restored`)
    and its new delete then applies under today's options. A delete later than the keeping
    is a new one; the first delete read a second time is older, and changes nothing."""
    return _linked_again(object_type, deleted_at)


@transaction.atomic
def _linked_again(object_type: str, deleted_at: Mapping[str, datetime | None]) -> int:
    if not deleted_at:
        return 0
    rows = SalesforceDeletion.objects.filter(
        object_type=object_type,
        salesforce_id__in=list(deleted_at),
        action=DeletionAction.KEPT,
        contact__salesforce_id="",
        contact__sync_state__excluded=True,
    ).values_list("contact_id", "salesforce_id", "recorded_at")
    latest = {pk: (sf_id, recorded_at) for pk, sf_id, recorded_at in rows.order_by("recorded_at")}
    kept = {
        pk: sf_id
        for pk, (sf_id, recorded_at) in latest.items()
        if (at := deleted_at[sf_id]) is None or recorded_at < at
    }
    # A record another contact follows meanwhile: taken back from one that follows it only
    # by a merge (the restored record is its contact's own); else not shared.
    holders = dict(
        Contact.objects.filter(salesforce_id__in=list(kept.values()))
        .exclude(pk__in=list(kept))
        .values_list("salesforce_id", "pk")
    )
    if holders:
        freed = merge_followers_yield(holders)
        kept = {pk: sf_id for pk, sf_id in kept.items() if sf_id not in holders or sf_id in freed}
    if not kept:
        return 0
    for pk, sf_id in kept.items():
        Contact.objects.filter(pk=pk).update(salesforce_id=sf_id, salesforce_object=object_type)
    ContactSyncState.objects.filter(contact_id__in=list(kept)).update(excluded=False)
    contact_events(
        [(pk, sf_id, [], said(RESTORED_LINKED_AGAIN)) for pk, sf_id in kept.items()],
        object_type,
        SyncEventOutcome.LINKED,
    )
    return len(kept)


@transaction.atomic
def held_deletions_approve(*, acting_user: ActingUser) -> int:
    """Carry out every held delete; returns how many contacts were deleted."""
    return _delete(_held_locked())


@transaction.atomic
def held_deletions_discard(*, acting_user: ActingUser) -> int:
    """Keep every held contact (unlinked, never pushed again); returns how many."""
    held = _held_locked()
    kept = _keep_unlinked(held)
    HeldDeletion.objects.filter(contact_id__in=[h.contact_id for h in held]).delete()
    return kept


def held_deletions_summary() -> dict[str, Any]:
    """Deletes held by the guard: how many, per object type, since when, and the guard's share."""
    rows = list(
        HeldDeletion.objects.values("object_type").annotate(n=Count("id"), since=Min("held_at"))
    )
    by_type = {row["object_type"]: row["n"] for row in rows}
    share = django_settings.SALESFORCE_MASS_DELETE_SHARE
    return {
        "count": sum(by_type.values()),
        "by_type": by_type,
        "since": min((row["since"] for row in rows), default=None),
        "share": share,
        "percent": round(share * 100),
    }


def held_deletions_list() -> QuerySet[HeldDeletion]:
    """The held deletes, oldest first, with their contacts (the review page, paged)."""
    return HeldDeletion.objects.select_related("contact").order_by("held_at", "id")


def _held_locked() -> list[_Deleted]:
    return [
        _Deleted(h.contact_id, h.email, h.object_type, h.salesforce_id)
        for h in HeldDeletion.objects.select_for_update()
    ]


def _log(contacts: Sequence[_Deleted], action: str) -> None:
    SalesforceDeletion.objects.bulk_create(
        [
            SalesforceDeletion(
                contact_id=None if action == DeletionAction.DELETED else c.contact_id,
                email=c.email,
                object_type=c.object_type,
                salesforce_id=c.salesforce_id,
                action=action,
            )
            for c in contacts
        ]
    )


@transaction.atomic
def _delete(contacts: Sequence[_Deleted]) -> int:
    """The contacts go, each recorded as a SalesforceDeletion (their held rows CASCADE)."""
    if not contacts:
        return 0
    _log(contacts, DeletionAction.DELETED)
    deleted = Contact.objects.filter(pk__in=[c.contact_id for c in contacts]).delete()[1]
    return deleted.get(Contact._meta.label, 0)


@transaction.atomic
def _keep_unlinked(contacts: Sequence[_Deleted]) -> int:
    """Keep the contacts, unlinked from the deleted records and never pushed again."""
    if not contacts:
        return 0
    pks = [c.contact_id for c in contacts]
    _log(contacts, DeletionAction.KEPT)
    # The contact's history says what became of its record (the link is gone from it).
    for object_type in {c.object_type for c in contacts}:
        contact_events(
            [
                (c.contact_id, c.salesforce_id, [], said(DELETED_KEPT_UNLINKED))
                for c in contacts
                if c.object_type == object_type
            ],
            object_type,
            SyncEventOutcome.UNLINKED,
        )
    Contact.objects.filter(pk__in=pks).update(salesforce_id="", salesforce_object="")
    ContactSyncState.objects.filter(contact_id__in=pks).update(excluded=True, due=False)
    return len(pks)


@transaction.atomic
def _hold(contacts: Sequence[_Deleted], *, cycle: str) -> int:
    """Keep the contacts (still linked, never pushed) until an admin approves or discards."""
    HeldDeletion.objects.bulk_create(
        [
            HeldDeletion(
                contact_id=c.contact_id,
                email=c.email,
                object_type=c.object_type,
                salesforce_id=c.salesforce_id,
                cycle=cycle,
            )
            for c in contacts
        ],
        ignore_conflicts=True,
    )
    ContactSyncState.objects.filter(contact_id__in=[c.contact_id for c in contacts]).update(
        excluded=True
    )
    return len(contacts)
