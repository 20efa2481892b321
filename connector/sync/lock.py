"""The cycle lock: one sync cycle at a time, whatever starts it (beat, a save, a command).

A lease in the database, so it holds across worker processes and machines on
SQLite and PostgreSQL alike: taken with one conditional UPDATE, extended by the
running cycle's heartbeats, released at its end. A lease nobody extended for the
claim TTL (see ``queue.claim_ttl``: the same sign of a dead worker) may be taken
over; the dead worker's run is then finished as *failed*, so none stays *running*.
"""

from __future__ import annotations

from django.db.models import Q
from django.utils import timezone

from ..messages import WORKER_STOPPED, message_stored, said
from ..models import CycleLock, SyncRun, SyncRunStatus
from .queue import claim_ttl

NAME = "sync_cycle"


def cycle_lock_acquire(*, run: SyncRun) -> SyncRun | None:
    """Take the lock for ``run``; returns None, or the run that holds it already."""
    lock, _ = CycleLock.objects.get_or_create(name=NAME)
    for _attempt in range(2):  # the holder may release between the UPDATE and the read
        now = timezone.now()
        previous = CycleLock.objects.filter(pk=lock.pk).values_list("run", flat=True).first()
        taken = (
            CycleLock.objects.filter(pk=lock.pk)
            .filter(Q(run__isnull=True) | Q(expires_at__lt=now))
            .update(run=run, expires_at=now + claim_ttl())
        )
        if taken:
            if previous is not None:
                _finish_abandoned(previous, taken_over_by=run)
            return None
        holder = SyncRun.objects.filter(cyclelock__pk=lock.pk).first()
        if holder is not None:
            return holder
    return run


def cycle_lock_extend(*, run: SyncRun) -> None:
    """The cycle is alive: keep the lock for another claim TTL."""
    CycleLock.objects.filter(name=NAME, run=run).update(expires_at=timezone.now() + claim_ttl())


def cycle_lock_holder() -> SyncRun | None:
    """The run holding the lock now (a lease not yet run out), or None."""
    return SyncRun.objects.filter(
        cyclelock__name=NAME, cyclelock__expires_at__gte=timezone.now()
    ).first()


def cycle_lock_release(*, run: SyncRun) -> None:
    CycleLock.objects.filter(name=NAME, run=run).update(run=None, expires_at=None)


def _finish_abandoned(run_id: int, *, taken_over_by: SyncRun) -> None:
    """A run whose worker died holding the lock ends as failed, saying so."""
    seconds = int(claim_ttl().total_seconds())
    reason = said(WORKER_STOPPED, seconds=seconds, run=taken_over_by.pk)
    SyncRun.objects.filter(pk=run_id, status=SyncRunStatus.RUNNING).update(
        status=SyncRunStatus.FAILED,
        finished_at=timezone.now(),
        reason=reason,
        reason_said=message_stored(reason),
        retry_soon=False,
    )
