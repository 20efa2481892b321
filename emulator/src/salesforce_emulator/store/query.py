"""SOQL execution: first pages, ``nextRecordsUrl`` cursors, row snapshots for Bulk API 2.0
query jobs, and the shaping of result rows into nested records."""

from __future__ import annotations

import json
import secrets
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from ..schema import SchemaView
from ..soql import Compiled, SoqlError, compile_query
from ..values import id_suffix
from .org import OrgSettings
from .results import to_json
from .selectivity import refuse_unselective
from .subqueries import aggregate_result, attach_children

#: Field types whose stored value differs from its JSON value (``to_json``).
CONVERTED = frozenset({"boolean", "int", "double", "currency", "percent", "address"})
#: Open query cursors kept (the oldest is dropped first).
CURSOR_LIMIT = 200


@dataclass
class Cursor:
    compiled: Compiled
    rowids: list[int]
    batch: int
    created: float


class Queries(OrgSettings):
    """``query`` / ``query_more`` and the helpers Bulk API 2.0 query jobs share."""

    def __init__(self, path: str = ":memory:", *, api_limit: int = 100_000) -> None:
        super().__init__(path, api_limit=api_limit)
        self.cursors: OrderedDict[str, Cursor] = OrderedDict()

    def compile(
        self,
        soql: str,
        *,
        include_deleted: bool,
        tooling: bool = False,
        view: SchemaView | None = None,
    ) -> Compiled:
        """Compile against the data objects (or, with ``tooling``, the tooling objects) as
        ``view`` (the querying user; default: the org without field-level security) sees
        them."""
        view = view or self.org_view()
        return compile_query(
            soql, view.objects(tooling=tooling), include_deleted=include_deleted, view=view
        )

    def query(
        self,
        soql: str,
        *,
        include_deleted: bool = False,
        batch_size: int = 2000,
        api_version: str = "59.0",
        tooling: bool = False,
        view: SchemaView | None = None,
    ) -> dict[str, Any]:
        """Run SOQL; the first page, ``nextRecordsUrl`` when more pages exist (REST only:
        an unselective query on a large object fails ``QUERY_TIMEOUT``, see
        :mod:`.selectivity`)."""
        c = self.compile(soql, include_deleted=include_deleted, tooling=tooling, view=view)
        refuse_unselective(self, c, soql, include_deleted=include_deleted)
        limit = c.limit if c.limit is not None else -1
        offset = c.offset or 0
        with self.lock:
            if c.count_only:
                n = self.conn.execute(
                    f"SELECT count(*) FROM (SELECT 1 {c.from_where_sql} LIMIT ? OFFSET ?)",
                    [*c.params, limit, offset],
                ).fetchone()[0]
                return {"totalSize": n, "done": True, "records": []}
            if c.grouped:
                return aggregate_result(self.conn, c, limit, offset, batch_size)
            first_n = batch_size + 1 if limit < 0 else min(limit, batch_size + 1)
            rows = self.conn.execute(
                f"{c.select_sql} LIMIT ? OFFSET ?", [*c.params, first_n, offset]
            ).fetchall()
            if len(rows) <= batch_size:
                return {
                    "totalSize": len(rows),
                    "done": True,
                    "records": self.shape_page(c, rows, api_version),
                }
            rowids = [
                r[0]
                for r in self.conn.execute(
                    f"SELECT t0.rowid {c.from_where_sql}{c.order_sql} LIMIT ? OFFSET ?",
                    [*c.params, limit, offset],
                )
            ]
            cursor_id = self._new_cursor(c, rowids, batch_size)
            kind = "queryAll" if include_deleted else "query"
            base = "tooling/" if tooling else ""
            return {
                "totalSize": len(rowids),
                "done": False,
                "nextRecordsUrl": f"/services/data/v{api_version}/{base}{kind}/"
                f"{cursor_id}-{batch_size}",
                "records": self.shape_page(c, rows[:batch_size], api_version),
            }

    def _new_cursor(self, c: Compiled, rowids: list[int], batch: int) -> str:
        id15 = "01g" + secrets.token_hex(6).upper()
        cursor_id = id15 + id_suffix(id15)
        self.cursors[cursor_id] = Cursor(c, rowids, batch, time.time())
        while len(self.cursors) > CURSOR_LIMIT:
            self.cursors.popitem(last=False)
        return cursor_id

    def query_more(
        self, locator: str, *, api_version: str = "59.0", kind: str = "query"
    ) -> dict[str, Any]:
        cursor_id, _, pos_text = locator.rpartition("-")
        cur = self.cursors.get(cursor_id)
        if cur is None or not pos_text.isdigit():
            raise SoqlError("INVALID_QUERY_LOCATOR", "invalid query locator")
        pos = int(pos_text)
        page_ids = cur.rowids[pos : pos + cur.batch]
        rows = self.rows_by_rowid(cur.compiled, page_ids)
        out: dict[str, Any] = {
            "totalSize": len(cur.rowids),
            "done": pos + cur.batch >= len(cur.rowids),
            "records": self.shape_page(cur.compiled, rows, api_version),
        }
        if not out["done"]:
            out["nextRecordsUrl"] = (
                f"/services/data/v{api_version}/{kind}/{cursor_id}-{pos + cur.batch}"
            )
        return out

    def rows_by_rowid(self, c: Compiled, rowids: list[int]) -> list[tuple[Any, ...]]:
        if not rowids:
            return []
        with self.lock:
            fetched = self.conn.execute(
                f"SELECT {c.cols_sql} {c.from_sql} WHERE t0.rowid IN "
                "(SELECT value FROM json_each(?))",
                (json.dumps(rowids),),
            ).fetchall()
        by_id = {r[0]: r for r in fetched}
        return [by_id[i] for i in rowids if i in by_id]

    def query_rowids(self, c: Compiled) -> list[int]:
        """All matching rowids in order (snapshot for Bulk API 2.0 query jobs)."""
        limit = c.limit if c.limit is not None else -1
        with self.lock:
            return [
                r[0]
                for r in self.conn.execute(
                    f"SELECT t0.rowid {c.from_where_sql}{c.order_sql} LIMIT ? OFFSET ?",
                    [*c.params, limit, c.offset or 0],
                )
            ]

    def shape_page(
        self, c: Compiled, rows: list[tuple[Any, ...]], api_version: str
    ) -> list[dict[str, Any]]:
        """One page of records, with the child records of its subqueries."""
        shaper = Shaper(c, api_version)
        records = [shaper.shape(r) for r in rows]
        if c.children and records:
            with self.lock:
                attach_children(self, c, rows, records, api_version)
        return records

    def shape(self, c: Compiled, row: tuple[Any, ...], api_version: str) -> dict[str, Any]:
        """Turn a result row into a nested record (relationships as dicts or None)."""
        return Shaper(c, api_version).shape(row)


