"""Bulk API 2.0 query: large reads as CSV result pages, turned into REST-shaped records."""

from __future__ import annotations

import csv
import io
import time
from collections.abc import Iterator
from typing import Any

from simple_salesforce import Salesforce
from simple_salesforce.bulk2 import JobState, Operation

from .client import SalesforceClient
from .errors import RecoverableError
from .messages import BULK_JOB_ENDED, said

# A result page (one call each; 10,000 records keep a worker's memory near a REST read's:
# 50,000 took it from 140 to 340 MB on a 100,000-Lead first load), and the longest pause
# between polls of the job.
BULK_QUERY_PAGE = 10_000
BULK_QUERY_POLL_MAX_S = 30


def bulk_query_pages(client: SalesforceClient, sobject: str, soql: str) -> Iterator[list[dict]]:
    """A Bulk API 2.0 query job's results as records shaped like REST's, a page (up to
    BULK_QUERY_PAGE records, one call) at a time; the pages come in no order.

    Every step is its own translated call (a fresh Bulk handle each, so a re-login after
    an expired session reaches it): create, then poll with a growing pause (1, 2, 4 …
    at most BULK_QUERY_POLL_MAX_S seconds, so a ten-minute job costs ~25 calls, not
    simple-salesforce's one every 2 s), then the result pages by locator.
    """

    def bulk(sf: Salesforce) -> Any:
        return getattr(sf.bulk2, sobject)._client  # the job API behind sf.bulk2.X.query

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
        page = client.call(
            lambda sf, at=locator: bulk(sf).get_query_results(job["id"], at, BULK_QUERY_PAGE)
        )
        yield UnorderedPage(_csv_records(page["records"], sobject))
        locator = page["locator"]
        if not locator:
            return


class UnorderedPage(list):
    """A page of a read that comes in no order (Bulk API 2.0 query): a watermark moves past
    such pages only once the whole read is done."""

    unordered = True


def _csv_records(text: str, sobject: str) -> list[dict]:
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
        for row in csv_rows(text)
    ]


def csv_rows(text: str) -> list[dict[str, Any]]:
    """The rows of a Bulk API 2.0 CSV result (none for an empty one)."""
    return list(csv.DictReader(io.StringIO(text))) if text and text.strip() else []
