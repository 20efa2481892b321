"""API calls spent on a record Salesforce can never accept as it is, over a simulated day.

    .venv/bin/python bench/hopeless_retries.py [--hours 24] [--every 5] [--database-url URL]

One contact is rejected by an org validation rule (``FIELD_CUSTOM_VALIDATION_EXCEPTION``:
Phone required, the contact has none). A cycle runs every ``--every`` simulated minutes for
``--hours`` hours, the nightly retry at 03:00, and the contact is edited twice (at 06:00
and 18:00, a change that does not fix it). Simulated time: before each cycle every retry
whose time has come (``not_before`` / ``next_retry_at`` up to the simulated clock) is made
due now. Counted: the sObject Collections writes the emulator served (the record's only
calls; the rest of each cycle — login, pull queries — is the same with or without it).
Run twice: with hubsync's policy (errors waiting cannot heal *need a fix*) and with that
classification switched off (every error on the back-off schedule, as before issue 13).

Target: at most 1 call per change of the contact (the first push and each edit: 3).
"""

from __future__ import annotations

import argparse
import sys
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness import (  # noqa: E402
    Figure,
    add_database_argument,
    configure,
    django_setup,
    emulator_running,
    fresh_database,
    header,
    report,
)

EDITS_AT_HOURS = (6, 18)
NIGHTLY_AT_HOUR = 3


def simulate(hours: int, every_min: int, *, needs_fix: bool) -> tuple[int, int, int]:
    """(write calls, cycles, edits) over the simulated day."""
    from django.utils import timezone

    from connector.models import ContactSyncState, SyncError
    from connector.sync import failures
    from connector.sync.cycle import sync_cycle_run
    from connector.tasks import salesforce_retry_parked
    from tests.factories import ContactFactory

    fresh_database()
    saved = failures.NEEDS_A_FIX
    if not needs_fix:
        failures.NEEDS_A_FIX = frozenset()
    try:
        with emulator_running() as emulator:
            configure(emulator)
            emulator.control.add_validation_rule(
                "Lead", "Phone_required", "Phone", "blank", "Sales needs a phone number."
            )
            contact = ContactFactory(phone="")
            emulator.control.reset_stats()
            start = timezone.now()
            edits = 0
            cycles = hours * 60 // every_min
            for step in range(cycles):
                simulated = start + timedelta(minutes=step * every_min)
                hour = (step * every_min) / 60
                if hour in EDITS_AT_HOURS:
                    contact.job_title = f"edit at {hour:.0f}h"
                    contact.save()
                    edits += 1
                if hour == NIGHTLY_AT_HOUR:
                    salesforce_retry_parked()
                now = timezone.now()
                ContactSyncState.objects.filter(not_before__lte=simulated).update(not_before=now)
                SyncError.objects.filter(next_retry_at__lte=simulated).update(next_retry_at=now)
                run = sync_cycle_run(trigger="bench-hopeless")
                assert run.status == "succeeded", run.reason
            requests = emulator.control.stats()["requests"]
            writes = sum(n for path, n in requests.items() if "composite/sobjects" in path)
            assert (
                SyncError.objects.get(contact=contact).code == "FIELD_CUSTOM_VALIDATION_EXCEPTION"
            )
    finally:
        failures.NEEDS_A_FIX = saved
    return writes, cycles, edits


def main(argv: list[str] | None = None) -> list[Figure]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hours", type=int, default=24)
    parser.add_argument("--every", type=int, default=5, help="minutes between cycles")
    add_database_argument(parser)
    args = parser.parse_args(argv)
    description = django_setup("hopeless_retries", args.database_url)
    header(f"{description}; emulator in a subprocess; the cycles run in this process")
    calls, cycles, edits = simulate(args.hours, args.every, needs_fix=True)
    before, _, _ = simulate(args.hours, args.every, needs_fix=False)
    changes = 1 + edits
    figures = [
        report(
            Figure(
                f"API calls on one record a validation rule rejects, {args.hours} h simulated "
                f"({cycles} cycles, nightly retry, {edits} edits)",
                f"{calls} calls for {changes} changes of the contact (with every error on the "
                f"back-off schedule, as before: {before} calls)",
                f"<= 1 call per change = {changes}",
                calls <= changes,
            )
        )
    ]
    return figures


if __name__ == "__main__":
    main()
