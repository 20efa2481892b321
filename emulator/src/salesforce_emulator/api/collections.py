"""sObject Collections: ``composite/sobjects`` create / update / delete / upsert / retrieve,
up to 200 records a call, ``allOrNone``, and the record faults of the control API."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..store import RecordNotFound, Store, WriteResult, err
from ..store.metering import Meter
from ..store.results import roll_back
from .assignment import assignment_rule_run
from .common import MAX_COLLECTION, AllOrNoneAbort, ApiError, Ctx, Out
from .duplicate_header import allow_save

Write = Callable[[list[dict[str, Any]]], list[WriteResult]]


def _collection_json(res: WriteResult, *, upsert: bool = False) -> dict[str, Any]:
    if res.success:
        return res.as_json(with_created=upsert)
    out: dict[str, Any] = {"success": False, "errors": res.errors}
    if upsert:
        out["created"] = False
    return out


def _check_size(n: int) -> None:
    if n > MAX_COLLECTION:
        raise ApiError(
            400,
            "EXCEEDED_ID_LIMIT",
            "record limit reached. cannot submit more "
            f"than {MAX_COLLECTION} records into this call",
        )


def _all_or_none(ctx: Ctx, body: Any) -> bool:
    value = body.get("allOrNone", False) if isinstance(body, dict) else False
    if ctx.method == "DELETE":
        value = ctx.args.get("allOrNone", "false").lower() == "true"
    return bool(value)


def _records(body: Any) -> list[dict[str, Any]]:
    if not isinstance(body, dict) or not isinstance(body.get("records"), list):
        raise ApiError(400, "JSON_PARSER_ERROR", 'Expected {"records": [...]}')
    records: list[dict[str, Any]] = body["records"]
    _check_size(len(records))
    if any(not isinstance(r, dict) for r in records):
        raise ApiError(400, "JSON_PARSER_ERROR", "Each record must be a JSON object")
    return records


class CollectionsApi:
    """``composite/sobjects[/X[/ExtField]]``."""

    def __init__(self, store: Store, meter: Meter) -> None:
        self.store = store
        self.meter = meter

    def _write_records(
        self, ctx: Ctx, records: list[dict[str, Any]], all_or_none: bool, write: Write
    ) -> list[WriteResult]:
        """``write(records)``, except the records a record-level fault picks, which fail."""
        fault = ctx.record_fault
        failing = fault.records_to_fail(len(records)) if fault is not None else set()
        if fault is None or not failing:
            return write(records)
        self.meter.count_fault(f"record:{fault.record_error_code}", len(failing))
        return fault.fail_records(records, failing, all_or_none, write)

    def _grouped(
        self,
        ctx: Ctx,
        records: list[dict[str, Any]],
        all_or_none: bool,
        write: Callable[[str, list[dict[str, Any]]], list[WriteResult]],
    ) -> list[WriteResult]:
        """Write records grouped by ``attributes.type``; results in input order."""
        results: list[WriteResult | None] = [None] * len(records)
        groups: dict[str, list[int]] = {}
        for i, rec in enumerate(records):
            attrs = rec.get("attributes") or {}
            obj = ctx.schema.object(str(attrs.get("type", ""))) if isinstance(attrs, dict) else None
            if obj is None:
                results[i] = WriteResult(
                    errors=[err("INVALID_TYPE", "Must send a concrete entity type.")]
                )
            else:
                groups.setdefault(obj.name, []).append(i)
        with self.store.lock:
            try:
                with self.store.transaction():
                    for name, idx in groups.items():
                        for i, r in zip(idx, write(name, [records[i] for i in idx]), strict=True):
                            results[i] = r
                    if all_or_none and any(r is not None and not r.success for r in results):
                        raise AllOrNoneAbort
            except AllOrNoneAbort:
                roll_back([r for r in results if r is not None])
        return [r for r in results if r is not None]

    def write(self, ctx: Ctx) -> Out:
        """``POST`` (create), ``PATCH`` (update) or ``DELETE`` (``?ids=``) records."""
        if ctx.method == "DELETE":
            ids = [i for i in (ctx.args.get("ids") or "").split(",") if i]
            if not ids:
                raise ApiError(400, "MISSING_ARGUMENT", "ids is required")
            _check_size(len(ids))
            res = self.store.delete(ids, user_id=ctx.user_id, all_or_none=_all_or_none(ctx, None))
            return Out(200, [_collection_json(r) for r in res])
        body = ctx.json()
        records = _records(body)
        aon = _all_or_none(ctx, body)
        store_write = self.store.insert if ctx.method == "POST" else self.store.update
        res = self._write_records(
            ctx,
            records,
            aon,
            lambda kept: self._grouped(
                ctx,
                kept,
                aon,
                lambda name, recs: self._assigned(
                    ctx,
                    name,
                    store_write(
                        name,
                        recs,
                        user_id=ctx.user_id,
                        view=ctx.view,
                        allow_save=allow_save(ctx),
                    ),
                ),
            ),
        )
        return Out(200, [_collection_json(r) for r in res])

    def _assigned(self, ctx: Ctx, name: str, results: list[WriteResult]) -> list[WriteResult]:
        assignment_rule_run(ctx, self.store, name, results)
        return results

    def upsert(self, ctx: Ctx) -> Out:
        """``PATCH composite/sobjects/X/ExtField``."""
        obj = ctx.sobject()
        ext = ctx.values["ext"]
        body = ctx.json()
        records = _records(body)
        f = ctx.schema.external_key(obj, ext)
        if f is None:
            raise ApiError(
                400,
                "INVALID_FIELD",
                f"Field name provided, {ext} is not an External ID or indexed field for {obj.name}",
                [ext],
            )
        for rec in records:
            attrs = rec.get("attributes") or {}
            if (
                not isinstance(attrs, dict)
                or str(attrs.get("type", "")).lower() != obj.name.lower()
            ):
                raise ApiError(
                    400,
                    "INVALID_TYPE",
                    "Must send a concrete entity type "
                    f"({obj.name}) in attributes.type of every record.",
                )
        aon = _all_or_none(ctx, body)
        res = self._write_records(
            ctx,
            records,
            aon,
            lambda kept: self._assigned(
                ctx,
                obj.name,
                self.store.upsert(
                    obj.name,
                    f.name,
                    kept,
                    user_id=ctx.user_id,
                    all_or_none=aon,
                    view=ctx.view,
                    allow_save=allow_save(ctx),
                ),
            ),
        )
        return Out(200, [_collection_json(r, upsert=True) for r in res])

    def retrieve(self, ctx: Ctx) -> Out:
        """``GET composite/sobjects/X?ids=&fields=`` (or ``POST`` with a JSON body)."""
        obj = ctx.sobject()
        if ctx.method == "POST":
            body = ctx.json()
            ids, fields = body.get("ids") or [], body.get("fields") or []
        else:
            ids = [i for i in (ctx.args.get("ids") or "").split(",") if i]
            fields = [f for f in (ctx.args.get("fields") or "").split(",") if f]
        if not fields:
            raise ApiError(400, "MISSING_ARGUMENT", "fields is required")
        if len(ids) > 2000:
            raise ApiError(400, "EXCEEDED_ID_LIMIT", "too many ids")
        out: list[dict[str, Any] | None] = []
        for rid in ids:
            try:
                out.append(
                    self.store.get(obj.name, rid, fields, api_version=ctx.version, view=ctx.view)
                )
            except RecordNotFound:
                out.append(None)
        return Out(200, out)
