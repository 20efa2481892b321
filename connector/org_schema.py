"""The org's own values, from describe: its state and country picklists and its Lead and
Contact record types. Cached in :class:`~connector.models.OrgSchema`; read again by the
setup check (which describes the objects anyway) and by the cycle once a day while a
setting uses them. When what the org offers changes, records that needed a fix are
tried again: the admin's change in Salesforce may be the fix.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from django.utils import timezone

from .client import SalesforceClient
from .geo import Picklists, iso_picklists
from .models import IntegrationSettings, OrgSchema
from .sync.failures import contact_failures_unpark

PEOPLE = ("Lead", "Contact")
REFRESH_EVERY = timedelta(hours=24)


def org_schema_get(integration_settings: IntegrationSettings) -> OrgSchema:
    """The cached row (unsaved and empty when the org was never read)."""
    return OrgSchema.objects.filter(integration_settings=integration_settings).first() or OrgSchema(
        integration_settings=integration_settings
    )


def org_schema_store(
    integration_settings: IntegrationSettings, described: Mapping[str, Mapping[str, Any] | None]
) -> bool:
    """Keep what the describes of Lead and Contact (``{object: describe}``) say; returns
    whether it changed since the last read (then failed records that needed a fix wait no
    more)."""
    if any(not described.get(name) for name in PEOPLE):
        return False  # a describe failed (or is not visible): keep what is known
    opportunity = described.get("Opportunity")
    described = {name: described[name] for name in PEOPLE}
    lead = described["Lead"] or {}
    fields = {f["name"]: f for f in lead.get("fields") or []}
    schema = org_schema_get(integration_settings)
    schema.picklists = _picklists(fields) if "CountryCode" in fields else None
    schema.record_types = {
        name: _record_types(described[name] or {}) for name in PEOPLE if described.get(name)
    }
    known_opportunity = schema.fields.get("Opportunity")
    schema.fields = {name: _fields(described[name] or {}) for name in PEOPLE}
    # Opportunity's fields tell whether the org has several currencies (CurrencyIsoCode);
    # described only while opportunity sync is on: otherwise what is known stays.
    if opportunity or known_opportunity is not None:
        schema.fields["Opportunity"] = _fields(opportunity) if opportunity else known_opportunity
    fingerprint = _fingerprint(described)
    changed = bool(schema.fingerprint) and fingerprint != schema.fingerprint
    schema.fingerprint = fingerprint
    schema.fetched_at = timezone.now()
    schema.save()
    if changed:
        contact_failures_unpark(failed=True)
    return changed


def org_schema_refresh_if_due(
    client: SalesforceClient, integration_settings: IntegrationSettings
) -> None:
    """Describe Lead and Contact again (two calls) when a setting relies on the cache and
    it is older than a day. Settings that use neither cost nothing."""
    if not (
        integration_settings.state_country_picklists
        or integration_settings.lead_record_type
        or integration_settings.contact_record_type
    ):
        return
    schema = org_schema_get(integration_settings)
    if schema.fetched_at and timezone.now() - schema.fetched_at < REFRESH_EVERY:
        return
    org_schema_store(integration_settings, {name: client.describe(name) for name in PEOPLE})


def org_picklists(integration_settings: IntegrationSettings) -> Picklists | None:
    """The org's state/country picklists, or None when the page says it has none; the ISO
    set until the org's own values are read."""
    if not integration_settings.state_country_picklists:
        return None
    values = org_schema_get(integration_settings).picklists
    if not values:
        return iso_picklists()
    return Picklists(values["countries"], values["states"])


def record_types(integration_settings: IntegrationSettings, object_type: str) -> list[dict] | None:
    """The org's active record types of ``object_type`` the integration user may use (not
    Master); None while the org's describe was never read."""
    known = org_schema_get(integration_settings).record_types
    return list(known[object_type]) if object_type in known else None


