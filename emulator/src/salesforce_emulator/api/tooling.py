"""The Tooling API: ``tooling/query/`` over the tooling objects (installed packages)."""

from __future__ import annotations

import re

from ..store import Store
from .common import Ctx, Out
from .query import run_query


def _entity(soql: str) -> str | None:
    m = re.search(r"\bfrom\s+([A-Za-z0-9_]+)", soql, re.IGNORECASE)
    return m.group(1) if m else None


class ToolingApi:
    """``tooling/query/`` and its locators (Tooling's own page shape)."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def query(self, ctx: Ctx) -> Out:
        res = run_query(self.store, ctx, include_deleted=False, tooling=True)
        res = {
            "size": res["totalSize"],
            "totalSize": res["totalSize"],
            "done": res["done"],
            "queryLocator": None,
            "entityTypeName": _entity(ctx.args.get("q") or ""),
            **res,
        }
        return Out(200, res)

    def query_more(self, ctx: Ctx) -> Out:
        return Out(
            200,
            self.store.query_more(
                ctx.values["locator"], api_version=ctx.version, kind="tooling/query"
            ),
        )
