"""Deletes: records go to the recycle bin (``IsDeleted`` = true, still readable by
``queryAll`` and ``deleted/``), cascading to children as Salesforce does (see ``CASCADES``)."""

from __future__ import annotations

from ..schema import CASCADES, NAME_BY_PREFIX, OBJECTS
from ..soql import quote
from ..values import format_dt, normalize_id, now_utc
from .base import CHUNK, StoreBase, chunks
from .results import WriteResult, err, roll_back


class RecycleBin(StoreBase):
    """``delete``: soft deletes with cascades, all-or-none optional."""

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
