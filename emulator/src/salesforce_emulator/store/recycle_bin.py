"""Deletes: records go to the recycle bin (``IsDeleted`` = true, still readable by
``queryAll`` and ``deleted/``), cascading to children as Salesforce does (see ``CASCADES``).

The bin is purged for good by the control API (``recycle-bin/purge``) or, as Salesforce does
beyond the bin's capacity, oldest first when a delete overfills it (org setting
``recycle_bin_capacity``). Purged rows are gone from ``queryAll``, and ``deleted/`` answers
with ``earliestDateAvailable`` no earlier than the object's latest purge (kept in ``_meta``
so it survives restarts and is forgotten by ``reset``): polling clients can tell that
deletes before it are invisible to them."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from ..schema import CASCADES, DATA_OBJECTS, NAME_BY_PREFIX, OBJECTS
from ..soql import quote
from ..values import canonical_dt, format_dt, normalize_id, now_utc
from .base import CHUNK, chunks
from .org import OrgSettings
from .results import WriteResult, err, roll_back

#: Objects whose deleted rows sit in the recycle bin.
BIN_OBJECTS = tuple(o.name for o in DATA_OBJECTS if o.deletable)


class RecycleBin(OrgSettings):
    """``delete``: soft deletes with cascades, all-or-none optional; purging the bin."""

    def delete(
        self,
        ids: list[str],
        *,
        obj_name: str | None = None,
        user_id: str | None = None,
        all_or_none: bool = False,
    ) -> list[WriteResult]:
        """Move records to the recycle bin (IsDeleted = true), cascading to children."""
        with self.lock:
            results = [WriteResult() for _ in ids]
            targets: dict[str, list[tuple[int, str]]] = {}
            for i, raw in enumerate(ids):
                rid = normalize_id(raw)
                target = NAME_BY_PREFIX.get(rid[:3]) if rid else None
                if rid is None or target is None:
                    results[i].errors = [err("MALFORMED_ID", f"malformed id {raw}", [])]
                elif obj_name and target != obj_name:
                    results[i].errors = [
                        err("NOT_FOUND", "The requested resource does not exist", [])
                    ]
                elif not OBJECTS[target].deletable:
                    results[i].errors = [
                        err(
                            "INVALID_TYPE_FOR_OPERATION",
                            f"entity type {target} does not support delete",
                        )
                    ]
                else:
                    targets.setdefault(target, []).append((i, rid))
            todo: dict[str, list[str]] = {}
            for name, items in targets.items():
                existing = self.rows_by_id(OBJECTS[name], [rid for _, rid in items])
                for i, rid in items:
                    cur = existing.get(rid)
                    if cur is None:
                        results[i].errors = [
                            err("NOT_FOUND", "The requested resource does not exist", [])
                        ]
                    elif cur["IsDeleted"]:
                        results[i].errors = [err("ENTITY_IS_DELETED", "entity is deleted", [])]
                    else:
                        results[i].id = rid
                        todo.setdefault(name, []).append(rid)
            if all_or_none and any(not r.success for r in results):
                return roll_back(results)
            stamp = format_dt(now_utc())
            with self.transaction():
                self._soft_delete(todo, stamp, user_id)
                self.enforce_bin_capacity()
            return results

    def undelete(self, ids: list[str], *, user_id: str | None = None) -> list[WriteResult]:
        """Restore records from the recycle bin (Salesforce's ``undelete``: the UI's Restore,
        Apex, SOAP; the REST API has none). Only the records named: cascaded children stay
        deleted. One result per id: ``UNDELETE_FAILED`` when a record is not in the bin,
        ``NOT_FOUND`` when purged or unknown, ``DUPLICATE_VALUE`` when a live record took its
        unique value meanwhile."""
        with self.lock:
            results = [WriteResult() for _ in ids]
            stamp = format_dt(now_utc())
            for i, raw in enumerate(ids):
                rid = normalize_id(str(raw))
                target = NAME_BY_PREFIX.get(rid[:3]) if rid else None
                row = self.rows_by_id(OBJECTS[target], [rid]).get(rid) if target and rid else None
                if row is None or target not in BIN_OBJECTS:
                    results[i].errors = [
                        err("NOT_FOUND", "The requested resource does not exist", [])
                    ]
                elif not row["IsDeleted"]:
                    results[i].errors = [
                        err("UNDELETE_FAILED", "Entity is not in the recycle bin", [])
                    ]
                else:
                    try:
                        with self.transaction():
                            self.conn.execute(
                                f'UPDATE {quote(target)} SET "IsDeleted" = 0, "SystemModstamp" '
                                '= ?, "LastModifiedDate" = ?, "LastModifiedById" = '
                                'coalesce(?, "LastModifiedById") WHERE "Id" = ?',
                                (stamp, stamp, user_id, rid),
                            )
                    except sqlite3.IntegrityError:
                        results[i].errors = [
                            err("DUPLICATE_VALUE", "duplicate value found on a unique field", [])
                        ]
                    else:
                        results[i].id = rid
            return results

    def _soft_delete(self, todo: dict[str, list[str]], stamp: str, user_id: str | None) -> None:
        queue = list(todo.items())
        while queue:
            name, rids = queue.pop()
            for chunk in chunks(rids, CHUNK):
                marks = ",".join("?" * len(chunk))
                self.conn.execute(
                    f'UPDATE {quote(name)} SET "IsDeleted" = 1, "SystemModstamp" = ?, '
                    f'"LastModifiedDate" = ?, "LastModifiedById" = coalesce(?, '
                    f'"LastModifiedById") WHERE "IsDeleted" = 0 AND "Id" IN ({marks})',
                    [stamp, stamp, user_id, *chunk],
                )
                for child, fk in CASCADES.get(name, []):
                    kids = [
                        r[0]
                        for r in self.conn.execute(
                            f'SELECT "Id" FROM {quote(child)} WHERE "IsDeleted" = 0 AND '
                            f"{quote(fk)} IN ({marks})",
                            chunk,
                        )
                    ]
                    if kids:
                        queue.append((child, kids))

    def purge_recycle_bin(
        self, obj_name: str | None = None, before: str | None = None
    ) -> dict[str, Any]:
        """Remove for good the rows of ``obj_name`` (None: every object) deleted at or
        before ``before`` (ISO datetime, default now) → ``{"before", "purged": {obj: n}}``."""
        cutoff = canonical_dt(before) if before else format_dt(now_utc())
        if cutoff is None:
            raise ValueError(f"before must be an ISO datetime, not {before!r}")
        if obj_name is not None and obj_name not in BIN_OBJECTS:
            raise ValueError(f"unknown object {obj_name!r}")
        purged: dict[str, int] = {}
        with self.lock, self.transaction():
            for name in [obj_name] if obj_name else BIN_OBJECTS:
                purged[name] = self.conn.execute(
                    f'DELETE FROM {quote(name)} WHERE "IsDeleted" = 1 AND "SystemModstamp" <= ?',
                    (cutoff,),
                ).rowcount
                self._note_purge(name, cutoff)
        return {"before": cutoff, "purged": purged}

    def enforce_bin_capacity(self) -> None:
        """Purge the oldest deleted rows (all objects together) beyond the org's
        ``recycle_bin_capacity``."""
        capacity = self.org.get("recycle_bin_capacity")
        if capacity is None:
            return
        with self.lock:
            total = sum(
                self.conn.execute(
                    f'SELECT count(*) FROM {quote(n)} WHERE "IsDeleted" = 1'
                ).fetchone()[0]
                for n in BIN_OBJECTS
            )
            excess = total - capacity
            if excess <= 0:
                return
            oldest: list[tuple[str, int, str]] = []
            for name in BIN_OBJECTS:
                oldest += [
                    (stamp, rowid, name)
                    for rowid, stamp in self.conn.execute(
                        f'SELECT rowid, "SystemModstamp" FROM {quote(name)} WHERE "IsDeleted" = 1 '
                        'ORDER BY "SystemModstamp", rowid LIMIT ?',
                        (excess,),
                    )
                ]
            by_obj: dict[str, list[int]] = {}
            for stamp, rowid, name in sorted(oldest)[:excess]:
                by_obj.setdefault(name, []).append(rowid)
                self._note_purge(name, stamp)
            for name, rowids in by_obj.items():
                self.conn.execute(
                    f"DELETE FROM {quote(name)} WHERE rowid IN (SELECT value FROM json_each(?))",
                    (json.dumps(rowids),),
                )

    def purged_until(self, obj_name: str) -> str | None:
        """The latest purge moment of ``obj_name``'s recycle bin (None: never purged)."""
        return self._purges().get(obj_name)

    def _purges(self) -> dict[str, str]:
        with self.lock:
            row = self.conn.execute(
                "SELECT value FROM _meta WHERE key = 'recycle_bin_purges'"
            ).fetchone()
        return json.loads(row[0]) if row else {}

    def _note_purge(self, obj_name: str, stamp: str) -> None:
        purges = self._purges()
        if stamp > purges.get(obj_name, ""):
            purges[obj_name] = stamp
            self.conn.execute(
                "INSERT OR REPLACE INTO _meta (key, value) VALUES ('recycle_bin_purges', ?)",
                (json.dumps(purges),),
            )
