"""Control API handlers for what an admin sets up in Setup: record types
(``/__emulator/record-types``) and the state and country picklists
(``/__emulator/state-country``). Mixed into :class:`~.control.ControlApi`."""

from __future__ import annotations

from ..store import Store
from .common import Ctx, Out


class SetupControl:
    """``record_types`` and ``state_country`` handlers (bad input: ValueError → 400)."""

    store: Store

    def record_types(self, ctx: Ctx) -> Out:
        if ctx.method == "GET":
            return Out(200, {"record_types": self.store.list_record_types()})
        body = ctx.json()
        if not isinstance(body, dict):
            raise ValueError('expected {"object", "developer_name", "name"?, "active"?, ...}')
        unknown = set(body) - {"object", "developer_name", "name", "active", "default"}
        if unknown:
            raise ValueError(f"unknown keys: {', '.join(sorted(unknown))}")
        created = self.store.add_record_type(
            body.get("object", ""),
            body.get("developer_name", ""),
            body.get("name"),
            active=body.get("active", True),
            default=body.get("default", False),
        )
        return Out(201, created)

    def state_country(self, ctx: Ctx) -> Out:
        if ctx.method == "PUT":
            return Out(200, self.store.replace_state_country(ctx.json()))
        if ctx.method == "PATCH":
            return Out(200, self.store.patch_state_country(ctx.json()))
        return Out(200, self.store.places.as_json())
