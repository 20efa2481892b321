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
from array import array
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import IO, Any

from ..bulk_ingest import IngestJobWatch
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


# Over an even share of the records, what a job may carry: records a little larger than
# the first batch's then take no extra job.
SHARE_MARGIN = 1.1


def job_share(*, due: int, claimed: int, new: int, row_bytes: float, limit: int) -> int:
    """The bytes a job carries before it goes out, for a push of ``due`` contacts whose
    first batch had ``new`` new records (of ``claimed`` contacts) of ``row_bytes`` each: the
    new records split evenly over the fewest jobs the upload ``limit`` allows (jobs filled
    to the limit, a backfill of 2,000,000 contacts went as 960,000 + 940,000 + 100,000:
    Salesforce waited 40 s for the first, and the 940,000 results were read and settled
    after the org had nothing left to do). One job: the limit (it goes when the push ends)."""
    total = due * new / max(claimed, 1) * row_bytes
    jobs = math.ceil(total / limit)
    if jobs < 2:
        return limit
    return min(limit, int(total / jobs * SHARE_MARGIN))


def csv_lines(rows: Iterable[list[Any]]) -> bytes:
    text = io.StringIO()
    csv.writer(text, lineterminator="\n").writerows(rows)
    return text.getvalue().encode("utf-8")
