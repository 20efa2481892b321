"""Pub/Sub API fixtures: the generated stub on a real gRPC channel, Salesforce's auth metadata
of the logged-in ``sf`` client, and a :class:`Subscription` that drives Subscribe's flow
control from the test (FetchRequests in, FetchResponses out, with timeouts)."""

from __future__ import annotations

import io
import json
import queue
import threading
import time
from collections.abc import Iterator
from typing import Any

import fastavro
import grpc
import pytest

from pubsub_api import decode_bitmaps, pb2

#: Keepalives every 0.2 s, so idle subscriptions answer quickly in tests.
KEEPALIVE_S = 0.2


class Subscription:
    """One Subscribe stream: ``request(n)`` sends a FetchRequest, ``events()`` collects the
    events of the next responses, ``responses`` keeps every FetchResponse seen."""

    def __init__(self, stub: Any, metadata: Any, first: pb2.FetchRequest) -> None:
        self._requests: queue.Queue[pb2.FetchRequest | None] = queue.Queue()
        self._requests.put(first)
        self._out: queue.Queue[Any] = queue.Queue()
        self.responses: list[pb2.FetchResponse] = []
        self.call = stub.Subscribe(iter(self._requests.get, None), metadata=metadata)
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        try:
            for response in self.call:
                self._out.put(response)
        except grpc.RpcError as exc:
            self._out.put(exc)

    def request(self, n: int) -> None:
        self._requests.put(pb2.FetchRequest(num_requested=n))

    def next_response(self, timeout: float = 5.0) -> pb2.FetchResponse:
        """The next FetchResponse (raises the stream's RpcError, or queue.Empty)."""
        item = self._out.get(timeout=timeout)
        if isinstance(item, grpc.RpcError):
            raise item
        self.responses.append(item)
        return item

    def events(self, n: int, timeout: float = 5.0) -> list[pb2.ConsumerEvent]:
        """Exactly the next ``n`` events (keepalives skipped); fails if they do not come."""
        out: list[pb2.ConsumerEvent] = []
        while len(out) < n:
            out += list(self.next_response(timeout).events)
        assert len(out) == n, f"expected {n} events, got {len(out)}"
        return out

    def drain(self, quiet: float = 0.3, first: float = 10.0) -> list[pb2.ConsumerEvent]:
        """Every event that arrives until none has for ``quiet`` seconds, counted from the
        first events (waited for up to ``first`` seconds: a loaded machine may take longer
        than ``quiet`` to start the stream; the emulator sends what is retained at once)."""
        out: list[pb2.ConsumerEvent] = []
        deadline = time.monotonic() + first
        while not out and time.monotonic() < deadline:
            try:
                out += list(self.next_response(timeout=0.05).events)
            except queue.Empty:
                continue
        last = time.monotonic()
        while time.monotonic() - last < quiet:
            try:
                response = self.next_response(timeout=0.05)
            except queue.Empty:
                continue
            if response.events:
                out += list(response.events)
                last = time.monotonic()
        return out

    def no_events_for(self, seconds: float) -> list[pb2.FetchResponse]:
        """The responses of the next ``seconds``; asserts they carry no events."""
        seen = []
        deadline = threading.Event()
        timer = threading.Timer(seconds, deadline.set)
        timer.start()
        while not deadline.is_set():
            try:
                response = self.next_response(timeout=0.05)
            except queue.Empty:
                continue
            assert not response.events, "an event arrived that was not requested"
            seen.append(response)
        return seen

    def close(self) -> None:
        self._requests.put(None)
        self.call.cancel()


class PubSubClient:
    """The stub, the metadata and schema-aware decoding, as a subscriber would do it."""

    def __init__(self, stub: Any, metadata: Any) -> None:
        self.stub = stub
        self.metadata = metadata
        self._schemas: dict[str, tuple[dict[str, Any], Any]] = {}
        self._open: list[Subscription] = []

    def subscribe(
        self,
        topic: str,
        *,
        preset: int = pb2.LATEST,
        replay_id: bytes = b"",
        num_requested: int = 100,
    ) -> Subscription:
        first = pb2.FetchRequest(
            topic_name=topic,
            replay_preset=preset,
            replay_id=replay_id,
            num_requested=num_requested,
        )
        sub = Subscription(self.stub, self.metadata, first)
        self._open.append(sub)
        return sub

    def schema(self, schema_id: str) -> dict[str, Any]:
        return self._schema(schema_id)[0]

    def _schema(self, schema_id: str) -> tuple[dict[str, Any], Any]:
        if schema_id not in self._schemas:
            request = pb2.SchemaRequest(schema_id=schema_id)
            info = self.stub.GetSchema(request, metadata=self.metadata)
            raw = json.loads(info.schema_json)
            self._schemas[schema_id] = (raw, fastavro.parse_schema(raw))
        return self._schemas[schema_id]

    def decode(self, event: pb2.ConsumerEvent) -> dict[str, Any]:
        """The event's record, plus ``_changed``/``_nulled``: the bitmaps decoded to names."""
        raw, parsed = self._schema(event.event.schema_id)
        record = fastavro.schemaless_reader(io.BytesIO(event.event.payload), parsed, parsed)
        header = record["ChangeEventHeader"]
        record["_changed"] = decode_bitmaps(raw, header["changedFields"])
        record["_nulled"] = decode_bitmaps(raw, header["nulledFields"])
        return record

    def close(self) -> None:
        for sub in self._open:
            sub.close()
        self.stub.channel.close()


@pytest.fixture
def pubsub(emulator: Any, sf: Any) -> Iterator[PubSubClient]:
    """A Pub/Sub client of the test's org, authenticated as ``sf``'s session."""
    emulator.control.configure_org(pubsub_keepalive_s=KEEPALIVE_S)
    client = PubSubClient(emulator.pubsub_stub(), emulator.pubsub_metadata(sf.session_id))
    yield client
    client.close()
