"""Bulk API 2.0 over HTTP: ``jobs/ingest/`` and ``jobs/query/`` (the engine is
:mod:`salesforce_emulator.bulk`)."""

from __future__ import annotations

from ..bulk import BulkManager
from .common import ApiError, Ctx, Out, call_options_client


class BulkApi:
    """Job creation, state changes, uploads, result files and query result pages."""

    def __init__(self, bulk: BulkManager) -> None:
        self.bulk = bulk

    def ingest_jobs(self, ctx: Ctx) -> Out:
        if ctx.method == "GET":
            return Out(
                200,
                {"done": True, "records": self.bulk.list_jobs("ingest"), "nextRecordsUrl": None},
            )
        job = self.bulk.create_ingest(
            ctx.json(), ctx.user_id, ctx.version, client_id=call_options_client(ctx.headers)
        )
        return Out(200, job.info())

    def _job(self, ctx: Ctx, kind: str) -> Out:
        """GET a Bulk 2.0 job, DELETE it, or PATCH its state (ingest and query alike)."""
        job = self.bulk.get(ctx.values["job_id"], kind)
        if ctx.method == "GET":
            return Out(200, job.info())
        if ctx.method == "DELETE":
            self.bulk.delete(job)
            return Out(204)
        state = (ctx.json() or {}).get("state", "")
        return Out(200, self.bulk.set_state(job, state).info())

    def ingest_job(self, ctx: Ctx) -> Out:
        return self._job(ctx, "ingest")

    def ingest_upload(self, ctx: Ctx) -> Out:
        job = self.bulk.get(ctx.values["job_id"], "ingest")
        self.bulk.upload(job, ctx.body)
        return Out(201)

    def ingest_results(self, ctx: Ctx) -> Out:
        job = self.bulk.get(ctx.values["job_id"], "ingest")
        kind = ctx.values["kind"]
        valid = {
            "successfulresults": "successfulResults",
            "failedresults": "failedResults",
            "unprocessedrecords": "unprocessedrecords",
        }
        if kind.lower() not in valid:
            raise ApiError(404, "NOT_FOUND", "The requested resource does not exist")
        if job.state not in ("JobComplete", "Failed", "Aborted"):
            raise ApiError(400, "INVALIDJOBSTATE", f"Job is not complete: {job.state}")
        return Out(200, self.bulk.results_csv(job, valid[kind.lower()]), "text/csv")

    def query_jobs(self, ctx: Ctx) -> Out:
        if ctx.method == "GET":
            return Out(
                200, {"done": True, "records": self.bulk.list_jobs("query"), "nextRecordsUrl": None}
            )
        job = self.bulk.create_query(ctx.json(), ctx.user_id, ctx.version)
        return Out(200, job.info())

    def query_job(self, ctx: Ctx) -> Out:
        return self._job(ctx, "query")

    def query_results(self, ctx: Ctx) -> Out:
        job = self.bulk.get(ctx.values["job_id"], "query")
        max_records = ctx.args.get("maxRecords")
        text, n, locator = self.bulk.query_page(
            job, ctx.args.get("locator"), int(max_records) if max_records else None
        )
        return Out(
            200,
            text,
            "text/csv",
            headers={"Sforce-NumberOfRecords": str(n), "Sforce-Locator": locator},
        )
