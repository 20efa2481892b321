"""Inclusion-list evaluation inside a cycle at scale (issue 31).

    .venv/bin/python bench/inclusion_list.py [--contacts 2000000] [--database-url URL]

N contacts, all due for the push; a 10-condition smart list (text, choice and date
conditions, "all" of them) is the inclusion list. Measures what a cycle does with it before
any call to Salesforce: the due count (the progress bar's total) and the claim of the first
batch of 10,000 members (``select_for_update(skip_locked=True)`` with the list as a
subquery, window by window of 20,000 due contacts). The list is evaluated in the database, never
in Python. Target: each ≤ 2 s.
"""

from __future__ import annotations

import argparse
import sys
import time
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

TARGET_S = 2.0
CONDITIONS = [
    {"property": "country", "operator": "equals", "value": "USA"},
    {"property": "job_title", "operator": "contains", "value": "test"},
    {"property": "company_name", "operator": "not_equals", "value": "Initech"},
    {"property": "email", "operator": "contains", "value": "@bench."},
    {"property": "phone", "operator": "is_known", "value": None},
    {"property": "first_name", "operator": "equals", "value": "Bench"},
    {"property": "lifecycle_stage", "operator": "not_equals", "value": "customer"},
    {"property": "created_at", "operator": "after", "value": "2000-01-01"},
    {"property": "state", "operator": "is_unknown", "value": None},
    {"property": "last_name", "operator": "contains", "value": "7"},
]


def main(argv: list[str] | None = None) -> list[Figure]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contacts", type=int, default=2_000_000)
    add_database_argument(parser)
    args = parser.parse_args(argv)
    description = django_setup("inclusion_list", args.database_url)
    header(f"{description}; in-process")
    from django.db import transaction

    from connector.selectors import integration_settings_get
    from connector.sync.queue import (
        contact_states_claim,
        contact_states_release,
        contacts_due_count,
        contacts_mark_due,
    )
    from marketing.models import SmartList

    fresh_database()
    started = time.perf_counter()
    contacts_make(args.contacts)
    contacts_mark_due()
    database_maintained()
    setup_s = time.perf_counter() - started
    print(f"  {args.contacts:,} contacts, all due (set up in {setup_s:.0f} s)")
    smart_list = SmartList.objects.create(
        name="Bench inclusion list", criteria={"match": "all", "conditions": CONDITIONS}
    )
    integration_settings = integration_settings_get()
    integration_settings.inclusion_list = smart_list
    integration_settings.save()
    figures = []
    started = time.perf_counter()
    members = contacts_due_count(integration_settings=integration_settings)
    count_s = time.perf_counter() - started
    started = time.perf_counter()
    with transaction.atomic():
        token, ids = contact_states_claim(limit=10_000, inclusion_list=smart_list)
        claim_s = time.perf_counter() - started
        contact_states_release(token=token, contact_ids=ids)
    for what, seconds, detail in (
        ("due count (the progress bar's total)", count_s, f"{members:,} members due"),
        ("claim of the first 10,000 members", claim_s, f"{len(ids):,} claimed"),
    ):
        figures.append(
            report(
                Figure(
                    f"inclusion list of {len(CONDITIONS)} conditions over {args.contacts:,} "
                    f"contacts: {what}",
                    f"{seconds:.2f} s ({detail}; in the database)",
                    f"<= {TARGET_S:.0f} s",
                    seconds <= TARGET_S,
                )
            )
        )
    return figures


if __name__ == "__main__":
    main()
