"""Record creates and updates: validation, integrity checks, system fields, one transaction
per call. One :class:`~.results.WriteResult` per input record, in order."""

from __future__ import annotations

from typing import Any

from ..schema import NAME_BY_PREFIX, OBJECTS, STAGE_INFO, SchemaView, SObject
from ..soql import quote
from ..values import format_dt, make_id, normalize_id, now_utc
from .campaigns import after_insert, check_campaign_rows, check_owners
from .conversion import converted_lead_error
from .integrity import check_references, check_unique
from .results import WriteResult, err, roll_back
from .rules import OrgRules
from .validation import prepare_record


class RecordWrites(OrgRules):
    """``insert`` and ``update``; the building blocks of upserts and the HTTP writes."""

    def insert(
        self,
        obj_name: str,
        records: list[dict[str, Any]],
        *,
        user_id: str | None,
        all_or_none: bool = False,
        csv_mode: bool = False,
        view: SchemaView | None = None,
        allow_save: bool = False,
        run_rules: bool = True,
        audit: list[dict[str, str]] | None = None,
    ) -> list[WriteResult]:
        """Create records; one :class:`WriteResult` per input record, in order.

        ``view``: what the writing user sees (default: the org's schema, no field-level
        security). ``allow_save``: duplicate alert rules let the records through;
        ``run_rules`` False skips validation and duplicate rules (control API loading);
        ``audit``: per record, past ``CreatedDate``/``LastModifiedDate``/``SystemModstamp``
        (:mod:`.audit`)."""
        with self.lock:
            view = view or self.org_view()
            obj = view.sobject(obj_name)
            results = [WriteResult() for _ in records]
            rows: list[tuple[int, dict[str, Any]]] = []
            for i, data in enumerate(records):
                row, errors = prepare_record(
                    obj, data, insert=True, existing=None, csv_mode=csv_mode, view=view
                )
                if errors:
                    results[i].errors = errors
                else:
                    rows.append((i, row))
            check_references(self, obj, rows, results)
            check_unique(self, obj, rows, results)
            check_owners(self, obj, rows, results)
            check_campaign_rows(self, obj, rows, results, {})
            if run_rules:
                self.run_rules(obj, rows, results, {}, view=view, allow_save=allow_save)
            if all_or_none and any(not r.success for r in results):
                return roll_back(results)
            good = [(i, r) for i, r in rows if results[i].success]
            if not good:
                return results
            stamp = format_dt(now_utc())
            owner = user_id
            has_owner = obj.field("OwnerId") is not None
            for i, row in good:
                n = self._next[obj.name]
                self._next[obj.name] = n + 1
                rid = make_id(obj.key_prefix, n)
                row["Id"] = rid
                row["IsDeleted"] = 0
                row["CreatedDate"] = row["LastModifiedDate"] = row["SystemModstamp"] = stamp
                if audit and audit[i]:
                    row.update(audit[i])
                row["CreatedById"] = row["LastModifiedById"] = user_id or rid
                if has_owner and not row.get("OwnerId"):
                    row["OwnerId"] = owner or rid
                if obj.field("Name") and obj.field("LastName"):
                    row["Name"] = full_name(row.get("FirstName"), row.get("LastName"))
                derive(obj, row)
                row["rowid"] = n
                results[i].id = rid
                results[i].created = True
            # Only the columns the batch sets (the others are NULL): binding every column of
            # an object with 80 fields costs more than the insert itself.
            present = set().union(*(row.keys() for _, row in good))
            names = [f.name for f in obj.fields if f.stored and f.name in present]
            values = [[row.pop("rowid")] + [row.get(c) for c in names] for _, row in good]
            cols = ", ".join(["rowid"] + [quote(c) for c in names])
            marks = ", ".join("?" * (len(names) + 1))
            with self.transaction():
                self.conn.executemany(
                    f"INSERT INTO {quote(obj.name)} ({cols}) VALUES ({marks})", values
                )
                after_insert(self, obj, [row["Id"] for _, row in good], user_id)
            return results

    def update(
        self,
        obj_name: str | None,
        records: list[dict[str, Any]],
        *,
        user_id: str | None,
        all_or_none: bool = False,
        csv_mode: bool = False,
        view: SchemaView | None = None,
        allow_save: bool = False,
        run_rules: bool = True,
    ) -> list[WriteResult]:
        """Update records (each carries ``Id``); ``obj_name`` None = by id prefix
        (``allow_save``, ``run_rules``: as for :meth:`insert`)."""
        with self.lock:
            view = view or self.org_view()
            results = [WriteResult() for _ in records]
            by_obj: dict[str, list[tuple[int, str, dict[str, Any]]]] = {}
            for i, data in enumerate(records):
                raw = next((v for k, v in data.items() if k.lower() == "id"), None)
                rid = normalize_id(str(raw)) if raw else None
                if rid is None:
                    results[i].errors = [
                        err(
                            "MISSING_ARGUMENT" if not raw else "MALFORMED_ID",
                            "Id not specified in an update call"
                            if not raw
                            else f"invalid record id: {raw}",
                            ["Id"],
                        )
                    ]
                    continue
                target = NAME_BY_PREFIX.get(rid[:3])
                if target is not None and not view.has_object(OBJECTS[target]):
                    target = None
                if target is None or (obj_name and target != obj_name):
                    results[i].errors = [
                        err(
                            "MALFORMED_ID" if target is None else "FIELD_INTEGRITY_EXCEPTION",
                            f"invalid cross reference id: {raw}"
                            if target is None
                            else f"field integrity exception: unknown (id value of incorrect type: "
                            f"{raw})",
                            ["Id"],
                        )
                    ]
                    continue
                by_obj.setdefault(target, []).append((i, rid, data))
            seen: set[str] = set()
            pending: list[tuple[SObject, list[tuple[int, dict[str, Any]]]]] = []
            for name, items in by_obj.items():
                obj = view.sobject(name)
                existing = self.rows_by_id(obj, [rid for _, rid, _ in items])
                rows: list[tuple[int, dict[str, Any]]] = []
                own: dict[int, str] = {}
                for i, rid, data in items:
                    cur = existing.get(rid)
                    if cur is None:
                        results[i].errors = [
                            err("NOT_FOUND", "The requested resource does not exist", [])
                        ]
                        continue
                    if cur["IsDeleted"]:
                        results[i].errors = [err("ENTITY_IS_DELETED", "entity is deleted", [])]
                        continue
                    if cur.get("IsConverted"):
                        # A converted Lead is frozen for every API (see store/conversion.py).
                        results[i].errors = [converted_lead_error()]
                        continue
                    if rid in seen:
                        results[i].errors = [
                            err("DUPLICATE_ID", "duplicate id in the list", ["Id"])
                        ]
                        continue
                    seen.add(rid)
                    row, errors = prepare_record(
                        obj,
                        data,
                        insert=False,
                        existing=cur,
                        csv_mode=csv_mode,
                        view=view,
                    )
                    if errors:
                        results[i].errors = errors
                        continue
                    row["Id"] = rid
                    if ("FirstName" in row or "LastName" in row) and obj.field("LastName"):
                        row["Name"] = full_name(
                            row.get("FirstName", cur.get("FirstName")),
                            row.get("LastName", cur.get("LastName")),
                        )
                    derive(obj, row)
                    results[i].id = rid
                    own[i] = rid
                    rows.append((i, row))
                check_references(self, obj, rows, results)
                check_unique(self, obj, rows, results, own)
                check_owners(self, obj, rows, results)
                check_campaign_rows(self, obj, rows, results, existing)
                if run_rules:
                    self.run_rules(obj, rows, results, existing, view=view, allow_save=allow_save)
                pending.append((obj, rows))
            if all_or_none and any(not r.success for r in results):
                return roll_back(results)
            stamp = format_dt(now_utc())
            with self.transaction():
                for obj, rows in pending:
                    groups: dict[tuple[str, ...], list[list[Any]]] = {}
                    for i, row in rows:
                        if not results[i].success:
                            results[i].id = None
                            continue
                        row["LastModifiedDate"] = row["SystemModstamp"] = stamp
                        row["LastModifiedById"] = user_id or row["Id"]
                        cols = tuple(k for k in row if k != "Id")
                        groups.setdefault(cols, []).append([row[c] for c in cols] + [row["Id"]])
                    for cols, vals in groups.items():
                        sets = ", ".join(f"{quote(c)} = ?" for c in cols)
                        self.conn.executemany(
                            f'UPDATE {quote(obj.name)} SET {sets} WHERE "Id" = ?', vals
                        )
            for r in results:
                if not r.success:
                    r.id = None
            return results


def derive(obj: SObject, row: dict[str, Any]) -> None:
    """Fields Salesforce computes: an opportunity's stage flags, a task's IsClosed."""
    if obj.name == "Opportunity" and "StageName" in row and row["StageName"]:
        prob, closed, won = STAGE_INFO[row["StageName"]]
        row["IsClosed"] = int(closed)
        row["IsWon"] = int(won)
        row.setdefault("Probability", prob)
    if obj.name == "Task" and "Status" in row:
        row["IsClosed"] = int(row["Status"] == "Completed")


def full_name(first: str | None, last: str | None) -> str:
    return " ".join(p for p in (first, last) if p)
