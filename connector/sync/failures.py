"""Sync failures: the one module that records, backs off, parks, resolves and retries them.

A failure is a :class:`Failure` (Salesforce's own code and message, or hubsync's
for a value it cannot store). Outbound failures that waiting can heal (a locked
row, a 5xx, a timeout) back off — 1, 2, 4 … minutes, at most MAX_BACKOFF, with
jitter — and after MAX_ATTEMPTS wait, *parked*, for the nightly retry or *Retry*
on the errors page. Failures that waiting cannot heal (:data:`NEEDS_A_FIX`: a
validation rule, a required field, a duplicate rule …) are never retried
unchanged: they *need a fix* and wait until the contact changes, a setting or
mapping changes, the org's schema changes, or a person clicks *Retry* — no API
call is spent on them meanwhile. A contact's push is backed off on its
ContactSyncState; a task or activity write on its open SyncError row. Inbound
failures have no back-off: the record is read again when it changes.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Max, Min, Q, QuerySet
from django.utils import timezone

from ..bulk_writes import rows_insert, rows_update
from ..messages import message_stored
from ..models import ContactSyncState, SyncCursor, SyncDirection, SyncError, SyncRun, SyncRunStatus

MAX_ATTEMPTS = 10
MAX_BACKOFF = timedelta(hours=6)
PEOPLE = ("Lead", "Contact")

# Codes that mean "this record, as it is, can never be saved": Salesforce's (the admin's
# validation rules, required and restricted fields, field-level security, duplicate rules,
# values out of range) and hubsync's own (a country or state the org's picklist lacks).
# Anything else — locks, 5xx, timeouts, limits, codes not listed — keeps the back-off.
NEEDS_A_FIX = frozenset(
    {
        "FIELD_CUSTOM_VALIDATION_EXCEPTION",
        "REQUIRED_FIELD_MISSING",
        "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
        "INVALID_EMAIL_ADDRESS",
        "INVALID_FIELD_FOR_INSERT_UPDATE",
        "INVALID_FIELD",
        "DUPLICATES_DETECTED",
        "DUPLICATE_VALUE",
        "DUPLICATE_EXTERNAL_ID",
        "STRING_TOO_LONG",
        "FIELD_INTEGRITY_EXCEPTION",
        "INVALID_CROSS_REFERENCE_KEY",
        "INVALID_TYPE_ON_FIELD_IN_RECORD",
        "NUMBER_OUTSIDE_VALID_RANGE",
        "MALFORMED_ID",
        "INSUFFICIENT_ACCESS_ON_CROSS_REFERENCE_ENTITY",
        "INVALID_COUNTRY",
        "INVALID_STATE",
        "STATE_WITHOUT_COUNTRY",
        "INVALID_RECORD_TYPE",
        "CANNOT_UPDATE_CONVERTED_LEAD",
        "INACTIVE_OWNER_OR_USER",
    }
)


@dataclass(frozen=True)
class Failure:
    """Why one record did not sync."""

    object_type: str
    code: str
    message: str
    fields: tuple[str, ...] = ()
    salesforce_id: str = ""

    @property
    def needs_fix(self) -> bool:
        return self.code in NEEDS_A_FIX


@dataclass(frozen=True)
class Retry:
    """What happens after a failed attempt: the count, parked or not, and when to try again.
    ``needs_fix``: parked until something changes, never by the clock."""

    attempts: int
    parked: bool
    not_before: datetime | None
    needs_fix: bool = False


def backoff(
    attempts: int, *, jitter: Callable[[float, float], float] = random.uniform
) -> timedelta:
    """1, 2, 4, … minutes (SALESFORCE_RETRY_BACKOFF_SECONDS) after the 1st, 2nd, 3rd
    failure, capped at MAX_BACKOFF, ±20 %."""
    first = timedelta(seconds=int(getattr(settings, "SALESFORCE_RETRY_BACKOFF_SECONDS", 60)))
    base = min(first * int(2 ** max(attempts - 1, 0)), MAX_BACKOFF)
    return base * jitter(0.8, 1.2)


def retry_after(previous_attempts: int, *, now: datetime, needs_fix: bool = False) -> Retry:
    """The back-off policy: the next try after one more failure, or parked after MAX_ATTEMPTS;
    a failure that waiting cannot heal is parked at once, needing a fix."""
    attempts = previous_attempts + 1
    if needs_fix:
        return Retry(attempts, True, None, needs_fix=True)
    if attempts >= MAX_ATTEMPTS:
        return Retry(attempts, True, None)
    return Retry(attempts, False, now + backoff(attempts))


def contact_failures_record(
    *, token: str, failures: Mapping[int, Failure], versions: Mapping[int, datetime]
) -> None:
    """Failed pushes of claimed contacts: back-off on their sync state, one open error each.

    Set-based (a save and an update_or_create per contact took ~10 s for 10,000
    rejected records).
    """
    if not failures:
        return
    now = timezone.now()
    with transaction.atomic():
        attempts = dict(
            ContactSyncState.objects.filter(
                contact_id__in=list(failures), claim_token=token
            ).values_list("contact_id", "attempts")
        )
        retries = {
            pk: retry_after(tries, now=now, needs_fix=failures[pk].needs_fix)
            for pk, tries in attempts.items()
        }
        rows_update(
            ContactSyncState,
            [
                "attempts",
                "parked",
                "needs_fix",
                "not_before",
                "claimed_at",
                "claim_token",
                "failed_version",
            ],
            [
                (r.attempts, r.parked, r.needs_fix, r.not_before, None, "", versions.get(pk), pk)
                for pk, r in retries.items()
            ],
        )
        _errors_write({pk: (failures[pk], r) for pk, r in retries.items()}, now=now)


def record_failures_record(*, failures: Mapping[int, Failure]) -> None:
    """Failed writes of a contact's tasks or activities: back-off on the open error itself."""
    if not failures:
        return
    now = timezone.now()
    with transaction.atomic():
        previous = {
            (contact_id, object_type): tries
            for contact_id, object_type, tries in _open_outbound(failures).values_list(
                "contact_id", "object_type", "attempts"
            )
        }
        _errors_write(
            {
                pk: (
                    f,
                    retry_after(
                        previous.get((pk, f.object_type), 0), now=now, needs_fix=f.needs_fix
                    ),
                )
                for pk, f in failures.items()
            },
            now=now,
        )


