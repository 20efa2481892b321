"""SOQL to SQLite SQL: name resolution (fields, relationship joins), SELECT / ORDER BY / LIMIT.

The result is a :class:`Compiled` query: SQL pieces plus what the store needs to shape rows
into nested records. WHERE conditions are compiled by :mod:`.where`.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from ..schema import ID_TYPES, Field, SchemaView, SObject
from ..schema.children import child_relationship
from .ast import Aggregate, Path, Query, SelectField, SemiJoin, SubQuery
from .grouping import grouped_items, grouped_order
from .lexer import SoqlError
from .parser import parse
from .where import WhereCompiler


@dataclass
class Column:
    """One selected value and where it goes in the nested record."""

    names: list[str]  # canonical path, e.g. ["Account", "Name"]
    field: Field
    index: int
    sql: str = ""  # the column expression, e.g. t1."Name"


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
    #: The WHERE conditions alone (``IsDeleted`` included), "" for none.
    where_sql: str = ""
    #: An aggregate query (``GROUP BY`` or aggregate functions): ``aggregates`` are its
    #: output columns in SELECT order, rows are ``AggregateResult`` records.
    grouped: bool = False
    group_sql: str = ""  # " GROUP BY ..."
    #: Parent-to-child subqueries of the SELECT list, filled in per page of parents.
    children: list[ChildQuery] = field(default_factory=list)


@dataclass
class ChildQuery:
    """``(SELECT ... FROM Contacts)``: the child rows whose ``fk`` is a parent's Id."""

    name: str  # the relationship name, as Salesforce spells it
    fk: str  # the child object's lookup to the parent
    compiled: Compiled


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
        nested: bool = False,
    ) -> None:
        self.q = query
        #: A subquery (child or semi-join) itself: no subqueries or semi-joins of its own.
        self.nested = nested
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
            # A Lead's Owner (a User or a queue): fields of the owning user (a queue-owned
            # Lead's Owner.Name is null here; select OwnerId and read Group instead).
            owner = ref.name == "OwnerId" and "User" in ref.reference_to
            if len(ref.reference_to) != 1 and not owner:
                raise SoqlError(
                    "MALFORMED_QUERY",
                    f"polymorphic relationship '{ref.relationship_name}' is not supported by "
                    "the Salesforce emulator; select the id field instead",
                )
            target = self.objects["user" if owner else ref.reference_to[0].lower()]
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
        plain = [i for i in q.items if isinstance(i, SelectField)]
        grouped = bool(q.group_by) or any(
            isinstance(i, Aggregate) and i.path is not None for i in q.items
        )
        subs = [i for i in q.items if isinstance(i, SubQuery)]
        group_cols: dict[str, str] = {}
        if grouped:
            if subs:
                raise SoqlError(
                    "MALFORMED_QUERY", "Aggregate queries cannot have parent-to-child subqueries"
                )
            aggregates, group_cols = grouped_items(self)
        seen: set[str] = set()
        for item in [] if grouped else plain:
            col, f, names, _ = self.resolve(item.path)
            dotted = ".".join(n.lower() for n in names)
            if dotted in seen:
                raise SoqlError("MALFORMED_QUERY", f"duplicate field selected: {'.'.join(names)}")
            seen.add(dotted)
            columns.append(Column(names, f, len(select_exprs), col))
            select_exprs.append(col)
        children = [self._child(sub) for sub in subs]
        where_sql = ""
        if q.where is not None:
            where_sql = WhereCompiler(self.resolve, self.params, self._semi_join).sql(q.where)
        order_sql = grouped_order(self, group_cols) if grouped else self._order()
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
            where_sql=" AND ".join(conds),
            grouped=grouped,
            group_sql=" GROUP BY " + ", ".join(group_cols.values()) if q.group_by else "",
            children=children,
        )

    def _order(self) -> str:
        parts = []
        for item in self.q.order:
            if item.path is None:
                raise SoqlError(
                    "MALFORMED_QUERY", "Ordering by an aggregate needs a GROUP BY query"
                )
            col, f, _, _ = self.resolve(item.path)
            if (f.type == "textarea" and f.length > 255) or not f.stored:
                raise SoqlError(
                    "INVALID_FIELD",
                    f"field '{f.name}' can not be sorted in a query call",
                )
            direction = "DESC" if item.desc else "ASC"
            nulls = item.nulls or ("last" if item.desc else "first")
            parts.append(f"{col} {direction} NULLS {nulls.upper()}")
        parts.append("t0.rowid ASC")
        return " ORDER BY " + ", ".join(parts)

    def _sub_compiler(self, query: Query) -> Compiler:
        if self.nested:
            raise SoqlError(
                "MALFORMED_QUERY", "Nesting of semi join sub-selects or subqueries is not supported"
            )
        return Compiler(
            query,
            self.objects,
            include_deleted=False,
            picklists_on=self.view.picklists_on,
            soql=self.soql,
            view=self.view,
            nested=True,
        )

    def _child(self, sub: SubQuery) -> ChildQuery:
        """A parent-to-child subquery over one of the object's child relationships."""
        q = sub.query
        rel = child_relationship(self.obj.name, q.object_name)
        if rel is None or self.objects.get(rel.child.lower()) is None:
            raise SoqlError(
                "INVALID_TYPE",
                f"{self._caret(q.object_pos)}Didn't understand relationship '{q.object_name}' "
                "in FROM part of query call. If you are attempting to use a custom "
                "relationship, be sure to append the '__r' after the custom relationship "
                "name. Please reference your WSDL or the describe call for the appropriate "
                "names.",
            )
        if q.count_only or q.group_by or q.offset is not None:
            raise SoqlError(
                "MALFORMED_QUERY", "COUNT(), GROUP BY and OFFSET are not supported in subqueries"
            )
        compiled = self._sub_compiler(replace(q, object_name=rel.child)).compile()
        if compiled.grouped:
            raise SoqlError("MALFORMED_QUERY", "Aggregates are not supported in subqueries")
        return ChildQuery(rel.name, rel.field, compiled)

    def _semi_join(self, node: SemiJoin) -> tuple[str, str, list[Any]]:
        """``path [NOT] IN (SELECT field FROM X WHERE ...)`` as SQL: (column, subselect, the
        subselect's parameters)."""
        col, f, _, _ = self.resolve(node.path)
        q = node.query
        fields = [i for i in q.items if isinstance(i, SelectField)]
        if len(fields) != 1 or len(q.items) != 1 or q.group_by or q.order or q.limit:
            raise SoqlError(
                "MALFORMED_QUERY",
                "A semi join sub-select selects exactly one Id or reference field, without "
                "GROUP BY, ORDER BY or LIMIT",
            )
        inner = self._sub_compiler(q)
        inner_col, inner_f, _, _ = inner.resolve(fields[0].path)
        c = inner.compile()
        if f.type not in ID_TYPES or inner_f.type not in ID_TYPES:
            raise SoqlError(
                "MALFORMED_QUERY",
                f"Semi join sub-selects compare Id or reference fields: {f.name} IN (SELECT "
                f"{inner_f.name} ...)",
            )
        sql = f"SELECT {inner_col} {c.from_where_sql}"
        sql += " AND " if c.where_sql else " WHERE "
        return col, sql + f"{inner_col} IS NOT NULL", c.params


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
