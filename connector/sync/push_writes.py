"""The writes of a push batch: email lookups, sObject Collections and Bulk API 2.0 inserts.

Each function fills a :class:`PushBatch` with every record's outcome as calls return;
a call that fails recoverably leaves its records without an outcome (due again).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field

from ..bulk_query import bulk_handle, bulk_job_rows
from ..client import COLLECTION_SIZE, RecordResult, SalesforceClient
from ..errors import LimitReached, RecoverableError
from ..mappers import EXTERNAL_ID_FIELD, OWNER_FIELD
from ..messages import DUPLICATE_MATCHES, OWNER_REFUSED, said
from ..models import EmailCollision
from ..owners import salesforce_user_names
from ..soql import chunks, in_lists
from .failures import Failure
from .push_batch import PushBatch

logger = logging.getLogger(__name__)

# Emails per SOQL IN list: at most 2,000 addresses and LOOKUP_MAX_CHARS characters, below
# Salesforce's 100,000-character SOQL limit. The queries travel in a composite call's body,
# so the 16,384-byte URI limit of a plain GET /query does not apply. A composite call
# carries five queries (a Lead and a Contact query per chunk): ~5,000 contacts per call
# with typical addresses (500 a chunk took 8 calls for a 10,000-contact batch, now 2).
LOOKUP_CHUNK = 2_000
LOOKUP_MAX_CHARS = 80_000
# A Bulk API 2.0 job costs about 7 calls (create, upload, close, poll, job
# info, successful and failed results) whatever its size, against one call
# per 200 records with sObject Collections: from 2,000 records (10 calls) on,
# Bulk is cheaper, and its asynchronous processing is worth the wait.
BULK_THRESHOLD = 2_000
BULK_POLL_WAIT_S = 1


@dataclass
class PushCounts:
    created: int = 0
    updated: int = 0
    matched: int = 0
    failed: int = 0
    collisions: int = 0
    retried_later: int = 0
    # Called after every chunk of writes, for the live progress bar.
    on_progress: Callable[[PushCounts], None] | None = field(
        default=None, repr=False, compare=False
    )

    def as_dict(self) -> dict[str, int]:
        return {
            f"push_{name}": value for name, value in self.__dict__.items() if isinstance(value, int)
        }

    def progressed(self) -> None:
        if self.on_progress is not None:
            self.on_progress(self)

    @classmethod
    def total(
        cls, parts: list[PushCounts], on_progress: Callable[[PushCounts], None] | None = None
    ) -> PushCounts:
        """The sum of several lanes' counts."""
        names = [name for name, value in cls().__dict__.items() if isinstance(value, int)]
        return cls(
            **{name: sum(getattr(part, name) for part in parts) for name in names},
            on_progress=on_progress,
        )


def lookup_by_email(
    client: SalesforceClient,
    emails: list[str],
    counts: PushCounts,
    *,
    fields: dict[str, list[str]],
) -> dict[str, dict]:
    """Existing Leads (not converted) and Contacts by email: ``{email: record}``, each
    record with ``fields[object]`` (what the first match merges: connector.merge).

    Several records with one email: the oldest (CreatedDate, then Id) wins and
    the collision is recorded.
    """
    emails = sorted({e.lower() for e in emails if e})
    if not emails:
        return {}
    queries: list[str] = []
    lead_fields = ", ".join(sorted({"Id", "Email", "CreatedDate", *fields["Lead"]}))
    contact_fields = ", ".join(sorted({"Id", "Email", "CreatedDate", *fields["Contact"]}))
    for chunk in in_lists(emails, max_values=LOOKUP_CHUNK, max_chars=LOOKUP_MAX_CHARS):
        queries.append(
            f"SELECT {lead_fields} FROM Lead "
            f"WHERE IsConverted = false AND Email IN ({chunk}) ORDER BY CreatedDate, Id"
        )
        queries.append(
            f"SELECT {contact_fields} FROM Contact WHERE Email IN ({chunk}) "
            "ORDER BY CreatedDate, Id"
        )
    found: dict[str, list[tuple[str, str, dict]]] = {}
    for pages in client.query_many([(soql, False) for soql in queries]):
        for page in pages:
            for record in page:
                if record.get("Email"):
                    found.setdefault(record["Email"].lower(), []).append(
                        (record["CreatedDate"], record["Id"], record)
                    )
    matches: dict[str, dict] = {}
    collisions = []
    for email, candidates in found.items():
        candidates.sort(key=lambda candidate: candidate[:2])
        _, sf_id, matches[email] = candidates[0]
        if len(candidates) > 1:
            collisions.append(
                EmailCollision(
                    email=email, chosen_id=sf_id, other_ids=[c[1] for c in candidates[1:]]
                )
            )
    if collisions:
        EmailCollision.objects.bulk_create(collisions)
        counts.collisions += len(collisions)
    return matches


