"""Prometheus metrics, computed from the database at scrape time.

A custom collector (prometheus_client's ``Collector``) reads the state every process
writes to the database — runs, errors, the push queue, API call buckets, the change-event
stream, heartbeats — so the figures are the same whichever web process is scraped and
however many workers run (no per-process counters to add up). Every metric is named
``hubsync_…``.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from functools import cache

from django.utils import timezone
from prometheus_client.core import (
    CollectorRegistry,
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)
from prometheus_client.registry import Collector

from connector.models import ChangeEventStream, IntegrationSettings, SyncRun, SyncRunStatus
from connector.selectors import (
    api_calls_used_last_24h,
    change_events_mode,
    integration_settings_get,
)

from .models import ProcessHeartbeat, ProcessKind
from .selectors import (
    CYCLE_DURATION_BUCKETS,
    contacts_due_total,
    held_deletions_counts,
    sync_errors_open_by_code,
    sync_records_moved,
    sync_run_durations,
)


class HubsyncCollector(Collector):
    def collect(self) -> Iterator[Metric]:
        integration_settings = integration_settings_get()
        yield _gauge(
            "hubsync_sync_enabled",
            "1 when the sync is turned on in the settings, else 0.",
            int(integration_settings.sync_enabled),
        )
        yield from _cycles()
        yield from _records()
        yield from _errors()
        yield _gauge(
            "hubsync_records_due",
            "Contacts waiting to be sent to Salesforce (retries waiting for back-off included).",
            contacts_due_total(),
        )
        yield from _api_calls(integration_settings)
        yield from _change_events(integration_settings)
        held = held_deletions_counts()
        yield _gauge(
            "hubsync_mass_delete_held_contacts",
            "Contacts whose delete in Salesforce the mass-delete guard holds for approval.",
            held["contacts"],
        )
        yield _gauge(
            "hubsync_mass_delete_held_cycles",
            "Cycles whose deletes the mass-delete guard holds for approval.",
            held["cycles"],
        )
        yield from _heartbeats()


def _gauge(name: str, documentation: str, value: float) -> GaugeMetricFamily:
    return GaugeMetricFamily(name, documentation, value=value)


def _cycles() -> Iterator[Metric]:
    now = timezone.now()
    last = (
        SyncRun.objects.filter(status=SyncRunStatus.SUCCEEDED, finished_at__isnull=False)
        .order_by("-finished_at")
        .values_list("finished_at", flat=True)
        .first()
    )
    yield _gauge(
        "hubsync_last_successful_cycle_age_seconds",
        "Seconds since the last sync cycle that succeeded ended (+Inf: none yet).",
        (now - last).total_seconds() if last else math.inf,
    )
    if last:
        yield _gauge(
            "hubsync_last_successful_cycle_timestamp_seconds",
            "When the last sync cycle that succeeded ended (Unix time).",
            last.timestamp(),
        )
    running = SyncRun.objects.filter(status=SyncRunStatus.RUNNING).exists()
    yield _gauge("hubsync_cycle_running", "1 while a sync cycle runs, else 0.", int(running))
    histogram = HistogramMetricFamily(
        "hubsync_cycle_duration_seconds",
        "How long finished sync cycles took, by trigger and outcome.",
        labels=["trigger", "status"],
    )
    for row in sync_run_durations():
        buckets = [
            (_bound(bound), row[f"le_{i}"]) for i, bound in enumerate(CYCLE_DURATION_BUCKETS)
        ]
        buckets.append(("+Inf", row["count"]))
        histogram.add_metric([row["trigger"], row["status"]], buckets, row["seconds"])
    yield histogram


def _bound(bound: float) -> str:
    return f"{float(bound)}"


def _records() -> Iterator[Metric]:
    moved = sync_records_moved()
    sent = CounterMetricFamily(
        "hubsync_records_sent",
        "Leads and Contacts sync cycles wrote to Salesforce, by outcome.",
        labels=["outcome"],
    )
    sent.add_metric(["created"], moved["push_created"])
    sent.add_metric(["updated"], moved["push_updated"])
    yield sent
    yield CounterMetricFamily(
        "hubsync_records_read",
        "Leads and Contacts changed in Salesforce that sync cycles read (not hubsync's echoes).",
        value=moved["pull_read"],
    )


def _errors() -> Iterator[Metric]:
    errors = GaugeMetricFamily(
        "hubsync_sync_errors_open",
        "Records failing to sync, by Salesforce's error code and whether they need a fix.",
        labels=["code", "needs_fix"],
    )
    for row in sync_errors_open_by_code():
        errors.add_metric([row["code"], str(row["needs_fix"]).lower()], row["count"])
    yield errors


def _api_calls(integration_settings: IntegrationSettings) -> Iterator[Metric]:
    yield _gauge(
        "hubsync_api_calls_used",
        "Calls hubsync sent to Salesforce in the rolling 24-hour window.",
        api_calls_used_last_24h(),
    )
    if integration_settings.api_call_limit is not None:
        yield _gauge(
            "hubsync_api_calls_limit",
            "hubsync's own limit of Salesforce calls per 24 hours (absent: none set).",
            integration_settings.api_call_limit,
        )
    if integration_settings.org_api_max:
        yield _gauge(
            "hubsync_org_api_calls_used",
            "The org's API calls in its 24-hour window, as Salesforce last reported it.",
            integration_settings.org_api_used or 0,
        )
        yield _gauge(
            "hubsync_org_api_calls_limit",
            "The org's daily API call limit, as Salesforce last reported it.",
            integration_settings.org_api_max,
        )


def _change_events(integration_settings: IntegrationSettings) -> Iterator[Metric]:
    connected = change_events_mode(integration_settings)[0] == "events"
    yield _gauge(
        "hubsync_change_events_listener_connected",
        "1 while the change-event listener is subscribed and alive, else 0.",
        int(connected),
    )
    stream = ChangeEventStream.objects.order_by("pk").first()
    if stream is not None:
        yield CounterMetricFamily(
            "hubsync_change_events_received",
            "Change events the listener received.",
            value=stream.events_received,
        )
    if stream is not None and stream.last_event_at is not None:
        yield _gauge(
            "hubsync_change_events_last_event_age_seconds",
            "Seconds since the listener last received change events.",
            (timezone.now() - stream.last_event_at).total_seconds(),
        )


def _heartbeats() -> Iterator[Metric]:
    now = timezone.now()
    ages = GaugeMetricFamily(
        "hubsync_process_heartbeat_age_seconds",
        "Seconds since the freshest heartbeat of each process kind (worker, beat, listener).",
        labels=["process"],
    )
    for kind in ProcessKind.values:
        last = (
            ProcessHeartbeat.objects.filter(kind=kind)
            .order_by("-beat_at")
            .values_list("beat_at", flat=True)
            .first()
        )
        if last is not None:
            ages.add_metric([kind], (now - last).total_seconds())
    yield ages


@cache
def registry() -> CollectorRegistry:
    """hubsync's own registry: only its collector (no process or Python metrics)."""
    collectors = CollectorRegistry(auto_describe=False)
    collectors.register(HubsyncCollector())
    return collectors
