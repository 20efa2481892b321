"""SOQL over REST: ``query/``, ``queryAll/`` and their ``nextRecordsUrl`` pages."""

from __future__ import annotations

import re
from typing import Any

from ..store import Store
from .common import ApiError, Ctx, Out


def batch_size(ctx: Ctx) -> int:
    """The page size asked for in ``Sforce-Query-Options: batchSize=n`` (200..2000)."""
    opts = ctx.headers.get("Sforce-Query-Options", "")
    m = re.search(r"batchSize\s*=\s*(\d+)", opts)
    if not m:
        return 2000
    return max(200, min(2000, int(m.group(1))))


def run_query(store: Store, ctx: Ctx, *, include_deleted: bool, tooling: bool) -> dict[str, Any]:
    """The first page of ``?q=`` (REST or, with ``tooling``, Tooling API objects)."""
    q = ctx.args.get("q")
    if not q:
        raise ApiError(400, "MALFORMED_QUERY", "A query string is required (q=...)")
    return store.query(
        q,
        include_deleted=include_deleted,
        batch_size=batch_size(ctx),
        api_version=ctx.version,
        tooling=tooling,
        view=ctx.view,
    )


class QueryApi:
    """``query/``, ``queryAll/`` and their locators."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def query(self, ctx: Ctx) -> Out:
        return Out(200, run_query(self.store, ctx, include_deleted=False, tooling=False))

    def query_all(self, ctx: Ctx) -> Out:
        return Out(200, run_query(self.store, ctx, include_deleted=True, tooling=False))

    def query_more(self, ctx: Ctx) -> Out:
        return Out(200, self.store.query_more(ctx.values["locator"], api_version=ctx.version))

    def query_all_more(self, ctx: Ctx) -> Out:
        return Out(
            200,
            self.store.query_more(ctx.values["locator"], api_version=ctx.version, kind="queryAll"),
        )
