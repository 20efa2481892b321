"""New records of many claimed batches in one Bulk API 2.0 insert job.

A job costs the same few calls whatever its size, up to the 100 MB an upload may carry: a
backfill of 2,000,000 contacts pushed as one job per 10,000-contact batch took 1,800
calls. Here each claimed batch is planned and its other writes sent as before; its new
records are appended to the job's CSV on disk and the batch itself (its
:class:`PushBatch`) waits on disk too, so a worker holds one batch in memory however large
the job. A full job goes to Salesforce, and the lanes fill the next one while Salesforce
processes it; the job's results are read when the next one has been sent (or when the push
ends) and each waiting batch gets its records' outcomes and settles as before.

Every batch that waits ends settled: with its results, or, when the job cannot run (the API
limit, Salesforce down), without them — its contacts are released, still due, and their
creates marked as sent: the next try upserts them on HubSync_Id__c.
"""

from __future__ import annotations

import csv
import io
import logging
import pickle
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import IO, Any

from ..bulk_ingest import UPLOAD_MAX_BYTES, ingest_job_start, ingest_job_wait, ingest_results
from ..client import SalesforceClient
from ..errors import LimitReached, RecoverableError
from ..mappers import EXTERNAL_ID_FIELD, OWNER_FIELD
from ..models import ContactSyncState
from .push_batch import PushBatch
from .push_writes import PushCounts, bulk_outcomes_record

logger = logging.getLogger(__name__)

# A claimed batch's outcome once its job's results are in: follow moves, then settle.
BatchFinisher = Callable[[PushBatch, PushCounts], int]


@dataclass
class _Waiting:
    """A claimed batch waiting for its job's results, on disk."""

    state: IO[bytes]  # the pickled PushBatch
    results: IO[str] = field(
        default_factory=lambda: tempfile.TemporaryFile("w+", newline="")  # noqa: SIM115 — closed by _Job.close
    )


class _Job:
    """One insert job's CSV (on disk) and the batches waiting for it."""

    def __init__(self, columns: list[str]) -> None:
        self.columns = columns
        self.file: IO[bytes] = tempfile.TemporaryFile()  # noqa: SIM115 — closed by close()
        self.file.write(_csv_lines([columns]))
        self.records = 0
        self.waiting: dict[str, _Waiting] = {}
        self.job_id = ""
        self.closed_at = 0.0

    def size(self) -> int:
        return self.file.tell()

    def add(self, batch: PushBatch, rows: bytes, records: int) -> None:
        self.file.write(rows)
        self.records += records
        state = tempfile.TemporaryFile()  # noqa: SIM115 — closed by close()
        pickle.dump(batch, state, protocol=pickle.HIGHEST_PROTOCOL)
        self.waiting[batch.token] = _Waiting(state)

    def close(self) -> None:
        self.file.close()
        for waiting in self.waiting.values():
            waiting.state.close()
            waiting.results.close()


