"""Reads for the metrics: aggregates computed by the database at scrape time."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import timedelta
from typing import Any

from django.db.models import Count, DurationField, ExpressionWrapper, F, IntegerField, Q, Sum
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast, Coalesce

from connector.models import ContactSyncState, HeldDeletion, SyncError, SyncRun

#: Upper bounds (seconds) of the cycle duration histogram's buckets.
CYCLE_DURATION_BUCKETS: tuple[float, ...] = (1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600)


def sync_run_durations(
    buckets: Sequence[float] = CYCLE_DURATION_BUCKETS,
) -> list[dict]:
    """Finished runs by (trigger, status): their count, summed duration in seconds and the
    count at or under each bucket's bound (``le_<i>``), one grouped query."""
    duration = ExpressionWrapper(F("finished_at") - F("started_at"), output_field=DurationField())
    rows = (
        SyncRun.objects.filter(finished_at__isnull=False)
        .annotate(duration=duration)
        .values("trigger", "status")
        .annotate(
            count=Count("id"),
            total=Sum("duration"),
            **{
                f"le_{i}": Count("id", filter=Q(duration__lte=timedelta(seconds=bound)))
                for i, bound in enumerate(buckets)
            },
        )
        .order_by("trigger", "status")
    )
    result = []
    for row in rows:
        total = row["total"]
        # A timedelta, or microseconds on backends without a duration type.
        seconds = total.total_seconds() if isinstance(total, timedelta) else (total or 0) / 1e6
        result.append({**row, "seconds": max(seconds, 0.0)})
    return result


def _count_sum(key: str) -> Sum:
    return Sum(Coalesce(Cast(KeyTextTransform(key, "counts"), IntegerField()), 0))


def sync_records_moved() -> dict[str, int]:
    """Records every run so far sent to Salesforce (created, updated) and read from it
    (changes made in Salesforce; hubsync's own writes read back are not counted)."""
    keys = ("push_created", "push_updated", "pull_read")
    totals = SyncRun.objects.aggregate(**{key: _count_sum(key) for key in keys})
    return {key: int(totals[key] or 0) for key in keys}


def sync_errors_open_by_code() -> list[Mapping[str, Any]]:
    return list(
        SyncError.objects.filter(resolved_at__isnull=True)
        .values("code", "needs_fix")
        .annotate(count=Count("id"))
        .order_by("code", "needs_fix")
    )


def held_deletions_counts() -> dict[str, int]:
    """Contacts the mass-delete guard holds, and how many cycles held them."""
    return HeldDeletion.objects.aggregate(
        contacts=Count("id"), cycles=Count("cycle", distinct=True)
    )


def contacts_due_total() -> int:
    """Contacts waiting to be sent: due now or after a retry's back-off (neither parked nor
    excluded); what a cycle found changed in hubsync and has not sent yet."""
    return ContactSyncState.objects.filter(due=True, parked=False, excluded=False).count()
