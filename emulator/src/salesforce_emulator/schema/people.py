"""Account, Contact and Lead: the standard fields a new Enterprise Edition org has
(Salesforce's Object Reference, API 59.0: "Account", "Contact", "Lead", "Address Compound
Fields"), plus hubsync's setup package fields.

Compound fields are read-only fields of type ``address`` computed from their components
(``BillingStreet``... ``BillingGeocodeAccuracy`` → ``BillingAddress``); ``FirstName``,
``LastName`` and ``Salutation`` are the components of Lead's and Contact's ``Name``.
Fields derived from other records or computed (``LastActivityDate``, ``PhotoUrl``,
``IsEmailBounced``...) are read-only and not in change events. Not emulated: lookups to
objects the emulator does not have (``IndividualId``, ``DandbCompanyId``,
``OperatingHoursId``), person accounts, Data.com fields' behaviour.
"""

from __future__ import annotations

from .fields import READ_ONLY as _RO
from .fields import Field, SObject, address, currency_field, pick, ref, system_fields, text
from .metadata import SetupPackage
from .picklists import (
    ACCOUNT_TYPES,
    CLEAN_STATUSES,
    INDUSTRIES,
    LEAD_SOURCES,
    LEAD_STATUSES,
    OWNERSHIPS,
    RATINGS,
    SALUTATIONS,
)
from .record_types import record_type_field

#: Read-only and not in change events (derived from other records, or computed).
_DERIVED = {**_RO, "derived": True}


def master_record(obj_name: str) -> Field:
    """``MasterRecordId``: set on the losers of a merge (read with queryAll), else null."""
    return ref("MasterRecordId", (obj_name,), "MasterRecord", "Master Record ID", **_RO)


def _person_name() -> list[Field]:
    """``LastName``, ``FirstName``, ``Salutation`` and the full ``Name`` they compose."""
    part = {"compound_name": "Name"}
    return [
        text("LastName", 80, "Last Name", nillable=False, required=True, **part),
        text("FirstName", 40, "First Name", **part),
        pick("Salutation", SALUTATIONS, "Salutation", **part),
        text("Name", 121, "Full Name", **_RO),
    ]


def _activity_and_views() -> list[Field]:
    return [
        Field("LastActivityDate", "date", "Last Activity", **_DERIVED),
        Field("LastViewedDate", "datetime", "Last Viewed Date", **_DERIVED),
        Field("LastReferencedDate", "datetime", "Last Referenced Date", **_DERIVED),
    ]


def _email_bounces() -> list[Field]:
    return [
        text("EmailBouncedReason", 255, "Email Bounced Reason"),
        Field("EmailBouncedDate", "datetime", "Email Bounced Date"),
    ]


def _data_com(jigsaw_id: str, jigsaw_label: str) -> list[Field]:
    return [
        text("Jigsaw", 20, "Data.com Key"),
        text(jigsaw_id, 20, jigsaw_label, **_RO),
        pick("CleanStatus", CLEAN_STATUSES, "Clean Status", restricted=True),
    ]


def _opt_outs(*, with_email: bool = True) -> list[Field]:
    flags = [("HasOptedOutOfEmail", "Email Opt Out")] if with_email else []
    flags += [("HasOptedOutOfFax", "Fax Opt Out"), ("DoNotCall", "Do Not Call")]
    return [Field(n, "boolean", label, nillable=False, default=False) for n, label in flags]


def account_object() -> SObject:
    return SObject(
        "Account",
        "001",
        "Account",
        "Accounts",
        [
            *system_fields(),
            currency_field(),
            master_record("Account"),
            text("Name", 255, "Account Name", nillable=False, required=True),
            record_type_field(),
            pick("Type", ACCOUNT_TYPES, "Account Type"),
            ref("ParentId", ("Account",), "Parent", "Parent Account ID"),
            *address("Billing", "Billing"),
            *address("Shipping", "Shipping"),
            Field("Phone", "phone", "Account Phone", 40),
            Field("Fax", "phone", "Account Fax", 40),
            text("AccountNumber", 40, "Account Number"),
            Field("Website", "url", "Website", 255),
            Field("PhotoUrl", "url", "Photo URL", 255, **_DERIVED),
            text("Sic", 20, "SIC Code"),
            pick("Industry", INDUSTRIES, "Industry"),
            Field("AnnualRevenue", "currency", "Annual Revenue", precision=18),
            Field("NumberOfEmployees", "int", "Employees", precision=8),
            pick("Ownership", OWNERSHIPS, "Ownership"),
            text("TickerSymbol", 20, "Ticker Symbol"),
            Field("Description", "textarea", "Account Description", 32000),
            pick("Rating", RATINGS, "Account Rating"),
            text("Site", 80, "Account Site"),
            *_activity_and_views(),
            *_data_com("JigsawCompanyId", "Jigsaw Company ID"),
            pick("AccountSource", LEAD_SOURCES, "Account Source"),
            text("DunsNumber", 9, "D-U-N-S Number"),
            text("Tradestyle", 255, "Tradestyle"),
            text("NaicsCode", 8, "NAICS Code"),
            text("NaicsDesc", 120, "NAICS Description"),
            text("YearStarted", 4, "Year Started"),
            text("SicDesc", 80, "SIC Description"),
            pick("Tier__c", ("Gold", "Silver", "Bronze"), "Tier", custom=True),
        ],
    )