class BulkInsertSpool:
    """The insert jobs of one push, shared by its lanes (one lock, held to add a batch or
    to send a job; reading a job's results and settling its batches happen outside it)."""

    def __init__(self, client: SalesforceClient, sobject: str, finish: BatchFinisher) -> None:
        self.client = client
        self.sobject = sobject
        self._finish_batch = finish
        self._lock = threading.Lock()
        self._filling: _Job | None = None
        self._running: _Job | None = None
        self.jobs = 0
        # A job Salesforce would not run: the lanes stop (the next cycle tries again).
        self.broken = False

    def park(self, batch: PushBatch, creates: list[tuple[int, dict]], counts: PushCounts) -> None:
        """``creates`` (contact, record) go into the job being filled; ``batch`` waits on
        disk for the job's results. A lane whose batch fills the job sends it, then reads
        the job sent before it and settles its batches, outside the lock: the other lanes
        fill the next job meanwhile."""
        columns = sorted({key for _, record in creates for key in record if key != "attributes"})
        to_read: list[_Job] = []
        with self._lock:
            job = self._filling
            if job is not None and not set(columns) <= set(job.columns):
                to_read += self._send(counts)  # a column the job's CSV lacks: a job of its own
                job = None
            header = job.columns if job is not None else columns
            rows = _csv_lines(
                [record.get(column) or "" for column in header] for _, record in creates
            )
            if job is not None and job.size() + len(rows) > UPLOAD_MAX_BYTES:
                to_read += self._send(counts)
                job = None
            if job is None:
                job = self._filling = _Job(header)
            job.add(batch, rows, len(creates))
        self._read_all(to_read, counts)

    def finish(self, counts: PushCounts) -> None:
        """The push is done: send the job being filled and settle every waiting batch."""
        with self._lock:
            to_read = self._send(counts) if self._filling is not None else []
            if self._running is not None:
                to_read.append(self._running)
                self._running = None
        self._read_all(to_read, counts)

    def _read_all(self, jobs: list[_Job], counts: PushCounts) -> None:
        """Read each job in turn; if one ends on an error, the others settle as they are."""
        for index, job in enumerate(jobs):
            try:
                self._read(job, counts)
            except BaseException:
                for later in jobs[index + 1 :]:
                    self._settle(later, counts)
                raise

    def abandon(self, counts: PushCounts) -> None:
        """The push ends on an error: every batch still waiting settles as it is (its
        contacts without a result are released, due again). A job a lane is reading is that
        lane's to settle."""
        with self._lock:
            for job in (self._running, self._filling):
                if job is not None:
                    self._settle(job, counts)
            self._running = self._filling = None

    def _send(self, counts: PushCounts) -> list[_Job]:
        """(Inside the lock.) Upload the job being filled; returns the one sent before it,
        for the caller to read once it has let go of the lock (Salesforce has had the
        filling's time to process it: as a rule one poll finds it done)."""
        job, self._filling = self._filling, None
        previous, self._running = self._running, None
        assert job is not None
        try:
            job.job_id = ingest_job_start(self.client, self.sobject, job.file)
            job.closed_at = time.monotonic()
            self.jobs += 1
            logger.info(
                "Bulk insert job %s: %d %s records, %d bytes",
                job.job_id,
                job.records,
                self.sobject,
                job.size(),
            )
            self._running = job
        except LimitReached:
            self._settle(job, counts)
            if previous is not None:
                self._settle(previous, counts)
            raise
        except RecoverableError as error:
            logger.warning("Bulk insert of %d records postponed: %s", job.records, error.code)
            self.broken = True
            self._settle(job, counts)
        return [previous] if previous is not None else []

    def _read(self, job: _Job, counts: PushCounts) -> None:
        """Wait for ``job`` to end, record its results and settle its batches."""
        try:
            info = ingest_job_wait(
                self.client,
                self.sobject,
                job.job_id,
                records=job.records,
                closed_at=job.closed_at,
            )
            self._results(job, successful=True)
            if int(info.get("numberRecordsFailed") or 0):
                self._results(job, successful=False)
        except LimitReached:
            raise
        except RecoverableError as error:
            logger.warning("Bulk insert job %s: results not read: %s", job.job_id, error.code)
            self.broken = True
        finally:
            self._settle(job, counts)

    def _results(self, job: _Job, *, successful: bool) -> None:
        """Each result row goes to its batch's file, found by the contact's external id."""
        for rows in ingest_results(self.client, self.sobject, job.job_id, successful=successful):
            claims = {
                str(external_id): (pk, token)
                for external_id, pk, token in ContactSyncState.objects.filter(
                    contact__external_id__in=[_uuid(row[EXTERNAL_ID_FIELD]) for row in rows]
                ).values_list("contact__external_id", "contact_id", "claim_token")
            }
            for row in rows:
                pk, token = claims.get(row[EXTERNAL_ID_FIELD], (0, ""))
                waiting = job.waiting.get(token)
                if waiting is None:
                    continue  # not claimed by this push any more (a claim taken over)
                if successful:
                    line = ["S", pk, row["sf__Id"], ""]
                else:
                    line = ["F", pk, row.get("sf__Error", ""), row.get(OWNER_FIELD) or ""]
                csv.writer(waiting.results).writerow(line)

    def _settle(self, job: _Job, counts: PushCounts) -> None:
        """Every waiting batch of ``job`` gets the results recorded for it and settles; the
        first error is raised once all have settled (none is left claimed)."""
        first_error: BaseException | None = None
        try:
            for waiting in job.waiting.values():
                try:
                    waiting.state.seek(0)
                    batch: PushBatch = pickle.load(waiting.state)
                    waiting.results.seek(0)
                    successes, failures = [], []
                    for kind, pk, value, owner in csv.reader(waiting.results):
                        if kind == "S":
                            successes.append((int(pk), value))
                        else:
                            failures.append((int(pk), value, owner))
                    bulk_outcomes_record(self.sobject, batch, counts, successes, failures)
                    self._finish_batch(batch, counts)
                except BaseException as error:  # noqa: BLE001 — the others settle first
                    first_error = first_error or error
        finally:
            job.close()
        if first_error is not None:
            raise first_error


def _csv_lines(rows: Iterable[list[Any]]) -> bytes:
    text = io.StringIO()
    csv.writer(text, lineterminator="\n").writerows(rows)
    return text.getvalue().encode("utf-8")


def _uuid(text: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(text)
    except ValueError:
        return None  # not an id hubsync gave (the row is then nobody's)
