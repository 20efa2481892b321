"""What each migration since the 2026-11-28 release (commit 73579cf) costs on large tables.

    .venv/bin/python bench/upgrade_migrations.py [--server postgres://postgres@127.0.0.1:5432]
        [--contacts 100000]

Creates a throw-away PostgreSQL database, migrates it to that release's state (connector
0006, marketing 0002), fills it through that release's models (contacts, their sync states,
two history rows and two activities per contact, a CRM task per ten, an error per fifty),
then applies today's migrations one at a time and prints how long each took (README:
*Upgrading*) and the longest a write to a large table waited meanwhile: a probe on its own
connection updates one row of each large table in turn, all along (a migration that
rewrites a table, or updates every row in one transaction, makes it wait). Part of
``make bench-scale`` at 2,000,000 contacts (``--database-url``: the server of that URL).
"""

from __future__ import annotations

import argparse
import os
import secrets
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.harness import Figure, header, report  # noqa: E402

# The tables that grow with the contacts (release names); a write waiting longer than this
# on one of them during a migration is an outage the upgrade notes must announce.
LARGE_TABLES = {  # table: its primary key
    "marketing_contact": "id",
    "connector_contactsyncstate": "contact_id",
    "connector_contactsyncevent": "id",
    "marketing_activity": "id",
    "marketing_crmtask": "id",
    "connector_syncerror": "id",
}
WRITE_WAIT_TARGET_S = 5.0
RELEASE = [("connector", "0006_mass_delete_guard"), ("marketing", "0002_opportunities")]
FILL_CHUNK = 100_000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--contacts", type=int, default=100_000)
    parser.add_argument(
        "--database-url", help="a server given as a database URL (its path is ignored)"
    )
    args = parser.parse_args()
    if args.database_url:
        url = urlsplit(args.database_url)
        args.server = f"{url.scheme}://{url.netloc}"
    header(f"PostgreSQL at {args.server}, a throw-away database")
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
    probe = WriteProbe(database_url)
    probe.start()
    print("| migration | seconds | longest write wait |\n|---|---|---|")
    total, worst = 0.0, (0.0, "")
    try:
        for migration, _backwards in plan:
            started = time.monotonic()
            call_command("migrate", migration.app_label, migration.name, verbosity=0)
            ended = time.monotonic()
            took, waited = ended - started, probe.longest(started, ended)
            total += took
            name = f"{migration.app_label}.{migration.name}"
            worst = max(worst, (waited, name))
            if migration.app_label in ("connector", "marketing", "operations") or took > 1:
                print(f"| {name} | {took:.2f} | {waited:.2f} s |")
    finally:
        probe.stop()
    if not probe.writes:
        raise SystemExit("the write probe wrote nothing: no wait can be told")
    print(f"| all ({len(plan)} migrations) | {total:.1f} | {worst[0]:.2f} s |")
    report(
        Figure(
            f"every migration since the 2026-11-28 release on {contacts:,} contacts",
            f"{total:.1f} s in all ({len(plan)} migrations; {probe.writes:,} probe writes)",
        )
    )
    report(
        Figure(
            f"longest wait of a write to a large table during a migration ({contacts:,} contacts)",
            f"{worst[0]:.2f} s ({worst[1]})",
            f"<= {WRITE_WAIT_TARGET_S:.0f} s",
            worst[0] <= WRITE_WAIT_TARGET_S,
        )
    )


class WriteProbe(threading.Thread):
    """Updates one row of each large table in turn, on its own autocommit connection, and
    keeps when each write started and ended: a lock a migration holds shows as a long write."""

    def __init__(self, database_url: str) -> None:
        super().__init__(daemon=True)
        self.url = database_url
        self.done = threading.Event()
        self.spans: list[tuple[float, float]] = []
        self.writes = 0

    def run(self) -> None:
        with psycopg.connect(self.url, autocommit=True) as conn:
            rows = {
                (table, key): conn.execute(f"SELECT min({key}) FROM {table}").fetchone()[0]
                for table, key in LARGE_TABLES.items()
            }
            while not self.done.is_set():
                for (table, key), row in rows.items():
                    started = time.monotonic()
                    try:
                        conn.execute(f"UPDATE {table} SET {key} = {key} WHERE {key} = %s", [row])
                    except psycopg.Error:
                        continue  # a table a migration renamed or dropped
                    self.spans.append((started, time.monotonic()))
                    self.writes += 1
                self.done.wait(0.05)

    def longest(self, start: float, end: float) -> float:
        """The longest write that started in [start, end] or was still waiting at start."""
        return max(
            (e - s for s, e in list(self.spans) if s <= end and e >= start),
            default=0.0,
        )

    def stop(self) -> None:
        self.done.set()
        self.join()


