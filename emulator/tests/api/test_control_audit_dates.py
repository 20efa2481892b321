"""The control API loads records with past audit dates (``CreatedDate``,
``LastModifiedDate``, ``SystemModstamp``), so a client with a look-back window sees old data
as old: queries, ``updated/`` and the records themselves carry them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.000+0000")


def test_past_audit_dates(sf, emulator_control):
    now = datetime.now(UTC).replace(microsecond=0)
    older, old = now - timedelta(days=20), now - timedelta(days=10)
    ids = emulator_control.load_records(
        "Lead",
        [
            {
                "LastName": "Old",
                "Company": "C",
                "CreatedDate": older.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "LastModifiedDate": _iso(old),
            },
            {"LastName": "Created", "Company": "C", "CreatedDate": _iso(older)},
            {"LastName": "Fresh", "Company": "C"},
        ],
    )
    first, second, fresh = (sf.Lead.get(i) for i in ids)
    assert first["CreatedDate"] == _iso(older)
    assert first["LastModifiedDate"] == first["SystemModstamp"] == _iso(old)
    assert second["CreatedDate"] == second["LastModifiedDate"] == second["SystemModstamp"]
    assert fresh["SystemModstamp"] >= _iso(now)
    week = (now - timedelta(days=7)).strftime("%Y-%m-%dT%H:%M:%SZ")
    recent = sf.query(f"SELECT LastName FROM Lead WHERE SystemModstamp > {week}")
    assert [r["LastName"] for r in recent["records"]] == ["Fresh"]
    changed = sf.Lead.updated(now - timedelta(days=15), now - timedelta(days=5))
    assert changed["ids"] == [ids[0]]
    # Later writes stamp now, as always.
    sf.Lead.update(ids[0], {"Title": "CEO"})
    assert sf.Lead.get(ids[0])["SystemModstamp"] >= _iso(now)


@pytest.mark.parametrize(
    "dates",
    [
        {"CreatedDate": "yesterday"},
        {"CreatedDate": "2999-01-01T00:00:00Z"},
        {"CreatedDate": "2024-03-01T00:00:00Z", "LastModifiedDate": "2024-02-01T00:00:00Z"},
        {"LastModifiedDate": "2024-03-01T00:00:00Z", "SystemModstamp": "2024-02-01T00:00:00Z"},
    ],
)
def test_bad_audit_dates_are_refused(emulator_control, dates):
    with pytest.raises(RuntimeError, match="400"):
        emulator_control.load_records("Lead", [{"LastName": "X", "Company": "C", **dates}])
    assert emulator_control.records("Lead") == []
