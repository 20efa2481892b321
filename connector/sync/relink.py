"""Contacts whose Salesforce record became another one: a Lead converted to a Contact, or a
record merged into a survivor. The hubsync contact follows the new record (it is neither
deleted nor left tied to a record hubsync may no longer write), and its sync history says so.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from marketing.models import Contact

from ..messages import LEAD_CONVERTED_TO, RECORD_MERGED_INTO, SUCCESSOR_TAKEN, said
from ..models import ContactSyncEvent, ContactSyncState, SyncDirection, SyncEventOutcome
from .failures import contact_failures_unpark
from .history import ContactEvent, contact_events_write
from .queue import contacts_link


@dataclass(frozen=True)
class Move:
    """``contact_id``'s record ``old`` (type, id) is now ``new`` (type, id)."""

    contact_id: int
    old: tuple[str, str]
    new: tuple[str, str]


def records_followed(
    object_type: str, successors: Mapping[str, tuple[str, str]], *, outcome: SyncEventOutcome
) -> set[int]:
    """The contacts linked to these ``object_type`` records (``{old id: (type, new id)}``)
    follow them; returns the contacts that now have a new record."""
    if not successors:
        return set()
    moves = [
        Move(pk, (object_type, sf_id), successors[sf_id])
        for pk, sf_id in Contact.objects.filter(
            salesforce_object=object_type, salesforce_id__in=list(successors)
        ).values_list("pk", "salesforce_id")
    ]
    return contacts_follow(moves, outcome=outcome)


def contacts_follow(moves: list[Move], *, outcome: SyncEventOutcome) -> set[int]:
    """Relink each contact to its record's successor; returns the contacts relinked.

    A successor another hubsync contact already follows (two hubsync contacts whose records
    Salesforce merged into one) is not shared: this contact is kept, unlinked and never
    pushed again — as a delete in Salesforce with the delete option off — so the sales
    team's merge is not undone by a re-created record. One exception: a Lead converted into
    a Contact that another contact follows only because its own record was merged into it
    (the merge was read first). The converted Lead's contact is that Contact's own person
    (the Contact carries its external id): it follows, and the merged one yields
    (:func:`merge_followers_yield`), as when the conversion is read first. A relinked
    contact's failed writes start afresh: they failed against the old record.
    """
    if not moves:
        return set()
    holders = dict(
        Contact.objects.filter(salesforce_id__in=[m.new[1] for m in moves])
        .exclude(pk__in=[m.contact_id for m in moves])
        .values_list("salesforce_id", "pk")
    )
    taken = set(holders)
    followed = LEAD_CONVERTED_TO if outcome == SyncEventOutcome.CONVERTED else RECORD_MERGED_INTO
    links: dict[int, tuple[str, str]] = {}
    kept: list[int] = []
    events = []
    if outcome == SyncEventOutcome.CONVERTED:
        taken -= merge_followers_yield(holders)
    for move in moves:
        (old_type, old_id), (new_type, new_id) = move.old, move.new
        if new_id in taken:
            kept.append(move.contact_id)
            detail = said(
                SUCCESSOR_TAKEN,
                old_object=old_type,
                old_id=old_id,
                new_object=new_type,
                new_id=new_id,
            )
            events.append((move.contact_id, old_type, old_id, SyncEventOutcome.UNLINKED, detail))
            continue
        taken.add(new_id)
        links[move.contact_id] = move.new
        detail = said(followed, old_object=old_type, old_id=old_id, new_id=new_id)
        events.append((move.contact_id, new_type, new_id, outcome, detail))
    contacts_link({**links, **{pk: ("", "") for pk in kept}})
    if kept:
        ContactSyncState.objects.filter(contact_id__in=kept).update(excluded=True, due=False)
    if links:
        contact_failures_unpark(contact_ids=list(links))
    contact_events_write(
        ContactEvent(pk, SyncDirection.INBOUND, sf_type, sf_id, event_outcome, detail=detail)
        for pk, sf_type, sf_id, event_outcome, detail in events
    )
    return set(links)


def merge_followers_yield(holders: Mapping[str, int]) -> set[str]:
    """Of these records' contacts (``{record id: contact}``), those that follow their record
    only because their own was merged into it give it up to the record's own person (a
    converted Lead's contact, a contact whose record came back from the recycle bin): each
    is kept, unlinked and no longer synced, as when its merge is read after the other.
    Returns the records given up."""
    merged = _merged_in(holders)
    if not merged:
        return set()
    pks = [pk for pk, _, _ in merged]
    contacts_link(dict.fromkeys(pks, ("", "")))
    ContactSyncState.objects.filter(contact_id__in=pks).update(excluded=True, due=False)
    contact_events_write(
        ContactEvent(
            pk,
            SyncDirection.INBOUND,
            old_type,
            old_id,
            SyncEventOutcome.UNLINKED,
            detail=said(
                SUCCESSOR_TAKEN,
                old_object=old_type,
                old_id=old_id,
                new_object=new_type,
                new_id=new_id,
            ),
        )
        for pk, (new_type, new_id), (old_type, old_id) in merged
    )
    return {new_id for _, (_, new_id), _ in merged}


def _merged_in(holders: Mapping[str, int]) -> list[tuple[int, tuple[str, str], tuple[str, str]]]:
    """Of these records' contacts (``{record id: contact}``), those that follow their record
    because their own was merged into it (their latest history entry): (contact, the record,
    the merged-away record)."""
    latest: dict[int, tuple[str, str, str, Mapping[str, Any] | None]] = {}
    for pk, object_type, sf_id, event_outcome, stored in ContactSyncEvent.objects.filter(
        contact_id__in=list(holders.values())
    ).values_list("contact_id", "object_type", "salesforce_id", "outcome", "detail_said"):
        latest.setdefault(pk, (object_type, sf_id, event_outcome, stored))  # newest first
    out = []
    for sf_id, pk in holders.items():
        object_type, event_id, event_outcome, stored = latest.get(pk, ("", "", "", None))
        if event_outcome == SyncEventOutcome.MERGED and event_id == sf_id:
            params = (stored or {}).get("params", {})
            old = (params.get("old_object", object_type), params.get("old_id", ""))
            out.append((pk, (object_type, sf_id), old))
    return out
