"""``manage.py contacts_import FILE.csv``: upsert contacts from a CSV file by email.

Thin wrapper around :func:`marketing.contacts_import.contacts_import_csv_file` (read
``contacts_import_csv`` for the row rules; an export of ``contacts_export`` imports
back as it was stored). Output and exit codes:

- each rejected row: ``line N: REASON`` on stderr, as it is found;
- finally ``created N, updated M, rejected K`` on stdout (counts per contact);
- exit 0 when every row was stored, **1 when any row was rejected** (the good
  rows are stored all the same), 2 when the file cannot be read, is empty or
  has no ``email`` column, or is larger than 100 MB (a broken CSV record, a line
  longer than 64 KiB or non-UTF-8 text found half-way also exits 2; batches before
  it stay stored, and re-running the fixed file is safe because the import is an
  upsert).
"""

from __future__ import annotations

import argparse
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from marketing.contacts_import import ImportFileError, RejectedRow, contacts_import_csv_file


class Command(BaseCommand):
    help = (
        "Create or update contacts from a CSV file (columns: email, first_name, last_name, "
        "company, phone, job_title, state, country, lifecycle_stage), matching by email "
        "case-insensitively. Exit 1 if any row was rejected, 2 if the file is unusable."
    )

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("file", help="Path of the CSV file (UTF-8, header in line 1).")
        parser.add_argument(
            "--batch-size",
            type=int,
            default=1000,
            help="Rows written per transaction (default 1000).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path: str = options["file"]

        def report(rejected: RejectedRow) -> None:
            self.stderr.write(f"line {rejected.line}: {rejected.reason}")

        try:
            result = contacts_import_csv_file(
                path=path, batch_size=options["batch_size"], on_reject=report
            )
        except OSError as exc:
            raise CommandError(f"cannot read {path}: {exc.strerror or exc}", returncode=2) from exc
        except ImportFileError as exc:
            raise CommandError(f"{path}: {exc}", returncode=2) from exc

        if result.ignored_columns:
            self.stderr.write(f"ignored unknown columns: {', '.join(result.ignored_columns)}")
        self.stdout.write(
            f"created {result.created}, updated {result.updated}, rejected {result.rejected_count}"
        )
        if result.unchanged:
            self.stdout.write(f"{result.unchanged} existing contacts were already up to date")
        if result.rejected_count:
            raise CommandError(
                f"{result.rejected_count} rows rejected (see the lines above); "
                "all other rows were stored",
                returncode=1,
            )
