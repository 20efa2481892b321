"""The REST data API: versions, resources, limits, describe, sObject CRUD by id and by
external id, and the ``updated/`` / ``deleted/`` replication endpoints."""

from __future__ import annotations

from datetime import timedelta

from ..bulk import BulkManager
from ..schema import SObject, describe_global_entry, describe_sobject
from ..store import Store
from ..values import format_dt, now_utc, parse_dt
from .assignment import assignment_rule_run
from .common import (
    MAX_COLLECTION,
    SUPPORTED_VERSIONS,
    ApiError,
    Ctx,
    Out,
    errors_body,
    release_label,
)
from .duplicate_header import allow_save


class RestApi:
    """``/services/data/`` and ``/services/data/v{v}/{sobjects,limits}/...``."""

    def __init__(self, store: Store, bulk: BulkManager) -> None:
        self.store = store
        self.bulk = bulk

    def versions(self, ctx: Ctx) -> Out:
        """Every version served, oldest first (as Salesforce lists them)."""
        return Out(
            200,
            [
                {"label": release_label(v), "url": f"/services/data/v{v}", "version": v}
                for v in SUPPORTED_VERSIONS
            ],
        )

    def resources(self, ctx: Ctx) -> Out:
        """The version's resources, with ``identity``: the session user's identity URL."""
        v = f"/services/data/v{ctx.version}"
        org_id = self.store.org["org_id"]
        return Out(
            200,
            {
                "identity": f"{ctx.url_for(ctx.sf_host)}/id/{org_id}/{ctx.user_id}",
                **{
                    name: f"{v}/{name}"
                    for name in (
                        "sobjects",
                        "query",
                        "queryAll",
                        "limits",
                        "composite",
                        "jobs",
                        "search",
                        "parameterizedSearch",
                        "tooling",
                    )
                },
            },
        )

    def limits(self, ctx: Ctx) -> Out:
        org = self.store.org
        query_jobs = self.bulk.allocations.used("query")
        batches = self.bulk.allocations.used("batches")
        return Out(
            200,
            {
                "DailyApiRequests": {
                    "Max": org["api_limit"],
                    "Remaining": max(0, org["api_limit"] - org["api_used"]),
                },
                # Bulk allocations per rolling 24 hours (bulk/allocations.py): query jobs
                # created, and batches (one per started 10,000 records of an ingest job).
                "DailyBulkApiBatches": {"Max": 15000, "Remaining": max(0, 15000 - batches)},
                "DailyBulkV2QueryJobs": {"Max": 10000, "Remaining": max(0, 10000 - query_jobs)},
                "DailyBulkV2QueryFileStorageMB": {"Max": 976562, "Remaining": 976562},
                "DataStorageMB": {"Max": 1024, "Remaining": 1000},
                "FileStorageMB": {"Max": 1024, "Remaining": 1024},
                "DailyAsyncApexExecutions": {"Max": 250000, "Remaining": 250000},
                "HourlyTimeBasedWorkflow": {"Max": 1000, "Remaining": 1000},
            },
        )

    def record_count(self, ctx: Ctx) -> Out:
        """``limits/recordCount?sObjects=A,B``: the records of each object named (unknown
        names are left out), or of every object that has any."""
        named = [n.strip() for n in (ctx.args.get("sObjects") or "").split(",") if n.strip()]
        objects = ctx.schema.objects()
        if named:
            names = [objects[n.lower()].name for n in named if n.lower() in objects]
        else:
            names = sorted(o.name for o in objects.values())
        counts = self.store.record_counts(names)
        return Out(
            200,
            {"sObjects": [{"count": counts[n], "name": n} for n in names if named or counts[n]]},
        )

    def describe_global(self, ctx: Ctx) -> Out:
        return Out(
            200,
            {
                "encoding": "UTF-8",
                "maxBatchSize": MAX_COLLECTION,
                "sobjects": [
                    describe_global_entry(o, ctx.version) for o in ctx.schema.objects().values()
                ],
            },
        )

    def describe(self, ctx: Ctx) -> Out:
        return Out(200, describe_sobject(ctx.sobject(), ctx.version, ctx.schema))

    def sobject(self, ctx: Ctx) -> Out:
        obj = ctx.sobject()
        if ctx.method == "GET":
            return Out(
                200,
                {
                    "objectDescribe": describe_global_entry(obj, ctx.version),
                    "recentItems": [],
                },
            )
        data = ctx.json_object()
        res = self.store.insert(
            obj.name, [data], user_id=ctx.user_id, view=ctx.view, allow_save=allow_save(ctx)
        )[0]
        assignment_rule_run(ctx, self.store, obj.name, [res])
        if not res.success:
            return Out(400, errors_body(res))
        return Out(
            201,
            {"id": res.id, "success": True, "errors": []},
            headers={"Location": f"/services/data/v{ctx.version}/sobjects/{obj.name}/{res.id}"},
        )

    # ------------------------------------------------------------------ records

    def record(self, ctx: Ctx) -> Out:
        obj = ctx.sobject()
        rid = ctx.values["rid"]
        if ctx.method == "GET":
            fields = ctx.args.get("fields")
            return Out(
                200,
                self.store.get(
                    obj.name,
                    rid,
                    fields.split(",") if fields else None,
                    api_version=ctx.version,
                    view=ctx.view,
                ),
            )
        if ctx.method == "DELETE":
            res = self.store.delete([rid], obj_name=obj.name, user_id=ctx.user_id)[0]
            if not res.success:
                return Out(404, errors_body(res))
            return Out(204)
        data = ctx.json_object()
        body = {k: v for k, v in data.items() if k.lower() != "id"}
        body["Id"] = rid
        self.store.get(obj.name, rid)  # 404 / ENTITY_IS_DELETED first
        res = self.store.update(
            obj.name, [body], user_id=ctx.user_id, view=ctx.view, allow_save=allow_save(ctx)
        )[0]
        assignment_rule_run(ctx, self.store, obj.name, [res])
        if not res.success:
            return Out(400, errors_body(res))
        return Out(204)

    def external(self, ctx: Ctx) -> Out:
        obj = ctx.sobject()
        ext, value = ctx.values["ext"], ctx.values["value"]
        f = ctx.schema.field(obj, ext)
        if f is None or not (f.external_id or f.name == "Id" or f.unique):
            raise ApiError(
                404,
                "NOT_FOUND",
                f"Provided external ID field does not exist or is not accessible: {ext}",
            )
        ids = self.store.find_by_external(obj.name, f.name, value)
        if ctx.method in ("GET", "DELETE"):
            if not ids:
                raise ApiError(404, "NOT_FOUND", "The requested resource does not exist")
            if len(ids) > 1:
                return self._multiple(ctx, obj, ids)
            if ctx.method == "DELETE":
                self.store.delete(ids, obj_name=obj.name, user_id=ctx.user_id)
                return Out(204)
            return Out(
                200, self.store.get(obj.name, ids[0], api_version=ctx.version, view=ctx.view)
            )
        if len(ids) > 1:
            return self._multiple(ctx, obj, ids)
        data = ctx.json_object()
        given = next((v for k, v in data.items() if k.lower() == f.name.lower()), None)
        if given is not None and str(given) != value:
            raise ApiError(
                400,
                "INVALID_FIELD",
                f"The value of the {f.name} field in the body must match the value in the URL",
                [f.name],
            )
        body = {k: v for k, v in data.items() if k.lower() != f.name.lower()}
        body[f.name] = value
        res = self.store.upsert(
            obj.name,
            f.name,
            [body],
            user_id=ctx.user_id,
            view=ctx.view,
            allow_save=allow_save(ctx),
        )[0]
        assignment_rule_run(ctx, self.store, obj.name, [res])
        if not res.success:
            if res.errors[0]["statusCode"] == "NOT_FOUND":
                return Out(404, errors_body(res))
            return Out(400, errors_body(res))
        return Out(201 if res.created else 200, res.as_json(with_created=True))

    def _multiple(self, ctx: Ctx, obj: SObject, ids: list[str]) -> Out:
        return Out(300, [f"/services/data/v{ctx.version}/sobjects/{obj.name}/{i}" for i in ids])

    def _replication_window(self, ctx: Ctx, days: int) -> tuple[str, str, str]:
        start_raw, end_raw = ctx.args.get("start"), ctx.args.get("end")
        if not start_raw or not end_raw:
            raise ApiError(400, "MISSING_ARGUMENT", "start and end are required")
        start, end = parse_dt(start_raw), parse_dt(end_raw)
        if start is None or end is None:
            raise ApiError(
                400,
                "INVALID_REPLICATION_DATE",
                f"Invalid date/time: {start_raw if start is None else end_raw}",
            )
        now = now_utc()
        if start < now - timedelta(days=days):
            raise ApiError(
                400, "INVALID_REPLICATION_DATE", f"startDate cannot be more than {days} days ago"
            )
        if end <= start:
            raise ApiError(400, "INVALID_REPLICATION_DATE", "EndDate must be after StartDate")
        end = min(end, now)
        return format_dt(start), format_dt(end), format_dt(now - timedelta(days=days))

    def updated(self, ctx: Ctx) -> Out:
        obj = ctx.sobject()
        start, end, _ = self._replication_window(ctx, 30)
        ids = self.store.changed_ids(obj.name, start, end, deleted=False)
        return Out(200, {"ids": [i for i, _ in ids], "latestDateCovered": end})

    def deleted(self, ctx: Ctx) -> Out:
        obj = ctx.sobject()
        start, end, earliest = self._replication_window(ctx, 15)
        ids = self.store.changed_ids(obj.name, start, end, deleted=True)
        # Deletes from before the bin's latest purge are gone: say so.
        earliest = max(earliest, self.store.purged_until(obj.name) or earliest)
        return Out(
            200,
            {
                "deletedRecords": [{"id": i, "deletedDate": d} for i, d in ids],
                "earliestDateAvailable": earliest,
                "latestDateCovered": end,
            },
        )
