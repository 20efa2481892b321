"""Control API endpoints for owners and campaigns: queues (``/__emulator/queues``),
campaigns with their member statuses (``/__emulator/campaigns``), campaign members
(``/__emulator/campaign-members``) and updates of any records as a given user
(``PATCH /__emulator/records/<obj>``: a rep reassigning a Lead, changing a member's status).
Writes go through the store's rules (an inactive owner, a second membership or a status the
campaign lacks are refused per record) but cost no API calls."""

from __future__ import annotations

from typing import Any

from ..schema import OBJECTS, get_object
from ..store import Store
from .common import Ctx, Out


class CampaignsControl:
    """Mixed into :class:`~.control.ControlApi` (which sets ``store``)."""

    store: Store

    def _acting_user(self, body: dict[str, Any]) -> str | None:
        who = body.get("as_user")
        if not who:
            return self.store.any_user_id()
        user = self.store.user_by_username(str(who))
        if user is None:
            raise ValueError(f"no active user {who!r}")
        return str(user["user_id"])

    def queues(self, ctx: Ctx) -> Out:
        body = ctx.json() or {}
        name = str(body.get("name") or "").strip()
        if not name:
            raise ValueError('expected {"name": "<queue name>"}')
        developer = body.get("developer_name") or name.replace(" ", "_")
        res = self.store.insert(
            "Group",
            [{"Name": name, "DeveloperName": developer, "Type": "Queue"}],
            user_id=self.store.any_user_id(),
            run_rules=False,
        )[0]
        if not res.success:
            raise ValueError(res.errors[0]["message"])
        return Out(201, {"id": res.id, "name": name})

    def campaigns(self, ctx: Ctx) -> Out:
        body = ctx.json() or {}
        values = {
            "Name": body.get("name"),
            "Type": body.get("type"),
            "Status": body.get("status") or "Planned",
            "IsActive": bool(body.get("is_active", True)),
            "StartDate": body.get("start_date"),
            "EndDate": body.get("end_date"),
        }
        user_id = self._acting_user(body)
        with self.store.lock, self.store.transaction():
            res = self.store.insert("Campaign", [values], user_id=user_id, run_rules=False)[0]
            if not res.success:
                raise ValueError(res.errors[0]["message"])
            statuses = body.get("statuses")
            if statuses:
                self._replace_statuses(res.id or "", statuses, user_id)
        return Out(201, {"id": res.id, "name": values["Name"]})

    def _replace_statuses(self, campaign_id: str, statuses: Any, user_id: str | None) -> None:
        if not isinstance(statuses, list) or not all(
            isinstance(s, dict) and s.get("label") for s in statuses
        ):
            raise ValueError('statuses: expected [{"label", "has_responded", "is_default"}]')
        defaults = [s for s in statuses if s.get("is_default")]
        if len(defaults) > 1:
            raise ValueError("statuses: at most one is_default")
        self.store.conn.execute(
            'DELETE FROM "CampaignMemberStatus" WHERE "CampaignId" = ?', (campaign_id,)
        )
        rows = [
            {
                "CampaignId": campaign_id,
                "Label": s["label"],
                "HasResponded": bool(s.get("has_responded", False)),
                "IsDefault": bool(s.get("is_default")) or (not defaults and n == 0),
                "SortOrder": n + 1,
            }
            for n, s in enumerate(statuses)
        ]
        for res in self.store.insert("CampaignMemberStatus", rows, user_id=user_id):
            if not res.success:
                raise ValueError(res.errors[0]["message"])

    def campaign_members(self, ctx: Ctx) -> Out:
        body = ctx.json() or {}
        members = body.get("members")
        if not isinstance(members, list):
            raise ValueError('expected {"members": [{"campaign_id", "lead_id"|"contact_id"}]}')
        rows = [
            {
                "CampaignId": m.get("campaign_id"),
                "LeadId": m.get("lead_id"),
                "ContactId": m.get("contact_id"),
                **({"Status": m["status"]} if m.get("status") else {}),
            }
            for m in members
        ]
        results = self.store.insert("CampaignMember", rows, user_id=self._acting_user(body))
        return Out(200, {"results": [r.as_json() for r in results]})

    def update_records(self, ctx: Ctx) -> Out:
        obj = OBJECTS.get(ctx.values["obj"]) or get_object(ctx.values["obj"])
        if obj is None:
            raise ValueError(f"unknown object {ctx.values['obj']}")
        body = ctx.json() or {}
        results = self.store.update(obj.name, body["records"], user_id=self._acting_user(body))
        return Out(200, {"results": [r.as_json() for r in results]})
