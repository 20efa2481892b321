"""Server time and SQL queries of the Salesforce pages at 200,000 contacts.

    .venv/bin/python bench/settings_page.py [--contacts 200000] [--requests 20]
        [--database-url URL] [--fresh]

Uses the database bench/incremental.py leaves with ``--keep`` (200,000 contacts synced
with the emulator, with their sync history) when it has enough contacts, else builds one
(``--fresh`` always does). Adds, in proportion, what the pages list or count: smart lists,
open and resolved sync errors, settings history entries, runs, held deletions and 24 hours
of API usage. Then requests each page through Django's test client (the server side of a
request: middleware, view, queries, template; no network) as a marketing admin, and prints
the median and 90th percentile time and the number of queries.

Pages: the settings page, its status panel and, if the URL name ``settings_ui:sync_errors``
resolves, the sync errors page. tests/settings_ui/test_query_counts.py asserts that their
query counts do not grow with the data.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness import (  # noqa: E402
    Figure,
    add_database_argument,
    contacts_make,
    database_maintained,
    django_setup,
    fresh_database,
    header,
    report,
)

PAGES = (
    "settings_ui:salesforce_settings",
    "settings_ui:salesforce_status",
    "settings_ui:sync_errors",
    "settings_ui:held_deletions",
    "settings_ui:contact_sync",  # one contact's page (the one with the most history)
)
CODES = ("REQUIRED_FIELD_MISSING", "INVALID_EMAIL_ADDRESS", "STRING_TOO_LONG", "DUPLICATE_VALUE")


def data_add(contacts: int, errors: int | None = None) -> dict[str, int]:
    """Smart lists, sync errors, history entries, runs, held deletions and API usage."""
    from django.utils import timezone

    from connector.models import (
        ApiCallBucket,
        HeldDeletion,
        OrgUsageSample,
        SyncDirection,
        SyncError,
        SyncRun,
        SyncRunStatus,
    )
    from connector.selectors import integration_settings_get
    from marketing.models import Contact, SmartList

    now = timezone.now()
    n_lists, n_errors, n_history, n_runs, n_held = (
        contacts // 200,
        contacts // 10 if errors is None else errors,
        min(contacts // 200, 2_000),
        min(contacts // 40, 50_000),
        contacts // 200,
    )
    lists = SmartList.objects.bulk_create(
        (
            SmartList(
                name=f"Bench list {i}",
                criteria={
                    "match": "all",
                    "conditions": [{"property": "email", "operator": "contains", "value": f"{i}@"}],
                },
            )
            for i in range(n_lists)
        ),
        batch_size=2_000,
    )
    pks = list(
        Contact.objects.order_by("pk").values_list("pk", "email", "salesforce_id")[
            : max(n_errors, n_held)
        ]
    )
    SyncError.objects.bulk_create(
        (
            SyncError(
                contact_id=pk,
                direction=SyncDirection.OUTBOUND if i % 2 else SyncDirection.INBOUND,
                object_type=("Lead", "Contact", "Task")[i % 3],
                code=CODES[i % len(CODES)],
                message=f"Problem {i}",
                resolved_at=now if i % 4 == 0 else None,
            )
            for i, (pk, _, _) in enumerate(pks[:n_errors])
        ),
        batch_size=2_000,
    )
    HeldDeletion.objects.bulk_create(
        (
            HeldDeletion(
                contact_id=pk, email=email, object_type="Lead", salesforce_id=sf_id, cycle="b"
            )
            for pk, email, sf_id in pks[-n_held:]
        ),
        batch_size=2_000,
    )
    SyncRun.objects.bulk_create(
        (
            SyncRun(trigger="bench", status=SyncRunStatus.SUCCEEDED, finished_at=now, api_calls=3)
            for _ in range(n_runs)
        ),
        batch_size=2_000,
    )
    for minute in range(24 * 60):
        stamp = (now - timedelta(minutes=minute)).replace(second=0, microsecond=0)
        ApiCallBucket.objects.get_or_create(minute=stamp, defaults={"calls": 5})
        OrgUsageSample.objects.get_or_create(
            hour=stamp.replace(minute=0), defaults={"used": 500, "max": 100_000}
        )
    integration_settings = integration_settings_get()
    for index in range(n_history):  # one history entry per save (django-simple-history)
        integration_settings.api_call_limit = 50_000 + index
        integration_settings.inclusion_list = lists[index % len(lists)]
        integration_settings.save()
    integration_settings.inclusion_list = None  # every contact syncs, as before
    integration_settings.save()
    return {
        "contacts": Contact.objects.count(),
        "smart lists": SmartList.objects.count(),
        "sync errors": SyncError.objects.count(),
        "history entries": integration_settings.history.count(),
        "runs": SyncRun.objects.count(),
        "held deletions": HeldDeletion.objects.count(),
    }


def page_url(name: str) -> str:
    """The page's URL; the contact page is that of the contact with the most history."""
    from django.db.models import Count
    from django.urls import reverse

    if name != "settings_ui:contact_sync":
        return reverse(name)
    from marketing.models import Contact

    busiest = (
        Contact.objects.annotate(events=Count("sync_events")).order_by("-events").first()
        if Contact.objects.filter(sync_events__isnull=False).exists()
        else Contact.objects.order_by("pk").first()
    )
    return reverse(name, args=[busiest.pk])


