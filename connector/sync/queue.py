"""The push queue: which contacts are due for Salesforce, claimed, failed or parked.

State lives in :class:`ContactSyncState` rows. A cycle first *scans* contacts
changed since the last scan (an index range on ``updated_at``) and marks them
due; workers then *claim* due rows in bounded chunks with
``select_for_update(skip_locked=True)``, so two workers never push the same
contact; a claim older than CLAIM_TTL is taken to be from a dead worker and
may be claimed again (a contact whose create was sent is upserted on HubSync_Id__c the
next time, which keeps that idempotent).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F, Max, Q, QuerySet
from django.utils import timezone

from marketing.models import Contact, SmartList
from marketing.selectors import smart_list_contacts

from ..bulk_writes import TablesGrowth, rows_insert_select, rows_update
from ..models import ContactSyncState, IntegrationSettings, SyncCursor
from .failures import PEOPLE, failures_resolve

SCAN_CURSOR = "contacts_scanned"
# Changes are found by updated_at > last scan; overlap the window so that a
# transaction that committed late with an earlier stamp is still seen.
SCAN_OVERLAP = timedelta(minutes=2)
# A claim older than this is a dead worker's (settings.SALESFORCE_CLAIM_TTL_SECONDS overrides).
CLAIM_TTL = timedelta(minutes=30)


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
    # New contacts: a due state row each, in one INSERT ... SELECT (bulk_create of the
    # rows read into Python took 10 s for 100,000 new contacts; this takes well under 1 s).
    created = rows_insert_select(
        ContactSyncState,
        "contact",
        # No ORDER BY (Contact's default is id): with it SQLite walks the whole table in id
        # order instead of the updated_at index range (21 ms at 200,000 contacts, now <1 ms).
        changed.filter(sync_state__isnull=True).order_by().values(state_contact=F("pk")),
        values={"due": True},
        ignore_conflicts=True,
    )
    # An import of many contacts: statistics for the new states, and for the contacts
    # themselves, at once (PostgreSQL). Without them the push's per-batch UPDATEs scanned
    # every state (0.8 s a batch at 2,000,000), and linking each batch's contacts hash-joined
    # the whole contacts table (216 scans, a fifth of PostgreSQL's CPU in that push).
    TablesGrowth([ContactSyncState, Contact]).rows_added(created)
    # Known contacts changed after their last sync.
    stale = ContactSyncState.objects.filter(contact__in=changed.values("pk")).filter(
        Q(synced_version__isnull=True) | Q(synced_version__lt=F("contact__updated_at"))
    )
    updated = stale.filter(due=False).update(due=True)
    # An edit after the last failure gives a parked contact a fresh start (one that needed
    # a fix too: the edit may be the fix).
    stale.filter(parked=True, failed_version__lt=F("contact__updated_at")).update(
        parked=False, needs_fix=False, attempts=0, not_before=None
    )
    cursor.value = max(newest, cursor.value) if cursor.value else newest
    cursor.save(update_fields=["value", "updated_at"])
    return created + updated


def contacts_due_count(*, integration_settings: IntegrationSettings) -> int:
    """How many contacts the push has to send now (the progress bar's total)."""
    return _due_now(integration_settings).count()


def contacts_due_more_than(n: int, *, integration_settings: IntegrationSettings) -> bool:
    """Whether more than ``n`` contacts are due (reads at most n + 1 of them)."""
    return _due_now(integration_settings)[n : n + 1].exists()


def contacts_unlinked_count(*, at_most: int) -> int:
    """How many contacts have no Salesforce record yet, counted up to ``at_most`` (what a
    backfill's lookups may cost). Read from the contacts' salesforce_id index alone: joined
    with the due states right after an import (no statistics yet) PostgreSQL took minutes."""
    return Contact.objects.filter(salesforce_id="")[:at_most].count()


def _due_now(integration_settings: IntegrationSettings) -> QuerySet[ContactSyncState]:
    due = ContactSyncState.objects.filter(due=True, parked=False, excluded=False).filter(
        Q(not_before__isnull=True) | Q(not_before__lte=timezone.now())
    )
    if integration_settings.inclusion_list is not None:
        members = smart_list_contacts(smart_list=integration_settings.inclusion_list)
        due = due.filter(contact__in=members.values("pk"))
    return due


def claim_ttl() -> timedelta:
    """How old a claim must be to be taken for a dead worker's and claimed again."""
    seconds = getattr(settings, "SALESFORCE_CLAIM_TTL_SECONDS", None)
    return timedelta(seconds=seconds) if seconds else CLAIM_TTL


def contact_states_claim(
    *,
    limit: int,
    inclusion_list: SmartList | None,
    include_retries: bool = True,
    now: datetime | None = None,
    after: int = -1,
) -> tuple[str, list[int]]:
    """Claim up to ``limit`` due contacts; returns the claim token and the contact ids.

    Contacts outside the inclusion list stay due: they flow once they match.
    ``include_retries`` False leaves failed contacts for later (API budget).
    ``after``: only contacts past this id (a backfill's lanes claim on from where the last
    claim ended: the contacts claimed before stay due until their batch settles, and each
    claim read past all of them — 0.5 s a claim, 220 s in all, at 2,000,000 contacts).
    """
    now = now or timezone.now()
    token = uuid.uuid4().hex
    with transaction.atomic():
        due = (
            ContactSyncState.objects.filter(due=True, parked=False, excluded=False)
            .filter(Q(not_before__isnull=True) | Q(not_before__lte=now))
            .filter(Q(claimed_at__isnull=True) | Q(claimed_at__lt=now - claim_ttl()))
        )
        if not include_retries:
            due = due.filter(attempts=0)
        if inclusion_list is None:
            due = due.filter(contact_id__gt=after).select_for_update(skip_locked=True, of=("self",))
            ids = list(_in_order(due)[:limit])
        else:
            ids = _members_in_order(due, inclusion_list, limit, after)
        if ids:
            ContactSyncState.objects.filter(contact_id__in=ids).update(
                claimed_at=now, claim_token=token
            )
    return token, ids


# Due contacts looked at per step of a claim with an inclusion list.
CLAIM_WINDOW = 20_000


def _in_order(due: QuerySet[ContactSyncState]) -> QuerySet[Any]:
    # "due" first, as in the partial index syncstate_due (due, contact) WHERE due: then
    # SQLite reads that index in order instead of scanning every state row by contact_id
    # (12 ms at 200,000 contacts with nothing due). The order is the same: due is true.
    return due.order_by("due", "contact_id").values_list("contact_id", flat=True)


def _members_in_order(
    due: QuerySet[ContactSyncState], inclusion_list: SmartList, limit: int, after: int
) -> list[int]:
    """The first ``limit`` due contacts that are in the inclusion list, window by window.

    One query with the list's conditions and a LIMIT lets PostgreSQL's planner, which takes
    ten conditions to match almost nothing, evaluate the list for every contact first
    (1.3 s at 200,000 contacts, growing with the table); a window of due contacts in index
    order, then the list on just that range of contacts, keeps each step bounded.
    """
    members = smart_list_contacts(smart_list=inclusion_list)
    candidates = due.select_for_update(skip_locked=True, of=("self",))
    ids: list[int] = []
    while len(ids) < limit:
        # The window's last due contact (one index read), then the list on that range, on
        # both tables: PostgreSQL carries no range condition across a join.
        last = _in_order(due.filter(contact_id__gt=after))[CLAIM_WINDOW - 1 : CLAIM_WINDOW]
        upto = next(iter(last), None)
        bounds = {"gt": after} if upto is None else {"gt": after, "lte": upto}
        window = candidates.filter(
            **{f"contact_id__{op}": value for op, value in bounds.items()},
            contact__in=members.filter(
                **{f"pk__{op}": value for op, value in bounds.items()}
            ).values("pk"),
        )
        ids += _in_order(window)[: limit - len(ids)]
        if upto is None:
            break
        after = upto
    return ids


def contact_states_release(*, token: str, contact_ids: Iterable[int]) -> None:
    """Give claimed contacts back untouched (the batch was interrupted)."""
    ContactSyncState.objects.filter(contact_id__in=list(contact_ids), claim_token=token).update(
        claimed_at=None, claim_token=""
    )


def contact_states_succeeded(
    *,
    token: str,
    versions: Mapping[int, datetime],
    bases: Mapping[int, dict[str, str]] | None = None,
) -> None:
    """Pushed: not due any more, unless the contact changed while it was in flight; each
    contact's new base (``bases``, ContactSyncState.synced_values) stored with it.

    ``versions`` are the contacts' ``updated_at`` as read for the push: each becomes its
    contact's ``synced_version`` in one many-row UPDATE (each state row written once: at
    2,000,000 contacts a second UPDATE for the bases took 0.8 s a batch). A contact whose
    ``updated_at`` moved on meanwhile is found by the database and is due again at once
    (read back into Python, the versions cost 7 % of a push's worker CPU).
    """
    if not versions:
        return
    bases = bases or {}
    done = {
        "claimed_at": None,
        "claim_token": "",
        "attempts": 0,
        "not_before": None,
        "last_pushed_at": timezone.now(),
        "create_sent": False,
        "due": False,
    }
    claimed = {"claim_token": token}
    with transaction.atomic():
        rows_update(
            ContactSyncState,
            ["synced_version"],
            ((version, pk) for pk, version in versions.items() if pk not in bases),
            constants=done,
            where=claimed,
        )
        rows_update(
            ContactSyncState,
            ["synced_version", "synced_values"],
            ((version, bases[pk], pk) for pk, version in versions.items() if pk in bases),
            constants=done,
            where=claimed,
        )
        # Changed in flight: what went out is not the newest value, so due again at once.
        ContactSyncState.objects.filter(
            contact_id__in=list(versions), due=False, synced_version__lt=F("contact__updated_at")
        ).update(due=True)
        failures_resolve(contact_ids=list(versions), object_types=PEOPLE)


def contacts_link(links: Mapping[int, tuple[str, str]], *, creates_answered: bool = True) -> None:
    """Store ``{contact_id: (salesforce_object, salesforce_id)}``.

    One many-row UPDATE (:func:`rows_update`): Django's bulk_update builds a CASE
    expression per row, which took 20+ s for 10,000 contacts. Linking does
    not touch ``updated_at``: it is not a change to push again.
    ``creates_answered`` False: the caller clears ``create_sent`` itself.
    """
    if not links:
        return
    with transaction.atomic():
        rows_update(
            Contact,
            ["salesforce_object", "salesforce_id"],
            ((sf_object, sf_id, pk) for pk, (sf_object, sf_id) in links.items()),
        )
        if creates_answered:
            contact_creates_answered(links.keys())


def contacts_reread(contact_ids: Iterable[int]) -> None:
    """These contacts' records are read again by Id by the next pull (once the contacts
    are in the inclusion list): see ``ContactSyncState.reread_when_included``."""
    ids = list(contact_ids)
    if ids:
        ContactSyncState.objects.filter(contact_id__in=ids).update(reread_when_included=True)


def contact_creates_sent(contact_ids: list[int]) -> None:
    """Mark contacts whose create goes out now (before it goes): see ``create_sent``."""
    if contact_ids:
        ContactSyncState.objects.filter(contact_id__in=contact_ids, create_sent=False).update(
            create_sent=True
        )


def contact_creates_answered(contact_ids: Iterable[int]) -> None:
    """Salesforce answered these contacts' creates (created or refused, record by record):
    the next try creates again, so a record someone else gave the id stays refused."""
    ids = list(contact_ids)
    if ids:
        ContactSyncState.objects.filter(contact_id__in=ids, create_sent=True).update(
            create_sent=False
        )


def contacts_with_creates_sent(contact_ids: list[int]) -> set[int]:
    """Those of ``contact_ids`` whose earlier create may have reached Salesforce."""
    return set(
        ContactSyncState.objects.filter(contact_id__in=contact_ids, create_sent=True).values_list(
            "contact_id", flat=True
        )
    )
