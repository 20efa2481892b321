"""`manage.py salesforce_check`: the setup check as one JSON object; exit 1 on a failure."""

from __future__ import annotations

import json
import sys

from django.core.management.base import BaseCommand

from connector.selectors import integration_settings_get
from connector.services.setup_check import setup_check_run


class Command(BaseCommand):
    help = "Check that the Salesforce org is set up for hubsync; prints JSON, exits 1 on a failure."

    def handle(self, *args, **options) -> None:
        integration_settings = integration_settings_get()
        setup_check_run(integration_settings=integration_settings)
        report = integration_settings.setup_check
        self.stdout.write(json.dumps(report, indent=2, sort_keys=True))
        if not report["ok"]:
            sys.exit(1)
