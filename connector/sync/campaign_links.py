"""Smart lists linked to Salesforce campaigns → CampaignMembers (hubsync → Salesforce).

Each cycle, for each link: the list's contacts that are linked to a Lead or Contact and are
not members of the campaign yet become members with the link's status — sObject
Collections (200 a call) or, from BULK_THRESHOLD members on, one Bulk API 2.0 insert job;
with *remove when leaving*, the members the link knew in the list that left it are deleted
(Collections, 200 a call). Writes are idempotent: a member that already exists
(``DUPLICATE_VALUE``) is one, a member already gone is gone. Other refusals are sync errors
with Salesforce's code (object ``CampaignMember``, on the contact), retried with back-off or,
when they need a fix, when something changes. Nothing to do: no call.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from simple_salesforce import Salesforce

from marketing.models import Campaign, CampaignMember, Contact
from marketing.selectors import smart_list_contacts

from ..bulk_query import bulk_handle, bulk_job_rows
from ..client import COLLECTION_SIZE, RecordResult, SalesforceClient
from ..errors import LimitReached, RecoverableError
from ..models import CampaignLink, CampaignLinkMember, SyncError
from ..soql import chunks
from .failures import Failure, failures_resolve, record_failures_record, waiting_for_retry
from .push_writes import BULK_POLL_WAIT_S, BULK_THRESHOLD, bulk_error

logger = logging.getLogger(__name__)
OBJECT = "CampaignMember"
ALREADY_A_MEMBER = "DUPLICATE_VALUE"
ALREADY_GONE = {"ENTITY_IS_DELETED", "NOT_FOUND", "INVALID_CROSS_REFERENCE_KEY"}


@dataclass
class LinkCounts:
    added: int = 0
    removed: int = 0
    failed: int = 0

    def as_dict(self) -> dict[str, int]:
        return {
            "campaign_members_added": self.added,
            "campaign_members_removed": self.removed,
            "campaign_members_failed": self.failed,
        }


def campaign_links_push(
    *, client: SalesforceClient, counts: LinkCounts | None = None
) -> LinkCounts:
    counts = counts or LinkCounts()
    for link in CampaignLink.objects.select_related("smart_list"):
        campaign = Campaign.objects.filter(salesforce_id=link.campaign_id).first()
        if campaign is None:
            continue  # deleted in Salesforce: nothing to write into
        _link_push(client, link, campaign, counts)
    return counts


def _link_push(
    client: SalesforceClient, link: CampaignLink, campaign: Campaign, counts: LinkCounts
) -> None:
    waiting = set(
        SyncError.objects.filter(waiting_for_retry(OBJECT), contact__isnull=False).values_list(
            "contact_id", flat=True
        )
    )
    in_list = {
        pk: sf_id
        for pk, sf_id in smart_list_contacts(smart_list=link.smart_list)
        .exclude(salesforce_id="")
        .values_list("pk", "salesforce_id")
        if pk not in waiting
    }
    objects = dict(
        Contact.objects.filter(pk__in=list(in_list)).values_list("pk", "salesforce_object")
    )
    members = dict(
        CampaignMember.objects.filter(campaign=campaign, contact__isnull=False).values_list(
            "contact_id", "salesforce_id"
        )
    )
    people = set(
        CampaignMember.objects.filter(campaign=campaign).values_list(
            "salesforce_person_id", flat=True
        )
    )
    known = set(CampaignLinkMember.objects.filter(link=link).values_list("contact_id", flat=True))
    # Contacts of the list that are members already (a rep added them): the link knows them.
    already = [pk for pk in in_list if (pk in members or in_list[pk] in people) and pk not in known]
    CampaignLinkMember.objects.bulk_create(
        [
            CampaignLinkMember(link=link, contact_id=pk, salesforce_member_id=members.get(pk, ""))
            for pk in already
        ],
        ignore_conflicts=True,
    )
    adds = [
        (
            pk,
            {
                "attributes": {"type": OBJECT},
                "CampaignId": campaign.salesforce_id,
                ("ContactId" if objects.get(pk) == "Contact" else "LeadId"): sf_id,
                "Status": link.member_status,
            },
        )
        for pk, sf_id in sorted(in_list.items())
        if pk not in members and sf_id not in people
    ]
    if adds:
        _adds_write(client, link, campaign, adds, counts)
    if link.remove_when_leaving:
        # Contacts waiting for a retry are not in in_list: they did not leave.
        leaving = CampaignLinkMember.objects.filter(link=link).exclude(
            contact_id__in=[*in_list, *waiting]
        )
        _removes_write(client, link, campaign, list(leaving), counts)


def _adds_write(
    client: SalesforceClient,
    link: CampaignLink,
    campaign: Campaign,
    adds: list[tuple[int, dict]],
    counts: LinkCounts,
) -> None:
    if len(adds) >= BULK_THRESHOLD:
        results = _bulk_insert(client, adds)
    else:
        results = []
        for chunk in chunks(adds, COLLECTION_SIZE):
            try:
                answered = client.collection("POST", [record for _, record in chunk])
            except LimitReached:
                raise
            except RecoverableError as error:
                logger.warning("Campaign members postponed: %s", error.code)
                continue
            results += list(zip([pk for pk, _ in chunk], answered, strict=True))
    done: list[tuple[int, str]] = []
    failures: dict[int, Failure] = {}
    for pk, result in results:
        if result.success or result.code == ALREADY_A_MEMBER:
            done.append((pk, result.id or ""))
        else:
            failures[pk] = Failure(
                OBJECT, result.code, result.message, tuple(result.fields), campaign.salesforce_id
            )
    with transaction.atomic():
        people = dict(adds)
        for pk, member_id in done:
            if member_id:
                record = people[pk]
                CampaignMember.objects.update_or_create(
                    salesforce_id=member_id,
                    defaults={
                        "campaign": campaign,
                        "contact_id": pk,
                        "salesforce_person_id": record.get("ContactId")
                        or record.get("LeadId")
                        or "",
                        "status": link.member_status,
                        "has_responded": _responded(campaign, link.member_status),
                    },
                )
        CampaignLinkMember.objects.bulk_create(
            [
                CampaignLinkMember(link=link, contact_id=pk, salesforce_member_id=m)
                for pk, m in done
            ],
            ignore_conflicts=True,
        )
        failures_resolve(contact_ids=[pk for pk, _ in done], object_types=[OBJECT])
        record_failures_record(failures=failures)
    counts.added += len([1 for _, member_id in done if member_id])
    counts.failed += len(failures)


def _responded(campaign: Campaign, status: str) -> bool:
    return any(s["label"] == status and s["has_responded"] for s in campaign.member_statuses)


def _bulk_insert(
    client: SalesforceClient, adds: list[tuple[int, dict]]
) -> list[tuple[int, RecordResult]]:
    """One Bulk API 2.0 insert job; rows come back matched on (CampaignId, person)."""
    columns = ["CampaignId", "ContactId", "LeadId", "Status"]
    rows = [{c: record.get(c) or "" for c in columns} for _, record in adds]
    by_person = {record.get("ContactId") or record.get("LeadId"): pk for pk, record in adds}

    out: list[tuple[int, RecordResult]] = []
    jobs = client.call(
        lambda sf: bulk_handle(sf, "CampaignMember").insert(records=rows, wait=BULK_POLL_WAIT_S)
    )
    for job in jobs:
        job_id = job["job_id"]
        for row in bulk_job_rows(client, "CampaignMember", job_id, successful=True):
            pk = by_person[row.get("ContactId") or row.get("LeadId")]
            out.append((pk, RecordResult(success=True, id=row["sf__Id"], created=True)))
        for row in bulk_job_rows(client, "CampaignMember", job_id, successful=False):
            pk = by_person[row.get("ContactId") or row.get("LeadId")]
            code, message, fields = bulk_error(row.get("sf__Error", ""))
            out.append((pk, RecordResult(success=False, code=code, message=message, fields=fields)))
    return out


def _members_delete(sf: Salesforce, ids: list[str]) -> list[dict[str, Any]]:
    """sObject Collections delete of up to 200 CampaignMembers (one result each)."""
    return list(
        sf.restful(
            "composite/sobjects",
            method="DELETE",
            params={"ids": ",".join(ids), "allOrNone": "false"},
        )
        or ()
    )


def _removes_write(
    client: SalesforceClient,
    link: CampaignLink,
    campaign: Campaign,
    leaving: Sequence[CampaignLinkMember],
    counts: LinkCounts,
) -> None:
    if not leaving:
        return
    member_ids = dict(
        CampaignMember.objects.filter(
            campaign=campaign, contact_id__in=[m.contact_id for m in leaving]
        ).values_list("contact_id", "salesforce_id")
    )
    gone: list[int] = [m.pk for m in leaving if not member_ids.get(m.contact_id)]
    todo = [(m, member_ids[m.contact_id]) for m in leaving if member_ids.get(m.contact_id)]
    failures: dict[int, Failure] = {}
    for chunk in chunks(todo, COLLECTION_SIZE):
        try:
            answered = client.call(_members_delete, [i for _, i in chunk])
        except LimitReached:
            raise
        except RecoverableError as error:
            logger.warning("Campaign member removals postponed: %s", error.code)
            continue
        for (member, sf_id), item in zip(chunk, answered, strict=True):
            errors = item.get("errors") or []
            code = errors[0].get("statusCode", "") if errors else ""
            if item.get("success") or code in ALREADY_GONE:
                gone.append(member.pk)
                CampaignMember.objects.filter(salesforce_id=sf_id).delete()
                counts.removed += 1
            else:
                failures[member.contact_id] = Failure(
                    OBJECT, code, errors[0].get("message", ""), (), campaign.salesforce_id
                )
    CampaignLinkMember.objects.filter(pk__in=gone).delete()
    record_failures_record(failures=failures)
    counts.failed += len(failures)
