"""SOSL over REST: ``search/?q=FIND {...} ...`` (the engine is :mod:`..store.search`)."""

from __future__ import annotations

from ..store import Store
from ..store.search import run_search
from .common import ApiError, Ctx, Out


class SearchApi:
    """``GET search/?q=``."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def search(self, ctx: Ctx) -> Out:
        q = ctx.args.get("q")
        if not q:
            raise ApiError(400, "MALFORMED_SEARCH", "A search string is required (q=...)")
        return Out(200, run_search(self.store, q, view=ctx.schema, api_version=ctx.version))
