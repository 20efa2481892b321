"""Control API handlers for what an admin builds in Setup around records: duplicate rules
(``/__emulator/duplicate-rules``), validation rules (``/__emulator/validation-rules``) and
custom fields (``/__emulator/fields``). Mixed into :class:`~.control.ControlApi`."""

from __future__ import annotations

from ..store import Store
from .common import Ctx, Out


class RulesControl:
    """``duplicate_rules``, ``validation_rules``, ``fields`` handlers (ValueError → 400)."""

    store: Store

    def duplicate_rules(self, ctx: Ctx) -> Out:
        name = ctx.values.get("name")
        if ctx.method == "POST":
            return Out(201, self.store.add_duplicate_rule(ctx.json()))
        if ctx.method == "DELETE":
            return Out(200, {"deleted": self.store.delete_duplicate_rules(name)})
        return Out(200, {"rules": [r.as_json() for r in self.store.duplicate_rules]})

    def validation_rules(self, ctx: Ctx) -> Out:
        name = ctx.values.get("name")
        if ctx.method == "POST":
            return Out(201, self.store.add_validation_rule(ctx.json()))
        if ctx.method == "DELETE":
            return Out(200, {"deleted": self.store.delete_validation_rules(name)})
        return Out(200, {"rules": [r.as_json() for r in self.store.validation_rules]})

    def fields(self, ctx: Ctx) -> Out:
        if ctx.method == "POST":
            return Out(201, self.store.add_custom_field(ctx.json()))
        if ctx.method == "DELETE":
            spec = self.store.delete_custom_field(ctx.values["obj"], ctx.values["name"])
            return Out(200, {"deleted": spec})
        return Out(200, {"fields": self.store.custom_field_list()})
