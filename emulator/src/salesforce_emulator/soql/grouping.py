"""Aggregate queries: ``GROUP BY`` fields and aggregate functions in the SELECT list, and
their ``ORDER BY`` (a grouped field or an aggregate), as Salesforce's ``AggregateResult``.

Every selected field must be grouped; an unaliased aggregate is labelled ``expr0``,
``expr1``...; a grouped field keeps its own name (``Account.Name`` is ``Name``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..schema import Field
from .ast import Aggregate, SelectField
from .lexer import SoqlError

if TYPE_CHECKING:
    from .compiler import Compiler

#: Field types Salesforce cannot group by.
UNGROUPABLE = frozenset({"textarea", "datetime", "double", "currency", "percent", "address"})
NUMERIC = frozenset({"int", "double", "currency", "percent"})
SQL = {
    "count": "count({})",
    "count_distinct": "count(DISTINCT {})",
    "min": "min({})",
    "max": "max({})",
    "sum": "sum({})",
    "avg": "avg({})",
}


def aggregate_sql(compiler: Compiler, agg: Aggregate) -> tuple[str, Field]:
    """The SQL of one aggregate function and the field it reads."""
    assert agg.path is not None
    col, f, names, _ = compiler.resolve(agg.path)
    if agg.func in ("sum", "avg") and f.type not in NUMERIC:
        raise SoqlError(
            "MALFORMED_QUERY",
            f"field {'.'.join(names)} does not support aggregate operator {agg.func.upper()}",
        )
    if agg.func in ("min", "max") and f.type in ("boolean", "textarea"):
        raise SoqlError(
            "MALFORMED_QUERY",
            f"field {'.'.join(names)} does not support aggregate operator {agg.func.upper()}",
        )
    return SQL[agg.func].format(col), f


def grouped_items(
    compiler: Compiler,
) -> tuple[list[tuple[str, str, Field | None]], dict[str, str]]:
    """The output columns ``(label, sql, field or None for counts)`` in SELECT order, and the
    GROUP BY columns (dotted lower-cased path -> sql)."""
    q = compiler.q
    group_cols: dict[str, str] = {}
    for path in q.group_by:
        col, f, names, _ = compiler.resolve(path)
        if f.type in UNGROUPABLE:
            raise SoqlError("INVALID_FIELD", f"field '{f.name}' can not be grouped in a query call")
        group_cols[".".join(n.lower() for n in names)] = col
    out: list[tuple[str, str, Field | None]] = []
    expr_n = 0
    for item in q.items:
        if isinstance(item, SelectField):
            col, f, names, _ = compiler.resolve(item.path)
            if ".".join(n.lower() for n in names) not in group_cols:
                raise SoqlError(
                    "MALFORMED_QUERY",
                    f"Field must be grouped or aggregated: {'.'.join(names)}",
                )
            out.append((f.name, col, f))
            continue
        assert isinstance(item, Aggregate)
        sql, f = aggregate_sql(compiler, item)
        label = item.alias
        if label is None:
            label = f"expr{expr_n}"
            expr_n += 1
        out.append((label, sql, None if item.func.startswith("count") else f))
    labels = [label.lower() for label, _, _ in out]
    if len(set(labels)) != len(labels):
        raise SoqlError("MALFORMED_QUERY", "duplicate alias or field in an aggregate query")
    return out, group_cols


def grouped_order(compiler: Compiler, group_cols: dict[str, str]) -> str:
    """``ORDER BY`` of an aggregate query (grouped fields, aggregates), then the groups."""
    parts = []
    for item in compiler.q.order:
        if item.aggregate is not None:
            col, _ = aggregate_sql(compiler, item.aggregate)
        else:
            assert item.path is not None
            col, _, names, _ = compiler.resolve(item.path)
            if ".".join(n.lower() for n in names) not in group_cols:
                raise SoqlError(
                    "MALFORMED_QUERY",
                    f"Ordered field must be grouped or aggregated: {'.'.join(names)}",
                )
        direction = "DESC" if item.desc else "ASC"
        nulls = item.nulls or ("last" if item.desc else "first")
        parts.append(f"{col} {direction} NULLS {nulls.upper()}")
    parts.extend(f"{col} ASC" for col in group_cols.values())
    return " ORDER BY " + ", ".join(parts) if parts else ""
