"""API economy: calls per record, outbound and inbound, against the physical limit.

    .venv/bin/python bench/api_economy.py [--contacts 10000]

Runs the real sync cycle (connector.runner) against the emulator in a subprocess, on a
fresh SQLite database under var/bench/, and prints the calls each path used (counted by
the emulator) against its physical limit:

1. outbound, N new contacts: sObject Collections only, the default (Bulk API 2.0 above
   the threshold), and a naive script making one simple-salesforce call per record;
2. inbound, N changed Salesforce records: calls against ceil(N / 2,000).
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BENCH_DIR = ROOT / "var" / "bench"
BENCH_DIR.mkdir(parents=True, exist_ok=True)
DB = BENCH_DIR / "api_economy.sqlite3"
os.environ.update(
    DEBUG="true",
    DATABASE_URL=f"sqlite:///{DB}",
    DJANGO_SETTINGS_MODULE="hubsync.settings",
    LOG_LEVEL="WARNING",
)

import django  # noqa: E402

USER = ("bench@hubsync.test", "bench-password", "BENCHTOKEN")


def fresh_database() -> None:
    from django.core.management import call_command
    from django.db import connection

    connection.close()
    for suffix in ("", "-wal", "-shm"):
        Path(f"{DB}{suffix}").unlink(missing_ok=True)
    call_command("migrate", verbosity=0)


def configure(emulator) -> None:
    from django.conf import settings

    from connector.selectors import integration_settings_get

    settings.SALESFORCE_EMULATOR_URL = emulator.url
    integration_settings = integration_settings_get()
    integration_settings.username = USER[0]
    integration_settings.set_password(USER[1])
    integration_settings.set_security_token(USER[2])
    integration_settings.sync_enabled = True
    integration_settings.save()


def make_contacts(n: int) -> None:
    from marketing.models import Contact

    Contact.objects.bulk_create(
        [
            Contact(email=f"p{i}@bench.example", first_name="Bench", last_name=f"P{i}")
            for i in range(n)
        ],
        batch_size=2_000,
    )


def synced_push(n: int, *, bulk: bool) -> tuple[int, float]:
    from connector import push
    from connector.runner import sync_cycle_run
    from salesforce_emulator.testing import running_emulator

    push.BULK_THRESHOLD = 2_000 if bulk else 10**9
    fresh_database()
    with running_emulator(in_process=False, api_limit=10**7) as emulator:
        emulator.control.create_user(*USER)
        configure(emulator)
        make_contacts(n)
        started = time.perf_counter()
        run = sync_cycle_run(trigger="bench")
        seconds = time.perf_counter() - started
        assert run.status == "succeeded", run.reason
        assert run.counts["push_created"] == n, run.counts
        calls = emulator.control.stats()["total_requests"]
        assert calls == run.api_calls
    return calls, seconds


def naive_push(n: int) -> tuple[int, float]:
    """What a hand-written script does: one call per record."""
    from salesforce_emulator.testing import running_emulator

    with running_emulator(in_process=False, api_limit=10**7) as emulator:
        emulator.control.create_user(*USER)
        started = time.perf_counter()
        sf = emulator.salesforce(*USER)
        for i in range(n):
            sf.Lead.create(
                {"Email": f"p{i}@bench.example", "LastName": f"P{i}", "Company": "[not provided]"}
            )
        seconds = time.perf_counter() - started
        return emulator.control.stats()["total_requests"], seconds


def synced_pull(n: int) -> tuple[int, int, float]:
    """N Leads changed in Salesforce, pulled by one cycle: (calls, query calls, seconds)."""
    from connector.runner import sync_cycle_run
    from salesforce_emulator.testing import running_emulator

    fresh_database()
    with running_emulator(in_process=False, api_limit=10**7) as emulator:
        emulator.control.create_user(*USER)
        configure(emulator)
        for start in range(0, n, 5_000):
            emulator.control.load_records(
                "Lead",
                [
                    {"LastName": f"L{i}", "Company": "Bench", "Email": f"l{i}@bench.example"}
                    for i in range(start, min(n, start + 5_000))
                ],
            )
        emulator.control.reset_stats()
        started = time.perf_counter()
        run = sync_cycle_run(trigger="bench")
        seconds = time.perf_counter() - started
        assert run.status == "succeeded", run.reason
        assert run.counts["pull_created"] == n, run.counts
        requests = emulator.control.stats()["requests"]
        queries = sum(
            count
            for endpoint, count in requests.items()
            if "query" in endpoint or "composite/" in endpoint
        )
        return sum(requests.values()), queries, seconds


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--contacts", type=int, default=10_000)
    args = parser.parse_args()
    django.setup()
    n = args.contacts
    print(f"$ {' '.join([Path(sys.executable).name, *sys.argv])}")
    limit_collections = math.ceil(n / 200)
    target = 1.1 * limit_collections + 10
    calls_c, secs_c = synced_push(n, bulk=False)
    calls_b, secs_b = synced_push(n, bulk=True)
    calls_n, secs_n = naive_push(n)
    print(f"push of {n:,} new contacts (calls counted by the emulator):")
    print(
        f"  sObject Collections: {calls_c:>6,} calls in {secs_c:6.1f} s; physical limit "
        f"ceil(N/200) = {limit_collections:,}; target <= {target:,.0f}: "
        f"{'met' if calls_c <= target else 'MISSED'}"
    )
    print(f"  with Bulk API 2.0:   {calls_b:>6,} calls in {secs_b:6.1f} s")
    print(f"  naive, 1 call/record:{calls_n:>6,} calls in {secs_n:6.1f} s")
    print(
        f"  naive / collections = {calls_n / calls_c:,.0f}x; "
        f"naive / bulk = {calls_n / calls_b:,.0f}x"
    )
    calls_p, queries_p, secs_p = synced_pull(n)
    limit_pull = math.ceil(n / 2_000)
    print(f"pull of {n:,} changed Salesforce records:")
    print(
        f"  {calls_p:,} calls ({queries_p:,} query calls, the rest login) in {secs_p:.1f} s; "
        f"physical limit ceil(N/2,000) = {limit_pull}; target <= {limit_pull + 10}: "
        f"{'met' if queries_p <= limit_pull + 10 else 'MISSED'}"
    )


if __name__ == "__main__":
    main()
