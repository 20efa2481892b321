"""Bulk API 2.0 query: large reads as CSV result pages, turned into REST-shaped records."""

from __future__ import annotations

import csv
import io
import itertools
import time
from collections.abc import Iterable, Iterator
from typing import Any, BinaryIO, cast

import requests
import urllib3
from simple_salesforce import Salesforce
from simple_salesforce.bulk2 import JobState, Operation
from simple_salesforce.util import exception_handler

from .client import SalesforceClient
from .errors import RecoverableError
from .messages import BULK_JOB_ENDED, said

# Records handed on at a time while a result page streams in: 10,000 keep a worker's memory
# near a REST read's (holding a 50,000-record page took it from 140 to 340 MB on a
# 100,000-Lead first load). The result pages themselves are as large as Salesforce makes
# them (no maxRecords): one call each, as few as Salesforce allows.
BULK_QUERY_CHUNK = 10_000
# The longest pause between polls of the job.
BULK_QUERY_POLL_MAX_S = 30


def bulk_query_pages(client: SalesforceClient, sobject: str, soql: str) -> Iterator[list[dict]]:
    """A Bulk API 2.0 query job's results as records shaped like REST's, BULK_QUERY_CHUNK
    records at a time; they come in no order.

    Every step is its own translated call (a fresh Bulk handle each, so a re-login after
    an expired session reaches it): create, then poll with a growing pause (1, 2, 4 …
    at most BULK_QUERY_POLL_MAX_S seconds, so a ten-minute job costs ~25 calls, not
    simple-salesforce's one every 2 s), then the result pages by locator, each as large as
    Salesforce makes it (one call) and read as it streams in, so that no page is ever held
    whole in memory.
    """

    def bulk(sf: Salesforce) -> Any:
        return bulk_handle(sf, sobject)._client  # the job API behind sf.bulk2.X.query

    job = client.call(lambda sf: bulk(sf).create_job(Operation.query, soql))
    pause = 1.0
    while True:
        time.sleep(pause)
        state = client.call(lambda sf: bulk(sf).get_job(job["id"], True))
        if state["state"] == JobState.job_complete:
            break
        if state["state"] in (JobState.aborted, JobState.failed):
            raise RecoverableError(
                said(
                    BULK_JOB_ENDED,
                    job=job["id"],
                    state=state["state"],
                    error=state.get("errorMessage") or "",
                ),
                code="BULK_QUERY_FAILED",
            )
        pause = min(pause * 2, BULK_QUERY_POLL_MAX_S)
    locator = ""
    while True:
        response = client.call(_results, sobject, job["id"], locator)
        with response:
            locator = response.headers.get("Sforce-Locator", "")
            rows = csv.DictReader(text_stream(response))
            while True:
                chunk = client.call(_chunk, rows, sobject)
                if chunk:
                    yield UnorderedPage(chunk)
                if len(chunk) < BULK_QUERY_CHUNK:
                    break
        if not locator or locator == "null":
            return


def bulk_handle(sf: Salesforce, sobject: str) -> Any:
    """The job API behind ``sf.bulk2.<sobject>``: a fresh handle each call, so that the
    client's re-login after an expired session reaches it (sf.bulk2 keeps the session id it
    was built with)."""
    return getattr(sf.bulk2, sobject)


def _results(sf: Salesforce, sobject: str, job_id: str, locator: str) -> requests.Response:
    """One result page, streaming (``maxRecords`` left to Salesforce)."""
    bulk = bulk_handle(sf, sobject)._client
    url = bulk._construct_request_url(job_id, True) + "/results"
    params = {"locator": locator} if locator and locator != "null" else {}
    headers = bulk._get_headers(bulk.JSON_CONTENT_TYPE, bulk.CSV_CONTENT_TYPE)
    response = bulk.session.get(url, headers=headers, params=params, stream=True)
    if response.status_code >= 300:
        try:
            exception_handler(response, name="Bulk API 2.0 query results")
        finally:
            response.close()
    return response


def text_stream(response: requests.Response) -> io.TextIOWrapper:
    response.raw.decode_content = True  # gzip, when Salesforce compresses the page
    # Else urllib3 closes the stream at its end, before the text layer has read its last
    # empty chunk ("I/O operation on closed file"); the response is closed by its owner.
    response.raw.auto_close = False
    # urllib3's HTTPResponse is a readable binary stream (io.IOBase), as TextIOWrapper needs.
    return io.TextIOWrapper(cast(BinaryIO, response.raw), encoding="utf-8", newline="")


def _chunk(_sf: Salesforce, rows: Iterator[dict[str, str]], sobject: str) -> list[dict]:
    # Through client.call: a stream broken while read is a connection error.
    return _records(rows, sobject, BULK_QUERY_CHUNK)


def _records(rows: Iterator[dict[str, str]], sobject: str, limit: int) -> list[dict]:
    """Up to ``limit`` more records of a streaming page (a broken stream is a connection
    failure: the client translates it)."""
    try:
        return _csv_records(itertools.islice(rows, limit), sobject)
    except (requests.exceptions.ChunkedEncodingError, urllib3.exceptions.HTTPError) as exc:
        raise requests.ConnectionError(str(exc)) from exc


class UnorderedPage(list):
    """A page of a read that comes in no order (Bulk API 2.0 query): a watermark moves past
    such pages only once the whole read is done."""

    unordered = True


def _csv_records(rows: Iterable[dict[str, str]], sobject: str) -> list[dict]:
    """Bulk CSV rows as REST records: empty → None; true/false → booleans in the flags
    (``IsConverted``, ``HasOptedOutOfEmail`` …), text elsewhere."""

    def value(name: str, text: str) -> Any:
        if not text:
            return None
        if name.startswith(("Is", "Has")) and text in ("true", "false"):
            return text == "true"
        return text

    return [
        {"attributes": {"type": sobject}, **{k: value(k, v) for k, v in row.items()}}
        for row in rows
    ]


def csv_rows(text: str) -> list[dict[str, Any]]:
    """The rows of a Bulk API 2.0 CSV result (none for an empty one)."""
    return list(csv.DictReader(io.StringIO(text))) if text and text.strip() else []


def bulk_job_rows(
    client: SalesforceClient, sobject: str, job_id: str, *, successful: bool
) -> list[dict[str, Any]]:
    """The successful (or the failed) rows of a Bulk API 2.0 ingest job."""
    return csv_rows(client.call(_job_rows, sobject, job_id, successful))


def _job_rows(sf: Salesforce, sobject: str, job_id: str, successful: bool) -> str:
    bulk = bulk_handle(sf, sobject)
    rows = bulk.get_successful_records(job_id) if successful else bulk.get_failed_records(job_id)
    return str(rows)
