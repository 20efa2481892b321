"""The control API client's methods for owners and campaigns (mixed into
:class:`~.testing.EmulatorControl`; see the README's Control API)."""

from __future__ import annotations

from typing import Any, cast


class CampaignControlMixin:
    """``/__emulator/queues``, ``campaigns``, ``campaign-members``, ``PATCH records/<obj>``."""

    def _call(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        raise NotImplementedError  # EmulatorControl's

    def create_queue(self, name: str, developer_name: str | None = None) -> str:
        """A queue (``Group`` of type ``Queue``) that can own Leads → its ``00G`` id."""
        body = {"name": name, "developer_name": developer_name}
        return str(self._call("POST", "queues", json=body)["id"])

    def create_campaign(
        self,
        name: str,
        *,
        statuses: list[dict[str, Any]] | None = None,
        as_user: str | None = None,
        **fields: Any,
    ) -> str:
        """A Campaign → its ``701`` id. ``statuses``: ``[{"label", "has_responded",
        "is_default"}]`` (default: Salesforce's *Sent* (default) and *Responded*);
        ``fields``: ``type``, ``status``, ``is_active``, ``start_date``, ``end_date``."""
        body = {"name": name, "statuses": statuses, "as_user": as_user, **fields}
        return str(self._call("POST", "campaigns", json=body)["id"])

    def add_campaign_members(
        self, members: list[dict[str, Any]], *, as_user: str | None = None
    ) -> list[dict[str, Any]]:
        """CampaignMembers (``{"campaign_id", "lead_id" | "contact_id", "status"}``), through
        the org's rules → one write result each."""
        body = {"members": members, "as_user": as_user}
        return cast(
            "list[dict[str, Any]]", self._call("POST", "campaign-members", json=body)["results"]
        )

    def update_records(
        self, sobject: str, records: list[dict[str, Any]], *, as_user: str | None = None
    ) -> list[dict[str, Any]]:
        """Update records (each with ``Id``) as ``as_user`` (a username; default the first
        user), through the org's rules, without API usage → one write result each."""
        body = {"records": records, "as_user": as_user}
        return cast(
            "list[dict[str, Any]]", self._call("PATCH", f"records/{sobject}", json=body)["results"]
        )
