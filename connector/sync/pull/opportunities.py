"""Opportunities and their contact roles (opportunity sync on), and lifecycle transitions.

Roles changed since the watermark, plus every role of Contacts linked this cycle
(they may be older than the watermark); the Opportunities they name, and changed
known ones. With lifecycle transitions on, the contacts whose opportunities
changed get their stage moved on by marketing's lifecycle rules.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.utils import timezone

from marketing.lifecycle import contacts_lifecycle_advance
from marketing.models import Contact, Opportunity, OpportunityContactRole

from ...org_schema import org_multi_currency
from ...soql import chunks, in_list
from .accounts import IDS_PER_QUERY
from .common import Pages, PullContext, Query, contacts_mark_synced, inclusion_list_members
from .people_read import PeopleRead
from .watermark import Watermark

OPPORTUNITY_FIELDS = (
    "Id, Name, StageName, CloseDate, Amount, IsClosed, IsWon, OwnerId, Owner.Name, SystemModstamp"
)
ROLE_FIELDS = "Id, ContactId, OpportunityId, Role, IsPrimary, SystemModstamp"


class OpportunitiesPhase:
    def __init__(self, context: PullContext) -> None:
        self.context = context
        # A multi-currency org: each amount's currency comes along.
        self.fields = OPPORTUNITY_FIELDS + (
            ", CurrencyIsoCode" if org_multi_currency(context.settings) else ""
        )
        self.known = set(Opportunity.objects.values_list("salesforce_id", flat=True))
        self.role_watermark = Watermark("OpportunityContactRole")
        self.opp_watermark = Watermark("Opportunity")
        self.queries: list[Query] = [
            (
                f"SELECT {ROLE_FIELDS} FROM OpportunityContactRole{self.role_watermark.where()}",
                False,
            )
        ]
        if self.opp_watermark.since is not None and self.known:
            self.queries.append(
                (f"SELECT {self.fields} FROM Opportunity{self.opp_watermark.where()}", False)
            )

    def _query_ids(self, select: str, ids: list[str]) -> list[list[dict]]:
        """``select … WHERE x IN (ids)`` in chunks, in one composite call; their pages."""
        queries = [(f"{select} ({in_list(chunk)})", False) for chunk in chunks(ids, IDS_PER_QUERY)]
        if not queries:
            return []
        return [page for pages in self.context.client.query_many(queries) for page in pages]

    def apply(self, results: list[Pages], *, people: PeopleRead) -> None:
        role_pages, *changed = results
        roles: list[dict] = []
        for page in role_pages:
            roles += page
            for record in page:
                self.role_watermark.saw(record)
        opportunities: dict[str, dict] = {}
        for page in changed[0] if changed else ():
            opportunities.update({r["Id"]: r for r in page if r["Id"] in self.known})
            for record in page:
                self.opp_watermark.saw(record)
        # Contacts linked in this cycle may have roles older than the watermark.
        seen = {r["Id"] for r in roles}
        newly = sorted(people.newly_linked_contacts) if self.role_watermark.since else []
        select = f"SELECT {ROLE_FIELDS} FROM OpportunityContactRole WHERE ContactId IN"
        for page in self._query_ids(select, newly):
            roles += [r for r in page if r["Id"] not in seen]
        contact_pks = dict(
            Contact.objects.filter(
                salesforce_object="Contact", salesforce_id__in={r["ContactId"] for r in roles}
            ).values_list("salesforce_id", "pk")
        )
        roles = [r for r in roles if r["ContactId"] in contact_pks]
        needed = sorted({r["OpportunityId"] for r in roles} - self.known)
        select = f"SELECT {self.fields} FROM Opportunity WHERE Id IN"
        for page in self._query_ids(select, needed):
            opportunities.update({r["Id"]: r for r in page})
            for record in page:
                self.opp_watermark.saw(record)
        self.role_watermark.started_if_new()
        self.opp_watermark.started_if_new()
        touched = self._store_opportunities(opportunities, roles, contact_pks)
        self.role_watermark.save()
        self.opp_watermark.save()
        if self.context.settings.lifecycle_transitions:
            now = timezone.now()
            # The opportunities are stored for every contact; the stage moves only for
            # those the inclusion list lets receive updates.
            members = inclusion_list_members(settings=self.context.settings, contact_ids=touched)
            changed_stages = contacts_lifecycle_advance(contact_ids=members, now=now)
            self.context.counts.lifecycle_changes += len(changed_stages)
            contacts_mark_synced(changed_stages, now)

    def _store_opportunities(
        self, opportunities: dict[str, dict], roles: list[dict], contact_pks: dict[str, int]
    ) -> set[int]:
        """Upsert opportunities and roles; returns the contacts whose opportunities changed."""
        by_sf_id: dict[str, Opportunity] = {}
        for sf_id, record in opportunities.items():
            try:
                amount = (
                    Decimal(str(record["Amount"])) if record.get("Amount") is not None else None
                )
            except InvalidOperation:
                amount = None
            stored, _ = Opportunity.objects.update_or_create(
                salesforce_id=sf_id,
                defaults={
                    "name": record.get("Name") or "",
                    "stage": record.get("StageName") or "",
                    "close_date": record.get("CloseDate"),
                    "amount": amount,
                    "currency": (record.get("CurrencyIsoCode") or "")[:3],
                    "is_closed": bool(record.get("IsClosed")),
                    "is_won": bool(record.get("IsWon")),
                    "owner_salesforce_id": record.get("OwnerId") or "",
                    "owner_name": (record.get("Owner") or {}).get("Name") or "",
                },
            )
            by_sf_id[sf_id] = stored
            self.context.counts.opportunities += 1
        touched = set(
            OpportunityContactRole.objects.filter(
                opportunity__salesforce_id__in=list(opportunities)
            ).values_list("contact_id", flat=True)
        )
        missing = {r["OpportunityId"] for r in roles} - set(by_sf_id)
        by_sf_id.update(
            {o.salesforce_id: o for o in Opportunity.objects.filter(salesforce_id__in=missing)}
        )
        for role in roles:
            opportunity = by_sf_id.get(role["OpportunityId"])
            if opportunity is None:
                continue
            contact_pk = contact_pks[role["ContactId"]]
            OpportunityContactRole.objects.update_or_create(
                salesforce_id=role["Id"],
                defaults={
                    "opportunity": opportunity,
                    "contact_id": contact_pk,
                    "role": role.get("Role") or "",
                    "is_primary": bool(role.get("IsPrimary")),
                },
            )
            touched.add(contact_pk)
        return touched
