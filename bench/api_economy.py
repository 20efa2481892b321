"""API economy: calls per record, outbound and inbound, against the physical limit.

    .venv/bin/python bench/api_economy.py [--contacts 10000] [--database-url URL]

Each scenario starts from a fresh database (SQLite under var/bench/ unless
``--database-url``) and a fresh emulator in a subprocess, which counts every request:

1. outbound, N new contacts: the default path (Bulk API 2.0 from 2,000 new records on),
   run by a real Celery worker; the sObject Collections path (the Bulk threshold raised
   in-process, so this one runs ``sync_cycle_run`` in the benchmark's own process); and a
   naive script making one simple-salesforce call per record. The physical limits:
   ceil(N/200) calls with Collections, the fixed calls of one Bulk API 2.0 job
   (create, upload, close, poll, job info, successful results, failed results) with Bulk.
2. inbound, N Leads created in Salesforce, then the same N changed there: the calls of the
   cycle that reads them (through the worker) against ceil(N/2,000) query pages.

Target: calls within 1.1 × the limit + 10, at least 50 × fewer than the naive script.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness import (  # noqa: E402
    USER,
    Figure,
    add_database_argument,
    configure,
    contacts_make,
    django_setup,
    emulator_running,
    fresh_database,
    header,
    leads_load,
    report,
)
from bench.processes import worker_running  # noqa: E402

BULK_JOB_CALLS = 7  # create, upload, close, poll, job info, successful and failed results
NAIVE_FACTOR = 50


def push_via_worker(n: int) -> tuple[int, dict, float]:
    """The default path, in the worker: (calls, calls by endpoint, seconds)."""
    fresh_database()
    with emulator_running() as emulator:
        configure(emulator)
        contacts_make(n)
        with worker_running(emulator.url) as worker:
            emulator.control.reset_stats()
            run, seconds = worker.sync(trigger="bench-push")
        assert run.status == "succeeded", run.reason
        assert run.counts["push_created"] == n, run.counts
        stats = emulator.control.stats()
        assert stats["total_requests"] == run.api_calls, (stats, run.api_calls)
    return run.api_calls, stats["requests"], seconds


def push_collections_in_process(n: int) -> tuple[int, float]:
    """sObject Collections only (Bulk threshold out of reach), in this process."""
    from connector.sync import push_writes
    from connector.sync.cycle import sync_cycle_run

    fresh_database()
    threshold = push_writes.BULK_THRESHOLD
    push_writes.BULK_THRESHOLD = 10**9
    try:
        with emulator_running() as emulator:
            configure(emulator)
            contacts_make(n)
            emulator.control.reset_stats()
            started = time.perf_counter()
            run = sync_cycle_run(trigger="bench-collections")
            seconds = time.perf_counter() - started
            assert run.status == "succeeded", run.reason
            assert run.counts["push_created"] == n, run.counts
            assert emulator.control.stats()["total_requests"] == run.api_calls
    finally:
        push_writes.BULK_THRESHOLD = threshold
    return run.api_calls, seconds


def push_naive(n: int) -> tuple[int, float]:
    """What a hand-written script does: one simple-salesforce call per record."""
    with emulator_running() as emulator:
        started = time.perf_counter()
        sf = emulator.salesforce(*USER)
        for i in range(n):
            sf.Lead.create(
                {"Email": f"p{i}@bench.example", "LastName": f"P{i}", "Company": "[not provided]"}
            )
        seconds = time.perf_counter() - started
        return emulator.control.stats()["total_requests"], seconds


def pull_via_worker(n: int) -> list[tuple[str, int, int, str, float]]:
    """N Leads created in Salesforce, then changed there; each read by one cycle.

    Returns (what, calls, query calls, the other calls, seconds) per cycle.
    """
    fresh_database()
    out = []
    with emulator_running() as emulator:
        configure(emulator)
        leads_load(emulator.control, n)
        with worker_running(emulator.url) as worker:
            for what in ("created", "changed"):
                if what == "changed":
                    # Every Lead edited in Salesforce (one Bulk API job, not counted).
                    sf = emulator.salesforce(*USER)
                    ids = [r["Id"] for r in emulator.control.records("Lead")]
                    sf.bulk2.Lead.update(
                        records=[{"Id": i, "Title": "Changed in Salesforce"} for i in ids], wait=0.2
                    )
                    time.sleep(1.1)  # the next second: the watermark's own second is re-read
                emulator.control.reset_stats()
                run, seconds = worker.sync(trigger=f"bench-pull-{what}")
                assert run.status == "succeeded", run.reason
                assert run.counts[f"pull_{'created' if what == 'created' else 'updated'}"] == n, (
                    run.counts
                )
                requests = emulator.control.stats()["requests"]
                queries = sum(
                    count
                    for endpoint, count in requests.items()
                    if ("/query" in endpoint or "/composite" in endpoint)
                    and "tooling" not in endpoint
                )
                others = ", ".join(
                    f"{endpoint} {count}"
                    for endpoint, count in sorted(requests.items())
                    if not ("/query" in endpoint or "/composite" in endpoint)
                    or "tooling" in endpoint
                )
                assert sum(requests.values()) == run.api_calls
                out.append((what, run.api_calls, queries, others, seconds))
    return out


def main(argv: list[str] | None = None) -> list[Figure]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contacts", type=int, default=10_000)
    add_database_argument(parser)
    args = parser.parse_args(argv)
    description = django_setup("api_economy", args.database_url)
    header(f"{description}; emulator and worker in subprocesses; calls counted by the emulator")
    n = args.contacts
    figures: list[Figure] = []

    calls_b, endpoints, secs_b = push_via_worker(n)
    calls_c, secs_c = push_collections_in_process(n)
    calls_n, secs_n = push_naive(n)
    limit_c = math.ceil(n / 200)
    jobs = sum(c for e, c in endpoints.items() if e.startswith("POST") and e.endswith("/ingest/"))
    limit_b = BULK_JOB_CALLS * max(jobs, 1)
    print(
        f"  push of {n:,} new contacts: default path {calls_b} calls in {secs_b:.1f} s "
        f"({jobs} Bulk API 2.0 job(s)); Collections only {calls_c} calls in {secs_c:.1f} s; "
        f"naive {calls_n:,} calls in {secs_n:.1f} s"
    )
    print(
        "  calls of the default path by endpoint: "
        + ", ".join(f"{endpoint} {count}" for endpoint, count in sorted(endpoints.items()))
    )
    figures.append(
        report(
            Figure(
                f"API calls, push of {n:,} new contacts, default path (Bulk API 2.0, worker)",
                f"{calls_b} calls; physical limit {limit_b} (one Bulk API 2.0 job: create, "
                "upload, close, poll, job info, successful and failed results)",
                f"<= 1.1 x {limit_b} + 10 = {1.1 * limit_b + 10:.1f}",
                calls_b <= 1.1 * limit_b + 10,
            )
        )
    )
    figures.append(
        report(
            Figure(
                f"API calls, push of {n:,} new contacts, sObject Collections path (in-process)",
                f"{calls_c} calls; physical limit ceil(N/200) = {limit_c}",
                f"<= 1.1 x {limit_c} + 10 = {1.1 * limit_c + 10:.0f}",
                calls_c <= 1.1 * limit_c + 10,
            )
        )
    )
    figures.append(
        report(
            Figure(
                "API calls, the same push done naively (1 simple-salesforce call per record)",
                f"{calls_n:,} calls = {calls_n / calls_b:,.0f} x the default path, "
                f"{calls_n / calls_c:,.0f} x the Collections path",
                f">= {NAIVE_FACTOR} x fewer calls than naive",
                calls_n >= NAIVE_FACTOR * max(calls_b, calls_c),
            )
        )
    )
    limit_p = math.ceil(n / 2_000)
    for what, calls, queries, others, seconds in pull_via_worker(n):
        figures.append(
            report(
                Figure(
                    f"API calls, pull of {n:,} Leads {what} in Salesforce (worker)",
                    f"{calls} calls ({queries} query calls; others: {others}) in {seconds:.1f} s; "
                    f"physical limit ceil(N/2,000) = {limit_p}",
                    f"<= {limit_p} + 10 = {limit_p + 10}",
                    calls <= limit_p + 10,
                )
            )
        )
    return figures


if __name__ == "__main__":
    main()