def _fill(contacts: int) -> None:
    """The rows, written by PostgreSQL itself (INSERT … SELECT over generate_series, a chunk
    a statement): 2,000,000 contacts and their rows in a few minutes, where bulk_create took
    a quarter of an hour. Every column a row does not name gets its field's default."""
    from django.db import connection
    from django.db.migrations.loader import MigrationLoader

    models = MigrationLoader(connection).project_state(RELEASE).apps
    for start in range(0, contacts, FILL_CHUNK):
        end = min(start + FILL_CHUNK, contacts) - 1
        series = f"generate_series({start}, {end}) AS i"
        with connection.cursor() as cursor:
            cursor.execute("SELECT coalesce(max(id), 0) FROM marketing_contact")
            before = cursor.fetchone()[0]
        _insert(
            models.get_model("marketing", "Contact"),
            {
                "email": "'c' || i || '@bench.example'",
                "first_name": "'Bench'",
                "last_name": "'Contact ' || i",
                "salesforce_id": "'00Q' || lpad(i::text, 15, '0')",
                "salesforce_object": "'Lead'",
            },
            f"FROM {series}",
        )
        rows = ("FROM marketing_contact c WHERE c.id > %s", [before])
        now = "now()"
        _insert(
            models.get_model("connector", "ContactSyncState"),
            {"contact_id": "c.id", "due": "false", "synced_version": now, "last_pushed_at": now},
            *rows,
        )
        for outcome in ("created", "updated"):
            _insert(
                models.get_model("connector", "ContactSyncEvent"),
                {
                    "contact_id": "c.id",
                    "direction": "'outbound'",
                    "object_type": "'Lead'",
                    "outcome": f"'{outcome}'",
                },
                *rows,
            )
        for kind in ("page_view", "email_open"):
            _insert(
                models.get_model("marketing", "Activity"),
                {"contact_id": "c.id", "type": f"'{kind}'", "occurred_at": now, "details": "'{}'"},
                *rows,
            )
        _insert(
            models.get_model("marketing", "CrmTask"),
            {
                "contact_id": "c.id",
                "subject": "'Call'",
                "kind": "'task'",
                "status": "'open'",
            },
            f"{rows[0]} AND c.id %% 10 = 0",
            rows[1],
        )
        _insert(
            models.get_model("connector", "SyncError"),
            {
                "contact_id": "c.id",
                "direction": "'outbound'",
                "object_type": "'Lead'",
                "code": "'STRING_TOO_LONG'",
            },
            f"{rows[0]} AND c.id %% 50 = 0",
            rows[1],
        )


def _insert(model, values: dict[str, str], source: str, params: list | None = None) -> None:
    """INSERT INTO the model's table every concrete column: ``values`` (SQL) where given,
    else the field's default as a parameter."""
    from django.db import connection

    columns, expressions, defaults = [], [], []
    for field in model._meta.concrete_fields:
        if field.primary_key and field.column not in values:
            continue  # serial
        columns.append(field.column)
        if field.column in values:
            expressions.append(values[field.column])
        elif getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            expressions.append("now()")
        else:
            expressions.append("%s")
            defaults.append(field.get_db_prep_save(field.get_default(), connection))
    sql = (
        f"INSERT INTO {model._meta.db_table} ({', '.join(columns)}) "
        f"SELECT {', '.join(expressions)} {source}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*defaults, *(params or [])])


if __name__ == "__main__":
    main()
