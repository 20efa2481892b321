"""Bulk API 2.0 query jobs: a snapshot of the matching rows, read as CSV pages with locators."""

from __future__ import annotations

import base64
import csv
import io
import logging
import time
from collections.abc import Callable
from typing import Any

from ..store import Store
from ..values import format_dt, now_utc
from .jobs import DELIMITERS, LINE_ENDINGS, BulkError, Job, pace

log = logging.getLogger(__name__)


def new_query_job(
    store: Store,
    body: dict[str, Any],
    new_id: Callable[[], str],
    user_id: str,
    api_version: str,
) -> Job:
    """A query job over a compiled, non-aggregate query (``new_id`` only for a valid one)."""
    op = body.get("operation") or "query"
    if op not in ("query", "queryAll"):
        raise BulkError(400, "INVALIDJOB", f"InvalidJob : Invalid operation: {op}")
    soql = str(body.get("query") or "")
    compiled = store.compile(soql, include_deleted=op == "queryAll", view=store.view(user_id))
    if compiled.grouped or compiled.count_only:
        raise BulkError(400, "API_ERROR", "Aggregate queries are not supported by Bulk API 2.0")
    if compiled.children:
        raise BulkError(
            400, "API_ERROR", "Parent-to-child subqueries are not supported by Bulk API 2.0"
        )
    if any(not col.field.stored for col in compiled.columns):
        # Bulk queries cannot read compound fields (select their components instead).
        raise BulkError(
            400,
            "FUNCTIONALITY_NOT_ENABLED",
            "Selecting compound data not supported in Bulk Query",
        )
    delim = body.get("columnDelimiter") or "COMMA"
    ending = body.get("lineEnding") or "LF"
    stamp = format_dt(now_utc())
    job = Job(
        id=new_id(),
        kind="query",
        operation=op,
        object=compiled.obj.name,
        user_id=user_id,
        api_version=api_version,
        column_delimiter=delim,
        line_ending=ending,
        state="UploadComplete",
        created=stamp,
        modstamp=stamp,
        query=soql,
        compiled=compiled,
    )
    return job


def run_query(store: Store, job: Job) -> None:
    """Snapshot the matching rowids (in a background thread); pages are read later."""
    started = time.perf_counter()
    try:
        job.state = "InProgress"
        assert job.compiled is not None
        job.rowids = store.query_rowids(job.compiled)
        job.processed = len(job.rowids)
        pace(store.org, time.monotonic() - (time.perf_counter() - started), job.processed)
        if job.state != "Aborted":
            job.state = "JobComplete"
    except Exception as exc:
        log.exception("bulk query job %s crashed", job.id)
        job.state = "Failed"
        job.error_message = str(exc)
    job.elapsed_ms = int((time.perf_counter() - started) * 1000)
    job.modstamp = format_dt(now_utc())


def csv_datetime(stored: str) -> str:
    """Bulk API CSV writes datetimes as ``2024-01-31T10:00:00.000Z``, not REST's ``+0000``."""
    return stored[:-5] + "Z" if stored.endswith("+0000") else stored


def query_page(
    store: Store, job: Job, locator: str | None, max_records: int | None
) -> tuple[str, int, str]:
    """One CSV page: (csv text, number of records, next locator or "null")."""
    if job.state != "JobComplete":
        raise BulkError(400, "INVALIDJOBSTATE", f"Job is not complete: {job.state}")
    start = 0
    if locator:
        try:
            start = int(base64.b64decode(locator.encode()).decode())
        except (ValueError, UnicodeDecodeError) as exc:
            raise BulkError(400, "INVALID_LOCATOR", f"Invalid locator: {locator}") from exc
    size = max_records if max_records and max_records > 0 else len(job.rowids)
    page = job.rowids[start : start + size]
    assert job.compiled is not None
    c = job.compiled
    rows = store.rows_by_rowid(c, page)
    buf = io.StringIO()
    writer = csv.writer(
        buf,
        delimiter=DELIMITERS.get(job.column_delimiter, ","),
        lineterminator=LINE_ENDINGS.get(job.line_ending, "\n"),
        quoting=csv.QUOTE_ALL,
    )
    writer.writerow([".".join(col.names) for col in c.columns])
    joins = {tuple(j.names): j for j in c.joins}
    for row in rows:
        out = []
        for col in c.columns:
            value = row[col.index]
            # A field of a missing parent is empty, as in Salesforce's CSV.
            for depth in range(1, len(col.names)):
                if row[joins[tuple(col.names[:depth])].id_index] is None:
                    value = None
            if value is None:
                out.append("")
            elif col.field.type == "boolean":
                out.append("true" if value else "false")
            elif col.field.type == "datetime":
                out.append(csv_datetime(value))
            else:
                out.append(str(value))
        writer.writerow(out)
    end = start + len(page)
    next_locator = base64.b64encode(str(end).encode()).decode() if end < len(job.rowids) else "null"
    return buf.getvalue(), len(page), next_locator
