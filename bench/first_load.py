"""First load and the next incremental cycle of N Leads: API calls and time (issue 31).

    .venv/bin/python bench/first_load.py [--leads 10000 100000 1000000] [--database-url URL]

For each N: a fresh hubsync database, a fresh emulator (subprocess) holding N Leads (loaded
without API usage), a real Celery worker runs the first cycle (a Bulk API 2.0 query job for
an object this large), then 10 Leads are edited in Salesforce and the next cycle runs.
Prints each cycle's calls (the Bulk query job's create, status polls and result pages
apart) and time.

Target: a first load costs no more calls than one Bulk API 2.0 query job read in as few
result pages as Salesforce returns (what a peer such as Airbyte's Salesforce source pays):
the job's create, its status polls and one call per result page Salesforce makes, plus
hubsync's fixed calls (login, the composite call of first queries, the delete queries),
and the worker's memory stays bounded (peak RSS printed: pages are streamed).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness import (  # noqa: E402
    USER,
    Figure,
    add_database_argument,
    configure,
    django_setup,
    emulator_running,
    fresh_database,
    header,
    leads_load,
    report,
    run_seconds,
)
from bench.processes import worker_running  # noqa: E402

EDITS = 10
# Calls of a cycle that are not the Leads' read: login, the composite call carrying every
# phase's first query, the composite call of the Contacts' (empty) read and the delete reads.
FIXED_CALLS = 10


def bulk_calls(stats: dict) -> tuple[int, int, int]:
    """(job creates, status polls, result pages) of Bulk API 2.0 query jobs."""
    creates = polls = pages = 0
    for path, n in stats["requests"].items():
        if "/jobs/query" not in path:
            continue
        if path.startswith("POST"):
            creates += n
        elif "/results" in path:
            pages += n
        elif path.startswith("GET"):
            polls += n
    return creates, polls, pages


def one_size(n: int) -> list[Figure]:
    from marketing.models import Contact

    fresh_database()
    with emulator_running() as emulator:
        configure(emulator)
        started = time.perf_counter()
        leads_load(emulator.control, n)
        setup_s = time.perf_counter() - started
        with worker_running(emulator.url) as worker:
            emulator.control.reset_stats()
            run, wall = worker.sync(trigger=f"bench-first-load-{n}", timeout=3_600)
            assert run.status == "succeeded", (run.status, run.reason)
            assert Contact.objects.count() == n, Contact.objects.count()
            first = emulator.control.stats()
            peak_rss = worker.peak_rss_mb()
            sf = emulator.salesforce(*USER)
            edited = sf.query(f"SELECT Id FROM Lead LIMIT {EDITS}")["records"]
            records = [
                {"attributes": {"type": "Lead"}, "Id": r["Id"], "Title": "Edited"} for r in edited
            ]
            sf.restful("composite/sobjects", method="PATCH", json={"records": records})
            emulator.control.reset_stats()
            incremental, incremental_wall = worker.sync(trigger=f"bench-incremental-{n}")
            assert incremental.counts["pull_updated"] == EDITS, incremental.counts
    creates, polls, pages = bulk_calls(first)
    total = first["total_requests"]
    peer = creates + polls + 1  # one job, one result page when Salesforce sends it whole
    print(
        f"  {n:,} Leads (loaded in {setup_s:.1f} s, not timed): first load {wall:.1f} s "
        f"({run_seconds(run):.1f} s in the worker), {total} calls"
    )
    return [
        report(
            Figure(
                f"first load of {n:,} Leads (worker)",
                f"{total} calls (Bulk query: {creates} create, {polls} status polls, {pages} "
                f"result pages; others {total - creates - polls - pages}); {wall:.1f} s, "
                f"{n / wall:,.0f} records/s; worker peak RSS {peak_rss:.0f} MB",
                f"<= one job read in as few pages as Salesforce returns ({peer}) + "
                f"{FIXED_CALLS} fixed = {peer + FIXED_CALLS}",
                total <= peer + FIXED_CALLS and pages <= 1,
            )
        ),
        report(
            Figure(
                f"next incremental cycle at {n:,} Leads ({EDITS} changed in Salesforce)",
                f"{incremental.api_calls} calls, {incremental_wall:.2f} s",
            )
        ),
    ]


def main(argv: list[str] | None = None) -> list[Figure]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leads", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    add_database_argument(parser)
    args = parser.parse_args(argv)
    description = django_setup("first_load", args.database_url)
    header(f"{description}; emulator and worker in subprocesses")
    figures: list[Figure] = []
    for n in args.leads:
        figures += one_size(n)
    return figures


if __name__ == "__main__":
    main()
