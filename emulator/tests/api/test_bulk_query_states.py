"""Bulk API 2.0 query jobs pass through UploadComplete and InProgress (org settings
``bulk_query_queued_s``/``bulk_query_running_s``), where a client can watch and abort them;
result pages without ``maxRecords`` hold what fits in ``bulk_query_page_bytes``."""

from __future__ import annotations

import csv
import io
import time

import pytest

V = "/services/data/v59.0"


def _jobs(sf):
    return f"{sf.base_url}jobs/query"


def _create(sf, soql="SELECT Id, LastName FROM Lead"):
    res = sf.session.post(_jobs(sf), headers=sf.headers, json={"operation": "query", "query": soql})
    assert res.status_code == 200, res.text
    return res.json()


def _state(sf, job_id):
    return sf.session.get(f"{_jobs(sf)}/{job_id}", headers=sf.headers).json()["state"]


def _abort(sf, job_id):
    return sf.session.patch(f"{_jobs(sf)}/{job_id}", headers=sf.headers, json={"state": "Aborted"})


def _wait_for(sf, job_id, state, deadline_s=15.0):
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        if _state(sf, job_id) == state:
            return
        time.sleep(0.02)
    pytest.fail(f"job {job_id} never reached {state}")


def test_a_queued_job_can_be_watched_and_aborted(sf, emulator_control):
    emulator_control.configure_org(bulk_query_queued_s=60)
    job = _create(sf)
    assert job["state"] == "UploadComplete"
    assert _state(sf, job["id"]) == "UploadComplete"
    aborted = _abort(sf, job["id"])
    assert aborted.status_code == 200 and aborted.json()["state"] == "Aborted"
    assert _state(sf, job["id"]) == "Aborted"
    results = sf.session.get(f"{_jobs(sf)}/{job['id']}/results", headers=sf.headers)
    assert results.status_code == 400
    # An aborted job cannot be aborted again.
    assert _abort(sf, job["id"]).status_code == 409


def test_a_running_job_can_be_watched_and_aborted(sf, emulator_control):
    emulator_control.load_records("Lead", [{"LastName": "L", "Company": "C"}])
    emulator_control.configure_org(bulk_query_queued_s=0.5, bulk_query_running_s=60)
    job = _create(sf)
    assert job["state"] in ("UploadComplete", "InProgress")
    _wait_for(sf, job["id"], "InProgress")
    assert _abort(sf, job["id"]).json()["state"] == "Aborted"
    assert _state(sf, job["id"]) == "Aborted"


def test_jobs_complete_after_their_stages(sf, emulator_control):
    emulator_control.load_records("Lead", [{"LastName": "L", "Company": "C"}])
    emulator_control.configure_org(bulk_query_queued_s=0.2, bulk_query_running_s=0.2)
    job = _create(sf)
    _wait_for(sf, job["id"], "JobComplete")
    results = sf.session.get(f"{_jobs(sf)}/{job['id']}/results", headers=sf.headers)
    assert results.headers["Sforce-NumberOfRecords"] == "1"
    # The defaults: no wait (what hubsync's tests rely on).
    emulator_control.reset()
    assert emulator_control.org()["bulk_query_queued_s"] == 0
    assert emulator_control.org()["bulk_query_running_s"] == 0


def test_result_pages_without_max_records_hold_what_fits(sf, emulator_control):
    emulator_control.load_records(
        "Lead", [{"LastName": f"Name{i:02d}", "Company": "C"} for i in range(30)]
    )
    emulator_control.configure_org(bulk_query_page_bytes=300)
    job = _create(sf, "SELECT Id, LastName FROM Lead")
    _wait_for(sf, job["id"], "JobComplete")
    names, pages, locator = [], 0, ""
    while locator != "null":
        params = {"locator": locator} if locator else {}
        res = sf.session.get(f"{_jobs(sf)}/{job['id']}/results", headers=sf.headers, params=params)
        assert res.status_code == 200
        assert len(res.text) <= 300
        rows = list(csv.DictReader(io.StringIO(res.text)))
        assert int(res.headers["Sforce-NumberOfRecords"]) == len(rows) > 0
        names += [r["LastName"] for r in rows]
        locator = res.headers["Sforce-Locator"]
        pages += 1
    assert names == [f"Name{i:02d}" for i in range(30)]
    assert pages > 3
    # maxRecords still wins.
    res = sf.session.get(
        f"{_jobs(sf)}/{job['id']}/results", headers=sf.headers, params={"maxRecords": 25}
    )
    assert res.headers["Sforce-NumberOfRecords"] == "25"
    with pytest.raises(RuntimeError, match="400"):
        emulator_control.configure_org(bulk_query_page_bytes=0)
