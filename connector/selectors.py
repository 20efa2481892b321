"""Reads of the connector's state; each query lives here once."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings as django_settings
from django.contrib.sites.models import Site
from django.db.models import Sum
from django.db.models.functions import TruncHour
from django.utils import timezone
from django.utils.translation import gettext as _

from .change_events import ChangeEvent
from .mappers import MappingSpec
from .merge import salesforce_text
from .messages import message_read
from .models import (
    ActivityLink,
    ApiCallBucket,
    ChangeEventState,
    ChangeEventStream,
    ContactSyncState,
    CrmTaskLink,
    FieldMapping,
    IntegrationSettings,
    OrgUsageSample,
    SyncError,
    SyncRun,
    SyncRunStatus,
)
from .validators import SALESFORCE_FIELD_NAME


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
    """The field mappings as plain data for the pure mappers. A field name that is not a
    Salesforce API name (a row stored before connector.validators held it) is left out, as
    if unmapped: it would otherwise go into the SELECT list of every query."""

    def usable(name: str) -> str:
        return name if SALESFORCE_FIELD_NAME.match(name or "") else ""

    return [
        MappingSpec(
            hubsync_property=m.hubsync_property,
            lead_field=usable(m.lead_field),
            contact_field=usable(m.contact_field),
            sync_rule=m.sync_rule,
        )
        for m in FieldMapping.objects.order_by("id")
    ]


def field_mappings_list() -> list[FieldMapping]:
    """The field mappings as rows (the Field mappings page), in their order."""
    return list(FieldMapping.objects.order_by("id"))


def sync_run_latest() -> SyncRun | None:
    return SyncRun.objects.order_by("-started_at").first()


def api_usage_by_hour(*, now: datetime | None = None) -> list[dict]:
    """The last 24 hours, hour by hour: hubsync's calls and the org's usage (two queries)."""
    now = (now or timezone.now()).replace(minute=0, second=0, microsecond=0)
    start = now - timedelta(hours=23)
    calls: dict[datetime, int] = {}
    for row in (
        ApiCallBucket.objects.filter(minute__gte=start)
        .annotate(hour=TruncHour("minute"))
        .values("hour")
        .annotate(total=Sum("calls"))
    ):
        calls[row["hour"]] = row["total"]
    org = {s.hour: s for s in OrgUsageSample.objects.filter(hour__gte=start)}
    hours = []
    for offset in range(24):
        hour = start + timedelta(hours=offset)
        sample = org.get(hour)
        hours.append(
            {
                "hour": hour,
                "calls": calls.get(hour, 0),
                "org_used": sample.used if sample else None,
                "org_max": sample.max if sample else None,
            }
        )
    return hours


def sync_errors_open(*, object_type: str = "", code: str = ""):
    """Failed records still failing, newest first, filterable by object and error code."""
    errors = SyncError.objects.filter(resolved_at__isnull=True).select_related("contact")
    if object_type:
        errors = errors.filter(object_type=object_type)
    if code:
        errors = errors.filter(code=code)
    return errors.order_by("-updated_at", "-id")


def sync_error_facets() -> dict[str, list[str]]:
    """The objects and codes open errors have, for the filter dropdowns."""
    # order_by(): the model's default ordering would make DISTINCT return a row per error.
    open_errors = SyncError.objects.filter(resolved_at__isnull=True).order_by()
    return {
        "object_types": sorted(open_errors.values_list("object_type", flat=True).distinct()),
        "codes": sorted(open_errors.values_list("code", flat=True).distinct()),
    }


def contact_sync_overview(*, contact, history_length: int = 25) -> dict:
    """What the sync knows of one contact: open errors, opportunities, its latest history,
    its record's owner in Salesforce ("Queue: <name>" for a queue), its campaigns."""
    from .owners import salesforce_owner_label

    state = ContactSyncState.objects.filter(contact=contact).first()
    return {
        "salesforce_owner": salesforce_owner_label(state.salesforce_owner_id if state else ""),
        "campaign_memberships": contact.campaign_memberships.select_related("campaign").order_by(
            "campaign__name"
        ),
        "errors": SyncError.objects.filter(contact=contact, resolved_at__isnull=True),
        "roles": contact.opportunity_roles.select_related("opportunity").order_by(
            "-opportunity__close_date"
        ),
        "events": contact.sync_events.all()[:history_length],
    }


#: The listener writes a heartbeat at most a minute apart while the stream answers
#: (Salesforce's keepalives come about every 4.5 minutes when nothing happens).
CHANGE_EVENTS_STALE_AFTER = timedelta(minutes=10)


