"""Contacts whose Salesforce record became another one: a Lead converted to a Contact, or a
record merged into a survivor. The hubsync contact follows the new record (it is neither
deleted nor left tied to a record hubsync may no longer write), and its sync history says so.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from marketing.models import Contact

from ..bulk_writes import SYNC_EVENT_FIELDS, rows_insert
from ..models import ContactSyncEvent, SyncDirection, SyncEventOutcome
from .queue import contacts_link


@dataclass(frozen=True)
class Move:
    """``contact_id``'s record ``old`` (type, id) is now ``new`` (type, id)."""

    contact_id: int
    old: tuple[str, str]
    new: tuple[str, str]


def contacts_follow(moves: Iterable[Move], *, outcome: SyncEventOutcome) -> dict[int, bool]:
    """Relink each contact to its record's successor; returns ``{contact: followed}``.

    A successor already linked to another hubsync contact (two hubsync contacts whose
    records Salesforce merged into one) is not shared: this contact is unlinked instead,
    kept, and found again by email at its next push. Linking does not touch ``updated_at``.
    """
    moves = list(moves)
    if not moves:
        return {}
    taken = dict(
        Contact.objects.filter(salesforce_id__in=[m.new[1] for m in moves])
        .exclude(pk__in=[m.contact_id for m in moves])
        .values_list("salesforce_id", "pk")
    )
    links: dict[int, tuple[str, str]] = {}
    events = []
    for move in moves:
        (old_type, old_id), (new_type, new_id) = move.old, move.new
        verb = "converted to" if outcome == SyncEventOutcome.CONVERTED else "merged into"
        if new_id in taken or new_id in {sf_id for _, sf_id in links.values()}:
            links[move.contact_id] = ("", "")
            detail = (
                f"{old_type} {old_id} {verb} {new_type} {new_id}, which another hubsync contact "
                "already follows: this contact is unlinked."
            )
            events.append((move.contact_id, old_type, old_id, SyncEventOutcome.UNLINKED, detail))
            continue
        links[move.contact_id] = move.new
        events.append(
            (move.contact_id, new_type, new_id, outcome, f"{old_type} {old_id} {verb} {new_id}.")
        )
    contacts_link(links)
    rows_insert(
        ContactSyncEvent,
        SYNC_EVENT_FIELDS,
        (
            (pk, SyncDirection.INBOUND, sf_type, sf_id, [], event_outcome, detail)
            for pk, sf_type, sf_id, event_outcome, detail in events
        ),
    )
    return {pk: bool(link[1]) for pk, link in links.items()}
