"""What the org's describe says of its own values, cached: hubsync sends what the org has."""

from __future__ import annotations

from django.db import models

from marketing.json_fields import SYNC_WRITTEN_MAX_BYTES, BoundedJSONField


class OrgSchema(models.Model):
    """The org's state and country picklists and its Lead and Contact record types.

    Read from describe by the setup check and, when a setting needs them, by the cycle
    once a day (connector.org_schema). ``fingerprint`` changes when the org's fields,
    their field-level security, the picklist values or the record types change: then
    records that needed a fix are tried again.
    """

    integration_settings = models.OneToOneField(
        "connector.IntegrationSettings", on_delete=models.CASCADE, related_name="org_schema"
    )
    # {"countries": {code: label}, "states": {country: {code: label}}}; null: no picklists.
    picklists = BoundedJSONField(max_bytes=SYNC_WRITTEN_MAX_BYTES, null=True, blank=True)
    # {"Lead": [{"developer_name", "name", "id", "default"}], "Contact": [...]}
    record_types = BoundedJSONField(max_bytes=SYNC_WRITTEN_MAX_BYTES, default=dict, blank=True)
    # {"Lead": [{"name", "label", "type", "length", "createable", "updateable", "custom"}], ...}
    fields = BoundedJSONField(max_bytes=SYNC_WRITTEN_MAX_BYTES, default=dict, blank=True)
    fingerprint = models.CharField(max_length=64, blank=True)
    fetched_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"org schema (read {self.fetched_at:%Y-%m-%d %H:%M})" if self.fetched_at else ""