def change_events_mode(integration_settings: IntegrationSettings) -> tuple[str, str]:
    """How Salesforce's changes arrive: ("events", "") while the Change Data Capture
    listener is subscribed and alive; else ("polling", why not events — "" when they are off
    on the page)."""
    if not (integration_settings.sync_enabled and integration_settings.change_events):
        return "polling", ""
    stream = ChangeEventStream.objects.order_by("pk").first()
    fresh = bool(
        stream
        and stream.heartbeat_at
        and stream.heartbeat_at >= timezone.now() - CHANGE_EVENTS_STALE_AFTER
    )
    if stream is None or not fresh or stream.state == ChangeEventState.OFF:
        return "polling", _(
            "the change-event listener is not running (manage.py salesforce_listen)"
        )
    if stream.state == ChangeEventState.LISTENING:
        return "events", ""
    return "polling", stream.detail or stream.get_state_display()


def change_events_flowing(integration_settings: IntegrationSettings) -> bool:
    """Whether the listener is subscribed and alive (beat's polling is then only the
    safety net, SALESFORCE_EVENTS_POLL_MINUTES apart)."""
    return change_events_mode(integration_settings)[0] == "events"


def safety_net_not_due() -> bool:
    """Change events flow and a cycle finished less than SALESFORCE_EVENTS_POLL_MINUTES ago:
    beat's scheduled cycle is not needed (an idle org then costs no call)."""
    if not change_events_flowing(integration_settings_get()):
        return False
    since = timezone.now() - timedelta(minutes=django_settings.SALESFORCE_EVENTS_POLL_MINUTES)
    return SyncRun.objects.filter(
        finished_at__gte=since,
        status__in=[SyncRunStatus.SUCCEEDED, SyncRunStatus.STOPPED],
    ).exists()


#: How far a create's commit time and hubsync's record of its push may lie apart for the
#: event to be taken for that push: the push is recorded once its call has answered (a
#: Bulk API 2.0 job takes minutes), and two machines' clocks differ by a few seconds.
OWN_WRITE_BEFORE = timedelta(seconds=5)
OWN_WRITE_AFTER = timedelta(minutes=10)


def change_events_written_by_hubsync(
    events: Sequence[ChangeEvent], *, mappings: Sequence[MappingSpec]
) -> set[int]:
    """The positions in ``events`` (unmarked API writes by hubsync's user,
    connector.change_events.change_event_maybe_own) that hubsync made itself, known by what
    it wrote: a create of a Lead or Contact it pushed (``ContactSyncState.last_pushed_at``)
    or of a Task it wrote (task and activity links) at the event's commit time; an update
    whose every mapped value is the one hubsync already has as synced (``synced_values``:
    what it pushed or read last). Anything else is read: a needless cycle costs calls, a
    missed change costs the promise."""
    ids = [e.record_ids[0] for e in events if e.record_ids]
    states = {
        record_id: (at, base)
        for record_id, at, base in ContactSyncState.objects.filter(
            contact__salesforce_id__in=ids
        ).values_list("contact__salesforce_id", "last_pushed_at", "synced_values")
    }
    created: dict[str, list[datetime]] = {
        record_id: [at] for record_id, (at, _) in states.items() if at is not None
    }
    for links in (CrmTaskLink.objects, ActivityLink.objects):
        for record_id, at in links.filter(salesforce_id__in=ids).values_list(
            "salesforce_id", "created_at"
        ):
            created.setdefault(record_id, []).append(at)
    own = set()
    for index, event in enumerate(events):
        record_id = event.record_ids[0] if event.record_ids else ""
        if event.change_type == "CREATE":
            if any(
                event.commit_timestamp - OWN_WRITE_BEFORE <= at
                and at <= event.commit_timestamp + OWN_WRITE_AFTER
                for at in created.get(record_id, ())
            ):
                own.add(index)
        elif record_id in states and _values_synced(event, states[record_id][1], mappings):
            own.add(index)
    return own


def _values_synced(
    event: ChangeEvent, base: dict[str, str], mappings: Sequence[MappingSpec]
) -> bool:
    """Whether every mapped field the update changed holds the value hubsync synced (the
    placeholder hubsync writes into a required field counting as blank)."""
    field_name = "lead_field" if event.entity == "Lead" else "contact_field"
    properties = {getattr(m, field_name): m.hubsync_property for m in mappings}
    return all(
        properties[name] in base and salesforce_text(event.values, name) == base[properties[name]]
        for name in event.values
        if name in properties
    )


def setup_check_get(integration_settings: IntegrationSettings) -> dict[str, Any] | None:
    """The last setup check as stored, each line's message and fix read back from their keys
    (connector.messages), to show with ``in_language``."""
    report = integration_settings.setup_check
    if not report or "checks" not in report:
        return report
    return {
        **report,
        "checks": [
            {
                **check,
                "message": message_read(check.get("message", ""), check.get("message_said")),
                "fix": message_read(check.get("fix", ""), check.get("fix_said")),
            }
            for check in report["checks"]
        ],
    }
