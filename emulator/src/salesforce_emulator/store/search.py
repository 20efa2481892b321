"""SOSL execution: each RETURNING object's query plus the search terms over the fields of
the search group, as ``{"searchRecords": [...]}`` (in RETURNING order, then each object's
ORDER BY or insertion order: there is no relevance ranking)."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from ..schema import Field, SchemaView, SObject
from ..soql import SoqlError, quote
from ..soql.ast import Path, Query, SelectField
from ..soql.compiler import Compiler
from ..soql.sosl import Search, parse_search

if TYPE_CHECKING:
    from .query import Queries

#: Rows a search returns at most (Salesforce: 2,000).
MAX_RESULTS = 2000
NAME_FIELDS = frozenset({"Name", "FirstName", "LastName", "Company"})
#: Objects searched when a search has no RETURNING clause.
DEFAULT_OBJECTS = ("Account", "Contact", "Lead", "Opportunity")


@lru_cache(maxsize=512)
def _regex(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def sosl_match(value: Any, pattern: str) -> int:
    """SQLite function: whether a field value holds the term (``soql.sosl.term_regex``)."""
    return int(value is not None and _regex(pattern).search(str(value)) is not None)


def searched_fields(obj: SObject, scope: str, view: SchemaView) -> list[Field]:
    """The fields of ``obj`` a search ``IN <scope> FIELDS`` looks at, as the user sees them."""
    out = []
    for f in view.fields(obj):
        if scope == "email":
            keep = f.type == "email"
        elif scope == "phone":
            keep = f.type == "phone"
        elif scope == "name":
            keep = f.name in NAME_FIELDS
        else:
            keep = f.type in ("string", "email", "phone", "url", "textarea")
        if keep:
            out.append(f)
    return out


def run_search(store: Queries, sosl: str, *, view: SchemaView, api_version: str) -> dict[str, Any]:
    search = parse_search(sosl)
    queries = search.returning or [
        Query([SelectField(Path(["Id"], 0))], name, 0) for name in DEFAULT_OBJECTS
    ]
    remaining = min(search.limit or MAX_RESULTS, MAX_RESULTS)
    records: list[dict[str, Any]] = []
    for q in queries:
        if remaining <= 0:
            break
        c = Compiler(
            q,
            view.objects(),
            include_deleted=False,
            picklists_on=view.picklists_on,
            soql=sosl,
            view=view,
            nested=True,
        ).compile()
        if c.grouped or c.count_only:
            raise SoqlError("MALFORMED_SEARCH", "aggregate functions are not allowed in SOSL")
        fields = searched_fields(c.obj, search.scope, view)
        if not fields:
            continue
        cond, params = _condition(search, fields)
        where = f"{c.where_sql} AND " if c.where_sql else ""
        limit = remaining if c.limit is None else min(c.limit, remaining)
        with store.lock:
            store.conn.create_function("sosl_match", 2, sosl_match, deterministic=True)
            rows = store.conn.execute(
                f"SELECT {c.cols_sql} {c.from_sql} WHERE {where}{cond}{c.order_sql} "
                "LIMIT ? OFFSET ?",
                [*c.params, *params, limit, c.offset or 0],
            ).fetchall()
        records.extend(store.shape_page(c, rows, api_version))
        remaining -= len(rows)
    return {"searchRecords": records}


def _condition(search: Search, fields: list[Field]) -> tuple[str, list[str]]:
    params: list[str] = []
    groups = []
    for group in search.groups:
        terms = []
        for term in group:
            any_field = " OR ".join(f"sosl_match(t0.{quote(f.name)}, ?)" for f in fields)
            params.extend([term.pattern] * len(fields))
            terms.append(f"(NOT ({any_field}))" if term.negate else f"({any_field})")
        groups.append("(" + " AND ".join(terms) + ")")
    return "(" + " OR ".join(groups) + ")", params
