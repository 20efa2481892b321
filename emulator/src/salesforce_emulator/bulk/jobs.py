"""Bulk API 2.0 jobs: the :class:`Job` record, its JSON info, CSV dialects, errors."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any

from ..soql import Compiled

DELIMITERS = {
    "COMMA": ",",
    "TAB": "\t",
    "PIPE": "|",
    "SEMICOLON": ";",
    "CARET": "^",
    "BACKQUOTE": "`",
}
LINE_ENDINGS = {"LF": "\n", "CRLF": "\r\n"}


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
    # The creating request's ``Sforce-Call-Options`` client id (ingest changeOrigin).
    client_id: str = ""
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
    #: Set when the job is aborted: wakes a query job waiting in UploadComplete/InProgress.
    aborted: threading.Event = field(default_factory=threading.Event)
    #: Guards state changes between the request threads and the job's own thread.
    lock: threading.Lock = field(default_factory=threading.Lock)

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


def pace(org: dict[str, Any], since: float, records: int) -> None:
    """Hold a job until ``records`` records have had their time at the org's
    ``bulk_records_per_s`` since ``since`` (``time.monotonic()``): Bulk API 2.0 throughput of
    a real org (``--bulk-records-per-s``). No limit set: no wait."""
    rate = org.get("bulk_records_per_s")
    if rate:
        wait = since + records / rate - time.monotonic()
        if wait > 0:
            time.sleep(wait)