def _record_outcomes(
    pairs: Sequence[tuple[int, dict]],
    results: list[RecordResult],
    batch: PushBatch,
    counts: PushCounts,
    *,
    creates: bool = False,
) -> None:
    """``creates``: the call created records (its results carry no ``created`` flag)."""
    for (pk, record), result in zip(pairs, results, strict=True):
        sf_object = record["attributes"]["type"]
        if "Id" not in record:
            batch.create_answered(pk)
        if result.success:
            created = result.created or creates
            batch.written(pk, created=created)
            if result.id and (result.created or "Id" not in record):
                batch.linked(pk, (sf_object, result.id))
            if created:
                counts.created += 1
            else:
                counts.updated += 1
        elif result.code == "CANNOT_UPDATE_CONVERTED_LEAD" and record.get("Id"):
            batch.lead_converted(pk, record["Id"])
        elif (
            result.code == "DUPLICATES_DETECTED"
            and "Id" not in record
            and len(result.duplicates) == 1
        ):
            batch.duplicate_matched(pk, result.duplicates[0])
        else:
            batch.failed(
                pk,
                Failure(
                    sf_object,
                    result.code,
                    owner_named(result.code, _message(result), tuple(result.fields), record),
                    tuple(result.fields),
                    record.get("Id", ""),
                ),
            )
    counts.progressed()


def _message(result: RecordResult) -> str:
    """Salesforce's message; for a duplicate rule, with the records it matched."""
    if not result.duplicates:
        return result.message
    matches = ", ".join(f"{sf_type} {sf_id}" for sf_type, sf_id in result.duplicates)
    return said(DUPLICATE_MATCHES, message=result.message, matches=matches)


def write_updates(
    client: SalesforceClient, updates: list[tuple[int, dict]], batch: PushBatch, counts: PushCounts
) -> None:
    _write_collections(client, updates, batch, counts, what="Update")


def write_creates(
    client: SalesforceClient,
    sobject: str,
    creates: list[tuple[int, dict]],
    batch: PushBatch,
    counts: PushCounts,
    *,
    assign: bool = False,
    sent_before: AbstractSet[int] = frozenset(),
) -> None:
    """New records, created: a record carrying the same external id is refused by
    Salesforce (DUPLICATE_VALUE) instead of being written onto. Those ``sent_before``
    (their create may have landed unseen) are upserted on the external id instead.
    ``assign``: new Leads go through the org's assignment rules (those with a mapped owner
    keep it). Bulk API 2.0 never runs them, so such a batch goes by Collections whatever its
    size."""
    assign = assign and sobject == "Lead"
    again = [(pk, record) for pk, record in creates if pk in sent_before]
    first = [(pk, record) for pk, record in creates if pk not in sent_before]
    _write_collections(
        client,
        again,
        batch,
        counts,
        what="Upsert",
        sobject=sobject,
        external_id_field=EXTERNAL_ID_FIELD,
        assign=assign,
    )
    if assign:
        # A Lead whose contact has a mapped owner keeps it: only the others are assigned.
        owned = [(pk, record) for pk, record in first if record.get(OWNER_FIELD)]
        first = [(pk, record) for pk, record in first if not record.get(OWNER_FIELD)]
        _write_collections(client, owned, batch, counts, what="Create", method="POST")
    if len(first) >= BULK_THRESHOLD and not assign:
        try:
            _bulk_insert(client, sobject, first, batch, counts)
        except LimitReached:
            raise
        except RecoverableError as error:
            logger.warning("Bulk insert of %d records postponed: %s", len(first), error.code)
        return
    _write_collections(client, first, batch, counts, what="Create", method="POST", assign=assign)


