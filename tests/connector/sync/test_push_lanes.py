"""A backfill of several batches pushes them at once: lanes apart by their claims.

Transactional: the lanes are threads with their own database connections.
"""

from __future__ import annotations

import threading
import time

import pytest

from connector.client import SalesforceClient
from connector.models import ContactSyncState
from connector.selectors import field_mappings_get
from connector.sync.push import contacts_push
from connector.sync.queue import contacts_mark_due
from marketing.models import Contact

pytestmark = pytest.mark.django_db(transaction=True)

N, BATCH = 1_000, 200


def push(integration_settings, **kwargs):
    client = SalesforceClient.from_settings(integration_settings)
    client.login()
    return contacts_push(
        client=client,
        integration_settings=integration_settings,
        mappings=field_mappings_get(),
        should_continue=lambda: True,
        **{"batch_size": BATCH, **kwargs},
    )


def claims_in_flight(stop: threading.Event, seen: list[int]) -> None:
    from django.db import connection

    while not stop.is_set():
        tokens = (
            ContactSyncState.objects.exclude(claim_token="")
            .values_list("claim_token", flat=True)
            .distinct()
        )
        seen.append(len(set(tokens)))
        time.sleep(0.02)
    connection.close()


@pytest.mark.slow
def test_two_lanes_push_batches_at_once_and_each_contact_once(salesforce, integration_settings):
    Contact.objects.bulk_create(
        [Contact(email=f"lane{i}@lanes.example", last_name=f"L{i}") for i in range(N)]
    )
    contacts_mark_due()
    # Each create call takes a while, so both lanes are seen with a batch in flight.
    salesforce.control.add_fault(r"/composite/sobjects$", method="POST", delay_s=0.4, count=100)
    stop, seen = threading.Event(), []
    watcher = threading.Thread(target=claims_in_flight, args=(stop, seen))
    watcher.start()
    try:
        counts = push(integration_settings, parallelism=2)
    finally:
        stop.set()
        watcher.join()
    assert max(seen) == 2  # two claimed batches at once, never more
    assert (counts.created, counts.updated, counts.failed) == (N, 0, 0)
    leads = salesforce.control.records("Lead", include_deleted=False)
    assert len(leads) == N
    assert len({lead["HubSync_Id__c"] for lead in leads}) == N
    assert Contact.objects.filter(salesforce_id="").count() == 0
    assert not ContactSyncState.objects.filter(due=True).exists()


@pytest.mark.slow
def test_the_limit_in_one_lane_stops_both_and_loses_nothing(salesforce, integration_settings):
    integration_settings.api_call_limit = 6  # the login, then a few batches' calls
    integration_settings.save()
    Contact.objects.bulk_create(
        [Contact(email=f"cap{i}@lanes.example", last_name=f"C{i}") for i in range(N)]
    )
    contacts_mark_due()
    from connector.errors import ApiLimitReached

    with pytest.raises(ApiLimitReached):
        push(integration_settings, parallelism=2)
    # After the login, 5 calls: one read of the org's addresses (it has none, so no batch
    # looks any up), then a create per batch. Never a fifth: the limit is never passed.
    # Three or four: two lanes that reach the last call together may both give it back
    # (each counts its call, then checks), however slow or fast the machine.
    created = len(salesforce.control.records("Lead", include_deleted=False))
    assert created in (3 * BATCH, 4 * BATCH)
    assert Contact.objects.exclude(salesforce_id="").count() == created
    # Every other contact is still due and unclaimed: the next cycle sends it.
    due = ContactSyncState.objects.filter(due=True)
    assert due.count() == N - created
    assert not due.exclude(claim_token="").exists()


def test_each_lane_logs_with_the_cycles_run_id(salesforce, integration_settings):
    """The lanes are threads: they run in a copy of the cycle's context, so every line they
    log (here the warning of a write Salesforce postponed) carries the run id."""
    import logging

    from connector.log_context import current_run_id, sync_run_logging

    Contact.objects.bulk_create(
        [Contact(email=f"log{i}@lanes.example", last_name=f"L{i}") for i in range(N)]
    )
    contacts_mark_due()
    seen: list[tuple[str, int | None]] = []

    class Recorder(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            seen.append((record.threadName, current_run_id()))

    recorder = Recorder(level=logging.WARNING)
    logger = logging.getLogger("connector.sync.push_writes")
    logger.addHandler(recorder)
    salesforce.control.add_fault(r"/composite/sobjects$", method="POST", status=503, count=100)
    try:
        with sync_run_logging(4242):
            push(integration_settings, parallelism=2)
    finally:
        logger.removeHandler(recorder)
    # How many lanes reach a write before the first postponed batch stops them depends on
    # the machine: what matters is that a lane thread logged, and every line has the run.
    assert any(name.startswith("push-lane") for name, _ in seen), seen
    assert {run_id for _, run_id in seen} == {4242}
