"""The control API ``/__emulator/`` used by tests, benchmarks and the demo: reset, users,
connected apps, org settings, field-level security, faults, sessions, stats, direct record
access; lead conversion, merges and recycle-bin purges are in :mod:`.control_lifecycle`,
duplicate and validation rules and custom fields in :mod:`.control_rules`.
Its requests use no API calls and are never faulted; bad input is a 400 ``{"error": ...}``."""

from __future__ import annotations

import secrets
from typing import Any

from ..bulk import BulkManager
from ..schema import OBJECTS, get_object
from ..seed import seed_demo, seed_on_start
from ..store import Store
from ..store.audit import split_audit
from ..store.faults import FaultBook
from ..store.metering import Meter
from ..values import parse_dt
from .common import Ctx, Out
from .control_campaigns import CampaignsControl
from .control_lifecycle import LifecycleControl
from .control_rules import RulesControl
from .control_setup import SetupControl
from .jwt_bearer import load_certificate


class ControlApi(SetupControl, LifecycleControl, RulesControl, CampaignsControl):
    """``/__emulator/*``; ``seed`` is what ``reset`` re-applies unless the body names one."""

    def __init__(
        self, store: Store, bulk: BulkManager, faults: FaultBook, meter: Meter, *, seed: str
    ) -> None:
        self.store = store
        self.bulk = bulk
        self.fault_book = faults
        self.meter = meter
        self.seed = seed
        self.seed_info: dict[str, Any] | None = seed_on_start(store, seed)

    def health(self, ctx: Ctx) -> Out:
        return Out(200, {"status": "ok"})

    def reset(self, ctx: Ctx) -> Out:
        body = ctx.json() or {}
        self.store.reset()
        self.bulk.reset()
        self.fault_book.clear()
        self.meter.reset()
        seed = body.get("seed", self.seed)
        self.seed_info = seed_demo(self.store) if seed == "demo" else None
        return Out(200, {"status": "reset", "seed": seed, "demo": self.seed_info})

    def users(self, ctx: Ctx) -> Out:
        body = ctx.json()
        user = self.store.create_user(
            username=body["username"],
            # A user who only owns records needs no password anybody knows.
            password=body.get("password") or secrets.token_urlsafe(16),
            security_token=body.get("security_token", ""),
            sandbox=bool(body.get("sandbox", False)),
            first_name=body.get("first_name", "Emulated"),
            last_name=body.get("last_name"),
            email=body.get("email"),
            active=bool(body.get("active", True)),
        )
        return Out(201, user)

    def apps(self, ctx: Ctx) -> Out:
        body = ctx.json()
        certificate = body.get("certificate")
        if certificate:
            load_certificate(certificate)  # a 400 now rather than "invalid assertion" later
        app = self.store.add_app(
            body["consumer_key"],
            body["consumer_secret"],
            body.get("username"),
            certificate=certificate or None,
            callback_url=body.get("callback_url") or None,
        )
        return Out(
            201,
            {
                "consumer_key": app.consumer_key,
                "username": app.username,
                "has_certificate": app.certificate is not None,
                "callback_url": app.callback_url,
            },
        )

    def field_security(self, ctx: Ctx) -> Out:
        username = ctx.values["username"]
        if ctx.method == "GET":
            return Out(200, {"username": username, **self._fls(username)})
        mapping = self.store.set_field_security(username, ctx.json())
        return Out(200, {"username": username, "fields": mapping})

    def _fls(self, username: str) -> dict[str, dict[str, str]]:
        return {"fields": self.store.field_security_of(username)}

    def org(self, ctx: Ctx) -> Out:
        if ctx.method == "GET":
            return Out(200, dict(self.store.org))
        return Out(200, self.store.configure(**ctx.json()))

    def faults(self, ctx: Ctx) -> Out:
        if ctx.method == "DELETE":
            self.fault_book.clear()
            return Out(200, {"faults": []})
        if ctx.method == "POST":
            return Out(201, self.fault_book.add(ctx.json()).as_json())
        return Out(200, {"faults": self.fault_book.pending()})

    def expire_sessions(self, ctx: Ctx) -> Out:
        return Out(200, {"expired": self.store.expire_sessions()})

    def stats(self, ctx: Ctx) -> Out:
        return Out(200, self.meter.stats())

    def stats_reset(self, ctx: Ctx) -> Out:
        self.meter.reset()
        return Out(200, {"requests": {}})

    def expire_change_events(self, ctx: Ctx) -> Out:
        """Stop retaining change events committed at or before ``before`` (ISO datetime;
        default: all of them), as the 72-hour window would."""
        before = (ctx.json() or {}).get("before")
        before_ms = None
        if before is not None:
            moment = parse_dt(str(before))
            if moment is None:
                raise ValueError(f"before must be an ISO datetime, not {before!r}")
            before_ms = int(moment.timestamp() * 1000)
        return Out(200, self.store.expire_change_events(before_ms))

    def change_events(self, ctx: Ctx) -> Out:
        """The retained change events' bookkeeping (no payloads)."""
        return Out(
            200,
            {
                "latest_seq": self.store.latest_event_seq(),
                "purged_through": self.store.purged_through(),
                "retained": self.store.retained_event_count(),
            },
        )

    def records(self, ctx: Ctx) -> Out:
        if ctx.method == "PATCH":
            return self.update_records(ctx)
        obj = OBJECTS.get(ctx.values["obj"]) or get_object(ctx.values["obj"])
        if obj is None:
            raise ValueError(f"unknown object {ctx.values['obj']}")
        if ctx.method == "GET":
            include = ctx.args.get("include_deleted", "true").lower() != "false"
            return Out(200, {"records": self.store.all_rows(obj.name, include_deleted=include)})
        body = ctx.json()
        user_id = body.get("owner_id") or self.store.any_user_id()
        # An admin's data load: duplicate and validation rules do not run; audit dates may
        # lie in the past (store/audit.py).
        records, audit = split_audit(body["records"])
        results = self.store.insert(
            obj.name, records, user_id=user_id, run_rules=False, audit=audit
        )
        return Out(200, {"results": [r.as_json() for r in results]})
