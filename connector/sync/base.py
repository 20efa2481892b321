"""The per-field merge's base: each linked contact's values as both sides had them after
its last sync (``ContactSyncState.synced_values``; see :mod:`connector.merge`)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from django.utils import timezone

from ..bulk_writes import rows_update
from ..geo import Picklists
from ..mappers import MappingSpec
from ..merge import contact_merge, contact_text
from ..models import ContactSyncState, SyncEventOutcome
from ..soql import parse_datetime
from .contact_values import contact_values_problem, contact_values_write
from .failures import Failure, inbound_failure_record
from .history import both_changed_detail, contact_events


def synced_values_get(contact_ids: Iterable[int]) -> dict[int, dict[str, str]]:
    """``{contact id: base}`` (a contact with no sync state has none)."""
    return dict(
        ContactSyncState.objects.filter(contact_id__in=list(contact_ids)).values_list(
            "contact_id", "synced_values"
        )
    )


def synced_values_store(bases: dict[int, dict[str, str]]) -> None:
    """Store each contact's new base (one executemany); a contact with no sync state row
    yet gets it with its row."""
    if bases:
        rows_update(
            ContactSyncState,
            ["synced_values"],
            ((base, pk) for pk, base in bases.items()),
        )


def properties_changed(
    contact: Mapping[str, Any], base: Mapping[str, str], mappings: Sequence[MappingSpec]
) -> set[str]:
    """The *Two-way* properties hubsync changed since the last sync: what an update sends.

    A property with no base (a contact synced before hubsync kept one) is sent when it
    has a value: a blank is no clear when nothing says the field had a value before."""
    changed = set()
    for mapping in mappings:
        if mapping.sync_rule != "two_way":
            continue
        prop = mapping.hubsync_property
        value = contact_text(contact.get(prop))
        if (prop in base and value != base[prop]) or (prop not in base and value):
            changed.add(prop)
    return changed


def base_after_push(
    contact: Mapping[str, Any],
    base: Mapping[str, str],
    mappings: Sequence[MappingSpec],
    sent: set[str] | None,
) -> dict[str, str]:
    """The base once the write of ``sent`` succeeded (``None``: a create, which sent all)."""
    after = dict(base)
    for mapping in mappings:
        prop = mapping.hubsync_property
        if mapping.sync_rule == "two_way" and (sent is None or prop in sent):
            after[prop] = contact_text(contact.get(prop))
    return after


def first_matches_merge(
    matches: dict[int, tuple[dict[str, Any], dict[str, Any]]],
    *,
    mappings: Sequence[MappingSpec],
    picklists: Picklists | None,
) -> tuple[dict[int, tuple[set[str], dict[str, str]]], dict[int, datetime]]:
    """Contacts the push just matched by email to an existing record (``{pk: (contact,
    record)}``): merged with no base, so a blank on either side never overwrites a value.

    Salesforce's values hubsync takes are written now (one that cannot be stored is an
    inbound sync error, and the field is decided again next time). Returns ``{pk:
    (properties to send, base after)}`` and the new ``updated_at`` of the contacts written.
    """
    now = timezone.now()
    versions: dict[int, datetime] = {}
    merges = {}
    for pk, (contact, record) in matches.items():
        merges[pk] = contact_merge(
            record,
            object_type=record["attributes"]["type"],
            mappings=mappings,
            current=contact,
            base=None,
            salesforce_modified=parse_datetime(record.get("LastModifiedDate")),
            hubsync_modified=contact["updated_at"],
            picklists=picklists,
        )
    outcome: dict[int, tuple[set[str], dict[str, str]]] = {}
    for object_type in ("Lead", "Contact"):
        ours = {
            pk: m for pk, m in merges.items() if matches[pk][1]["attributes"]["type"] == object_type
        }
        sf_ids = {pk: matches[pk][1]["Id"] for pk in ours}
        takes = []
        for pk, merge in ours.items():
            problem = contact_values_problem(merge.take) if merge.take else None
            if problem:
                inbound_failure_record(
                    contact_id=pk, failure=Failure(object_type, *problem, salesforce_id=sf_ids[pk])
                )
            elif merge.take:
                takes.append((pk, merge.take))
        written = contact_values_write(
            object_type,
            takes,
            now,
            sf_ids=sf_ids,
            failed=lambda pk, failure: inbound_failure_record(contact_id=pk, failure=failure),
        )
        for pk in written:
            versions[pk] = now
        taken = {pk: sorted(take) for pk, take in takes if pk in written}
        contact_events(
            [
                (pk, sf_ids[pk], taken.get(pk, []), both_changed_detail(merge.both_changed))
                if merge.both_changed
                else (pk, sf_ids[pk], taken[pk])
                for pk, merge in ours.items()
                if pk in taken or merge.both_changed
            ],
            object_type,
            SyncEventOutcome.UPDATED,
        )
        for pk, merge in ours.items():
            base = dict(merge.base)
            if pk not in written:
                for prop in merge.take:
                    base.pop(prop, None)
            outcome[pk] = (merge.send, base)
    return outcome, versions
