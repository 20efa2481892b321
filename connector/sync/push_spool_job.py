"""An insert job of the push spool (push_spool.py): its CSV on disk until sent, and the
claimed batches waiting for its results, each pickled on disk with its own results file."""

from __future__ import annotations

import bisect
import csv
import io
import math
import pickle
import sys
import tempfile
import time
import uuid
from array import array
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import IO, Any

from ..bulk_ingest import IngestJobWatch
from ..mappers import EXTERNAL_ID_FIELD, OWNER_FIELD
from .push_batch import PushBatch


@dataclass
class WaitingBatch:
    """A claimed batch waiting for its job's results, on disk; ``answered`` counts the
    result rows recorded of the ``sent`` records it put in the job."""

    token: str
    state: IO[bytes]  # the pickled PushBatch
    sent: int = 0
    answered: int = 0
    parked_at: float = field(default_factory=time.time)
    results: IO[str] = field(
        default_factory=lambda: tempfile.TemporaryFile("w+", newline="")  # noqa: SIM115 — closed by settling
    )


class InsertJob:
    """One insert job's CSV (on disk, until sent) and the batches waiting for it, with the
    contacts each batch sent (sorted arrays: 8 bytes a contact, about 6 MB for a full job)."""

    def __init__(self, columns: list[str]) -> None:
        self.columns = columns
        self.file: IO[bytes] = tempfile.TemporaryFile()  # noqa: SIM115 — closed once sent
        self.file.write(csv_lines([columns]))
        self.records = 0
        self.waiting: dict[str, WaitingBatch] = {}
        self.watch: IngestJobWatch | None = None
        self.reading = False
        self._sent: dict[str, array[int]] = {}
        self._ranges: list[tuple[int, int, str]] = []  # (first, last contact, batch token)

    def size(self) -> int:
        return self.file.tell()

    def add(self, batch: PushBatch, rows: bytes, contacts: list[int]) -> None:
        self.file.write(rows)
        self.records += len(contacts)
        state = tempfile.TemporaryFile()  # noqa: SIM115 — closed by settling
        pickle.dump(batch, state, protocol=pickle.HIGHEST_PROTOCOL)
        self.waiting[batch.token] = WaitingBatch(batch.token, state, sent=len(contacts))
        sent = self._sent[batch.token] = array("q", sorted(contacts))
        bisect.insort(self._ranges, (sent[0], sent[-1], batch.token))

    def batch_of(self, contact: int) -> WaitingBatch | None:
        """The waiting batch that sent ``contact`` (None once every record it sent has a
        result). A backfill claims contacts in id order, so each batch's are a range of
        their own: one range to look in, as a rule."""
        at = bisect.bisect_right(self._ranges, (contact, sys.maxsize, "\uffff"))
        nearest = self._ranges[at - 1 : at] if at else []
        for _first, last, token in [*nearest, *self._ranges]:
            sent = self._sent[token]
            index = bisect.bisect_left(sent, contact)
            if contact <= last and index < len(sent) and sent[index] == contact:
                return self.waiting.get(token)
        return None

    def record(
        self, rows: list[dict[str, str]], contacts: dict[str, int], *, successful: bool
    ) -> list[WaitingBatch]:
        """Each result row (``contacts``: the contact of each external id) into the file
        of the batch that sent it; returns the batches whose every record now has its
        result (ready to settle: the caller takes them out of ``waiting``)."""
        answered = []
        for row in rows:
            pk = contacts.get(row[EXTERNAL_ID_FIELD], 0)
            waiting = self.batch_of(pk)
            if waiting is None:
                continue  # not a record this job sent (or not one still waiting)
            if successful:
                line = ["S", pk, row["sf__Id"], ""]
            else:
                line = ["F", pk, row.get("sf__Error", ""), row.get(OWNER_FIELD) or ""]
            csv.writer(waiting.results).writerow(line)
            waiting.answered += 1
            if waiting.answered == waiting.sent:
                waiting.results.flush()
                answered.append(waiting)
        return answered


# Over an even share of the records, what a job may carry: records a little larger than
# the first batch's then take no extra job.
SHARE_MARGIN = 1.1


def job_share(*, due: int, claimed: int, parked_bytes: int, limit: int) -> int:
    """The bytes a job carries before it goes out, for a push of ``due`` contacts whose
    ``claimed`` first ones put ``parked_bytes`` of new records into jobs: the new records
    (as many again, pro rata) split evenly over the fewest jobs the upload ``limit``
    allows. Filled to the limit, a backfill of 2,000,000 contacts went as 960,000 +
    940,000 + 100,000: Salesforce waited 40 s for the first, and the 940,000 results were
    read and settled once the org had nothing left to do. One job: the limit (it goes when
    the push ends)."""
    total = due * parked_bytes / max(claimed, 1)
    jobs = math.ceil(total / limit)
    if jobs < 2:
        return limit
    return min(limit, int(total / jobs * SHARE_MARGIN))


def csv_lines(rows: Iterable[list[Any]]) -> bytes:
    text = io.StringIO()
    csv.writer(text, lineterminator="\n").writerows(rows)
    return text.getvalue().encode("utf-8")


def uuid_or_none(text: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(text)
    except ValueError:
        return None  # not an id hubsync gave (the row is then nobody's)
