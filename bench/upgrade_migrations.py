"""What each migration since the 2026-11-28 release (commit 73579cf) costs on large tables.

    .venv/bin/python bench/upgrade_migrations.py [--server postgres://postgres@127.0.0.1:5432]
        [--contacts 100000]

Creates a throw-away PostgreSQL database, migrates it to that release's state (connector
0006, marketing 0002), fills it through that release's models (contacts, their sync states,
two history rows and two activities per contact, a CRM task per ten, an error per fifty),
then applies today's migrations one at a time and prints how long each took (README:
*Upgrading*). Not part of ``make bench``.
"""

from __future__ import annotations

import argparse
import os
import secrets
import sys
import time
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
RELEASE = [("connector", "0006_mass_delete_guard"), ("marketing", "0002_opportunities")]
BATCH = 5_000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--contacts", type=int, default=100_000)
    args = parser.parse_args()
    name = f"hubsync_bench_upgrade_{os.getpid()}_{secrets.token_hex(3)}"
    with psycopg.connect(f"{args.server}/postgres", autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        _run(f"{args.server}/{name}", args.contacts)
    finally:
        with psycopg.connect(f"{args.server}/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _run(database_url: str, contacts: int) -> None:
    os.environ.update(
        DATABASE_URL=database_url,
        DEBUG="true",
        CELERY_BROKER_URL="memory://",
        LOG_LEVEL="WARNING",
        DJANGO_SETTINGS_MODULE="hubsync.settings",
    )
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    for target in (["auth"], ["sites"], *map(list, RELEASE)):
        call_command("migrate", *target, verbosity=0)
    started = time.monotonic()
    _fill(contacts)
    print(
        f"filled {contacts:,} contacts at the release's state in {time.monotonic() - started:.0f} s"
    )
    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    print("| migration | seconds |\n|---|---|")
    total = 0.0
    for migration, _backwards in plan:
        started = time.monotonic()
        call_command("migrate", migration.app_label, migration.name, verbosity=0)
        took = time.monotonic() - started
        total += took
        if migration.app_label in ("connector", "marketing", "operations") or took > 1:
            print(f"| {migration.app_label}.{migration.name} | {took:.2f} |")
    print(f"| all ({len(plan)} migrations) | {total:.1f} |")


def _fill(contacts: int) -> None:
    from django.db import connection
    from django.db.migrations.loader import MigrationLoader
    from django.utils import timezone

    models = MigrationLoader(connection).project_state(RELEASE).apps
    Contact = models.get_model("marketing", "Contact")
    Activity = models.get_model("marketing", "Activity")
    CrmTask = models.get_model("marketing", "CrmTask")
    State = models.get_model("connector", "ContactSyncState")
    Event = models.get_model("connector", "ContactSyncEvent")
    Error = models.get_model("connector", "SyncError")
    now = timezone.now()
    for start in range(0, contacts, BATCH):
        made = Contact.objects.bulk_create(
            Contact(
                email=f"c{i}@bench.example",
                first_name="Bench",
                last_name=f"Contact {i}",
                salesforce_id=f"00Q{i:015d}",
                salesforce_object="Lead",
            )
            for i in range(start, min(start + BATCH, contacts))
        )
        State.objects.bulk_create(
            State(contact=c, due=False, synced_version=now, last_pushed_at=now) for c in made
        )
        Event.objects.bulk_create(
            Event(contact=c, direction="outbound", object_type="Lead", outcome=o)
            for c in made
            for o in ("created", "updated")
        )
        Activity.objects.bulk_create(
            Activity(contact=c, type=t, occurred_at=now, details={})
            for c in made
            for t in ("page_view", "email_open")
        )
        CrmTask.objects.bulk_create(
            CrmTask(contact=c, subject="Call", kind="task", status="open") for c in made[::10]
        )
        Error.objects.bulk_create(
            Error(contact=c, direction="outbound", object_type="Lead", code="STRING_TOO_LONG")
            for c in made[::50]
        )


if __name__ == "__main__":
    main()
