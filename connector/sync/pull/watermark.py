"""Watermarks on SystemModstamp: what each inbound query has read, saved as the pull goes on."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone

from ...models import SyncCursor
from ...soql import datetime_literal, parse_datetime

# A second of SystemModstamp this far in the past takes no more writes (see Watermark).
CLOSED_AFTER = timedelta(seconds=60)
MAX_BOUNDARY_IDS = 50_000
# Watermarked queries are read in SystemModstamp order: the watermark is saved a page at a
# time, so an interrupted pull resumes where it was; and the org can answer from its
# SystemModstamp index (without an order, the emulator scanned every row).
IN_ORDER = " ORDER BY SystemModstamp, Id"


class Watermark:
    """A watermark on SystemModstamp, saved as the pull goes on.

    Salesforce compares datetimes to the second, so a query ``>=`` the
    watermark's second reads that second again: records already seen there
    (``boundary``) are skipped. Once the second is CLOSED_AFTER in the past no
    write can still land in it, and the query starts at the next second.
    """

    def __init__(self, name: str) -> None:
        # Before the query that reads from it is sent (see save).
        self.opened_at = timezone.now()
        self._pages = 0
        self.row, _ = SyncCursor.objects.get_or_create(name=f"inbound:{name}")
        self.since = self.row.value
        self.newest = self.since
        self.boundary: set[str] = set(self.row.boundary_ids) if self.since else set()
        self.newest_ids: set[str] = set(self.boundary)

    def where(self, extra: str = "") -> str:
        clauses = [extra] if extra else []
        if self.since is not None:
            second = self.since.replace(microsecond=0)
            after = second + timedelta(seconds=1)
            # ">= the next second" is "> this second" however a server rounds milliseconds.
            start = after if after < timezone.now() - CLOSED_AFTER else second
            clauses.append(f"SystemModstamp >= {datetime_literal(start)}")
        return f" WHERE {' AND '.join(clauses)}" if clauses else ""

    def fresh(self, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The records not already read at the watermark's own second."""
        since = self.since
        if not self.boundary or since is None:
            return records
        return [r for r in records if not (r["Id"] in self.boundary and _at_or_before(r, since))]

    def saw(self, record: dict[str, Any]) -> None:
        stamp = parse_datetime(record.get("SystemModstamp"))
        if stamp is None:
            return
        if self.newest is None or stamp.replace(microsecond=0) > self.newest.replace(microsecond=0):
            self.newest_ids = set()
        if self.newest is None or stamp > self.newest:
            self.newest = stamp
        if stamp.replace(microsecond=0) == self.newest.replace(microsecond=0):
            self.newest_ids.add(record["Id"])

    def advance(self, page: list[dict[str, Any]]) -> None:
        """A page was applied: move past it and save (an interrupted pull resumes here).

        A page of an unordered read (Bulk API 2.0) is not saved: records stamped earlier may
        still come in a later page, so the watermark moves only when the read is done
        (:meth:`caught_up`); an interrupted first load starts over."""
        for record in page:
            self.saw(record)
        if not getattr(page, "unordered", False):
            self._pages += 1
            self.save()

    def caught_up(self, queried_at: datetime) -> None:
        """The query started at ``queried_at`` has been read to its end: nothing stamped
        before ``queried_at - CLOSED_AFTER`` can still come, so the watermark may move there.

        Without this a query that finds nothing (no Lead deleted for weeks, no Contacts)
        keeps an old watermark, or none, and the org searches ever more rows each cycle:
        at 200,000 Leads, the deleted-Leads query took most of an incremental cycle.
        (Like CLOSED_AFTER itself, this takes the two clocks to agree within a minute.)
        """
        floor = queried_at - CLOSED_AFTER
        if self.newest is None or self.newest < floor:
            self.newest = floor
            self.newest_ids = set()
        self.save()

    def started_if_new(self) -> None:
        """A first read with nothing found starts the watermark now."""
        if self.newest is None:
            self.newest = timezone.now()

    def save(self) -> None:
        """Save where the read has got to. A read of more than one page is a query cursor
        that holds the records' ids from the moment it was opened: a record changed while
        the pages are read moves to the end of SystemModstamp order, and is not read again
        if its place had been passed. So such a read moves the watermark no further than
        the query's opening (less CLOSED_AFTER, for the two clocks): what changed since is
        read again by the next cycle. (Seen: 2 of 10 Leads edited during a 6-minute read of
        1,980,000 records were never pulled; the watermark had moved past them.) A Bulk
        API 2.0 read (a first load) is a snapshot taken once, and is not held back."""
        newest, ids = self.newest, sorted(self.newest_ids)[:MAX_BOUNDARY_IDS]
        cap = self.opened_at - CLOSED_AFTER
        if self._pages > 1 and newest is not None and newest > cap:
            if self.since is not None and self.since >= cap:
                newest, ids = self.since, list(self.row.boundary_ids)  # no further back
            else:
                newest, ids = cap, []
        if newest != self.row.value or ids != self.row.boundary_ids:
            self.row.value = newest
            self.row.boundary_ids = ids
            self.row.save(update_fields=["value", "boundary_ids", "updated_at"])


def inbound_cursors_reset(*names: str) -> None:
    """Forget watermarks so the next cycle reads those objects again (a backfill)."""
    SyncCursor.objects.filter(name__in=[f"inbound:{name}" for name in names]).update(
        value=None, boundary_ids=[]
    )


def _at_or_before(record: dict[str, Any], moment: datetime) -> bool:
    stamp = parse_datetime(record["SystemModstamp"])
    return stamp is not None and stamp <= moment
