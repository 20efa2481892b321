"""The model test's machinery steps do what they say (tests/connector/sync/model/): a step
that silently did nothing would make the model prove less than it claims."""

from __future__ import annotations

import pytest

from connector.change_events import ALL_CHANGES
from connector.models import ChangeEventStream, CycleLock, SyncRun, SyncRunStatus
from marketing.models import Contact
from tests.connector.sync.model.machine import SyncModel

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def state(model_world):
    return SyncModel()


def events_received() -> int:
    stream = ChangeEventStream.objects.get(topic=ALL_CHANGES)
    return stream.events_received


def test_the_listener_step_delivers_change_events_and_runs_their_cycles(state):
    state.start(hub=["ada@x.test"], sf=[])
    state.listener(rewind="forgotten")  # the first subscription catches up by a cycle
    assert SyncRun.objects.filter(trigger="change_events_catch_up").exists()
    state.sf_edit(i=0, edit=("job_title", "CTO"))
    state.listener(rewind=0)
    assert Contact.objects.get().job_title == "CTO"  # the event's cycle read it
    assert SyncRun.objects.filter(trigger="change_event", status="succeeded").count() == 1
    received = events_received()
    state.listener(rewind=1)  # one event again: a second cycle for it
    assert events_received() == received + 1
    assert SyncRun.objects.filter(trigger="change_event").count() == 2
    state.listener(rewind="expired")  # past the replay window: caught up by a cycle
    assert SyncRun.objects.filter(trigger="change_events_catch_up").count() == 2
    state.teardown()


@pytest.mark.subprocess
def test_the_killed_worker_leaves_its_lock_until_the_claim_ttl_has_passed(state):
    state.start(hub=["ada@x.test"], sf=[])
    state.hub_edit(i=0, edit=("phone", "+1 555 0100"))
    Contact.objects.filter(pk=Contact.objects.get().pk).update(phone="+1 555 0199")
    state.hub_edit(i=0, edit=("job_title", "CTO"))  # due again; its cycle pushes it
    state.sync_switch(on=False)
    state.hub_edit(i=0, edit=("job_title", "CEO"))  # due, not pushed (the sync is off)
    state.sync_switch(on=True)
    world = state.world
    assert world.cycle_killed("read", 1)
    dead = SyncRun.objects.get(trigger="model_killed")
    assert dead.status == SyncRunStatus.RUNNING  # it never finished
    assert CycleLock.objects.get().run_id == dead.pk
    assert world.cycle().status == "skipped"  # the dead worker's lease holds
    world.dead_worker_forgotten()
    assert world.cycle().status == "succeeded"
    dead.refresh_from_db()
    assert dead.status == SyncRunStatus.FAILED  # taken over, saying so
    state.faulted_runs.add(dead.pk)
    state.teardown()


@pytest.mark.subprocess
def test_the_listener_runs_after_a_dead_workers_lease_ran_out(state):
    """Its run stays "running" until a cycle takes the lock over: the listener's step waits
    for the lock, not for the runs."""
    state.start(hub=["ada@x.test"], sf=[])
    state.listener(rewind="forgotten")
    state.worker_killed(kind="read", n=1, meanwhile=False)
    assert SyncRun.objects.filter(trigger="model_killed", status="running").exists()
    state.listener(rewind=0)  # no event since: no cycle, and nothing to wait for
    state.teardown()
