"""Recycle-bin purges (control API, org setting recycle_bin_capacity) and what queryAll and
sobjects/X/deleted/ answer after them."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest


def _window(sf, sobject):
    now = datetime.now(UTC)
    return sf.restful(
        f"sobjects/{sobject}/deleted/",
        params={
            "start": (now - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "end": (now + timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        },
    )


def _deleted(sf, sobject):
    return sf.query(f"SELECT Id FROM {sobject} WHERE IsDeleted = true", include_deleted=True)[
        "totalSize"
    ]


def test_purge_removes_deleted_rows_for_good(sf, emulator_control):
    ids = emulator_control.load_records("Contact", [{"LastName": f"C{i}"} for i in range(3)])
    lead = emulator_control.load_records("Lead", [{"LastName": "L", "Company": "C"}])[0]
    for rid in ids[:2]:
        sf.Contact.delete(rid)
    sf.Lead.delete(lead)
    before = _window(sf, "Contact")
    assert len(before["deletedRecords"]) == 2
    out = emulator_control.purge_recycle_bin("Contact")
    assert out["purged"] == {"Contact": 2}
    assert _deleted(sf, "Contact") == 0
    assert _deleted(sf, "Lead") == 1  # another object's bin is untouched
    after = _window(sf, "Contact")
    assert after["deletedRecords"] == []
    assert after["earliestDateAvailable"] == out["before"]
    assert after["earliestDateAvailable"] > before["earliestDateAvailable"]
    # Another object's window still reaches back the usual 15 days.
    fifteen_days = (datetime.now(UTC) - timedelta(days=15)).date().isoformat()
    assert _window(sf, "Lead")["earliestDateAvailable"][:10] == fifteen_days
    assert sf.query("SELECT COUNT() FROM Contact")["totalSize"] == 1


def test_purge_before_keeps_later_deletes(sf, emulator_control):
    a, b = emulator_control.load_records("Contact", [{"LastName": "A"}, {"LastName": "B"}])
    sf.Contact.delete(a)
    time.sleep(0.02)
    cutoff = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
    time.sleep(0.02)
    sf.Contact.delete(b)
    out = emulator_control.purge_recycle_bin(before=cutoff)
    assert out["purged"]["Contact"] == 1
    rows = sf.query("SELECT Id FROM Contact WHERE IsDeleted = true", include_deleted=True)[
        "records"
    ]
    assert [r["Id"] for r in rows] == [b]
    assert _window(sf, "Contact")["earliestDateAvailable"] == out["before"]


def test_bad_purges_are_400(emulator_control):
    with pytest.raises(RuntimeError, match="400"):
        emulator_control.purge_recycle_bin(before="yesterday")
    with pytest.raises(RuntimeError, match="400"):
        emulator_control.purge_recycle_bin("Nope")


def test_capacity_purges_the_oldest(sf, emulator_control):
    emulator_control.configure_org(recycle_bin_capacity=2)
    ids = emulator_control.load_records("Contact", [{"LastName": f"C{i}"} for i in range(3)])
    lead = emulator_control.load_records("Lead", [{"LastName": "L", "Company": "C"}])[0]
    for rid in ids:
        sf.Contact.delete(rid)
        time.sleep(0.005)
    assert _deleted(sf, "Contact") == 2
    sf.Lead.delete(lead)
    rows = sf.query("SELECT Id FROM Contact WHERE IsDeleted = true", include_deleted=True)[
        "records"
    ]
    assert [r["Id"] for r in rows] == [ids[2]]
    assert _deleted(sf, "Lead") == 1
    window = _window(sf, "Contact")
    assert [r["id"] for r in window["deletedRecords"]] == [ids[2]]
    assert window["earliestDateAvailable"] > (datetime.now(UTC) - timedelta(days=1)).isoformat()


def test_capacity_setting_is_validated(emulator_control):
    assert emulator_control.org()["recycle_bin_capacity"] is None
    for bad in (-1, "10", True, 1.5):
        with pytest.raises(RuntimeError, match="400"):
            emulator_control.configure_org(recycle_bin_capacity=bad)
