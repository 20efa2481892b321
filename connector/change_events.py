"""Change Data Capture events, decoded: pure (no database, no network).

A Pub/Sub API event is Avro binary without its schema (the schema comes from GetSchema by
``schema_id``). hubsync reads only the ChangeEventHeader: which records of which object
changed, how, and by whom. The changes themselves are read by the next cycle's pull from
its watermarks, through the same code as polling — so an event is never applied half, and
one delivered twice changes nothing.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any, cast

import fastavro

from pubsub_api import decode_bitmaps

#: The channel carrying the change events of every object selected for Change Data Capture.
ALL_CHANGES = "/data/ChangeEvents"
#: Objects whose changes hubsync reads (Task only with task sync on).
SYNCED_OBJECTS = ("Lead", "Contact", "Account", "Opportunity", "Campaign", "CampaignMember")


@dataclass(frozen=True)
class ChangeEvent:
    entity: str
    change_type: str  # CREATE, UPDATE, DELETE, UNDELETE, GAP_…, …
    record_ids: tuple[str, ...]
    changed_fields: tuple[str, ...]
    commit_timestamp: datetime
    commit_user: str
    # ``com/salesforce/api/<api>/<version>[;client=<id>]``; empty for the UI and automation.
    change_origin: str = ""
    # An UPDATE's new values of its changed fields (compound components by their field's
    # name, see change_event_field: ``FirstName``, ``MailingCity``): what an unmarked write
    # wrote, to compare with hubsync's.
    values: dict[str, Any] = field(default_factory=dict)


@lru_cache(maxsize=64)
def _parsed(schema_json: str) -> Any:
    return fastavro.parse_schema(json.loads(schema_json))


def change_event_decode(payload: bytes, schema_json: str) -> ChangeEvent:
    """The header of one event's Avro ``payload`` (its schema's JSON from GetSchema)."""
    # A change event's schema is a record: its reader gives a dict (fastavro types any datum).
    record = cast(
        "dict[str, Any]", fastavro.schemaless_reader(io.BytesIO(payload), _parsed(schema_json))
    )
    header: dict[str, Any] = record["ChangeEventHeader"]
    changed = tuple(decode_bitmaps(schema_json, header.get("changedFields") or ()))
    values: dict[str, Any] = {}
    if header["changeType"] == "UPDATE":
        for name in changed:
            compound, _, component = name.rpartition(".")
            holder = (record.get(compound) or {}) if compound else record
            values[change_event_field(name)] = holder.get(component)
    return ChangeEvent(
        entity=header["entityName"],
        change_type=header["changeType"],
        record_ids=tuple(header.get("recordIds") or ()),
        changed_fields=changed,
        commit_timestamp=datetime.fromtimestamp(header["commitTimestamp"] / 1000, tz=UTC),
        commit_user=header.get("commitUser") or "",
        change_origin=header.get("changeOrigin") or "",
        values=values,
    )


def change_origin_client(origin: str) -> str:
    """The client id of a ``changeOrigin`` (``…;client=<id>``); "" when the call named none."""
    for part in origin.split(";")[1:]:
        name, _, value = part.partition("=")
        if name.strip() == "client":
            return value.strip()
    return ""


#: Fields every write changes: an update by hubsync touching only these and its own fields
#: is its own write coming back.
SYSTEM_FIELDS = frozenset(
    {"LastModifiedDate", "LastModifiedById", "SystemModstamp", "HubSync_Id__c", "OwnerId"}
)


def change_event_relevant(
    event: ChangeEvent,
    *,
    objects: tuple[str, ...],
    own_client: str,
    own_fields: frozenset[str] = frozenset(),
) -> bool:
    """Whether ``event`` may bring a change hubsync reads: an object it syncs, not written by
    hubsync alone. hubsync's own writes come back as events too (echoes, not changes); it
    knows them by Salesforce's mark, the client id it sends on every call
    (``changeOrigin`` ``…;client=hubsync``): a create so marked, or an update so marked of
    only the fields hubsync writes (``own_fields``). An update so marked of other fields is
    the org's automation (a flow, a workflow field update) running on hubsync's write: a
    change to read. Anything without the mark, whoever the user, is someone else's change
    (see :func:`change_event_maybe_own` for writes whose mark Salesforce may drop)."""
    if event.entity not in objects:
        return False
    if change_origin_client(event.change_origin) != own_client:
        return True
    if event.change_type == "CREATE":
        return False
    if event.change_type != "UPDATE":
        return True
    return not _changed(event) <= own_fields | SYSTEM_FIELDS


def change_event_maybe_own(
    event: ChangeEvent, *, own_user: str, own_fields: frozenset[str] = frozenset()
) -> bool:
    """Whether an unmarked ``event`` could still be one of hubsync's writes: Salesforce does
    not document the client id for composite and sObject Collections calls, so such a write
    by hubsync's user may come back without it. Only an API create, or an API update of the
    fields hubsync writes, by hubsync's user: the listener then asks what hubsync wrote
    (connector.selectors.change_events_written_by_hubsync)."""
    if change_origin_client(event.change_origin) or not event.change_origin.startswith(
        "com/salesforce/api/"
    ):
        return False
    if not (own_user and event.commit_user and _same_id(event.commit_user, own_user)):
        return False
    if event.change_type == "CREATE":
        return True
    return event.change_type == "UPDATE" and _changed(event) <= own_fields | SYSTEM_FIELDS


def change_event_field(name: str) -> str:
    """The field a ``changedFields`` entry names. Compound fields come as their component
    (Change Data Capture Developer Guide, "Compound Fields"): a name's ("Name.FirstName")
    is the field itself; an address's carries the address's prefix: Lead "Address.City" is
    ``City``, Contact "MailingAddress.City" ``MailingCity``, "OtherAddress.City"
    ``OtherCity``, Account "BillingAddress.City" ``BillingCity``."""
    compound, _, component = name.rpartition(".")
    if compound.endswith("Address"):
        return compound.removesuffix("Address") + component
    return component


def _changed(event: ChangeEvent) -> set[str]:
    return {change_event_field(name) for name in event.changed_fields}


def _same_id(a: str, b: str) -> bool:
    """15- and 18-character forms of one Salesforce id are the same id."""
    return a[:15] == b[:15]
