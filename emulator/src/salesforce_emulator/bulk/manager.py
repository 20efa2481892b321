"""The jobs of the org: ids, lookups, uploads, state transitions, background threads."""

from __future__ import annotations

import threading
from typing import Any

from ..store import Store
from ..store.change_log import change_origin
from ..values import format_dt, make_id, now_utc
from .allocations import Allocations, batches_for
from .ingest import new_ingest_job, results_csv, run_ingest
from .jobs import BulkError, Job
from .query import new_query_job, query_page, run_query


class BulkManager:
    """Holds the jobs of the org and runs them in background threads."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.jobs: dict[str, Job] = {}
        self.lock = threading.Lock()
        self._n = 0
        #: What ``limits/`` reports as the Bulk allocations of the last 24 hours.
        self.allocations = Allocations()
        # Ingest jobs run one at a time, in the order they were closed: this process has
        # one interpreter lock and one store lock, so jobs run side by side only took turns
        # chunk by chunk, and every job ended as late as the last one (a client waiting for
        # the first could not start on its results).
        self._ingest_turn = threading.Condition()
        self._ingest_queue: list[Job] = []

    def reset(self) -> None:
        with self.lock:
            self.jobs.clear()
        self.allocations.clear()

    def _new_id(self) -> str:
        with self.lock:
            self._n += 1
            return make_id("750", self._n)

    def get(self, job_id: str, kind: str) -> Job:
        job = self.jobs.get(job_id)
        if job is None or job.kind != kind:
            raise BulkError(404, "NOT_FOUND", "The requested resource does not exist")
        return job

    def delete(self, job: Job) -> None:
        self.jobs.pop(job.id, None)

    def list_jobs(self, kind: str) -> list[dict[str, Any]]:
        return [j.info() for j in self.jobs.values() if j.kind == kind]

    def _start(self, target: Any, job: Job) -> None:
        threading.Thread(target=target, args=(self.store, job), daemon=True).start()

    # -------------------------------------------------------------- ingest

    def create_ingest(
        self, body: dict[str, Any], user_id: str, api_version: str, *, client_id: str = ""
    ) -> Job:
        job = new_ingest_job(body, self._new_id, user_id, api_version, self.store.view(user_id))
        job.client_id = client_id
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
            with job.lock:
                if job.state in ("JobComplete", "Failed", "Aborted"):
                    raise BulkError(409, "INVALIDJOBSTATE", f"Job is already {job.state}")
                job.state = "Aborted"
                job.aborted.set()
        elif state == "UploadComplete" and job.kind == "ingest":
            if job.state != "Open":
                raise BulkError(409, "INVALIDJOBSTATE", f"Job is not Open: {job.state}")
            job.state = "UploadComplete"
            with self._ingest_turn:
                self._ingest_queue.append(job)
            self._start(self._run_ingest, job)
        else:
            raise BulkError(400, "INVALIDJOBSTATE", f"Invalid state transition to {state}")
        job.modstamp = format_dt(now_utc())
        return job

    def _run_ingest(self, store: Store, job: Job) -> None:
        with self._ingest_turn:
            self._ingest_turn.wait_for(lambda: self._ingest_queue[0] is job)
        try:
            with store.change_origin(change_origin("bulkapi", job.api_version, job.client_id)):
                run_ingest(store, job)
            self.allocations.use("batches", batches_for(job.processed))
        finally:
            with self._ingest_turn:
                self._ingest_queue.remove(job)
                self._ingest_turn.notify_all()

    def results_csv(self, job: Job, kind: str) -> str:
        return results_csv(job, kind)

    # -------------------------------------------------------------- query

    def create_query(self, body: dict[str, Any], user_id: str, api_version: str) -> Job:
        job = new_query_job(self.store, body, self._new_id, user_id, api_version)
        self.jobs[job.id] = job
        self.allocations.use("query")
        self._start(run_query, job)
        return job

    def query_page(
        self, job: Job, locator: str | None, max_records: int | None
    ) -> tuple[str, int, str]:
        """One CSV page: (csv text, number of records, next locator or "null")."""
        return query_page(self.store, job, locator, max_records)
