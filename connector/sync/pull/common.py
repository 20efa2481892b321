"""What every inbound phase shares: the cycle's context, its counts, and the history writer."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from marketing.models import Contact
from marketing.selectors import smart_list_contacts

from ...bulk_writes import TablesGrowth
from ...client import SalesforceClient
from ...mappers import MappingSpec
from ...models import ContactSyncEvent, ContactSyncState, IntegrationSettings
from ..failures import Failure, inbound_failure_record

# A SOQL query and whether it reads deleted records too (queryAll).
Query = tuple[str, bool]
# One query's pages (an iterator: later pages are fetched as it is read).
Pages = Iterable[list[dict[str, Any]]]


@dataclass
class PullCounts:
    read: int = 0  # records that changed in Salesforce (hubsync's own writes not included)
    echoes: int = 0  # hubsync's own writes read back: not a change from Salesforce
    created: int = 0
    updated: int = 0
    linked: int = 0
    not_created: int = 0
    outside_inclusion_list: int = 0
    collisions: int = 0
    deleted: int = 0
    kept_unlinked: int = 0
    converted: int = 0  # linked Leads converted: their contacts follow the new Contact
    merged: int = 0  # linked records merged away: their contacts follow the survivor
    reconciled: int = 0  # objects whose linked records were looked up (missed deletes)
    held_deletions: int = 0  # too many deletes at once: held for an admin (HeldDeletion)
    companies: int = 0
    opportunities: int = 0
    lifecycle_changes: int = 0
    errors: int = 0

    def as_dict(self) -> dict[str, int]:
        return {f"pull_{name}": value for name, value in self.__dict__.items()}


@dataclass(frozen=True)
class PullContext:
    """One cycle's inbound inputs, the same for every phase; ``counts`` is where they add up."""

    client: SalesforceClient
    settings: IntegrationSettings
    mappings: Sequence[MappingSpec]
    counts: PullCounts = field(default_factory=PullCounts)
    on_progress: Callable[[PullCounts], None] | None = None
    # The tables contacts created from Salesforce records grow (analyzed as they do).
    growth: TablesGrowth = field(
        default_factory=lambda: TablesGrowth([Contact, ContactSyncState, ContactSyncEvent])
    )

    def progressed(self) -> None:
        if self.on_progress is not None:
            self.on_progress(self.counts)

    def failed(self, contact_id: int | None, failure: Failure) -> None:
        """A Salesforce record hubsync cannot store: an open inbound sync error."""
        self.counts.errors += 1
        inbound_failure_record(contact_id=contact_id, failure=failure)


def inclusion_list_members(
    *, settings: IntegrationSettings, contact_ids: Iterable[int]
) -> set[int]:
    """Those of these contacts that may receive updates from Salesforce (the inclusion list).

    PRODUCT.md rule 8: contacts outside the list receive no updates from Salesforce
    (fields, company link, lifecycle stage) until they match again.
    """
    contact_ids = set(contact_ids)
    if settings.inclusion_list is None or not contact_ids:
        return contact_ids
    members = smart_list_contacts(smart_list=settings.inclusion_list)
    return set(members.filter(pk__in=contact_ids).values_list("pk", flat=True))


def contacts_mark_synced(contact_ids: Collection[int], version: datetime) -> None:
    """The sync wrote these contacts: not a change to push.

    Only for contacts in sync before; one with an edit still to push (due, or
    never pushed) stays due and sends the merged values.
    """
    if contact_ids:
        ContactSyncState.objects.filter(contact_id__in=contact_ids, due=False).update(
            synced_version=version
        )
