"""What every benchmark shares: a fresh database, the emulator, the figures (the worker and
/proc: bench/processes.py).

A benchmark script calls :func:`django_setup` first (it sets DATABASE_URL to a fresh SQLite
file under ``var/bench/`` unless ``--database-url`` names another one, and picks the broker),
then uses the helpers below. Nothing here is imported by hubsync itself.

Broker: Redis at redis://127.0.0.1:6379/0 when it answers, else kombu's filesystem broker
(``CELERY_BROKER_URL`` / ``REDIS_URL`` in the environment win). Benchmark jobs go to their own
queue (:data:`QUEUE`), so a test run's ``purge()`` or worker on the same broker never takes them.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import os
import socket
import statistics
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
#: hubsync's org in the emulator (its setup package, its installed package).
EMULATOR_CONFIG = ROOT / "salesforce" / "emulator.toml"
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
BENCH_DIR = ROOT / "var" / "bench"
QUEUE = "hubsync_bench"  # no dots: kombu's filesystem transport splits file names on them
USER = ("bench@hubsync.test", "bench-password", "BENCHTOKEN")


# -- setup -------------------------------------------------------------------------------


def add_database_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--database-url",
        default=os.environ.get("BENCH_DATABASE_URL"),
        help="a database used only by benchmarks (it is wiped), e.g. "
        "postgres://postgres@127.0.0.1:5432/hubsync_bench; default: SQLite under var/bench/",
    )


def redis_reachable(host: str = "127.0.0.1", port: int = 6379) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def django_setup(name: str, database_url: str | None = None) -> str:
    """Point Django at the benchmark database and broker, then ``django.setup()``.

    Returns a one-line description of the database and broker, for the printout.
    """
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    url = database_url or f"sqlite:///{BENCH_DIR / f'{name}.sqlite3'}"
    if not url.startswith("sqlite") and "bench" not in (urlsplit(url).path or ""):
        raise SystemExit(f"refusing to wipe {url}: a benchmark database's name contains 'bench'")
    os.environ.update(
        DEBUG="true",
        DATABASE_URL=url,
        DJANGO_SETTINGS_MODULE="hubsync.settings",
        LOG_LEVEL="WARNING",
    )
    broker_set = os.environ.get("CELERY_BROKER_URL") or os.environ.get("REDIS_URL")
    if not broker_set and redis_reachable():
        os.environ["CELERY_BROKER_URL"] = "redis://127.0.0.1:6379/0"
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection

    broker = settings.CELERY_BROKER_URL.split("://")[0]
    return f"database: {connection.vendor} ({connection.settings_dict['NAME']}), broker: {broker}"


def fresh_database() -> None:
    """Empty the benchmark database and migrate it."""
    from django.core.management import call_command
    from django.db import connection

    if connection.vendor == "sqlite":
        name = connection.settings_dict["NAME"]
        connection.close()
        for suffix in ("", "-wal", "-shm"):
            Path(f"{name}{suffix}").unlink(missing_ok=True)
    else:
        with connection.cursor() as cursor:
            cursor.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
    call_command("migrate", verbosity=0)


def database_maintained() -> None:
    """What the database's own maintenance does between a bulk load and daily use.

    PostgreSQL: VACUUM ANALYZE, as autovacuum would after a load (the local server runs with
    autovacuum off): without statistics the planner takes a range on 16 changed contacts for
    a third of the table, and dead index entries left by 200,000 updates slow the first scans.
    SQLite: nothing (Django never runs ANALYZE there, and neither do installations).
    """
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")


def configure(emulator: Any, **settings_values: Any) -> None:
    """Credentials of the emulator's bench user; the sync on."""
    from django.conf import settings

    from connector.selectors import integration_settings_get

    settings.SALESFORCE_EMULATOR_URL = emulator.url
    integration_settings = integration_settings_get()
    integration_settings.username = USER[0]
    integration_settings.set_password(USER[1])
    integration_settings.set_security_token(USER[2])
    integration_settings.sync_enabled = True
    for key, value in settings_values.items():
        setattr(integration_settings, key, value)
    integration_settings.save()


@contextmanager
def emulator_running(**network: Any) -> Iterator[Any]:
    """The emulator in a subprocess (its own GIL and CPU account), with the bench user;
    ``network``: ``latency_ms``, ``bulk_records_per_s`` (a real org's network and Bulk speed)."""
    from salesforce_emulator.testing import running_emulator

    with running_emulator(
        in_process=False, api_limit=10**8, config=EMULATOR_CONFIG, **network
    ) as emulator:
        emulator.control.create_user(*USER)
        yield emulator


