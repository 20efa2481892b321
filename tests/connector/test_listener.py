"""Change Data Capture: the listener against the emulator's Pub/Sub API (real gRPC).

The listener runs in a thread of this process (its own database connection: the tests are
transactional) or, for the kill test, as ``manage.py salesforce_listen`` in a subprocess.
Changes are made in Salesforce by a sales rep (another user than hubsync's), through
simple-salesforce over HTTP.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from connector.change_events import ALL_CHANGES
from connector.listener import BACKOFF_FIRST_S, CATCH_UP_TRIGGER, ChangeListener
from connector.models import (
    ChangeEventState,
    ChangeEventStream,
    ContactSyncEvent,
    SyncEventOutcome,
    SyncRun,
    SyncRunStatus,
)
from connector.selectors import change_events_flowing, safety_net_not_due
from connector.sync.cycle import sync_cycle_run
from connector.tasks import salesforce_sync
from marketing.models import Contact
from tests.factories import ContactFactory
from tests.workers import worker_env

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parents[2]
REP = ("rep@acme.example", "rep-Password-1", "REPTOKEN")


def wait_for(condition: Callable[[], object], *, timeout: float = 60, what: str) -> object:
    """Polls ``condition`` until it holds; the deadline only ends a wait for something lost
    (a loaded machine takes seconds for what an idle one does at once)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def stream() -> ChangeEventStream | None:
    return ChangeEventStream.objects.filter(topic=ALL_CHANGES).first()


def listening() -> bool:
    current = stream()
    return bool(current and current.state == ChangeEventState.LISTENING)


@pytest.fixture
def org(salesforce, settings):
    """The emulator with a sales rep, hubsync pointed at its Pub/Sub API, keepalives fast."""
    salesforce.control.create_user(*REP)
    salesforce.control.configure_org(pubsub_keepalive_s=0.5)
    settings.SALESFORCE_PUBSUB_URL = f"grpc://{salesforce.pubsub_address}"
    salesforce.rep = salesforce.salesforce(*REP)
    return salesforce


@pytest.fixture
def listener(org) -> Iterator[ChangeListener]:
    running = ChangeListener(stop=threading.Event())
    thread = threading.Thread(target=running.run, daemon=True)
    thread.start()
    wait_for(listening, what="the subscription")
    # Subscribed from now on (no replay id yet): a cycle reads what came before.
    wait_for(
        lambda: (
            SyncRun.objects.filter(trigger=CATCH_UP_TRIGGER)
            .exclude(status=SyncRunStatus.RUNNING)
            .exists()
        ),
        what="the catch-up cycle",
    )
    yield running
    running.cancel()
    thread.join(timeout=10)
    assert not thread.is_alive()


def new_lead(rep, n: int) -> str:
    return rep.Lead.create(
        {"LastName": f"Event{n}", "Company": "CDC", "Email": f"event{n}@cdc.example"}
    )["id"]


@pytest.mark.slow
def test_a_change_in_salesforce_reaches_hubsync_in_seconds(org, listener):
    new_lead(org.rep, 1)
    contact = wait_for(
        lambda: Contact.objects.filter(email="event1@cdc.example").first(),
        what="the Lead's contact",
    )
    assert contact.last_name == "Event1"
    run = wait_for(
        lambda: SyncRun.objects.filter(trigger="change_event").exclude(status="running").first(),
        what="the cycle's end",
    )
    assert run.status == SyncRunStatus.SUCCEEDED
    first = wait_for(lambda: (s := stream()).events_received == 1 and s, what="the replay id")
    org.rep.Lead.update(contact.salesforce_id, {"LastName": "Renamed"})
    wait_for(
        lambda: Contact.objects.filter(pk=contact.pk, last_name="Renamed").exists(),
        what="the update",
    )
    # The replay id moves on once the cycle that read the event has finished.
    current = wait_for(
        lambda: (s := stream()).events_received == 2 and s, what="the stored replay id"
    )
    assert int.from_bytes(current.replay_id, "big") > int.from_bytes(first.replay_id, "big")
    assert SyncRun.objects.filter(trigger="change_event").count() == 2
    assert change_events_flowing(org_settings())


def org_settings():
    from connector.selectors import integration_settings_get

    return integration_settings_get()


@pytest.mark.slow
def test_hubsyncs_own_writes_come_back_as_echoes_and_start_no_cycle(org, listener):
    ContactFactory.create_batch(3)
    run = sync_cycle_run(trigger="test")
    assert run.counts["push_created"] == 3
    # The three creates come back as change events by hubsync's own user.
    wait_for(lambda: stream().events_received >= 3, what="the echoes")
    assert not SyncRun.objects.filter(trigger="change_event").exists()


