"""Which Salesforce record a new contact's email already has: per batch, or for a backfill
from one read of the org's addresses.

Per batch (:func:`lookup_by_email`): the batch's addresses as IN lists, Lead and Contact
queries five to a composite call — about two calls per 10,000 contacts, which made a
2,000,000-contact backfill 400 calls of lookups. A backfill into an org with few people
reads every address once instead (:class:`OrgEmails`: Id, Email and CreatedDate, a few REST
pages) and asks Salesforce only for the records a batch matched, by Id. An org with more
than ORG_EMAILS_MAX people keeps the per-batch lookups (their index would not fit a
worker's memory); reading its addresses then cost the one call that told.

The addresses are those of the backfill's start: a record given a contact's address in
Salesforce while the backfill runs is not matched (its contact gets a record of its own,
and the next pull records the two as an email collision, which the errors page shows).
"""

from __future__ import annotations

from collections.abc import Iterable

from ..client import SalesforceClient
from ..models import EmailCollision
from ..soql import in_lists
from .push_writes import PushCounts

# Emails per SOQL IN list: at most 2,000 addresses and LOOKUP_MAX_CHARS characters, below
# Salesforce's 100,000-character SOQL limit. The queries travel in a composite call's body,
# so the 16,384-byte URI limit of a plain GET /query does not apply. A composite call
# carries five queries (a Lead and a Contact query per chunk): ~5,000 contacts per call
# with typical addresses (500 a chunk took 8 calls for a 10,000-contact batch, now 2).
LOOKUP_CHUNK = 2_000
LOOKUP_MAX_CHARS = 80_000
# Contacts looked up per composite call, and records per REST query page.
LOOKUPS_PER_CALL = 5_000
QUERY_PAGE = 2_000
# The org's people read for a backfill at most (Leads not converted and Contacts, with an
# email): 50 REST pages, and some 15 MB of index in the worker.
ORG_EMAILS_MAX = 100_000
# From this many contacts to look up, reading even the largest such org costs fewer calls.
ORG_EMAILS_WORTH_FROM = ORG_EMAILS_MAX // QUERY_PAGE * LOOKUPS_PER_CALL
WHERE = {"Lead": "IsConverted = false AND ", "Contact": ""}

# (CreatedDate, Id, object) of each record with one address.
Candidates = dict[str, list[tuple[str, str, str]]]


def lookup_by_email(
    client: SalesforceClient,
    emails: list[str],
    counts: PushCounts,
    *,
    fields: dict[str, list[str]],
    org: OrgEmails | None = None,
) -> dict[str, dict]:
    """Existing Leads (not converted) and Contacts by email: ``{email: record}``, each
    record with ``fields[object]`` (what the first match merges: connector.merge).

    Several records with one email: the oldest (CreatedDate, then Id) wins and
    the collision is recorded. With ``org``, the candidates come from its index and only
    the winners are read (by Id).
    """
    emails = sorted({e.lower() for e in emails if e})
    if not emails:
        return {}
    if org is not None:
        return _winners_read(client, org.candidates(emails), counts, fields)
    queries: list[str] = []
    for chunk in in_lists(emails, max_values=LOOKUP_CHUNK, max_chars=LOOKUP_MAX_CHARS):
        for object_type in ("Lead", "Contact"):
            queries.append(
                f"SELECT {_fields(fields, object_type)} FROM {object_type} "
                f"WHERE {WHERE[object_type]}Email IN ({chunk}) ORDER BY CreatedDate, Id"
            )
    found: dict[str, list[tuple[str, str, dict]]] = {}
    for pages in client.query_many([(soql, False) for soql in queries]):
        for page in pages:
            for record in page:
                if record.get("Email"):
                    found.setdefault(record["Email"].lower(), []).append(
                        (record["CreatedDate"], record["Id"], record)
                    )
    candidates = {
        email: [(created, sf_id, r["attributes"]["type"]) for created, sf_id, r in records]
        for email, records in found.items()
    }
    winners = _winners(candidates, counts)
    by_id = {sf_id: record for records in found.values() for _, sf_id, record in records}
    return {email: by_id[sf_id] for email, (_, sf_id) in winners.items()}


class OrgEmails:
    """Every address of the org's people, read once for a backfill: email → candidates."""

    def __init__(self, candidates: Candidates) -> None:
        self._candidates = candidates

    @classmethod
    def read(cls, client: SalesforceClient, *, unlinked: int) -> OrgEmails | None:
        """The org's addresses (one composite call and a page per 2,000 records), or None
        when reading them would cost more calls than the per-batch lookups of ``unlinked``
        contacts, or the org has more than ORG_EMAILS_MAX people (the first call tells)."""
        results = client.query_many(
            [
                (
                    f"SELECT Id, Email, CreatedDate FROM {object_type} "
                    f"WHERE {WHERE[object_type]}Email != null",
                    False,
                )
                for object_type in ("Lead", "Contact")
            ]
        )
        people = sum(pages.total_size for pages in results)
        pages_more = sum(max(0, -(-pages.total_size // QUERY_PAGE) - 1) for pages in results)
        if people > ORG_EMAILS_MAX or pages_more > unlinked // LOOKUPS_PER_CALL:
            return None
        candidates: Candidates = {}
        for pages in results:
            for page in pages:
                for record in page:
                    candidates.setdefault(record["Email"].lower(), []).append(
                        (record["CreatedDate"], record["Id"], record["attributes"]["type"])
                    )
        return cls(candidates)

    def candidates(self, emails: Iterable[str]) -> Candidates:
        return {email: self._candidates[email] for email in emails if email in self._candidates}


def _winners(candidates: Candidates, counts: PushCounts) -> dict[str, tuple[str, str]]:
    """Each address's oldest record (object, Id); collisions recorded."""
    winners: dict[str, tuple[str, str]] = {}
    collisions = []
    for email, found in candidates.items():
        ordered = sorted(found)
        _, sf_id, object_type = ordered[0]
        winners[email] = (object_type, sf_id)
        if len(ordered) > 1:
            collisions.append(
                EmailCollision(email=email, chosen_id=sf_id, other_ids=[c[1] for c in ordered[1:]])
            )
    if collisions:
        EmailCollision.objects.bulk_create(collisions)
        counts.collisions += len(collisions)
    return winners


def _winners_read(
    client: SalesforceClient,
    candidates: Candidates,
    counts: PushCounts,
    fields: dict[str, list[str]],
) -> dict[str, dict]:
    """The winning records, read by Id with the fields a first match merges (one that
    changed since the index was read — converted, deleted, another address — is no match)."""
    winners = _winners(candidates, counts)
    if not winners:
        return {}
    queries = [
        (
            f"SELECT {_fields(fields, object_type)} FROM {object_type} "
            f"WHERE {WHERE[object_type]}Id IN ({chunk})",
            False,
        )
        for object_type in ("Lead", "Contact")
        for chunk in in_lists(sf_id for t, sf_id in winners.values() if t == object_type)
    ]
    by_id = {
        record["Id"]: record
        for pages in client.query_many(queries)
        for page in pages
        for record in page
    }
    return {
        email: by_id[sf_id]
        for email, (_, sf_id) in winners.items()
        if sf_id in by_id and (by_id[sf_id].get("Email") or "").lower() == email
    }


def _fields(fields: dict[str, list[str]], object_type: str) -> str:
    return ", ".join(sorted({"Id", "Email", "CreatedDate", *fields[object_type]}))
