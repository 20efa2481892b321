"""The Change Data Capture listener, its own process: ``manage.py salesforce_listen``.

It subscribes to the org's change events through the Pub/Sub API (gRPC), on the channel
that carries every object selected for Change Data Capture (``/data/ChangeEvents``), and
keeps only those hubsync reads (Lead, Contact, Account, Opportunity; Task with task sync)
that are not hubsync's own writes coming back. hubsync knows its own writes by Salesforce's
mark, the client id it sends on every call (``changeOrigin`` ``…;client=hubsync``), not by
its user: an admin who connected hubsync with their own user, a Data Loader import or
another integration sharing the user are changes like anyone's. Where Salesforce may drop
the mark (composite, sObject Collections), an unmarked API write by hubsync's user is
checked against what hubsync wrote (the record and when). On such events it runs a sync cycle at
once: the cycle's pull reads the changes from its watermarks, through the same code as
polling, so an event is a wake-up call and never a second source of truth. The replay id
is stored once that cycle has finished, so a listener killed at any moment resumes after
the last event already read: nothing lost, nothing applied twice (and a change applied
twice would change nothing: the pull compares values).

When the subscription is unavailable (the org has no Change Data Capture, the Pub/Sub API
is down, the credentials fail) the listener retries with back-off and beat's polling runs
at its usual interval; when the stored replay id is past the 72-hour replay window, it
subscribes from now on and runs a cycle, which catches up from the watermarks.
Between events it holds no database connection.
"""

from __future__ import annotations

import logging
import queue
import random
import threading
from collections.abc import Iterator
from datetime import datetime, timedelta
from urllib.parse import urlsplit

import grpc
from django.conf import settings as django_settings
from django.db import close_old_connections, connection
from django.db.models import F
from django.utils import timezone

from pubsub_api import pb2, pb2_grpc

from .change_events import (
    ALL_CHANGES,
    SYNCED_OBJECTS,
    ChangeEvent,
    change_event_decode,
    change_event_maybe_own,
    change_event_relevant,
)
from .client import SalesforceClient
from .models import ChangeEventState, ChangeEventStream, IntegrationSettings, SyncRunStatus
from .selectors import (
    change_events_written_by_hubsync,
    field_mappings_get,
    integration_settings_get,
)
from .services.jobs import sync_enqueue
from .sync.cycle import sync_cycle_run
from .sync.lock import cycle_lock_holder
from .sync.pull.campaigns import campaigns_discover_now
from .transport import CLIENT_ID

logger = logging.getLogger(__name__)

#: Events asked for at a time (the Pub/Sub API's flow control; Salesforce's maximum).
BATCH = 100
#: The stream's heartbeat in the database at most this often (the status panel reads it).
HEARTBEAT_EVERY = timedelta(seconds=60)
BACKOFF_FIRST_S = 1.0
BACKOFF_MAX_S = 300.0
#: While another cycle runs, look again this often (a cycle started after the events
#: must read them).
BUSY_WAIT_S = 0.5
#: Sync runs the listener starts: on change events, and to catch up when it subscribes
#: from now on (no replay id yet, or the stored one is past the replay window).
EVENT_TRIGGER = "change_event"
CATCH_UP_TRIGGER = "change_events_catch_up"
#: Salesforce's error code (the ``error-code`` trailer) for a replay id it no longer has.
REPLAY_REFUSED = "sfdc.platform.eventbus.grpc.subscription.fetch.replayid.corrupted"


def pubsub_channel(url: str) -> grpc.Channel:
    """``grpc://host:port`` (plain, the emulator) or ``grpcs://host:port`` (TLS)."""
    parts = urlsplit(url)
    if parts.scheme == "grpc":
        return grpc.insecure_channel(parts.netloc)
    return grpc.secure_channel(parts.netloc, grpc.ssl_channel_credentials())


class _Requests:
    """The FetchRequest stream of a Subscribe call: the first names the topic and where to
    start, each later one asks for more events."""

    def __init__(self) -> None:
        self._queue: queue.Queue[pb2.FetchRequest | None] = queue.Queue()

    def __iter__(self) -> Iterator[pb2.FetchRequest]:
        while (request := self._queue.get()) is not None:
            yield request

    def ask(self, request: pb2.FetchRequest) -> None:
        self._queue.put(request)

    def close(self) -> None:
        self._queue.put(None)


