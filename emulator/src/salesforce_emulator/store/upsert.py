"""Upserts: insert or update by an external id field (or ``Id``), 201 / 200 / 300 semantics."""

from __future__ import annotations

from typing import Any, TypedDict

from ..schema import OBJECTS, SchemaView, SObject
from ..values import normalize_id
from .results import WriteResult, err, roll_back
from .writes import RecordWrites


class WriteRules(TypedDict, total=False):
    """The ``allow_save`` / ``run_rules`` arguments an upsert passes on to its writes."""

    allow_save: bool
    run_rules: bool


class _RollBack(Exception):
    """Internal: abort a transaction() block for an all-or-none failure."""


class Upserts(RecordWrites):
    """``upsert``: looks the keys up, then applies updates and inserts in one transaction."""

    def upsert(
        self,
        obj_name: str,
        ext_field: str,
        records: list[dict[str, Any]],
        *,
        user_id: str | None,
        all_or_none: bool = False,
        csv_mode: bool = False,
        view: SchemaView | None = None,
        allow_save: bool = False,
        run_rules: bool = True,
    ) -> list[WriteResult]:
        """Insert or update by an external id field (or ``Id``); sets ``created``
        (``allow_save``, ``run_rules``: as for :meth:`insert`)."""
        obj = OBJECTS[obj_name]
        with self.lock:
            view = view or self.org_view()
            f = view.external_key(obj, ext_field)
            results = [WriteResult() for _ in records]
            if f is None:
                for r in results:
                    r.errors = [
                        err(
                            "INVALID_FIELD",
                            f"Field name provided, {ext_field} is not an External ID "
                            f"or indexed field for {obj.name}",
                            [ext_field],
                        )
                    ]
                return results
            keys: list[str | None] = []
            for data in records:
                v = next((val for k, val in data.items() if k.lower() == f.name.lower()), None)
                keys.append(None if v in (None, "") else str(v))
            # Look the keys up (non-deleted records only).
            found: dict[str, list[str]] = {}
            wanted = [k for k in keys if k is not None]
            if f.name == "Id":
                wanted = [normalize_id(k) or k for k in wanted]
            lookup = {k.lower() if f.name != "Id" else k for k in wanted}
            for rid, val in self.live_matches(obj.name, f.name, lookup):
                k = val if f.name == "Id" else val.lower()
                found.setdefault(k, []).append(rid)
            inserts: list[tuple[int, dict[str, Any]]] = []
            updates: list[tuple[int, dict[str, Any]]] = []
            seen: dict[str, int] = {}
            for i, (data, key) in enumerate(zip(records, keys, strict=True)):
                if key is None:
                    results[i].errors = [
                        err("MISSING_ARGUMENT", f"{f.name} not specified", [f.name])
                    ]
                    continue
                norm = (normalize_id(key) or key) if f.name == "Id" else key.lower()
                if norm in seen:
                    results[i].errors = [
                        err(
                            "DUPLICATE_EXTERNAL_ID",
                            f"Duplicate external id specified: {key}",
                            [f.name],
                        )
                    ]
                    continue
                seen[norm] = i
                matches = found.get(norm, [])
                if len(matches) > 1:
                    results[i].errors = [
                        err(
                            "DUPLICATE_EXTERNAL_ID",
                            f"{f.name}: more than one record found for "
                            f"external id field: {matches}",
                            [f.name],
                        )
                    ]
                    continue
                body = {k: v for k, v in data.items() if k.lower() not in ("id",)}
                if matches:
                    body["Id"] = matches[0]
                    updates.append((i, body))
                elif f.name == "Id":
                    results[i].errors = [
                        err("NOT_FOUND", "The requested resource does not exist", [])
                    ]
                else:
                    body[f.name] = key
                    inserts.append((i, body))
            try:
                with self.transaction():
                    rules: WriteRules = {"allow_save": allow_save, "run_rules": run_rules}
                    self._upsert_apply(
                        obj, updates, inserts, results, user_id, csv_mode, all_or_none, view, rules
                    )
            except _RollBack:
                return roll_back(results)
        return results

    def _upsert_apply(
        self,
        obj: SObject,
        updates: list[tuple[int, dict[str, Any]]],
        inserts: list[tuple[int, dict[str, Any]]],
        results: list[WriteResult],
        user_id: str | None,
        csv_mode: bool,
        all_or_none: bool,
        view: SchemaView,
        rules: WriteRules | None = None,
    ) -> None:
        """Apply an upsert's updates and inserts (results are filled in place); ``rules``:
        the ``allow_save`` / ``run_rules`` arguments of the writes."""
        rules = rules or {}
        if updates:
            ures = self.update(
                obj.name,
                [b for _, b in updates],
                user_id=user_id,
                csv_mode=csv_mode,
                view=view,
                **rules,
            )
            for (i, _), r in zip(updates, ures, strict=True):
                results[i] = r
        if inserts:
            ires = self.insert(
                obj.name,
                [b for _, b in inserts],
                user_id=user_id,
                csv_mode=csv_mode,
                view=view,
                **rules,
            )
            for (i, _), r in zip(inserts, ires, strict=True):
                results[i] = r
        if all_or_none and any(not r.success for r in results):
            raise _RollBack
