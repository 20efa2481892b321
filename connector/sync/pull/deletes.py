"""Leads and Contacts deleted in Salesforce (queryAll ``IsDeleted = true``).

A record deleted by a merge (``MasterRecordId`` set) is not a delete: its contact follows
the survivor. When the recycle bin can no longer answer for the time since the watermark
(or there is none while contacts are linked), the linked records are looked up instead
(:mod:`.reconcile`); with no watermark and nothing linked there is nothing to read — the
unselective ``IsDeleted = true`` over a whole large object is never sent. The whole
cycle's real deletes are counted before any is applied, so the mass-delete guard
(connector.services.deletions) sees them all at once.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from marketing.models import Contact

from ...models import SyncEventOutcome
from ...services.deletions import (
    deleted_records_apply,
    deleted_records_restored_meanwhile,
    mass_delete_guard_trips,
)
from ...soql import parse_datetime
from ..queue import contacts_reread
from ..relink import records_followed
from .common import Pages, PullContext, Query
from .people import PEOPLE
from .reconcile import (
    deleted_fields,
    deletes_checked,
    deletes_missed,
    linked_records_reconcile,
    reconciled_at,
)
from .watermark import IN_ORDER, Watermark

QUERY, RECONCILE, START = "query", "reconcile", "start"


class DeletesPhase:
    def __init__(self, context: PullContext) -> None:
        self.context = context
        self.watermarks = {t: Watermark(f"{t}:deleted") for t in PEOPLE}
        self.plan: dict[str, str] = {}
        self.asked: set[str] = set()  # getDeleted was asked: the daily check is done
        for t in PEOPLE:
            watermark = self.watermarks[t]
            missed, asked = deletes_missed(context.client, t, watermark)
            if asked:
                self.asked.add(t)
            if missed:
                self.plan[t] = RECONCILE
            else:
                self.plan[t] = QUERY if watermark.since is not None else START
        self.queried = [t for t in PEOPLE if self.plan[t] == QUERY]
        self.queries: list[Query] = [
            (
                f"SELECT {', '.join(deleted_fields(t))} FROM {t}"
                f"{self.watermarks[t].where('IsDeleted = true')}{IN_ORDER}",
                True,
            )
            for t in self.queried
        ]
        self.cycle = uuid.uuid4().hex
        # What apply() saw deleted or merged and decided, for apply_to_followed().
        self.deleted: dict[str, list[str]] = {}
        self.merged: dict[str, dict[str, str]] = {t: {} for t in PEOPLE}
        self.hold = False

    def _deletes_in_hubsync(self, object_type: str) -> bool:
        """The page's checkbox: delete the hubsync contact when its Lead/Contact is deleted."""
        settings = self.context.settings
        if object_type == "Lead":
            return settings.delete_when_lead_deleted
        return settings.delete_when_contact_deleted

    def apply(self, results: list[Pages], *, queried_at: datetime) -> None:
        # Each object's deletes as pages of ids, with what to do once a page is applied.
        pages: dict[str, list[tuple[list[str], list[dict] | None]]] = {}
        for t, query_pages in zip(self.queried, results, strict=True):
            watermark = self.watermarks[t]
            pages[t] = []
            for page in query_pages:
                merged, deleted = self._merged(watermark.fresh(page))
                self._merges_follow(t, merged)
                deleted = self._conversions_follow(t, page, deleted)
                # Restored and deleted again since hubsync kept its contact: linked again
                # first, so the new delete applies by today's options (and counts below).
                deleted_records_restored_meanwhile(object_type=t, deleted_at=_stamps(page, deleted))
                pages[t].append((deleted, page))
        for t in PEOPLE:
            if self.plan[t] == RECONCILE:
                found = linked_records_reconcile(self.context.client, t)
                self._merges_follow(t, found.merged)
                pages[t] = [(self._conversions_follow(t, found.records, found.deleted), None)]
        hold = mass_delete_guard_trips(
            salesforce_ids={
                t: [sf_id for ids, _ in object_pages for sf_id in ids]
                for t, object_pages in pages.items()
                if self._deletes_in_hubsync(t)
            }
        )
        self.hold = hold
        self.deleted = {t: [sf_id for ids, _ in pages.get(t, []) for sf_id in ids] for t in PEOPLE}
        counts = self.context.counts
        for t in PEOPLE:
            watermark = self.watermarks[t]
            for ids, read_page in pages.get(t, []):
                outcome = deleted_records_apply(
                    object_type=t,
                    salesforce_ids=ids,
                    delete=self._deletes_in_hubsync(t),
                    hold=hold,
                    cycle=self.cycle,
                )
                counts.deleted += outcome.deleted
                counts.kept_unlinked += outcome.kept_unlinked
                counts.held_deletions += outcome.held
                if read_page is not None:
                    watermark.advance(read_page)
            if self.plan[t] == QUERY:
                watermark.caught_up(queried_at)
            else:  # everything linked was looked up (or nothing was linked): start from now
                reconciled_at(watermark, queried_at)
            if t in self.asked or self.plan[t] == RECONCILE:
                deletes_checked(t, queried_at)
            counts.reconciled += self.plan[t] == RECONCILE
        # Records whose contact is still linked now are held (the mass-delete guard): not
        # a contact that came to follow one later.
        for t, ids in self.deleted.items():
            held = set(
                Contact.objects.filter(salesforce_object=t, salesforce_id__in=ids).values_list(
                    "salesforce_id", flat=True
                )
            )
            self.deleted[t] = [sf_id for sf_id in ids if sf_id not in held]

    def apply_to_followed(self) -> set[int]:
        """The merges and deletes read this cycle, again, for contacts that came to follow a
        merged-away or deleted record only afterwards (the people phase, read after the
        deletes, followed a Lead's conversion into a Contact that was merged or deleted
        meanwhile; a survivor merged away in turn): else they would stay linked to a dead
        record for good. A contact already handled is linked to none of them. Returns the
        contacts that followed a survivor (read next cycle)."""
        moved: set[int] = set()
        for _ in range(sum(len(merged) for merged in self.merged.values())):
            now = set().union(*(self._merges_follow(t, m) for t, m in self.merged.items()))
            if not now:
                break
            moved |= now
        # The people phase has read this cycle's records: the survivors are read next cycle.
        contacts_reread(moved)
        counts = self.context.counts
        for t, ids in self.deleted.items():
            if not ids:
                continue
            outcome = deleted_records_apply(
                object_type=t,
                salesforce_ids=ids,
                delete=self._deletes_in_hubsync(t),
                hold=self.hold,
                cycle=self.cycle,
            )
            counts.deleted += outcome.deleted
            counts.kept_unlinked += outcome.kept_unlinked
            counts.held_deletions += outcome.held
        return moved

    @staticmethod
    def _merged(records: list[dict]) -> tuple[dict[str, str], list[str]]:
        merged = {r["Id"]: r["MasterRecordId"] for r in records if r.get("MasterRecordId")}
        return merged, [r["Id"] for r in records if not r.get("MasterRecordId")]

    def _conversions_follow(
        self, object_type: str, records: list[dict], ids: list[str]
    ) -> list[str]:
        """Of these deleted records, the converted Leads (deleted after their conversion,
        before a cycle read it): not their contacts' records any more, so no delete for
        them; their contacts follow the new Contacts. Returns the other ids."""
        if object_type != "Lead":
            return ids
        wanted = set(ids)
        converted = {
            r["Id"]: r["ConvertedContactId"]
            for r in records
            if r["Id"] in wanted and r.get("IsConverted") and r.get("ConvertedContactId")
        }
        if not converted:
            return ids
        followed = records_followed(
            "Lead",
            {lead: ("Contact", contact) for lead, contact in converted.items()},
            outcome=SyncEventOutcome.CONVERTED,
        )
        self.context.counts.converted += len(followed)
        return [sf_id for sf_id in ids if sf_id not in converted]

    def _merges_follow(self, object_type: str, merged: dict[str, str]) -> set[int]:
        """Contacts of merged-away records (``{loser: survivor}``) follow the survivor;
        returns those that moved."""
        self.merged[object_type].update(merged)
        followed = records_followed(
            object_type,
            {loser: (object_type, survivor) for loser, survivor in merged.items()},
            outcome=SyncEventOutcome.MERGED,
        )
        self.context.counts.merged += len(followed)
        return followed


def _stamps(records: list[dict], ids: list[str]) -> dict[str, datetime]:
    """When each of these deleted records was deleted (its SystemModstamp)."""
    wanted = set(ids)
    return {
        r["Id"]: stamp
        for r in records
        if r["Id"] in wanted and (stamp := parse_datetime(r.get("SystemModstamp"))) is not None
    }
