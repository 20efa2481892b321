"""The fields of a change event's Avro schema as Salesforce writes them: their Avro types,
their ``doc`` tags and the nested records of compound fields.

Sources: schemas returned by Salesforce's ``GetSchema`` for ``AccountChangeEvent`` and
``ContactChangeEvent`` of real orgs (API 59–61) and the Pub/Sub API guide ("Event
Deserialization Considerations"; Change Data Capture Developer Guide, "Get Compound Fields in
Change Events"). Each field is ``["null", T]`` with ``"default": null`` and a ``doc`` of the
form ``<role>:<type>[:<custom field id>]``:

* ``CreatedDate:DateTime`` for ``CreatedDate``; ``ForeignKey:EntityId`` for every lookup
  (``OwnerId``, ``CreatedById``, ``AccountId``...);
* ``Data:<type>`` otherwise: ``Text``, ``StringPlusClob`` (long text areas), ``Email``,
  ``Phone``, ``Url``, ``DynamicEnum`` (picklists), ``StaticEnum`` (Salesforce's own fixed
  picklists such as ``CleanStatus``), ``MultiEnum``, ``Boolean``, ``Integer``, ``Double``,
  ``Currency``, ``Percent``, ``DateTime`` and ``DateOnly`` (both Avro ``long``: epoch
  milliseconds; a date is its midnight UTC), ``TimeOnly``;
* custom fields add their 15-character field id (``Data:Text:00NHs0000001aBc``).

Compound fields are nested records in the place of their first component: ``Name``
(``Data:PersonName``, record ``PersonName``: ``Salutation``, ``FirstName``, ``LastName``) on
Lead and Contact; address fields (``Data:Address``, record ``Address``: ``Street``, ``City``,
``State``, ``PostalCode``, ``Country``, ``StateCode``, ``CountryCode``, ``Latitude``,
``Longitude``, ``GeocodeAccuracy``), defined once and named again by the next address field.
Components carry no ``doc``. The header is ``Data:ComplexValueType``.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass, field
from typing import Any

from ..schema import SchemaView
from ..schema.fields import Field
from ..store.change_log import NOT_EVENT_FIELDS

#: Avro type of each field type (others are ``string``).
AVRO_TYPES = {
    "boolean": "boolean",
    "int": "int",
    "double": "double",
    "currency": "double",
    "percent": "double",
    "datetime": "long",
    "date": "long",
    "time": "long",
}
#: ``doc`` type of each field type.
DOC_TYPES = {
    "string": "Text",
    "textarea": "StringPlusClob",
    "email": "Email",
    "phone": "Phone",
    "url": "Url",
    "picklist": "DynamicEnum",
    "combobox": "DynamicEnum",
    "multipicklist": "MultiEnum",
    "boolean": "Boolean",
    "int": "Integer",
    "double": "Double",
    "currency": "Currency",
    "percent": "Percent",
    "datetime": "DateTime",
    "date": "DateOnly",
    "time": "TimeOnly",
}
#: Salesforce's own picklists, whose values an admin cannot edit: ``Data:StaticEnum``.
STATIC_ENUMS = frozenset({"CleanStatus", "ContactSource", "ForecastCategory"})
#: Components of each compound record, in the order of Salesforce's schemas.
NAME_PARTS = ("Salutation", "FirstName", "LastName")
ADDRESS_PARTS = (
    "Street",
    "City",
    "State",
    "PostalCode",
    "Country",
    "StateCode",
    "CountryCode",
    "Latitude",
    "Longitude",
    "GeocodeAccuracy",
)
#: Object → (compound field, column prefix of its components; ``None`` for Name).
COMPOUNDS: dict[str, list[tuple[str, str | None]]] = {
    "Lead": [("Name", None), ("Address", "")],
    "Contact": [("Name", None), ("OtherAddress", "Other"), ("MailingAddress", "Mailing")],
    "Account": [("BillingAddress", "Billing"), ("ShippingAddress", "Shipping")],
}


@dataclass
class Slot:
    """One top-level field of the schema: a column, or a compound of columns."""

    name: str
    column: Field | None = None
    #: (component name, column) of a compound field.
    parts: list[tuple[str, Field]] = field(default_factory=list)

    @property
    def record_name(self) -> str:
        return "PersonName" if self.name == "Name" else "Address"


def avro_type(f: Field) -> str:
    return AVRO_TYPES.get(f.type, "string")


def field_id(obj_name: str, field_name: str) -> str:
    """A custom field's 15-character id (``00N``), stable for its object and name."""
    digest = hashlib.md5(f"{obj_name}.{field_name}".lower().encode(), usedforsecurity=False)
    body = base64.b32encode(digest.digest()).decode()[:9]
    return f"00NHs0{body}"


