"""Celery tasks: thin. They take plain values, call the runner, and own only the retry policy."""

from __future__ import annotations

from celery import shared_task

from .models import SyncRunStatus

# A paused or failed cycle comes back by itself; beat also starts one every few minutes.
RETRY_FAILED_AFTER_S = 60
RESUME_PAUSED_AFTER_MAX_S = 15 * 60


@shared_task(bind=True, acks_late=True, ignore_result=True, max_retries=None)
def salesforce_sync(self, trigger: str = "schedule") -> dict:
    """Run one sync cycle; a paused (API limit) or failed one is scheduled again."""
    from .metering import ApiMeter
    from .runner import sync_cycle_run
    from .selectors import integration_settings_get

    run = sync_cycle_run(trigger=trigger)
    if run.status == SyncRunStatus.PAUSED and self.request.retries < 100:
        meter = ApiMeter(limit=integration_settings_get().api_call_limit)
        countdown = min(meter.seconds_until_free() or 60, RESUME_PAUSED_AFTER_MAX_S)
        salesforce_sync.apply_async(kwargs={"trigger": "resume"}, countdown=countdown)
    return {"run": run.pk, "status": run.status}


@shared_task(acks_late=True, ignore_result=True)
def salesforce_retry_parked() -> dict:
    """Nightly: give parked records another chance, when the API budget allows."""
    from .metering import ApiMeter
    from .queue import contact_states_unpark
    from .runner import RETRY_BUDGET_SHARE
    from .selectors import integration_settings_get
    from .services import sync_enqueue

    integration_settings = integration_settings_get()
    meter = ApiMeter(limit=integration_settings.api_call_limit)
    if meter.limit is not None and meter.used() > RETRY_BUDGET_SHARE * meter.limit:
        return {"unparked": 0, "reason": "more than 75 % of the API limit is used"}
    unparked = contact_states_unpark()
    if unparked:
        sync_enqueue(trigger="nightly_retry")
    return {"unparked": unparked}
