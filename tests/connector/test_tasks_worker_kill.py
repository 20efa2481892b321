"""Killed workers and concurrent worker processes: no record lost, none pushed twice.

A real Celery worker is SIGKILLed in the middle of a batch (its claims are left
behind, some of its writes reached Salesforce); a new worker finishes the sync once
the stale claims have aged past SALESFORCE_CLAIM_TTL_SECONDS (short here). Two
processes pushing at once split the work through the claims in the database.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress

import pytest

from connector.models import ContactSyncState, SyncRun, SyncRunStatus
from marketing.models import Contact
from tests.workers import ROOT, celery_workers, worker_env

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]

CLAIM_TTL_S = 3
CREATE = "POST /services/data/v<version>/composite/sobjects/"
# A queue of this test run's own: other test runs on the machine may share the broker
# (the filesystem one under var/), and their workers must not take these jobs.
QUEUE = f"test-worker-kill-{os.getpid()}-{uuid.uuid4().hex[:8]}"


def _env(salesforce, settings) -> dict[str, str]:
    return worker_env(salesforce, settings, SALESFORCE_CLAIM_TTL_SECONDS=str(CLAIM_TTL_S))


@pytest.fixture
def start_worker(salesforce, settings) -> Iterator[Callable[[str], subprocess.Popen]]:
    """Start real Celery worker processes on this test's own queue; all stop after the test."""
    from hubsync.celery import app

    with celery_workers(_env(salesforce, settings)) as start:
        yield lambda name: start(name, queue=QUEUE)
    with app.connection_for_write() as connection:
        connection.default_channel.queue_purge(QUEUE)


def enqueue_sync(trigger: str) -> None:
    from connector.tasks import salesforce_sync

    salesforce_sync.apply_async(kwargs={"trigger": trigger}, queue=QUEUE)


