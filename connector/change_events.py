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
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

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


@lru_cache(maxsize=64)
def _parsed(schema_json: str) -> Any:
    return fastavro.parse_schema(json.loads(schema_json))


def change_event_decode(payload: bytes, schema_json: str) -> ChangeEvent:
    """The header of one event's Avro ``payload`` (its schema's JSON from GetSchema)."""
    record = fastavro.schemaless_reader(io.BytesIO(payload), _parsed(schema_json))
    header = record["ChangeEventHeader"]
    return ChangeEvent(
        entity=header["entityName"],
        change_type=header["changeType"],
        record_ids=tuple(header.get("recordIds") or ()),
        changed_fields=tuple(decode_bitmaps(schema_json, header.get("changedFields") or ())),
        commit_timestamp=datetime.fromtimestamp(header["commitTimestamp"] / 1000, tz=UTC),
        commit_user=header.get("commitUser") or "",
    )


#: Fields every write changes: an update by hubsync touching only these and its own fields
#: is its own write coming back.
SYSTEM_FIELDS = frozenset(
    {"LastModifiedDate", "LastModifiedById", "SystemModstamp", "HubSync_Id__c", "OwnerId"}
)


def change_event_relevant(
    event: ChangeEvent,
    *,
    objects: tuple[str, ...],
    own_user: str,
    own_fields: frozenset[str] = frozenset(),
) -> bool:
    """Whether ``event`` may bring a change hubsync reads: an object it syncs, changed by
    someone else. hubsync's own writes come back as events too (echoes, not changes): a
    create by hubsync's user, or an update of only the fields hubsync writes
    (``own_fields``). An update by hubsync's user of other fields is the org's automation
    (a flow, a workflow field update) running on hubsync's write: a change to read."""
    if event.entity not in objects:
        return False
    if not (own_user and event.commit_user and _same_id(event.commit_user, own_user)):
        return True
    if event.change_type == "CREATE":
        return False
    if event.change_type != "UPDATE":
        return True
    # Compound fields come as "Name.FirstName", "Address.City": their component is the field.
    changed = {name.rpartition(".")[2] for name in event.changed_fields}
    return not changed <= own_fields | SYSTEM_FIELDS


def _same_id(a: str, b: str) -> bool:
    """15- and 18-character forms of one Salesforce id are the same id."""
    return a[:15] == b[:15]
