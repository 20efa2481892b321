"""Freshness and idle cost: Change Data Capture against polling.

    .venv/bin/python bench/change_events.py [--changes 20] [--latency-ms 150] [--poll-s 10]

The emulator runs as a subprocess with ``--latency-ms`` (every request and Pub/Sub call
answers that much later, as a real org over the network does). A sales rep renames a Lead
(simple-salesforce over HTTP) at a random moment; freshness is the time until the hubsync
contact carries the new name.

- With events: ``manage.py salesforce_listen`` (a subprocess) is subscribed; p50 and p95.
- With polling: cycles every ``--poll-s`` seconds (beat's interval, shortened so the run
  takes minutes; freshness scales with the interval: a change waits for the next cycle, then
  for that cycle). The 5-minute equivalent is printed next to it: p50 ≈ interval/2 + cycle,
  p95 ≈ 0.95 × interval + cycle.
- API calls over an idle 24 hours, in simulated time: beat's 288 five-minute ticks, each
  going through ``connector.tasks.salesforce_sync`` as beat's job does; between ticks the
  finished runs are moved 5 minutes into the past. With events flowing beat runs only the
  hourly safety-net cycle; without, every tick is a cycle. The listener's own calls (a login
  and a userinfo per session) are added from the run with events.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness import (  # noqa: E402
    ROOT,
    Figure,
    add_database_argument,
    configure,
    django_setup,
    emulator_running,
    fresh_database,
    header,
    report,
)

REP = ("rep@hubsync.test", "rep-password-1", "REPTOKEN")
BENCH_LOG = ROOT / "var" / "bench" / "listener.log"
TICKS_PER_DAY = 24 * 60 // 5
FRESHNESS_TARGET_S = 10  # p95 with events
IDLE_TARGET_CALLS = 300  # a day with events


def percentile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


def rename_and_wait(rep, contact_pk: int, lead_id: str, n: int) -> float:
    from marketing.models import Contact

    name = f"Renamed{n}"
    started = time.perf_counter()
    rep.Lead.update(lead_id, {"LastName": name})
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        if Contact.objects.filter(pk=contact_pk, last_name=name).exists():
            return time.perf_counter() - started
        time.sleep(0.02)
    raise RuntimeError(f"change {n} never arrived")


def linked_lead(emulator) -> tuple[int, str]:
    from connector.sync.cycle import sync_cycle_run
    from marketing.models import Contact

    rep = emulator.salesforce(*REP)
    lead_id = rep.Lead.create({"LastName": "Fresh", "Company": "Bench", "Email": "f@bench.test"})[
        "id"
    ]
    assert sync_cycle_run(trigger="bench-setup").status == "succeeded"
    return Contact.objects.get(salesforce_id=lead_id).pk, lead_id


def listener_env(emulator) -> dict[str, str]:
    from django.conf import settings

    return {
        **os.environ,
        "SALESFORCE_EMULATOR_URL": emulator.url,
        "SALESFORCE_PUBSUB_URL": f"grpc://{emulator.pubsub_address}",
        "SECRET_KEY": settings.SECRET_KEY,
        "LOG_LEVEL": "WARNING",
    }


def with_events(emulator, changes: int) -> tuple[list[float], int]:
    from connector.models import ChangeEventStream, SyncRun

    contact_pk, lead_id = linked_lead(emulator)
    log = open(BENCH_LOG, "w")  # noqa: SIM115 — closed with the listener
    listener = subprocess.Popen(
        [sys.executable, "manage.py", "salesforce_listen"],
        cwd=ROOT,
        env=listener_env(emulator),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while not ChangeEventStream.objects.filter(state="listening").exists():
            if time.monotonic() > deadline:
                states = list(ChangeEventStream.objects.values_list("state", "detail"))
                raise RuntimeError(f"the listener did not subscribe ({states}); see {BENCH_LOG}")
            time.sleep(0.1)
        # A session's own calls: the login and the userinfo (not the catch-up cycle, which
        # only a first subscription runs).
        requests = emulator.control.stats()["requests"]
        session_calls = (
            sum(n for key, n in requests.items() if "/Soap/" in key or "userinfo" in key) - 1
        )  # the setup cycle's login
        rep = emulator.salesforce(*REP)
        samples = []
        for n in range(changes):
            time.sleep(random.uniform(0.5, 1.5))
            samples.append(rename_and_wait(rep, contact_pk, lead_id, n))
        assert SyncRun.objects.filter(trigger="change_event").count() >= changes
    finally:
        listener.terminate()
        listener.wait(timeout=30)
        log.close()
    return samples, session_calls


def with_polling(emulator, changes: int, poll_s: float) -> tuple[list[float], float]:
    from connector.models import SyncRun
    from connector.sync.cycle import sync_cycle_run

    contact_pk, lead_id = linked_lead(emulator)
    stop = threading.Event()

    def beat() -> None:
        from django.db import connection

        while not stop.wait(poll_s):
            sync_cycle_run(trigger="bench-poll")
        connection.close()

    ticker = threading.Thread(target=beat, daemon=True)
    ticker.start()
    rep = emulator.salesforce(*REP)
    samples = []
    try:
        for n in range(changes):
            time.sleep(random.uniform(0, poll_s))
            samples.append(rename_and_wait(rep, contact_pk, lead_id, n))
    finally:
        stop.set()
        ticker.join(timeout=120)
    runs = SyncRun.objects.filter(trigger="bench-poll", status="succeeded")
    cycle_s = statistics.median((r.finished_at - r.started_at).total_seconds() for r in runs)
    return samples, cycle_s


def idle_day(emulator, *, events: bool) -> int:
    """API calls of 288 beat ticks on an idle org, in simulated time."""
    from django.utils import timezone

    from connector.models import ChangeEventStream, SyncRun
    from connector.tasks import salesforce_sync

    linked_lead(emulator)
    SyncRun.objects.update(finished_at=timezone.now() - timedelta(days=1))
    before = emulator.control.stats()["api_used"]
    for _tick in range(TICKS_PER_DAY):
        if events:  # the listener is alive: its heartbeat is fresh
            ChangeEventStream.objects.update_or_create(
                topic="/data/ChangeEvents",
                defaults={"state": "listening", "heartbeat_at": timezone.now()},
            )
        else:
            ChangeEventStream.objects.all().delete()
        salesforce_sync.run(trigger="schedule")
        for run in SyncRun.objects.all():  # five minutes pass
            SyncRun.objects.filter(pk=run.pk).update(
                started_at=run.started_at - timedelta(minutes=5),
                finished_at=(run.finished_at or run.started_at) - timedelta(minutes=5),
            )
    return emulator.control.stats()["api_used"] - before


def main(argv: list[str] | None = None) -> list[Figure]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--changes", type=int, default=20)
    parser.add_argument("--latency-ms", type=float, default=150)
    parser.add_argument("--poll-s", type=float, default=10)
    add_database_argument(parser)
    args = parser.parse_args(argv)
    description = django_setup("change_events", args.database_url)
    header(f"{description}; emulator (--latency-ms {args.latency_ms:.0f}) and listener apart")
    random.seed(17)
    figures = []
    network = {"latency_ms": args.latency_ms}

    fresh_database()
    with emulator_running(**network) as emulator:
        emulator.control.create_user(*REP)
        configure(emulator, connector_version_checked_at=_now())
        events, session_calls = with_events(emulator, args.changes)
    p50, p95 = percentile(events, 50), percentile(events, 95)
    figures.append(
        report(
            Figure(
                f"freshness with change events, {args.changes} changes at "
                f"{args.latency_ms:.0f} ms latency",
                f"p50 {p50:.2f} s, p95 {p95:.2f} s",
                f"p95 <= {FRESHNESS_TARGET_S} s",
                p95 <= FRESHNESS_TARGET_S,
            )
        )
    )

    fresh_database()
    with emulator_running(**network) as emulator:
        emulator.control.create_user(*REP)
        configure(emulator, connector_version_checked_at=_now(), change_events=False)
        polled, cycle_s = with_polling(emulator, args.changes, args.poll_s)
    p50, p95 = percentile(polled, 50), percentile(polled, 95)
    five = 300
    figures.append(
        report(
            Figure(
                f"freshness with polling every {args.poll_s:.0f} s, {args.changes} changes",
                f"p50 {p50:.2f} s, p95 {p95:.2f} s (a cycle takes {cycle_s:.2f} s; every "
                f"5 minutes: p50 ≈ {five / 2 + cycle_s:.0f} s, "
                f"p95 ≈ {0.95 * five + cycle_s:.0f} s)",
                f"p95 <= one poll interval + a cycle ({args.poll_s + cycle_s:.1f} s)",
                p95 <= args.poll_s + cycle_s,
            )
        )
    )

    for events_on in (True, False):
        fresh_database()
        with emulator_running() as emulator:
            emulator.control.create_user(*REP)
            configure(emulator, connector_version_checked_at=_now(), change_events=events_on)
            calls = idle_day(emulator, events=events_on)
        if events_on:
            # The listener logs in again when its session ends: 2-hour sessions, 12 a day.
            listener_calls = 12 * session_calls
            total = calls + listener_calls
            figures.append(
                report(
                    Figure(
                        "API calls over an idle 24 hours with change events (simulated time)",
                        f"{total} ({calls} for the 24 hourly safety-net cycles + {listener_calls}"
                        f" for 12 listener sessions of at most {session_calls} calls)",
                        f"<= {IDLE_TARGET_CALLS}",
                        total <= IDLE_TARGET_CALLS,
                    )
                )
            )
        else:
            figures.append(
                report(
                    Figure(
                        "API calls over an idle 24 hours polling every 5 minutes (simulated)",
                        f"{calls} ({TICKS_PER_DAY} cycles)",
                    )
                )
            )
    return figures


def _now():  # type: ignore[no-untyped-def]
    from django.utils import timezone

    return timezone.now()


if __name__ == "__main__":
    main()
