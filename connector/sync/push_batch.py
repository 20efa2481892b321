"""One claimed push batch's outcome, owned by this module.

The push (push.py) plans each contact; the writes (push_writes.py) and the moves
(push_moves.py) report what Salesforce answered; settling (push.py) reads the outcome.
They change it only through :class:`PushBatch`'s methods: everything it exposes is a
read-only view (``Mapping``, ``AbstractSet``), so the type checker refuses any other write.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from collections.abc import Set as AbstractSet
from datetime import datetime

from .failures import Failure


class PushBatch:
    """The outcome of one claimed batch, filled in as calls return."""

    def __init__(self, *, token: str, versions: Mapping[int, datetime]) -> None:
        self.token = token
        self._versions = dict(versions)
        self._succeeded: dict[int, datetime] = {}
        self._failures: dict[int, Failure] = {}
        self._links: dict[int, tuple[str, str]] = {}
        self._unsettled: set[int] = set()
        self._sent_fields: dict[int, list[str]] = {}
        self._targets: dict[int, tuple[str, str]] = {}
        self._created: set[int] = set()
        self._duplicate_matches: dict[int, tuple[str, str]] = {}
        self._duplicate_linked: set[int] = set()
        self._moved: set[int] = set()
        self._converted_leads: dict[int, str] = {}
        self._creates_answered: set[int] = set()
        self._bases: dict[int, dict[str, str]] = {}

    # -- what happened (read-only) ---------------------------------------------------
    @property
    def versions(self) -> Mapping[int, datetime]:
        """Each claimed contact's version (``updated_at``) when it was claimed."""
        return self._versions

    @property
    def succeeded(self) -> Mapping[int, datetime]:
        """Contacts in sync now, with the version that is."""
        return self._succeeded

    @property
    def failures(self) -> Mapping[int, Failure]:
        return self._failures

    @property
    def links(self) -> Mapping[int, tuple[str, str]]:
        """Contacts linked to a record in this batch: (object, id)."""
        return self._links

    @property
    def unsettled(self) -> AbstractSet[int]:
        """Contacts whose write was sent (an answer may still be missing)."""
        return self._unsettled

    @property
    def sent_fields(self) -> Mapping[int, list[str]]:
        return self._sent_fields

    @property
    def targets(self) -> Mapping[int, tuple[str, str]]:
        """The record each planned contact goes to: (object, id; "" for a new one)."""
        return self._targets

    @property
    def created(self) -> AbstractSet[int]:
        return self._created

    @property
    def duplicate_matches(self) -> Mapping[int, tuple[str, str]]:
        """A new record the org's duplicate rule matched to exactly one existing record."""
        return self._duplicate_matches

    @property
    def duplicate_linked(self) -> AbstractSet[int]:
        return self._duplicate_linked

    @property
    def moved(self) -> AbstractSet[int]:
        """Linked to another record: due again."""
        return self._moved

    @property
    def converted_leads(self) -> Mapping[int, str]:
        """Linked Leads Salesforce refused as converted: contact → Lead id."""
        return self._converted_leads

    @property
    def creates_answered(self) -> AbstractSet[int]:
        """Contacts whose create Salesforce answered, record by record (created or refused):
        their create is no longer possibly landed unseen (ContactSyncState.create_sent)."""
        return self._creates_answered

    @property
    def bases(self) -> Mapping[int, dict[str, str]]:
        """Each contact's base once its write succeeds (ContactSyncState.synced_values)."""
        return self._bases

    # -- the push plans ----------------------------------------------------------------
    def rewritten(self, versions: Mapping[int, datetime]) -> None:
        """These contacts took Salesforce's values first (a first match by email): their
        new version is what the write sends."""
        self._versions.update(versions)

    def planned(
        self,
        pk: int,
        *,
        target: tuple[str, str],
        base: dict[str, str],
        sent_fields: list[str] | None,
    ) -> None:
        """``pk`` goes to ``target`` with ``sent_fields`` (None: nothing to send, in sync
        without a call)."""
        self._bases[pk] = base
        self._targets[pk] = target
        if sent_fields is None:
            self._succeeded[pk] = self._versions[pk]
        else:
            self._sent_fields[pk] = sent_fields

    def sending(self, contact_ids: Iterable[int]) -> None:
        """These contacts' writes go out now."""
        self._unsettled = set(contact_ids)

    # -- Salesforce answers --------------------------------------------------------------
    def linked(self, pk: int, record: tuple[str, str]) -> None:
        """``pk`` is linked to ``record`` (a match by email, or the record it created)."""
        self._links[pk] = record

    def written(self, pk: int, *, created: bool) -> None:
        self._succeeded[pk] = self._versions[pk]
        if created:
            self._created.add(pk)

    def failed(self, pk: int, failure: Failure) -> None:
        self._failures[pk] = failure

    def create_answered(self, pk: int) -> None:
        self._creates_answered.add(pk)

    def lead_converted(self, pk: int, lead_id: str) -> None:
        self._converted_leads[pk] = lead_id

    def duplicate_matched(self, pk: int, record: tuple[str, str]) -> None:
        self._duplicate_matches[pk] = record

    # -- records moved meanwhile ---------------------------------------------------------
    def followed(self, contact_ids: Iterable[int]) -> None:
        """These contacts follow another record now (a conversion): due again."""
        self._moved.update(contact_ids)

    def duplicate_link(self, pk: int, record: tuple[str, str]) -> None:
        """Linked to the one record the duplicate rule matched: due again, to update it."""
        self._links[pk] = record
        self._duplicate_linked.add(pk)
        self._moved.add(pk)
