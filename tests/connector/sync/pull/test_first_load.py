"""First load of a large org (issue 13): Bulk API 2.0 query instead of thousands of query
pages, and no unselective first-load query (the emulator times those out above
``query_timeout_rows`` records, as a large org does)."""

from __future__ import annotations

import pytest

from connector.models import SyncCursor
from connector.sync.cycle import sync_cycle_run
from marketing.models import Contact

pytestmark = pytest.mark.django_db


@pytest.fixture
def large_org(salesforce, settings):
    settings.SALESFORCE_BULK_QUERY_MIN = 50  # "large" for the test: 10,000 in production
    salesforce.control.configure_org(query_timeout_rows=40)
    salesforce.control.load_records(
        "Lead",
        [
            {"LastName": f"L{i}", "Company": "Acme", "Email": f"lead{i}@x.example"}
            for i in range(120)
        ],
    )
    salesforce.control.load_records(
        "Contact",
        [{"LastName": f"C{i}", "Email": f"contact{i}@x.example"} for i in range(60)],
    )
    return salesforce


def requests(salesforce) -> dict[str, int]:
    return salesforce.control.stats()["requests"]


@pytest.mark.slow
def test_large_objects_load_through_bulk_query_and_nothing_times_out(large_org):
    lead = large_org.control.records("Lead")[0]
    large_org.control.convert_lead(lead["Id"])  # a converted Lead creates no contact
    large_org.control.reset_stats()
    run = sync_cycle_run(trigger="test")
    assert run.status == "succeeded", run.reason
    assert Contact.objects.filter(salesforce_object="Lead").count() == 119
    assert Contact.objects.filter(salesforce_object="Contact").count() == 61
    seen = requests(large_org)
    assert sum(n for path, n in seen.items() if "jobs/query" in path) >= 2
    # The unselective IsDeleted = true query of a first load is not sent at all.
    assert run.api_calls <= 20
    assert SyncCursor.objects.get(name="inbound:Lead").value is not None
    assert SyncCursor.objects.get(name="inbound:Lead:deleted").value is not None
    # The next cycle reads changes with a selective SystemModstamp filter: no time-out.
    large_org.control.load_records(
        "Lead", [{"LastName": "New", "Company": "A", "Email": "n@x.example"}]
    )
    large_org.control.reset_stats()
    run = sync_cycle_run(trigger="test")
    assert run.status == "succeeded", run.reason
    assert not any("jobs/query" in path for path in requests(large_org))
    assert Contact.objects.filter(email="n@x.example").exists()


def test_a_small_org_reads_by_rest_query(salesforce, settings):
    settings.SALESFORCE_BULK_QUERY_MIN = 50
    salesforce.control.load_records(
        "Lead", [{"LastName": "L", "Company": "A", "Email": "a@x.example"}]
    )
    salesforce.control.reset_stats()
    run = sync_cycle_run(trigger="test")
    assert run.status == "succeeded" and run.counts["pull_created"] == 1
    assert not any("jobs/query" in path for path in requests(salesforce))


def test_no_first_load_query_is_unselective(large_org, settings, integration_settings):
    """The emulator times out unselective queries above 40 records here (IsDeleted = true
    alone, for one): a first load by REST pages, deletes and accounts included, sends none."""
    settings.SALESFORCE_BULK_QUERY_MIN = 10**9
    integration_settings.account_sync = "sync"
    integration_settings.opportunity_sync = True
    integration_settings.save()
    run = sync_cycle_run(trigger="test")
    assert run.status == "succeeded", run.reason
    assert not any("jobs/query" in path for path in requests(large_org))
    assert Contact.objects.count() == 180


@pytest.mark.slow
def test_each_result_page_is_one_call_and_streams_in_chunks(large_org, monkeypatch):
    """Issue 31: the result pages are as large as Salesforce makes them (no maxRecords), one
    call each, and each is read as it streams in, BULK_QUERY_CHUNK records at a time (the
    worker never holds a page whole)."""
    from connector import bulk_query

    monkeypatch.setattr(bulk_query, "BULK_QUERY_CHUNK", 25)
    handed_on: list[int] = []
    records = bulk_query._csv_records

    def counted(rows, sobject):
        chunk = records(rows, sobject)
        handed_on.append(len(chunk))
        return chunk

    monkeypatch.setattr(bulk_query, "_csv_records", counted)
    large_org.control.reset_stats()
    run = sync_cycle_run(trigger="test")
    assert run.status == "succeeded", run.reason
    assert Contact.objects.count() == 180
    seen = requests(large_org)
    results = {path: n for path, n in seen.items() if "/results" in path}
    # The emulator, like Salesforce for a result this small, answers in one page a job.
    assert sum(results.values()) == 2, seen  # one Lead job, one Contact job
    assert max(handed_on) == 25 and sum(handed_on) == 180
