"""Which change events bring a change hubsync reads (pure: no database, no network)."""

from __future__ import annotations

from datetime import UTC, datetime

from connector.change_events import (
    ChangeEvent,
    change_event_field,
    change_event_maybe_own,
    change_event_relevant,
    change_origin_client,
)

HUBSYNC = "005Hs00000000AAAIA"  # 18 characters; events may carry the 15-character form
REP = "005Hs00000000BBAIA"
REST = "com/salesforce/api/rest/59.0"
MARKED = f"{REST};client=hubsync"
FIELDS = frozenset({"FirstName", "LastName", "Email", "Company", "Title"})
OURS = {
    "objects": ("Lead", "Contact", "Account", "Opportunity"),
    "own_client": "hubsync",
    "own_fields": FIELDS,
}


def event(
    entity="Lead", change="UPDATE", user=REP, fields=("LastName",), origin=REST
) -> ChangeEvent:
    return ChangeEvent(
        entity=entity,
        change_type=change,
        record_ids=("00QHs0000000001MAA",),
        changed_fields=tuple(fields),
        commit_timestamp=datetime(2026, 12, 1, tzinfo=UTC),
        commit_user=user,
        change_origin=origin,
    )


def test_the_client_id_is_read_from_the_change_origin():
    assert change_origin_client(MARKED) == "hubsync"
    assert change_origin_client("com/salesforce/api/bulkapi/59.0;client=DataLoader") == (
        "DataLoader"
    )
    assert change_origin_client(REST) == ""
    assert change_origin_client("") == ""


def test_a_change_by_someone_else_is_read():
    for change in ("CREATE", "UPDATE", "DELETE", "UNDELETE"):
        assert change_event_relevant(event(change=change), **OURS) is True


def test_objects_hubsync_does_not_read_are_ignored():
    assert change_event_relevant(event(entity="Case"), **OURS) is False
    assert change_event_relevant(event(entity="Task"), **OURS) is False  # task sync off
    assert change_event_relevant(event(entity="Task"), **(OURS | {"objects": ("Task",)})) is True


def test_writes_marked_client_hubsync_of_its_fields_are_echoes():
    assert change_event_relevant(event(change="CREATE", origin=MARKED), **OURS) is False
    own = event(fields=("Name.LastName", "Email", "LastModifiedDate"), origin=MARKED)
    assert change_event_relevant(own, **OURS) is False


def test_the_integration_user_through_another_client_is_a_change():
    """The same user, without hubsync's mark (Data Loader, the UI, another integration)."""
    for origin in (REST, "com/salesforce/api/rest/59.0;client=DataLoader", ""):
        for change in ("CREATE", "UPDATE"):
            mine = event(change=change, user=HUBSYNC, origin=origin)
            assert change_event_relevant(mine, **OURS) is True


def test_automation_running_on_hubsyncs_write_on_other_fields_is_a_change():
    """A flow that sets Rating when hubsync writes the Lead runs within hubsync's call."""
    flow = event(user=HUBSYNC, fields=("LastName", "Rating", "LastModifiedDate"), origin=MARKED)
    assert change_event_relevant(flow, **OURS) is True
    assert change_event_relevant(event(change="DELETE", origin=MARKED), **OURS) is True


def test_unmarked_api_writes_by_hubsyncs_user_may_be_its_own():
    """Composite and Collections may drop the client id: such writes are checked against
    what hubsync wrote; the UI's (no origin), another client's and another user's are not."""
    mine = {"own_user": HUBSYNC, "own_fields": FIELDS}
    assert change_event_maybe_own(event(change="CREATE", user=HUBSYNC[:15]), **mine) is True
    assert change_event_maybe_own(event(user=HUBSYNC, fields=("Email",)), **mine) is True
    assert change_event_maybe_own(event(user=HUBSYNC, fields=("Rating",)), **mine) is False
    assert change_event_maybe_own(event(change="DELETE", user=HUBSYNC), **mine) is False
    assert change_event_maybe_own(event(change="CREATE", user=HUBSYNC, origin=""), **mine) is False
    other_client = event(change="CREATE", user=HUBSYNC, origin=f"{REST};client=DataLoader")
    assert change_event_maybe_own(other_client, **mine) is False
    assert change_event_maybe_own(event(change="CREATE"), **mine) is False
    assert change_event_maybe_own(event(change="CREATE", origin=MARKED), **mine) is False


def test_compound_components_are_named_as_the_fields_they_are():
    """Change Data Capture names compound components under the compound: a name's are the
    fields themselves, an address's carry the address's prefix."""
    assert change_event_field("Name.FirstName") == "FirstName"
    assert change_event_field("Address.City") == "City"
    assert change_event_field("MailingAddress.StateCode") == "MailingStateCode"
    assert change_event_field("OtherAddress.City") == "OtherCity"
    assert change_event_field("BillingAddress.PostalCode") == "BillingPostalCode"
    assert change_event_field("Email") == "Email"
    contact_fields = frozenset({"LastName", "Email", "MailingState", "MailingCountry"})
    ours = OURS | {"own_fields": contact_fields}
    own = event("Contact", fields=("MailingAddress.State", "MailingAddress.Country"), origin=MARKED)
    assert change_event_relevant(own, **ours) is False
    other = event("Contact", fields=("OtherAddress.State",), origin=MARKED)
    assert change_event_relevant(other, **ours) is True
