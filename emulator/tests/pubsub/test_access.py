"""Authentication, availability and which entities the org offers Change Data Capture for."""

from __future__ import annotations

import grpc
import pytest

from pubsub_api import pb2

LEADS = pb2.TopicRequest(topic_name="/data/LeadChangeEvent")


def _error(call):
    with pytest.raises(grpc.RpcError) as info:
        call()
    return info.value


def test_bad_token_or_tenant_is_unauthenticated(pubsub, emulator):
    org_id = emulator.control.org()["org_id"]
    good = dict(pubsub.metadata)
    cases = [
        {**good, "accesstoken": "not-a-session"},
        {**good, "tenantid": "00DHs0000000009AAA"},
        {k: v for k, v in good.items() if k != "instanceurl"},
        {},
    ]
    for metadata in cases:
        err = _error(lambda m=metadata: pubsub.stub.GetTopic(LEADS, metadata=tuple(m.items())))
        assert err.code() == grpc.StatusCode.UNAUTHENTICATED
        trailers = dict(err.trailing_metadata())
        assert trailers["error-code"] == "sfdc.platform.eventbus.grpc.service.auth.error"
    # The 15-character org id is accepted too.
    ok = {**good, "tenantid": org_id[:15]}
    assert pubsub.stub.GetTopic(LEADS, metadata=tuple(ok.items())).topic_name


def test_expired_session_is_unauthenticated(pubsub, emulator_control):
    emulator_control.expire_sessions()
    err = _error(lambda: pubsub.stub.GetTopic(LEADS, metadata=pubsub.metadata))
    assert err.code() == grpc.StatusCode.UNAUTHENTICATED
    sub = pubsub.subscribe("/data/LeadChangeEvent")
    with pytest.raises(grpc.RpcError) as info:
        sub.next_response()
    assert info.value.code() == grpc.StatusCode.UNAUTHENTICATED


def test_pubsub_disabled_is_unavailable(pubsub, emulator_control):
    sub = pubsub.subscribe("/data/LeadChangeEvent")
    sub.next_response()  # a keepalive: the stream is up
    emulator_control.configure_org(pubsub_enabled=False)
    with pytest.raises(grpc.RpcError) as info:
        while True:
            sub.next_response()
    assert info.value.code() == grpc.StatusCode.UNAVAILABLE
    err = _error(lambda: pubsub.stub.GetTopic(LEADS, metadata=pubsub.metadata))
    assert err.code() == grpc.StatusCode.UNAVAILABLE
    emulator_control.configure_org(pubsub_enabled=True)
    assert pubsub.stub.GetTopic(LEADS, metadata=pubsub.metadata).can_subscribe


def test_entities_selected_for_cdc(pubsub, sf, emulator_control):
    rows = sf.toolingexecute(
        "query/?q=SELECT+DeveloperName,EventChannel,SelectedEntity+FROM+PlatformEventChannelMember"
    )["records"]
    assert sorted(r["SelectedEntity"] for r in rows) == [
        "AccountChangeEvent",
        "CampaignChangeEvent",
        "CampaignMemberChangeEvent",
        "ContactChangeEvent",
        "LeadChangeEvent",
        "OpportunityChangeEvent",
        "TaskChangeEvent",
    ]
    assert {r["EventChannel"] for r in rows} == {"ChangeEvents"}

    emulator_control.configure_org(change_data_capture_entities=["Lead"])
    rows = sf.toolingexecute("query/?q=SELECT+SelectedEntity+FROM+PlatformEventChannelMember")
    assert [r["SelectedEntity"] for r in rows["records"]] == ["LeadChangeEvent"]
    contacts = pb2.TopicRequest(topic_name="/data/ContactChangeEvent")
    err = _error(lambda: pubsub.stub.GetTopic(contacts, metadata=pubsub.metadata))
    assert err.code() == grpc.StatusCode.NOT_FOUND
    sf.Contact.create({"LastName": "Not captured"})
    sf.Lead.create({"LastName": "Captured", "Company": "X"})
    events = pubsub.subscribe("/data/ChangeEvents", preset=pb2.EARLIEST).events(1)
    assert pubsub.decode(events[0])["ChangeEventHeader"]["entityName"] == "Lead"

    emulator_control.configure_org(change_data_capture_entities=[])
    err = _error(lambda: pubsub.stub.GetTopic(LEADS, metadata=pubsub.metadata))
    assert err.code() == grpc.StatusCode.NOT_FOUND


def test_unknown_topic_schema_and_publish(pubsub):
    unknown = pb2.TopicRequest(topic_name="/data/WidgetChangeEvent")
    assert (
        _error(lambda: pubsub.stub.GetTopic(unknown, metadata=pubsub.metadata)).code()
        == grpc.StatusCode.NOT_FOUND
    )
    schema = pb2.SchemaRequest(schema_id="nope")
    assert (
        _error(lambda: pubsub.stub.GetSchema(schema, metadata=pubsub.metadata)).code()
        == grpc.StatusCode.NOT_FOUND
    )
    publish = pb2.PublishRequest(topic_name="/data/LeadChangeEvent")
    assert (
        _error(lambda: pubsub.stub.Publish(publish, metadata=pubsub.metadata)).code()
        == grpc.StatusCode.PERMISSION_DENIED
    )
