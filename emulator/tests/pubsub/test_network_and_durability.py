"""The modelled network (``latency_ms``, ``bulk_records_per_s``) and events that outlive an
emulator restart on a database file. Times are lower bounds only."""

from __future__ import annotations

import time

import pytest

from pubsub_api import pb2
from salesforce_emulator.pytest_plugin import PASSWORD, SECURITY_TOKEN, USERNAME
from salesforce_emulator.testing import running_emulator

from .conftest import PubSubClient


def test_latency_ms_per_request_and_call(pubsub, sf, emulator_control):
    emulator_control.configure_org(latency_ms=120)
    started = time.perf_counter()
    sf.query("SELECT Id FROM Lead")
    assert time.perf_counter() - started >= 0.12
    started = time.perf_counter()
    pubsub.stub.GetTopic(
        pb2.TopicRequest(topic_name="/data/LeadChangeEvent"), metadata=pubsub.metadata
    )
    assert time.perf_counter() - started >= 0.12
    # The control API is not the modelled Salesforce: even a 10-second latency leaves it
    # answering at once (a bound no loaded machine comes near, not a timing to meet).
    emulator_control.configure_org(latency_ms=10_000)
    started = time.perf_counter()
    emulator_control.org()
    assert time.perf_counter() - started < 5
    emulator_control.configure_org(latency_ms=0)


@pytest.mark.slow
def test_latency_flag_is_the_default(tmp_path):
    with running_emulator(latency_ms=80) as emu:
        assert emu.control.org()["latency_ms"] == 80
        emu.control.reset()
        assert emu.control.org()["latency_ms"] == 80
        started = time.perf_counter()
        emu.session().get(f"{emu.url}/services/data/", timeout=5)
        assert time.perf_counter() - started >= 0.08


def _bulk_job(sf, rows: int) -> tuple[str, float]:
    """An ingest job of ``rows`` Leads through raw Bulk API 2.0 calls; returns its id and the
    moment just before UploadComplete was sent."""
    base = f"{sf.base_url}jobs/ingest/"
    headers = dict(sf.headers)
    job = sf.session.post(
        base, json={"object": "Lead", "operation": "insert"}, headers=headers
    ).json()
    body = "LastName,Company\n" + "".join(f"L{i},Bulk\n" for i in range(rows))
    sf.session.put(
        f"{base}{job['id']}/batches/",
        data=body.encode(),
        headers={**headers, "Content-Type": "text/csv"},
    ).raise_for_status()
    started = time.perf_counter()
    sf.session.patch(
        f"{base}{job['id']}/", json={"state": "UploadComplete"}, headers=headers
    ).raise_for_status()
    return job["id"], started


def test_bulk_records_per_s(sf, emulator_control):
    emulator_control.configure_org(bulk_records_per_s=200)
    job_id, started = _bulk_job(sf, 100)  # 100 records at 200/s: at least 0.5 s
    url = f"{sf.base_url}jobs/ingest/{job_id}/"
    reads = []  # (seconds since just before UploadComplete, state) of each status read
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        state = sf.session.get(url, headers=sf.headers).json()["state"]
        reads.append((time.perf_counter() - started, state))
        if state in ("JobComplete", "Failed"):
            break
        time.sleep(0.05)
    assert state == "JobComplete"
    # The job cannot be complete before 0.5 s have passed: every read answered sooner saw
    # it still running. (How many reads fall in that half second depends on the machine:
    # on a loaded one, none may; so the test asserts the rule, not a count of reads.)
    assert all(state != "JobComplete" for seconds, state in reads if seconds < 0.5), reads
    assert reads[-1][0] >= 0.5

    emulator_control.configure_org(bulk_records_per_s=None)
    started = time.perf_counter()
    sf.bulk2.Lead.insert(records=[{"LastName": "Fast", "Company": "X"}], wait=0.1)
    assert sf.query("SELECT COUNT() FROM Lead")["totalSize"] == 101


@pytest.mark.slow
def test_events_survive_a_restart(tmp_path):
    db = str(tmp_path / "org.sqlite3")
    with running_emulator(db=db) as emu:
        emu.control.create_user(USERNAME, PASSWORD, SECURITY_TOKEN)
        sf = emu.salesforce(USERNAME, PASSWORD, SECURITY_TOKEN)
        lead_id = sf.Lead.create({"LastName": "Durable", "Company": "X"})["id"]
        client = PubSubClient(emu.pubsub_stub(), emu.pubsub_metadata(sf.session_id))
        (first,) = client.subscribe("/data/LeadChangeEvent", preset=pb2.EARLIEST).events(1)
        client.close()
    with running_emulator(db=db) as emu:
        sf = emu.salesforce(USERNAME, PASSWORD, SECURITY_TOKEN)
        sf.Lead.update(lead_id, {"Title": "After restart"})
        client = PubSubClient(emu.pubsub_stub(), emu.pubsub_metadata(sf.session_id))
        try:
            events = client.subscribe("/data/LeadChangeEvent", preset=pb2.EARLIEST).events(2)
            assert events[0].replay_id == first.replay_id
            assert events[0].event.payload == first.event.payload
            assert client.decode(events[0])["ChangeEventHeader"]["recordIds"] == [lead_id]
            resumed = client.subscribe(
                "/data/LeadChangeEvent", preset=pb2.CUSTOM, replay_id=first.replay_id
            ).events(1)
            assert client.decode(resumed[0])["ChangeEventHeader"]["changeType"] == "UPDATE"
        finally:
            client.close()
