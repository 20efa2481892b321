"""SOSL over REST: ``search/?q=FIND {...} ...`` and ``parameterizedSearch/`` (GET parameters
or a POST body, turned into the same SOSL; the engine is :mod:`..store.search`)."""

from __future__ import annotations

from typing import Any

from ..store import Store
from ..store.search import run_search
from .common import ApiError, Ctx, Out

#: ``in`` values of a parameterized search (``SIDEBAR`` is not emulated).
SCOPES = ("ALL", "NAME", "EMAIL", "PHONE")


class SearchApi:
    """``GET search/?q=``, ``GET|POST parameterizedSearch/``."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def search(self, ctx: Ctx) -> Out:
        q = ctx.args.get("q")
        if not q:
            raise ApiError(400, "MALFORMED_SEARCH", "A search string is required (q=...)")
        return Out(200, run_search(self.store, q, view=ctx.schema, api_version=ctx.version))

    def parameterized(self, ctx: Ctx) -> Out:
        """REST API Developer Guide, "Search by Parameter": ``q``, ``in``, ``fields``,
        ``sobjects`` (or GET's ``sobject`` and ``<Object>.fields``/``<Object>.limit``),
        ``overallLimit``, ``defaultLimit``; the answer is ``{"searchRecords": [...]}``."""
        params = _post_params(ctx.json_object()) if ctx.method == "POST" else _get_params(ctx)
        sosl = parameterized_sosl(params)
        return Out(200, run_search(self.store, sosl, view=ctx.schema, api_version=ctx.version))


def _get_params(ctx: Ctx) -> dict[str, Any]:
    args = ctx.args
    default_fields = _split(args.get("fields"))
    sobjects = []
    for name in args.getlist("sobject"):
        sobjects.append(
            {
                "name": name,
                "fields": _split(args.get(f"{name}.fields")) or default_fields,
                "limit": args.get(f"{name}.limit"),
            }
        )
    return {
        "q": args.get("q"),
        "in": args.get("in"),
        "fields": default_fields,
        "sobjects": sobjects,
        "overallLimit": args.get("overallLimit"),
        "defaultLimit": args.get("defaultLimit"),
    }


def _post_params(body: dict[str, Any]) -> dict[str, Any]:
    sobjects = body.get("sobjects") or []
    if not isinstance(sobjects, list) or any(not isinstance(s, dict) for s in sobjects):
        raise ApiError(400, "JSON_PARSER_ERROR", "sobjects must be a list of objects")
    return {**body, "fields": body.get("fields") or []}


def _split(value: str | None) -> list[str]:
    return [v.strip() for v in (value or "").split(",") if v.strip()]


def _limit(value: Any, name: str) -> int | None:
    if value in (None, ""):
        return None
    try:
        n = int(value)
    except (TypeError, ValueError):
        raise ApiError(400, "INVALID_SEARCH", f"{name}: not a number: {value}") from None
    if n < 1:
        raise ApiError(400, "INVALID_SEARCH", f"{name} must be at least 1")
    return n


def parameterized_sosl(params: dict[str, Any]) -> str:
    """The SOSL a parameterized search stands for."""
    q = str(params.get("q") or "").strip()
    if not q:
        raise ApiError(400, "MISSING_ARGUMENT", "Missing argument: q")
    scope = str(params.get("in") or "ALL").upper()
    if scope not in SCOPES:
        raise ApiError(400, "INVALID_SEARCH", f"Invalid scope: {params.get('in')}")
    default_limit = _limit(params.get("defaultLimit"), "defaultLimit")
    default_fields = [str(f) for f in params.get("fields") or []]
    returning = []
    for spec in params.get("sobjects") or []:
        name = str(spec.get("name") or "")
        if not name.replace("_", "").isalnum():
            raise ApiError(400, "INVALID_TYPE", f"Invalid sobject: {name}")
        fields = [str(f) for f in spec.get("fields") or default_fields] or ["Id"]
        clause = ", ".join(fields)
        if spec.get("where"):
            clause += f" WHERE {spec['where']}"
        if spec.get("orderBy"):
            clause += f" ORDER BY {spec['orderBy']}"
        limit = _limit(spec.get("limit"), f"{name}.limit") or default_limit
        if limit:
            clause += f" LIMIT {limit}"
        returning.append(f"{name}({clause})")
    if not returning and (default_fields or default_limit):
        tail = f" LIMIT {default_limit}" if default_limit else ""
        clause = ", ".join(default_fields or ["Id"])
        returning = [f"{n}({clause}{tail})" for n in ("Account", "Contact", "Lead", "Opportunity")]
    escaped = q.replace("\\", "\\\\").replace("{", "\\{").replace("}", "\\}")
    sosl = f"FIND {{{escaped}}} IN {scope} FIELDS"
    if returning:
        sosl += " RETURNING " + ", ".join(returning)
    overall = _limit(params.get("overallLimit"), "overallLimit")
    if overall:
        sosl += f" LIMIT {overall}"
    return sosl
