"""Reads of the connector's state; each query lives here once."""

from __future__ import annotations

from datetime import timedelta

from django.contrib.sites.models import Site
from django.db.models import Sum
from django.utils import timezone

from .mappers import MappingSpec
from .models import ApiCallBucket, FieldMapping, IntegrationSettings, SyncRun


def integration_settings_get(*, site: Site | None = None) -> IntegrationSettings:
    """The settings of this installation (the current Site), created with defaults on first use."""
    site = site or Site.objects.get_current()
    integration_settings, _ = IntegrationSettings.objects.select_related(
        "inclusion_list", "site"
    ).get_or_create(site=site)
    return integration_settings


def api_calls_used_last_24h(*, now=None) -> int:
    """Calls hubsync sent to Salesforce in the rolling 24-hour window."""
    now = now or timezone.now()
    total = ApiCallBucket.objects.filter(minute__gt=now - timedelta(hours=24)).aggregate(
        total=Sum("calls")
    )["total"]
    return total or 0


def field_mappings_get() -> list[MappingSpec]:
    """The field mappings as plain data for the pure mappers."""
    return [
        MappingSpec(
            hubsync_property=m.hubsync_property,
            lead_field=m.lead_field,
            contact_field=m.contact_field,
            sync_rule=m.sync_rule,
        )
        for m in FieldMapping.objects.order_by("id")
    ]


def sync_run_latest() -> SyncRun | None:
    return SyncRun.objects.order_by("-started_at").first()
