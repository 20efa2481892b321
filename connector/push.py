"""hubsync → Salesforce: push due contacts in batches.

Per batch of claimed contacts: one composite call looks up the unlinked ones
by email (Lead and Contact queries with IN lists), then the writes go out as
sObject Collections of 200 (update by Id for linked and matched records,
upsert on HubSync_Id__c for new ones) or, for at least BULK_THRESHOLD new
records, as one Bulk API 2.0 upsert job. Every record's outcome is recorded on
its own: one rejected record never sinks the batch.
"""

from __future__ import annotations

import csv
import io
import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import transaction

from marketing.models import Contact

from .bulk_writes import SYNC_EVENT_FIELDS, rows_insert
from .client import COLLECTION_SIZE, RecordResult, SalesforceClient
from .errors import ApiLimitReached, ConnectorError, RecoverableError
from .mappers import (
    EXTERNAL_ID_FIELD,
    MappingError,
    MappingSpec,
    contact_to_salesforce,
    hubsync_id,
)
from .models import (
    ContactSyncEvent,
    EmailCollision,
    IntegrationSettings,
    SyncDirection,
    SyncEventOutcome,
)
from .queue import (
    contact_states_claim,
    contact_states_failed,
    contact_states_release,
    contact_states_succeeded,
    contacts_link,
)

logger = logging.getLogger(__name__)

# Contacts claimed per batch: large enough that a backfill becomes one Bulk API job,
# bounded so a batch stays a few megabytes in memory.
CLAIM_BATCH = 10_000
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


@dataclass
class _Batch:
    """The outcome of one claimed batch, filled in as calls return."""

    token: str
    versions: dict[int, datetime]
    succeeded: dict[int, datetime] = field(default_factory=dict)
    failures: dict[int, tuple[str, str, str, tuple[str, ...], str]] = field(default_factory=dict)
    links: dict[int, tuple[str, str]] = field(default_factory=dict)
    unsettled: set[int] = field(default_factory=set)
    sent_fields: dict[int, list[str]] = field(default_factory=dict)
    targets: dict[int, tuple[str, str]] = field(default_factory=dict)
    created: set[int] = field(default_factory=set)


def contacts_push(
    *,
    client: SalesforceClient,
    integration_settings: IntegrationSettings,
    mappings: Sequence[MappingSpec],
    should_continue: Callable[[], bool],
    include_retries: bool = True,
    batch_size: int | None = None,
    on_progress: Callable[[PushCounts], None] | None = None,
) -> PushCounts:
    """Push every due contact (inside the inclusion list) until none is left.

    Checks ``should_continue`` at each batch boundary (the sync switched off).
    Raises ApiLimitReached (claims released, nothing lost) when the budget ends.
    """
    counts = PushCounts(on_progress=on_progress)
    while should_continue():
        token, ids = contact_states_claim(
            limit=batch_size or CLAIM_BATCH,
            inclusion_list=integration_settings.inclusion_list,
            include_retries=include_retries,
        )
        if not ids:
            break
        settled = _push_batch(
            client=client,
            integration_settings=integration_settings,
            mappings=mappings,
            token=token,
            contact_ids=ids,
            counts=counts,
        )
        if not settled:
            # Every write of the batch was postponed (Salesforce down, timing out): its
            # contacts are due again at once, so claiming on would resend them in a loop
            # that only the API limit ends. The next cycle takes them.
            break
    return counts


def _push_batch(
    *,
    client: SalesforceClient,
    integration_settings: IntegrationSettings,
    mappings: Sequence[MappingSpec],
    token: str,
    contact_ids: list[int],
    counts: PushCounts,
) -> int:
    """Push one claimed batch; returns how many of its contacts got an outcome."""
    properties = sorted({m.hubsync_property for m in mappings} | {"email"})
    contacts = list(
        Contact.objects.filter(pk__in=contact_ids).values(
            "pk", "updated_at", "salesforce_id", "salesforce_object", *properties
        )
    )
    batch = _Batch(token=token, versions={c["pk"]: c["updated_at"] for c in contacts})
    try:
        unlinked = [c for c in contacts if not c["salesforce_id"]]
        matches = _lookup_by_email(client, [c["email"] for c in unlinked], counts)
        updates: list[tuple[int, dict]] = []
        creates: list[tuple[int, dict]] = []
        new_type = integration_settings.new_record_type
        for contact in contacts:
            match = matches.get(contact["email"].lower()) if not contact["salesforce_id"] else None
            if match:
                counts.matched += 1
                batch.links[contact["pk"]] = match
            sf_object, sf_id = (
                (contact["salesforce_object"], contact["salesforce_id"])
                if contact["salesforce_id"]
                else match or (new_type, "")
            )
            try:
                record = contact_to_salesforce(
                    contact,
                    object_type=sf_object,
                    mappings=mappings,
                    picklists=integration_settings.state_country_picklists,
                    creating=not sf_id,
                )
            except MappingError as error:
                batch.failures[contact["pk"]] = (
                    sf_object,
                    error.code,
                    error.message,
                    error.fields,
                    sf_id,
                )
                continue
            batch.sent_fields[contact["pk"]] = sorted(record)
            batch.targets[contact["pk"]] = (sf_object, sf_id)
            record[EXTERNAL_ID_FIELD] = hubsync_id(contact["pk"])
            record["attributes"] = {"type": sf_object}
            if sf_id:
                record["Id"] = sf_id
                updates.append((contact["pk"], record))
            else:
                creates.append((contact["pk"], record))
        batch.unsettled = {pk for pk, _ in updates + creates}
        _write_updates(client, updates, batch, counts)
        _write_creates(client, new_type, creates, batch, counts)
    except ConnectorError:
        # The limit, or a failed email lookup: keep what got through and release the
        # rest at once (left claimed, it would wait out CLAIM_TTL).
        _settle(batch, counts)
        raise
    return _settle(batch, counts)


