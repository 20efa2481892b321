"""Bulk API 2.0 ingest jobs whose CSV is on disk and whose results are streamed.

simple-salesforce's ``insert`` takes the records as one string and returns the results as
one string: fine for 10,000 records, not for a job of several hundred thousand (100 MB of
CSV, twice, in a worker's memory). Here the upload is sent from a file, each result file
is read as it streams in, and the job is polled only when its caller asks (it may have
other work to do meanwhile). Every step is one call through the client's error
translation, with a fresh Bulk handle (so a re-login reaches it).
"""

from __future__ import annotations

import csv
import itertools
import time
from collections.abc import Iterator
from typing import IO, Any

import requests
import urllib3
from simple_salesforce import Salesforce
from simple_salesforce.bulk2 import JobState, Operation
from simple_salesforce.util import exception_handler

from .bulk_query import bulk_handle, text_stream
from .client import SalesforceClient
from .errors import RecoverableError
from .messages import BULK_INSERT_ENDED, said

# What one upload may carry: Salesforce takes 150 MB once base64-encoded, so "upload data
# that does not exceed 100 MB" (Upload Job Data). The size counted is the file's, in bytes.
UPLOAD_MAX_BYTES = 100 * 1024 * 1024
# Result rows handed on at a time while a result file streams in.
RESULT_CHUNK = 10_000
# The longest pause between polls of a job that has processed nothing yet, and of one
# whose pace tells when it will be done.
POLL_MAX_S = 30
PACED_POLL_MAX_S = 300
# How fast a job is assumed to be processed, to time its first poll (Salesforce processes
# its 10,000-record internal batches in parallel; the emulator about as fast).
ASSUMED_RECORDS_PER_S = 10_000


def ingest_job_start(
    client: SalesforceClient, sobject: str, csv_file: IO[bytes], *, operation: str = "insert"
) -> str:
    """Create a job, upload ``csv_file`` (read from its start) and close it: Salesforce
    starts processing. Returns the job id (three calls)."""

    def bulk(sf: Salesforce) -> Any:
        return bulk_handle(sf, sobject)._client

    job = client.call(lambda sf: bulk(sf).create_job(Operation(operation)))
    client.call(_upload, sobject, job["id"], csv_file)
    client.call(lambda sf: bulk(sf).close_job(job["id"]))
    return str(job["id"])


def _upload(sf: Salesforce, sobject: str, job_id: str, csv_file: IO[bytes]) -> None:
    bulk = bulk_handle(sf, sobject)._client
    csv_file.seek(0)  # again from the start, should a re-login repeat the call
    url = bulk._construct_request_url(job_id, False) + "/batches"
    headers = bulk._get_headers(bulk.CSV_CONTENT_TYPE, bulk.JSON_CONTENT_TYPE)
    response = bulk.session.put(url, headers=headers, data=csv_file)
    if response.status_code >= 300:
        exception_handler(response, name="Bulk API 2.0 upload")


class IngestJobWatch:
    """When to poll an ingest job, and the poll. The first poll comes when a job of
    ``records`` whose processing starts at ``started_at`` (``time.monotonic()``: when it was
    closed, or when the org should be done with the jobs sent before it) would be done at
    ``rate`` records/s (at once for one sent long ago); each later one when the job's own
    pace since then (``numberRecordsProcessed``) says it will be done, a little after — or
    1, 2, 4 … at most POLL_MAX_S seconds apart while it has processed nothing. A job of
    700,000 records costs two or three polls, not one every few seconds. The caller decides
    what to do until ``next_at`` (wait, or other work)."""

    def __init__(
        self,
        client: SalesforceClient,
        sobject: str,
        job_id: str,
        *,
        records: int,
        started_at: float,
        rate: float = ASSUMED_RECORDS_PER_S,
    ) -> None:
        self.client, self.sobject, self.job_id = client, sobject, job_id
        self.records, self.started_at = records, started_at
        self.next_at = started_at + records / rate
        self._pause = max(0.0, self.next_at - time.monotonic())
        self._progressed = False
        self._org_rate: float | None = None  # as seen on a job before it (``starts``)

    def starts(self, at: float, rate: float) -> None:
        """The job is not expected to start before ``at`` (the org was busy with an earlier
        job until then) and to go at ``rate`` records/s: its pace is reckoned from then, and
        its first poll timed by it."""
        self.started_at = max(self.started_at, at)
        self._org_rate = rate
        if not self._progressed:
            self.next_at = self.started_at + self.records / rate
            self._pause = max(0.0, self.next_at - time.monotonic())

    def rate(self) -> float:
        """Records per second since the job started, as seen at its end (a poll)."""
        return self.records / max(time.monotonic() - self.started_at, 1e-3)

    def poll(self) -> dict[str, Any] | None:
        """One poll (one call): the job's info once it has ended, else None and ``next_at``
        moved on. A job Salesforce aborted or failed as a whole is a RecoverableError (its
        records stay due); records it refused one by one are in its failed results."""
        state = self.client.call(
            lambda sf: bulk_handle(sf, self.sobject)._client.get_job(self.job_id, False)
        )
        if state["state"] == JobState.job_complete:
            return dict(state)
        if state["state"] in (JobState.aborted, JobState.failed):
            raise RecoverableError(
                said(
                    BULK_INSERT_ENDED,
                    job=self.job_id,
                    state=state["state"],
                    error=state.get("errorMessage") or "",
                ),
                code="BULK_JOB_FAILED",
            )
        processed = int(state.get("numberRecordsProcessed") or 0)
        now = time.monotonic()
        if 0 < processed < self.records:
            self._progressed = True
            remaining = (self.records - processed) * (now - self.started_at) / processed
            if self._org_rate:
                # Its start is an estimate until the job before it is seen to end: a job
                # found going before that could be timed from too early, and polled minutes
                # late. At most twice what the org's pace so far says.
                remaining = min(remaining, 2 * (self.records - processed) / self._org_rate)
            self._pause = min(max(remaining * 1.1, 1.0), PACED_POLL_MAX_S)
        else:
            self._pause = min(max(self._pause * 2, 1.0), POLL_MAX_S)
        self.next_at = now + self._pause
        return None


def ingest_results(
    client: SalesforceClient, sobject: str, job_id: str, *, successful: bool
) -> Iterator[list[dict[str, str]]]:
    """The job's successful (or failed) result rows, RESULT_CHUNK at a time, read as the
    file streams in (one call)."""
    kind = "successfulResults" if successful else "failedResults"
    response = client.call(_results, sobject, job_id, kind)
    with response:
        rows = csv.DictReader(text_stream(response))
        while chunk := client.call(_chunk, rows):
            yield chunk


def _results(sf: Salesforce, sobject: str, job_id: str, kind: str) -> requests.Response:
    bulk = bulk_handle(sf, sobject)._client
    url = bulk._construct_request_url(job_id, False) + "/" + kind
    headers = bulk._get_headers(bulk.JSON_CONTENT_TYPE, bulk.CSV_CONTENT_TYPE)
    response = bulk.session.get(url, headers=headers, stream=True)
    if response.status_code >= 300:
        try:
            exception_handler(response, name=f"Bulk API 2.0 {kind}")
        finally:
            response.close()
    return response


def _chunk(_sf: Salesforce, rows: Iterator[dict[str, str]]) -> list[dict[str, str]]:
    # Through client.call: a stream broken while read is a connection error.
    try:
        return list(itertools.islice(rows, RESULT_CHUNK))
    except (requests.exceptions.ChunkedEncodingError, urllib3.exceptions.HTTPError) as exc:
        raise requests.ConnectionError(str(exc)) from exc