def record_type_id(integration_settings: IntegrationSettings, object_type: str) -> str | None:
    """The RecordTypeId new records of ``object_type`` get, or None for the user's default.
    Raises LookupError when the chosen record type is not (or no longer) in the org."""
    chosen = (
        integration_settings.lead_record_type
        if object_type == "Lead"
        else integration_settings.contact_record_type
    )
    if not chosen:
        return None
    for record_type in record_types(integration_settings, object_type) or []:
        if record_type["developer_name"] == chosen:
            return record_type["id"]
    raise LookupError(chosen)


def org_fields(integration_settings: IntegrationSettings, object_type: str) -> list[dict] | None:
    """The fields of ``object_type`` the integration user sees (custom ones too), as the last
    describe read them; None while the org was never read."""
    known = org_schema_get(integration_settings).fields
    return list(known[object_type]) if object_type in known else None


def org_multi_currency(integration_settings: IntegrationSettings) -> bool:
    """Whether the org has several currencies (Opportunity has ``CurrencyIsoCode``), as the
    setup check last read it; False while it was never read. (An org cannot turn multiple
    currencies off again once on.)"""
    fields = org_fields(integration_settings, "Opportunity") or []
    return any(f["name"] == "CurrencyIsoCode" for f in fields)


def _fields(describe: Mapping[str, Any]) -> list[dict]:
    return sorted(
        (
            {
                "name": f["name"],
                "label": f.get("label") or f["name"],
                "type": f.get("type", ""),
                "length": f.get("length") or 0,
                "createable": bool(f.get("createable")),
                "updateable": bool(f.get("updateable")),
                "custom": bool(f.get("custom")),
            }
            for f in describe.get("fields") or []
        ),
        key=lambda f: (f["label"].lower(), f["name"]),
    )


def _record_types(describe: Mapping[str, Any]) -> list[dict]:
    return [
        {
            "developer_name": info.get("developerName") or "",
            "name": info.get("name") or "",
            "id": info["recordTypeId"],
            "default": bool(info.get("defaultRecordTypeMapping")),
        }
        for info in describe.get("recordTypeInfos") or []
        if info.get("active", True) and info.get("available", True) and not info.get("master")
    ]


def _picklists(fields: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """Active countries, and each country's active states (StateCode's ``validFor`` is a
    bitmap over CountryCode's values, most significant bit first)."""
    country_values = fields["CountryCode"].get("picklistValues") or []
    countries = {v["value"]: v["label"] for v in country_values if v.get("active", True)}
    states: dict[str, dict[str, str]] = {}
    for value in (fields.get("StateCode") or {}).get("picklistValues") or []:
        if not value.get("active", True) or not value.get("validFor"):
            continue
        bits = base64.b64decode(value["validFor"])
        for index, country in enumerate(country_values):
            valid = index // 8 < len(bits) and bits[index // 8] & (0x80 >> (index % 8))
            if valid and country["value"] in countries:
                states.setdefault(country["value"], {})[value["value"]] = value["label"]
    return {"countries": countries, "states": states}


def _fingerprint(described: Mapping[str, Mapping[str, Any] | None]) -> str:
    """What a record's fate can depend on: fields, their access, picklists, record types."""
    shape = {
        name: {
            "fields": sorted(
                (
                    f["name"],
                    bool(f.get("createable")),
                    bool(f.get("updateable")),
                    bool(f.get("nillable")),
                    sorted(
                        (v["value"], v.get("validFor") or "")
                        for v in f.get("picklistValues") or []
                        if v.get("active", True)
                    ),
                )
                for f in (describe or {}).get("fields") or []
            ),
            "record_types": sorted(
                (info["recordTypeId"], bool(info.get("active", True)), bool(info.get("available")))
                for info in (describe or {}).get("recordTypeInfos") or []
            ),
        }
        for name, describe in sorted(described.items())
    }
    return hashlib.sha256(json.dumps(shape, default=str).encode()).hexdigest()
