"""Control API endpoints for what an admin or a user does to records outside the API:
lead conversion, merges, restoring from and emptying the recycle bin
(``/__emulator/leads/<id>/convert``, ``/__emulator/merge``, ``/__emulator/undelete``,
``/__emulator/recycle-bin/purge``). Like the rest of the control API
they use no API calls; bad input is a ValueError, answered 400 ``{"error": ...}``."""

from __future__ import annotations

from ..store import Store
from ..store.conversion import DEFAULT_CONVERTED_STATUS, convert_lead
from ..store.merge import merge_records
from .common import Ctx, Out


class LifecycleControl:
    """Mixed into :class:`~.control.ControlApi` (which sets ``store``)."""

    store: Store

    def undelete(self, ctx: Ctx) -> Out:
        ids = (ctx.json() or {}).get("ids")
        if not isinstance(ids, list) or not ids:
            raise ValueError('expected {"ids": ["001...", ...]}')
        user_id = self.store.any_user_id()
        results = self.store.undelete([str(i) for i in ids], user_id=user_id)
        return Out(200, {"results": [r.as_json() for r in results]})

    def convert_lead(self, ctx: Ctx) -> Out:
        body = ctx.json() or {}
        result = convert_lead(
            self.store,
            ctx.values["lead_id"],
            account_id=body.get("account_id") or None,
            contact_id=body.get("contact_id") or None,
            create_opportunity=bool(body.get("create_opportunity", False)),
            converted_status=body.get("converted_status") or DEFAULT_CONVERTED_STATUS,
            opportunity_name=body.get("opportunity_name") or None,
        )
        return Out(200, result)

    def merge(self, ctx: Ctx) -> Out:
        body = ctx.json()
        return Out(
            200, merge_records(self.store, body["object"], body["master_id"], body["merged_ids"])
        )

    def purge_recycle_bin(self, ctx: Ctx) -> Out:
        body = ctx.json() or {}
        return Out(200, self.store.purge_recycle_bin(body.get("object"), body.get("before")))