class ChangeListener:
    """Subscribe, apply, reconnect with back-off, until ``stop`` is set."""

    def __init__(self, *, stop: threading.Event, pubsub_url: str | None = None) -> None:
        self.stop = stop
        self.pubsub_url = pubsub_url or django_settings.SALESFORCE_PUBSUB_URL
        self._call: grpc.Future | None = None
        self._schemas: dict[str, str] = {}

    def run(self) -> None:
        delay = BACKOFF_FIRST_S
        while not self.stop.is_set():
            started = timezone.now()
            try:
                if not self._session():
                    delay = BACKOFF_FIRST_S  # switched off: no failure to back off from
            except grpc.RpcError as error:
                if error.code() != grpc.StatusCode.CANCELLED or not self.stop.is_set():
                    logger.warning("Change events unavailable: %s", _describe(error))
                    _stream_state(ChangeEventState.UNAVAILABLE, _describe(error))
            except Exception as error:  # noqa: BLE001 — the process must outlive any failure
                logger.warning("Change events unavailable: %s", error)
                _stream_state(ChangeEventState.UNAVAILABLE, str(error) or type(error).__name__)
            finally:
                _disconnect()
            if timezone.now() - started > timedelta(minutes=1):
                delay = BACKOFF_FIRST_S  # it ran a while: a fresh failure starts over
            self.stop.wait(delay * random.uniform(0.8, 1.2))
            delay = min(delay * 2, BACKOFF_MAX_S)
        _stream_state(ChangeEventState.OFF, "")

    def cancel(self) -> None:
        """From a signal handler: end the current stream at once."""
        self.stop.set()
        if self._call is not None:
            self._call.cancel()

    # -- one subscription ---------------------------------------------------------------
    def _session(self) -> bool:
        """One subscription until it ends; False when the sync or change events are off."""
        integration_settings = integration_settings_get()
        if not (integration_settings.sync_enabled and integration_settings.change_events):
            _stream_state(ChangeEventState.OFF, "")
            _disconnect()
            self.stop.wait(30)
            return False
        client = SalesforceClient.from_settings(integration_settings)
        client.login()
        who = client.identity()
        objects = SYNCED_OBJECTS + (("Task",) if integration_settings.task_sync_active else ())
        own_fields = frozenset(
            name
            for mapping in field_mappings_get()
            for name in (mapping.lead_field, mapping.contact_field)
            if name
        )
        stream, _ = ChangeEventStream.objects.get_or_create(topic=ALL_CHANGES)
        _stream_state(ChangeEventState.CONNECTING, "")
        _disconnect()
        metadata = (
            ("accesstoken", client.session_id),
            ("instanceurl", client.instance_url),
            ("tenantid", who["organization_id"]),
        )
        channel = pubsub_channel(self.pubsub_url)
        try:
            stub = pb2_grpc.PubSubStub(channel)
            try:
                # Without a replay id (the first subscription, or a listener stopped before
                # its first cycle ended) it starts from now, and a cycle reads what came before.
                self._subscribe(
                    stub,
                    metadata,
                    bytes(stream.replay_id) if stream.replay_id is not None else None,
                    (objects, who["user_id"], own_fields),
                    catch_up=stream.replay_id is None,
                )
            except grpc.RpcError as error:
                if not _replay_refused(error):
                    raise
                # Past the replay window: from now on, and a cycle catches up on the rest.
                logger.warning("Change events: the stored replay id is refused; catching up")
                ChangeEventStream.objects.filter(topic=ALL_CHANGES).update(replay_id=None)
                _stream_state(ChangeEventState.REPLAY_MISSED, _describe(error))
                self._subscribe(
                    stub, metadata, None, (objects, who["user_id"], own_fields), catch_up=True
                )
        finally:
            channel.close()
        return True

    def _subscribe(
        self,
        stub: pb2_grpc.PubSubStub,
        metadata: tuple[tuple[str, str], ...],
        replay_id: bytes | None,
        ours: tuple[tuple[str, ...], str, frozenset[str]],
        *,
        catch_up: bool = False,
    ) -> None:
        """``ours``: the objects hubsync reads, its user, the fields it writes."""
        requests = _Requests()
        first = pb2.FetchRequest(topic_name=ALL_CHANGES, num_requested=BATCH)
        if replay_id:
            first.replay_preset = pb2.ReplayPreset.CUSTOM
            first.replay_id = bytes(replay_id)
        else:
            first.replay_preset = pb2.ReplayPreset.LATEST
        requests.ask(first)
        # The topic answers (auth, Change Data Capture offered): the subscription stands. A
        # Subscribe says nothing until the first event or keepalive, minutes later.
        stub.GetTopic(pb2.TopicRequest(topic_name=ALL_CHANGES), metadata=metadata)
        self._call = stub.Subscribe(iter(requests), metadata=metadata)
        _stream_state(ChangeEventState.LISTENING, "")
        if catch_up and not self._cycle_after(timezone.now(), trigger=CATCH_UP_TRIGGER):
            return  # no cycle could run: catch up at the next subscription
        pending = BATCH
        beat_at = timezone.now()
        try:
            for response in self._call:
                events = [self._decoded(stub, metadata, e.event) for e in response.events]
                pending -= len(events)
                if events:
                    relevant = self._relevant(events, ours)
                    if any(e.entity in ("Campaign", "CampaignMember") for e in relevant):
                        campaigns_discover_now()
                    received = timezone.now()
                    if relevant and not self._cycle_after(received):
                        return  # unread: the next subscription replays them
                    _events_applied(response.events[-1].replay_id, len(events), received)
                    beat_at = received
                elif timezone.now() - beat_at >= HEARTBEAT_EVERY:
                    # Idle: everything received is applied, so the server's latest replay id
                    # is where to resume (it also steps past other objects' events).
                    _heartbeat(response.latest_replay_id)
                    beat_at = timezone.now()
                    if not _still_wanted():
                        return  # switched off on the page: the session loop says so
                if pending <= 0:
                    requests.ask(pb2.FetchRequest(topic_name=ALL_CHANGES, num_requested=BATCH))
                    pending = BATCH
                if self.stop.is_set():
                    return
        finally:
            requests.close()
            self._call = None

    def _relevant(
        self, events: list[ChangeEvent], ours: tuple[tuple[str, ...], str, frozenset[str]]
    ) -> list[ChangeEvent]:
        """The events that bring a change to read: not marked as hubsync's, and, when
        unmarked but possibly its own (change_event_maybe_own), not what it wrote."""
        objects, own_user, own_fields = ours
        relevant = [
            e
            for e in events
            if change_event_relevant(
                e, objects=objects, own_client=CLIENT_ID, own_fields=own_fields
            )
        ]
        unmarked = [
            e
            for e in relevant
            if change_event_maybe_own(e, own_user=own_user, own_fields=own_fields)
        ]
        if not unmarked:
            return relevant
        # A cycle that is writing records hubsync may not have stored what it wrote yet:
        # ask once it has finished.
        while cycle_lock_holder() is not None and not self.stop.is_set():
            _disconnect()
            self.stop.wait(BUSY_WAIT_S)
        own = change_events_written_by_hubsync(unmarked, mappings=field_mappings_get())
        _disconnect()
        echoes = {id(e) for index, e in enumerate(unmarked) if index in own}
        return [e for e in relevant if id(e) not in echoes]

    def _decoded(
        self, stub: pb2_grpc.PubSubStub, metadata: tuple, event: pb2.ProducerEvent
    ) -> ChangeEvent:
        schema = self._schemas.get(event.schema_id)
        if schema is None:
            info = stub.GetSchema(pb2.SchemaRequest(schema_id=event.schema_id), metadata=metadata)
            schema = self._schemas[event.schema_id] = info.schema_json
        return change_event_decode(event.payload, schema)

    def _cycle_after(self, received: datetime, *, trigger: str = EVENT_TRIGGER) -> bool:
        """Run a cycle that starts after ``received`` and wait for its end; False when none
        ran (stopped, the sync off, credentials known bad: the events stay unread until a
        cycle that can read them). One that fails or pauses goes on as a Celery task, with
        its retry policy."""
        while not self.stop.is_set():
            if cycle_lock_holder() is None:
                run = sync_cycle_run(trigger=trigger)
                if run.status != SyncRunStatus.SKIPPED:
                    break
                if not run.retry_soon:  # not another cycle running: nothing to wait for
                    _disconnect()
                    return False
            self.stop.wait(BUSY_WAIT_S)
        else:
            return False
        if run.status == SyncRunStatus.PAUSED or (
            run.status == SyncRunStatus.FAILED and run.retry_soon
        ):
            sync_enqueue(trigger=trigger)
        _disconnect()
        return True


