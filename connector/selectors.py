"""Reads of the connector's state; each query lives here once."""

from __future__ import annotations

from datetime import timedelta

from django.contrib.sites.models import Site
from django.db.models import Sum
from django.utils import timezone

from .models import ApiCallBucket, IntegrationSettings


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
