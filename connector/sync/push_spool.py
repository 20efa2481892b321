"""New records of many claimed batches in one Bulk API 2.0 insert job.

A job costs the same few calls whatever its size, up to the 100 MB an upload may carry: a
backfill of 2,000,000 contacts pushed as one job per 10,000-contact batch took 1,800
calls. Here each claimed batch is planned and its other writes sent as before; its new
records are appended to the job's CSV on disk and the batch itself (its
:class:`PushBatch`) waits on disk too, so a worker holds one batch in memory however large
the job. A full job goes to Salesforce and the lanes fill the next one while Salesforce
processes it. The jobs are as few as the upload limit allows, and even
(:func:`job_share`), when the push knows how many contacts are due.

The lanes share the rest of the work as it comes due: a sent job is polled when its pace
says it is done (:class:`IngestJobWatch`), its results are read by one lane (each row to
its batch's file on disk) and its batches are settled by whichever lane comes next (a
batch as soon as its every record has its result), one per claimed batch, so that settling
keeps up with filling. When the push ends, the lanes (threads, each with its own database
connection) settle what is left.

Every batch that waits ends settled: with its results, or, when the job cannot run (the API
limit, Salesforce down), without them — its contacts are released, still due, and their
creates marked as sent: the next try upserts them on HubSync_Id__c.
"""

from __future__ import annotations

import contextvars
import csv
import logging
import pickle
import threading
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from django.db import connection

from marketing.models import Contact

from ..bulk_ingest import (
    ASSUMED_RECORDS_PER_S,
    UPLOAD_MAX_BYTES,
    IngestJobWatch,
    ingest_job_start,
    ingest_results,
)
from ..client import SalesforceClient
from ..errors import LimitReached, RecoverableError
from ..mappers import EXTERNAL_ID_FIELD
from ..models import ContactSyncState
from .push_batch import PushBatch
from .push_spool_job import InsertJob, WaitingBatch, csv_lines, job_share, uuid_or_none
from .push_writes import PushCounts, bulk_outcomes_record
from .queue import claim_ttl

logger = logging.getLogger(__name__)

# A claimed batch's outcome once its job's results are in: follow moves, then settle.
BatchFinisher = Callable[[PushBatch, PushCounts], int]