def _still_wanted() -> bool:
    wanted = IntegrationSettings.objects.filter(sync_enabled=True, change_events=True).exists()
    _disconnect()
    return wanted


def _replay_refused(error: grpc.RpcError) -> bool:
    trailers = dict(error.trailing_metadata() or ())
    return (
        error.code() == grpc.StatusCode.INVALID_ARGUMENT
        and trailers.get("error-code") == REPLAY_REFUSED
    )


def _describe(error: grpc.RpcError) -> str:
    return f"{error.code().name}: {error.details()}"


def _stream_state(state: str, detail: str) -> None:
    ChangeEventStream.objects.update_or_create(
        topic=ALL_CHANGES,
        defaults={"state": state, "detail": detail[:2000], "heartbeat_at": timezone.now()},
    )
    _disconnect()


def _events_applied(replay_id: bytes, count: int, received: datetime) -> None:
    ChangeEventStream.objects.filter(topic=ALL_CHANGES).update(
        replay_id=replay_id,
        events_received=F("events_received") + count,
        last_event_at=received,
        heartbeat_at=timezone.now(),
        state=ChangeEventState.LISTENING,
        detail="",
    )
    _disconnect()


def _heartbeat(latest_replay_id: bytes) -> None:
    changes = {"heartbeat_at": timezone.now(), "state": ChangeEventState.LISTENING}
    if latest_replay_id:
        changes["replay_id"] = latest_replay_id
    ChangeEventStream.objects.filter(topic=ALL_CHANGES).update(**changes)
    _disconnect()


def _disconnect() -> None:
    """No database connection between events (a long-lived process would hold one)."""
    close_old_connections()
    connection.close()
