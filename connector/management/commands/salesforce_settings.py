"""`manage.py salesforce_settings export` / `import FILE`: the settings as JSON."""

from __future__ import annotations

import json
import sys

from django.core.management.base import BaseCommand, CommandError, CommandParser

from connector.selectors import integration_settings_get
from connector.services.settings_io import (
    SettingsImportError,
    settings_export,
    settings_import,
    settings_json_read,
)


class Command(BaseCommand):
    help = (
        "Export the Salesforce integration settings as JSON (password and token as null), "
        "or validate and import them from a file (- for standard input)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("export", help="print the settings as JSON")
        importer = sub.add_parser("import", help="validate and apply settings from a JSON file")
        importer.add_argument("file")

    def handle(self, *args, action: str, **options) -> None:
        integration_settings = integration_settings_get()
        if action == "export":
            self.stdout.write(json.dumps(settings_export(integration_settings), indent=2))
            return
        try:
            if options["file"] == "-":
                data = settings_json_read(sys.stdin.buffer)
            else:
                with open(options["file"], "rb") as handle:
                    data = settings_json_read(handle)
        except (OSError, ValueError) as exc:
            raise CommandError(f"Cannot read {options['file']}: {exc}", returncode=2) from exc
        try:
            settings_import(integration_settings=integration_settings, data=data)
        except SettingsImportError as exc:
            # One line, every problem on it (a script reads the exit code and this line).
            problems = "; ".join(" ".join(error.split()) for error in exc.errors)
            raise CommandError(f"Nothing was applied: {problems}", returncode=2) from exc
        self.stdout.write(self.style.SUCCESS("Settings imported."))
