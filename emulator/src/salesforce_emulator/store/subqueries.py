"""Query results beyond one row per record: aggregate queries (``AggregateResult`` rows)
and the child records of parent-to-child subqueries, read for a page of parents at once."""

from __future__ import annotations

import json
import sqlite3
from collections import defaultdict
from typing import TYPE_CHECKING, Any

from ..soql import Compiled, SoqlError
from .results import to_json

if TYPE_CHECKING:
    from .query import Queries


def aggregate_result(
    conn: sqlite3.Connection, c: Compiled, limit: int, offset: int, batch_size: int
) -> dict[str, Any]:
    """All groups at once: Salesforce has no ``queryMore`` for aggregate queries."""
    rows = conn.execute(
        f"SELECT {', '.join(a[1] for a in c.aggregates)} {c.from_where_sql}{c.group_sql}"
        f"{c.order_sql if c.group_sql else ''} LIMIT ? OFFSET ?",
        [*c.params, limit, offset],
    ).fetchall()
    if len(rows) > batch_size:
        raise SoqlError(
            "MALFORMED_QUERY",
            "Aggregate query does not support queryMore(), use LIMIT to restrict the results "
            "to a single batch",
        )
    records = []
    for row in rows:
        rec: dict[str, Any] = {"attributes": {"type": "AggregateResult"}}
        for (label, _, f), v in zip(c.aggregates, row, strict=True):
            rec[label] = to_json(f, v) if f else v
        records.append(rec)
    return {"totalSize": len(records), "done": True, "records": records}


def attach_children(
    store: Queries,
    c: Compiled,
    rows: list[tuple[Any, ...]],
    records: list[dict[str, Any]],
    api_version: str,
) -> None:
    """Set each subquery's relationship on the parent records: ``{totalSize, done, records}``
    or ``null`` when a parent has no such children (the caller holds the lock)."""
    parent_ids = json.dumps([r[1] for r in rows])
    for child in c.children:
        cc = child.compiled
        conds = f"{cc.where_sql} AND " if cc.where_sql else ""
        fetched = store.conn.execute(
            f"SELECT {cc.cols_sql}, t0.{_quote(child.fk)} {cc.from_sql} WHERE {conds}"
            f"t0.{_quote(child.fk)} IN (SELECT value FROM json_each(?)){cc.order_sql}",
            [*cc.params, parent_ids],
        ).fetchall()
        by_parent: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for row in fetched:
            kids = by_parent[row[-1]]
            if cc.limit is None or len(kids) < cc.limit:
                kids.append(store.shape(cc, row[:-1], api_version))
        for rec, row in zip(records, rows, strict=True):
            found = by_parent.get(row[1])
            rec[child.name] = (
                {"totalSize": len(found), "done": True, "records": found} if found else None
            )


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'