def _write_collections(
    client: SalesforceClient,
    pairs: list[tuple[int, dict]],
    batch: PushBatch,
    counts: PushCounts,
    *,
    what: str,
    method: str = "PATCH",
    sobject: str | None = None,
    external_id_field: str | None = None,
    assign: bool = False,
) -> None:
    """sObject Collections calls of 200; a call that fails recoverably leaves its records due.
    Only ``assign`` lets Salesforce run assignment rules (never on updates)."""
    for chunk in chunks(pairs, COLLECTION_SIZE):
        try:
            results = client.collection(
                method,
                [record for _, record in chunk],
                sobject=sobject,
                external_id_field=external_id_field,
                assign=assign,
            )
        except LimitReached:
            raise
        except RecoverableError as error:
            logger.warning("%s of %d records postponed: %s", what, len(chunk), error.code)
            continue
        _record_outcomes(chunk, results, batch, counts, creates=method == "POST")


def _bulk_insert(
    client: SalesforceClient,
    sobject: str,
    creates: list[tuple[int, dict]],
    batch: PushBatch,
    counts: PushCounts,
) -> None:
    """One Bulk API 2.0 insert job; results are read back per external id (HubSync_Id__c)."""
    columns = sorted({key for _, record in creates for key in record if key != "attributes"})
    rows = [{column: record.get(column) or "" for column in columns} for _, record in creates]
    by_external_id = {record[EXTERNAL_ID_FIELD]: (pk, record) for pk, record in creates}

    jobs = client.call(
        lambda sf: bulk_handle(sf, sobject).insert(records=rows, wait=BULK_POLL_WAIT_S)
    )
    for job in jobs:
        job_id = job["job_id"]
        for row in bulk_job_rows(client, sobject, job_id, successful=True):
            pk, _ = by_external_id[row[EXTERNAL_ID_FIELD]]
            _record_outcomes(
                [(pk, {"attributes": {"type": sobject}})],
                [RecordResult(success=True, id=row["sf__Id"], created=True)],
                batch,
                counts,
            )
        for row in bulk_job_rows(client, sobject, job_id, successful=False):
            pk, _ = by_external_id[row[EXTERNAL_ID_FIELD]]
            code, message, fields = bulk_error(row.get("sf__Error", ""))
            message = owner_named(code, message, fields, row)
            batch.failed(pk, Failure(sobject, code, message, fields))
            batch.create_answered(pk)


def owner_named(code: str, message: str, fields: tuple[str, ...], record: dict) -> str:
    """An owner Salesforce refused (inactive, ``INACTIVE_OWNER_OR_USER``, or unknown) is
    named: the page says which user to fix (the match, or the user in Salesforce)."""
    owner = record.get(OWNER_FIELD) or ""
    if not owner or not (
        code == "INACTIVE_OWNER_OR_USER"
        or (code == "INVALID_CROSS_REFERENCE_KEY" and OWNER_FIELD in fields)
    ):
        return message
    name = salesforce_user_names([owner]).get(owner) or owner
    return said(OWNER_REFUSED, message=message, user=name, id=owner)


def bulk_error(text: str) -> tuple[str, str, tuple[str, ...]]:
    """A Bulk API failed result's ``sf__Error``: ``CODE:message:Field1,Field2 --`` (the
    fields may be empty: ``CODE:message:--``) → code, message, fields."""
    code, _, rest = text.partition(":")
    rest = rest.strip()
    fields: tuple[str, ...] = ()
    if rest.endswith("--"):
        body, sep, tail = rest[:-2].rstrip().rpartition(":")
        if sep:
            rest = body
            fields = tuple(name.strip() for name in tail.split(",") if name.strip())
    return code.strip(), rest.strip(), fields
