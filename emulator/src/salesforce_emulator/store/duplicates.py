"""Duplicate rules (control API ``/__emulator/duplicate-rules``): definitions, matching and
Salesforce's ``DUPLICATES_DETECTED`` error with its ``duplicateResult``.

A rule of object X matches a record being saved against the saved, non-deleted records of
its ``match_objects`` (Leads: not converted) that equal it, case-insensitively, on every
``match_field``, all of them non-empty. The record being updated never matches itself;
records of the same request are not compared with each other. ``block`` rules always
refuse the save; ``alert`` rules let it through when the request allows saving
(``Sforce-Duplicate-Rule-Header: allowSave=true``; Bulk API 2.0 always does).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from ..schema import SchemaView, SObject
from ..soql import quote
from .base import StoreBase
from .results import err

MESSAGE = "Use one of these records?"
ACTIONS = ("block", "alert")
#: The API version of the record URLs in ``matchRecords`` (the store does not know the
#: request's).
URL_VERSION = "59.0"
#: At most this many matching records per object are named, as Salesforce caps them.
MAX_MATCHES = 100


@dataclass(frozen=True)
class DuplicateRule:
    """One active duplicate rule."""

    object: str
    name: str
    action: str
    match_fields: tuple[str, ...]
    match_objects: tuple[str, ...]
    message: str = MESSAGE

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["match_fields"] = list(self.match_fields)
        data["match_objects"] = list(self.match_objects)
        return data


def parse_duplicate_rule(body: Any, view: SchemaView) -> DuplicateRule:
    """A checked rule from the control API body (ValueError if bad); ``view``: the org."""
    if not isinstance(body, dict):
        raise ValueError('expected {"object", "name", "action", "match_fields", ...}')
    obj = view.object(str(body.get("object") or ""))
    if obj is None or not obj.createable:
        raise ValueError(f"unknown object {body.get('object')!r}")
    name = body.get("name")
    if not isinstance(name, str) or not name:
        raise ValueError("a duplicate rule needs a name")
    action = body.get("action", "block")
    if action not in ACTIONS:
        raise ValueError("action must be block or alert")
    fields = body.get("match_fields") or ["Email"]
    targets = body.get("match_objects") or [obj.name]
    if not isinstance(fields, list) or not isinstance(targets, list):
        raise ValueError("match_fields and match_objects must be lists")
    target_objs = [_object(view, t) for t in targets]
    names = []
    for fname in fields:
        found = []
        for o in [obj, *target_objs]:
            f = view.exists(o, str(fname))
            if f is None:
                raise ValueError(f"unknown field {o.name}.{fname}")
            found.append(f)
        names.append(found[0].name)
    message = body.get("message") or MESSAGE
    return DuplicateRule(
        obj.name, name, action, tuple(names), tuple(o.name for o in target_objs), str(message)
    )


def _object(view: SchemaView, name: Any) -> SObject:
    obj = view.object(str(name))
    if obj is None:
        raise ValueError(f"unknown match object {name!r}")
    return obj


def find_matches(
    db: StoreBase, rule: DuplicateRule, record: dict[str, Any], own_id: str | None
) -> dict[str, list[str]]:
    """Object name -> ids of the saved records ``record`` duplicates under ``rule``."""
    values = [record.get(f) for f in rule.match_fields]
    if any(v is None or v == "" for v in values):
        return {}
    found: dict[str, list[str]] = {}
    for target in rule.match_objects:
        where = ['"IsDeleted" = 0', *(f"{quote(f)} = ? COLLATE NOCASE" for f in rule.match_fields)]
        params: list[Any] = list(values)
        if target == "Lead":
            where.append('coalesce("IsConverted", 0) = 0')
        if own_id:
            where.append('"Id" != ?')
            params.append(own_id)
        ids = [
            r[0]
            for r in db.conn.execute(
                f'SELECT "Id" FROM {quote(target)} WHERE {" AND ".join(where)} '
                f"ORDER BY rowid LIMIT {MAX_MATCHES}",
                params,
            )
        ]
        if ids:
            found[target] = ids
    return found


def duplicate_error(rule: DuplicateRule, matches: dict[str, list[str]]) -> dict[str, Any]:
    """``DUPLICATES_DETECTED`` with the ``duplicateResult`` Salesforce sends along."""
    error = err("DUPLICATES_DETECTED", rule.message, [])
    error["duplicateResult"] = {
        "allowSave": rule.action == "alert",
        "duplicateRule": rule.name,
        "duplicateRuleEntityType": rule.object,
        "errorMessage": rule.message,
        "matchResults": [
            {
                "entityType": entity,
                "errors": [],
                "matchEngine": "ExactMatchEngine",
                "matchRecords": [
                    {
                        "additionalInformation": [],
                        "fieldDiffs": [],
                        "matchConfidence": 100.0,
                        "record": {
                            "attributes": {
                                "type": entity,
                                "url": f"/services/data/v{URL_VERSION}/sobjects/{entity}/{rid}",
                            },
                            "Id": rid,
                        },
                    }
                    for rid in ids
                ],
                "rule": f"Standard_{entity}_Match_Rule_v1_0",
                "size": len(ids),
                "success": True,
            }
            for entity, ids in matches.items()
        ],
    }
    return error


def duplicate_check(
    db: StoreBase,
    rules: list[DuplicateRule],
    record: dict[str, Any],
    own_id: str | None,
    *,
    allow_save: bool,
) -> dict[str, Any] | None:
    """The error that refuses ``record`` (block rules first, then alert rules unless
    ``allow_save``), or None."""
    for rule in sorted(rules, key=lambda r: r.action != "block"):
        if rule.action == "alert" and allow_save:
            break
        matches = find_matches(db, rule, record, own_id)
        if matches:
            return duplicate_error(rule, matches)
    return None
