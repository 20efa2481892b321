"""``manage.py contacts_export``: every contact as CSV on stdout, ordered by id.

Columns: ``email,first_name,last_name,company,phone,state,country,lifecycle_stage,
salesforce_id,salesforce_object`` (``company`` is the contact's company name text;
the last two stay blank until the sync links the contact). Streams the table in
chunks of 2000 rows, so memory use does not grow with the table. Formula cells are
neutralised (:mod:`marketing.csv_safety`); ``contacts_import`` reads them back as stored.
"""

from __future__ import annotations

import os
import sys
from typing import Any

from django.core.management.base import BaseCommand

from marketing import csv_safety
from marketing.selectors import CONTACT_EXPORT_COLUMNS, contacts_export_rows


class _Stdout:
    """File-like adapter: OutputWrapper.write would otherwise add its own newline."""

    def __init__(self, command: BaseCommand) -> None:
        self._stdout = command.stdout

    def write(self, text: str) -> None:
        self._stdout.write(text, ending="")


class Command(BaseCommand):
    help = "Write all contacts as CSV to stdout (" + ",".join(CONTACT_EXPORT_COLUMNS) + ")."

    def handle(self, *args: Any, **options: Any) -> None:
        writer = csv_safety.writer(_Stdout(self), lineterminator="\n")
        try:
            writer.writerow(CONTACT_EXPORT_COLUMNS)
            writer.writerows(contacts_export_rows(chunk_size=2000))
        except BrokenPipeError:
            # The reader went away (`contacts_export | head`): stop quietly. Point
            # stdout at devnull so the interpreter's final flush does not fail too.
            # https://docs.python.org/3/library/signal.html#note-on-sigpipe
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
