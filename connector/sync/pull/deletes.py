"""Leads and Contacts deleted in Salesforce (queryAll ``IsDeleted = true``).

The whole cycle's deletes are counted before any is applied, so the mass-delete
guard (connector.services.deletions) sees them all at once.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from ...services.deletions import deleted_records_apply, mass_delete_guard_trips
from .common import Pages, PullContext, Query
from .people import PEOPLE
from .watermark import IN_ORDER, Watermark


class DeletesPhase:
    def __init__(self, context: PullContext) -> None:
        self.context = context
        self.watermarks = {t: Watermark(f"{t}:deleted") for t in PEOPLE}
        self.queries: list[Query] = [
            (
                f"SELECT Id, SystemModstamp FROM {t}"
                f"{self.watermarks[t].where('IsDeleted = true')}{IN_ORDER}",
                True,
            )
            for t in PEOPLE
        ]
        self.cycle = uuid.uuid4().hex

    def _deletes_in_hubsync(self, object_type: str) -> bool:
        """The page's checkbox: delete the hubsync contact when its Lead/Contact is deleted."""
        settings = self.context.settings
        if object_type == "Lead":
            return settings.delete_when_lead_deleted
        return settings.delete_when_contact_deleted

    def apply(self, results: list[Pages], *, queried_at: datetime) -> None:
        fresh = {
            t: [(page, self.watermarks[t].fresh(page)) for page in pages]
            for t, pages in zip(PEOPLE, results, strict=True)
        }
        hold = mass_delete_guard_trips(
            salesforce_ids={
                t: [r["Id"] for _, records in pages for r in records]
                for t, pages in fresh.items()
                if self._deletes_in_hubsync(t)
            }
        )
        counts = self.context.counts
        for object_type, pages in fresh.items():
            watermark = self.watermarks[object_type]
            for page, records in pages:
                outcome = deleted_records_apply(
                    object_type=object_type,
                    salesforce_ids=[r["Id"] for r in records],
                    delete=self._deletes_in_hubsync(object_type),
                    hold=hold,
                    cycle=self.cycle,
                )
                counts.deleted += outcome.deleted
                counts.kept_unlinked += outcome.kept_unlinked
                counts.held_deletions += outcome.held
                watermark.advance(page)
            watermark.caught_up(queried_at)
