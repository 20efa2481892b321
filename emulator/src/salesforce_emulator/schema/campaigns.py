"""Queues (``Group`` of type ``Queue``, a Lead's owner) and campaigns: ``Campaign``, its
``CampaignMemberStatus`` values and its ``CampaignMember`` rows (a Lead or a Contact).

The write rules of members (one per campaign and Lead/Contact, a status the campaign has,
``HasResponded`` from that status) are in :mod:`..store.campaigns`.
"""

from __future__ import annotations

from .fields import READ_ONLY as _RO
from .fields import Field, SObject, pick, ref, system_fields, text

CAMPAIGN_TYPES = (
    "Advertisement",
    "Banner Ads",
    "Conference",
    "Direct Mail",
    "Email",
    "Partners",
    "Public Relations",
    "Referral Program",
    "Seminar / Conference",
    "Telemarketing",
    "Webinar",
    "Other",
)
CAMPAIGN_STATUSES = ("Planned", "In Progress", "Completed", "Aborted")
#: The member statuses every new campaign gets (Salesforce's defaults): label, responded,
#: default.
DEFAULT_MEMBER_STATUSES = (("Sent", False, True), ("Responded", True, False))


def campaign_objects() -> list[SObject]:
    return [
        SObject(
            "Group",
            "00G",
            "Group",
            "Groups",
            [
                *system_fields(with_owner=False),
                text("Name", 40, "Name", nillable=False, required=True),
                text("DeveloperName", 80, "Developer Name"),
                pick(
                    "Type",
                    ("Queue", "Regular"),
                    "Type",
                    nillable=False,
                    default="Regular",
                    restricted=True,
                ),
                Field("Email", "email", "Email", 255),
            ],
        ),
        SObject(
            "Campaign",
            "701",
            "Campaign",
            "Campaigns",
            [
                *system_fields(),
                text("Name", 80, "Name", nillable=False, required=True),
                pick("Type", CAMPAIGN_TYPES, "Type"),
                pick("Status", CAMPAIGN_STATUSES, "Status", default="Planned"),
                Field("IsActive", "boolean", "Active", nillable=False, default=False),
                Field("StartDate", "date", "Start Date"),
                Field("EndDate", "date", "End Date"),
                Field("Description", "textarea", "Description", 32000),
                Field("NumberOfLeads", "int", "Leads in Campaign", **_RO),
                Field("NumberOfContacts", "int", "Contacts in Campaign", **_RO),
            ],
        ),
        SObject(
            "CampaignMemberStatus",
            "01Y",
            "Campaign Member Status",
            "Campaign Member Statuses",
            [
                *system_fields(with_owner=False),
                ref(
                    "CampaignId",
                    ("Campaign",),
                    "Campaign",
                    "Campaign ID",
                    nillable=False,
                    required=True,
                    indexed=True,
                    updateable=False,
                ),
                text("Label", 765, "Member Status", nillable=False, required=True),
                Field("HasResponded", "boolean", "Responded", nillable=False, default=False),
                Field("IsDefault", "boolean", "Default", nillable=False, default=False),
                Field("SortOrder", "int", "Sort Order"),
            ],
        ),
        SObject(
            "CampaignMember",
            "00v",
            "Campaign Member",
            "Campaign Members",
            [
                *system_fields(with_owner=False),
                ref(
                    "CampaignId",
                    ("Campaign",),
                    "Campaign",
                    "Campaign ID",
                    nillable=False,
                    required=True,
                    indexed=True,
                    updateable=False,
                ),
                ref("LeadId", ("Lead",), "Lead", "Lead ID", indexed=True, updateable=False),
                ref("ContactId", ("Contact",), "Contact", "Contact ID", indexed=True),
                text("Status", 40, "Status"),
                Field("HasResponded", "boolean", "Responded", nillable=False, default=False, **_RO),
                Field("FirstRespondedDate", "date", "First Responded Date", **_RO),
                text("Type", 40, "Type", **_RO),
            ],
        ),
    ]
