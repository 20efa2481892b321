"""The Avro schemas of change events, shaped like Salesforce's, and their payloads.

``<Entity>ChangeEvent`` (namespace ``com.sforce.eventbus``): first ``ChangeEventHeader``,
then the entity's fields in describe order, each optional (``["null", T]``, default null):
text, picklists and ids are ``string``, checkboxes ``boolean``, integers ``int``, numbers and
currencies ``double``, datetimes ``long`` (epoch milliseconds), dates ``int`` (days since
1970-01-01). Compound fields are nested records in place of their components: ``Name``
(``FirstName``, ``LastName``) on Lead and Contact, ``Address`` on Lead, ``MailingAddress``
on Contact, ``BillingAddress`` on Account (``Street``, ``City``, ``State``, ``PostalCode``,
``Country``, ``StateCode``, ``CountryCode``). ``Id``, ``IsDeleted``, ``SystemModstamp`` and
Lead/Contact's derived ``Name`` text are not event fields. The schema follows the org
(run-time custom fields, the setup package, state and country picklists, record types):
each version has its own schema id (22 characters, base64url MD5 of the JSON), kept in the
database so ``GetSchema`` resolves the ids of old events too.

Payloads are schemaless Avro binary (``fastavro.schemaless_writer``), like Salesforce's. A
``CREATE`` or ``UNDELETE`` carries every non-null field; an ``UPDATE`` only the changed
ones, with ``changedFields``/``nulledFields`` as bitmaps (:mod:`pubsub_api.bitmaps`); a
``DELETE`` only its header.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import threading
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import fastavro

from pubsub_api.bitmaps import encode_bitmap

from ..schema import SchemaView
from ..schema.fields import Field
from ..store.change_log import NOT_EVENT_FIELDS, StoredEvent
from ..store.results import to_json
from ..values import parse_date, parse_dt

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
    "namespace": NAMESPACE,
    "fields": [
        {"name": "entityName", "type": "string"},
        {"name": "recordIds", "type": {"type": "array", "items": "string"}},
        {
            "name": "changeType",
            "type": {
                "type": "enum",
                "name": "ChangeType",
                "namespace": NAMESPACE,
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
ADDRESS_PARTS = ("Street", "City", "State", "PostalCode", "Country", "StateCode", "CountryCode")
#: Object → (compound field, column prefix of its components or ``None`` for Name).
COMPOUNDS: dict[str, list[tuple[str, str | None]]] = {
    "Lead": [("Name", None), ("Address", "")],
    "Contact": [("Name", None), ("MailingAddress", "Mailing")],
    "Account": [("BillingAddress", "Billing")],
}
_AVRO_TYPES = {"boolean": "boolean", "int": "int", "double": "double", "currency": "double"}
_AVRO_TYPES |= {"percent": "double", "datetime": "long", "date": "int"}
_EPOCH = date(1970, 1, 1)


@dataclass
class Slot:
    """One top-level field of the schema: a column, or a compound of columns."""

    name: str
    column: Field | None = None
    #: (component name, column) of a compound field.
    parts: list[tuple[str, Field]] = field(default_factory=list)


@dataclass
class EventSchema:
    """The schema of one entity's change events for one version of the org's schema."""

    entity: str
    schema_id: str
    schema_json: str
    parsed: Any
    slots: list[Slot]


def _avro_type(f: Field) -> str:
    return _AVRO_TYPES.get(f.type, "string")


def _optional(name: str, avro: Any, doc: str) -> dict[str, Any]:
    return {"name": name, "type": ["null", avro], "doc": doc, "default": None}


def _slots(entity: str, view: SchemaView) -> list[Slot]:
    obj = view.sobject(entity)
    fields = [f for f in obj.fields if view.exists(obj, f.name) is not None]
    names = {f.name for f in fields}
    compounds: dict[str, Slot] = {}
    first_part: dict[str, str] = {}
    for compound, prefix in COMPOUNDS.get(entity, []):
        parts = ("FirstName", "LastName") if prefix is None else ADDRESS_PARTS
        cols = [(p, f"{prefix or ''}{p}") for p in parts if f"{prefix or ''}{p}" in names]
        if not cols:
            continue
        slot = Slot(compound, parts=[(p, obj.field(c)) for p, c in cols])  # type: ignore[misc]
        compounds[compound] = slot
        first_part[cols[0][1]] = compound
    in_compound = {col.name for s in compounds.values() for _, col in s.parts}
    out: list[Slot] = []
    for f in fields:
        if f.name in NOT_EVENT_FIELDS:
            continue
        if f.name in first_part:
            out.append(compounds[first_part[f.name]])
        elif f.name in in_compound or (f.name == "Name" and "Name" in compounds):
            continue
        else:
            out.append(Slot(f.name, column=f))
    return out


def schema_dict(entity: str, slots: list[Slot]) -> dict[str, Any]:
    fields: list[dict[str, Any]] = [
        {"name": "ChangeEventHeader", "type": HEADER_SCHEMA, "doc": "Data:EventHeader"}
    ]
    for slot in slots:
        if slot.column is not None:
            f = slot.column
            fields.append(_optional(f.name, _avro_type(f), f"Data:{f.type}"))
            continue
        record = {
            "type": "record",
            "name": "Name" if slot.name == "Name" else "Address",
            "namespace": NAMESPACE,
            "fields": [
                _optional(part, _avro_type(col), f"Data:{col.type}") for part, col in slot.parts
            ],
        }
        fields.append(_optional(slot.name, record, "Data:Compound"))
    return {
        "type": "record",
        "name": f"{entity}ChangeEvent",
        "namespace": NAMESPACE,
        "doc": f"Change event of {entity} (Change Data Capture)",
        "fields": fields,
    }


class EventSchemas:
    """Schemas by id (parsed once), built from the org's current schema on demand."""

    def __init__(self) -> None:
        self._by_id: dict[str, EventSchema] = {}
        self._lock = threading.Lock()

    def current(self, entity: str, view: SchemaView) -> EventSchema:
        slots = _slots(entity, view)
        text = json.dumps(schema_dict(entity, slots), separators=(",", ":"))
        digest = hashlib.md5(text.encode(), usedforsecurity=False).digest()
        schema_id = base64.urlsafe_b64encode(digest).decode().rstrip("=")
        with self._lock:
            known = self._by_id.get(schema_id)
            if known is None:
                parsed = fastavro.parse_schema(json.loads(text))
                known = EventSchema(entity, schema_id, text, parsed, slots)
                self._by_id[schema_id] = known
        return known


def _avro_value(f: Field, value: Any) -> Any:
    """As the REST API returns it (``to_json``), but datetimes as epoch milliseconds and
    dates as days since 1970 (Avro's logical types), and everything else as text."""
    if value is None:
        return None
    if f.type in ("boolean", "int", "double", "currency", "percent"):
        return to_json(f, value)
    if f.type == "datetime":
        dt = parse_dt(str(value))
        return int(dt.timestamp() * 1000) if dt else None
    if f.type == "date":
        d = parse_date(str(value))
        return (d - _EPOCH).days if d else None
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
    return fastavro.schemaless_reader(io.BytesIO(payload), parsed, parsed)
