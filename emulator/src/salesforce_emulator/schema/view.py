"""What one caller sees of the org's schema: :class:`SchemaView`.

Four things decide whether an object or field exists for a request, and whether it may be
written: the org's state/country picklists and multi-currency settings, whether the
setup package is deployed (``metadata_deployed``), and the user's field-level
security. Describe, SOQL
name resolution, record reads and write validation all ask the same view, so they agree.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from .fields import Field, SObject
from .objects import OBJECTS_LOWER
from .record_types import ObjectRecordTypes
from .state_country import Places, default_places

#: Field-level security: invisible, visible but not editable, editable (the default).
FLS_LEVELS = ("hidden", "read", "edit")


@dataclass
class SchemaView:
    """The schema as one user of one org sees it."""

    picklists_on: bool = False
    deployed: bool = True
    #: The org has multiple currencies (``CurrencyIsoCode`` exists).
    multi_currency: bool = False
    #: (object name, field name) -> ``"hidden"`` or ``"read"``; absent = ``"edit"``.
    security: Mapping[tuple[str, str], str] = field(default_factory=dict)
    #: Object name -> its record types (an object without an entry has no ``RecordTypeId``).
    record_types: Mapping[str, ObjectRecordTypes] = field(default_factory=dict)
    #: The org's state and country picklist values (``store/state_country.py``).
    places: Places = field(default_factory=default_places)
    #: Object name -> the org's version of an object whose fields an admin changed at run
    #: time (custom fields of the control API, ``store/custom_fields.py``).
    live: Mapping[str, SObject] = field(default_factory=dict)

    # ---------------------------------------------------------------- objects

    def has_object(self, obj: SObject) -> bool:
        return self.deployed or not obj.package

    def sobject(self, name: str) -> SObject:
        """The org's version of object ``name`` (exact name; with its run-time fields)."""
        return self.live.get(name) or OBJECTS_LOWER[name.lower()]

    def object(self, name: str, *, tooling: bool = False) -> SObject | None:
        """Case-insensitive lookup of an object that exists in the org."""
        obj = OBJECTS_LOWER.get(name.lower())
        if obj is None or obj.tooling != tooling or not self.has_object(obj):
            return None
        return self.live.get(obj.name, obj)

    def objects(self, *, tooling: bool = False) -> dict[str, SObject]:
        """Lower-cased name -> object, the org's data (or tooling) objects."""
        return {
            k: self.live.get(o.name, o)
            for k, o in OBJECTS_LOWER.items()
            if o.tooling == tooling and self.has_object(o)
        }

    # ---------------------------------------------------------------- fields

    def exists(self, obj: SObject, name: str) -> Field | None:
        """The field if it exists in the org (whatever the user's field-level security)."""
        f = self.live.get(obj.name, obj).field(name)
        if f is None or (f.needs_picklists and not self.picklists_on):
            return None
        if f.package and not self.deployed:
            return None
        if f.needs_record_types and obj.name not in self.record_types:
            return None
        if f.needs_multi_currency and not self.multi_currency:
            return None
        return f

    def level(self, obj: SObject, f: Field) -> str:
        """``hidden``, ``read`` or ``edit``: the user's field-level security on ``f``."""
        return self.security.get((obj.name, f.name), "edit")

    def field(self, obj: SObject, name: str) -> Field | None:
        """The field if it exists and the user can see it."""
        f = self.exists(obj, name)
        if f is None or self.level(obj, f) == "hidden":
            return None
        return f

    def fields(self, obj: SObject) -> list[Field]:
        """The fields the user sees (describe, full record reads)."""
        fields = self.live.get(obj.name, obj).fields
        return [f for f in fields if self.field(obj, f.name) is not None]

    def writable(self, obj: SObject, f: Field, *, insert: bool) -> bool:
        """Whether the user may set ``f`` on create (``insert``) or update."""
        allowed = f.createable if insert else f.updateable
        return allowed and self.level(obj, f) == "edit"

    def external_key(self, obj: SObject, name: str) -> Field | None:
        """``name`` if the user can upsert on it (a visible external id field, or Id)."""
        f = self.field(obj, name)
        return f if f is not None and (f.external_id or f.name == "Id") else None
