"""The control API client's methods for what an org does to its records and schema: Lead
conversion, merges, the recycle bin, record types and state/country picklists (mixed into
:class:`~.testing.EmulatorControl`; see the README's Control API)."""

from __future__ import annotations

from typing import Any, cast


class OrgControlMixin:
    """``/__emulator/leads/<id>/convert``, ``merge``, ``recycle-bin/purge``,
    ``record-types``, ``state-country``."""

    def _call(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        raise NotImplementedError  # EmulatorControl's

    def convert_lead(self, lead_id: str, **options: Any) -> dict[str, str | None]:
        """Convert a Lead as ``convertLead`` does → ``{lead_id, contact_id, account_id,
        opportunity_id}``. ``options``: ``account_id``, ``contact_id``,
        ``create_opportunity``, ``converted_status``, ``opportunity_name``."""
        return self._call("POST", f"leads/{lead_id}/convert", json=options)

    def undelete(self, ids: list[str]) -> list[dict[str, Any]]:
        """Restore records from the recycle bin (Salesforce's undelete) → one result each."""
        return cast(
            "list[dict[str, Any]]", self._call("POST", "undelete", json={"ids": ids})["results"]
        )

    def merge(self, sobject: str, master_id: str, merged_ids: list[str]) -> dict[str, Any]:
        """Merge 1-2 Leads, Contacts or Accounts into ``master_id`` (losers go to the
        recycle bin with ``MasterRecordId`` set) → ``{master_id, merged_ids, reparented}``."""
        body = {"object": sobject, "master_id": master_id, "merged_ids": list(merged_ids)}
        return self._call("POST", "merge", json=body)

    def purge_recycle_bin(
        self, sobject: str | None = None, before: str | None = None
    ) -> dict[str, Any]:
        """Empty the recycle bin of ``sobject`` (None: all) up to ``before`` (ISO datetime,
        default now) → ``{before, purged: {object: rows}}``."""
        return self._call("POST", "recycle-bin/purge", json={"object": sobject, "before": before})

    def add_record_type(
        self,
        sobject: str,
        developer_name: str,
        name: str | None = None,
        *,
        default: bool = False,
        active: bool = True,
    ) -> str:
        """Create a record type of ``sobject`` (Account, Contact, Lead, Opportunity);
        ``default``: the integration user's default from now on. Returns its ``012`` id."""
        body = {
            "object": sobject,
            "developer_name": developer_name,
            "name": name,
            "default": default,
            "active": active,
        }
        return cast("str", self._call("POST", "record-types", json=body)["id"])

    def record_types(self) -> list[dict[str, Any]]:
        """``[{id, object, developer_name, name, active, default}]``."""
        return cast("list[dict[str, Any]]", self._call("GET", "record-types")["record_types"])

    def state_country(self) -> list[dict[str, Any]]:
        """The org's countries: ``[{code, label, active, states: [{code, label, active}]}]``."""
        return cast("list[dict[str, Any]]", self._call("GET", "state-country")["countries"])

    def set_state_country(self, countries: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Replace the org's whole set of countries (and their states); returns it."""
        return cast(
            "list[dict[str, Any]]",
            self._call("PUT", "state-country", json={"countries": countries})["countries"],
        )

    def patch_state_country(
        self,
        countries: list[dict[str, Any]] | None = None,
        *,
        remove: list[str] | None = None,
    ) -> list[dict[str, Any]]:
        """Add or update countries by code (only the keys given; ``states`` merge by code,
        ``remove_states`` drops some), then remove the ``remove`` codes; returns the set."""
        body: dict[str, Any] = {}
        if countries is not None:
            body["countries"] = countries
        if remove is not None:
            body["remove"] = remove
        return cast(
            "list[dict[str, Any]]", self._call("PATCH", "state-country", json=body)["countries"]
        )
