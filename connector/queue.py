"""The push queue: which contacts are due for Salesforce, claimed, failed or parked.

State lives in :class:`ContactSyncState` rows. A cycle first *scans* contacts
changed since the last scan (an index range on ``updated_at``) and marks them
due; workers then *claim* due rows in bounded chunks with
``select_for_update(skip_locked=True)``, so two workers never push the same
contact; a claim older than CLAIM_TTL is taken to be from a dead worker and
may be claimed again (the upsert on HubSync_Id__c keeps that idempotent).
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.db import connection, transaction
from django.db.models import F, Max, OuterRef, Q, Subquery
from django.utils import timezone

from marketing.models import Contact, SmartList
from marketing.selectors import smart_list_contacts

from .models import ContactSyncState, SyncCursor, SyncDirection, SyncError

SCAN_CURSOR = "contacts_scanned"
# Changes are found by updated_at > last scan; overlap the window so that a
# transaction that committed late with an earlier stamp is still seen.
SCAN_OVERLAP = timedelta(minutes=2)
SCAN_CHUNK = 2_000
CLAIM_TTL = timedelta(minutes=30)
MAX_ATTEMPTS = 10
MAX_BACKOFF = timedelta(hours=6)


def contacts_mark_due(*, now: datetime | None = None) -> int:
    """Mark every contact changed since the last scan as due; returns how many rows changed.

    A contact whose ``updated_at`` equals its ``synced_version`` was written by
    the sync itself and is not due (no sync loops).
    """
    now = now or timezone.now()
    cursor, _ = SyncCursor.objects.get_or_create(name=SCAN_CURSOR)
    changed = Contact.objects.all()
    if cursor.value is not None:
        changed = changed.filter(updated_at__gt=cursor.value - SCAN_OVERLAP)
    newest = changed.aggregate(newest=Max("updated_at"))["newest"]
    if newest is None:
        return 0
    # New contacts: a due state row each (set-based, in bounded chunks).
    missing = changed.filter(sync_state__isnull=True).values_list("pk", flat=True)
    created = 0
    chunk: list[ContactSyncState] = []
    for pk in missing.iterator(chunk_size=SCAN_CHUNK):
        chunk.append(ContactSyncState(contact_id=pk, due=True))
        if len(chunk) >= SCAN_CHUNK:
            created += len(ContactSyncState.objects.bulk_create(chunk, ignore_conflicts=True))
            chunk = []
    if chunk:
        created += len(ContactSyncState.objects.bulk_create(chunk, ignore_conflicts=True))
    # Known contacts changed after their last sync.
    stale = ContactSyncState.objects.filter(contact__in=changed.values("pk")).filter(
        Q(synced_version__isnull=True) | Q(synced_version__lt=F("contact__updated_at"))
    )
    updated = stale.filter(due=False).update(due=True)
    # An edit after the last failure gives a parked contact a fresh start.
    stale.filter(parked=True, failed_version__lt=F("contact__updated_at")).update(
        parked=False, attempts=0, not_before=None
    )
    cursor.value = max(newest, cursor.value) if cursor.value else newest
    cursor.save(update_fields=["value", "updated_at"])
    return created + updated


def contacts_due_count(*, integration_settings) -> int:
    """How many contacts the push has to send now (the progress bar's total)."""
    due = ContactSyncState.objects.filter(due=True, parked=False, excluded=False).filter(
        Q(not_before__isnull=True) | Q(not_before__lte=timezone.now())
    )
    if integration_settings.inclusion_list is not None:
        members = smart_list_contacts(smart_list=integration_settings.inclusion_list)
        due = due.filter(contact__in=members.values("pk"))
    return due.count()


def contact_states_claim(
    *,
    limit: int,
    inclusion_list: SmartList | None,
    include_retries: bool = True,
    now: datetime | None = None,
) -> tuple[str, list[int]]:
    """Claim up to ``limit`` due contacts; returns the claim token and the contact ids.

    Contacts outside the inclusion list stay due: they flow once they match.
    ``include_retries`` False leaves failed contacts for later (API budget).
    """
    now = now or timezone.now()
    token = uuid.uuid4().hex
    with transaction.atomic():
        due = (
            ContactSyncState.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(due=True, parked=False, excluded=False)
            .filter(Q(not_before__isnull=True) | Q(not_before__lte=now))
            .filter(Q(claimed_at__isnull=True) | Q(claimed_at__lt=now - CLAIM_TTL))
        )
        if not include_retries:
            due = due.filter(attempts=0)
        if inclusion_list is not None:
            due = due.filter(
                contact__in=smart_list_contacts(smart_list=inclusion_list).values("pk")
            )
        ids = list(due.order_by("contact_id").values_list("contact_id", flat=True)[:limit])
        if ids:
            ContactSyncState.objects.filter(contact_id__in=ids).update(
                claimed_at=now, claim_token=token
            )
    return token, ids


def contact_states_release(*, token: str, contact_ids: Iterable[int]) -> None:
    """Give claimed contacts back untouched (the batch was interrupted)."""
    ContactSyncState.objects.filter(contact_id__in=list(contact_ids), claim_token=token).update(
        claimed_at=None, claim_token=""
    )


def contact_states_succeeded(*, token: str, versions: dict[int, datetime]) -> None:
    """Pushed: not due any more, unless the contact changed while it was in flight.

    ``versions`` are the contacts' ``updated_at`` as read for the push. Set-based
    (two UPDATEs and one read), so settling 10,000 contacts stays fast.
    """
    if not versions:
        return
    now = timezone.now()
    ids = list(versions)
    with transaction.atomic():
        ContactSyncState.objects.filter(contact_id__in=ids, claim_token=token).update(
            due=False,
            synced_version=Subquery(
                Contact.objects.filter(pk=OuterRef("contact_id")).values("updated_at")[:1]
            ),
            claimed_at=None,
            claim_token="",
            attempts=0,
            not_before=None,
            last_pushed_at=now,
        )
        # Changed in flight: what went out is not the newest value, so due again at once.
        current = Contact.objects.filter(pk__in=ids).values_list("pk", "updated_at")
        changed = [pk for pk, updated_at in current if updated_at != versions[pk]]
        if changed:
            ContactSyncState.objects.filter(contact_id__in=changed).update(due=True)
        SyncError.objects.filter(
            contact_id__in=ids,
            direction=SyncDirection.OUTBOUND,
            object_type__in=("Lead", "Contact"),
            resolved_at__isnull=True,
        ).update(resolved_at=now)


def contacts_link(links: dict[int, tuple[str, str]]) -> None:
    """Store ``{contact_id: (salesforce_object, salesforce_id)}``.

    One parametrised UPDATE run with executemany: Django's bulk_update builds a
    CASE expression per row, which took 20+ s for 10,000 contacts. Linking does
    not touch ``updated_at``: it is not a change to push again.
    """
    if not links:
        return
    table = connection.ops.quote_name(Contact._meta.db_table)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.executemany(
            f"UPDATE {table} SET salesforce_object = %s, salesforce_id = %s WHERE id = %s",
            [(sf_object, sf_id, pk) for pk, (sf_object, sf_id) in links.items()],
        )


def backoff(attempts: int) -> timedelta:
    """1, 2, 4, … minutes, capped at MAX_BACKOFF, with ±20 % jitter."""
    base = min(timedelta(minutes=2 ** max(attempts - 1, 0)), MAX_BACKOFF)
    return base * random.uniform(0.8, 1.2)


def contact_states_failed(
    *,
    token: str,
    failures: dict[int, tuple[str, str, str, tuple[str, ...], str]],
    versions: dict[int, datetime],
) -> None:
    """Record failed pushes: ``{contact_id: (object_type, code, message, fields, sf_id)}``.

    Each gets back-off; after MAX_ATTEMPTS it is parked for the nightly retry.
    """
    now = timezone.now()
    with transaction.atomic():
        states = {
            state.contact_id: state
            for state in ContactSyncState.objects.filter(
                contact_id__in=list(failures), claim_token=token
            )
        }
        for contact_id, (object_type, code, message, fields, sf_id) in failures.items():
            state = states.get(contact_id)
            if state is None:
                continue
            state.attempts += 1
            state.parked = state.attempts >= MAX_ATTEMPTS
            state.not_before = None if state.parked else now + backoff(state.attempts)
            state.claimed_at = None
            state.claim_token = ""
            state.failed_version = versions.get(contact_id)
            state.save(
                update_fields=[
                    "attempts",
                    "parked",
                    "not_before",
                    "claimed_at",
                    "claim_token",
                    "failed_version",
                ]
            )
            SyncError.objects.update_or_create(
                contact_id=contact_id,
                direction=SyncDirection.OUTBOUND,
                object_type=object_type,
                resolved_at=None,
                defaults={
                    "salesforce_id": sf_id,
                    "code": code,
                    "message": message,
                    "fields": list(fields),
                    "attempts": state.attempts,
                    "next_retry_at": state.not_before,
                    "parked": state.parked,
                },
            )


def contact_states_unpark(*, contact_ids: Iterable[int] | None = None, failed: bool = False) -> int:
    """Give failed contacts a fresh start: parked ones (nightly), all failed ones, or some.

    Used by the nightly retry, by *Retry* on the errors page, and when a setting
    changes that may make failed records pass.
    """
    states = ContactSyncState.objects.filter(due=True)
    if contact_ids is not None:
        states = states.filter(contact_id__in=list(contact_ids))
    elif failed:
        states = states.filter(attempts__gt=0)
    else:
        states = states.filter(parked=True)
    return states.update(parked=False, attempts=0, not_before=None)
