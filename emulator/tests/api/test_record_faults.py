"""Faults on a share of requests, and on some records of a collections write."""

from __future__ import annotations

import json

import pytest
from simple_salesforce.exceptions import SalesforceGeneralError

COLLECTIONS = r"/composite/sobjects"


def _leads(n: int, start: int = 0) -> list[dict]:
    return [
        {
            "attributes": {"type": "Lead"},
            "LastName": f"L{i}",
            "Company": "Acme",
            "Email": f"l{i}@faults.example",
            "HubSync_Id__c": f"hs-{i}",
        }
        for i in range(start, start + n)
    ]


def _write(sf, records: list[dict], *, all_or_none: bool = False, upsert: bool = False):
    path = "composite/sobjects/Lead/HubSync_Id__c" if upsert else "composite/sobjects"
    body = {"allOrNone": all_or_none, "records": records}
    return sf.restful(path, method="PATCH" if upsert else "POST", data=json.dumps(body))


def test_record_fault_fails_some_records_and_writes_the_rest(sf, emulator_control):
    emulator_control.add_fault(
        COLLECTIONS, method="POST", record_error_code="UNABLE_TO_LOCK_ROW", record_share=0.25
    )
    results = _write(sf, _leads(8))
    failed = [i for i, r in enumerate(results) if not r["success"]]
    assert failed == [3, 7]  # every 4th, spread evenly
    assert results[3]["errors"][0]["statusCode"] == "UNABLE_TO_LOCK_ROW"
    assert "exclusive access" in results[3]["errors"][0]["message"]
    written = emulator_control.records("Lead")
    assert sorted(r["LastName"] for r in written) == sorted(f"L{i}" for i in range(8) if i % 4 != 3)
    assert {r["Id"] for r in written} == {r["id"] for r in results if r["success"]}
    # The fault was for one request: the next write is whole again.
    assert all(r["success"] for r in _write(sf, _leads(2, start=10)))
    stats = emulator_control.stats()
    assert stats["faults"] == {"record:UNABLE_TO_LOCK_ROW": 2}


def test_record_fault_on_upsert_by_external_id_with_a_record_count(sf, emulator_control):
    emulator_control.add_fault(
        COLLECTIONS,
        method="PATCH",
        record_error_code="UNABLE_TO_LOCK_ROW",
        record_count=1,
        count=2,
    )
    first = _write(sf, _leads(3), upsert=True)
    second = _write(sf, _leads(3), upsert=True)
    assert [r["success"] for r in first] == [True, True, False]
    assert first[2]["created"] is False
    # The retried record is created, the others updated: never a duplicate.
    assert [r["success"] for r in second] == [True, True, False]
    third = _write(sf, _leads(3), upsert=True)
    assert [(r["success"], r["created"]) for r in third] == [
        (True, False),
        (True, False),
        (True, True),
    ]
    assert len(emulator_control.records("Lead")) == 3
    assert emulator_control.faults() == []


def test_record_fault_with_all_or_none_rolls_back_the_rest(sf, emulator_control):
    emulator_control.add_fault(
        COLLECTIONS, record_error_code="UNABLE_TO_LOCK_ROW", record_count=1, count=1
    )
    results = _write(sf, _leads(3), all_or_none=True)
    codes = [r["errors"][0]["statusCode"] for r in results]
    assert codes == ["ALL_OR_NONE_OPERATION_ROLLED_BACK"] * 2 + ["UNABLE_TO_LOCK_ROW"]
    assert emulator_control.records("Lead") == []


def test_share_fails_every_nth_matching_request(sf, emulator_control):
    emulator_control.add_fault(r"/query", status=503, share=1 / 3, count=2)
    outcomes = []
    for _ in range(8):
        try:
            sf.query("SELECT Id FROM Lead")
            outcomes.append("ok")
        except SalesforceGeneralError as exc:
            assert exc.status == 503
            outcomes.append("503")
    assert outcomes == ["ok", "ok", "503", "ok", "ok", "503", "ok", "ok"]
    assert emulator_control.stats()["faults"] == {"status:503:SERVER_UNAVAILABLE": 2}


def test_a_record_fault_needs_records_to_fail(emulator_control):
    with pytest.raises(RuntimeError, match="record_count or record_share"):
        emulator_control.add_fault(COLLECTIONS, record_error_code="UNABLE_TO_LOCK_ROW")


def test_expired_sessions_are_counted(sf, emulator_control):
    emulator_control.expire_sessions()
    sf.query("SELECT Id FROM Lead")  # simple-salesforce logs in again
    assert emulator_control.stats()["faults"] == {"refused:INVALID_SESSION_ID": 1}
