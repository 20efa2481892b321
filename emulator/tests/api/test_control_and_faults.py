"""Control API, daily API limit, fault injection and the stand-alone server."""

from __future__ import annotations

import concurrent.futures
import time

import pytest
import requests
from simple_salesforce.exceptions import SalesforceGeneralError, SalesforceRefusedRequest

from salesforce_emulator.config import active_config
from salesforce_emulator.testing import running_emulator


def test_every_api_request_counts_once_and_control_api_is_free(sf, emulator_control):
    start = emulator_control.stats()["api_used"]
    sf.query("SELECT Id FROM Contact")
    sf.Contact.create({"LastName": "A"})
    sf.limits()
    emulator_control.records("Contact")  # control API: free
    stats = emulator_control.stats()
    assert stats["api_used"] == start + 3
    assert stats["requests"]["POST /services/data/v<version>/sobjects/<obj>/"] == 1
    assert stats["requests"]["POST /services/Soap/u/<version>/"] == 1


def test_limit_exhaustion(sf, emulator_control):
    emulator_control.configure_org(api_limit=5, api_used=4)
    sf.query("SELECT Id FROM Contact")  # the 5th call is allowed
    with pytest.raises(SalesforceRefusedRequest) as exc:
        sf.query("SELECT Id FROM Contact")
    assert exc.value.status == 403
    assert exc.value.content == [
        {
            "message": "TotalRequests Limit exceeded.",
            "errorCode": "REQUEST_LIMIT_EXCEEDED",
            "fields": [],
        }
    ]
    raw = sf.session.get(sf.base_url + "limits/", headers=sf.headers)
    assert raw.status_code == 403
    assert raw.headers["Sforce-Limit-Info"] == "api-usage=5/5"
    emulator_control.configure_org(api_used=0)
    assert sf.query("SELECT COUNT() FROM Contact")["totalSize"] == 0


def test_fault_503_then_normal(sf, emulator_control):
    emulator_control.add_fault(
        r"/query",
        status=503,
        error_code="SERVER_UNAVAILABLE",
        message="down for maintenance",
        count=2,
    )
    for _ in range(2):
        with pytest.raises(SalesforceGeneralError) as exc:
            sf.query("SELECT Id FROM Contact")
        assert exc.value.status == 503
        assert exc.value.content[0]["errorCode"] == "SERVER_UNAVAILABLE"
    assert sf.query("SELECT Id FROM Contact")["totalSize"] == 0
    assert emulator_control.faults() == []


def test_fault_unable_to_lock_row_on_one_method(sf, emulator_control):
    emulator_control.add_fault(
        r"/composite/sobjects",
        method="POST",
        status=400,
        error_code="UNABLE_TO_LOCK_ROW",
        message="unable to obtain exclusive access to this record",
    )
    sf.query("SELECT Id FROM Contact")  # other paths unaffected
    with pytest.raises(Exception) as exc:
        sf.restful(
            "composite/sobjects",
            method="POST",
            json={"records": [{"attributes": {"type": "Contact"}, "LastName": "x"}]},
        )
    assert exc.value.content[0]["errorCode"] == "UNABLE_TO_LOCK_ROW"


@pytest.mark.slow
def test_stall_past_client_timeout(sf, emulator_control):
    # The server holds the request 3 s against the client's 0.3 s: room for a loaded
    # machine between the client giving up and the check that nothing is written yet.
    emulator_control.add_fault(r"/sobjects/Contact", delay_s=3.0)
    with pytest.raises(requests.exceptions.Timeout):
        sf.session.post(
            sf.base_url + "sobjects/Contact/",
            json={"LastName": "Slow"},
            headers=sf.headers,
            timeout=0.3,
        )
    # The client gave up while the server still held the request: nothing written yet.
    assert emulator_control.records("Contact") == []
    # The stalled request still completes server-side: wait for it (with a deadline).
    deadline = time.monotonic() + 30
    while not emulator_control.records("Contact") and time.monotonic() < deadline:
        time.sleep(0.05)
    assert emulator_control.stats()["faults"] == {"delay": 1}
    assert [r["LastName"] for r in emulator_control.records("Contact")] == ["Slow"]


def test_delay_then_answer_normally(sf, emulator_control):
    emulator_control.add_fault(r"/limits", delay_s=0.2)
    assert sf.limits()["DailyApiRequests"]["Max"] == emulator_control.org()["api_limit"]
    assert emulator_control.stats()["faults"] == {"delay": 1}  # it was delayed, then answered


