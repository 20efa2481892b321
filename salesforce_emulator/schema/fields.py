"""Field and object metadata types, and the builders the object definitions are written with.

A :class:`Field` is a subset of Salesforce's DescribeFieldResult; an :class:`SObject` is one
object type with its fields, looked up case-insensitively.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

#: Field types that are stored as text and compared case-insensitively, like SOQL does.
TEXT_TYPES = frozenset(
    {"string", "email", "phone", "url", "textarea", "picklist", "combobox", "multipicklist"}
)
#: Field types holding an 18-character record id.
ID_TYPES = frozenset({"id", "reference"})
#: Keyword arguments of a read-only field.
READ_ONLY: dict[str, Any] = {"createable": False, "updateable": False}


@dataclass(frozen=True)
class Field:
    """Metadata of one field, a subset of Salesforce's DescribeFieldResult."""

    name: str
    type: str
    label: str = ""
    length: int = 0
    nillable: bool = True
    createable: bool = True
    updateable: bool = True
    required: bool = False  # required on create (nillable=False, no default)
    default: Any = None
    external_id: bool = False
    unique: bool = False
    custom: bool = False
    reference_to: tuple[str, ...] = ()
    relationship_name: str | None = None
    picklist: tuple[str, ...] = ()
    restricted: bool = False
    precision: int = 0
    scale: int = 0
    #: Only present when the org has state and country picklists switched on.
    needs_picklists: bool = False
    #: ``RecordTypeId``: only present once the org has record types for the object.
    needs_record_types: bool = False
    #: ``CurrencyIsoCode``: only present when the org has multiple currencies enabled.
    needs_multi_currency: bool = False
    #: Indexed column (filters/ordering on it must not scan the table).
    indexed: bool = False
    #: Defined by hubsync's setup package (``salesforce/``): exists only once deployed.
    package: bool = False
    #: Derived from other records or computed (``LastActivityDate``, ``PhotoUrl``): not a
    #: field of change events.
    derived: bool = False

    @property
    def is_text(self) -> bool:
        return self.type in TEXT_TYPES

    @property
    def sql_type(self) -> str:
        if self.type in ("boolean", "int"):
            return "INTEGER"
        if self.type in ("double", "currency", "percent"):
            return "REAL"
        if self.is_text:
            return "TEXT COLLATE NOCASE"
        return "TEXT"

    @property
    def soap_type(self) -> str:
        return {
            "id": "tns:ID",
            "reference": "tns:ID",
            "boolean": "xsd:boolean",
            "int": "xsd:int",
            "double": "xsd:double",
            "currency": "xsd:double",
            "percent": "xsd:double",
            "date": "xsd:date",
            "datetime": "xsd:dateTime",
        }.get(self.type, "xsd:string")


@dataclass
class SObject:
    """Metadata of one sObject type."""

    name: str
    key_prefix: str
    label: str
    label_plural: str
    fields: list[Field]
    custom: bool = False
    tooling: bool = False
    #: Defined by hubsync's setup package (``salesforce/``): exists only once deployed.
    package: bool = False
    createable: bool = True
    updateable: bool = True
    deletable: bool = True
    by_lower: dict[str, Field] = field(default_factory=dict, repr=False)
    relationships: dict[str, Field] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self.by_lower = {f.name.lower(): f for f in self.fields}
        self.relationships = {
            f.relationship_name.lower(): f for f in self.fields if f.relationship_name
        }

    def field(self, name: str) -> Field | None:
        return self.by_lower.get(name.lower())

    def external_key(self, name: str) -> Field | None:
        """The field ``name`` if an upsert can match records on it (external id, or Id)."""
        f = self.field(name)
        return f if f is not None and (f.external_id or f.name == "Id") else None


def text(name: str, length: int, label: str = "", **kw: Any) -> Field:
    return Field(name, "string", label or name, length, **kw)


def ref(name: str, to: tuple[str, ...], rel: str, label: str = "", **kw: Any) -> Field:
    return Field(name, "reference", label or name, 18, reference_to=to, relationship_name=rel, **kw)


def pick(name: str, values: tuple[str, ...], label: str = "", **kw: Any) -> Field:
    return Field(name, "picklist", label or name, 255, picklist=values, **kw)


#: The active currencies of a multi-currency org (ISO 4217); the first is the corporate one.
CURRENCIES = ("USD", "EUR", "GBP", "CHF", "JPY", "CAD", "AUD")
CORPORATE_CURRENCY = CURRENCIES[0]


def currency_field() -> Field:
    """``CurrencyIsoCode`` of a multi-currency org: the currency of the record's amounts, a
    restricted picklist of the org's active currencies, the corporate currency by default."""
    return Field(
        "CurrencyIsoCode",
        "picklist",
        "Currency ISO Code",
        3,
        nillable=False,
        picklist=CURRENCIES,
        restricted=True,
        default=CORPORATE_CURRENCY,
        needs_multi_currency=True,
    )


def system_fields(with_owner: bool = True, owner_to: tuple[str, ...] = ("User",)) -> list[Field]:
    ro = READ_ONLY
    fields = [
        Field("Id", "id", "Record ID", 18, nillable=False, indexed=True, **ro),
        Field("IsDeleted", "boolean", "Deleted", nillable=False, default=False, **ro),
        Field("CreatedDate", "datetime", "Created Date", nillable=False, indexed=True, **ro),
        ref("CreatedById", ("User",), "CreatedBy", "Created By ID", nillable=False, **ro),
        Field(
            "LastModifiedDate", "datetime", "Last Modified Date", nillable=False, indexed=True, **ro
        ),
        ref(
            "LastModifiedById",
            ("User",),
            "LastModifiedBy",
            "Last Modified By ID",
            nillable=False,
            **ro,
        ),
        Field("SystemModstamp", "datetime", "System Modstamp", nillable=False, indexed=True, **ro),
    ]
    if with_owner:
        fields.append(ref("OwnerId", owner_to, "Owner", "Owner ID", nillable=False, indexed=True))
    return fields


def address(prefix: str, label: str) -> list[Field]:
    """Text address fields plus the state/country code picklists (org-dependent)."""
    return [
        text(f"{prefix}Street", 255, f"{label} Street".strip()),
        text(f"{prefix}City", 40, f"{label} City".strip()),
        text(f"{prefix}State", 80, f"{label} State/Province".strip()),
        text(f"{prefix}PostalCode", 20, f"{label} Zip/Postal Code".strip()),
        text(f"{prefix}Country", 80, f"{label} Country".strip()),
        Field(
            f"{prefix}StateCode",
            "picklist",
            f"{label} State/Province Code".strip(),
            10,
            restricted=True,
            needs_picklists=True,
        ),
        Field(
            f"{prefix}CountryCode",
            "picklist",
            f"{label} Country Code".strip(),
            10,
            restricted=True,
            needs_picklists=True,
        ),
    ]
