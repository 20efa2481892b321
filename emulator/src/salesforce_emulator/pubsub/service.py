"""The ``eventbus.v1.PubSub`` servicer: topics, schemas and Subscribe over the change log.

Every call: the org setting ``latency_ms`` (the network), then ``pubsub_enabled`` (false →
``UNAVAILABLE``), then the Salesforce auth metadata: ``accesstoken`` (a session id or OAuth
access token of the org), ``instanceurl`` (present) and ``tenantid`` (the org id, 15 or 18
characters) — otherwise ``UNAUTHENTICATED``. Errors carry Salesforce's trailers ``error-code``
and ``rpc-id``, and ``rpcId: ...`` at the end of their details.

Subscribe is pull-based, as Salesforce's: the first FetchRequest names the topic, the start
(``LATEST``, ``EARLIEST`` or ``CUSTOM`` after ``replay_id``) and ``num_requested``; the server
sends at most that many events (in FetchResponses of up to 100), then only keepalives (empty
``events``, ``latest_replay_id``, every ``pubsub_keepalive_s``) until a later FetchRequest adds
more. A replay id that is not the emulator's 8 bytes, is newer than any event, or points
before the retained events (72 hours, or expired through the control API) is refused with
``INVALID_ARGUMENT`` ``sfdc.platform.eventbus.grpc.subscription.fetch.replayid.corrupted``.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Iterator
from typing import Any, NoReturn

import grpc

from pubsub_api import REPLAY_ID_BYTES, pb2, pb2_grpc

from ..store import Store
from ..store.change_log import StoredEvent
from ..store.org import CDC_ENTITIES
from ..values import normalize_id
from .schemas import EventSchema, EventSchemas, encode_event

log = logging.getLogger(__name__)

#: Events per FetchResponse, and the most one FetchRequest may ask for (Salesforce: 100).
MAX_BATCH = 100
#: How often an idle subscription looks at the log (commits also wake it at once).
POLL_S = 0.25
ALL_CHANGES = "/data/ChangeEvents"
AUTH_ERROR = "sfdc.platform.eventbus.grpc.service.auth.error"
REPLAY_ERROR = "sfdc.platform.eventbus.grpc.subscription.fetch.replayid.corrupted"
TOPIC_ERROR = "sfdc.platform.eventbus.grpc.topic.not.found"


def topic_name(entity: str) -> str:
    return f"/data/{entity}ChangeEvent"


def replay_id(seq: int) -> bytes:
    return seq.to_bytes(REPLAY_ID_BYTES, "big")


class _Flow:
    """What the client asked for and has not got yet, fed by the request-reading thread."""

    def __init__(self, pending: int) -> None:
        self.pending = pending
        self.closed = False
        self.error: str | None = None


class PubSubService(pb2_grpc.PubSubServicer):
    """The servicer of one emulated org (its :class:`~..store.Store`)."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.schemas = EventSchemas()

    # ------------------------------------------------------------------ helpers

    def _abort(
        self, context: grpc.ServicerContext, code: grpc.StatusCode, error_code: str, msg: str
    ) -> NoReturn:
        rpc_id = str(uuid.uuid4())
        context.set_trailing_metadata((("error-code", error_code), ("rpc-id", rpc_id)))
        context.abort(code, f"{msg} rpcId: {rpc_id}")
        raise AssertionError("unreachable: ServicerContext.abort raises")  # grpc is untyped

    def _abort_if_unavailable(self, context: grpc.ServicerContext) -> None:
        """The org setting ``pubsub_enabled`` off: UNAVAILABLE, as Salesforce in an outage."""
        if not self.store.org.get("pubsub_enabled", True):
            self._abort(
                context,
                grpc.StatusCode.UNAVAILABLE,
                "sfdc.platform.eventbus.grpc.service.unavailable",
                "The Pub/Sub API is unavailable. Try again later.",
            )

    def _admit(self, context: grpc.ServicerContext) -> dict[str, Any]:
        """Network latency, availability and authentication of a call → the session user."""
        latency = float(self.store.org.get("latency_ms") or 0)
        if latency:
            time.sleep(latency / 1000)
        self._abort_if_unavailable(context)
        metadata = {k.lower(): v for k, v in context.invocation_metadata()}
        token = metadata.get("accesstoken", "")
        user = self.store.session(token) if token else None
        tenant = normalize_id(str(metadata.get("tenantid", "")))
        if user is None or tenant != self.store.org["org_id"] or not metadata.get("instanceurl"):
            self._abort(
                context,
                grpc.StatusCode.UNAUTHENTICATED,
                AUTH_ERROR,
                "Authentication exception. Check the accesstoken, instanceurl and tenantid "
                "headers.",
            )
        return user

    def _entities(self, name: str, context: grpc.ServicerContext) -> list[str]:
        selected = self.store.org.get("change_data_capture_entities") or []
        if name == ALL_CHANGES and selected:
            return list(selected)
        entity = next((e for e in CDC_ENTITIES if topic_name(e) == name), None)
        if entity is None or entity not in selected:
            self._abort(
                context,
                grpc.StatusCode.NOT_FOUND,
                TOPIC_ERROR,
                f"Topic {name!r} not found: not a change event channel of an entity selected "
                "for Change Data Capture.",
            )
        return [entity]

    def _schema(self, entity: str) -> EventSchema:
        schema = self.schemas.current(entity, self.store.org_view())
        self.store.save_event_schema(schema.schema_id, entity, schema.schema_json)
        return schema

    def _deliverable(self, events: list[StoredEvent]) -> list[pb2.ConsumerEvent]:
        """Consumer events of ``events`` (encoding, and keeping, payloads not yet made)."""
        out: list[pb2.ConsumerEvent] = []
        fresh: list[tuple[int, str, bytes]] = []
        empty: list[int] = []
        schemas: dict[str, EventSchema] = {}  # one look at the org's schema per batch
        for ev in events:
            schema_id, payload = ev.schema_id, ev.payload
            if payload is None:
                schema = schemas.get(ev.entity) or schemas.setdefault(
                    ev.entity, self._schema(ev.entity)
                )
                payload = encode_event(schema, ev)
                if payload is None:
                    empty.append(ev.seq)
                    continue
                schema_id = schema.schema_id
                fresh.append((ev.seq, schema_id, payload))
            producer = pb2.ProducerEvent(
                id=str(uuid.UUID(int=ev.seq)), schema_id=schema_id or "", payload=payload
            )
            out.append(pb2.ConsumerEvent(event=producer, replay_id=replay_id(ev.seq)))
        if fresh:
            self.store.save_event_payloads(fresh)
        if empty:
            self.store.drop_change_events(empty)
        return out

    # ------------------------------------------------------------------ unary calls

    def GetTopic(self, request: pb2.TopicRequest, context: grpc.ServicerContext) -> Any:  # noqa: N802
        self._admit(context)
        entities = self._entities(request.topic_name, context)
        schema_id = self._schema(entities[0]).schema_id if len(entities) == 1 else ""
        return pb2.TopicInfo(
            topic_name=request.topic_name,
            tenant_guid=self.store.org["org_id"],
            can_publish=False,
            can_subscribe=True,
            schema_id=schema_id,
            rpc_id=str(uuid.uuid4()),
        )

    def GetSchema(self, request: pb2.SchemaRequest, context: grpc.ServicerContext) -> Any:  # noqa: N802
        self._admit(context)
        text = self.store.event_schema(request.schema_id)
        if text is None:
            self._abort(
                context,
                grpc.StatusCode.NOT_FOUND,
                "sfdc.platform.eventbus.grpc.schema.not.found",
                f"Schema {request.schema_id!r} not found.",
            )
        return pb2.SchemaInfo(
            schema_json=text, schema_id=request.schema_id, rpc_id=str(uuid.uuid4())
        )

    def Publish(self, request: pb2.PublishRequest, context: grpc.ServicerContext) -> Any:  # noqa: N802
        self._admit(context)
        self._entities(request.topic_name, context)
        self._abort(
            context,
            grpc.StatusCode.PERMISSION_DENIED,
            "sfdc.platform.eventbus.grpc.service.publish.not.allowed",
            "Change events are published by Salesforce; a client cannot publish them.",
        )

    def PublishStream(self, request_iterator: Any, context: grpc.ServicerContext) -> Any:  # noqa: N802
        self._admit(context)
        first = next(request_iterator, None)
        if first is not None:
            self.Publish(first, context)

    def ManagedSubscribe(self, request_iterator: Any, context: grpc.ServicerContext) -> Any:  # noqa: N802
        self._admit(context)
        self._abort(
            context,
            grpc.StatusCode.UNIMPLEMENTED,
            "sfdc.platform.eventbus.grpc.service.not.implemented",
            "ManagedSubscribe (beta) is not emulated; use Subscribe.",
        )

    # ------------------------------------------------------------------ Subscribe

    def Subscribe(  # noqa: N802
        self, request_iterator: Iterator[pb2.FetchRequest], context: grpc.ServicerContext
    ) -> Iterator[pb2.FetchResponse]:
        self._admit(context)
        first = next(request_iterator, None)
        if first is None:
            return
        entities = self._entities(first.topic_name, context)
        position = self._start(first, context)
        flow = _Flow(min(max(first.num_requested, 0), MAX_BATCH))
        signal = self.store.change_signal
        threading.Thread(
            target=self._read_requests,
            args=(request_iterator, first.topic_name, flow),
            name="pubsub-fetch-requests",
            daemon=True,
        ).start()

        def _closed() -> None:
            flow.closed = True
            with signal:
                signal.notify_all()

        context.add_callback(_closed)
        rpc_id = str(uuid.uuid4())
        last_sent = time.monotonic()
        while not flow.closed and context.is_active():
            if flow.error:
                self._abort(context, grpc.StatusCode.INVALID_ARGUMENT, TOPIC_ERROR, flow.error)
            self._abort_if_unavailable(context)
            if flow.pending > 0:
                stored = self.store.change_events_after(
                    position, entities, min(flow.pending, MAX_BATCH)
                )
                if stored:
                    position = stored[-1].seq
                    events = self._deliverable(stored)
                    if events:
                        with signal:
                            flow.pending -= len(events)
                        yield pb2.FetchResponse(
                            events=events,
                            latest_replay_id=events[-1].replay_id,
                            rpc_id=rpc_id,
                            pending_num_requested=flow.pending,
                        )
                        last_sent = time.monotonic()
                    continue
            keepalive = float(self.store.org.get("pubsub_keepalive_s") or 270)
            wait = keepalive - (time.monotonic() - last_sent)
            if wait <= 0:
                yield pb2.FetchResponse(
                    latest_replay_id=replay_id(self._latest(position, entities)),
                    rpc_id=rpc_id,
                    pending_num_requested=flow.pending,
                )
                last_sent = time.monotonic()
                continue
            with signal:
                signal.wait(min(wait, POLL_S))

    def _start(self, first: pb2.FetchRequest, context: grpc.ServicerContext) -> int:
        """The sequence number the subscription starts after."""
        self.store.purge_expired_events()
        latest = self.store.latest_event_seq()
        purged = self.store.purged_through()
        if first.replay_preset == pb2.EARLIEST:
            return purged
        if first.replay_preset != pb2.CUSTOM:
            return latest
        raw = first.replay_id
        seq = int.from_bytes(raw, "big") if len(raw) == REPLAY_ID_BYTES else -1
        if seq < purged or seq > latest:
            self._abort(
                context,
                grpc.StatusCode.INVALID_ARGUMENT,
                REPLAY_ERROR,
                "The Replay ID validation failed. Ensure that the Replay ID is valid: it may be "
                "outside the 72-hour retention window.",
            )
        return seq

    def _latest(self, position: int, entities: list[str]) -> int:
        """The keepalive's latest replay id: the tip, unless events of the topic still wait
        for the client (then where it is, so a resubscription misses nothing)."""
        if self.store.change_events_after(position, entities, 1):
            return position
        return max(position, self.store.latest_event_seq())

    def _read_requests(self, requests: Iterator[pb2.FetchRequest], topic: str, flow: _Flow) -> None:
        signal = self.store.change_signal
        try:
            for request in requests:
                with signal:
                    if request.topic_name and request.topic_name != topic:
                        flow.error = (
                            f"A subscription's topic cannot change: {request.topic_name!r} is not "
                            f"{topic!r}."
                        )
                    flow.pending += min(max(request.num_requested, 0), MAX_BATCH)
                    signal.notify_all()
        except Exception:  # the stream ended or was cancelled: the subscription ends
            log.debug("fetch request stream ended", exc_info=True)
        finally:
            with signal:
                flow.closed = True
                signal.notify_all()