def test_reset_connection(sf, emulator_control):
    emulator_control.add_fault(r"/query", reset_connection=True)
    with pytest.raises(requests.exceptions.ConnectionError):
        sf.query("SELECT Id FROM Contact")
    assert sf.query("SELECT Id FROM Contact")["totalSize"] == 0


def test_injected_invalid_session_triggers_relogin(sf, emulator_control):
    emulator_control.add_fault(
        r"/query", status=401, error_code="INVALID_SESSION_ID", message="Session expired or invalid"
    )
    old = sf.session_id
    assert sf.query("SELECT COUNT() FROM Contact")["totalSize"] == 0
    assert sf.session_id != old


def test_control_records_and_reset(sf, emulator_control):
    ids = emulator_control.load_records("Lead", [{"LastName": "A", "Company": "C"}])
    assert ids[0].startswith("00Q")
    sf.Lead.delete(ids[0])
    assert emulator_control.records("Lead")[0]["IsDeleted"] is True
    assert emulator_control.records("Lead", include_deleted=False) == []
    emulator_control.reset()
    assert emulator_control.records("Lead") == []
    assert emulator_control.stats()["requests"] == {}


def test_unknown_route_and_method(sf):
    resp = sf.session.get(sf.base_url + "nothing/here", headers=sf.headers)
    assert resp.status_code == 404
    assert resp.json()[0]["errorCode"] == "NOT_FOUND"
    resp = sf.session.put(sf.base_url + "query/", headers=sf.headers)
    assert resp.status_code == 405


def test_missing_authorization_is_401(emulator):
    resp = emulator.session().get("https://127.0.0.1/services/data/v59.0/limits/")
    assert resp.status_code == 401
    assert resp.json()[0]["errorCode"] == "INVALID_SESSION_ID"
    assert resp.headers["Sforce-Limit-Info"].startswith("api-usage=")


@pytest.mark.subprocess
def test_subprocess_server_with_demo_seed():
    # A deadline for the start, not a timing: a loaded machine starts it slowly.
    with running_emulator(
        in_process=False, seed="demo", api_limit=1234, startup_timeout=120
    ) as emu:
        sf = emu.salesforce(**active_config().demo.credentials)
        counts = {
            obj: sf.query(f"SELECT COUNT() FROM {obj}")["totalSize"]
            for obj in (
                "Lead",
                "Contact",
                "Account",
                "Opportunity",
                "OpportunityContactRole",
                "Task",
            )
        }
        assert counts["Lead"] == 50 and counts["Contact"] == 50 and counts["Account"] == 15
        assert counts["Opportunity"] == 20 and counts["OpportunityContactRole"] >= 20
        assert counts["Task"] > 0
        won = sf.query("SELECT COUNT() FROM Opportunity WHERE IsWon = true")["totalSize"]
        assert won >= 5
        assert sf.limits()["DailyApiRequests"]["Max"] == 1234


@pytest.mark.slow
def test_file_database_survives_restart(tmp_path):
    db = str(tmp_path / "org.sqlite3")
    with running_emulator(db=db) as emu:
        emu.control.create_user("p@example.com", "pw", "T")
        emu.control.configure_org(state_country_picklists=True)
        emu.salesforce("p@example.com", "pw", "T").Contact.create(
            {"LastName": "Durable", "MailingCountryCode": "FR"}
        )
    with running_emulator(db=db) as emu:
        sf = emu.salesforce("p@example.com", "pw", "T")
        rec = sf.query("SELECT LastName, MailingCountry FROM Contact")["records"][0]
        assert rec["MailingCountry"] == "France"
        assert sf.Contact.create({"LastName": "Next"})["id"] != rec["attributes"]["url"]


def test_concurrent_writes_are_consistent(sf, emulator_control):
    def batch(n):
        records = [
            {
                "attributes": {"type": "Contact"},
                "LastName": f"T{n}-{i}",
                "HubSync_Id__c": f"t{n}-{i}",
            }
            for i in range(50)
        ]
        return sf.restful("composite/sobjects", method="POST", json={"records": records})

    with concurrent.futures.ThreadPoolExecutor(max_workers=6) as pool:
        results = list(pool.map(batch, range(12)))
    ids = [r["id"] for res in results for r in res]
    assert len(ids) == 600 and len(set(ids)) == 600
    assert sf.query("SELECT COUNT() FROM Contact")["totalSize"] == 600
