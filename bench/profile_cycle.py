"""Profile one sync cycle in-process with cProfile (a tool for finding hot spots, not a figure).

    .venv/bin/python bench/profile_cycle.py outbound|inbound|incremental [--contacts 20000]
        [--sort tottime|cumulative] [--top 40] [--database-url URL]

outbound: N new contacts, empty org; inbound: N Leads in the org, empty hubsync;
incremental: N contacts in sync, then 10 edited on each side; rejected: N new contacts that
Salesforce rejects (a last name longer than its 80 characters). The emulator runs in a
subprocess; only the hubsync side is profiled. Writes var/bench/<scenario>.prof as well.
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
    add_database_argument,
    configure,
    contacts_make,
    django_setup,
    emulator_running,
    fresh_database,
    leads_load,
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scenario", choices=["outbound", "inbound", "incremental", "rejected"])
    parser.add_argument("--contacts", type=int, default=20_000)
    parser.add_argument("--sort", default="tottime")
    parser.add_argument("--top", type=int, default=40)
    add_database_argument(parser)
    args = parser.parse_args()
    print(django_setup("profile", args.database_url))
    from connector.runner import sync_cycle_run

    fresh_database()
    with emulator_running() as emulator:
        configure(emulator)
        if args.scenario == "inbound":
            leads_load(emulator.control, args.contacts)
        else:
            contacts_make(args.contacts)
        if args.scenario == "rejected":
            from marketing.models import Contact

            Contact.objects.update(last_name="x" * 100)
        if args.scenario == "incremental":
            from bench.incremental import edits_make, in_sync

            in_sync(lambda trigger: sync_cycle_run(trigger=trigger), f"{args.contacts:,}")
            edits_make(emulator, 10)
        profiler = cProfile.Profile()
        started = time.perf_counter()
        profiler.enable()
        run = sync_cycle_run(trigger="profile")
        profiler.disable()
        print(f"{run.status} in {time.perf_counter() - started:.2f} s, {run.api_calls} calls")
        print(run.counts)
    path = BENCH_DIR / f"{args.scenario}.prof"
    profiler.dump_stats(path)
    pstats.Stats(profiler).sort_stats(args.sort).print_stats(args.top)
    print(f"profile written to {path}")


if __name__ == "__main__":
    main()
