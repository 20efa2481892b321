"""Bulk API 2.0 ingest and query, driven by simple-salesforce's bulk2 module."""

from __future__ import annotations

import csv
import io

import pytest
from simple_salesforce.exceptions import SalesforceMalformedRequest, SalesforceOperationError


def test_insert_update_upsert_delete(sf, emulator_control):
    records = [{"LastName": f"B{i}", "Email": f"b{i}@example.com"} for i in range(25)]
    result = sf.bulk2.Contact.insert(records=records, wait=0)
    assert result[0]["numberRecordsProcessed"] == 25
    assert result[0]["numberRecordsFailed"] == 0
    job_id = result[0]["job_id"]
    ok = list(csv.DictReader(io.StringIO(sf.bulk2.Contact.get_successful_records(job_id))))
    assert len(ok) == 25 and ok[0]["sf__Created"] == "true" and ok[0]["sf__Id"][:3] == "003"
    ids = [r["sf__Id"] for r in ok]

    sf.bulk2.Contact.update(records=[{"Id": i, "Title": "Bulk"} for i in ids[:5]], wait=0)
    titled = sf.query("SELECT COUNT() FROM Contact WHERE Title = 'Bulk'")
    assert titled["totalSize"] == 5

    up = sf.bulk2.Contact.upsert(
        records=[
            {"HubSync_Id__c": "h1", "LastName": "U"},
            {"HubSync_Id__c": "h2", "LastName": "V"},
        ],
        external_id_field="HubSync_Id__c",
        wait=0,
    )
    assert up[0]["numberRecordsFailed"] == 0
    again = sf.bulk2.Contact.upsert(
        records=[{"HubSync_Id__c": "h1", "LastName": "U2"}],
        external_id_field="HubSync_Id__c",
        wait=0,
    )
    rows = sf.bulk2.Contact.get_successful_records(again[0]["job_id"])
    assert "false" in rows  # sf__Created false: updated, not duplicated
    assert sf.query("SELECT COUNT() FROM Contact WHERE HubSync_Id__c = 'h1'")["totalSize"] == 1

    sf.bulk2.Contact.delete(records=[{"Id": i} for i in ids[:3]], wait=0)
    deleted = [r for r in emulator_control.records("Contact") if r["IsDeleted"]]
    assert len(deleted) == 3


def test_failed_results(sf):
    records = [
        {"LastName": "Ok", "Email": "ok@example.com"},
        {"LastName": "Bad", "Email": "not-an-email"},
    ]
    result = sf.bulk2.Contact.insert(records=records, wait=0)
    assert result[0]["numberRecordsFailed"] == 1
    failed = list(
        csv.DictReader(io.StringIO(sf.bulk2.Contact.get_failed_records(result[0]["job_id"])))
    )
    assert failed[0]["sf__Error"].startswith("INVALID_EMAIL_ADDRESS:")
    assert failed[0]["LastName"] == "Bad"
    assert sf.bulk2.Contact.get_unprocessed_records(result[0]["job_id"]).strip() != ""


def test_all_ingest_records_helper(sf):
    result = sf.bulk2.Lead.insert(records=[{"LastName": "A", "Company": "C"}], wait=0)
    allrec = sf.bulk2.Lead.get_all_ingest_records(result[0]["job_id"])
    assert len(allrec["successfulRecords"]) == 1
    assert allrec["failedRecords"] == [] and allrec["unprocessedRecords"] == []


def test_unknown_column_fails_the_job(sf):
    with pytest.raises(SalesforceOperationError):
        sf.bulk2.Contact.insert(records=[{"LastName": "A", "Bogus": "x"}], wait=0)


def test_query_with_locator_paging(sf, emulator_control):
    emulator_control.load_records(
        "Contact", [{"LastName": f"Q{i:04d}", "Email": f"q{i}@example.com"} for i in range(250)]
    )
    pages = list(
        sf.bulk2.Contact.query(
            "SELECT Id, LastName, Account.Name FROM Contact ORDER BY LastName",
            max_records=100,
            wait=0,
        )
    )
    assert len(pages) == 3
    rows = [r for page in pages for r in csv.DictReader(io.StringIO(page))]
    assert len(rows) == 250
    assert rows[0]["LastName"] == "Q0000" and rows[0]["Account.Name"] == ""
    assert pages[0].startswith('"Id","LastName","Account.Name"')


