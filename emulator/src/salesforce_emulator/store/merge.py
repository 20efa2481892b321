"""Record merges, as Salesforce's ``merge`` call does them (control API ``/__emulator/merge``).

A merge keeps the master record and deletes one or two losers into the recycle bin with
``MasterRecordId`` pointing at the master (a plain delete leaves it null), which is how a
replication client tells "merged away" from "deleted" through ``queryAll``. Before that, every
live record that looks a loser up (Tasks' ``WhoId``/``WhatId``, Contacts' and Opportunities'
``AccountId``, contact roles...) is moved to the master, so the delete cascades to nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..schema import DATA_OBJECTS, OBJECTS
from ..soql import quote
from ..values import format_dt, normalize_id, now_utc

if TYPE_CHECKING:
    from . import Store

#: Objects Salesforce merges.
MERGEABLE = ("Lead", "Contact", "Account")
#: A merge takes the master plus at most this many records.
MAX_MERGED = 2


def merge_records(
    store: Store, obj_name: str, master_id: str, merged_ids: list[str]
) -> dict[str, Any]:
    """Merge ``merged_ids`` into ``master_id`` → ``{master_id, merged_ids, reparented}``
    (``reparented``: ``{"Task.WhoId": n, ...}``). Bad input is a ValueError."""
    if obj_name not in MERGEABLE:
        raise ValueError(f"object must be one of {', '.join(MERGEABLE)}")
    if not isinstance(merged_ids, list) or not 1 <= len(merged_ids) <= MAX_MERGED:
        raise ValueError(f"merged_ids must list 1 to {MAX_MERGED} records")
    obj = OBJECTS[obj_name]
    with store.lock:
        master = _live_id(store, obj_name, master_id)
        losers = [_live_id(store, obj_name, rid) for rid in merged_ids]
        if master in losers or len(set(losers)) != len(losers):
            raise ValueError("the master and the merged records must all be different")
        if obj.field("IsConverted"):
            rows = store.rows_by_id(obj, [master, *losers])
            if any(r["IsConverted"] for r in rows.values()):
                raise ValueError("converted leads cannot be merged")
        stamp = format_dt(now_utc())
        with store.transaction():
            reparented = _reparent(store, obj_name, master, losers, stamp)
            store._soft_delete({obj_name: losers}, stamp, None)
            marks = ",".join("?" * len(losers))
            store.conn.execute(
                f'UPDATE {quote(obj_name)} SET "MasterRecordId" = ? WHERE "Id" IN ({marks})',
                [master, *losers],
            )
            store.conn.execute(
                f'UPDATE {quote(obj_name)} SET "SystemModstamp" = ?, "LastModifiedDate" = ? '
                'WHERE "Id" = ?',
                (stamp, stamp, master),
            )
            store.enforce_bin_capacity()
    return {"master_id": master, "merged_ids": losers, "reparented": reparented}


def _live_id(store: Store, obj_name: str, raw_id: str) -> str:
    rid = normalize_id(str(raw_id))
    row = store.rows_by_id(OBJECTS[obj_name], [rid]).get(rid) if rid else None
    if row is None or row["IsDeleted"]:
        raise ValueError(f"no live {obj_name} with id {raw_id}")
    return str(row["Id"])


def _reparent(
    store: Store, obj_name: str, master: str, losers: list[str], stamp: str
) -> dict[str, int]:
    """Point every live, editable lookup to a loser at the master (bumping the children's
    stamps, as Salesforce does: they changed)."""
    marks = ",".join("?" * len(losers))
    moved: dict[str, int] = {}
    for child in DATA_OBJECTS:
        for f in child.fields:
            if f.type != "reference" or obj_name not in f.reference_to or not f.updateable:
                continue
            n = store.conn.execute(
                f'UPDATE {quote(child.name)} SET {quote(f.name)} = ?, "SystemModstamp" = ?, '
                f'"LastModifiedDate" = ? WHERE "IsDeleted" = 0 AND {quote(f.name)} IN ({marks})',
                [master, stamp, stamp, *losers],
            ).rowcount
            if n:
                moved[f"{child.name}.{f.name}"] = n
    return moved