class BulkInsertSpool:
    """The insert jobs of one push, shared by its lanes. One condition guards the jobs and
    the batches ready to settle; sending a job happens under it, polling, reading results
    and settling outside it."""

    def __init__(
        self, client: SalesforceClient, sobject: str, finish: BatchFinisher, *, due: int = 0
    ) -> None:
        """``due``: the contacts the push has to send, if known (its jobs are then sized
        evenly, :func:`job_share`; else each is filled up to the upload limit)."""
        self.client = client
        self.sobject = sobject
        self._finish_batch = finish
        self._lock = threading.Condition()
        self._filling: InsertJob | None = None
        self._due = due
        self._parked = [0, 0]  # contacts claimed by the parked batches; their rows' bytes
        self._running: list[InsertJob] = []  # sent, results not read yet
        self._ready: deque[WaitingBatch] = deque()  # results in (or none coming): to settle
        self._busy = 0  # lanes reading a job or settling a batch now
        self._limit: LimitReached | None = None  # no more calls: jobs settle unread
        # How fast the org processes this push's jobs (assumed, then as seen), and when it
        # should be done with those sent so far: a job waits for the ones before it.
        self._rate = float(ASSUMED_RECORDS_PER_S)
        self._org_free_at = 0.0
        self.jobs = 0
        # A job Salesforce would not run: the lanes stop (the next cycle tries again).
        self.broken = False

    def park(self, batch: PushBatch, creates: list[tuple[int, dict]], counts: PushCounts) -> None:
        """``creates`` (contact, record) go into the job being filled; ``batch`` waits on
        disk for the job's results. A lane whose batch fills the job sends it."""
        columns = sorted({key for _, record in creates for key in record if key != "attributes"})
        with self._lock:
            job = self._filling
            if job is not None and not set(columns) <= set(job.columns):
                self._send(counts)  # a column the job's CSV lacks: a job of its own
                job = None
            header = job.columns if job is not None else columns
            rows = csv_lines(
                [record.get(column) or "" for column in header] for _, record in creates
            )
            if job is not None and job.size() + len(rows) > UPLOAD_MAX_BYTES:
                self._send(counts)
                job = None
            if job is None:
                job = self._filling = InsertJob(header)
            job.add(batch, rows, [contact for contact, _ in creates])
            # The share is reckoned again at each batch, from every batch so far: the
            # first batch's records can be smaller than the rest.
            self._parked[0] += len(batch.versions)
            self._parked[1] += len(rows)
            share = job_share(
                due=self._due,
                claimed=self._parked[0],
                parked_bytes=self._parked[1],
                limit=UPLOAD_MAX_BYTES,
            )
            if job.size() >= share:
                self._send(counts)

    def work(self, counts: PushCounts) -> None:
        """A lane between two claims does its share of the work that has come due: it reads
        a job that should be done by now, if any, and settles one batch whose results are
        in — one per claim, so that settling keeps pace with filling."""
        while self._step(counts, waiting=False, settle=False):
            pass
        self._step(counts, waiting=False)

    def finish(self, counts: PushCounts, *, lanes: int = 1) -> None:
        """The push is done: send the job being filled, then read every job and settle
        every waiting batch, in up to ``lanes`` threads. The first error is raised once
        all have settled (none is left claimed); the API limit first of all."""
        with self._lock:
            if self._filling is not None:
                try:
                    self._send(counts)
                except LimitReached as error:
                    self._limit = error
            outstanding = len(self._ready) + sum(len(job.waiting) for job in self._running)
        lanes = min(lanes, outstanding)
        errors: list[BaseException] = []
        if lanes < 2:
            try:
                self._drain(counts)
            except BaseException as error:  # noqa: BLE001 — raised below, the limit first
                errors.append(error)
        else:
            parts = [PushCounts() for _ in range(lanes)]
            if counts.on_progress is not None:
                report = counts.on_progress
                for part in parts:
                    part.on_progress = lambda _part: report(PushCounts.total([counts, *parts]))
            with ThreadPoolExecutor(max_workers=lanes, thread_name_prefix="push-settle") as pool:
                # Each in a copy of this thread's context: its log lines carry the run id.
                futures = [
                    pool.submit(contextvars.copy_context().run, self._drain_in_thread, part)
                    for part in parts
                ]
            for part in parts:
                counts.add(part)
            errors = [e for f in futures if (e := f.exception()) is not None]
        if self._limit is not None:
            raise self._limit
        if errors:
            raise errors[0]

    def abandon(self, counts: PushCounts) -> None:
        """The push ends on an error (its lanes have stopped): every batch still waiting
        settles as it is (its contacts without a result are released, due again)."""
        with self._lock:
            jobs = [*self._running, *([self._filling] if self._filling else [])]
            self._running, self._filling = [], None
            for job in jobs:
                job.file.close()
                self._ready.extend(job.waiting.values())
        while self._ready:
            try:
                self._settle(self._ready.popleft(), counts)
            except Exception:  # noqa: BLE001 — the push's own error is the one raised
                logger.exception("A waiting batch could not settle")

    # -- the work the lanes share ------------------------------------------------------

    def _drain_in_thread(self, counts: PushCounts) -> None:
        try:
            self._drain(counts)
        finally:
            connection.close()  # this thread's own connection

    def _drain(self, counts: PushCounts) -> None:
        """Until every job is read and every batch settled; the first error is raised once
        there is nothing left for this lane."""
        first_error: BaseException | None = None
        while True:
            try:
                if not self._step(counts, waiting=True):
                    break
            except BaseException as error:  # noqa: BLE001 — the rest settles first
                first_error = first_error or error
        if first_error is not None:
            raise first_error

    def _step(self, counts: PushCounts, *, waiting: bool, settle: bool = True) -> bool:
        """Do one piece of due work (``settle``: or only a read); False when there is none.
        ``waiting``: wait for a job to come due (or for another lane's reading) rather than
        return. A job is due when its pace says it is done (the API limit: at once, to
        settle unread); of several, the one due first, whatever order they were sent in.
        A due job comes before a batch to settle: while one lane read a job's results, the
        other settled the batches they completed, and the next job, done meanwhile, waited
        85 s for its poll."""
        ready: WaitingBatch | None = None
        job: InsertJob | None = None
        with self._lock:
            while ready is None and job is None:
                unread = sorted(
                    (sent for sent in self._running if not sent.reading), key=_next_poll
                )
                now = time.monotonic()
                if unread and (self._limit or _next_poll(unread[0]) <= now):
                    job = unread[0]
                    job.reading = True
                elif self._ready and settle:
                    ready = self._ready.popleft()
                elif waiting and (self._running or self._busy):
                    pause = _next_poll(unread[0]) - now if unread else 1.0
                    self._lock.wait(timeout=min(max(pause, 0.01), 1.0))
                else:
                    return False
            self._busy += 1
        try:
            if ready is not None:
                self._settle(ready, counts)
            elif job is not None:
                self._read(job)
        except LimitReached as error:  # no more calls: the jobs left settle unread
            self._limit = self._limit or error
            raise
        finally:
            with self._lock:
                self._busy -= 1
                self._lock.notify_all()
        return True

    def _send(self, counts: PushCounts) -> None:
        """(Inside the lock.) Upload the job being filled; it runs until a lane reads it."""
        job, self._filling = self._filling, None
        assert job is not None
        size = job.size()
        try:
            job_id = ingest_job_start(self.client, self.sobject, job.file)
        except LimitReached:
            self._ready.extend(job.waiting.values())
            raise
        except RecoverableError as error:
            logger.warning("Bulk insert of %d records postponed: %s", job.records, error.code)
            self.broken = True
            self._ready.extend(job.waiting.values())
            return
        except BaseException:
            self._ready.extend(job.waiting.values())
            raise
        finally:
            job.file.close()
        job.watch = IngestJobWatch(
            self.client,
            self.sobject,
            job_id,
            records=job.records,
            started_at=max(time.monotonic(), self._org_free_at),
            rate=self._rate,
        )
        self._org_free_at = job.watch.next_at
        self.jobs += 1
        logger.info(
            "Bulk insert job %s: %d %s records, %d bytes", job_id, job.records, self.sobject, size
        )
        self._running.append(job)

    def _read(self, job: InsertJob) -> None:
        """Poll ``job`` and, once it has ended, record its results in its batches' files;
        they are then ready to settle. A job that cannot be read (the API limit, Salesforce
        down) leaves its batches to settle without results."""
        watch = job.watch
        assert watch is not None
        ended = False
        try:
            if self._limit is not None:
                raise self._limit
            if (info := watch.poll()) is None:
                return  # polled again when its pace says
            self._ended(job)
            self._results(job, successful=True)
            if int(info.get("numberRecordsFailed") or 0):
                self._results(job, successful=False)
            ended = True
        except LimitReached as error:
            self._limit = self._limit or error
            ended = True
            raise
        except RecoverableError as error:
            logger.warning("Bulk insert job %s: results not read: %s", watch.job_id, error.code)
            self.broken = True
            ended = True
        except BaseException:
            ended = True  # its batches settle with what was read (retrying would repeat it)
            raise
        finally:
            with self._lock:
                job.reading = False
                if ended:
                    self._running.remove(job)
                    self._ready.extend(job.waiting.values())

    def _ended(self, job: InsertJob) -> None:
        """``job`` is done: the org's pace as seen re-times the first poll of each job sent
        after it (which, as a rule, waited for it), so that a job is not polled long
        before it can be done (each poll is a call)."""
        assert job.watch is not None
        with self._lock:
            self._rate = job.watch.rate()
            free_at = time.monotonic()
            for later in self._running:
                if later is not job and later.watch is not None:
                    later.watch.starts(free_at, self._rate)
                    free_at = later.watch.next_at
            self._org_free_at = free_at

    def _results(self, job: InsertJob, *, successful: bool) -> None:
        """Each result row goes to the file of the batch that sent it, found by the
        contact's external id (one read of the contacts' ids per RESULT_CHUNK rows; the
        batch from memory: joined to the sync states, the read took 0.5 s a chunk at
        2,000,000 contacts). A batch whose every record has its result is ready to settle
        at once, while the rest of the file streams in (the other lanes settle it)."""
        assert job.watch is not None
        job_id = job.watch.job_id
        for rows in ingest_results(self.client, self.sobject, job_id, successful=successful):
            contacts = {
                str(external_id): pk
                for external_id, pk in Contact.objects.filter(
                    external_id__in=[uuid_or_none(row[EXTERNAL_ID_FIELD]) for row in rows]
                ).values_list("external_id", "pk")
            }
            answered = job.record(rows, contacts, successful=successful)
            if answered:
                with self._lock:
                    for waiting in answered:
                        del job.waiting[waiting.token]
                        self._ready.append(waiting)
                    self._lock.notify_all()

    def _settle(self, waiting: WaitingBatch, counts: PushCounts) -> None:
        """The batch gets the results recorded for it (if any) and settles."""
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
        finally:
            waiting.state.close()
            waiting.results.close()
        if time.time() - waiting.parked_at > claim_ttl().total_seconds() / 2:
            # Parked long enough for another worker to have taken a claim over (a dead
            # worker's, once CLAIM_TTL has passed): only what this batch still holds.
            held = set(
                ContactSyncState.objects.filter(
                    contact_id__in=[pk for pk, *_ in successes + failures],
                    claim_token=batch.token,
                ).values_list("contact_id", flat=True)
            )
            successes = [success for success in successes if success[0] in held]
            failures = [failure for failure in failures if failure[0] in held]
        bulk_outcomes_record(self.sobject, batch, counts, successes, failures)
        self._finish_batch(batch, counts)


def _next_poll(job: InsertJob) -> float:
    assert job.watch is not None
    return job.watch.next_at
