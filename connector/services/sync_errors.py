"""*Retry* and *Retry all* on the sync errors page."""

from __future__ import annotations

from ..models import SyncError
from ..sync.failures import sync_errors_unpark
from .jobs import sync_enqueue


def sync_errors_retry(*, error_ids: list[int] | None = None) -> int:
    """Failed records get a fresh start and a sync cycle is queued; returns how many errors."""
    errors = SyncError.objects.filter(resolved_at__isnull=True)
    if error_ids is not None:
        errors = errors.filter(pk__in=error_ids)
    count = sync_errors_unpark(errors=errors)
    if count:
        sync_enqueue(trigger="retry")
    return count
