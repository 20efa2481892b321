"""Checks of a write batch against the org: references exist, unique fields stay unique.

Both are batched per field (one ``IN (...)`` query per 500 values), and add their errors
to the results of the records that were valid so far.
"""

from __future__ import annotations

from typing import Any

from ..schema import NAME_BY_PREFIX, SObject
from .base import StoreBase
from .results import WriteResult, err


def check_references(
    db: StoreBase,
    obj: SObject,
    rows: list[tuple[int, dict[str, Any]]],
    results: list[WriteResult],
) -> None:
    """Existence of referenced records (INVALID_CROSS_REFERENCE_KEY), batched per field."""
    for f in obj.fields:
        if f.type != "reference":
            continue
        wanted = {r[f.name] for _, r in rows if r.get(f.name)}
        if not wanted:
            continue
        found: set[str] = set()
        by_obj: dict[str, list[str]] = {}
        for rid in wanted:
            target = NAME_BY_PREFIX.get(rid[:3])
            if target:
                by_obj.setdefault(target, []).append(rid)
        for target, ids in by_obj.items():
            found.update(rid for rid, _ in db.live_matches(target, "Id", ids))
        for i, r in rows:
            v = r.get(f.name)
            if v and v not in found and results[i].success:
                results[i].errors.append(
                    err(
                        "INVALID_CROSS_REFERENCE_KEY",
                        f"invalid cross reference id: {v}",
                        [f.name],
                    )
                )


def check_unique(
    db: StoreBase,
    obj: SObject,
    rows: list[tuple[int, dict[str, Any]]],
    results: list[WriteResult],
    own_ids: dict[int, str] | None = None,
) -> None:
    """Unique fields (unique external ids, Username): against the org and within the batch."""
    for f in obj.fields:
        if not f.unique:
            continue
        values = [(i, r[f.name]) for i, r in rows if r.get(f.name) is not None]
        if not values:
            continue
        taken: dict[str, str] = {}
        keys = list({v.lower() for _, v in values})
        for rid, val in db.live_matches(obj.name, f.name, keys):
            taken[val.lower()] = rid
        seen: dict[str, int] = {}
        for i, v in values:
            key = v.lower()
            mine = (own_ids or {}).get(i)
            holder = taken.get(key)
            if (holder and holder != mine) or key in seen:
                if results[i].success:
                    results[i].errors.append(
                        err(
                            "DUPLICATE_VALUE",
                            f"duplicate value found: {f.name} duplicates value on record "
                            f"with id: {holder or 'in this request'}",
                            [f.name],
                        )
                    )
            else:
                seen[key] = i
