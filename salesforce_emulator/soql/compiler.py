"""SOQL to SQLite SQL: name resolution (fields, relationship joins), SELECT / ORDER BY / LIMIT.

The result is a :class:`Compiled` query: SQL pieces plus what the store needs to shape rows
into nested records. WHERE conditions are compiled by :mod:`.where`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..schema import Field, SchemaView, SObject
from .ast import Aggregate, Path, Query, SelectField
from .lexer import SoqlError
from .parser import parse
from .where import WhereCompiler


@dataclass
class Column:
    """One selected value and where it goes in the nested record."""

    names: list[str]  # canonical path, e.g. ["Account", "Name"]
    field: Field
    index: int


@dataclass
class Join:
    key: tuple[str, ...]
    names: list[str]  # canonical relationship path
    obj: SObject
    alias: str
    parent_alias: str
    fk: str
    id_index: int = -1


@dataclass
class Compiled:
    """A compiled query: SQL pieces plus what is needed to shape the records."""

    obj: SObject
    select_sql: str  # "SELECT cols FROM ... WHERE ... ORDER BY ..."
    from_where_sql: str  # "FROM ... WHERE ..." (no ORDER BY)
    order_sql: str
    cols_sql: str  # the select list (t0.rowid first)
    from_sql: str  # "FROM ... LEFT JOIN ..." without WHERE
    params: list[Any]
    columns: list[Column]
    joins: list[Join]
    aggregates: list[tuple[str, str, Field | None]]  # (label, sql expr, field)
    count_only: bool
    limit: int | None
    offset: int | None
    n_select: int


def quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


class Compiler:
    def __init__(
        self,
        query: Query,
        objects: dict[str, SObject],
        *,
        include_deleted: bool,
        picklists_on: bool,
        soql: str = "",
        view: SchemaView | None = None,
    ) -> None:
        self.q = query
        self.soql = soql
        self.objects = objects
        self.include_deleted = include_deleted
        #: Which fields exist and are visible (org settings, field-level security).
        self.view = view or SchemaView(picklists_on=picklists_on)
        self.params: list[Any] = []
        self.joins: dict[tuple[str, ...], Join] = {}
        obj = objects.get(query.object_name.lower())
        if obj is None:
            raise SoqlError(
                "INVALID_TYPE",
                f"{self._caret(query.object_pos)}sObject type '{query.object_name}' is not "
                "supported. If you are attempting to use a custom object, be sure to append "
                "the '__c' after the entity name. Please reference your WSDL or the describe "
                "call for the appropriate names.",
            )
        self.obj = obj

    def _caret(self, pos: int) -> str:
        """Salesforce's error preamble: the query, a caret under the culprit, the column."""
        return f"\n{self.soql}\n{' ' * pos}^\nERROR at Row:1:Column:{pos + 1}\n"

    def _field_of(self, obj: SObject, name: str) -> Field | None:
        return self.view.field(obj, name)

    def resolve(self, path: Path) -> tuple[str, Field, list[str], Join | None]:
        parts = list(path.parts)
        if (
            len(parts) > 1
            and parts[0].lower() == self.obj.name.lower()
            and parts[0].lower() not in self.obj.relationships
        ):
            parts = parts[1:]
        obj = self.obj
        alias = "t0"
        names: list[str] = []
        key: tuple[str, ...] = ()
        join: Join | None = None
        for rel in parts[:-1]:
            ref = obj.relationships.get(rel.lower())
            if ref is None or self._field_of(obj, ref.name) is None:
                raise SoqlError(
                    "INVALID_FIELD",
                    f"{self._caret(path.pos)}Didn't understand relationship '{rel}' in field "
                    "path. If you are attempting to use a custom relationship, be sure to "
                    "append the '__r' after the custom relationship name. Please reference "
                    "your WSDL or the describe call for the appropriate names.",
                )
            if len(ref.reference_to) != 1:
                raise SoqlError(
                    "MALFORMED_QUERY",
                    f"polymorphic relationship '{ref.relationship_name}' is not supported by "
                    "the Salesforce emulator; select the id field instead",
                )
            target = self.objects[ref.reference_to[0].lower()]
            assert ref.relationship_name is not None
            names.append(ref.relationship_name)
            key = (*key, rel.lower())
            join = self.joins.get(key)
            if join is None:
                join = Join(key, list(names), target, f"t{len(self.joins) + 1}", alias, ref.name)
                self.joins[key] = join
            alias = join.alias
            obj = target
        f = self._field_of(obj, parts[-1])
        if f is None:
            raise SoqlError(
                "INVALID_FIELD",
                f"{self._caret(path.pos)}No such column '{parts[-1]}' on entity '{obj.name}'. "
                "If you are attempting to use a custom field, be sure to append the '__c' "
                "after the custom field name. Please reference your WSDL or the describe "
                "call for the appropriate names.",
            )
        names.append(f.name)
        return f"{alias}.{quote(f.name)}", f, names, join

    def compile(self) -> Compiled:
        q = self.q
        columns: list[Column] = []
        aggregates: list[tuple[str, str, Field | None]] = []
        select_exprs: list[str] = ["t0.rowid", 't0."Id"']
        seen: set[str] = set()
        plain = [i for i in q.items if isinstance(i, SelectField)]
        aggs = [i for i in q.items if isinstance(i, Aggregate) and i.path is not None]
        if plain and aggs:
            col, f, names, _ = self.resolve(plain[0].path)
            raise SoqlError(
                "MALFORMED_QUERY",
                f"Field must be grouped or aggregated: {'.'.join(names)} (GROUP BY is not "
                "supported by the Salesforce emulator)",
            )
        for item in plain:
            col, f, names, _ = self.resolve(item.path)
            dotted = ".".join(n.lower() for n in names)
            if dotted in seen:
                raise SoqlError("MALFORMED_QUERY", f"duplicate field selected: {'.'.join(names)}")
            seen.add(dotted)
            columns.append(Column(names, f, len(select_exprs)))
            select_exprs.append(col)
        expr_n = 0
        for agg in aggs:
            assert agg.path is not None
            col, f, names, _ = self.resolve(agg.path)
            label = agg.alias
            if label is None:
                label = f"expr{expr_n}"
                expr_n += 1
            sql = {
                "count": f"count({col})",
                "count_distinct": f"count(DISTINCT {col})",
                "min": f"min({col})",
                "max": f"max({col})",
                "sum": f"sum({col})",
                "avg": f"avg({col})",
            }[agg.func]
            aggregates.append((label, sql, None if agg.func.startswith("count") else f))
        where_sql = ""
        if q.where is not None:
            where_sql = WhereCompiler(self.resolve, self.params).sql(q.where)
        order_parts = []
        for item in q.order:
            col, f, _, _ = self.resolve(item.path)
            if f.type == "textarea" and f.length > 255:
                raise SoqlError(
                    "INVALID_FIELD",
                    f"field '{f.name}' can not be sorted in a query call",
                )
            direction = "DESC" if item.desc else "ASC"
            nulls = item.nulls or ("last" if item.desc else "first")
            order_parts.append(f"{col} {direction} NULLS {nulls.upper()}")
        order_parts.append("t0.rowid ASC")
        if q.offset is not None and q.offset > 2000:
            raise SoqlError("NUMBER_OUTSIDE_VALID_RANGE", "Maximum SOQL offset allowed is 2000")
        # Joined objects: add their Id columns so the shaper can tell null parents apart.
        join_sql = []
        for join in self.joins.values():
            join.id_index = len(select_exprs)
            select_exprs.append(f'{join.alias}."Id"')
            deleted = f' AND {join.alias}."IsDeleted" = 0' if not join.obj.tooling else ""
            join_sql.append(
                f'LEFT JOIN {quote(join.obj.name)} {join.alias} ON {join.alias}."Id" = '
                f"{join.parent_alias}.{quote(join.fk)}{deleted}"
            )
        conds = []
        if not self.include_deleted and not self.obj.tooling:
            conds.append('t0."IsDeleted" = 0')
        if where_sql:
            conds.append(where_sql)
        from_sql = f"FROM {quote(self.obj.name)} t0 " + " ".join(join_sql)
        from_where = from_sql
        if conds:
            from_where += " WHERE " + " AND ".join(conds)
        order_sql = " ORDER BY " + ", ".join(order_parts)
        return Compiled(
            obj=self.obj,
            select_sql=f"SELECT {', '.join(select_exprs)} {from_where}{order_sql}",
            from_where_sql=from_where,
            order_sql=order_sql,
            cols_sql=", ".join(select_exprs),
            from_sql=from_sql,
            params=self.params,
            columns=columns,
            joins=list(self.joins.values()),
            aggregates=aggregates,
            count_only=q.count_only,
            limit=q.limit,
            offset=q.offset,
            n_select=len(select_exprs),
        )


def compile_query(
    soql: str,
    objects: dict[str, SObject],
    *,
    include_deleted: bool = False,
    picklists_on: bool = False,
    view: SchemaView | None = None,
) -> Compiled:
    """Parse and compile ``soql`` against ``objects`` (lower-cased name -> SObject);
    ``view`` (default: state/country picklists as ``picklists_on`` says) decides which
    fields exist for the querying user."""
    return Compiler(
        parse(soql),
        objects,
        include_deleted=include_deleted,
        picklists_on=picklists_on,
        soql=soql,
        view=view,
    ).compile()
