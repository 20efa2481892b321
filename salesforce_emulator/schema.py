"""Object and field metadata of the emulated org.

One :class:`SObject` per supported object, each with its :class:`Field` list. The same
metadata drives the SQLite table layout, write validation, SOQL name resolution and the
``describe`` responses, so the four can never disagree.
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

OPPORTUNITY_STAGES: tuple[tuple[str, int, bool, bool], ...] = (
    # (stage, probability, is_closed, is_won)
    ("Prospecting", 10, False, False),
    ("Qualification", 10, False, False),
    ("Needs Analysis", 20, False, False),
    ("Value Proposition", 50, False, False),
    ("Id. Decision Makers", 60, False, False),
    ("Perception Analysis", 70, False, False),
    ("Proposal/Price Quote", 75, False, False),
    ("Negotiation/Review", 90, False, False),
    ("Closed Won", 100, True, True),
    ("Closed Lost", 0, True, False),
)
STAGE_INFO = {stage: (prob, closed, won) for stage, prob, closed, won in OPPORTUNITY_STAGES}


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
    #: Indexed column (filters/ordering on it must not scan the table).
    indexed: bool = False

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
    by_lower: dict[str, Field] = field(default_factory=dict, repr=False)
    relationships: dict[str, Field] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self.by_lower = {f.name.lower(): f for f in self.fields}
        self.relationships = {
            f.relationship_name.lower(): f for f in self.fields if f.relationship_name
        }

    def field(self, name: str) -> Field | None:
        return self.by_lower.get(name.lower())


def _text(name: str, length: int, label: str = "", **kw: Any) -> Field:
    return Field(name, "string", label or name, length, **kw)


def _ref(name: str, to: tuple[str, ...], rel: str, label: str = "", **kw: Any) -> Field:
    return Field(name, "reference", label or name, 18, reference_to=to, relationship_name=rel, **kw)


def _pick(name: str, values: tuple[str, ...], label: str = "", **kw: Any) -> Field:
    return Field(name, "picklist", label or name, 255, picklist=values, **kw)


def _system_fields(with_owner: bool = True) -> list[Field]:
    ro = {"createable": False, "updateable": False}
    fields = [
        Field("Id", "id", "Record ID", 18, nillable=False, indexed=True, **ro),
        Field("IsDeleted", "boolean", "Deleted", nillable=False, default=False, **ro),
        Field("CreatedDate", "datetime", "Created Date", nillable=False, indexed=True, **ro),
        _ref("CreatedById", ("User",), "CreatedBy", "Created By ID", nillable=False, **ro),
        Field(
            "LastModifiedDate", "datetime", "Last Modified Date", nillable=False, indexed=True, **ro
        ),
        _ref(
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
        fields.append(_ref("OwnerId", ("User",), "Owner", "Owner ID", nillable=False, indexed=True))
    return fields


def _hubsync_id() -> Field:
    return _text(
        "HubSync_Id__c", 80, "HubSync Id", external_id=True, unique=True, custom=True, indexed=True
    )


def _address(prefix: str, label: str) -> list[Field]:
    """Text address fields plus the state/country code picklists (org-dependent)."""
    return [
        _text(f"{prefix}Street", 255, f"{label} Street".strip()),
        _text(f"{prefix}City", 40, f"{label} City".strip()),
        _text(f"{prefix}State", 80, f"{label} State/Province".strip()),
        _text(f"{prefix}PostalCode", 20, f"{label} Zip/Postal Code".strip()),
        _text(f"{prefix}Country", 80, f"{label} Country".strip()),
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


LEAD_STATUSES = (
    "Open - Not Contacted",
    "Working - Contacted",
    "Closed - Converted",
    "Closed - Not Converted",
)
LEAD_SOURCES = ("Web", "Phone Inquiry", "Partner Referral", "Purchased List", "Other")
INDUSTRIES = (
    "Agriculture",
    "Banking",
    "Biotechnology",
    "Communications",
    "Consulting",
    "Education",
    "Electronics",
    "Energy",
    "Engineering",
    "Finance",
    "Healthcare",
    "Hospitality",
    "Insurance",
    "Manufacturing",
    "Media",
    "Retail",
    "Technology",
    "Telecommunications",
    "Transportation",
    "Other",
)
TASK_STATUSES = ("Not Started", "In Progress", "Completed", "Waiting on someone else", "Deferred")
HUBSPOT_ACTIVITY_TYPES = (
    "Page View",
    "Form Submission",
    "Email Open",
    "Email Click",
    "Meeting",
    "Call",
    "Note",
)

_RO = {"createable": False, "updateable": False}


def _build() -> dict[str, SObject]:
    objs = [
        SObject(
            "User",
            "005",
            "User",
            "Users",
            [
                *_system_fields(with_owner=False),
                _text("Username", 80, "Username", nillable=False, required=True, unique=True),
                _text("FirstName", 40, "First Name"),
                _text("LastName", 80, "Last Name", nillable=False, required=True),
                _text("Name", 121, "Full Name", **_RO),
                Field("Email", "email", "Email", 128, nillable=False, required=True, indexed=True),
                _text("Alias", 8, "Alias"),
                Field("IsActive", "boolean", "Active", nillable=False, default=True),
                _text("Title", 80, "Title"),
            ],
        ),
        SObject(
            "Account",
            "001",
            "Account",
            "Accounts",
            [
                *_system_fields(),
                _text("Name", 255, "Account Name", nillable=False, required=True),
                _pick(
                    "Type",
                    ("Prospect", "Customer - Direct", "Customer - Channel", "Partner", "Other"),
                    "Account Type",
                ),
                Field("Website", "url", "Website", 255),
                Field("Phone", "phone", "Account Phone", 40),
                _pick("Industry", INDUSTRIES, "Industry"),
                Field("NumberOfEmployees", "int", "Employees", precision=8),
                Field("AnnualRevenue", "currency", "Annual Revenue", precision=18),
                *_address("Billing", "Billing"),
                Field("Description", "textarea", "Account Description", 32000),
                _pick("Tier__c", ("Gold", "Silver", "Bronze"), "Tier", custom=True),
            ],
        ),
        SObject(
            "Contact",
            "003",
            "Contact",
            "Contacts",
            [
                *_system_fields(),
                _text("FirstName", 40, "First Name"),
                _text("LastName", 80, "Last Name", nillable=False, required=True),
                _text("Name", 121, "Full Name", **_RO),
                Field("Email", "email", "Email", 80, indexed=True),
                Field("Phone", "phone", "Business Phone", 40),
                Field("MobilePhone", "phone", "Mobile Phone", 40),
                _text("Title", 128, "Title"),
                _text("Department", 80, "Department"),
                _ref("AccountId", ("Account",), "Account", "Account ID", indexed=True),
                _pick("LeadSource", LEAD_SOURCES, "Lead Source"),
                *_address("Mailing", "Mailing"),
                Field(
                    "HasOptedOutOfEmail", "boolean", "Email Opt Out", nillable=False, default=False
                ),
                Field("DoNotCall", "boolean", "Do Not Call", nillable=False, default=False),
                Field("Description", "textarea", "Contact Description", 32000),
                _hubsync_id(),
            ],
        ),
        SObject(
            "Lead",
            "00Q",
            "Lead",
            "Leads",
            [
                *_system_fields(),
                _text("FirstName", 40, "First Name"),
                _text("LastName", 80, "Last Name", nillable=False, required=True),
                _text("Name", 121, "Full Name", **_RO),
                _text("Company", 255, "Company", nillable=False, required=True),
                Field("Email", "email", "Email", 80, indexed=True),
                Field("Phone", "phone", "Phone", 40),
                Field("MobilePhone", "phone", "Mobile Phone", 40),
                _text("Title", 128, "Title"),
                Field("Website", "url", "Website", 255),
                _pick(
                    "Status",
                    LEAD_STATUSES,
                    "Lead Status",
                    nillable=False,
                    default="Open - Not Contacted",
                ),
                _pick("LeadSource", LEAD_SOURCES, "Lead Source"),
                _pick("Industry", INDUSTRIES, "Industry"),
                _pick("Rating", ("Hot", "Warm", "Cold"), "Rating"),
                Field("NumberOfEmployees", "int", "Employees", precision=8),
                Field("AnnualRevenue", "currency", "Annual Revenue", precision=18),
                *_address("", ""),
                Field("IsConverted", "boolean", "Converted", nillable=False, default=False, **_RO),
                Field("ConvertedDate", "date", "Converted Date", **_RO),
                _ref("ConvertedContactId", ("Contact",), "ConvertedContact", **_RO),
                _ref("ConvertedAccountId", ("Account",), "ConvertedAccount", **_RO),
                Field(
                    "HasOptedOutOfEmail", "boolean", "Email Opt Out", nillable=False, default=False
                ),
                Field("Description", "textarea", "Description", 32000),
                _hubsync_id(),
            ],
        ),
        SObject(
            "Opportunity",
            "006",
            "Opportunity",
            "Opportunities",
            [
                *_system_fields(),
                _text("Name", 120, "Name", nillable=False, required=True),
                _pick(
                    "StageName",
                    tuple(s[0] for s in OPPORTUNITY_STAGES),
                    "Stage",
                    nillable=False,
                    required=True,
                    restricted=True,
                ),
                Field(
                    "CloseDate", "date", "Close Date", nillable=False, required=True, indexed=True
                ),
                Field("Amount", "currency", "Amount", precision=18, scale=2),
                Field("Probability", "percent", "Probability (%)", precision=3),
                Field("IsClosed", "boolean", "Closed", nillable=False, default=False, **_RO),
                Field("IsWon", "boolean", "Won", nillable=False, default=False, **_RO),
                _ref("AccountId", ("Account",), "Account", "Account ID", indexed=True),
                _pick("Type", ("Existing Business", "New Business"), "Opportunity Type"),
                _pick("LeadSource", LEAD_SOURCES, "Lead Source"),
                Field("Description", "textarea", "Description", 32000),
            ],
        ),
        SObject(
            "OpportunityContactRole",
            "00K",
            "Opportunity Contact Role",
            "Opportunity Contact Roles",
            [
                *_system_fields(with_owner=False),
                _ref(
                    "OpportunityId",
                    ("Opportunity",),
                    "Opportunity",
                    "Opportunity ID",
                    nillable=False,
                    required=True,
                    indexed=True,
                    updateable=False,
                ),
                _ref(
                    "ContactId",
                    ("Contact",),
                    "Contact",
                    "Contact ID",
                    nillable=False,
                    required=True,
                    indexed=True,
                ),
                _pick(
                    "Role",
                    (
                        "Business User",
                        "Decision Maker",
                        "Economic Buyer",
                        "Economic Decision Maker",
                        "Evaluator",
                        "Executive Sponsor",
                        "Influencer",
                        "Technical Buyer",
                        "Other",
                    ),
                    "Role",
                ),
                Field("IsPrimary", "boolean", "Primary", nillable=False, default=False),
            ],
        ),
        SObject(
            "Task",
            "00T",
            "Task",
            "Tasks",
            [
                *_system_fields(),
                _ref("WhoId", ("Contact", "Lead"), "Who", "Name ID", indexed=True),
                _ref("WhatId", ("Account", "Opportunity"), "What", "Related To ID", indexed=True),
                _text("Subject", 255, "Subject"),
                _pick("Status", TASK_STATUSES, "Status", nillable=False, default="Not Started"),
                _pick(
                    "Priority",
                    ("High", "Normal", "Low"),
                    "Priority",
                    nillable=False,
                    default="Normal",
                ),
                Field("ActivityDate", "date", "Due Date Only"),
                _pick(
                    "TaskSubtype",
                    ("Task", "Email", "ListEmail", "Cadence", "Call", "LinkedIn"),
                    "Task Subtype",
                    restricted=True,
                    updateable=False,
                ),
                Field("Description", "textarea", "Description", 32000),
                Field("IsClosed", "boolean", "Closed", nillable=False, default=False, **_RO),
                # Installed by the hubsync connector package: idempotent upserts of tasks.
                _hubsync_id(),
            ],
        ),
        SObject(
            "HubSpot_Intelligence__c",
            "a0H",
            "HubSpot Intelligence",
            "HubSpot Intelligence",
            [
                *_system_fields(),
                _text("Name", 80, "HubSpot Intelligence Name"),
                _ref("Lead__c", ("Lead",), "Lead__r", "Lead", custom=True, indexed=True),
                _ref(
                    "Contact__c", ("Contact",), "Contact__r", "Contact", custom=True, indexed=True
                ),
                _pick("Activity_Type__c", HUBSPOT_ACTIVITY_TYPES, "Activity Type", custom=True),
                Field("Activity_Date__c", "datetime", "Activity Date", custom=True),
                Field("Details__c", "textarea", "Details", 32768, custom=True),
                _hubsync_id(),
            ],
            custom=True,
        ),
        # Tooling API objects: read-only, reachable only through /tooling/query.
        SObject(
            "SubscriberPackage",
            "033",
            "Subscriber Package",
            "Subscriber Packages",
            [
                Field("Id", "id", "Id", 18, nillable=False, **_RO),
                _text("Name", 255, "Name", **_RO),
                _text("NamespacePrefix", 15, "Namespace Prefix", **_RO),
                _text("Description", 255, "Description", **_RO),
            ],
            tooling=True,
        ),
        SObject(
            "SubscriberPackageVersion",
            "04t",
            "Subscriber Package Version",
            "Subscriber Package Versions",
            [
                Field("Id", "id", "Id", 18, nillable=False, **_RO),
                _text("Name", 255, "Name", **_RO),
                Field("MajorVersion", "int", "Major Version", **_RO),
                Field("MinorVersion", "int", "Minor Version", **_RO),
                Field("PatchVersion", "int", "Patch Version", **_RO),
                Field("BuildNumber", "int", "Build Number", **_RO),
                Field("IsBeta", "boolean", "Beta", **_RO),
            ],
            tooling=True,
        ),
        SObject(
            "InstalledSubscriberPackage",
            "0A3",
            "Installed Subscriber Package",
            "Installed Subscriber Packages",
            [
                Field("Id", "id", "Id", 18, nillable=False, **_RO),
                _ref("SubscriberPackageId", ("SubscriberPackage",), "SubscriberPackage", **_RO),
                _ref(
                    "SubscriberPackageVersionId",
                    ("SubscriberPackageVersion",),
                    "SubscriberPackageVersion",
                    **_RO,
                ),
            ],
            tooling=True,
        ),
    ]
    return {o.name: o for o in objs}


OBJECTS: dict[str, SObject] = _build()
OBJECTS_LOWER: dict[str, SObject] = {k.lower(): v for k, v in OBJECTS.items()}
BY_PREFIX: dict[str, SObject] = {o.key_prefix: o for o in OBJECTS.values()}
#: Objects reachable through the REST data API (not the tooling-only ones).
DATA_OBJECTS = [o for o in OBJECTS.values() if not o.tooling]


def get_object(name: str, *, tooling: bool = False) -> SObject | None:
    """Case-insensitive lookup of a data (or, with ``tooling``, tooling) object."""
    obj = OBJECTS_LOWER.get(name.lower())
    if obj is None or obj.tooling != tooling:
        return None
    return obj


def visible_fields(obj: SObject, picklists_on: bool) -> list[Field]:
    """Fields that exist for the org (state/country code picklists are org-dependent)."""
    return [f for f in obj.fields if picklists_on or not f.needs_picklists]


def describe_field(f: Field, picklist_values: list[str] | None = None) -> dict[str, Any]:
    """A DescribeFieldResult-shaped dict."""
    values = picklist_values if picklist_values is not None else list(f.picklist)
    return {
        "name": f.name,
        "label": f.label or f.name,
        "type": f.type,
        "soapType": f.soap_type,
        "length": f.length if f.is_text or f.type in ID_TYPES else 0,
        "byteLength": f.length * 3 if f.is_text or f.type in ID_TYPES else 0,
        "precision": f.precision,
        "scale": f.scale,
        "digits": f.precision if f.type == "int" else 0,
        "nillable": f.nillable,
        "createable": f.createable,
        "updateable": f.updateable,
        "defaultedOnCreate": f.default is not None or not f.createable,
        "defaultValue": f.default if isinstance(f.default, (str, bool)) else None,
        "externalId": f.external_id,
        "unique": f.unique,
        "idLookup": f.type == "id" or f.external_id or f.name == "Username",
        "custom": f.custom,
        "calculated": False,
        "filterable": f.type != "textarea" or f.length <= 255,
        "sortable": f.type != "textarea" or f.length <= 255,
        "groupable": f.type not in ("textarea", "double", "currency", "percent", "datetime"),
        "caseSensitive": False,
        "referenceTo": list(f.reference_to),
        "relationshipName": f.relationship_name,
        "polymorphicForeignKey": len(f.reference_to) > 1,
        "restrictedPicklist": f.restricted,
        "picklistValues": [
            {
                "active": True,
                "defaultValue": v == f.default,
                "label": v,
                "validFor": None,
                "value": v,
            }
            for v in values
        ],
        "dependentPicklist": f.name.endswith("StateCode") and f.needs_picklists,
        "controllerName": (
            f.name.replace("StateCode", "CountryCode")
            if f.name.endswith("StateCode") and f.needs_picklists
            else None
        ),
    }
