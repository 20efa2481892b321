"""The bitmap fields of a change event's ``ChangeEventHeader`` in the Pub/Sub API.

Through the Pub/Sub API, ``changedFields``, ``nulledFields`` and ``diffFields`` do not list
field names: each is a list of hex bitmaps over the positions of the fields in the event's
Avro schema (Salesforce, "Event Deserialization Considerations"). The first entry
(``"0x..."``) covers the top-level fields, bit *i* (least significant first) = the *i*-th
field of the schema; an entry ``"<p>-0x..."`` covers the components of the compound field at
position *p* (``Name``, ``BillingAddress``...), whose names decode as ``"Name.FirstName"``.
This mirrors Salesforce's ``ChangeEventHeaderUtility.process_bitmap`` (forcedotcom/pub-sub-api,
``python/util``) without its ``bitstring`` dependency.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any


def encode_bitmap(positions: Iterable[int]) -> str:
    """``"0x..."`` with bit *i* set for each position *i* (an even number of hex digits)."""
    value = 0
    for p in positions:
        value |= 1 << p
    digits = f"{value:X}"
    return "0x" + digits.rjust(len(digits) + len(digits) % 2, "0")


def decode_bitmaps(schema: dict[str, Any] | str, bitmaps: Iterable[str]) -> list[str]:
    """Field names of ``bitmaps`` over the event ``schema`` (Avro JSON text or dict):
    ``["LastModifiedDate", "Name.FirstName"]``."""
    record = json.loads(schema) if isinstance(schema, str) else schema
    fields = record["fields"]
    names: list[str] = []
    for bitmap in bitmaps:
        if bitmap.startswith("0x"):
            names += [fields[i]["name"] for i in _positions(bitmap) if i < len(fields)]
            continue
        parent_pos, _, nested = bitmap.partition("-")
        parent = fields[int(parent_pos)]
        child = _record_type(parent["type"], record)
        if child is None:
            continue
        child_fields = child["fields"]
        names += [
            f"{parent['name']}.{child_fields[i]['name']}"
            for i in _positions(nested)
            if i < len(child_fields)
        ]
    return names


def _positions(bitmap: str) -> list[int]:
    value = int(bitmap[2:] or "0", 16)
    return [i for i in range(value.bit_length()) if value >> i & 1]


def _record_type(avro_type: Any, root: dict[str, Any]) -> dict[str, Any] | None:
    """The record schema of an optional compound field (``["null", {record}]`` or a name
    defined earlier in ``root``)."""
    options = avro_type if isinstance(avro_type, list) else [avro_type]
    for option in options:
        if isinstance(option, dict) and option.get("type") == "record":
            return option
        if isinstance(option, str) and option not in ("null", "string"):
            return _named(root, option.rsplit(".", 1)[-1])
    return None


def _named(node: Any, name: str) -> dict[str, Any] | None:
    if isinstance(node, dict):
        if node.get("type") == "record" and node.get("name") == name:
            return node
        children = node.get("fields", []) or []
        found = [_named(f.get("type"), name) for f in children if isinstance(f, dict)]
        return next((f for f in found if f), None)
    if isinstance(node, list):
        found = [_named(n, name) for n in node]
        return next((f for f in found if f), None)
    return None
