"""Salesforce's Pub/Sub example client, as written in forcedotcom/pub-sub-api (an independent
rewrite of its behaviour, ``clients/pubsub_example/``), against the emulator: SOAP login read
by position, stubs generated from the published proto, subscribe (EARLIEST and LATEST, flow
control by semaphore), replay from a stored replay id, Apache Avro decoding and bitmap
decoding of ``changedFields``/``nulledFields`` (compound fields too)."""

from __future__ import annotations

import json
import queue
import subprocess
import sys
import threading
from pathlib import Path

import pytest

import pubsub_api
from salesforce_emulator.pytest_plugin import PASSWORD, SECURITY_TOKEN, USERNAME

pytestmark = pytest.mark.subprocess

SCRIPT = Path(__file__).parent / "pubsub_example" / "subscriber.py"
PROTO = Path(pubsub_api.__file__).parent / "pubsub_api.proto"
LEADS = "/data/LeadChangeEvent"


class Example:
    """The example client in its own process: its JSON lines, one at a time."""

    def __init__(self, emulator, topic, count, *, replay_type="LATEST", replay_id=""):
        self.proc = subprocess.Popen(
            [
                sys.executable,
                str(SCRIPT),
                "--proto",
                str(PROTO),
                "--url",
                emulator.url,
                "--username",
                USERNAME,
                "--password",
                PASSWORD + SECURITY_TOKEN,
                "--grpc",
                emulator.pubsub_address,
                "--topic",
                topic,
                "--replay-type",
                replay_type,
                "--replay-id",
                replay_id,
                "--count",
                str(count),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.lines: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.proc.stdout:  # type: ignore[union-attr]
            self.lines.put(line)
        self.lines.put(None)

    def next(self, timeout: float = 60.0) -> dict:
        line = self.lines.get(timeout=timeout)
        if line is None:
            self.proc.wait(timeout=10)
            pytest.fail(f"example client ended: {self.proc.stderr.read()}")  # type: ignore[union-attr]
        return json.loads(line)

    def events(self, n: int) -> list[dict]:
        out = []
        while len(out) < n:
            line = self.next()
            if "replay_id" in line:
                out.append(line)
        assert self.proc.wait(timeout=30) == 0, self.proc.stderr.read()  # type: ignore[union-attr]
        return out


def test_subscribe_replay_and_bitmaps(emulator, sf):
    emulator.control.configure_org(pubsub_keepalive_s=0.2)
    lead = sf.Lead.create(
        {"LastName": "Lovelace", "Company": "Acme", "Email": "ada@acme.test", "City": "London"}
    )["id"]
    sf.Lead.update(lead, {"FirstName": "Ada", "City": "Paris", "Email": None})
    sf.Lead.delete(lead)

    created, updated, deleted = Example(emulator, LEADS, 3, replay_type="EARLIEST").events(3)
    assert [e["change_type"] for e in (created, updated, deleted)] == [
        "CREATE",
        "UPDATE",
        "DELETE",
    ]
    assert all(e["entity"] == "Lead" and e["record_ids"] == [lead] for e in (created, updated))
    assert created["values"]["Company"] == "Acme"
    assert created["values"]["Address"]["City"] == "London"
    assert created["values"]["Name"]["LastName"] == "Lovelace"
    assert sorted(updated["changed"]) == [
        "Address.City",
        "Email",
        "LastModifiedDate",
        "Name.FirstName",
    ]
    assert updated["nulled"] == ["Email"]
    assert created["changed"] == [] and deleted["changed"] == []

    # Replay: from the first event's replay id, the two after it.
    again = Example(
        emulator, LEADS, 2, replay_type="CUSTOM", replay_id=created["replay_id"]
    ).events(2)
    assert [e["replay_id"] for e in again] == [updated["replay_id"], deleted["replay_id"]]

    # LATEST: only what happens after the subscription, on the all-objects channel.
    latest = Example(emulator, "/data/ChangeEvents", 1)
    while "subscribed" not in latest.next():
        pass
    contact = sf.Contact.create({"LastName": "Hopper", "MailingCity": "Arlington"})["id"]
    (event,) = latest.events(1)
    assert event["entity"] == "Contact" and event["record_ids"] == [contact]
    assert event["values"]["MailingAddress"]["City"] == "Arlington"
