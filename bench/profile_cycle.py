"""Profile one sync cycle in-process with cProfile (a tool for finding hot spots, not a figure).

    .venv/bin/python bench/profile_cycle.py SCENARIO [--contacts 20000] [--no-profile]
        [--sort tottime|cumulative] [--top 40] [--database-url URL]

Scenarios: outbound (N new contacts, an empty org); inbound (N Leads in the org, an empty
hubsync); incremental (N contacts in sync, then 10 edited on each side); rejected (N new
contacts that Salesforce rejects: a last name longer than its 80 characters); changed (N
Leads pulled into hubsync, then all of them edited in Salesforce). The emulator runs in a
subprocess; only the hubsync side is profiled; the profile goes to var/bench/SCENARIO.prof.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness import (  # noqa: E402
    BENCH_DIR,
    USER,
    add_database_argument,
    configure,
    contacts_make,
    django_setup,
    emulator_running,
    fresh_database,
    leads_load,
)


class SlowestStatements:
    """A database execute wrapper: the time spent in each kind of statement (its first 90
    characters), to tell the database's share from Python's."""

    def __init__(self) -> None:
        self.seconds: dict[str, list[float]] = {}

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            spent = time.perf_counter() - started
            self.seconds.setdefault(" ".join(str(sql).split())[:90], []).append(spent)

    def print(self, top: int) -> None:
        total = sum(sum(times) for times in self.seconds.values())
        print(f"database statements: {total:.2f} s in all; the slowest kinds:")
        ranked = sorted(self.seconds.items(), key=lambda item: -sum(item[1]))[:top]
        for sql, times in ranked:
            print(f"  {sum(times):6.2f} s {len(times):5} x  {sql}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "scenario", choices=["outbound", "inbound", "incremental", "rejected", "changed"]
    )
    parser.add_argument("--no-profile", action="store_true", help="only time the cycle")
    parser.add_argument("--contacts", type=int, default=20_000)
    parser.add_argument("--sort", default="tottime")
    parser.add_argument("--top", type=int, default=40)
    add_database_argument(parser)
    args = parser.parse_args()
    print(django_setup("profile", args.database_url))
    from django.conf import settings
    from django.db import connection

    from connector.sync.cycle import sync_cycle_run

    fresh_database()
    with emulator_running() as emulator:
        configure(emulator)
        if args.scenario in ("inbound", "changed"):
            leads_load(emulator.control, args.contacts)
        else:
            contacts_make(args.contacts)
        if args.scenario == "changed":
            assert sync_cycle_run(trigger="setup").status == "succeeded"
            sf = emulator.salesforce(*USER)
            ids = [r["Id"] for r in emulator.control.records("Lead")]
            sf.bulk2.Lead.update(records=[{"Id": i, "Title": "Changed"} for i in ids], wait=0.2)
            time.sleep(1.1)
        if args.scenario == "rejected":
            from marketing.models import Contact

            Contact.objects.update(last_name="x" * 100)
        if args.scenario == "incremental":
            from bench.incremental import edits_make, in_sync

            in_sync(lambda trigger: sync_cycle_run(trigger=trigger), args.contacts)
            edits_make(emulator, 10)
        # Profiled as production runs: without DEBUG's log of every query's text.
        settings.DEBUG = False
        profiler = cProfile.Profile()
        statements = SlowestStatements()
        started = time.perf_counter()
        if not args.no_profile:
            profiler.enable()
        with connection.execute_wrapper(statements):
            run = sync_cycle_run(trigger="profile")
        profiler.disable()
        statements.print(10)
        print(f"{run.status} in {time.perf_counter() - started:.2f} s, {run.api_calls} calls")
        print(run.counts)
    if args.no_profile:
        return
    path = BENCH_DIR / f"{args.scenario}.prof"
    profiler.dump_stats(path)
    pstats.Stats(profiler).sort_stats(args.sort).print_stats(args.top)
    print(f"profile written to {path}")


if __name__ == "__main__":
    main()