def _settle(batch: _Batch, counts: PushCounts) -> int:
    """Store every outcome; contacts with no outcome yet are released, still due."""
    with transaction.atomic():
        contacts_link(batch.links)
        contact_states_succeeded(token=batch.token, versions=batch.succeeded)
        contact_states_failed(token=batch.token, failures=batch.failures, versions=batch.versions)
        _record_events(batch)
    counts.failed += len(batch.failures)
    settled = set(batch.succeeded) | set(batch.failures)
    pending = [pk for pk in batch.versions if pk not in settled]
    counts.retried_later += len([pk for pk in pending if pk in batch.unsettled])
    contact_states_release(token=batch.token, contact_ids=pending)
    return len(settled)


def _record_events(batch: _Batch) -> None:
    """Each contact's sync history: what went to Salesforce, or why it did not."""
    rows = []
    for pk in batch.succeeded:
        sf_object, sf_id = batch.links.get(pk) or batch.targets.get(pk) or ("", "")
        outcome = SyncEventOutcome.CREATED if pk in batch.created else SyncEventOutcome.UPDATED
        fields = batch.sent_fields.get(pk, [])
        rows.append((pk, SyncDirection.OUTBOUND, sf_object, sf_id, fields, outcome, ""))
    rows += [
        (
            pk,
            SyncDirection.OUTBOUND,
            object_type,
            sf_id,
            batch.sent_fields.get(pk, []),
            SyncEventOutcome.FAILED,
            f"{code}: {message}",
        )
        for pk, (object_type, code, message, _fields, sf_id) in batch.failures.items()
    ]
    # One executemany: bulk_create took longer than Salesforce's side of a 10,000-contact batch.
    rows_insert(ContactSyncEvent, SYNC_EVENT_FIELDS, rows)


def _soql_in(values: Iterable[str]) -> str:
    escaped = (v.replace("\\", "\\\\").replace("'", "\\'") for v in values)
    return ", ".join(f"'{v}'" for v in escaped)


def _soql_in_lists(values: list[str]) -> Iterable[str]:
    """``values`` as SOQL IN lists of at most LOOKUP_CHUNK values and LOOKUP_MAX_CHARS."""
    chunk: list[str] = []
    size = 0
    for value in values:
        quoted = _soql_in([value])
        if chunk and (len(chunk) >= LOOKUP_CHUNK or size + len(quoted) + 2 > LOOKUP_MAX_CHARS):
            yield ", ".join(chunk)
            chunk, size = [], 0
        chunk.append(quoted)
        size += len(quoted) + 2
    if chunk:
        yield ", ".join(chunk)


def _lookup_by_email(
    client: SalesforceClient, emails: list[str], counts: PushCounts
) -> dict[str, tuple[str, str]]:
    """Existing Leads (not converted) and Contacts by email: ``{email: (object, id)}``.

    Several records with one email: the oldest (CreatedDate, then Id) wins and
    the collision is recorded.
    """
    emails = sorted({e.lower() for e in emails if e})
    if not emails:
        return {}
    queries: list[str] = []
    for chunk in _soql_in_lists(emails):
        queries.append(
            "SELECT Id, Email, CreatedDate FROM Lead "
            f"WHERE IsConverted = false AND Email IN ({chunk}) ORDER BY CreatedDate, Id"
        )
        queries.append(
            f"SELECT Id, Email, CreatedDate FROM Contact WHERE Email IN ({chunk}) "
            "ORDER BY CreatedDate, Id"
        )
    found: dict[str, list[tuple[str, str, str]]] = {}
    for pages in client.query_many([(soql, False) for soql in queries]):
        for page in pages:
            for record in page:
                if record.get("Email"):
                    found.setdefault(record["Email"].lower(), []).append(
                        (record["CreatedDate"], record["attributes"]["type"], record["Id"])
                    )
    matches: dict[str, tuple[str, str]] = {}
    collisions = []
    for email, candidates in found.items():
        candidates.sort()
        _, sf_object, sf_id = candidates[0]
        matches[email] = (sf_object, sf_id)
        if len(candidates) > 1:
            collisions.append(
                EmailCollision(
                    email=email, chosen_id=sf_id, other_ids=[c[2] for c in candidates[1:]]
                )
            )
    if collisions:
        EmailCollision.objects.bulk_create(collisions)
        counts.collisions += len(collisions)
    return matches