def test_query_all_includes_deleted(sf):
    cid = sf.Contact.create({"LastName": "Gone"})["id"]
    sf.Contact.delete(cid)
    pages = list(sf.bulk2.Contact.query_all("SELECT Id, IsDeleted FROM Contact", wait=0))
    assert '"true"' in pages[0]
    assert list(sf.bulk2.Contact.query("SELECT Id FROM Contact", wait=0)) == ['"Id"\n']


def test_bad_query_is_rejected_at_job_creation(sf):
    with pytest.raises(SalesforceMalformedRequest):
        list(sf.bulk2.Contact.query("SELECT Nope FROM Contact", wait=0))


def test_raw_job_lifecycle(sf):
    """The HTTP shapes bulk2.py relies on: Open state, 201 upload, UploadComplete."""
    url = sf.bulk2_url + "ingest"
    created = sf.session.post(
        url,
        headers=sf.headers,
        json={
            "object": "Lead",
            "operation": "insert",
            "contentType": "CSV",
            "lineEnding": "LF",
            "columnDelimiter": "COMMA",
        },
    ).json()
    assert created["state"] == "Open"
    up = sf.session.put(
        f"{url}/{created['id']}/batches",
        data=b"LastName,Company\nA,B\n",
        headers={**sf.headers, "Content-Type": "text/csv"},
    )
    assert up.status_code == 201
    closed = sf.session.patch(
        f"{url}/{created['id']}", headers=sf.headers, json={"state": "UploadComplete"}
    ).json()
    assert closed["state"] in ("UploadComplete", "InProgress", "JobComplete")
    again = sf.session.put(
        f"{url}/{created['id']}/batches",
        data=b"LastName,Company\nA,B\n",
        headers={**sf.headers, "Content-Type": "text/csv"},
    )
    assert again.status_code == 409
    (error,) = again.json()
    assert error["errorCode"] == "INVALIDJOBSTATE"
    # The job moves on in the background: the state it is in when asked again varies.
    prefix = f"Job {created['id']} is not in state Open: "
    assert error["message"].removeprefix(prefix) in ("UploadComplete", "InProgress", "JobComplete")


def test_ingest_jobs_run_one_at_a_time_in_the_order_they_were_closed(sf, emulator_control):
    """A later job waits (UploadComplete) while an earlier one runs, whatever their sizes:
    the first job's results are ready as soon as it alone is done."""
    import time

    emulator_control.configure_org(bulk_records_per_s=100)  # the first job runs 2 s
    url = sf.bulk2_url + "ingest"

    def job(rows: int) -> str:
        created = sf.session.post(
            url,
            headers=sf.headers,
            json={"object": "Lead", "operation": "insert", "contentType": "CSV"},
        ).json()
        data = "LastName,Company\n" + "".join(f"L{i},C\n" for i in range(rows))
        sf.session.put(
            f"{url}/{created['id']}/batches",
            data=data.encode(),
            headers={**sf.headers, "Content-Type": "text/csv"},
        )
        sf.session.patch(
            f"{url}/{created['id']}", headers=sf.headers, json={"state": "UploadComplete"}
        )
        return created["id"]

    try:
        first, second = job(200), job(1)
        seen: list[tuple[str, str]] = []
        deadline = time.monotonic() + 30
        while not seen or seen[-1] != ("JobComplete", "JobComplete"):
            assert time.monotonic() < deadline, seen
            states = tuple(
                sf.session.get(f"{url}/{job_id}", headers=sf.headers).json()["state"]
                for job_id in (first, second)
            )
            seen.append(states)  # type: ignore[arg-type]
            time.sleep(0.02)
        # The one-record job never finished before the 200-record job closed before it.
        assert not any(a != "JobComplete" and b == "JobComplete" for a, b in seen), seen
    finally:
        emulator_control.configure_org(bulk_records_per_s=None)
