"""`manage.py salesforce_sync`: one full sync cycle, now, printed as one JSON object."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand

from connector.sync.cycle import sync_cycle_run


class Command(BaseCommand):
    help = "Run one full Salesforce sync cycle synchronously and print its outcome as JSON."

    def handle(self, *args, **options) -> None:
        run = sync_cycle_run(trigger="command")
        self.stdout.write(
            json.dumps(
                {
                    **run.counts,
                    # The run's own figures last: no part's count may stand in for them.
                    "run": run.pk,
                    "status": run.status,
                    "reason": run.reason,
                    "errors": run.errors,
                    "api_calls": run.api_calls,
                },
                sort_keys=True,
            )
        )
