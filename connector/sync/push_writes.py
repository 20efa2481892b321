"""The writes of a push batch: sObject Collections, and Bulk API 2.0 inserts' outcomes.

Each function fills a :class:`PushBatch` with every record's outcome as calls return;
a call that fails recoverably leaves its records without an outcome (due again).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field

from ..client import COLLECTION_SIZE, RecordResult, SalesforceClient
from ..errors import LimitReached, RecoverableError
from ..mappers import EXTERNAL_ID_FIELD, OWNER_FIELD
from ..messages import DUPLICATE_MATCHES, OWNER_REFUSED, said
from ..owners import salesforce_user_names
from ..soql import chunks
from .failures import Failure
from .push_batch import PushBatch

logger = logging.getLogger(__name__)

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

    def add(self, other: PushCounts) -> None:
        """Count ``other``'s figures in too."""
        for name, value in other.__dict__.items():
            if isinstance(value, int):
                setattr(self, name, getattr(self, name) + value)

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
    bulk: list[tuple[int, dict]] | None = None,
) -> None:
    """New records, created: a record carrying the same external id is refused by
    Salesforce (DUPLICATE_VALUE) instead of being written onto. Those ``sent_before``
    (their create may have landed unseen) are upserted on the external id instead.
    ``assign``: new Leads go through the org's assignment rules (those with a mapped owner
    keep it). Bulk API 2.0 never runs them, so such a batch goes by Collections whatever its
    size. Otherwise at least BULK_THRESHOLD first creates are added to ``bulk``, for a
    Bulk API 2.0 insert job (push_spool)."""
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
    if bulk is not None and len(first) >= BULK_THRESHOLD and not assign:
        bulk.extend(first)
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


def bulk_outcomes_record(
    sobject: str,
    batch: PushBatch,
    counts: PushCounts,
    successes: Sequence[tuple[int, str]],
    failures: Sequence[tuple[int, str, str]],
) -> None:
    """A Bulk API 2.0 insert job's results for ``batch``: ``successes`` (contact, new Id),
    ``failures`` (contact, ``sf__Error``, the OwnerId it carried)."""
    _record_outcomes(
        [(pk, {"attributes": {"type": sobject}}) for pk, _ in successes],
        [RecordResult(success=True, id=sf_id, created=True) for _, sf_id in successes],
        batch,
        counts,
    )
    for pk, error, owner in failures:
        code, message, fields = bulk_error(error)
        message = owner_named(code, message, fields, {OWNER_FIELD: owner})
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
