"""Celery tasks: thin. They take plain values, call the cycle, and own only the retry policy.

- A cycle *paused* at the API limit comes back when the window frees up (at most every
  RESUME_PAUSED_AFTER_MAX_S), for up to a day of pauses.
- A cycle that *failed* for a reason that passes by itself (Salesforce unreachable,
  timing out) comes back after RETRY_FAILED_AFTER_S, doubling with jitter, up to
  MAX_FAILED_RETRIES times; one that failed on bad credentials or settings does not
  (beat's next cycle, or the admin's fix, starts it again).
- A cycle *skipped* because another one was running comes back shortly when it was
  asked for by a person (a save, Retry, …), so what was saved is synced.
- A record's retry shown on the page ("retries at …") starts a cycle when it comes due,
  whether changes arrive by events or by polling (beat asks every
  SALESFORCE_RETRY_CHECK_SECONDS; no API call while nothing is due).

Retries go through Celery's own ``self.retry``, so ``request.retries`` counts them.
"""

from __future__ import annotations

import random

from celery import shared_task
from django.db import transaction

from .metering import RETRY_BUDGET_SHARE, ApiMeter
from .models import SyncRunStatus
from .selectors import integration_settings_get, safety_net_not_due
from .sync.cycle import sync_cycle_run
from .sync.failures import contact_failures_unpark, retry_due_claim

RESUME_PAUSED_AFTER_MAX_S = 15 * 60
MAX_PAUSED_RETRIES = 24 * 60 * 60 // RESUME_PAUSED_AFTER_MAX_S
RETRY_FAILED_AFTER_S = 60
MAX_FAILED_RETRIES = 5
RETRY_SKIPPED_AFTER_S = 30
MAX_SKIPPED_RETRIES = 20
# Cycles beat starts on its own: a skipped one needs no retry, the next one is minutes away.
SCHEDULED_TRIGGERS = {"schedule", "nightly_retry"}


def retry_countdown(*, status: str, retry_soon: bool, trigger: str, retries: int) -> int | None:
    """The retry policy: seconds until the cycle should run again, or None for no retry."""
    if status == SyncRunStatus.PAUSED:
        if retries >= MAX_PAUSED_RETRIES:
            return None
        meter = ApiMeter(limit=integration_settings_get().api_call_limit)
        return min(meter.seconds_until_free() or 60, RESUME_PAUSED_AFTER_MAX_S)
    if not retry_soon:
        return None
    if status == SyncRunStatus.FAILED and retries < MAX_FAILED_RETRIES:
        return int(RETRY_FAILED_AFTER_S * 2**retries * random.uniform(0.8, 1.2))
    if (
        status == SyncRunStatus.SKIPPED
        and trigger not in SCHEDULED_TRIGGERS
        and retries < MAX_SKIPPED_RETRIES
    ):
        return RETRY_SKIPPED_AFTER_S
    return None


@shared_task(bind=True, acks_late=True, ignore_result=True, max_retries=None)
def salesforce_sync(self, trigger: str = "schedule") -> dict:
    """Run one sync cycle; come back by the retry policy when it paused, failed or was skipped.

    While change events flow (the listener runs the cycles), beat's cycle is only the
    safety net: it runs when the last one is SALESFORCE_EVENTS_POLL_MINUTES old."""
    if trigger == "schedule" and safety_net_not_due():
        return {"run": None, "status": "not_due"}
    run = sync_cycle_run(trigger=trigger)
    countdown = retry_countdown(
        status=run.status, retry_soon=run.retry_soon, trigger=trigger, retries=self.request.retries
    )
    # Eager (in-process) tasks retry synchronously in Celery, ignoring the countdown: a test
    # that runs a paused cycle eagerly would loop; the policy itself is tested directly.
    if countdown is not None and not self.request.is_eager:
        again = "resume" if run.status == SyncRunStatus.PAUSED else trigger
        raise self.retry(kwargs={"trigger": again}, countdown=countdown)
    return {"run": run.pk, "status": run.status}


@shared_task(acks_late=True, ignore_result=True)
def salesforce_retry_parked() -> dict:
    """Nightly: give parked records another chance, when the API budget allows."""
    meter = ApiMeter(limit=integration_settings_get().api_call_limit)
    if not meter.retries_allowed():
        share = round(RETRY_BUDGET_SHARE * 100)
        return {"unparked": 0, "reason": f"more than {share} % of the API limit is used"}
    unparked = contact_failures_unpark()
    if unparked:
        transaction.on_commit(lambda: salesforce_sync.delay(trigger="nightly_retry"))
    return {"unparked": unparked}


@shared_task(acks_late=True, ignore_result=True)
def salesforce_retries_due() -> dict:
    """Beat, every SALESFORCE_RETRY_CHECK_SECONDS: a retry whose time has come starts a
    cycle now (the page's "retries at …" is kept, with events as with polling); nothing
    due costs two database queries and no API call. A cycle skipped because another runs
    comes back by the retry policy (``retry_due`` is not a scheduled trigger)."""
    due = retry_due_claim()
    if due is None:
        return {"status": "not_due"}
    salesforce_sync.delay(trigger="retry_due")
    return {"status": "started", "due": due.isoformat()}