def _chunks(items: list, size: int) -> Iterable[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _record_outcomes(
    pairs: list[tuple[int, dict]], results: list[RecordResult], batch: _Batch, counts: PushCounts
) -> None:
    for (pk, record), result in zip(pairs, results, strict=True):
        sf_object = record["attributes"]["type"]
        if result.success:
            batch.succeeded[pk] = batch.versions[pk]
            if result.id and (result.created or "Id" not in record):
                batch.links[pk] = (sf_object, result.id)
            if result.created:
                counts.created += 1
                batch.created.add(pk)
            else:
                counts.updated += 1
        else:
            batch.failures[pk] = (
                sf_object,
                result.code,
                result.message,
                result.fields,
                record.get("Id", ""),
            )
    counts.progressed()


def _write_updates(
    client: SalesforceClient, updates: list[tuple[int, dict]], batch: _Batch, counts: PushCounts
) -> None:
    _write_collections(client, updates, batch, counts, what="Update")


def _write_creates(
    client: SalesforceClient,
    sobject: str,
    creates: list[tuple[int, dict]],
    batch: _Batch,
    counts: PushCounts,
) -> None:
    if len(creates) >= BULK_THRESHOLD:
        try:
            _bulk_upsert(client, sobject, creates, batch, counts)
        except ApiLimitReached:
            raise
        except RecoverableError as error:
            logger.warning("Bulk upsert of %d records postponed: %s", len(creates), error.code)
        return
    _write_collections(
        client,
        creates,
        batch,
        counts,
        what="Upsert",
        sobject=sobject,
        external_id_field=EXTERNAL_ID_FIELD,
    )


def _write_collections(
    client: SalesforceClient,
    pairs: list[tuple[int, dict]],
    batch: _Batch,
    counts: PushCounts,
    *,
    what: str,
    sobject: str | None = None,
    external_id_field: str | None = None,
) -> None:
    """sObject Collections calls of 200; a call that fails recoverably leaves its records due."""
    for chunk in _chunks(pairs, COLLECTION_SIZE):
        try:
            results = client.collection(
                "PATCH",
                [record for _, record in chunk],
                sobject=sobject,
                external_id_field=external_id_field,
            )
        except ApiLimitReached:
            raise
        except RecoverableError as error:
            logger.warning("%s of %d records postponed: %s", what, len(chunk), error.code)
            continue
        _record_outcomes(chunk, results, batch, counts)


def _bulk_upsert(
    client: SalesforceClient,
    sobject: str,
    creates: list[tuple[int, dict]],
    batch: _Batch,
    counts: PushCounts,
) -> None:
    """One Bulk API 2.0 upsert job on HubSync_Id__c; results are read back per external id."""
    columns = sorted({key for _, record in creates for key in record if key != "attributes"})
    rows = [{column: record.get(column) or "" for column in columns} for _, record in creates]
    by_external_id = {record[EXTERNAL_ID_FIELD]: (pk, record) for pk, record in creates}

    # sf.bulk2 keeps the session id it was built with: take a fresh handler in every call,
    # so that the client's re-login after an expired session reaches Bulk too.
    def bulk(sf):  # type: ignore[no-untyped-def]
        return getattr(sf.bulk2, sobject)

    jobs = client.call(
        lambda sf: bulk(sf).upsert(
            records=rows, external_id_field=EXTERNAL_ID_FIELD, wait=BULK_POLL_WAIT_S
        )
    )
    for job in jobs:
        job_id = job["job_id"]
        successful = client.call(lambda sf, j=job_id: bulk(sf).get_successful_records(j))
        for row in _csv_rows(successful):
            pk, _ = by_external_id[row[EXTERNAL_ID_FIELD]]
            created = row.get("sf__Created", "").lower() == "true"
            _record_outcomes(
                [(pk, {"attributes": {"type": sobject}})],
                [RecordResult(success=True, id=row["sf__Id"], created=created)],
                batch,
                counts,
            )
        failed = client.call(lambda sf, j=job_id: bulk(sf).get_failed_records(j))
        for row in _csv_rows(failed):
            pk, _ = by_external_id[row[EXTERNAL_ID_FIELD]]
            code, _, message = row.get("sf__Error", "").partition(":")
            batch.failures[pk] = (sobject, code.strip(), message.strip(), (), "")


def _csv_rows(text: str) -> list[dict[str, Any]]:
    return list(csv.DictReader(io.StringIO(text))) if text and text.strip() else []