def _open_outbound(contact_ids: Iterable[int]) -> QuerySet[SyncError]:
    return SyncError.objects.filter(
        contact_id__in=list(contact_ids),
        direction=SyncDirection.OUTBOUND,
        resolved_at__isnull=True,
    )


ERROR_FIELDS = [
    "salesforce_id",
    "code",
    "message",
    "message_said",
    "fields",
    "attempts",
    "next_retry_at",
    "parked",
    "needs_fix",
]


def _errors_write(outcomes: Mapping[int, tuple[Failure, Retry]], *, now: datetime) -> None:
    """One open outbound error per (contact, object): updated in place, or inserted.

    The error counts every attempt since the record first failed: *Retry* gives the push a
    fresh back-off (its sync state counts from 0 again), not a fresh count on the page."""
    open_errors = {
        (contact_id, object_type): (pk, attempts)
        for pk, contact_id, object_type, attempts in _open_outbound(outcomes).values_list(
            "pk", "contact_id", "object_type", "attempts"
        )
    }
    updates, inserts = [], []
    for contact_id, (failure, retry) in outcomes.items():
        error_pk, tried = open_errors.get((contact_id, failure.object_type), (None, 0))
        values = (
            failure.salesforce_id,
            failure.code,
            failure.message,
            message_stored(failure.message),
            list(failure.fields),
            max(retry.attempts, tried + 1),
            retry.not_before,
            retry.parked,
            retry.needs_fix,
        )
        if error_pk is None:
            inserts.append((contact_id, SyncDirection.OUTBOUND, failure.object_type, *values))
        else:
            updates.append((*values, now, error_pk))
    rows_update(SyncError, [*ERROR_FIELDS, "updated_at"], updates)
    rows_insert(SyncError, ["contact", "direction", "object_type", *ERROR_FIELDS], inserts)


def inbound_failure_record(*, contact_id: int | None, failure: Failure) -> None:
    """One open inbound error per contact, or per Salesforce record when no contact exists."""
    key: dict[str, Any] = {"contact_id": contact_id}
    if contact_id is None:
        key["salesforce_id"] = failure.salesforce_id
    SyncError.objects.update_or_create(
        **key,
        direction=SyncDirection.INBOUND,
        resolved_at=None,
        defaults={
            "object_type": failure.object_type,
            "code": failure.code,
            "message": failure.message,
            "message_said": message_stored(failure.message),
            "salesforce_id": failure.salesforce_id,
            "fields": list(failure.fields),
            "needs_fix": failure.needs_fix,
        },
    )


def failures_resolve(*, contact_ids: Iterable[int], object_types: Iterable[str]) -> None:
    """These contacts' writes of these objects went through: their open errors are resolved."""
    _open_outbound(contact_ids).filter(object_type__in=list(object_types)).update(
        resolved_at=timezone.now()
    )