# -- data --------------------------------------------------------------------------------


def contacts_make(n: int, *, start: int = 0, age: timedelta = timedelta(days=30)) -> None:
    """``n`` hubsync contacts, last edited ``age`` ago, one second apart (like a real import).

    Backdating matters: the change scan re-reads the last SCAN_OVERLAP (2 minutes) before its
    watermark, which would otherwise cover every contact a benchmark just created.
    """
    from django.db import connection, transaction
    from django.utils import timezone

    from marketing.models import Contact

    table = connection.ops.quote_name(Contact._meta.db_table)
    base = timezone.now() - age
    if connection.vendor == "postgresql":
        from bench.postgres_data import contacts_make_in_postgresql

        contacts_make_in_postgresql(n, start=start, base=base)
        return
    chunk = 10_000
    for first in range(start, start + n, chunk):
        last = min(first + chunk, start + n)
        with transaction.atomic():
            created = Contact.objects.bulk_create(
                [
                    Contact(
                        email=f"p{i}@bench.example",
                        first_name="Bench",
                        last_name=f"P{i}",
                        company_name="Bench Inc",
                        job_title="Tester",
                        phone=f"+1 555 {i:07d}",
                        country="USA",
                    )
                    for i in range(first, last)
                ],
                batch_size=2_000,
            )
            pks = [c.pk for c in created] if created and created[0].pk else None
            if pks is None:  # backends that return no ids from bulk_create
                pks = list(
                    Contact.objects.filter(
                        email__in=[f"p{i}@bench.example" for i in range(first, last)]
                    ).values_list("pk", flat=True)
                )
            with connection.cursor() as cursor:
                cursor.executemany(
                    f"UPDATE {table} SET created_at = %s, updated_at = %s WHERE id = %s",
                    [
                        (stamp, stamp, pk)
                        for pk, stamp in (
                            # As Django writes a date-time (SQLite keeps text: compared as
                            # text, "…+00:00" sorts after the same instant without it).
                            (
                                pk,
                                connection.ops.adapt_datetimefield_value(
                                    base + timedelta(seconds=first + k)
                                ),
                            )
                            for k, pk in enumerate(pks)
                        )
                    ],
                )


def leads_load(control: Any, n: int, *, prefix: str = "l", chunk: int = 5_000) -> None:
    """``n`` Leads in the org, loaded without API usage."""
    for first in range(0, n, chunk):
        control.load_records(
            "Lead",
            [
                {
                    "FirstName": "Lead",
                    "LastName": f"L{i}",
                    "Company": "Bench Corp",
                    "Email": f"{prefix}{i}@bench.example",
                    "Title": "Buyer",
                    "Phone": f"+1 555 {i:07d}",
                }
                for i in range(first, min(n, first + chunk))
            ],
        )


# -- figures -------------------------------------------------------------------------------


@dataclass
class Figure:
    """One printed and recorded figure."""

    name: str
    value: str
    target: str = ""
    met: bool | None = None

    def line(self) -> str:
        verdict = "" if self.met is None else (" — met" if self.met else " — MISSED")
        target = f" (target: {self.target})" if self.target else ""
        return f"{self.name}: {self.value}{target}{verdict}"


_reported: list[Figure] = []


def report(figure: Figure) -> Figure:
    """Print a figure; with BENCH_JSON set (bench/run_all.py), also record it there."""
    print(f"  {figure.line()}", flush=True)
    _reported.append(figure)
    if os.environ.get("BENCH_JSON"):
        Path(os.environ["BENCH_JSON"]).write_text(
            json.dumps([dataclasses.asdict(f) for f in _reported], indent=1)
        )
    return figure


def command_line() -> str:
    return " ".join([os.path.relpath(sys.executable, ROOT), *sys.argv])


def header(description: str) -> None:
    print(f"$ {command_line()}", flush=True)
    print(f"  {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f}; {description}")


def ceil_div(n: int, d: int) -> int:
    return math.ceil(n / d)


def median(values: list[float]) -> float:
    return statistics.median(values)


def run_seconds(run: Any) -> float:
    """How long a SyncRun took inside the worker (started_at → finished_at)."""
    finished: datetime = run.finished_at
    return (finished - run.started_at).total_seconds()
