"""Bulk API 2.0 ingest jobs: CSV uploads written in chunks (insert, update, upsert, delete),
and the CSV result files."""

from __future__ import annotations

import csv
import io
import logging
import time
from collections.abc import Callable
from typing import Any

from ..schema import OBJECTS, SchemaView
from ..store import Store, WriteResult
from ..values import format_dt, now_utc
from .jobs import DELIMITERS, LINE_ENDINGS, BulkError, Job, pace

log = logging.getLogger(__name__)

INGEST_OPERATIONS = ("insert", "update", "upsert", "delete", "hardDelete")
CHUNK = 10_000


def new_ingest_job(
    body: dict[str, Any],
    new_id: Callable[[], str],
    user_id: str,
    api_version: str,
    view: SchemaView,
) -> Job:
    """A validated, open ingest job (``new_id`` is called only for a valid one); ``view``
    is what the job's user sees."""
    obj_name = str(body.get("object") or "")
    obj = view.object(obj_name)
    op = body.get("operation")
    if op not in INGEST_OPERATIONS:
        raise BulkError(400, "INVALIDJOB", f"InvalidJob : Invalid operation: {op}")
    if obj is None:
        raise BulkError(
            400,
            "INVALIDJOB",
            f"InvalidJob : Entity '{obj_name}' is not supported by the Bulk API.",
        )
    ext = body.get("externalIdFieldName")
    if op == "upsert":
        f = view.external_key(obj, str(ext or ""))
        if f is None:
            raise BulkError(
                400,
                "INVALIDJOB",
                f"InvalidJob : Field name provided, {ext} is not an External ID or indexed "
                f"field for {obj.name}",
            )
        ext = f.name
    delim = body.get("columnDelimiter") or "COMMA"
    ending = body.get("lineEnding") or "LF"
    if delim not in DELIMITERS or ending not in LINE_ENDINGS:
        raise BulkError(400, "INVALIDJOB", "InvalidJob : invalid delimiter or line ending")
    stamp = format_dt(now_utc())
    job = Job(
        id=new_id(),
        kind="ingest",
        operation=op,
        object=obj.name,
        user_id=user_id,
        api_version=api_version,
        column_delimiter=delim,
        line_ending=ending,
        external_id=ext if op == "upsert" else None,
        created=stamp,
        modstamp=stamp,
    )
    return job


def run_ingest(store: Store, job: Job) -> None:
    """Process an uploaded job (in a background thread); a crash fails the job."""
    started = time.perf_counter()
    try:
        _ingest(store, job)
    except Exception as exc:  # a crash must fail the job, not hang the client
        log.exception("bulk ingest job %s crashed", job.id)
        job.state = "Failed"
        job.error_message = f"InternalServerError : {exc}"
    job.elapsed_ms = int((time.perf_counter() - started) * 1000)
    job.modstamp = format_dt(now_utc())


def _ingest(store: Store, job: Job) -> None:
    if job.state == "Aborted":
        return
    job.state = "InProgress"
    since = time.monotonic()
    delim = DELIMITERS[job.column_delimiter]
    rows: list[list[str]] = []
    header: list[str] | None = None
    for blob in job.data:
        text = blob.decode("utf-8-sig")
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delim)
        part_header = next(reader, None)
        if part_header is None:
            continue
        if header is None:
            header = part_header
        elif part_header != header:
            job.state = "Failed"
            job.error_message = "InvalidBatch : all uploads must have the same header"
            return
        rows.extend(r for r in reader if r)
    job.data = []
    if header is None:
        job.state = "Failed"
        job.error_message = "InvalidBatch : No data uploaded"
        return
    obj = OBJECTS[job.object]
    # Fields the org does not have fail the job; fields the user's field-level security
    # hides or makes read-only fail each row (INVALID_FIELD_FOR_INSERT_UPDATE).
    view = store.view(job.user_id)
    for name in header:
        if "." in name or view.exists(obj, name) is None:
            job.state = "Failed"
            job.error_message = f"InvalidBatch : Field name not found : {name}"
            return
    if job.operation in ("delete", "hardDelete") and [h.lower() for h in header] != ["id"]:
        job.state = "Failed"
        job.error_message = "InvalidBatch : The 'delete' batch must contain only ids"
        return
    if job.operation == "update" and "id" not in [h.lower() for h in header]:
        job.state = "Failed"
        job.error_message = "InvalidBatch : Field name not found : Id"
        return
    job.header = header
    for start in range(0, len(rows), CHUNK):
        if job.state == "Aborted":
            job.unprocessed_rows.extend(rows[start:])
            return
        chunk = rows[start : start + CHUNK]
        records = [dict(zip(header, r, strict=False)) for r in chunk]
        results = _write(store, job, records, view)
        for raw, res in zip(chunk, results, strict=True):
            if res.success:
                job.success_rows.append([res.id or "", "true" if res.created else "false", *raw])
            else:
                job.failed_rows.append([res.id or "", _error_text(res), *raw])
                job.failed += 1
        job.processed += len(chunk)
        pace(store.org, since, job.processed)
    job.state = "JobComplete"


def _write(
    store: Store, job: Job, records: list[dict[str, Any]], view: SchemaView
) -> list[WriteResult]:
    # Bulk API 2.0 has no duplicate rule header: alert rules never stop a row (block
    # rules and validation rules do).
    kw: dict[str, Any] = {
        "user_id": job.user_id,
        "csv_mode": True,
        "view": view,
        "allow_save": True,
    }
    if job.operation == "insert":
        return store.insert(job.object, records, **kw)
    if job.operation == "update":
        return store.update(job.object, records, **kw)
    if job.operation == "upsert":
        assert job.external_id
        return store.upsert(job.object, job.external_id, records, **kw)
    ids = [next(iter(r.values()), "") for r in records]
    return store.delete(ids, obj_name=job.object, user_id=job.user_id)


def results_csv(job: Job, kind: str) -> str:
    """``successfulResults``, ``failedResults`` or ``unprocessedrecords`` as CSV."""
    le = LINE_ENDINGS[job.line_ending]
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=DELIMITERS[job.column_delimiter], lineterminator=le)
    if kind == "successfulResults":
        writer.writerow(["sf__Id", "sf__Created", *job.header])
        writer.writerows(job.success_rows)
    elif kind == "failedResults":
        writer.writerow(["sf__Id", "sf__Error", *job.header])
        writer.writerows(job.failed_rows)
    else:
        writer.writerow(job.header)
        writer.writerows(job.unprocessed_rows)
    return buf.getvalue()


# -------------------------------------------------------------- query


def _error_text(res: WriteResult) -> str:
    parts = []
    for e in res.errors:
        fields = ",".join(e.get("fields") or [])
        # Salesforce: "CODE:message:Field1,Field2 --", and "CODE:message:--" without fields.
        parts.append(f"{e['statusCode']}:{e['message']}:{fields + ' ' if fields else ''}--")
    return " ".join(parts)
