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
    #: Defined by the configured setup package: exists only once deployed.
    package: bool = False
    #: Derived from other records or computed (``LastActivityDate``, ``PhotoUrl``): not a
    #: field of change events.
    derived: bool = False
    #: describe's ``compoundFieldName``: the compound field this one is a component of
    #: (``BillingAddress`` for ``BillingCity``, ``Name`` for a Contact's ``FirstName``).
    compound_name: str | None = None
    #: An address compound field: its components' prefix (``Billing``; ``""`` for Lead).
    address_prefix: str | None = None

    @property
    def is_text(self) -> bool:
        return self.type in TEXT_TYPES

    @property
    def stored(self) -> bool:
        """A column of its own (an address compound is computed from its components)."""
        return self.type != "address"

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
            "address": "urn:address",
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
    #: Defined by the configured setup package: exists only once deployed.
    package: bool = False
    createable: bool = True
    updateable: bool = True
    deletable: bool = True
    by_lower: dict[str, Field] = field(default_factory=dict, repr=False)
    relationships: dict[str, Field] = field(default_factory=dict, repr=False)
    #: Fields required on create, and ``(name, stored default)`` of those with a default
    #: (looked at for every record written).
    required: list[Field] = field(default_factory=list, repr=False)
    defaults: list[tuple[str, Any]] = field(default_factory=list, repr=False)

    def __post_init__(self) -> None:
        self.by_lower = {f.name.lower(): f for f in self.fields}
        self.required = [f for f in self.fields if f.required]
        self.defaults = [
            (f.name, int(f.default) if isinstance(f.default, bool) else f.default)
            for f in self.fields
            if f.default is not None
        ]
        self.relationships = {
            f.relationship_name.lower(): f for f in self.fields if f.relationship_name
        }

    def field(self, name: str) -> Field | None:
        return self.by_lower.get(name.lower())

    def known_field(self, name: str) -> Field:
        """A field this object always has (``KeyError`` otherwise)."""
        return self.by_lower[name.lower()]

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


#: ``GeocodeAccuracy`` values (Object Reference, "Address Compound Fields").
GEOCODE_ACCURACIES = (
    "Address",
    "NearAddress",
    "Block",
    "Street",
    "ExtendedZip",
    "Zip",
    "Neighborhood",
    "City",
    "County",
    "State",
    "Unknown",
)
#: The JSON keys of an address compound value and their component suffixes, in the order of
#: Salesforce's REST records (the code keys only with state and country picklists).
ADDRESS_KEYS = (
    ("city", "City"),
    ("country", "Country"),
    ("countryCode", "CountryCode"),
    ("geocodeAccuracy", "GeocodeAccuracy"),
    ("latitude", "Latitude"),
    ("longitude", "Longitude"),
    ("postalCode", "PostalCode"),
    ("state", "State"),
    ("stateCode", "StateCode"),
    ("street", "Street"),
)


def address(prefix: str, label: str, compound_label: str | None = None) -> list[Field]:
    """An address: text fields, the state/country code picklists (org-dependent), the
    geolocation (``Latitude``, ``Longitude``, ``GeocodeAccuracy``) and the read-only compound
    field ``<prefix>Address`` (``Address`` for Lead) whose components they all are."""
    compound = f"{prefix}Address"
    return [
        text(f"{prefix}Street", 255, f"{label} Street".strip(), compound_name=compound),
        text(f"{prefix}City", 40, f"{label} City".strip(), compound_name=compound),
        text(f"{prefix}State", 80, f"{label} State/Province".strip(), compound_name=compound),
        text(f"{prefix}PostalCode", 20, f"{label} Zip/Postal Code".strip(), compound_name=compound),
        text(f"{prefix}Country", 80, f"{label} Country".strip(), compound_name=compound),
        Field(
            f"{prefix}StateCode",
            "picklist",
            f"{label} State/Province Code".strip(),
            10,
            restricted=True,
            needs_picklists=True,
            compound_name=compound,
        ),
        Field(
            f"{prefix}CountryCode",
            "picklist",
            f"{label} Country Code".strip(),
            10,
            restricted=True,
            needs_picklists=True,
            compound_name=compound,
        ),
        Field(
            f"{prefix}Latitude",
            "double",
            f"{label} Latitude".strip(),
            precision=18,
            scale=15,
            compound_name=compound,
        ),
        Field(
            f"{prefix}Longitude",
            "double",
            f"{label} Longitude".strip(),
            precision=18,
            scale=15,
            compound_name=compound,
        ),
        pick(
            f"{prefix}GeocodeAccuracy",
            GEOCODE_ACCURACIES,
            f"{label} Geocode Accuracy".strip(),
            restricted=True,
            compound_name=compound,
        ),
        Field(
            compound,
            "address",
            compound_label or f"{label} Address".strip(),
            address_prefix=prefix,
            **READ_ONLY,
        ),
    ]


_CODE_KEYS = ("countryCode", "stateCode")


def address_sql(prefix: str) -> str:
    """The SQL of an address compound's value: a JSON object of its components (the code keys
    only when set), NULL when every component is."""
    cols = {suffix: f'"{prefix}{suffix}"' for _, suffix in ADDRESS_KEYS}
    plain = ", ".join(
        f"'{key}', {cols[suffix]}" for key, suffix in ADDRESS_KEYS if key not in _CODE_KEYS
    )
    value = f"json_object({plain})"
    for key, suffix in ADDRESS_KEYS:
        if key in _CODE_KEYS:
            value = (
                f"CASE WHEN {cols[suffix]} IS NULL THEN {value} "
                f"ELSE json_set({value}, '$.{key}', {cols[suffix]}) END"
            )
    return f"CASE WHEN coalesce({', '.join(cols.values())}) IS NULL THEN NULL ELSE {value} END"
