"""Campaigns and campaign members changed in Salesforce (a rep adds a Lead to a campaign,
changes a member's status, deletes a campaign): two watermarked queries in the cycle's
composite calls (``queryAll``: deletes come as ``IsDeleted``), and the member statuses of
the campaigns that changed (one more query, only then). An org without campaigns hubsync
knows of (and no link) is asked once a day (:func:`campaigns_polled`)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from marketing.models import Campaign, CampaignMember, Contact

from ...models import CampaignLink, SyncCursor
from ...soql import in_lists, parse_datetime
from .common import Pages, PullContext, Query
from .watermark import IN_ORDER, Watermark

CAMPAIGN_FIELDS = "Id, Name, Type, Status, IsActive, StartDate, EndDate, IsDeleted, SystemModstamp"
MEMBER_FIELDS = (
    "Id, CampaignId, LeadId, ContactId, Status, HasResponded, FirstRespondedDate, CreatedDate, "
    "IsDeleted, SystemModstamp"
)


def _date(value: Any) -> Any:
    return value or None


#: An org where hubsync knows no campaign (and no smart list is linked to one) is asked
#: again this often whether it has campaigns now: its idle cycles cost no campaign query.
DISCOVER_EVERY = timedelta(hours=24)


def campaigns_polled() -> bool:
    """Whether this cycle reads campaigns: always once the org has campaigns hubsync knows of
    or a smart list is linked to one; otherwise once a day (and on the first cycle)."""
    if Campaign.objects.exists() or CampaignLink.objects.exists():
        return True
    row = SyncCursor.objects.filter(name="inbound:Campaign").first()
    return row is None or row.value is None or row.updated_at < timezone.now() - DISCOVER_EVERY


def campaigns_discover_now() -> None:
    """A change event of a Campaign or CampaignMember: the next cycle reads campaigns even in
    an org where hubsync knew of none."""
    SyncCursor.objects.filter(name="inbound:Campaign").update(
        updated_at=timezone.now() - 2 * DISCOVER_EVERY
    )


class CampaignsPhase:
    def __init__(self, context: PullContext) -> None:
        self.context = context
        self.queries: list[Query] = []
        self.polled = campaigns_polled()
        if not self.polled:
            return
        self.campaigns = Watermark("Campaign")
        self.members = Watermark("CampaignMember")
        self.queries = [
            (f"SELECT {CAMPAIGN_FIELDS} FROM Campaign{self.campaigns.where()}{IN_ORDER}", True),
            (f"SELECT {MEMBER_FIELDS} FROM CampaignMember{self.members.where()}{IN_ORDER}", True),
        ]

    def apply(self, results: list[Pages], *, queried_at: datetime) -> None:
        if not self.polled:
            return
        campaign_pages, member_pages = results
        changed: set[str] = set()
        for page in campaign_pages:
            fresh = self.campaigns.fresh(page)
            changed |= self._campaigns_store(fresh)
            self.campaigns.advance(page)
        self.campaigns.caught_up(queried_at)
        if changed:
            self._statuses_read(sorted(changed))
        for page in member_pages:
            self._members_store(self.members.fresh(page))
            self.members.advance(page)
            self.context.progressed()
        self.members.caught_up(queried_at)
        memberships_relink()

    def _campaigns_store(self, records: list[dict]) -> set[str]:
        live: set[str] = set()
        with transaction.atomic():
            gone = [r["Id"] for r in records if r.get("IsDeleted")]
            if gone:
                Campaign.objects.filter(salesforce_id__in=gone).delete()
            for r in records:
                if r.get("IsDeleted"):
                    continue
                Campaign.objects.update_or_create(
                    salesforce_id=r["Id"],
                    defaults={
                        "name": r.get("Name") or "",
                        "type": r.get("Type") or "",
                        "status": r.get("Status") or "",
                        "is_active": bool(r.get("IsActive")),
                        "start_date": _date(r.get("StartDate")),
                        "end_date": _date(r.get("EndDate")),
                    },
                )
                live.add(r["Id"])
        return live

    def _statuses_read(self, campaign_ids: list[str]) -> None:
        queries = [
            (
                "SELECT CampaignId, Label, HasResponded, IsDefault, SortOrder FROM "
                f"CampaignMemberStatus WHERE CampaignId IN ({chunk}) "
                "ORDER BY CampaignId, SortOrder",
                False,
            )
            for chunk in in_lists(campaign_ids)
        ]
        statuses: dict[str, list[dict[str, Any]]] = {c: [] for c in campaign_ids}
        for pages in self.context.client.query_many(queries):
            for page in pages:
                for r in page:
                    statuses.setdefault(r["CampaignId"], []).append(
                        {
                            "label": r["Label"],
                            "has_responded": bool(r.get("HasResponded")),
                            "is_default": bool(r.get("IsDefault")),
                        }
                    )
        for campaign_id, found in statuses.items():
            Campaign.objects.filter(salesforce_id=campaign_id).update(member_statuses=found)

    def _members_store(self, records: list[dict]) -> None:
        if not records:
            return
        campaigns = dict(
            Campaign.objects.filter(
                salesforce_id__in={r["CampaignId"] for r in records}
            ).values_list("salesforce_id", "pk")
        )
        people = {r.get("ContactId") or r.get("LeadId") for r in records} - {None}
        contacts = dict(
            Contact.objects.filter(salesforce_id__in=people).values_list("salesforce_id", "pk")
        )
        with transaction.atomic():
            gone = [r["Id"] for r in records if r.get("IsDeleted")]
            if gone:
                CampaignMember.objects.filter(salesforce_id__in=gone).delete()
            for r in records:
                if r.get("IsDeleted") or r["CampaignId"] not in campaigns:
                    continue
                person = r.get("ContactId") or r.get("LeadId") or ""
                contact = contacts.get(person) or contacts.get(r.get("LeadId") or "")
                CampaignMember.objects.update_or_create(
                    salesforce_id=r["Id"],
                    defaults={
                        "campaign_id": campaigns[r["CampaignId"]],
                        "salesforce_person_id": person,
                        "contact_id": contact,
                        "status": r.get("Status") or "",
                        "has_responded": bool(r.get("HasResponded")),
                        "first_responded_date": _date(r.get("FirstRespondedDate")),
                        "created_date": parse_datetime(r.get("CreatedDate")),
                    },
                )


def memberships_relink() -> None:
    """Memberships of a person hubsync linked later (or whose Lead converted) get their
    contact: one UPDATE."""
    CampaignMember.objects.filter(contact__isnull=True).update(
        contact=Subquery(
            Contact.objects.filter(salesforce_id=OuterRef("salesforce_person_id")).values("pk")[:1]
        )
    )
