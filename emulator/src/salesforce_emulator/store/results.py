"""What the store answers: per-record write results and errors, and JSON values of columns."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from ..schema import Field

ROLLED_BACK = {
    "statusCode": "ALL_OR_NONE_OPERATION_ROLLED_BACK",
    "message": "Record rolled back because not all records were valid and the request was "
    "using AllOrNone header",
    "fields": [],
}


def err(code: str, message: str, fields: list[str] | None = None) -> dict[str, Any]:
    """One record error, in the sObject Collections shape."""
    return {"statusCode": code, "message": message, "fields": fields or []}


class RecordNotFound(Exception):
    """Raised for reads/writes of an id that does not exist (or is deleted)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass
class WriteResult:
    """The outcome for one record of a write: an id, or errors."""

    id: str | None = None
    errors: list[dict[str, Any]] = field(default_factory=list)
    created: bool = False

    @property
    def success(self) -> bool:
        return not self.errors

    def as_json(self, *, with_created: bool = False) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.id, "success": self.success, "errors": self.errors}
        if with_created:
            out["created"] = self.created if self.success else False
        return out


def roll_back(results: list[WriteResult]) -> list[WriteResult]:
    """All-or-none failure: the records that succeeded are rolled back (in place)."""
    for r in results:
        if r.success:
            r.errors = [dict(ROLLED_BACK)]
        r.id = None
        r.created = False
    return results


def to_json(f: Field, value: Any) -> Any:
    """A stored column value as the JSON value Salesforce returns for the field."""
    if value is None:
        return None
    if f.type == "boolean":
        return bool(value)
    if f.type == "int":
        return int(value)
    if f.type in ("double", "currency", "percent"):
        return float(value)
    if f.type == "address":
        return json.loads(value)
    return value
