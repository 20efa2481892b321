"""The org's duplicate and validation rules (control API), persisted in ``_meta``, and what
every create and update runs after the system validation of :mod:`.validation`, in
Salesforce's order of execution: required fields of the saved record, validation rules
(:mod:`.validation_rules`, every failing rule is reported), duplicate rules
(:mod:`.duplicates`). The control API's record loading (and the demo seed) skip the rules.
"""

from __future__ import annotations

import json
from typing import Any

from ..schema import SchemaView, SObject
from .change_log import ChangeLog
from .duplicates import DuplicateRule, duplicate_check, parse_duplicate_rule
from .results import WriteResult, err
from .validation_rules import (
    ValidationRule,
    parse_validation_rule,
    validation_error,
    violates,
)


class OrgRules(ChangeLog):
    """``duplicate_rules`` and ``validation_rules`` of the org, in the order they were added."""

    def __init__(self, path: str = ":memory:", *, api_limit: int = 100_000) -> None:
        super().__init__(path, api_limit=api_limit)
        self.duplicate_rules: list[DuplicateRule] = []
        self.validation_rules: list[ValidationRule] = []
        with self.lock:
            for key, value in self.conn.execute(
                "SELECT key, value FROM _meta WHERE key IN ('duplicate_rules', 'validation_rules')"
            ).fetchall():
                if key == "duplicate_rules":
                    self.duplicate_rules = [
                        DuplicateRule(
                            **{
                                **r,
                                "match_fields": tuple(r["match_fields"]),
                                "match_objects": tuple(r["match_objects"]),
                            }
                        )
                        for r in json.loads(value)
                    ]
                else:
                    self.validation_rules = [ValidationRule(**r) for r in json.loads(value)]

    def _save_rules(self) -> None:
        for key, rules in (
            ("duplicate_rules", self.duplicate_rules),
            ("validation_rules", self.validation_rules),
        ):
            self.conn.execute(
                "INSERT OR REPLACE INTO _meta (key, value) VALUES (?, ?)",
                (key, json.dumps([r.as_json() for r in rules])),
            )

    # ------------------------------------------------------------ definitions

    def add_duplicate_rule(self, body: Any) -> dict[str, Any]:
        """Add (or replace, by name) a duplicate rule; returns it."""
        with self.lock:
            rule = parse_duplicate_rule(body, self.org_view())
            self.duplicate_rules = [r for r in self.duplicate_rules if r.name != rule.name]
            self.duplicate_rules.append(rule)
            self._save_rules()
        return rule.as_json()

    def delete_duplicate_rules(self, name: str | None = None) -> int:
        """Remove one rule by name (KeyError if none) or all; returns how many went."""
        with self.lock:
            before = len(self.duplicate_rules)
            self.duplicate_rules = [r for r in self.duplicate_rules if name not in (None, r.name)]
            if name is not None and len(self.duplicate_rules) == before:
                raise KeyError(f"no duplicate rule {name!r}")
            self._save_rules()
        return before - len(self.duplicate_rules)

    def add_validation_rule(self, body: Any) -> dict[str, Any]:
        """Add (or replace, by object and name) a validation rule; returns it."""
        with self.lock:
            rule = parse_validation_rule(body, self.org_view())
            self.validation_rules = [
                r for r in self.validation_rules if (r.object, r.name) != (rule.object, rule.name)
            ]
            self.validation_rules.append(rule)
            self._save_rules()
        return rule.as_json()

    def delete_validation_rules(self, name: str | None = None) -> int:
        """Remove the rules called ``name`` (KeyError if none) or all; returns how many."""
        with self.lock:
            before = len(self.validation_rules)
            self.validation_rules = [r for r in self.validation_rules if name not in (None, r.name)]
            if name is not None and len(self.validation_rules) == before:
                raise KeyError(f"no validation rule {name!r}")
            self._save_rules()
        return before - len(self.validation_rules)

    def rules_using_field(self, obj_name: str, field_name: str) -> list[str]:
        used = [
            f"validation rule {r.name}"
            for r in self.validation_rules
            if r.object == obj_name and field_name in (r.field, r.error_field)
        ]
        used += [
            f"duplicate rule {r.name}"
            for r in self.duplicate_rules
            if field_name in r.match_fields and obj_name in (r.object, *r.match_objects)
        ]
        return used

    def reset_rules(self) -> None:
        """No rules (the ``_meta`` rows are wiped with everything else)."""
        self.duplicate_rules = []
        self.validation_rules = []

    # ------------------------------------------------------------ on writes

    def run_rules(
        self,
        obj: SObject,
        rows: list[tuple[int, dict[str, Any]]],
        results: list[WriteResult],
        existing: dict[str, dict[str, Any]],
        *,
        view: SchemaView,
        allow_save: bool,
    ) -> None:
        """Refuse the valid rows (``(index, values)``; updates carry ``Id``, ``existing`` has
        their saved rows) that the org's rules refuse; errors go into ``results``."""
        required = [
            f
            for f in view.sobject(obj.name).fields
            if f.required and f.custom and view.exists(obj, f.name) is not None
        ]
        checks = [
            (r, view.exists(obj, r.field))
            for r in self.validation_rules
            if r.active and r.object == obj.name
        ]
        duplicates = [r for r in self.duplicate_rules if r.object == obj.name]
        if not (required or checks or duplicates):
            return
        for i, row in rows:
            if not results[i].success:
                continue
            own_id = row.get("Id")
            record = {**existing.get(own_id or "", {}), **row}
            missing = [f.name for f in required if record.get(f.name) in (None, "")]
            if missing:
                results[i].errors.append(
                    err(
                        "REQUIRED_FIELD_MISSING",
                        f"Required fields are missing: [{', '.join(missing)}]",
                        missing,
                    )
                )
                continue
            failed = [
                validation_error(rule)
                for rule, f in checks
                if f is not None and violates(rule, f, record)
            ]
            if failed:
                results[i].errors.extend(failed)
                continue
            duplicate = duplicate_check(self, duplicates, record, own_id, allow_save=allow_save)
            if duplicate is not None:
                results[i].errors.append(duplicate)
