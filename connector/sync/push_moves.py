"""Records that moved while a push batch was in flight: Leads converted since they were
linked, and new records the org's duplicate rule matched to an existing one."""

from __future__ import annotations

from marketing.models import Contact

from ..client import SalesforceClient
from ..messages import CONVERTED_NOT_FOLLOWED, DUPLICATE_TAKEN, said
from ..models import SyncEventOutcome
from ..soql import in_lists
from .failures import Failure
from .push_batch import PushBatch
from .relink import Move, contacts_follow


def follow_converted(client: SalesforceClient, batch: PushBatch) -> None:
    """Leads converted since they were linked (CANNOT_UPDATE_CONVERTED_LEAD): the contacts
    follow their new Contacts and stay due, so this cycle's next batch writes there. One
    whose Contact cannot be found (or another hubsync contact follows) is a sync error."""
    if not batch.converted_leads:
        return
    lead_ids = sorted(set(batch.converted_leads.values()))
    queries = [
        (f"SELECT Id, ConvertedContactId FROM Lead WHERE Id IN ({chunk})", False)
        for chunk in in_lists(lead_ids)
    ]
    converted = {
        record["Id"]: record["ConvertedContactId"]
        for pages in client.query_many(queries)
        for page in pages
        for record in page
        if record.get("ConvertedContactId")
    }
    moves = [
        Move(pk, ("Lead", lead_id), ("Contact", converted[lead_id]))
        for pk, lead_id in batch.converted_leads.items()
        if lead_id in converted
    ]
    batch.followed(contacts_follow(moves, outcome=SyncEventOutcome.CONVERTED))
    for pk, lead_id in batch.converted_leads.items():
        if pk not in batch.moved:
            batch.failed(
                pk,
                Failure(
                    "Lead",
                    "CANNOT_UPDATE_CONVERTED_LEAD",
                    said(CONVERTED_NOT_FOLLOWED, lead=lead_id),
                    salesforce_id=lead_id,
                ),
            )


def link_duplicate_matches(batch: PushBatch) -> None:
    """A new record the org's duplicate rule matched to one record: the contact is linked to
    that record (and stays due, so the next batch updates it), unless another hubsync
    contact already is — then it is a sync error naming the match."""
    if not batch.duplicate_matches:
        return
    taken = dict(
        Contact.objects.filter(
            salesforce_id__in=[sf_id for _, sf_id in batch.duplicate_matches.values()]
        ).values_list("salesforce_id", "email")
    )
    emails = dict(
        Contact.objects.filter(pk__in=list(batch.duplicate_matches)).values_list("pk", "email")
    )
    for pk, (sf_type, sf_id) in batch.duplicate_matches.items():
        if sf_id in taken:
            batch.failed(
                pk,
                Failure(
                    sf_type,
                    "DUPLICATES_DETECTED",
                    said(DUPLICATE_TAKEN, object=sf_type, id=sf_id, email=taken[sf_id]),
                ),
            )
            continue
        taken[sf_id] = emails[pk]  # a second match in this batch is an error
        batch.duplicate_link(pk, (sf_type, sf_id))