def doc(obj_name: str, f: Field) -> str:
    """The field's ``doc`` tag, as Salesforce writes it."""
    if f.name == "CreatedDate":
        return "CreatedDate:DateTime"
    if f.type == "reference":
        tag = "ForeignKey:EntityId"
    elif f.type == "picklist" and f.name in STATIC_ENUMS:
        tag = "Data:StaticEnum"
    else:
        tag = f"Data:{DOC_TYPES.get(f.type, 'Text')}"
    return f"{tag}:{field_id(obj_name, f.name)}" if f.custom else tag


def optional(name: str, avro: Any, tag: str | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"name": name, "type": ["null", avro]}
    if tag is not None:
        out["doc"] = tag
    out["default"] = None
    return out


def slots(entity: str, view: SchemaView) -> list[Slot]:
    """The top-level fields of ``entity``'s change events as the org (``view``) has them."""
    obj = view.sobject(entity)
    fields = [f for f in obj.fields if view.exists(obj, f.name) is not None]
    names = {f.name for f in fields}
    compounds: dict[str, Slot] = {}
    first_part: dict[str, str] = {}
    for compound, prefix in COMPOUNDS.get(entity, []):
        parts = NAME_PARTS if prefix is None else ADDRESS_PARTS
        cols = [(p, f"{prefix or ''}{p}") for p in parts if f"{prefix or ''}{p}" in names]
        if not cols:
            continue
        slot = Slot(compound, parts=[(p, obj.known_field(c)) for p, c in cols])
        compounds[compound] = slot
        # The compound takes the place of its component that comes first in the object.
        first = min((c for _, c in cols), key=lambda c: [f.name for f in fields].index(c))
        first_part[first] = compound
    in_compound = {col.name for s in compounds.values() for _, col in s.parts}
    out: list[Slot] = []
    for f in fields:
        if f.name in NOT_EVENT_FIELDS or f.derived or f.type in ("address", "location"):
            continue
        if f.name in first_part:
            out.append(compounds[first_part[f.name]])
        elif f.name in in_compound or (f.name == "Name" and "Name" in compounds):
            continue
        else:
            out.append(Slot(f.name, column=f))
    return out


def record_fields(entity: str, slot_list: list[Slot]) -> list[dict[str, Any]]:
    """The schema's ``fields`` after the header: columns, then compound records (a record
    type is defined by its first use and named by the later ones)."""
    defined: set[str] = set()
    out: list[dict[str, Any]] = []
    for slot in slot_list:
        if slot.column is not None:
            out.append(optional(slot.name, avro_type(slot.column), doc(entity, slot.column)))
            continue
        tag = "Data:PersonName" if slot.name == "Name" else "Data:Address"
        if slot.record_name in defined:
            out.append(optional(slot.name, slot.record_name, tag))
            continue
        defined.add(slot.record_name)
        record = {
            "type": "record",
            "name": slot.record_name,
            "fields": [optional(part, avro_type(col)) for part, col in slot.parts],
        }
        out.append(optional(slot.name, record, tag))
    return out
