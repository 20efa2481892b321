"""Incremental cost: an org of 20,000 records with 10 changed costs a cycle a handful of calls."""

from __future__ import annotations

import math
import time

import pytest

from connector.sync.cycle import sync_cycle_run
from marketing.models import Contact

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


def test_ten_changes_in_an_org_of_20000_cost_a_handful_of_calls(salesforce, monkeypatch):
    from connector.sync.pull import watermark

    # Salesforce compares SystemModstamp to the second; a second is taken as closed
    # (no more writes can land in it) after CLOSED_AFTER. Shorten it for the test.
    monkeypatch.setattr(watermark, "CLOSED_AFTER", watermark.timedelta(0))
    for start in range(0, 20_000, 5_000):
        salesforce.control.load_records(
            "Lead",
            [
                {"LastName": f"L{i}", "Company": "Big Org", "Email": f"l{i}@big.example"}
                for i in range(start, start + 5_000)
            ],
        )
    salesforce.control.reset_stats()
    started = time.perf_counter()
    first = sync_cycle_run(trigger="test")
    initial_seconds = time.perf_counter() - started
    assert first.status == "succeeded", first.reason
    assert first.counts["pull_created"] == 20_000
    assert Contact.objects.count() == 20_000
    # The initial read pages through 2,000 records a call; nothing is pushed back.
    assert first.counts["push_created"] == first.counts["push_updated"] == 0
    assert first.api_calls <= 2 + math.ceil(20_000 / 2_000)

    time.sleep(1.1)  # the bulk load's last second is now closed
    ids = [r["Id"] for r in salesforce.control.records("Lead")[:10]]
    from tests.conftest import SF_PASSWORD, SF_TOKEN, SF_USERNAME

    sf = salesforce.salesforce(SF_USERNAME, SF_PASSWORD, SF_TOKEN)
    sf.restful(
        "composite/sobjects",
        method="PATCH",
        json={
            "records": [{"attributes": {"type": "Lead"}, "Id": i, "Title": "Changed"} for i in ids]
        },
    )
    salesforce.control.reset_stats()
    run = sync_cycle_run(trigger="test")
    assert run.counts["pull_read"] == 10
    assert run.counts["pull_updated"] == 10
    assert run.api_calls == salesforce.control.stats()["total_requests"] == 2, (
        salesforce.control.stats(),
        run.counts,
    )
    assert Contact.objects.filter(job_title="Changed").count() == 10
    print(f"initial pull of 20,000: {initial_seconds:.1f} s; 10 changes: {run.api_calls} calls")