def contact_object(package: SetupPackage) -> SObject:
    return SObject(
        "Contact",
        "003",
        "Contact",
        "Contacts",
        [
            *system_fields(),
            currency_field(),
            master_record("Contact"),
            ref("AccountId", ("Account",), "Account", "Account ID", indexed=True),
            *_person_name(),
            *address("Other", "Other"),
            *address("Mailing", "Mailing"),
            Field("Phone", "phone", "Business Phone", 40),
            Field("Fax", "phone", "Business Fax", 40),
            Field("MobilePhone", "phone", "Mobile Phone", 40),
            Field("HomePhone", "phone", "Home Phone", 40),
            Field("OtherPhone", "phone", "Other Phone", 40),
            Field("AssistantPhone", "phone", "Asst. Phone", 40),
            ref("ReportsToId", ("Contact",), "ReportsTo", "Reports To ID"),
            Field("Email", "email", "Email", 80, indexed=True),
            text("Title", 128, "Title"),
            text("Department", 80, "Department"),
            text("AssistantName", 40, "Assistant's Name"),
            pick("LeadSource", LEAD_SOURCES, "Lead Source"),
            Field("Birthdate", "date", "Birthdate"),
            record_type_field(),
            *_opt_outs(),
            Field("Description", "textarea", "Contact Description", 32000),
            *_activity_and_views(),
            Field("LastCURequestDate", "datetime", "Last Stay-in-Touch Request Date", **_RO),
            Field("LastCUUpdateDate", "datetime", "Last Stay-in-Touch Save Date", **_RO),
            *_email_bounces(),
            Field("IsEmailBounced", "boolean", "Is Email Bounced", default=False, **_DERIVED),
            Field("PhotoUrl", "url", "Photo URL", 255, **_DERIVED),
            *_data_com("JigsawContactId", "Jigsaw Contact ID"),
            *package.fields_for("Contact"),
        ],
    )


def lead_object(package: SetupPackage) -> SObject:
    return SObject(
        "Lead",
        "00Q",
        "Lead",
        "Leads",
        [
            *system_fields(owner_to=("Group", "User")),
            currency_field(),
            master_record("Lead"),
            *_person_name(),
            text("Title", 128, "Title"),
            text("Company", 255, "Company", nillable=False, required=True),
            *address("", "", "Address"),
            Field("Phone", "phone", "Phone", 40),
            Field("MobilePhone", "phone", "Mobile Phone", 40),
            Field("Fax", "phone", "Fax", 40),
            Field("Email", "email", "Email", 80, indexed=True),
            Field("Website", "url", "Website", 255),
            Field("PhotoUrl", "url", "Photo URL", 255, **_DERIVED),
            Field("Description", "textarea", "Description", 32000),
            pick("LeadSource", LEAD_SOURCES, "Lead Source"),
            pick(
                "Status",
                LEAD_STATUSES,
                "Lead Status",
                nillable=False,
                default="Open - Not Contacted",
            ),
            pick("Industry", INDUSTRIES, "Industry"),
            pick("Rating", RATINGS, "Rating"),
            record_type_field(),
            Field("AnnualRevenue", "currency", "Annual Revenue", precision=18),
            Field("NumberOfEmployees", "int", "Employees", precision=8),
            *_opt_outs(),
            Field("IsConverted", "boolean", "Converted", nillable=False, default=False, **_RO),
            Field("ConvertedDate", "date", "Converted Date", **_RO),
            ref("ConvertedAccountId", ("Account",), "ConvertedAccount", **_RO),
            ref("ConvertedContactId", ("Contact",), "ConvertedContact", **_RO),
            ref("ConvertedOpportunityId", ("Opportunity",), "ConvertedOpportunity", **_RO),
            Field("IsUnreadByOwner", "boolean", "Unread By Owner", nillable=False, default=False),
            *_activity_and_views(),
            Field("LastTransferDate", "date", "Last Transfer Date", **_RO),
            *_data_com("JigsawContactId", "Jigsaw Contact ID"),
            text("CompanyDunsNumber", 9, "Company D-U-N-S Number"),
            *_email_bounces(),
            *package.fields_for("Lead"),
        ],
    )
