"""The Avro schemas of change events, shaped like Salesforce's, and their payloads.

``<Entity>ChangeEvent`` (namespace ``com.sforce.eventbus``): first ``ChangeEventHeader``,
then the entity's fields in describe order, each optional, typed and tagged as Salesforce
does (:mod:`.event_fields`). ``Id``, ``IsDeleted``, ``SystemModstamp``, derived fields and
Lead/Contact's derived ``Name`` text are not event fields. The schema follows the org
(run-time custom fields, the setup package, state and country picklists, record types):
each version has its own schema id (22 characters, base64url MD5 of the JSON), kept in the
database so ``GetSchema`` resolves the ids of old events too.

Payloads are schemaless Avro binary (``fastavro.schemaless_writer``), like Salesforce's. A
``CREATE`` or ``UNDELETE`` carries every non-null field; an ``UPDATE`` only the changed
ones, with ``changedFields``/``nulledFields`` as bitmaps (:mod:`pubsub_api.bitmaps`); a
``DELETE`` only its header. Datetimes are epoch milliseconds, dates their midnight UTC in
epoch milliseconds.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import fastavro

from pubsub_api.bitmaps import encode_bitmap

from ..schema import SchemaView
from ..schema.fields import Field
from ..store.change_log import StoredEvent
from ..store.results import to_json
from ..values import parse_date, parse_dt
from .event_fields import Slot, record_fields, slots

NAMESPACE = "com.sforce.eventbus"
CHANGE_TYPES = [
    "CREATE",
    "UPDATE",
    "DELETE",
    "UNDELETE",
    "GAP_CREATE",
    "GAP_UPDATE",
    "GAP_DELETE",
    "GAP_UNDELETE",
    "GAP_OVERFLOW",
    "SNAPSHOT",
]
HEADER_SCHEMA: dict[str, Any] = {
    "type": "record",
    "name": "ChangeEventHeader",
    "fields": [
        {"name": "entityName", "type": "string"},
        {"name": "recordIds", "type": {"type": "array", "items": "string"}},
        {
            "name": "changeType",
            "type": {
                "type": "enum",
                "name": "ChangeType",
                "symbols": CHANGE_TYPES,
            },
        },
        {"name": "changeOrigin", "type": "string"},
        {"name": "transactionKey", "type": "string"},
        {"name": "sequenceNumber", "type": "int"},
        {"name": "commitTimestamp", "type": "long"},
        {"name": "commitNumber", "type": "long"},
        {"name": "commitUser", "type": "string"},
        {"name": "nulledFields", "type": {"type": "array", "items": "string"}},
        {"name": "diffFields", "type": {"type": "array", "items": "string"}},
        {"name": "changedFields", "type": {"type": "array", "items": "string"}},
    ],
}


@dataclass
class EventSchema:
    """The schema of one entity's change events for one version of the org's schema."""

    entity: str
    schema_id: str
    schema_json: str
    parsed: Any
    slots: list[Slot]


def schema_dict(entity: str, slot_list: list[Slot]) -> dict[str, Any]:
    return {
        "type": "record",
        "name": f"{entity}ChangeEvent",
        "namespace": NAMESPACE,
        "fields": [
            {"name": "ChangeEventHeader", "type": HEADER_SCHEMA, "doc": "Data:ComplexValueType"},
            *record_fields(entity, slot_list),
        ],
    }


class EventSchemas:
    """Schemas by id (parsed once), built from the org's current schema on demand."""

    def __init__(self) -> None:
        self._by_id: dict[str, EventSchema] = {}
        self._lock = threading.Lock()

    def current(self, entity: str, view: SchemaView) -> EventSchema:
        slot_list = slots(entity, view)
        text = json.dumps(schema_dict(entity, slot_list), separators=(",", ":"))
        digest = hashlib.md5(text.encode(), usedforsecurity=False).digest()
        schema_id = base64.urlsafe_b64encode(digest).decode().rstrip("=")
        with self._lock:
            known = self._by_id.get(schema_id)
            if known is None:
                parsed = fastavro.parse_schema(json.loads(text))
                known = EventSchema(entity, schema_id, text, parsed, slot_list)
                self._by_id[schema_id] = known
        return known


def _avro_value(f: Field, value: Any) -> Any:
    """As the REST API returns it (``to_json``), but datetimes as epoch milliseconds, dates
    as the epoch milliseconds of their midnight UTC, and everything else as text."""
    if value is None:
        return None
    if f.type in ("boolean", "int", "double", "currency", "percent"):
        return to_json(f, value)
    if f.type == "datetime":
        dt = parse_dt(str(value))
        return int(dt.timestamp() * 1000) if dt else None
    if f.type == "date":
        d = parse_date(str(value))
        return int(datetime(d.year, d.month, d.day, tzinfo=UTC).timestamp() * 1000) if d else None
    return str(value)


def encode_event(schema: EventSchema, event: StoredEvent) -> bytes | None:
    """The Avro payload of ``event``; None when it changed no event field (an update of
    system columns only, which Salesforce does not publish)."""
    data = event.data or {}
    changed = set(event.changed)
    update = event.change_type == "UPDATE"
    with_values = event.change_type in ("CREATE", "UNDELETE", "UPDATE")
    record: dict[str, Any] = {}
    changed_top: list[int] = []
    nulled_top: list[int] = []
    changed_nested: list[str] = []
    nulled_nested: list[str] = []
    for pos, slot in enumerate(schema.slots, 1):
        if slot.column is not None:
            f = slot.column
            keep = with_values and (not update or f.name in changed)
            record[slot.name] = _avro_value(f, data.get(f.name)) if keep else None
            if update and f.name in changed:
                changed_top.append(pos)
                if data.get(f.name) is None:
                    nulled_top.append(pos)
            continue
        parts: dict[str, Any] = {}
        moved: list[int] = []
        nulled: list[int] = []
        for j, (part, col) in enumerate(slot.parts):
            keep = with_values and (not update or col.name in changed)
            parts[part] = _avro_value(col, data.get(col.name)) if keep else None
            if update and col.name in changed:
                moved.append(j)
                if data.get(col.name) is None:
                    nulled.append(j)
        record[slot.name] = parts if any(v is not None for v in parts.values()) else None
        if moved:
            changed_nested.append(f"{pos}-{encode_bitmap(moved)}")
        if nulled:
            nulled_nested.append(f"{pos}-{encode_bitmap(nulled)}")
    if update and not changed_top and not changed_nested:
        return None
    record["ChangeEventHeader"] = {
        "entityName": event.entity,
        "recordIds": [event.record_id],
        "changeType": event.change_type,
        "changeOrigin": event.origin,
        "transactionKey": event.transaction_key,
        "sequenceNumber": event.sequence_number,
        "commitTimestamp": event.commit_ts,
        "commitNumber": event.seq,
        "commitUser": event.user_id or "",
        "nulledFields": ([encode_bitmap(nulled_top)] if nulled_top else []) + nulled_nested,
        "diffFields": [],
        "changedFields": ([encode_bitmap(changed_top)] if changed_top else []) + changed_nested,
    }
    out = io.BytesIO()
    fastavro.schemaless_writer(out, schema.parsed, record)
    return out.getvalue()


def decode_payload(schema_json: str, payload: bytes) -> dict[str, Any]:
    """Decode a payload with its schema (what a subscriber does; used by tests)."""
    parsed = fastavro.parse_schema(json.loads(schema_json))
    record = fastavro.schemaless_reader(io.BytesIO(payload), parsed, parsed)
    if not isinstance(record, dict):  # a change event's schema is a record
        raise ValueError(f"not a record payload: {type(record).__name__}")
    return record
