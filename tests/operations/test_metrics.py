"""Prometheus /metrics: behind METRICS_TOKEN, every metric hubsync_…, values from the
database after real cycles against the emulator."""

from __future__ import annotations

import math
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from connector.change_events import ALL_CHANGES
from connector.models import ChangeEventState, ChangeEventStream, HeldDeletion, SyncRun
from connector.sync.cycle import sync_cycle_run
from marketing.models import Contact
from operations.models import ProcessHeartbeat
from tests.factories import ContactFactory

pytestmark = pytest.mark.django_db

TOKEN = "scrape-token-0123456789"


def scrape(client: Client, token: str | None = TOKEN, **headers: str):
    if token is not None:
        headers["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    # Prometheus scrapes the container by its address: no Host from ALLOWED_HOSTS.
    return client.get("/metrics", HTTP_HOST="10.0.0.7:8000", **headers)


def families(response) -> dict:
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/plain; version=")
    return {f.name: f for f in text_string_to_metric_families(response.content.decode())}


def value(found: dict, family: str, sample: str | None = None, **labels: str) -> float:
    for s in found[family].samples:
        if s.name == (sample or family) and s.labels == labels:
            return s.value
    raise AssertionError(f"no sample {sample or family}{labels}: {found[family].samples}")


def test_without_metrics_token_there_is_no_endpoint(client, settings):
    settings.METRICS_TOKEN = ""
    assert scrape(client).status_code == 404
    assert scrape(client, token=None).status_code == 404


def test_only_the_bearer_token_opens_it(client, settings, db):
    settings.METRICS_TOKEN = TOKEN
    assert scrape(client, token=None).status_code == 401
    assert scrape(client, token="wrong").status_code == 401
    no_bearer = client.get("/metrics", HTTP_AUTHORIZATION=TOKEN, HTTP_HOST="10.0.0.7")
    assert no_bearer.status_code == 401
    assert scrape(client).status_code == 200
    assert client.post("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}").status_code == 405


def test_metrics_after_real_cycles(client, settings, salesforce, integration_settings):
    settings.METRICS_TOKEN = TOKEN
    integration_settings.api_call_limit = 5_000
    integration_settings.save()
    ContactFactory.create_batch(3)
    # Stored without validation, as an old import might have: Salesforce refuses them.
    Contact.objects.bulk_create(
        [
            Contact(email="user@münchen.example", last_name="Bad"),
            Contact(email="long@bad.example", last_name="L" * 95),
        ]
    )
    salesforce.control.load_records(
        "Lead",
        [
            {"Email": f"sf{i}@acme.example", "LastName": f"Sf{i}", "Company": "Acme"}
            for i in range(2)
        ],
    )
    first = sync_cycle_run(trigger="schedule")
    assert first.status == "succeeded", first.reason
    first.refresh_from_db()
    # Four new contacts; Salesforce's writes fail (503): they stay due for a retry.
    ContactFactory.create_batch(4)
    salesforce.control.add_fault(r"/composite/sobjects", status=503, count=100)
    second = sync_cycle_run(trigger="settings_saved")
    assert second.status == "succeeded", second.reason
    salesforce.control.clear_faults()
    # Salesforce unreachable at login: a failed cycle.
    salesforce.control.add_fault(r"/services/Soap/u/", status=503, count=10)
    third = sync_cycle_run(trigger="command")
    assert third.status == "failed", third.reason
    salesforce.control.clear_faults()
    # What the listener and the mass-delete guard would have written.
    now = timezone.now()
    ChangeEventStream.objects.create(
        topic=ALL_CHANGES,
        state=ChangeEventState.LISTENING,
        heartbeat_at=now,
        last_event_at=now - timedelta(seconds=90),
        events_received=7,
    )
    held = ContactFactory.create_batch(2)
    for contact in held:
        HeldDeletion.objects.create(
            contact=contact, object_type="Lead", salesforce_id="00Q000000000001", cycle="c-1"
        )
    ProcessHeartbeat.objects.create(
        kind="worker", name="w:1", host="w", pid=1, started_at=now, beat_at=now
    )

    found = families(scrape(client))
    assert all(name.startswith("hubsync_") for name in found), sorted(found)
    types = {name: family.type for name, family in found.items()}
    assert types == {
        "hubsync_sync_enabled": "gauge",
        "hubsync_last_successful_cycle_age_seconds": "gauge",
        "hubsync_last_successful_cycle_timestamp_seconds": "gauge",
        "hubsync_cycle_running": "gauge",
        "hubsync_cycle_duration_seconds": "histogram",
        "hubsync_records_sent": "counter",
        "hubsync_records_read": "counter",
        "hubsync_sync_errors_open": "gauge",
        "hubsync_records_due": "gauge",
        "hubsync_api_calls_used": "gauge",
        "hubsync_api_calls_limit": "gauge",
        "hubsync_org_api_calls_used": "gauge",
        "hubsync_org_api_calls_limit": "gauge",
        "hubsync_change_events_listener_connected": "gauge",
        "hubsync_change_events_received": "counter",
        "hubsync_change_events_last_event_age_seconds": "gauge",
        "hubsync_mass_delete_held_contacts": "gauge",
        "hubsync_mass_delete_held_cycles": "gauge",
        "hubsync_process_heartbeat_age_seconds": "gauge",
    }

    assert value(found, "hubsync_sync_enabled") == 1
    age = value(found, "hubsync_last_successful_cycle_age_seconds")
    assert 0 <= age < (timezone.now() - second.finished_at).total_seconds() + 1
    assert value(found, "hubsync_last_successful_cycle_timestamp_seconds") == pytest.approx(
        second.finished_at.timestamp()
    )
    assert value(found, "hubsync_cycle_running") == 0
    # The histogram: each cycle under its trigger and outcome.
    histogram = "hubsync_cycle_duration_seconds"
    for run, trigger, status in (
        (first, "schedule", "succeeded"),
        (second, "settings_saved", "succeeded"),
        (third, "command", "failed"),
    ):
        labels = {"trigger": trigger, "status": status}
        took = (run.finished_at - run.started_at).total_seconds()
        assert value(found, histogram, f"{histogram}_count", **labels) == 1
        assert value(found, histogram, f"{histogram}_sum", **labels) == pytest.approx(
            took, abs=1e-3
        )
        assert value(found, histogram, f"{histogram}_bucket", le="+Inf", **labels) == 1
        assert value(found, histogram, f"{histogram}_bucket", le="3600.0", **labels) == 1
    assert (
        sum(1 for s in found[histogram].samples if s.name.endswith("_count"))
        == SyncRun.objects.values("trigger", "status").distinct().count()
        == 3
    )

    assert (
        value(found, "hubsync_records_sent", "hubsync_records_sent_total", outcome="created") == 3
    )
    assert (
        value(found, "hubsync_records_sent", "hubsync_records_sent_total", outcome="updated") == 0
    )
    assert value(found, "hubsync_records_read", "hubsync_records_read_total") == 2
    errors = "hubsync_sync_errors_open"
    assert value(found, errors, code="INVALID_EMAIL_ADDRESS", needs_fix="true") == 1
    assert value(found, errors, code="STRING_TOO_LONG", needs_fix="true") == 1
    assert len(found[errors].samples) == 2
    assert value(found, "hubsync_records_due") == 4  # the four Salesforce refused with 503

    used = value(found, "hubsync_api_calls_used")
    assert used == first.api_calls + second.api_calls + third.api_calls > 0
    assert value(found, "hubsync_api_calls_limit") == 5_000
    integration_settings.refresh_from_db()
    assert value(found, "hubsync_org_api_calls_used") == integration_settings.org_api_used > 0
    assert (
        value(found, "hubsync_org_api_calls_limit") == integration_settings.org_api_max == 100_000
    )

    assert value(found, "hubsync_change_events_listener_connected") == 1
    assert (
        value(found, "hubsync_change_events_received", "hubsync_change_events_received_total") == 7
    )
    assert 90 <= value(found, "hubsync_change_events_last_event_age_seconds") < 120
    assert value(found, "hubsync_mass_delete_held_contacts") == 2
    assert value(found, "hubsync_mass_delete_held_cycles") == 1
    assert 0 <= value(found, "hubsync_process_heartbeat_age_seconds", process="worker") < 30


def test_before_any_cycle_the_age_is_infinite_and_nothing_fails(client, settings, db):
    settings.METRICS_TOKEN = TOKEN
    found = families(scrape(client))
    assert math.isinf(value(found, "hubsync_last_successful_cycle_age_seconds"))
    assert "hubsync_last_successful_cycle_timestamp_seconds" not in found
    assert found["hubsync_cycle_duration_seconds"].samples == []
    assert value(found, "hubsync_change_events_listener_connected") == 0
