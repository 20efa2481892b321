"""The objects of the emulated org, their fields, and lookups over them.

The same metadata drives the SQLite table layout, write validation, SOQL name resolution and
the ``describe`` responses, so the four can never disagree. The project's own custom fields and
objects come from its setup package (:mod:`.metadata`, a DX project the configuration names).
"""

from __future__ import annotations

from .campaigns import campaign_objects
from .fields import READ_ONLY as _RO
from .fields import Field, SObject, currency_field, pick, ref, system_fields, text
from .metadata import MetadataError, SetupPackage, load_setup_package
from .people import account_object, contact_object, lead_object
from .picklists import LEAD_SOURCES, OPPORTUNITY_STAGES, TASK_STATUSES
from .record_types import RECORD_TYPE_SOBJECT, record_type_field


def _data_objects(package: SetupPackage) -> list[SObject]:
    objects = _standard_objects(package)
    names = {o.name for o in objects}
    unknown = sorted(set(package.fields) - names)
    if unknown:
        raise MetadataError(
            f"{package.directory}: custom fields on objects the emulator does not have: "
            f"{', '.join(unknown)}"
        )
    return objects + campaign_objects() + [RECORD_TYPE_SOBJECT] + list(package.objects)


def _standard_objects(package: SetupPackage) -> list[SObject]:
    return [
        SObject(
            "User",
            "005",
            "User",
            "Users",
            [
                *system_fields(with_owner=False),
                text("Username", 80, "Username", nillable=False, required=True, unique=True),
                text("FirstName", 40, "First Name"),
                text("LastName", 80, "Last Name", nillable=False, required=True),
                text("Name", 121, "Full Name", **_RO),
                Field("Email", "email", "Email", 128, nillable=False, required=True, indexed=True),
                text("Alias", 8, "Alias"),
                Field("IsActive", "boolean", "Active", nillable=False, default=True),
                text("Title", 80, "Title"),
            ],
        ),
        account_object(),
        contact_object(package),
        lead_object(package),
        SObject(
            "Opportunity",
            "006",
            "Opportunity",
            "Opportunities",
            [
                *system_fields(),
                currency_field(),
                text("Name", 120, "Name", nillable=False, required=True),
                pick(
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
                ref("AccountId", ("Account",), "Account", "Account ID", indexed=True),
                pick("Type", ("Existing Business", "New Business"), "Opportunity Type"),
                record_type_field(),
                pick("LeadSource", LEAD_SOURCES, "Lead Source"),
                Field("Description", "textarea", "Description", 32000),
            ],
        ),
        SObject(
            "OpportunityContactRole",
            "00K",
            "Opportunity Contact Role",
            "Opportunity Contact Roles",
            [
                *system_fields(with_owner=False),
                ref(
                    "OpportunityId",
                    ("Opportunity",),
                    "Opportunity",
                    "Opportunity ID",
                    nillable=False,
                    required=True,
                    indexed=True,
                    updateable=False,
                ),
                ref(
                    "ContactId",
                    ("Contact",),
                    "Contact",
                    "Contact ID",
                    nillable=False,
                    required=True,
                    indexed=True,
                ),
                pick(
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
                *system_fields(),
                ref("WhoId", ("Contact", "Lead"), "Who", "Name ID", indexed=True),
                ref("WhatId", ("Account", "Opportunity"), "What", "Related To ID", indexed=True),
                text("Subject", 255, "Subject"),
                pick("Status", TASK_STATUSES, "Status", nillable=False, default="Not Started"),
                pick(
                    "Priority",
                    ("High", "Normal", "Low"),
                    "Priority",
                    nillable=False,
                    default="Normal",
                ),
                Field("ActivityDate", "date", "Due Date Only"),
                pick(
                    "TaskSubtype",
                    ("Task", "Email", "ListEmail", "Cadence", "Call", "LinkedIn"),
                    "Task Subtype",
                    restricted=True,
                    updateable=False,
                ),
                Field("Description", "textarea", "Description", 32000),
                Field("IsClosed", "boolean", "Closed", nillable=False, default=False, **_RO),
                *package.fields_for("Task"),
            ],
        ),
        SObject(
            "Organization",
            "00D",
            "Organization",
            "Organizations",
            [
                *system_fields(with_owner=False),
                text("Name", 80, "Name", **_RO),
                Field("IsSandbox", "boolean", "Is Sandbox", nillable=False, default=False, **_RO),
                text("OrganizationType", 40, "Edition", **_RO),
                text("InstanceName", 5, "Instance Name", **_RO),
                text("NamespacePrefix", 15, "Namespace Prefix", **_RO),
                text("LanguageLocaleKey", 40, "Locale", **_RO),
                text("TimeZoneSidKey", 40, "Time Zone", **_RO),
            ],
            createable=False,
            updateable=False,
            deletable=False,
        ),
    ]


def _tooling_objects() -> list[SObject]:
    """Tooling API objects: read-only, reachable only through /tooling/query."""
    return [
        SObject(
            "SubscriberPackage",
            "033",
            "Subscriber Package",
            "Subscriber Packages",
            [
                Field("Id", "id", "Id", 18, nillable=False, **_RO),
                text("Name", 255, "Name", **_RO),
                text("NamespacePrefix", 15, "Namespace Prefix", **_RO),
                text("Description", 255, "Description", **_RO),
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
                text("Name", 255, "Name", **_RO),
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
                ref("SubscriberPackageId", ("SubscriberPackage",), "SubscriberPackage", **_RO),
                ref(
                    "SubscriberPackageVersionId",
                    ("SubscriberPackageVersion",),
                    "SubscriberPackageVersion",
                    **_RO,
                ),
            ],
            tooling=True,
        ),
        SObject(
            # Change Data Capture's entity selection: one row per object selected for the
            # standard ChangeEvents channel (``SelectedEntity`` = ``LeadChangeEvent``).
            "PlatformEventChannelMember",
            "0v8",
            "Platform Event Channel Member",
            "Platform Event Channel Members",
            [
                Field("Id", "id", "Id", 18, nillable=False, **_RO),
                text("DeveloperName", 80, "Developer Name", **_RO),
                text("MasterLabel", 80, "Master Label", **_RO),
                text("EventChannel", 255, "Event Channel", **_RO),
                text("SelectedEntity", 255, "Selected Entity", **_RO),
            ],
            tooling=True,
        ),
        SObject(
            "ExternalString",
            "101",
            "Custom Label",
            "Custom Labels",
            [
                Field("Id", "id", "Id", 18, nillable=False, **_RO),
                text("Name", 80, "Name", **_RO),
                text("MasterLabel", 80, "Short Description", **_RO),
                text("Value", 1000, "Value", **_RO),
                text("Language", 10, "Language", **_RO),
                text("Category", 255, "Categories", **_RO),
                text("NamespacePrefix", 15, "Namespace Prefix", **_RO),
                Field("IsProtected", "boolean", "Protected", **_RO),
            ],
            tooling=True,
        ),
    ]


#: The configured setup package (:mod:`..config`), read once per process, at import.
SETUP_PACKAGE = load_setup_package()
OBJECTS: dict[str, SObject] = {o.name: o for o in _data_objects(SETUP_PACKAGE) + _tooling_objects()}
OBJECTS_LOWER: dict[str, SObject] = {k.lower(): v for k, v in OBJECTS.items()}
#: Key prefix -> object, to route ids of any type (collections delete, references).
NAME_BY_PREFIX: dict[str, str] = {o.key_prefix: o.name for o in OBJECTS.values()}
#: Objects reachable through the REST data API (not the tooling-only ones).
DATA_OBJECTS = [o for o in OBJECTS.values() if not o.tooling]
#: Deleting a parent deletes these children too, as Salesforce does.
CASCADES = {
    "Account": [("Contact", "AccountId"), ("Opportunity", "AccountId")],
    "Contact": [("OpportunityContactRole", "ContactId"), ("CampaignMember", "ContactId")],
    "Opportunity": [("OpportunityContactRole", "OpportunityId")],
    "Lead": [("CampaignMember", "LeadId")],
    "Campaign": [("CampaignMember", "CampaignId"), ("CampaignMemberStatus", "CampaignId")],
}


def get_object(name: str, *, tooling: bool = False) -> SObject | None:
    """Case-insensitive lookup of a data (or, with ``tooling``, tooling) object."""
    obj = OBJECTS_LOWER.get(name.lower())
    if obj is None or obj.tooling != tooling:
        return None
    return obj


def visible_fields(obj: SObject, picklists_on: bool, deployed: bool = True) -> list[Field]:
    """Fields that exist for the org (state/country code picklists and the setup package's
    fields are org-dependent)."""
    return [
        f
        for f in obj.fields
        if (picklists_on or not f.needs_picklists) and (deployed or not f.package)
    ]
