"""A contact's sync history (ContactSyncEvent rows): written here only, by
:func:`contact_events_write` — the push, the pull, the relinks and the deletes all call it."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from ..bulk_writes import rows_insert
from ..messages import (
    BOTH_CHANGED_EACH,
    BOTH_CHANGED_HUBSYNC,
    BOTH_CHANGED_SALESFORCE,
    message_stored,
    said,
)
from ..models import ContactSyncEvent, SyncDirection

# The columns every history row is written with (one executemany: bulk_create took longer
# than Salesforce's side of a 10,000-contact push batch).
_COLUMNS = (
    "contact",
    "direction",
    "object_type",
    "salesforce_id",
    "fields",
    "outcome",
    "detail",
    "detail_said",
)


@dataclass(frozen=True, slots=True)
class ContactEvent:
    """One row of a contact's sync history."""

    contact_id: int
    direction: str  # SyncDirection
    object_type: str
    salesforce_id: str
    outcome: str  # SyncEventOutcome
    fields: Sequence[str] = ()
    # One of hubsync's messages (connector.messages), Salesforce's text, or nothing.
    detail: str = ""


def contact_events_write(events: Iterable[ContactEvent]) -> None:
    """Add these rows to the contacts' sync histories (the detail as its message key)."""
    rows_insert(
        ContactSyncEvent,
        _COLUMNS,
        (
            (
                e.contact_id,
                e.direction,
                e.object_type,
                e.salesforce_id,
                list(e.fields),
                e.outcome,
                str(e.detail),
                message_stored(e.detail),
            )
            for e in events
        ),
    )


def contact_events(
    rows: Sequence[tuple[int, str, list[str]] | tuple[int, str, list[str], str]],
    object_type: str,
    outcome: str,
) -> None:
    """Inbound history rows of one object and outcome: ``(contact, sf id, fields)`` rows, or
    ``(contact, sf id, fields, detail)``."""
    contact_events_write(
        ContactEvent(
            pk,
            SyncDirection.INBOUND,
            object_type,
            sf_id,
            outcome,
            fields,
            detail[0] if detail else "",
        )
        for pk, sf_id, fields, *detail in rows
    )


def both_changed_detail(both_changed: Mapping[str, str]) -> str:
    """The history's words for fields changed on both sides: whose value each took."""
    salesforce = ", ".join(sorted(p for p, side in both_changed.items() if side == "salesforce"))
    hubsync = ", ".join(sorted(p for p, side in both_changed.items() if side == "hubsync"))
    if salesforce and hubsync:
        return said(BOTH_CHANGED_EACH, salesforce=salesforce, hubsync=hubsync)
    if salesforce:
        return said(BOTH_CHANGED_SALESFORCE, fields=salesforce)
    return said(BOTH_CHANGED_HUBSYNC, fields=hubsync)