@pytest.mark.slow
def test_while_events_flow_beat_polls_only_as_the_safety_net(org, listener, settings):
    # The listener's catch-up cycle has just finished: beat's next cycle is not needed.
    assert safety_net_not_due() is True
    SyncRun.objects.update(finished_at=timezone.now() - timedelta(minutes=61))
    assert safety_net_not_due() is False  # an hour without a cycle: the safety net runs
    assert sync_cycle_run(trigger="test").status == SyncRunStatus.SUCCEEDED
    assert safety_net_not_due() is True
    assert salesforce_sync.run(trigger="schedule") == {"run": None, "status": "not_due"}
    settings.SALESFORCE_EVENTS_POLL_MINUTES = 0
    assert safety_net_not_due() is False


def test_without_change_data_capture_the_listener_says_so_and_beat_polls(org, settings):
    org.control.configure_org(pubsub_enabled=False)
    running = ChangeListener(stop=threading.Event())
    thread = threading.Thread(target=running.run, daemon=True)
    thread.start()
    try:
        current = wait_for(
            lambda: (s := stream()) and s.state == ChangeEventState.UNAVAILABLE and s,
            what="the unavailable state",
        )
    finally:
        running.cancel()
        thread.join(timeout=10)
    assert current.detail.startswith("UNAVAILABLE: The Pub/Sub API is unavailable.")
    assert change_events_flowing(org_settings()) is False
    assert safety_net_not_due() is False


@pytest.mark.slow
def test_past_the_replay_window_it_catches_up_by_polling_and_listens_on(org):
    contact_before = new_lead(org.rep, 1)
    purged_through = org.control.expire_change_events()["purged_through"]
    # The listener had applied the events before the Lead's, which has left the window since
    # (replay ids are sequence numbers; what earlier tests published does not matter).
    missed = (purged_through - 1).to_bytes(8, "big")
    ChangeEventStream.objects.create(topic=ALL_CHANGES, replay_id=missed)
    running = ChangeListener(stop=threading.Event())
    thread = threading.Thread(target=running.run, daemon=True)
    thread.start()
    try:
        # The catch-up cycle reads the change the expired events told of.
        wait_for(
            lambda: Contact.objects.filter(email="event1@cdc.example").exists(),
            what="the catch-up",
        )
        assert Contact.objects.get(email="event1@cdc.example").salesforce_id == contact_before
        new_lead(org.rep, 2)
        wait_for(
            lambda: Contact.objects.filter(email="event2@cdc.example").exists(),
            what="a change after the catch-up",
        )
    finally:
        running.cancel()
        thread.join(timeout=10)
    assert stream().state == ChangeEventState.OFF


