"""Subscribe over the generated stub: REST writes through simple-salesforce become change
events in Salesforce's format, delivered under flow control and replayable."""

from __future__ import annotations

import time

import grpc
import pytest

from pubsub_api import pb2

LEADS = "/data/LeadChangeEvent"


def _lead(sf, name: str = "Lovelace") -> str:
    return sf.Lead.create({"LastName": name, "Company": "Acme", "Email": f"{name}@acme.test"})["id"]


def test_topic_and_schema(pubsub, emulator):
    org_id = emulator.control.org()["org_id"]
    for entity in ("Lead", "Contact", "Account", "Opportunity", "Task"):
        topic = pubsub.stub.GetTopic(
            pb2.TopicRequest(topic_name=f"/data/{entity}ChangeEvent"), metadata=pubsub.metadata
        )
        assert topic.can_subscribe and not topic.can_publish
        assert topic.tenant_guid == org_id and topic.rpc_id
        schema = pubsub.schema(topic.schema_id)
        assert schema["name"] == f"{entity}ChangeEvent"
        assert schema["namespace"] == "com.sforce.eventbus"
        header = schema["fields"][0]
        assert header["name"] == "ChangeEventHeader"
        names = [f["name"] for f in header["type"]["fields"]]
        assert names == [
            "entityName",
            "recordIds",
            "changeType",
            "changeOrigin",
            "transactionKey",
            "sequenceNumber",
            "commitTimestamp",
            "commitNumber",
            "commitUser",
            "nulledFields",
            "diffFields",
            "changedFields",
        ]
        assert all(f["type"][0] == "null" for f in schema["fields"][1:])
    lead = pubsub.schema(
        pubsub.stub.GetTopic(pb2.TopicRequest(topic_name=LEADS), metadata=pubsub.metadata).schema_id
    )
    by_name = {f["name"]: f["type"][1] for f in lead["fields"][1:]}
    assert by_name["Email"] == "string" and by_name["LastModifiedDate"] == "long"
    assert by_name["IsConverted"] == "boolean" and by_name["ConvertedDate"] == "long"
    assert [f["name"] for f in by_name["Name"]["fields"]][-2:] == ["FirstName", "LastName"]
    assert "Street" in [f["name"] for f in by_name["Address"]["fields"]]
    assert "Id" not in by_name and "SystemModstamp" not in by_name
    assert "HubSync_Id__c" in by_name
    everything = pubsub.stub.GetTopic(
        pb2.TopicRequest(topic_name="/data/ChangeEvents"), metadata=pubsub.metadata
    )
    assert everything.can_subscribe and everything.schema_id == ""


def test_create_update_delete_events(pubsub, sf):
    sub = pubsub.subscribe(LEADS)
    sub.no_events_for(0.3)  # subscribed at the tip
    before = int(time.time() * 1000)
    lead_id = _lead(sf)
    sf.Lead.update(lead_id, {"Email": "ada@acme.test", "FirstName": "Ada", "Title": None})
    sf.Lead.delete(lead_id)
    created, updated, deleted = (pubsub.decode(e) for e in sub.events(3))

    header = created["ChangeEventHeader"]
    assert header["entityName"] == "Lead" and header["changeType"] == "CREATE"
    assert header["recordIds"] == [lead_id]
    assert before - 5 <= header["commitTimestamp"] <= int(time.time() * 1000) + 5
    assert header["changeOrigin"].startswith("com/salesforce/api/rest/")
    assert header["commitUser"][:3] == "005" and header["transactionKey"]
    assert header["changedFields"] == [] and created["_changed"] == []
    assert created["Company"] == "Acme" and created["Email"] == "Lovelace@acme.test"
    assert created["Name"]["FirstName"] is None and created["Name"]["LastName"] == "Lovelace"
    assert isinstance(created["CreatedDate"], int) and created["IsConverted"] is False

    header = updated["ChangeEventHeader"]
    assert header["changeType"] == "UPDATE" and header["recordIds"] == [lead_id]
    assert header["changedFields"][0].startswith("0x")
    assert sorted(updated["_changed"]) == ["Email", "LastModifiedDate", "Name.FirstName"]
    assert updated["Email"] == "ada@acme.test" and updated["Name"]["FirstName"] == "Ada"
    assert updated["Company"] is None  # unchanged fields are not sent
    assert updated["_nulled"] == []  # Title was null already: no change

    header = deleted["ChangeEventHeader"]
    assert header["changeType"] == "DELETE" and header["recordIds"] == [lead_id]
    assert deleted["Company"] is None and deleted["_changed"] == []
    assert header["commitNumber"] > 0


def test_nulled_fields(pubsub, sf):
    lead_id = _lead(sf)
    sub = pubsub.subscribe(LEADS)
    sub.no_events_for(0.2)
    sf.Lead.update(lead_id, {"Email": None})
    (event,) = (pubsub.decode(e) for e in sub.events(1))
    assert event["_nulled"] == ["Email"] and "Email" in event["_changed"]


