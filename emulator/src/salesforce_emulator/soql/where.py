"""SOQL conditions to SQL: typed literals, relative date literals, IN / LIKE / NULL semantics.

Values are never inlined: each literal becomes a ``?`` appended to the compiler's parameters.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

from ..schema import Field
from ..values import format_dt, normalize_id
from .ast import BoolOp, Cmp, InList, Like, Literal, Not, Path, SemiJoin
from .lexer import SoqlError

#: Resolves a field path to ``(sql column, field, canonical names, join or None)``.
Resolver = Callable[[Path], tuple[str, Field, list[str], Any]]
#: Compiles a semi-join to ``(column, subselect SQL, its parameters)``.
SemiJoiner = Callable[[SemiJoin], tuple[str, str, list[Any]]]


def date_range(name: str, n: int) -> tuple[date, date]:
    """[start, end) in days for a relative date literal (the org time zone is UTC)."""
    today = datetime.now(UTC).date()
    if name == "today":
        return today, today + timedelta(days=1)
    if name == "yesterday":
        return today - timedelta(days=1), today
    if name == "tomorrow":
        return today + timedelta(days=1), today + timedelta(days=2)
    if name == "last_n_days":
        return today - timedelta(days=n), today + timedelta(days=1)
    if name == "next_n_days":
        return today + timedelta(days=1), today + timedelta(days=n + 1)
    raise SoqlError("MALFORMED_QUERY", f"unsupported date literal {name}")


def literal_value(f: Field, lit: Literal) -> Any:
    """Convert a literal for comparison with ``f``, enforcing SOQL's typing rules."""
    if lit.kind == "null":
        return None
    t = f.type
    if f.is_text:
        if lit.kind != "string":
            raise type_error(f, "string", quoted=True)
        return lit.value
    if t in ("id", "reference"):
        if lit.kind != "string":
            raise type_error(f, "id", quoted=True)
        nid = normalize_id(lit.value)
        if nid is None:
            raise SoqlError("INVALID_QUERY_FILTER_OPERATOR", f"invalid ID field: {lit.value}")
        return nid
    if t == "boolean":
        if lit.kind != "bool":
            raise type_error(f, "boolean", quoted=False)
        return 1 if lit.value else 0
    if t in ("int", "double", "currency", "percent"):
        if lit.kind != "number":
            raise type_error(f, "number", quoted=False)
        return lit.value
    if t == "date":
        if lit.kind != "date":
            raise type_error(f, "date", quoted=False)
        return lit.value.isoformat()
    if t == "datetime":
        if lit.kind != "datetime":
            raise type_error(f, "dateTime", quoted=False)
        return format_dt(lit.value)
    raise SoqlError("MALFORMED_QUERY", f"cannot filter on field {f.name}")


def type_error(f: Field, kind: str, *, quoted: bool) -> SoqlError:
    how = "should be enclosed in quotes" if quoted else "should not be enclosed in quotes"
    return SoqlError(
        "INVALID_FIELD",
        f"value of filter criterion for field '{f.name}' must be of type {kind} and {how}",
    )


def _bound(f: Field, d: date) -> Any:
    return (
        format_dt(datetime(d.year, d.month, d.day, tzinfo=UTC))
        if (f.type == "datetime")
        else d.isoformat()
    )


class WhereCompiler:
    """Compiles one query's WHERE tree; ``params`` is shared with the rest of the query."""

    def __init__(
        self, resolve: Resolver, params: list[Any], semi_join: SemiJoiner | None = None
    ) -> None:
        self.resolve = resolve
        self.params = params
        self.semi_join = semi_join

    def sql(self, node: Any) -> str:
        if isinstance(node, BoolOp):
            if node.op == "or" and any(
                isinstance(i.expr if isinstance(i, Not) else i, SemiJoin) for i in node.items
            ):
                raise SoqlError(
                    "MALFORMED_QUERY",
                    "Semi join sub-selects are not allowed with the 'OR' operator",
                )
            joiner = " AND " if node.op == "and" else " OR "
            return "(" + joiner.join(self.sql(i) for i in node.items) + ")"
        if isinstance(node, Not):
            return f"(NOT {self.sql(node.expr)})"
        if isinstance(node, Like):
            col, f, _, _ = self.resolve(node.path)
            if not f.is_text:
                raise SoqlError(
                    "INVALID_FIELD",
                    f"invalid operator on field {f.name}: LIKE only works on text fields",
                )
            self.params.append(node.pattern.like)
            return f"({col} LIKE ? ESCAPE '\\')"
        if isinstance(node, SemiJoin):
            if self.semi_join is None:
                raise SoqlError("MALFORMED_QUERY", "semi join sub-selects are not allowed here")
            col, sub_sql, sub_params = self.semi_join(node)
            self.params.extend(sub_params)
            if node.negate:
                return f"({col} IS NULL OR {col} NOT IN ({sub_sql}))"
            return f"({col} IN ({sub_sql}))"
        if isinstance(node, InList):
            col, f, _, _ = self.resolve(node.path)
            if any(v.kind == "dateliteral" for v in node.values):
                raise SoqlError("MALFORMED_QUERY", "date literals are not allowed in IN lists")
            vals = [literal_value(f, v) for v in node.values]
            non_null = [v for v in vals if v is not None]
            has_null = len(non_null) != len(vals)
            parts = []
            if non_null:
                self.params.extend(non_null)
                marks = ",".join("?" * len(non_null))
                parts.append(f"{col} {'NOT IN' if node.negate else 'IN'} ({marks})")
            if node.negate:
                if has_null:
                    parts.append(f"{col} IS NOT NULL")
                    return "(" + " AND ".join(parts) + ")"
                return f"({col} IS NULL OR {parts[0]})" if parts else "(1)"
            if has_null:
                parts.append(f"{col} IS NULL")
            return "(" + " OR ".join(parts) + ")"
        if isinstance(node, Cmp):
            col, f, _, _ = self.resolve(node.path)
            op = node.op
            if node.value.kind == "dateliteral":
                if f.type not in ("date", "datetime"):
                    raise type_error(f, f.type, quoted=True)
                start_d, end_d = date_range(*node.value.value)
                start, end = _bound(f, start_d), _bound(f, end_d)
                if op == "=":
                    self.params += [start, end]
                    return f"({col} >= ? AND {col} < ?)"
                if op == "!=":
                    self.params += [start, end]
                    return f"({col} IS NULL OR {col} < ? OR {col} >= ?)"
                bound, sql_op = {
                    "<": (start, "<"),
                    "<=": (end, "<"),
                    ">": (end, ">="),
                    ">=": (start, ">="),
                }[op]
                self.params.append(bound)
                return f"({col} {sql_op} ?)"
            value = literal_value(f, node.value)
            if value is None:
                if op == "=":
                    return f"({col} IS NULL)"
                if op == "!=":
                    return f"({col} IS NOT NULL)"
                return "(0)"
            self.params.append(value)
            if op == "!=":
                return f"({col} IS NOT ?)"
            return f"({col} {op} ?)"
        raise SoqlError("MALFORMED_QUERY", "unsupported condition")