class Shaper:
    """Shapes the rows of one compiled query into nested records; what depends only on the
    query (paths, joins, URLs) is worked out once, not per row."""

    def __init__(self, c: Compiled, api_version: str) -> None:
        obj = c.obj
        self.kind = "tooling/sobjects" if obj.tooling else "sobjects"
        self.base = f"/services/data/v{api_version}/{self.kind}/"
        self.type = obj.name
        joins = {tuple(j.names): j for j in c.joins}
        #: Per column: (relationship steps [(name, join id index, join object name)], leaf
        #: name, field, index); plain columns have no steps.
        self.columns = [
            (
                [
                    (
                        rel,
                        joins[tuple(col.names[: d + 1])].id_index,
                        joins[tuple(col.names[: d + 1])].obj.name,
                    )
                    for d, rel in enumerate(col.names[:-1])
                ],
                col.names[-1],
                col.field if col.field.type in CONVERTED else None,
                col.index,
            )
            for col in c.columns
        ]

    def shape(self, row: tuple[Any, ...]) -> dict[str, Any]:
        rec: dict[str, Any] = {"attributes": {"type": self.type}}
        rid = row[1]
        if rid:
            rec["attributes"]["url"] = f"{self.base}{self.type}/{rid}"
        for steps, leaf, field, index in self.columns:
            target = rec
            alive = True
            for rel, id_index, rel_type in steps:
                if rel in target and target[rel] is None:
                    alive = False
                    break
                parent_id = row[id_index]
                if parent_id is None:
                    target[rel] = None
                    alive = False
                    break
                if rel not in target:
                    target[rel] = {
                        "attributes": {
                            "type": rel_type,
                            "url": f"{self.base}{rel_type}/{parent_id}",
                        }
                    }
                target = target[rel]
            if alive:
                value = row[index]
                target[leaf] = value if field is None or value is None else to_json(field, value)
        return rec
