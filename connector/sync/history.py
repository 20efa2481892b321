"""A contact's sync history as the inbound side writes it (ContactSyncEvent rows)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from ..bulk_writes import SYNC_EVENT_FIELDS, rows_insert
from ..messages import BOTH_CHANGED_EACH, BOTH_CHANGED_HUBSYNC, BOTH_CHANGED_SALESFORCE, said
from ..models import ContactSyncEvent, SyncDirection


def contact_events(
    rows: Sequence[tuple[int, str, list[str]] | tuple[int, str, list[str], str]],
    object_type: str,
    outcome: str,
) -> None:
    """Each contact's sync history (see ContactSyncEvent): ``(contact, sf id, fields)`` rows,
    or ``(contact, sf id, fields, detail)``."""
    rows_insert(
        ContactSyncEvent,
        SYNC_EVENT_FIELDS,
        (
            (pk, SyncDirection.INBOUND, object_type, sf_id, fields, outcome, "".join(detail))
            for pk, sf_id, fields, *detail in rows
        ),
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
