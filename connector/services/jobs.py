"""Enqueueing sync cycles: after the transaction commits, and debounced for contact edits."""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from ..models import SyncCursor
from ..tasks import salesforce_sync

# Edits start a push soon, at most one per DEBOUNCE; beat catches anything else.
EDIT_DEBOUNCE = timedelta(seconds=30)
EDIT_CURSOR = "push_requested"


def sync_enqueue(*, trigger: str) -> None:
    """Start a sync cycle once the current transaction commits (it reads the saved values)."""
    transaction.on_commit(lambda: salesforce_sync.delay(trigger=trigger))


def contact_edited_enqueue() -> None:
    """A contact changed: queue one sync cycle shortly, unless one was queued moments ago."""
    now = timezone.now()
    cursor, _ = SyncCursor.objects.get_or_create(name=EDIT_CURSOR)
    claimed = (
        SyncCursor.objects.filter(pk=cursor.pk)
        .filter(Q(value__isnull=True) | Q(value__lt=now - EDIT_DEBOUNCE))
        .update(value=now)
    )
    if claimed:
        salesforce_sync.apply_async(
            kwargs={"trigger": "contact_edited"}, countdown=EDIT_DEBOUNCE.total_seconds()
        )