def test_flow_control_num_requested(pubsub, sf):
    sub = pubsub.subscribe(LEADS, num_requested=1)
    sub.no_events_for(0.2)
    first, second = _lead(sf, "One"), _lead(sf, "Two")
    (event,) = sub.events(1)
    assert pubsub.decode(event)["ChangeEventHeader"]["recordIds"] == [first]
    assert sub.responses[-1].pending_num_requested == 0
    keepalives = sub.no_events_for(0.5)  # the second waits for the next FetchRequest
    assert keepalives and all(not r.events for r in keepalives)
    sub.request(1)
    (event,) = sub.events(1)
    assert pubsub.decode(event)["ChangeEventHeader"]["recordIds"] == [second]


def test_keepalive_carries_latest_replay_id(pubsub, sf):
    _lead(sf)
    sub = pubsub.subscribe(LEADS)
    response = sub.next_response()
    assert not response.events and response.rpc_id
    assert int.from_bytes(response.latest_replay_id, "big") >= 1
    assert response.pending_num_requested == 100


def test_replay_custom_earliest_latest(pubsub, sf):
    ids = [_lead(sf, f"R{i}") for i in range(3)]
    earliest = pubsub.subscribe(LEADS, preset=pb2.EARLIEST)
    events = earliest.events(3)
    assert [pubsub.decode(e)["ChangeEventHeader"]["recordIds"][0] for e in events] == ids
    replay_ids = [e.replay_id for e in events]
    assert replay_ids == sorted(replay_ids) and len(set(replay_ids)) == 3

    after_first = pubsub.subscribe(LEADS, preset=pb2.CUSTOM, replay_id=replay_ids[0])
    later = after_first.events(2)
    assert [e.replay_id for e in later] == replay_ids[1:]
    after_first.no_events_for(0.3)  # exactly the later events, nothing more

    latest = pubsub.subscribe(LEADS, preset=pb2.LATEST)
    latest.no_events_for(0.3)
    new_id = _lead(sf, "New")
    (event,) = latest.events(1)
    assert pubsub.decode(event)["ChangeEventHeader"]["recordIds"] == [new_id]
    # The same bytes on replay as on first delivery.
    (again,) = after_first.events(1)
    assert again.event.payload == event.event.payload and again.replay_id == event.replay_id


def test_expired_replay_id_is_refused(pubsub, sf, emulator_control):
    _lead(sf, "Old1"), _lead(sf, "Old2")
    events = pubsub.subscribe(LEADS, preset=pb2.EARLIEST).events(2)
    out = emulator_control.expire_change_events()
    assert out["expired"] >= 2
    sub = pubsub.subscribe(LEADS, preset=pb2.CUSTOM, replay_id=events[0].replay_id)
    with pytest.raises(grpc.RpcError) as info:
        sub.next_response()
    assert info.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    trailers = dict(info.value.trailing_metadata())
    assert trailers["error-code"] == (
        "sfdc.platform.eventbus.grpc.subscription.fetch.replayid.corrupted"
    )
    assert "rpcId:" in info.value.details()
    # The last replay id (nothing after it was missed) and EARLIEST still work.
    tip = pubsub.subscribe(LEADS, preset=pb2.CUSTOM, replay_id=events[1].replay_id)
    # Its first answer is a keepalive (waited for, not timed: a loaded machine sends it late).
    assert not tip.next_response(timeout=30).events
    earliest = pubsub.subscribe(LEADS, preset=pb2.EARLIEST)
    earliest.no_events_for(0.3)


def test_malformed_or_future_replay_id_is_refused(pubsub, sf):
    for bad in (b"\x01", (10**9).to_bytes(8, "big")):
        sub = pubsub.subscribe(LEADS, preset=pb2.CUSTOM, replay_id=bad)
        with pytest.raises(grpc.RpcError) as info:
            sub.next_response()
        assert info.value.code() == grpc.StatusCode.INVALID_ARGUMENT


def test_all_change_events_channel(pubsub, sf):
    sub = pubsub.subscribe("/data/ChangeEvents")
    sub.no_events_for(0.2)
    account = sf.Account.create({"Name": "Acme"})["id"]
    contact = sf.Contact.create({"LastName": "C", "AccountId": account})["id"]
    sf.Task.create({"Subject": "Call", "WhoId": contact})
    entities = [pubsub.decode(e)["ChangeEventHeader"]["entityName"] for e in sub.events(3)]
    assert entities == ["Account", "Contact", "Task"]


def test_topic_cannot_change_mid_stream(pubsub, sf):
    sub = pubsub.subscribe(LEADS)
    sub._requests.put(pb2.FetchRequest(topic_name="/data/ContactChangeEvent", num_requested=1))
    with pytest.raises(grpc.RpcError) as info:
        while True:
            sub.next_response()
    assert info.value.code() == grpc.StatusCode.INVALID_ARGUMENT