def retry_due_at(*, now: datetime | None = None) -> datetime | None:
    """The latest retry time shown on the page ("retries at …") that has come, when no cycle
    has started since: a cycle is owed then. None while nothing is due (or a cycle already
    ran for it — one that could not take the record, outside the inclusion list or over the
    retry budget, is not started again and again)."""
    now = now or timezone.now()
    due = SyncError.objects.filter(
        direction=SyncDirection.OUTBOUND,
        resolved_at__isnull=True,
        parked=False,
        needs_fix=False,
        next_retry_at__lte=now,
    ).aggregate(at=Max("next_retry_at"))["at"]
    if due is None:
        return None
    ran = SyncRun.objects.filter(started_at__gte=due).exclude(status=SyncRunStatus.SKIPPED)
    return None if ran.exists() else due


#: The due retry time a cycle was last queued for (connector.tasks.salesforce_retries_due).
RETRY_DUE_CURSOR = "retry_due_queued"


def retry_due_claim(*, now: datetime | None = None) -> datetime | None:
    """:func:`retry_due_at`, claimed once: the first caller for a due time gets it (and
    queues the cycle), the others None — beat's checks that pile up while a worker is busy
    queue one cycle, not one each."""
    due = retry_due_at(now=now)
    if due is None:
        return None
    cursor, _ = SyncCursor.objects.get_or_create(name=RETRY_DUE_CURSOR)
    claimed = (
        SyncCursor.objects.filter(pk=cursor.pk)
        .filter(Q(value__isnull=True) | Q(value__lt=due))
        .update(value=due)
    )
    return due if claimed else None


def retry_next_at(*, now: datetime | None = None) -> datetime | None:
    """The earliest retry still to come (the status panel's next run, when sooner)."""
    at: datetime | None = SyncError.objects.filter(
        direction=SyncDirection.OUTBOUND,
        resolved_at__isnull=True,
        parked=False,
        needs_fix=False,
        next_retry_at__gt=now or timezone.now(),
    ).aggregate(at=Min("next_retry_at"))["at"]
    return at


def waiting_for_retry(object_type: str) -> Q:
    """A filter on rows with a ``contact``: those whose last write of ``object_type`` failed
    and wait for their retry (backing off or parked)."""
    waiting = SyncError.objects.filter(
        direction=SyncDirection.OUTBOUND, object_type=object_type, resolved_at__isnull=True
    ).filter(Q(parked=True) | Q(next_retry_at__gt=timezone.now()))
    return Q(contact__in=waiting.values("contact_id"))


def contact_failures_unpark(
    *, contact_ids: Iterable[int] | None = None, failed: bool = False
) -> int:
    """Give failed records a fresh start: parked ones (nightly — not those that need a
    fix: the clock heals nothing there), all failed ones, or some contacts'. Returns how
    many contacts' pushes start again.

    Used by the nightly retry, by *Retry* on the errors page, and when a setting, a
    mapping or the org's schema changes in a way that may make failed records pass.
    Tasks and activities waiting on the same contacts start again too.
    """
    states = ContactSyncState.objects.filter(due=True)
    errors = SyncError.objects.filter(direction=SyncDirection.OUTBOUND, resolved_at__isnull=True)
    if contact_ids is not None:
        contact_ids = list(contact_ids)
        states = states.filter(contact_id__in=contact_ids)
        errors = errors.filter(contact_id__in=contact_ids)
    elif failed:
        states = states.filter(attempts__gt=0)
    else:
        states = states.filter(parked=True, needs_fix=False)
        errors = errors.filter(parked=True, needs_fix=False)
    errors.exclude(object_type__in=PEOPLE).update(
        parked=False, needs_fix=False, next_retry_at=timezone.now()
    )
    # A contact's own push is backed off on its state; its open error no longer waits.
    errors.filter(object_type__in=PEOPLE).update(parked=False, needs_fix=False)
    return states.update(parked=False, needs_fix=False, attempts=0, not_before=None)


def sync_errors_unpark(*, errors: QuerySet[SyncError]) -> int:
    """*Retry*: these open errors (and their contacts' pushes) get a fresh start; returns how
    many errors."""
    contact_ids = list(errors.exclude(contact=None).values_list("contact_id", flat=True))
    count = errors.update(parked=False, needs_fix=False, next_retry_at=timezone.now())
    if contact_ids:
        contact_failures_unpark(contact_ids=contact_ids)
    return count
