"""Record types: the ``RecordType`` object, the ``RecordTypeId`` field and describe's
``recordTypeInfos``.

An object has a ``RecordTypeId`` field only once the org has a record type for it, as in
Salesforce. Every object that supports record types lists the Master record type
(``012000000000000AAA``) in describe; exactly one entry is the integration user's default
(``defaultRecordTypeMapping``): the record type created with ``default: true``, else Master.
Which record types exist is org state (:mod:`..store.record_types`); a
:class:`~.view.SchemaView` carries a snapshot of it, one :class:`ObjectRecordTypes` per
object.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .fields import READ_ONLY, Field, SObject, pick, ref, system_fields, text

MASTER_ID = "012000000000000AAA"
#: Objects that can have record types (``RecordTypeId``).
RECORD_TYPE_OBJECTS = ("Account", "Contact", "Lead", "Opportunity")

RECORD_TYPE_SOBJECT = SObject(
    "RecordType",
    "012",
    "Record Type",
    "Record Types",
    [
        *system_fields(with_owner=False),
        text("Name", 80, "Record Type Name", **READ_ONLY),
        text("DeveloperName", 80, "Record Type Name", **READ_ONLY),
        text("NamespacePrefix", 15, "Namespace Prefix", **READ_ONLY),
        Field("Description", "string", "Description", 255, **READ_ONLY),
        pick("SobjectType", RECORD_TYPE_OBJECTS, "SObject Type Name", **READ_ONLY),
        Field("IsActive", "boolean", "Active", nillable=False, default=True, **READ_ONLY),
    ],
    createable=False,
    updateable=False,
    deletable=False,
)


def record_type_field() -> Field:
    """``RecordTypeId`` of an object that supports record types."""
    return ref(
        "RecordTypeId",
        ("RecordType",),
        "RecordType",
        "Record Type ID",
        needs_record_types=True,
    )


@dataclass(frozen=True)
class RecordType:
    """One record type of an object (a ``RecordType`` row)."""

    id: str
    sobject: str
    developer_name: str
    name: str
    active: bool = True

    def as_json(self, default_id: str | None) -> dict[str, Any]:
        return {
            "id": self.id,
            "object": self.sobject,
            "developer_name": self.developer_name,
            "name": self.name,
            "active": self.active,
            "default": self.id == default_id,
        }


@dataclass(frozen=True)
class ObjectRecordTypes:
    """The record types of one object and the integration user's default (None: Master)."""

    types: tuple[RecordType, ...]
    default_id: str | None = None

    def active(self, record_type_id: str) -> bool:
        """Whether ``record_type_id`` may be set on a record (Master: only as the default)."""
        if record_type_id == MASTER_ID:
            return self.default_id is None
        return any(t.id == record_type_id and t.active for t in self.types)

    def infos(self, obj: str, api_version: str) -> list[dict[str, Any]]:
        """``recordTypeInfos``: the record types, then Master."""
        out = [
            _info(obj, api_version, t.id, t.developer_name, t.name, t.active, t.active)
            for t in self.types
        ]
        master = self.default_id is None
        out.append(_info(obj, api_version, MASTER_ID, "Master", "Master", True, master))
        for info in out:
            info["defaultRecordTypeMapping"] = info["recordTypeId"] == (
                self.default_id or MASTER_ID
            )
        return out


#: An object that supports record types but has none: only Master.
NO_RECORD_TYPES = ObjectRecordTypes(())


def _info(
    obj: str, api_version: str, rid: str, developer: str, name: str, active: bool, available: bool
) -> dict[str, Any]:
    return {
        "active": active,
        "available": available,
        "defaultRecordTypeMapping": False,
        "developerName": developer,
        "master": rid == MASTER_ID,
        "name": name,
        "recordTypeId": rid,
        "urls": {"layout": f"/services/data/v{api_version}/sobjects/{obj}/describe/layouts/{rid}"},
    }


def record_type_infos(
    obj: SObject, api_version: str, types: ObjectRecordTypes | None
) -> list[dict[str, Any]]:
    """describe's ``recordTypeInfos`` of ``obj`` (empty for objects without record types)."""
    if obj.name not in RECORD_TYPE_OBJECTS:
        return []
    return (types or NO_RECORD_TYPES).infos(obj.name, api_version)
