"""Pure: which side's value each field of a linked contact takes (the per-field merge).

*Two-way* decides field by field, against the **base**: each field's value as both sides
had it after the last sync (``ContactSyncState.synced_values``, in hubsync's terms). A
field that changed on one side only since then takes that side's value, whatever else
changed on either side; only a field changed on both sides is decided by which change is
newer. hubsync cannot see when Salesforce changed one field, only when the record last
changed (``LastModifiedDate``), nor when hubsync changed one property, only when the
contact last changed (``updated_at``): for a field changed on both sides the record changed
later wins. Without a base (the first match by email, or a contact synced before hubsync
kept one) a blank never overwrites a value: the value present on one side is taken by the
other; two different values are decided like a field changed on both sides.

*Prefer Salesforce unless blank* takes a non-blank Salesforce value, *Always use
Salesforce* takes Salesforce's value even blank, *Don't sync* never moves anything; none
of them sends an update to Salesforce once the record exists.

No database and no HTTP (tests/connector/test_merge.py).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from . import geo
from .mappers import NOT_PROVIDED, PICKLIST_FIELDS, MappingSpec, same_place

Side = Literal["salesforce", "hubsync"]


@dataclass
class Merge:
    """The outcome for one contact and its Salesforce record."""

    take: dict[str, str] = field(default_factory=dict)  # property → Salesforce's value
    send: set[str] = field(default_factory=set)  # properties whose hubsync value goes out
    base: dict[str, str] = field(default_factory=dict)  # the base after this sync
    both_changed: dict[str, Side] = field(default_factory=dict)  # property → whose value won


def contact_text(value: Any) -> str:
    """A value as the merge compares it: text, stripped (None is blank)."""
    return "" if value is None else str(value).strip()


def salesforce_text(record: Mapping[str, Any], salesforce_field: str) -> str:
    """A Salesforce field as hubsync compares it: the placeholder hubsync writes into a
    required field it has no value for counts as blank."""
    text = contact_text(record.get(salesforce_field))
    return "" if text == NOT_PROVIDED else text


def contact_merge(
    record: Mapping[str, Any],
    *,
    object_type: str,
    mappings: Sequence[MappingSpec],
    current: Mapping[str, Any],
    base: Mapping[str, str] | None,
    salesforce_modified: datetime | None,
    hubsync_modified: datetime | None,
    picklists: geo.Picklists | None,
) -> Merge:
    """Merge a linked (or just matched) contact with its Salesforce record, field by field.

    ``base``: the stored base (``None`` or a missing property: not known). The returned
    ``base`` holds every *Two-way* property: hubsync's value where both sides agree, else
    Salesforce's, so that a property hubsync keeps still differs from it and is sent.
    """
    merge = Merge()
    base = base or {}
    salesforce_newer = bool(
        salesforce_modified and (hubsync_modified is None or salesforce_modified > hubsync_modified)
    )
    for mapping in mappings:
        salesforce_field = mapping.field_for(object_type)
        if not salesforce_field or mapping.sync_rule == "dont_sync":
            continue
        prop = mapping.hubsync_property
        theirs = salesforce_text(record, salesforce_field)
        ours = contact_text(current.get(prop))

        def agrees(value: str, *, f: str = salesforce_field, s: str = theirs) -> bool:
            if value == s:
                return True
            return (
                picklists is not None
                and f in PICKLIST_FIELDS
                and same_place(record, f, value, picklists)
            )

        if agrees(ours):
            if mapping.sync_rule == "two_way":
                merge.base[prop] = ours
            continue
        if mapping.sync_rule == "prefer_salesforce":
            if theirs:
                merge.take[prop] = theirs
            continue
        if mapping.sync_rule == "always_salesforce":
            merge.take[prop] = theirs
            continue
        winner = _two_way_winner(
            ours=ours,
            theirs=theirs,
            known=base.get(prop),
            agrees=agrees,
            salesforce_newer=salesforce_newer,
        )
        if winner is None:
            merge.base[prop] = base[prop]
            continue
        side, both = winner
        if both:
            merge.both_changed[prop] = side
        if side == "salesforce":
            merge.take[prop] = theirs
        else:
            merge.send.add(prop)
        merge.base[prop] = theirs
    return merge


def _two_way_winner(
    *,
    ours: str,
    theirs: str,
    known: str | None,
    agrees: Any,
    salesforce_newer: bool,
) -> tuple[Side, bool] | None:
    """Whose value a *Two-way* field takes, and whether both sides had changed it (the two
    values differ). None: neither side changed it since the base (nothing to do)."""
    if known is None:
        # Nothing known of the last sync: a blank is no clear, a value is never lost.
        if not theirs:
            return "hubsync", False
        if not ours:
            return "salesforce", False
        return ("salesforce" if salesforce_newer else "hubsync"), True
    salesforce_changed = not agrees(known)
    hubsync_changed = ours != known
    if salesforce_changed and hubsync_changed:
        return ("salesforce" if salesforce_newer else "hubsync"), True
    if salesforce_changed:
        return "salesforce", False
    if hubsync_changed:
        return "hubsync", False
    return None
