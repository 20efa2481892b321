"""Unselective REST queries on large objects time out, as Salesforce's query optimizer makes
them (org setting ``query_timeout_rows``).

On an object with many rows, Salesforce runs a REST ``query``/``queryAll`` only if its WHERE
clause can use an index; otherwise it scans the table and gives up with ``QUERY_TIMEOUT``.
A client that pulls changes must filter on an indexed field (``SystemModstamp``, ``Id``,
``Email``, an external id, a lookup...) or use Bulk API 2.0, which is never refused here.

A WHERE clause is *selective* when one of its top-level AND-ed terms is (an OR only when
every branch is): ``=``, ``IN``, ``<``, ``<=``, ``>``, ``>=`` against a non-null value on an
indexed field of the queried object itself. ``!=``, ``NOT IN``, ``LIKE``, ``NOT`` and
relationship paths (``Account.Name``) never are; neither is ``IsDeleted = true``.
A query without WHERE is not refused: it reads the whole object through a query locator,
page by page (costly in calls on a large object — Bulk API 2.0's job — but no filter for the
optimizer to give up on).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..schema import Field, SObject
from ..soql import Compiled, SoqlError, parse, quote
from ..soql.ast import BoolOp, Cmp, InList, Path

if TYPE_CHECKING:
    from .org import OrgSettings

QUERY_TIMEOUT_CODE = "QUERY_TIMEOUT"
QUERY_TIMEOUT_MESSAGE = "Your query request was running for too long."
SELECTIVE_OPS = frozenset({"=", "<", "<=", ">", ">="})


def refuse_unselective(
    store: OrgSettings, compiled: Compiled, soql: str, *, include_deleted: bool
) -> None:
    """Raise ``QUERY_TIMEOUT`` for an unselective query on an object holding more rows
    (deleted ones too for ``queryAll``) than the org's ``query_timeout_rows``."""
    limit = store.org.get("query_timeout_rows")
    if limit is None or compiled.obj.tooling:
        return
    query = parse(soql)
    if query.where is None or is_selective(query.where, compiled.obj):
        return
    where = "" if include_deleted else ' WHERE "IsDeleted" = 0'
    with store.lock:
        rows = store.conn.execute(
            f"SELECT count(*) FROM {quote(compiled.obj.name)}{where}"
        ).fetchone()[0]
    if rows > limit:
        raise SoqlError(QUERY_TIMEOUT_CODE, QUERY_TIMEOUT_MESSAGE)


def is_selective(node: Any, obj: SObject) -> bool:
    """Whether a WHERE (sub)tree can be answered from an index of ``obj``."""
    if isinstance(node, BoolOp):
        branches = (is_selective(item, obj) for item in node.items)
        return any(branches) if node.op == "and" else all(branches)
    if isinstance(node, Cmp):
        return node.op in SELECTIVE_OPS and node.value.kind != "null" and _indexed(node.path, obj)
    if isinstance(node, InList):
        return (
            not node.negate
            and bool(node.values)
            and all(v.kind != "null" for v in node.values)
            and _indexed(node.path, obj)
        )
    return False  # LIKE, NOT


def is_indexed(f: Field) -> bool:
    """Fields Salesforce keeps an index on: Id, Name, the audit dates and stamps, Email,
    external ids and unique fields, and every lookup."""
    return (
        f.indexed or f.type in ("id", "reference") or f.external_id or f.unique or f.name == "Name"
    )


def _indexed(path: Path, obj: SObject) -> bool:
    parts = path.parts
    if len(parts) == 2 and parts[0].lower() == obj.name.lower():
        parts = parts[1:]  # "Lead.Email" on Lead
    if len(parts) != 1:
        return False
    f = obj.field(parts[0])
    return f is not None and is_indexed(f)