def measure(client, url: str, requests: int) -> tuple[float, float, int]:
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext, override_settings

    for _ in range(3):
        assert client.get(url).status_code == 200
    reset_queries()  # (a request resets the log: the capture must start from an empty one)
    with CaptureQueriesContext(connection) as context:
        client.get(url)
    queries = len(context)  # now: the next request resets the log
    seconds = []
    # Timed as production serves: without DEBUG's log of every query.
    with override_settings(DEBUG=False):
        for _ in range(requests):
            started = time.perf_counter()
            response = client.get(url)
            seconds.append(time.perf_counter() - started)
            assert response.status_code == 200
    seconds.sort()
    return statistics.median(seconds), seconds[int(0.9 * (len(seconds) - 1))], queries


def main(argv: list[str] | None = None) -> list[Figure]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contacts", type=int, default=200_000)
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--fresh", action="store_true", help="build a database of our own")
    parser.add_argument(
        "--errors", type=int, default=None, help="sync errors to add (default: a tenth of contacts)"
    )
    parser.add_argument(
        "--target-ms", type=float, default=None, help="median server time target per page"
    )
    add_database_argument(parser)
    args = parser.parse_args(argv)
    description = django_setup("incremental", args.database_url)
    header(f"{description}; Django test client, in-process")
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.db.utils import OperationalError, ProgrammingError
    from django.test import Client
    from django.urls import NoReverseMatch

    from connector.services.bootstrap import MARKETING_ADMINS_GROUP, marketing_admins_group_ensure
    from marketing.models import Contact

    try:
        reused = not args.fresh and Contact.objects.count() >= args.contacts
    except (OperationalError, ProgrammingError):  # no such database or table yet
        reused = False
    if not reused:
        fresh_database()
        contacts_make(args.contacts)
    counts = data_add(args.contacts, args.errors)
    database_maintained()
    print(
        f"  data ({'the synced database of bench/incremental.py' if reused else 'fresh'}): "
        + ", ".join(f"{value:,} {name}" for name, value in counts.items())
    )
    user, _ = get_user_model().objects.get_or_create(username="bench-admin")
    marketing_admins_group_ensure()
    user.groups.add(Group.objects.get(name=MARKETING_ADMINS_GROUP))
    client = Client(HTTP_HOST="localhost")
    client.force_login(user)
    figures = []
    for name in PAGES:
        try:
            url = page_url(name)
        except NoReverseMatch:
            print(f"  {name}: no such page (yet), skipped")
            continue
        median, p90, queries = measure(client, url, args.requests)
        figures.append(
            report(
                Figure(
                    f"server time of {url} ({name}) at {counts['contacts']:,} contacts, "
                    f"{counts['sync errors']:,} sync errors",
                    f"median {median * 1000:.0f} ms, 90th percentile {p90 * 1000:.0f} ms "
                    f"over {args.requests} requests; {queries} SQL queries",
                    f"median <= {args.target_ms:.0f} ms" if args.target_ms else "",
                    median * 1000 <= args.target_ms if args.target_ms else None,
                )
            )
        )
    return figures


if __name__ == "__main__":
    main()
