"""Bulk API 2.0 engine: ingest jobs (CSV insert/update/upsert/delete) and query jobs (CSV pages).

Jobs are processed in a background thread after ``UploadComplete`` (ingest) or creation
(query), like Salesforce does asynchronously, so clients must poll the job state. The HTTP
endpoints are in :mod:`salesforce_emulator.api.bulk`.

* :mod:`.jobs`: the job record and its JSON, CSV dialects, :class:`BulkError`;
* :mod:`.ingest`: ingest processing and result files;
* :mod:`.query`: query snapshots and CSV pages;
* :mod:`.manager`: :class:`BulkManager`, the jobs of the org and their state transitions.
"""

from __future__ import annotations

from .jobs import BulkError, Job
from .manager import BulkManager

__all__ = ["BulkError", "BulkManager", "Job"]