@pytest.mark.subprocess
def test_a_listener_killed_mid_stream_loses_and_duplicates_nothing(org, settings):
    # The killed listener may die inside a cycle, holding the cycle lock: it is taken over
    # once its lease (the claim TTL, short here) has run out, as after a killed worker.
    settings.SALESFORCE_CLAIM_TTL_SECONDS = 3
    env = worker_env(
        org,
        settings,
        SALESFORCE_PUBSUB_URL=settings.SALESFORCE_PUBSUB_URL,
        SALESFORCE_CLAIM_TTL_SECONDS="3",
    )

    def start() -> subprocess.Popen:
        return subprocess.Popen(
            [sys.executable, "manage.py", "salesforce_listen"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    first = start()
    try:
        wait_for(listening, timeout=60, what="the first listener's subscription")
        for n in range(20):
            new_lead(org.rep, n)
        # Killed while the events stream in (its cycles are running).
        wait_for(lambda: Contact.objects.exists(), what="the first contacts")
        os.kill(first.pid, signal.SIGKILL)
        first.wait(timeout=10)
        for n in range(20, 40):  # made while no listener runs
            new_lead(org.rep, n)
        second = start()
        try:
            wait_for(lambda: Contact.objects.count() >= 40, timeout=60, what="every change applied")
            time.sleep(1)  # anything applied twice would show now
        finally:
            second.send_signal(signal.SIGTERM)
            assert second.wait(timeout=20) == 0
    finally:
        if first.poll() is None:
            first.kill()
    emails = sorted(Contact.objects.values_list("email", flat=True))
    assert emails == sorted(f"event{n}@cdc.example" for n in range(40))
    created = ContactSyncEvent.objects.filter(outcome=SyncEventOutcome.CREATED)
    assert created.count() == 40  # each contact created once
    assert stream().state == ChangeEventState.OFF  # the SIGTERM'd listener said goodbye


@pytest.mark.slow
def test_the_status_panel_says_how_changes_arrive(org, listener, admin_browser):
    from django.urls import reverse

    page = admin_browser.get(reverse("settings_ui:salesforce_status")).content.decode()
    assert "As they happen (Change Data Capture), with a safety-net poll every 60 minutes" in page


def test_without_change_data_capture_the_panel_says_polling_and_why(org, admin_browser):
    from django.urls import reverse

    ChangeEventStream.objects.create(
        topic=ALL_CHANGES,
        state=ChangeEventState.UNAVAILABLE,
        detail="NOT_FOUND: Topic '/data/ChangeEvents' not found",
        heartbeat_at=timezone.now(),
    )
    page = admin_browser.get(reverse("settings_ui:salesforce_status")).content.decode()
    assert "Polled every 5 minutes · Change Data Capture is unavailable: NOT_FOUND: Topic" in page


def test_turning_change_events_off_on_the_page_means_polling(org, listener, admin_browser):
    from django.urls import reverse

    from tests.settings_ui.posts import settings_form_data

    assert change_events_flowing(org_settings()) is True
    response = admin_browser.post(
        reverse("settings_ui:salesforce_settings"),
        settings_form_data(org_settings(), change_events=False),
    )
    assert response.status_code == 302
    assert org_settings().change_events is False
    assert change_events_flowing(org_settings()) is False
    assert safety_net_not_due() is False  # beat polls at its usual interval again


@pytest.mark.slow
def test_events_a_cycle_cannot_read_yet_are_not_marked_read(org, listener):
    """Credentials known bad: the cycle is skipped. The listener neither loops on it nor
    stores the replay id: once a cycle can run, the events are read."""
    from connector.models import CredentialsStatus, IntegrationSettings

    IntegrationSettings.objects.update(credentials_status=CredentialsStatus.INVALID)
    replay_before = bytes(stream().replay_id or b"")
    before_event = time.monotonic()
    new_lead(org.rep, 1)
    skipped = SyncRun.objects.filter(trigger="change_event", status=SyncRunStatus.SKIPPED)
    wait_for(skipped.exists, timeout=30, what="the event's skipped cycle")
    time.sleep(2.5)  # room for retries; a slower machine only makes fewer of them
    # Tried, then backed off: the listener retries after 1, 2, 4 … s, each at least 0.8 of
    # that (its jitter), so however long this took, at most this many tries fit in it.
    elapsed = time.monotonic() - before_event
    tries, at, delay = 1, 0.8 * BACKOFF_FIRST_S, BACKOFF_FIRST_S
    while at <= elapsed:
        tries, delay = tries + 1, delay * 2
        at += 0.8 * delay
    assert 1 <= skipped.count() <= tries, (skipped.count(), elapsed)
    assert bytes(stream().replay_id or b"") == replay_before
    IntegrationSettings.objects.update(credentials_status=CredentialsStatus.VALID)
    wait_for(
        lambda: Contact.objects.filter(email="event1@cdc.example").exists(),
        timeout=30,
        what="the event read once the cycle can run",
    )


def test_with_change_events_on_but_no_listener_the_panel_says_so(org, admin_browser):
    from django.urls import reverse

    page = admin_browser.get(reverse("settings_ui:salesforce_status")).content.decode()
    assert (
        "Polled every 5 minutes · Change Data Capture is unavailable: the change-event "
        "listener is not running (manage.py salesforce_listen)" in page
    )


def database_handles(pid: int) -> int:
    """Open connections of process ``pid`` to the test database (Linux /proc): file
    descriptors on the SQLite file, or established TCP sockets to PostgreSQL's port."""
    from django.db import connection

    fds = Path(f"/proc/{pid}/fd")
    targets = []
    for fd in fds.iterdir():
        try:
            targets.append(os.readlink(fd))
        except OSError:
            continue
    if connection.vendor == "sqlite":
        name = str(connection.settings_dict["NAME"])
        return sum(1 for target in targets if target.startswith(name))
    inodes = {t[len("socket:[") : -1] for t in targets if t.startswith("socket:[")}
    port = f"{int(connection.settings_dict.get('PORT') or 5432):04X}"
    count = 0
    for table in ("tcp", "tcp6"):
        for line in Path(f"/proc/{pid}/net/{table}").read_text().splitlines()[1:]:
            fields = line.split()
            remote, state, inode = fields[2], fields[3], fields[9]
            if remote.endswith(f":{port}") and state == "01" and inode in inodes:
                count += 1
    return count


@pytest.mark.subprocess
def test_between_events_the_listener_holds_no_database_connection(org, settings):
    env = worker_env(org, settings, SALESFORCE_PUBSUB_URL=settings.SALESFORCE_PUBSUB_URL)
    process = subprocess.Popen(
        [sys.executable, "manage.py", "salesforce_listen"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for(listening, timeout=60, what="the subscription")
        wait_for(
            lambda: (
                SyncRun.objects.filter(trigger=CATCH_UP_TRIGGER)
                .exclude(status=SyncRunStatus.RUNNING)
                .exists()
            ),
            timeout=60,
            what="the catch-up cycle",
        )
        wait_for(lambda: database_handles(process.pid) == 0, timeout=10, what="an idle listener")
        new_lead(org.rep, 1)
        wait_for(lambda: (s := stream()) and s.events_received == 1, timeout=30, what="the event")
        wait_for(lambda: database_handles(process.pid) == 0, timeout=10, what="idle again")
        time.sleep(1)
        assert database_handles(process.pid) == 0
        # The probe sees a connection where there is one: this test's own.
        assert stream() is not None and database_handles(os.getpid()) >= 1
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=20) == 0
