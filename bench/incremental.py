"""Incremental cost does not grow with the database: one cycle with 10 changes at two sizes.

    .venv/bin/python bench/incremental.py [--small 20000] [--large 200000] [--rounds 5]
        [--database-url URL] [--keep]

Builds a database of SMALL contacts in sync with the org (an initial push, then one cycle
that reads the pushed records back), and measures ROUNDS cycles in each of which 10 contacts
were edited in hubsync and 10 other ones in Salesforce. Then grows the database to LARGE
contacts (pushed and read back the same way) and measures again. Every cycle runs in a real
Celery worker; the time is the SyncRun's own (started → finished), the calls are counted by
the emulator. Target: equal calls, median wall time at LARGE ≤ 1.5 × at SMALL.

With ``--keep`` the database is left at LARGE contacts for bench/settings_page.py.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness import (  # noqa: E402
    USER,
    Figure,
    add_database_argument,
    ceil_div,
    configure,
    contacts_make,
    database_maintained,
    django_setup,
    emulator_running,
    fresh_database,
    header,
    median,
    report,
    run_seconds,
)
from bench.processes import cpu_seconds, postgres_cpu_seconds, worker_running  # noqa: E402

EDITS = 10
RATIO_TARGET = 1.5
_round = 0


def edits_make(emulator, n: int = EDITS) -> None:
    """Edit ``n`` linked contacts in hubsync and ``n`` other linked records in Salesforce.

    Salesforce's side is written with one sObject Collections call, then the emulator's
    request counters are reset, so that the measured cycle's calls are its own.
    """
    from django.utils import timezone

    from marketing.models import Contact

    global _round
    _round += 1
    linked = Contact.objects.exclude(salesforce_id="")
    total = linked.count()
    step = max(total // (2 * n), 1)
    pks = list(linked.order_by("pk").values_list("pk", flat=True)[: 2 * n * step : step])
    ours, theirs = pks[0::2][:n], pks[1::2][:n]
    Contact.objects.filter(pk__in=ours).update(
        job_title=f"Edited in hubsync {_round}", updated_at=timezone.now()
    )
    records = [
        {"attributes": {"type": sf_object}, "Id": sf_id, "Title": f"Edited in Salesforce {_round}"}
        for sf_object, sf_id in Contact.objects.filter(pk__in=theirs).values_list(
            "salesforce_object", "salesforce_id"
        )
    ]
    sf = emulator.salesforce(*USER)
    results = sf.restful("composite/sobjects", method="PATCH", json={"records": records})
    assert all(r["success"] for r in results), results[:2]
    emulator.control.reset_stats()


def cpu_now(emulator, worker) -> tuple[float, float, float]:
    """CPU seconds so far of the emulator, the worker and PostgreSQL."""
    return cpu_seconds(emulator.process.pid), worker.cpu_seconds(), postgres_cpu_seconds()


def in_sync(sync, contacts: int, cpu=None) -> tuple[Any, float, tuple[float, ...]]:
    """Push every due contact, then read the pushed records back once (they come back as
    Salesforce changes with no new values): the steady state of a synced installation.
    Returns the push's run, its seconds from enqueue to finish and the CPU seconds it took
    (emulator, worker, PostgreSQL; ``cpu`` reads them)."""
    from connector.sync.pull.watermark import CLOSED_AFTER

    started = time.perf_counter()
    pushed = paused = 0.0
    push: tuple[Any, float, tuple[float, ...]] | None = None
    for step in ("push", "read-back"):
        if step == "read-back":
            # The read-back is the next scheduled cycle: hubsync's own writes start no cycle
            # (the listener skips them), and cycles come minutes apart. Run at once, a read of
            # several pages keeps its watermark CLOSED_AFTER before its opening, and the
            # first measured cycle read the push's last minute of echoes again (20,000
            # contacts: 12 calls, not 3).
            paused = max(CLOSED_AFTER.total_seconds() + 1 - (time.monotonic() - pushed), 0)
            time.sleep(paused)
        step_started = time.perf_counter()
        before = cpu() if cpu else (0.0, 0.0, 0.0)
        run = sync(f"setup-{step}-{contacts}")  # SyncRun.trigger holds 32 characters
        assert run.status == "succeeded", (run.status, run.reason)
        spent = tuple(b - a for a, b in zip(before, cpu() if cpu else before, strict=True))
        push = push or (run, time.perf_counter() - step_started, spent)
        pushed = pushed or time.monotonic()
    took = time.perf_counter() - started - paused
    database_maintained()
    # The inbound watermark sits in the second of the push's last write; until that second
    # is CLOSED_AFTER old, each cycle re-reads the records written in it (Salesforce compares
    # seconds). A real installation's next cycle comes minutes later: wait like it.
    wait = CLOSED_AFTER.total_seconds() + 1 - (time.monotonic() - pushed)
    print(
        f"  ({contacts:,} contacts: initial push and read-back took {took:.0f} s, with a "
        f"pause of {paused:.0f} s between them; waiting {max(wait, 0):.0f} s)"
    )
    time.sleep(max(wait, 0))
    assert push is not None
    return push


def measure(worker, emulator, rounds: int, label: str) -> tuple[float, list[int], list[float]]:
    """``rounds`` cycles: (median seconds, calls of each, seconds of each); prints CPU shares."""
    seconds: list[float] = []
    calls: list[int] = []
    emulator_cpu: list[float] = []
    worker_cpu: list[float] = []
    for index in range(rounds):
        edits_make(emulator)
        before = cpu_seconds(emulator.process.pid), worker.cpu_seconds()
        run, _ = worker.sync(trigger=f"bench-{label}-{index}")
        emulator_cpu.append(cpu_seconds(emulator.process.pid) - before[0])
        worker_cpu.append(worker.cpu_seconds() - before[1])
        assert run.status == "succeeded", (run.status, run.reason)
        assert run.counts["push_updated"] == EDITS, run.counts
        assert run.counts["pull_updated"] == EDITS, run.counts
        assert emulator.control.stats()["total_requests"] == run.api_calls
        seconds.append(run_seconds(run))
        calls.append(run.api_calls)
    print(
        f"  ({label}: median CPU per cycle: emulator {median(emulator_cpu) * 1000:.0f} ms, "
        f"worker {median(worker_cpu) * 1000:.0f} ms, including the broker round trip)"
    )
    return median(seconds), calls, seconds


def main(argv: list[str] | None = None) -> list[Figure]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", type=int, default=20_000)
    parser.add_argument("--large", type=int, default=200_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--keep", action="store_true", help="leave the database for the next")
    parser.add_argument(
        "--push-rate-target",
        type=int,
        default=None,
        help="also report the growth step's initial push (records/s target, memory, calls)",
    )
    add_database_argument(parser)
    args = parser.parse_args(argv)
    description = django_setup("incremental", args.database_url)
    header(f"{description}; emulator and worker in subprocesses")
    from connector.models import SyncCursor
    from connector.sync.queue import SCAN_CURSOR
    from marketing.models import Contact

    fresh_database()
    results = {}
    with emulator_running() as emulator:
        configure(emulator)
        with worker_running(emulator.url) as worker:
            contacts_make(args.small)
            in_sync(lambda trigger: worker.sync(trigger=trigger)[0], args.small)
            results["small"] = measure(worker, emulator, args.rounds, "small")
            # The new contacts are backdated like an old import: let the scan see them.
            contacts_make(args.large - args.small, start=args.small)
            SyncCursor.objects.filter(name=SCAN_CURSOR).update(value=None)
            growth, growth_s, growth_cpu = in_sync(
                lambda trigger: worker.sync(trigger=trigger, timeout=7_200)[0],
                args.large,
                cpu=lambda: cpu_now(emulator, worker),
            )
            peak_rss = worker.peak_rss_mb()
            assert Contact.objects.exclude(salesforce_id="").count() == args.large
            results["large"] = measure(worker, emulator, args.rounds, "large")
    (small_s, small_calls, _), (large_s, large_calls, _) = results["small"], results["large"]
    ratio = large_s / small_s
    for size, (s, calls, every) in ((args.small, results["small"]), (args.large, results["large"])):
        print(
            f"  {size:>7,} contacts: cycles of {', '.join(f'{x * 1000:.0f}' for x in every)} ms "
            f"(median {s * 1000:.0f} ms), calls {calls}"
        )
    figures = []
    if args.push_rate_target:
        figures += push_figures(
            args.large - args.small, growth, growth_s, peak_rss, args.push_rate_target, growth_cpu
        )
    return figures + [
        report(
            Figure(
                f"incremental cycle ({EDITS} contacts edited in hubsync + {EDITS} in Salesforce), "
                f"calls at {args.small:,} vs {args.large:,} contacts",
                f"{small_calls[0]} vs {large_calls[0]} calls per cycle",
                "equal",
                set(small_calls) == set(large_calls) and len(set(small_calls)) == 1,
            )
        ),
        report(
            Figure(
                f"incremental cycle wall time at {args.large:,} / at {args.small:,} contacts "
                f"(median of {args.rounds}, SyncRun time in the worker)",
                f"{large_s * 1000:.0f} ms / {small_s * 1000:.0f} ms = {ratio:.2f}",
                f"<= {RATIO_TARGET}",
                ratio <= RATIO_TARGET,
            )
        ),
    ]


# Bulk API 2.0 takes up to 150 MB of CSV per job; a contact's row is about 200 bytes.
BULK_JOB_BYTES = 150 * 1024 * 1024
ROW_BYTES = 200
BULK_JOB_CALLS = 7  # create, upload, close, poll, job info, successful and failed results


def push_figures(
    n: int, run, wall: float, peak_rss: float, rate_target: int, cpu: tuple[float, ...]
) -> list[Figure]:
    """The growth step's initial push of ``n`` new contacts through the worker."""
    emulator_cpu, worker_cpu, database_cpu = cpu
    jobs = ceil_div(n * ROW_BYTES, BULK_JOB_BYTES)
    limit = jobs * BULK_JOB_CALLS
    rate = n / wall
    return [
        report(
            Figure(
                f"initial push of {n:,} new contacts through the worker",
                f"{rate:,.0f} records/s ({wall:.0f} s from enqueue to finish)",
                f">= {rate_target:,} records/s",
                rate >= rate_target,
            )
        ),
        report(
            Figure(
                f"time shares, push of {n:,} new contacts",
                f"emulator CPU {emulator_cpu:.0f} s = {emulator_cpu / wall:.0%} of wall time; "
                f"worker CPU {worker_cpu:.0f} s = {worker_cpu / wall:.0%}; "
                f"PostgreSQL CPU {database_cpu:.0f} s = {database_cpu / wall:.0%}",
            )
        ),
        report(
            Figure(
                f"worker peak RSS during the push of {n:,} contacts (--pool=solo, VmHWM)",
                f"{peak_rss:.0f} MB",
                "< 300 MB",
                peak_rss < 300,
            )
        ),
        report(
            Figure(
                f"API calls, push of {n:,} new contacts",
                f"{run.api_calls} calls; Bulk API 2.0 physical limit {limit} ({jobs} jobs of "
                f"150 MB × {BULK_JOB_CALLS} calls)",
                f"<= 1.1 x {limit} + 10 = {1.1 * limit + 10:.0f}",
                run.api_calls <= 1.1 * limit + 10,
            )
        ),
    ]


if __name__ == "__main__":
    main()
