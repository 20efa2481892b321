"""Which change events bring a change hubsync reads (pure: no database, no network)."""

from __future__ import annotations

from datetime import UTC, datetime

from connector.change_events import ChangeEvent, change_event_relevant

HUBSYNC = "005Hs00000000AAAIA"  # 18 characters; events may carry the 15-character form
REP = "005Hs00000000BBAIA"
OURS = {
    "objects": ("Lead", "Contact", "Account", "Opportunity"),
    "own_user": HUBSYNC,
    "own_fields": frozenset({"FirstName", "LastName", "Email", "Company", "Title"}),
}


def event(entity="Lead", change="UPDATE", user=REP, fields=("LastName",)) -> ChangeEvent:
    return ChangeEvent(
        entity=entity,
        change_type=change,
        record_ids=("00QHs0000000001MAA",),
        changed_fields=tuple(fields),
        commit_timestamp=datetime(2026, 12, 1, tzinfo=UTC),
        commit_user=user,
    )


def test_a_change_by_someone_else_is_read():
    for change in ("CREATE", "UPDATE", "DELETE", "UNDELETE"):
        assert change_event_relevant(event(change=change), **OURS) is True


def test_objects_hubsync_does_not_read_are_ignored():
    assert change_event_relevant(event(entity="Case"), **OURS) is False
    assert change_event_relevant(event(entity="Task"), **OURS) is False  # task sync off
    assert change_event_relevant(event(entity="Task"), **(OURS | {"objects": ("Task",)})) is True


def test_hubsyncs_own_creates_and_updates_of_its_fields_are_echoes():
    assert change_event_relevant(event(change="CREATE", user=HUBSYNC), **OURS) is False
    own = event(user=HUBSYNC[:15], fields=("Name.LastName", "Email", "LastModifiedDate"))
    assert change_event_relevant(own, **OURS) is False


def test_automation_running_as_hubsync_on_other_fields_is_a_change():
    """A flow that sets Rating when hubsync writes the Lead runs as hubsync's user."""
    flow = event(user=HUBSYNC, fields=("LastName", "Rating", "LastModifiedDate"))
    assert change_event_relevant(flow, **OURS) is True
    assert change_event_relevant(event(change="DELETE", user=HUBSYNC), **OURS) is True


def test_without_knowing_its_user_every_change_is_read():
    assert change_event_relevant(event(change="CREATE", user=HUBSYNC), **(OURS | {"own_user": ""}))