def wait_for(condition: Callable[[], bool], *, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def finished_runs(*, after: int) -> list[SyncRun]:
    return list(
        SyncRun.objects.filter(pk__gt=after)
        .exclude(status=SyncRunStatus.RUNNING)
        .order_by("started_at")
    )


def test_a_worker_killed_mid_batch_loses_nothing_and_duplicates_nothing(salesforce, start_worker):
    control = salesforce.control
    n = 1_200  # one batch, written as six collections of 200
    Contact.objects.bulk_create(
        [Contact(email=f"k{i}@kill.example", last_name=f"Kill{i}") for i in range(n)]
    )
    # Slow every create, so that the kill lands while the batch is being written.
    control.add_fault(r"/composite/sobjects$", method="POST", delay_s=0.4, count=1_000)
    first = start_worker("first")
    enqueue_sync("before_kill")
    wait_for(
        lambda: control.stats()["requests"].get(CREATE, 0) >= 3,
        timeout=60,
        what="the first worker's third collection call",
    )
    claimed = ContactSyncState.objects.filter(claimed_at__isnull=False).count()
    assert claimed == n  # the whole batch is claimed and in flight
    first.send_signal(signal.SIGKILL)
    first.wait(timeout=10)
    killed_at = time.monotonic()
    assert first.returncode == -signal.SIGKILL
    linked_before_kill = Contact.objects.exclude(salesforce_id="").count()
    # The dead worker left its claims (and its run) behind; part of it reached Salesforce.
    assert ContactSyncState.objects.filter(claimed_at__isnull=False).count() == n
    assert [run.status for run in SyncRun.objects.all()] == [SyncRunStatus.RUNNING]
    dead_run = SyncRun.objects.get()
    control.clear_faults()
    wait_for(
        lambda: control.stats()["faults"].get("delay", 0) >= 3,
        timeout=10,
        what="the stalled writes to land",
    )
    written_before = len(control.records("Lead"))
    assert 0 < written_before < n

    # The stale claims age past the TTL; then a new worker takes them over, either in
    # the killed job itself (acks_late: the filesystem broker hands it out again at once,
    # Redis after its visibility timeout) or in the next scheduled cycle.
    time.sleep(max(0.0, CLAIM_TTL_S + 0.5 - (time.monotonic() - killed_at)))
    start_worker("second")
    enqueue_sync("after_kill")

    def settled() -> bool:
        return (
            not ContactSyncState.objects.filter(due=True).exists()
            and not Contact.objects.filter(salesforce_id="").exists()
            and not SyncRun.objects.filter(status=SyncRunStatus.RUNNING).exists()
        )

    wait_for(settled, timeout=90, what="the new worker to finish the sync")
    # The dead worker's run is not left "running": the cycle that took its lock over ended it.
    dead_run.refresh_from_db()
    assert dead_run.status == SyncRunStatus.FAILED
    assert "stopped without finishing" in dead_run.reason
    after = finished_runs(after=dead_run.pk)
    assert after and all(run.status == SyncRunStatus.SUCCEEDED for run in after), [
        (run.status, run.reason) for run in after
    ]
    # What the dead worker wrote is never created again: it was linked before the kill,
    # or is found by email now (or upserted on HubSync_Id__c: its create was sent); only the
    # rest is created.
    total = Counter()
    for run in after:
        total.update(run.counts)
    found = total["push_matched"] + total["pull_linked"] + linked_before_kill
    assert found + total["push_updated"] >= written_before, [
        (run.pk, run.trigger, run.status, {k: v for k, v in run.counts.items() if v})
        for run in SyncRun.objects.all()
    ]
    assert total["push_created"] == n - written_before

    leads = control.records("Lead", include_deleted=False)
    emails = Counter(lead["Email"] for lead in leads)
    assert len(leads) == n, "lost or duplicated in Salesforce"
    assert set(emails) == {f"k{i}@kill.example" for i in range(n)}
    assert max(emails.values()) == 1
    linked = dict(Contact.objects.values_list("email", "salesforce_id"))
    assert {lead["Email"]: lead["Id"] for lead in leads} == linked
    assert not ContactSyncState.objects.filter(due=True).exists()
    assert not ContactSyncState.objects.filter(claimed_at__isnull=False).exists()


PUSH_SCRIPT = """
import json, django
django.setup()
from connector.client import SalesforceClient
from connector.sync.push import contacts_push
from connector.selectors import field_mappings_get, integration_settings_get
settings = integration_settings_get()
print("READY", flush=True)
input()  # both processes push from the same moment, however slowly each one started
counts = contacts_push(
    client=SalesforceClient.from_settings(settings),
    integration_settings=settings,
    mappings=field_mappings_get(),
    should_continue=lambda: True,
    batch_size=100,
)
print("COUNTS=" + json.dumps(counts.as_dict()))
"""


@contextmanager
def push_processes(env: dict[str, str], count: int) -> Iterator[list[subprocess.Popen]]:
    env = {**env, "DJANGO_SETTINGS_MODULE": "hubsync.settings"}
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", PUSH_SCRIPT],
            cwd=ROOT,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for _ in range(count)
    ]
    try:
        for process in processes:
            # Started Django and read the settings: waits for the word to push. (A process
            # that fails before that ends the loop; its output is kept for the test's message.)
            early = []
            while (line := process.stdout.readline()) and line.strip() != "READY":
                early.append(line)
            process.early_output = "".join(early)
        for process in processes:
            with suppress(BrokenPipeError):
                process.stdin.write("go\n")
                process.stdin.close()
            process.stdin = None  # said: communicate() has nothing more to send
        yield processes
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
                process.communicate()


def test_two_worker_processes_never_push_a_record_twice(salesforce, settings):
    from connector.sync.queue import contacts_mark_due

    n = 800
    Contact.objects.bulk_create(
        [Contact(email=f"p{i}@race.example", last_name=f"Race{i}") for i in range(n)]
    )
    contacts_mark_due()
    # Slow writes keep both processes busy at the same time.
    salesforce.control.add_fault(r"/composite/sobjects", delay_s=0.1, count=1_000)
    with push_processes(_env(salesforce, settings), 2) as processes:
        outputs = [process.communicate(timeout=120)[0] for process in processes]
    counts = []
    for process, output in zip(processes, outputs, strict=True):
        assert process.returncode == 0, (process.early_output + output)[-3000:]
        line = next(line for line in output.splitlines() if line.startswith("COUNTS="))
        counts.append(json.loads(line.removeprefix("COUNTS=")))
    assert sum(c["push_created"] for c in counts) == n
    assert sum(c["push_updated"] + c["push_matched"] for c in counts) == 0  # nothing twice
    assert all(c["push_created"] > 0 for c in counts), counts  # both took a share
    leads = salesforce.control.records("Lead")
    assert len(leads) == n
    assert len({lead["HubSync_Id__c"] for lead in leads}) == n
    assert not ContactSyncState.objects.filter(due=True).exists()
