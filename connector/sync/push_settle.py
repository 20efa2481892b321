"""A claimed push batch's end: every write answered, what moved meanwhile followed, every
outcome stored (links, states, bases, errors, history) in one transaction."""

from __future__ import annotations

from django.db import transaction

from ..client import SalesforceClient
from ..messages import DUPLICATE_LINKED, said, said_error
from ..models import SyncDirection, SyncEventOutcome
from .failures import contact_failures_record
from .history import ContactEvent, contact_events_write
from .push_batch import PushBatch
from .push_moves import follow_converted, link_duplicate_matches
from .push_writes import PushCounts
from .queue import (
    contact_creates_answered,
    contact_states_release,
    contact_states_succeeded,
    contacts_link,
    contacts_reread,
)


def batch_finish(client: SalesforceClient, batch: PushBatch, counts: PushCounts) -> int:
    """Every write of the batch answered: follow what moved meanwhile, then settle."""
    try:
        follow_converted(client, batch)
        link_duplicate_matches(batch)
    except Exception:  # noqa: BLE001 — whatever ends the batch, its outcomes are kept
        batch_settle(batch, counts)
        raise
    return batch_settle(batch, counts)


def batch_settle(batch: PushBatch, counts: PushCounts) -> int:
    """Store every outcome; contacts with no outcome yet are released, still due."""
    with transaction.atomic():
        contacts_link(batch.links, creates_answered=False)
        # Linked to a Contact hubsync did not create (matched by email, a duplicate rule's
        # match, a conversion followed): the next pull reads it, and so its Account.
        contacts_reread(
            {
                pk
                for pk, (sf_object, _) in batch.links.items()
                if sf_object == "Contact" and pk not in batch.created
            }
            | (batch.moved - set(batch.links))
        )
        # A linked or answered contact's create is settled: the success UPDATE below clears
        # create_sent on its own (each state row written once: 0.1 s per 10,000 contacts).
        contact_creates_answered(
            (batch.creates_answered | batch.links.keys()) - batch.succeeded.keys()
        )
        contact_states_succeeded(
            token=batch.token,
            versions=batch.succeeded,
            bases={pk: batch.bases[pk] for pk in batch.succeeded if pk in batch.bases},
        )
        contact_failures_record(token=batch.token, failures=batch.failures, versions=batch.versions)
        _record_events(batch)
    counts.failed += len(batch.failures)
    settled = set(batch.succeeded) | set(batch.failures)
    pending = [pk for pk in batch.versions if pk not in settled]
    counts.retried_later += len([pk for pk in pending if pk in batch.unsettled])
    contact_states_release(token=batch.token, contact_ids=pending)
    # Contacts that moved to another record (a conversion, a duplicate rule's match) are due
    # again: progress, so the next batch writes them where they are now.
    return len(settled) + len(batch.moved - settled)


def _record_events(batch: PushBatch) -> None:
    """Each contact's sync history: what went to Salesforce, or why it did not."""
    events = []
    for pk in batch.succeeded:
        sf_object, sf_id = batch.links.get(pk) or batch.targets.get(pk) or ("", "")
        outcome = SyncEventOutcome.CREATED if pk in batch.created else SyncEventOutcome.UPDATED
        fields = batch.sent_fields.get(pk, [])
        events.append(ContactEvent(pk, SyncDirection.OUTBOUND, sf_object, sf_id, outcome, fields))
    events += [
        ContactEvent(
            pk,
            SyncDirection.OUTBOUND,
            *batch.links[pk],
            SyncEventOutcome.LINKED,
            detail=said(DUPLICATE_LINKED),
        )
        for pk in batch.duplicate_linked
    ]
    events += [
        ContactEvent(
            pk,
            SyncDirection.OUTBOUND,
            f.object_type,
            f.salesforce_id,
            SyncEventOutcome.FAILED,
            batch.sent_fields.get(pk, []),
            said_error(f.code, f.message),
        )
        for pk, f in batch.failures.items()
    ]
    contact_events_write(events)
