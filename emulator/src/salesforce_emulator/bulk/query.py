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
    """Snapshot the matching rowids (in a background thread); pages are read later. The job
    waits ``bulk_query_queued_s`` in UploadComplete and stays at least
    ``bulk_query_running_s`` InProgress (org settings); an abort ends either wait."""
    started = time.perf_counter()
    org = store.org
    try:
        if job.aborted.wait(org.get("bulk_query_queued_s") or 0) or not _move(job, "InProgress"):
            return
        running = time.monotonic()
        assert job.compiled is not None
        job.rowids = store.query_rowids(job.compiled)
        job.processed = len(job.rowids)
        pace(org, running, job.processed)
        rest = running + (org.get("bulk_query_running_s") or 0) - time.monotonic()
        if job.aborted.wait(max(rest, 0)) or not _move(job, "JobComplete"):
            return
    except Exception as exc:
        log.exception("bulk query job %s crashed", job.id)
        job.error_message = str(exc)
        _move(job, "Failed")
    job.elapsed_ms = int((time.perf_counter() - started) * 1000)


def _move(job: Job, state: str) -> bool:
    """Put the job in ``state`` unless it was aborted meanwhile; whether it moved."""
    with job.lock:
        if job.aborted.is_set():
            return False
        job.state = state
        job.modstamp = format_dt(now_utc())
        return True


def csv_datetime(stored: str) -> str:
    """Bulk API CSV writes datetimes as ``2024-01-31T10:00:00.000Z``, not REST's ``+0000``."""
    return stored[:-5] + "Z" if stored.endswith("+0000") else stored


def query_page(
    store: Store, job: Job, locator: str | None, max_records: int | None
) -> tuple[str, int, str]:
    """One CSV page: (csv text, number of records, next locator or "null"). Without
    ``maxRecords`` a page holds as many records as fit in ``bulk_query_page_bytes``
    characters (at least one)."""
    if job.state != "JobComplete":
        raise BulkError(400, "INVALIDJOBSTATE", f"Job is not complete: {job.state}")
    start = 0
    if locator:
        try:
            start = int(base64.b64decode(locator.encode()).decode())
        except (ValueError, UnicodeDecodeError) as exc:
            raise BulkError(400, "INVALID_LOCATOR", f"Invalid locator: {locator}") from exc
    assert job.compiled is not None
    c = job.compiled
    limit: int | None = None
    if max_records and max_records > 0:
        ids = job.rowids[start : start + max_records]
    else:
        ids = job.rowids[start:]
        limit = store.org.get("bulk_query_page_bytes") or 1024**3
    buf = io.StringIO()
    writer = csv.writer(
        buf,
        delimiter=DELIMITERS.get(job.column_delimiter, ","),
        lineterminator=LINE_ENDINGS.get(job.line_ending, "\n"),
        quoting=csv.QUOTE_ALL,
    )
    writer.writerow([".".join(col.names) for col in c.columns])
    joins = {tuple(j.names): j for j in c.joins}
    taken = 0
    full = False
    for at in range(0, len(ids), 2000):
        rows = store.rows_by_rowid(c, ids[at : at + 2000])
        if limit is None:
            writer.writerows(_csv_values(row, c, joins) for row in rows)
            taken += len(rows)
            continue
        for row in rows:
            mark = buf.tell()
            writer.writerow(_csv_values(row, c, joins))
            if taken and buf.tell() > limit:
                buf.seek(mark)
                buf.truncate()
                full = True
                break
            taken += 1
        if full:
            break
    end = start + taken
    next_locator = base64.b64encode(str(end).encode()).decode() if end < len(job.rowids) else "null"
    return buf.getvalue(), taken, next_locator


def _csv_values(row: tuple[Any, ...], c: Any, joins: dict[tuple[str, ...], Any]) -> list[str]:
    """The cells of one record: null empty, booleans ``true``/``false``, datetimes ``Z``."""
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
    return out
