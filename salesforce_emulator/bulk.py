"""Bulk API 2.0: ingest jobs (CSV insert/update/upsert/delete) and query jobs (CSV pages).

Jobs are processed in a background thread after ``UploadComplete`` (ingest) or creation
(query), like Salesforce does asynchronously, so clients must poll the job state.
"""

from __future__ import annotations

import base64
import csv
import io
import logging
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from .schema import OBJECTS
from .soql import Compiled
from .store import Store, WriteResult
from .values import format_dt, make_id, now_utc

log = logging.getLogger(__name__)

DELIMITERS = {
    "COMMA": ",",
    "TAB": "\t",
    "PIPE": "|",
    "SEMICOLON": ";",
    "CARET": "^",
    "BACKQUOTE": "`",
}
LINE_ENDINGS = {"LF": "\n", "CRLF": "\r\n"}
INGEST_OPERATIONS = ("insert", "update", "upsert", "delete", "hardDelete")
CHUNK = 10_000


class BulkError(Exception):
    """A request error: HTTP status plus Salesforce error code."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


@dataclass
class Job:
    id: str
    kind: str  # ingest | query
    operation: str
    object: str
    user_id: str
    api_version: str
    column_delimiter: str = "COMMA"
    line_ending: str = "LF"
    external_id: str | None = None
    state: str = "Open"
    created: str = ""
    modstamp: str = ""
    error_message: str | None = None
    processed: int = 0
    failed: int = 0
    started: float = 0.0
    elapsed_ms: int = 0
    data: list[bytes] = field(default_factory=list)
    header: list[str] = field(default_factory=list)
    success_rows: list[list[str]] = field(default_factory=list)
    failed_rows: list[list[str]] = field(default_factory=list)
    unprocessed_rows: list[list[str]] = field(default_factory=list)
    query: str = ""
    compiled: Compiled | None = None
    rowids: list[int] = field(default_factory=list)

    def info(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id,
            "operation": self.operation,
            "object": self.object,
            "createdById": self.user_id,
            "createdDate": self.created,
            "systemModstamp": self.modstamp,
            "state": self.state,
            "concurrencyMode": "Parallel",
            "contentType": "CSV",
            "apiVersion": float(self.api_version),
            "jobType": "V2Ingest" if self.kind == "ingest" else "V2Query",
            "lineEnding": self.line_ending,
            "columnDelimiter": self.column_delimiter,
            "numberRecordsProcessed": self.processed,
            "retries": 0,
            "totalProcessingTime": self.elapsed_ms,
        }
        if self.kind == "ingest":
            out["contentUrl"] = f"services/data/v{self.api_version}/jobs/ingest/{self.id}/batches"
            out["numberRecordsFailed"] = self.failed
            out["apiActiveProcessingTime"] = self.elapsed_ms
            out["apexProcessingTime"] = 0
            if self.external_id:
                out["externalIdFieldName"] = self.external_id
        if self.error_message:
            out["errorMessage"] = self.error_message
        return out


class BulkManager:
    """Holds the jobs of the org and runs them in background threads."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.jobs: dict[str, Job] = {}
        self.lock = threading.Lock()
        self._n = 0

    def reset(self) -> None:
        with self.lock:
            self.jobs.clear()

    def _new_id(self) -> str:
        with self.lock:
            self._n += 1
            return make_id("750", self._n)

    def get(self, job_id: str, kind: str) -> Job:
        job = self.jobs.get(job_id)
        if job is None or job.kind != kind:
            raise BulkError(404, "NOT_FOUND", "The requested resource does not exist")
        return job

    # -------------------------------------------------------------- ingest

    def create_ingest(self, body: dict[str, Any], user_id: str, api_version: str) -> Job:
        obj_name = str(body.get("object") or "")
        obj = next(
            (o for o in OBJECTS.values() if o.name.lower() == obj_name.lower() and not o.tooling),
            None,
        )
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
            f = obj.field(str(ext or ""))
            if f is None or not (f.external_id or f.name == "Id"):
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
            id=self._new_id(),
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
        self.jobs[job.id] = job
        return job

    def upload(self, job: Job, data: bytes) -> None:
        if job.state != "Open":
            raise BulkError(
                409, "INVALIDJOBSTATE", f"Job {job.id} is not in state Open: {job.state}"
            )
        if len(data) > 150 * 1024 * 1024:
            raise BulkError(400, "INVALIDBATCH", "InvalidBatch : upload exceeds 150 MB")
        job.data.append(data)

    def set_state(self, job: Job, state: str) -> Job:
        if state == "Aborted":
            if job.state in ("JobComplete", "Failed"):
                raise BulkError(409, "INVALIDJOBSTATE", f"Job is already {job.state}")
            job.state = "Aborted"
        elif state == "UploadComplete" and job.kind == "ingest":
            if job.state != "Open":
                raise BulkError(409, "INVALIDJOBSTATE", f"Job is not Open: {job.state}")
            job.state = "UploadComplete"
            threading.Thread(target=self._run_ingest, args=(job,), daemon=True).start()
        else:
            raise BulkError(400, "INVALIDJOBSTATE", f"Invalid state transition to {state}")
        job.modstamp = format_dt(now_utc())
        return job

    def _run_ingest(self, job: Job) -> None:
        started = time.perf_counter()
        try:
            self._ingest(job)
        except Exception as exc:  # a crash must fail the job, not hang the client
            log.exception("bulk ingest job %s crashed", job.id)
            job.state = "Failed"
            job.error_message = f"InternalServerError : {exc}"
        job.elapsed_ms = int((time.perf_counter() - started) * 1000)
        job.modstamp = format_dt(now_utc())

    def _ingest(self, job: Job) -> None:
        if job.state == "Aborted":
            return
        job.state = "InProgress"
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
        for name in header:
            if (
                "." in name
                or obj.field(name) is None
                or (
                    obj.field(name).needs_picklists  # type: ignore[union-attr]
                    and not self.store.picklists_on
                )
            ):
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
            results = self._write(job, records)
            for raw, res in zip(chunk, results, strict=True):
                if res.success:
                    job.success_rows.append(
                        [res.id or "", "true" if res.created else "false", *raw]
                    )
                else:
                    job.failed_rows.append([res.id or "", _error_text(res), *raw])
                    job.failed += 1
            job.processed += len(chunk)
        job.state = "JobComplete"

    def _write(self, job: Job, records: list[dict[str, Any]]) -> list[WriteResult]:
        store = self.store
        if job.operation == "insert":
            return store.insert(job.object, records, user_id=job.user_id, csv_mode=True)
        if job.operation == "update":
            return store.update(job.object, records, user_id=job.user_id, csv_mode=True)
        if job.operation == "upsert":
            assert job.external_id
            return store.upsert(
                job.object, job.external_id, records, user_id=job.user_id, csv_mode=True
            )
        ids = [next(iter(r.values()), "") for r in records]
        return store.delete(ids, obj_name=job.object, user_id=job.user_id)

    def results_csv(self, job: Job, kind: str) -> str:
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

    def create_query(self, body: dict[str, Any], user_id: str, api_version: str) -> Job:
        op = body.get("operation") or "query"
        if op not in ("query", "queryAll"):
            raise BulkError(400, "INVALIDJOB", f"InvalidJob : Invalid operation: {op}")
        soql = str(body.get("query") or "")
        compiled = self.store.compile(soql, include_deleted=op == "queryAll")
        if compiled.aggregates or compiled.count_only:
            raise BulkError(400, "API_ERROR", "Aggregate queries are not supported by Bulk API 2.0")
        delim = body.get("columnDelimiter") or "COMMA"
        ending = body.get("lineEnding") or "LF"
        stamp = format_dt(now_utc())
        job = Job(
            id=self._new_id(),
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
        self.jobs[job.id] = job
        threading.Thread(target=self._run_query, args=(job,), daemon=True).start()
        return job

    def _run_query(self, job: Job) -> None:
        started = time.perf_counter()
        try:
            job.state = "InProgress"
            assert job.compiled is not None
            job.rowids = self.store.query_rowids(job.compiled)
            job.processed = len(job.rowids)
            if job.state != "Aborted":
                job.state = "JobComplete"
        except Exception as exc:
            log.exception("bulk query job %s crashed", job.id)
            job.state = "Failed"
            job.error_message = str(exc)
        job.elapsed_ms = int((time.perf_counter() - started) * 1000)
        job.modstamp = format_dt(now_utc())

    def query_page(
        self, job: Job, locator: str | None, max_records: int | None
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
        rows = self.store.rows_by_rowid(c, page)
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
                else:
                    out.append(str(value))
            writer.writerow(out)
        end = start + len(page)
        next_locator = (
            base64.b64encode(str(end).encode()).decode() if end < len(job.rowids) else "null"
        )
        return buf.getvalue(), len(page), next_locator

    def list_jobs(self, kind: str) -> list[dict[str, Any]]:
        return [j.info() for j in self.jobs.values() if j.kind == kind]


def _error_text(res: WriteResult) -> str:
    parts = []
    for e in res.errors:
        fields = ",".join(e.get("fields") or [])
        parts.append(f"{e['statusCode']}:{e['message']}:{fields} --")
    return " ".join(parts)
