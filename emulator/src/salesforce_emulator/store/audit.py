"""Audit dates of records loaded through the control API: ``CreatedDate``,
``LastModifiedDate`` and ``SystemModstamp`` from the past, as a data migration with
Salesforce's "Set Audit Fields upon Record Creation" permission loads them (the API writes
``CreatedDate`` and ``LastModifiedDate``; the emulator lets a test set ``SystemModstamp``
too, so tools with a look-back window see old data as old)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from ..values import format_dt, now_utc, parse_dt

AUDIT_FIELDS = ("CreatedDate", "LastModifiedDate", "SystemModstamp")


def split_audit(
    records: list[dict[str, Any]],
) -> tuple[list[dict[str, Any]], list[dict[str, str]] | None]:
    """The records without their audit dates, and each record's stamps (None when no
    record has any). A missing date defaults to the one before it (``LastModifiedDate`` to
    ``CreatedDate``, ``SystemModstamp`` to ``LastModifiedDate``; ``CreatedDate`` to the
    earliest given); they must be ISO datetimes, not in the future, in that order
    (ValueError otherwise)."""
    if not any(k in AUDIT_FIELDS for r in records for k in r):
        return records, None
    now = now_utc()
    clean: list[dict[str, Any]] = []
    stamps: list[dict[str, str]] = []
    for i, record in enumerate(records):
        given = {}
        for key in AUDIT_FIELDS:
            if record.get(key) is None:
                continue
            value = parse_dt(str(record[key]))
            if value is None:
                raise ValueError(f"records[{i}].{key}: not an ISO datetime: {record[key]!r}")
            if value > now + timedelta(seconds=1):
                raise ValueError(f"records[{i}].{key}: in the future: {record[key]}")
            given[key] = value
        clean.append({k: v for k, v in record.items() if k not in AUDIT_FIELDS})
        if not given:
            stamps.append({})
            continue
        created = given.get("CreatedDate") or min(given.values())
        modified = given.get("LastModifiedDate") or created
        stamp = given.get("SystemModstamp") or modified
        if not created <= modified <= stamp:
            raise ValueError(
                f"records[{i}]: CreatedDate <= LastModifiedDate <= SystemModstamp must hold"
            )
        stamps.append(
            {
                "CreatedDate": format_dt(created),
                "LastModifiedDate": format_dt(modified),
                "SystemModstamp": format_dt(stamp),
            }
        )
    return clean, stamps
