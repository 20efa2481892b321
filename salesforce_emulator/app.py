"""The WSGI application: Salesforce's login, REST, Bulk 2.0 and Tooling endpoints, plus the
``/__emulator/`` control API.

Every request except the control API counts once against the org's daily API limit and every
response carries ``Sforce-Limit-Info: api-usage=USED/MAX``. Errors use Salesforce's list body
``[{"message", "errorCode", "fields"}]``.
"""

from __future__ import annotations

import base64
import json
import logging
import re
import socket
import sys
import threading
import time
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from html import escape
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from . import seed as seed_module
from .bulk import BulkError, BulkManager
from .schema import OBJECTS, SObject, get_object
from .soql import SoqlError
from .store import RecordNotFound, Store, WriteResult
from .values import format_dt, now_utc, parse_dt

log = logging.getLogger(__name__)

API_VERSION = "59.0"
MAX_COLLECTION = 200
MAX_COMPOSITE = 25
HOST_HEADER = "X-Salesforce-Host"
SOAP_NS = "http://schemas.xmlsoap.org/soap/envelope/"


class ApiError(Exception):
    """An error answered as ``[{"message", "errorCode", "fields"}]`` with ``status``."""

    def __init__(
        self, status: int, code: str, message: str, fields: list[str] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.fields = fields or []


@dataclass
class Ctx:
    """One API request, from HTTP or from a composite subrequest."""

    method: str
    path: str
    args: MultiDict[str, str]
    headers: dict[str, str]
    body: bytes
    host: str  # the emulator's own host:port (the instance)
    sf_host: str  # the Salesforce host the client meant (X-Salesforce-Host)
    user: dict[str, Any] | None = None
    values: dict[str, Any] = field(default_factory=dict)
    # A fault that fails some records of this collection write (Fault.record_error_code).
    record_fault: Fault | None = None
    _json: Any = None

    def json(self) -> Any:
        if self._json is None:
            if not self.body:
                return {}
            try:
                self._json = json.loads(self.body)
            except ValueError as exc:
                raise ApiError(400, "JSON_PARSER_ERROR", f"Unexpected character: {exc}") from exc
        return self._json

    @property
    def version(self) -> str:
        return str(self.values.get("version", API_VERSION))

    @property
    def user_id(self) -> str:
        return self.user["user_id"] if self.user else ""


@dataclass
class Fault:
    """An injected failure for the next ``count`` requests matching ``path``/``method``."""

    id: int
    path: re.Pattern[str]
    method: str | None
    status: int | None
    error_code: str | None
    message: str | None
    count: int
    delay_s: float
    reset_connection: bool
    # Fail only this share of the matching requests, spread evenly (1.0 = every one).
    share: float = 1.0
    # Per-record failure inside an sObject Collections write: the request succeeds,
    # but ``record_count`` (or ``record_share``) of its records fail with this code.
    record_error_code: str | None = None
    record_count: int = 0
    record_share: float = 0.0
    fired: int = 0
    _credit: float = 0.0

    def admits(self) -> bool:
        """Whether this matching request is one of the ``share`` that fail."""
        if self.share >= 1:
            return True
        self._credit += self.share
        if self._credit < 1:
            return False
        self._credit -= 1
        return True

    def records_to_fail(self, n: int) -> set[int]:
        """Indices of the records of an n-record write that fail (spread evenly)."""
        if self.record_count:
            share = min(self.record_count, n) / n if n else 0
        else:
            share = self.record_share
        return {i for i in range(n) if int((i + 1) * share) > int(i * share)}

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "path": self.path.pattern,
            "method": self.method,
            "status": self.status,
            "error_code": self.error_code,
            "message": self.message,
            "count": self.count,
            "delay_s": self.delay_s,
            "reset_connection": self.reset_connection,
            "share": self.share,
            "record_error_code": self.record_error_code,
            "record_count": self.record_count,
            "record_share": self.record_share,
            "fired": self.fired,
        }


@dataclass
class Out:
    """A handler's answer."""

    status: int
    body: Any = None  # JSON-able, or str/bytes with content_type
    content_type: str = "application/json;charset=UTF-8"
    headers: dict[str, str] = field(default_factory=dict)


def _rule(path: str, endpoint: str, methods: list[str]) -> Rule:
    return Rule(path, endpoint=endpoint, methods=methods)


V = "/services/data/v<version>"
RULES = [
    _rule("/services/Soap/u/<version>/", "soap_login", ["POST"]),
    _rule("/services/Soap/u/<version>/<org>", "soap_login", ["POST"]),
    _rule("/services/oauth2/token", "oauth_token", ["POST"]),
    _rule("/services/data/", "versions", ["GET"]),
    _rule(f"{V}/", "resources", ["GET"]),
    _rule(f"{V}/query/", "query", ["GET"]),
    _rule(f"{V}/query/<locator>", "query_more", ["GET"]),
    _rule(f"{V}/queryAll/", "query_all", ["GET"]),
    _rule(f"{V}/queryAll/<locator>", "query_all_more", ["GET"]),
    _rule(f"{V}/limits/", "limits", ["GET"]),
    _rule(f"{V}/sobjects/", "describe_global", ["GET"]),
    _rule(f"{V}/sobjects/<obj>/", "sobject", ["GET", "POST"]),
    _rule(f"{V}/sobjects/<obj>/describe/", "describe", ["GET"]),
    _rule(f"{V}/sobjects/<obj>/updated/", "updated", ["GET"]),
    _rule(f"{V}/sobjects/<obj>/deleted/", "deleted", ["GET"]),
    _rule(f"{V}/sobjects/<obj>/<rid>", "record", ["GET", "PATCH", "DELETE"]),
    _rule(f"{V}/sobjects/<obj>/<ext>/<path:value>", "external", ["GET", "PATCH", "DELETE"]),
    _rule(f"{V}/composite/", "composite", ["POST"]),
    _rule(f"{V}/composite/sobjects/", "collections", ["POST", "PATCH", "DELETE"]),
    _rule(f"{V}/composite/sobjects/<obj>", "collections_get", ["GET", "POST"]),
    _rule(f"{V}/composite/sobjects/<obj>/<ext>", "collections_upsert", ["PATCH"]),
    _rule(f"{V}/jobs/ingest/", "ingest_jobs", ["GET", "POST"]),
    _rule(f"{V}/jobs/ingest/<job_id>/", "ingest_job", ["GET", "PATCH", "DELETE"]),
    _rule(f"{V}/jobs/ingest/<job_id>/batches/", "ingest_upload", ["PUT"]),
    _rule(f"{V}/jobs/ingest/<job_id>/<kind>/", "ingest_results", ["GET"]),
    _rule(f"{V}/jobs/query/", "query_jobs", ["GET", "POST"]),
    _rule(f"{V}/jobs/query/<job_id>/", "query_job", ["GET", "PATCH", "DELETE"]),
    _rule(f"{V}/jobs/query/<job_id>/results/", "query_results", ["GET"]),
    _rule(f"{V}/tooling/query/", "tooling_query", ["GET"]),
    _rule(f"{V}/tooling/query/<locator>", "tooling_query_more", ["GET"]),
]
CONTROL_RULES = [
    _rule("/__emulator/health", "c_health", ["GET"]),
    _rule("/__emulator/reset", "c_reset", ["POST"]),
    _rule("/__emulator/users", "c_users", ["POST"]),
    _rule("/__emulator/connected-apps", "c_apps", ["POST"]),
    _rule("/__emulator/org", "c_org", ["GET", "POST"]),
    _rule("/__emulator/faults", "c_faults", ["GET", "POST", "DELETE"]),
    _rule("/__emulator/expire-sessions", "c_expire", ["POST"]),
    _rule("/__emulator/stats", "c_stats", ["GET"]),
    _rule("/__emulator/stats/reset", "c_stats_reset", ["POST"]),
    _rule("/__emulator/records/<obj>", "c_records", ["GET", "POST"]),
]
NO_AUTH = {"soap_login", "oauth_token", "versions"}
LOGIN_ENDPOINTS = {"soap_login", "oauth_token"}


_ROLLED_BACK = (
    "Record rolled back because not all records were valid and the request was using "
    "AllOrNone header"
)
# Salesforce's own wording for record faults the emulator can inject.
_RECORD_FAULT_MESSAGES = {
    "UNABLE_TO_LOCK_ROW": "unable to obtain exclusive access to this record",
}


def sf_error(status: int, code: str, message: str, fields: list[str] | None = None) -> Out:
    return Out(status, [{"message": message, "errorCode": code, "fields": fields or []}])


def _errors_body(res: WriteResult) -> list[dict[str, Any]]:
    return [
        {"message": e["message"], "errorCode": e["statusCode"], "fields": e["fields"]}
        for e in res.errors
    ]


def _collection_json(res: WriteResult, *, upsert: bool = False) -> dict[str, Any]:
    if res.success:
        return res.as_json(with_created=upsert)
    out: dict[str, Any] = {"success": False, "errors": res.errors}
    if upsert:
        out["created"] = False
    return out


class EmulatorApp:
    """The WSGI callable. ``store`` holds the org; ``seed`` is re-applied by control reset."""

    def __init__(self, store: Store, *, seed: str = "empty") -> None:
        self.store = store
        self.seed = seed
        self.bulk = BulkManager(store)
        self.url_map = Map(
            [r.empty() for r in RULES + CONTROL_RULES], strict_slashes=False, merge_slashes=False
        )
        self.stats: Counter[str] = Counter()
        # What went wrong on purpose: injected faults by kind, and the emulator's own
        # refusals (expired sessions, the org's request limit).
        self.fault_stats: Counter[str] = Counter()
        self.faults: list[Fault] = []
        self.counter_lock = threading.Lock()
        self._fault_n = 0
        self.seed_info: dict[str, Any] | None = None
        if seed == "demo":
            existing = store.user_by_username(seed_module.DEMO_USER["username"])
            # A file database keeps the demo org across restarts: seed it once.
            self.seed_info = (
                dict(seed_module.DEMO_USER, user_id=existing["id"])
                if existing
                else seed_module.seed_demo(store)
            )

    # ------------------------------------------------------------------ WSGI

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        request = Request(environ)
        response = self.handle(request)
        return response(environ, start_response)

    def handle(self, request: Request) -> Response:
        adapter = self.url_map.bind_to_environ(request.environ)
        ctx = Ctx(
            method=request.method,
            path=request.path,
            args=request.args,
            headers={k: v for k, v in request.headers.items()},
            body=request.get_data(),
            host=request.host,
            sf_host=request.headers.get(HOST_HEADER, request.host),
        )
        try:
            rule, values = adapter.match(return_rule=True)
        except NotFound:
            return self._finish(
                sf_error(404, "NOT_FOUND", "The requested resource does not exist"), count=False
            )
        except MethodNotAllowed as exc:
            allowed = ",".join(sorted(exc.valid_methods or []))
            return self._finish(
                sf_error(
                    405,
                    "METHOD_NOT_ALLOWED",
                    f"HTTP Method '{request.method}' not allowed. Allowed are {allowed}",
                ),
                count=False,
            )
        endpoint = str(rule.endpoint)
        ctx.values = values
        if endpoint.startswith("c_"):
            try:
                out = getattr(self, endpoint)(ctx)
            except (ValueError, KeyError, TypeError) as exc:
                out = Out(400, {"error": str(exc)})
            return self._finish(out, count=False)
        with self.counter_lock:
            self.stats[f"{request.method} {rule.rule}"] += 1
        fault = self._take_fault(ctx)
        if fault is not None and fault.record_error_code:
            ctx.record_fault = fault  # the write itself decides which records fail
        elif fault is not None:
            if fault.delay_s:
                time.sleep(fault.delay_s)
                self._count_fault("delay")  # counted once over: a test can wait for it
            if fault.reset_connection:
                self._count_fault("reset_connection")
                _drop_connection()
                return self._finish(
                    sf_error(503, "CONNECTION_RESET", "connection reset"), count=False
                )
            if fault.status:
                code = fault.error_code or "SERVER_UNAVAILABLE"
                msg = fault.message or "Injected fault"
                self._count_fault(f"status:{fault.status}:{code}")
                return self._finish(sf_error(fault.status, code, msg), count=False)
        if endpoint not in NO_AUTH:
            auth = ctx.headers.get("Authorization", "")
            sid = auth.split(" ", 1)[1].strip() if " " in auth else ""
            ctx.user = self.store.session(sid) if sid else None
            if ctx.user is None:
                self._count_fault("refused:INVALID_SESSION_ID")
                return self._finish(
                    sf_error(401, "INVALID_SESSION_ID", "Session expired or invalid"), count=False
                )
        if endpoint not in LOGIN_ENDPOINTS and endpoint != "versions":
            with self.counter_lock:
                if self.store.org["api_used"] >= self.store.org["api_limit"]:
                    self.fault_stats["refused:REQUEST_LIMIT_EXCEEDED"] += 1
                    refused = sf_error(
                        403, "REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded."
                    )
                    return self._finish(refused, count=False)
                self.store.org["api_used"] += 1
        else:
            # Logins count but are never refused, so a client can always authenticate.
            with self.counter_lock:
                self.store.org["api_used"] += 1
        return self._finish(self.dispatch(endpoint, ctx), count=False)

    def dispatch(self, endpoint: str, ctx: Ctx) -> Out:
        try:
            return getattr(self, "h_" + endpoint)(ctx)
        except ApiError as exc:
            return sf_error(exc.status, exc.code, exc.message, exc.fields)
        except SoqlError as exc:
            return sf_error(400, exc.error_code, exc.message)
        except RecordNotFound as exc:
            return sf_error(404, exc.code, exc.message)
        except BulkError as exc:
            return sf_error(exc.status, exc.code, exc.message)
        except Exception as exc:  # never leak a traceback page to the client
            log.exception("unexpected error in %s", endpoint)
            return sf_error(500, "UNKNOWN_EXCEPTION", f"An unexpected error occurred: {exc}")

    def _finish(self, out: Out, *, count: bool) -> Response:
        if isinstance(out.body, (str, bytes)):
            body: Any = out.body
        elif out.body is None:
            body = b""
        else:
            body = json.dumps(out.body)
        headers = dict(out.headers)
        org = self.store.org
        headers["Sforce-Limit-Info"] = f"api-usage={org['api_used']}/{org['api_limit']}"
        if out.status == 204:
            return Response(status=204, headers=headers)
        return Response(body, status=out.status, headers=headers, content_type=out.content_type)

    def _take_fault(self, ctx: Ctx) -> Fault | None:
        with self.counter_lock:
            for fault in self.faults:
                if fault.count <= 0:
                    continue
                if fault.method and fault.method.upper() != ctx.method:
                    continue
                if not fault.path.search(ctx.path):
                    continue
                if not fault.admits():
                    continue
                fault.count -= 1
                fault.fired += 1
                return fault
        return None

    def _count_fault(self, kind: str, n: int = 1) -> None:
        with self.counter_lock:
            self.fault_stats[kind] += n

    def _write_records(
        self,
        ctx: Ctx,
        records: list[dict[str, Any]],
        all_or_none: bool,
        write: Callable[[list[dict[str, Any]]], list[WriteResult]],
    ) -> list[WriteResult]:
        """``write(records)``, except the records a record-level fault picks, which fail."""
        fault = ctx.record_fault
        failing = fault.records_to_fail(len(records)) if fault is not None else set()
        if fault is None or not failing:
            return write(records)
        assert fault.record_error_code is not None
        self._count_fault(f"record:{fault.record_error_code}", len(failing))
        message = fault.message or _RECORD_FAULT_MESSAGES.get(
            fault.record_error_code, "Injected record fault"
        )

        def failed(code: str, text: str) -> WriteResult:
            return WriteResult(errors=[{"statusCode": code, "message": text, "fields": []}])

        if all_or_none:
            return [
                failed(fault.record_error_code, message)
                if i in failing
                else failed("ALL_OR_NONE_OPERATION_ROLLED_BACK", _ROLLED_BACK)
                for i in range(len(records))
            ]
        written = iter(write([r for i, r in enumerate(records) if i not in failing]))
        return [
            failed(fault.record_error_code, message) if i in failing else next(written)
            for i in range(len(records))
        ]

    # ------------------------------------------------------------------ helpers

    def _obj(self, ctx: Ctx) -> SObject:
        name = ctx.values["obj"]
        obj = get_object(name)
        if obj is None:
            raise ApiError(404, "NOT_FOUND", "The requested resource does not exist")
        return obj

    def _instance_url(self, ctx: Ctx) -> str:
        return f"https://{ctx.host}"

    # ------------------------------------------------------------------ login

    def _host_allows(self, sf_host: str, sandbox: bool) -> bool:
        """login.* only admits production users, test.* only sandbox users; My Domain both."""
        first = sf_host.split(".", 1)[0].lower()
        if first == "login":
            return not sandbox
        if first == "test":
            return sandbox
        return True

    def h_soap_login(self, ctx: Ctx) -> Out:
        try:
            root = ET.fromstring(ctx.body)
        except ET.ParseError:
            return _soap_fault(
                "INVALID_LOGIN", "Invalid username, password, security token; or user locked out."
            )
        username = password = None
        for el in root.iter():
            tag = el.tag.rsplit("}", 1)[-1]
            if tag == "username":
                username = el.text or ""
            elif tag == "password":
                password = el.text or ""
        user = (
            self.store.check_login(username, password)
            if username is not None and password is not None
            else None
        )
        if user is None or not self._host_allows(ctx.sf_host, user["sandbox"]):
            return _soap_fault(
                "INVALID_LOGIN", "Invalid username, password, security token; or user locked out."
            )
        sid = self.store.new_session(user)
        version = ctx.values.get("version", API_VERSION)
        org_id = self.store.org["org_id"]
        base = self._instance_url(ctx)
        xml = f"""<?xml version="1.0" encoding="UTF-8"?>
<soapenv:Envelope xmlns:soapenv="{SOAP_NS}" xmlns="urn:partner.soap.sforce.com" \
xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body><loginResponse><result>\
<metadataServerUrl>{base}/services/Soap/m/{version}/{org_id}</metadataServerUrl>\
<passwordExpired>false</passwordExpired><sandbox>{str(user["sandbox"]).lower()}</sandbox>\
<serverUrl>{base}/services/Soap/u/{version}/{org_id}</serverUrl>\
<sessionId>{escape(sid)}</sessionId><userId>{user["user_id"]}</userId><userInfo>\
<organizationId>{org_id}</organizationId><organizationName>{escape(self.store.org["org_name"])}\
</organizationName><userEmail>{escape(user["username"])}</userEmail><userId>{user["user_id"]}\
</userId><userName>{escape(user["username"])}</userName></userInfo></result></loginResponse>\
</soapenv:Body></soapenv:Envelope>"""
        return Out(200, xml, "text/xml;charset=UTF-8")

    def h_oauth_token(self, ctx: Ctx) -> Out:
        form = dict(parse_qsl(ctx.body.decode("utf-8", "replace")))
        grant = form.get("grant_type", "")

        def fail(error: str, desc: str) -> Out:
            return Out(400, {"error": error, "error_description": desc})

        auth = ctx.headers.get("Authorization", "")
        if auth.lower().startswith("basic "):
            try:
                key, _, secret = base64.b64decode(auth[6:]).decode().partition(":")
                form.setdefault("client_id", key)
                form.setdefault("client_secret", secret)
            except (ValueError, UnicodeDecodeError):
                return fail("invalid_client", "invalid client credentials")
        user: dict[str, Any] | None
        if grant == "password":
            app = self.store.get_app(form.get("client_id", ""))
            if app is None:
                return fail("invalid_client_id", "client identifier invalid")
            if app[0] != form.get("client_secret"):
                return fail("invalid_client", "invalid client credentials")
            user = self.store.check_login(form.get("username", ""), form.get("password", ""))
        elif grant == "client_credentials":
            if ctx.sf_host.split(".", 1)[0].lower() in ("login", "test"):
                return fail("invalid_request", "request not supported on this domain")
            app = self.store.get_app(form.get("client_id", ""))
            if app is None or app[0] != form.get("client_secret"):
                return fail("invalid_client", "invalid client credentials")
            if not app[1]:
                return fail("invalid_grant", "no client credentials user enabled")
            user = self.store.user_by_username(app[1])
        elif grant == "urn:ietf:params:oauth:grant-type:jwt-bearer":
            user = self._jwt_user(form.get("assertion", ""))
        else:
            return fail("unsupported_grant_type", "grant type not supported")
        if user is None or not self._host_allows(ctx.sf_host, user["sandbox"]):
            return fail("invalid_grant", "authentication failure")
        sid = self.store.new_session(user)
        instance = self._instance_url(ctx)
        return Out(
            200,
            {
                "access_token": sid,
                "instance_url": instance,
                "id": f"https://{ctx.sf_host}/id/{self.store.org['org_id']}/{user['user_id']}",
                "token_type": "Bearer",
                "issued_at": str(int(time.time() * 1000)),
                "signature": base64.b64encode(sid[:32].encode()).decode(),
            },
        )

    def _jwt_user(self, assertion: str) -> dict[str, Any] | None:
        """JWT bearer: the signature is not verified (no certificates in the emulator)."""
        try:
            payload_b64 = assertion.split(".")[1]
            payload = json.loads(
                base64.urlsafe_b64decode(payload_b64 + "=" * (-len(payload_b64) % 4))
            )
        except (IndexError, ValueError):
            return None
        if self.store.get_app(str(payload.get("iss", ""))) is None:
            return None
        return self.store.user_by_username(str(payload.get("sub", "")))

    # ------------------------------------------------------------------ misc REST

    def h_versions(self, ctx: Ctx) -> Out:
        return Out(
            200,
            [
                {
                    "label": "Winter '24",
                    "url": f"/services/data/v{API_VERSION}",
                    "version": API_VERSION,
                }
            ],
        )

    def h_resources(self, ctx: Ctx) -> Out:
        v = f"/services/data/v{ctx.version}"
        return Out(
            200,
            {
                name: f"{v}/{name}"
                for name in (
                    "sobjects",
                    "query",
                    "queryAll",
                    "limits",
                    "composite",
                    "jobs",
                    "tooling",
                )
            },
        )

    def h_limits(self, ctx: Ctx) -> Out:
        org = self.store.org
        jobs = len(self.bulk.jobs)
        return Out(
            200,
            {
                "DailyApiRequests": {
                    "Max": org["api_limit"],
                    "Remaining": max(0, org["api_limit"] - org["api_used"]),
                },
                "DailyBulkV2QueryJobs": {"Max": 10000, "Remaining": 10000 - jobs},
                "DailyBulkV2QueryFileStorageMB": {"Max": 976562, "Remaining": 976562},
                "DataStorageMB": {"Max": 1024, "Remaining": 1000},
                "FileStorageMB": {"Max": 1024, "Remaining": 1024},
                "DailyAsyncApexExecutions": {"Max": 250000, "Remaining": 250000},
                "HourlyTimeBasedWorkflow": {"Max": 1000, "Remaining": 1000},
            },
        )

    # ------------------------------------------------------------------ query

    def _batch_size(self, ctx: Ctx) -> int:
        opts = ctx.headers.get("Sforce-Query-Options", "")
        m = re.search(r"batchSize\s*=\s*(\d+)", opts)
        if not m:
            return 2000
        return max(200, min(2000, int(m.group(1))))

    def _query(self, ctx: Ctx, *, include_deleted: bool, tooling: bool = False) -> Out:
        q = ctx.args.get("q")
        if not q:
            raise ApiError(400, "MALFORMED_QUERY", "A query string is required (q=...)")
        res = self.store.query(
            q,
            include_deleted=include_deleted,
            batch_size=self._batch_size(ctx),
            api_version=ctx.version,
            tooling=tooling,
        )
        if tooling:
            res = {
                "size": res["totalSize"],
                "totalSize": res["totalSize"],
                "done": res["done"],
                "queryLocator": None,
                "entityTypeName": _entity(q),
                **res,
            }
        return Out(200, res)

    def h_query(self, ctx: Ctx) -> Out:
        return self._query(ctx, include_deleted=False)

    def h_query_all(self, ctx: Ctx) -> Out:
        return self._query(ctx, include_deleted=True)

    def h_query_more(self, ctx: Ctx) -> Out:
        return Out(200, self.store.query_more(ctx.values["locator"], api_version=ctx.version))

    def h_query_all_more(self, ctx: Ctx) -> Out:
        return Out(
            200,
            self.store.query_more(ctx.values["locator"], api_version=ctx.version, kind="queryAll"),
        )

    def h_tooling_query(self, ctx: Ctx) -> Out:
        return self._query(ctx, include_deleted=False, tooling=True)

    def h_tooling_query_more(self, ctx: Ctx) -> Out:
        return Out(
            200,
            self.store.query_more(
                ctx.values["locator"], api_version=ctx.version, kind="tooling/query"
            ),
        )

    # ------------------------------------------------------------------ describe

    def h_describe_global(self, ctx: Ctx) -> Out:
        return Out(
            200,
            {
                "encoding": "UTF-8",
                "maxBatchSize": MAX_COLLECTION,
                "sobjects": [
                    self.store.describe_global_entry(o, ctx.version)
                    for o in self.store.data_objects()
                ],
            },
        )

    def h_describe(self, ctx: Ctx) -> Out:
        return Out(200, self.store.describe(self._obj(ctx), ctx.version))

    def h_sobject(self, ctx: Ctx) -> Out:
        obj = self._obj(ctx)
        if ctx.method == "GET":
            return Out(
                200,
                {
                    "objectDescribe": self.store.describe_global_entry(obj, ctx.version),
                    "recentItems": [],
                },
            )
        data = ctx.json()
        if not isinstance(data, dict):
            raise ApiError(400, "JSON_PARSER_ERROR", "Expected a JSON object")
        res = self.store.insert(obj.name, [data], user_id=ctx.user_id)[0]
        if not res.success:
            return Out(400, _errors_body(res))
        return Out(
            201,
            {"id": res.id, "success": True, "errors": []},
            headers={"Location": f"/services/data/v{ctx.version}/sobjects/{obj.name}/{res.id}"},
        )

    # ------------------------------------------------------------------ records

    def h_record(self, ctx: Ctx) -> Out:
        obj = self._obj(ctx)
        rid = ctx.values["rid"]
        if ctx.method == "GET":
            fields = ctx.args.get("fields")
            return Out(
                200,
                self.store.get(
                    obj.name, rid, fields.split(",") if fields else None, api_version=ctx.version
                ),
            )
        if ctx.method == "DELETE":
            res = self.store.delete([rid], obj_name=obj.name, user_id=ctx.user_id)[0]
            if not res.success:
                return Out(404, _errors_body(res))
            return Out(204)
        data = ctx.json()
        if not isinstance(data, dict):
            raise ApiError(400, "JSON_PARSER_ERROR", "Expected a JSON object")
        body = {k: v for k, v in data.items() if k.lower() != "id"}
        body["Id"] = rid
        self.store.get(obj.name, rid)  # 404 / ENTITY_IS_DELETED first
        res = self.store.update(obj.name, [body], user_id=ctx.user_id)[0]
        if not res.success:
            return Out(400, _errors_body(res))
        return Out(204)

    def h_external(self, ctx: Ctx) -> Out:
        obj = self._obj(ctx)
        ext, value = ctx.values["ext"], ctx.values["value"]
        f = obj.field(ext)
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
            return Out(200, self.store.get(obj.name, ids[0], api_version=ctx.version))
        if len(ids) > 1:
            return self._multiple(ctx, obj, ids)
        data = ctx.json()
        if not isinstance(data, dict):
            raise ApiError(400, "JSON_PARSER_ERROR", "Expected a JSON object")
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
        res = self.store.upsert(obj.name, f.name, [body], user_id=ctx.user_id)[0]
        if not res.success:
            if res.errors[0]["statusCode"] == "NOT_FOUND":
                return Out(404, _errors_body(res))
            return Out(400, _errors_body(res))
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

    def h_updated(self, ctx: Ctx) -> Out:
        obj = self._obj(ctx)
        start, end, _ = self._replication_window(ctx, 30)
        ids = self.store.changed_ids(obj.name, start, end, deleted=False)
        return Out(200, {"ids": [i for i, _ in ids], "latestDateCovered": end})

    def h_deleted(self, ctx: Ctx) -> Out:
        obj = self._obj(ctx)
        start, end, earliest = self._replication_window(ctx, 15)
        ids = self.store.changed_ids(obj.name, start, end, deleted=True)
        return Out(
            200,
            {
                "deletedRecords": [{"id": i, "deletedDate": d} for i, d in ids],
                "earliestDateAvailable": earliest,
                "latestDateCovered": end,
            },
        )

    # ------------------------------------------------------------------ collections

    def _all_or_none(self, ctx: Ctx, body: Any) -> bool:
        value = body.get("allOrNone", False) if isinstance(body, dict) else False
        if ctx.method == "DELETE":
            value = ctx.args.get("allOrNone", "false").lower() == "true"
        return bool(value)

    def _records(self, body: Any) -> list[dict[str, Any]]:
        if not isinstance(body, dict) or not isinstance(body.get("records"), list):
            raise ApiError(400, "JSON_PARSER_ERROR", 'Expected {"records": [...]}')
        records = body["records"]
        if len(records) > MAX_COLLECTION:
            raise ApiError(
                400,
                "EXCEEDED_ID_LIMIT",
                "record limit reached. cannot submit more "
                f"than {MAX_COLLECTION} records into this call",
            )
        if any(not isinstance(r, dict) for r in records):
            raise ApiError(400, "JSON_PARSER_ERROR", "Each record must be a JSON object")
        return records

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
            obj = get_object(str(attrs.get("type", ""))) if isinstance(attrs, dict) else None
            if obj is None:
                results[i] = WriteResult(
                    errors=[
                        {
                            "statusCode": "INVALID_TYPE",
                            "message": "Must send a concrete entity type.",
                            "fields": [],
                        }
                    ]
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
                        raise _Abort
            except _Abort:
                for r in results:
                    assert r is not None
                    if r.success:
                        r.errors = [
                            {
                                "statusCode": "ALL_OR_NONE_OPERATION_ROLLED_BACK",
                                "message": _ROLLED_BACK,
                                "fields": [],
                            }
                        ]
                    r.id = None
                    r.created = False
        return [r for r in results if r is not None]

    def h_collections(self, ctx: Ctx) -> Out:
        if ctx.method == "DELETE":
            ids = [i for i in (ctx.args.get("ids") or "").split(",") if i]
            if not ids:
                raise ApiError(400, "MISSING_ARGUMENT", "ids is required")
            if len(ids) > MAX_COLLECTION:
                raise ApiError(
                    400,
                    "EXCEEDED_ID_LIMIT",
                    "record limit reached. cannot submit "
                    f"more than {MAX_COLLECTION} records into this call",
                )
            res = self.store.delete(
                ids, user_id=ctx.user_id, all_or_none=self._all_or_none(ctx, None)
            )
            return Out(200, [_collection_json(r) for r in res])
        body = ctx.json()
        records = self._records(body)
        aon = self._all_or_none(ctx, body)
        if ctx.method == "POST":
            res = self._write_records(
                ctx,
                records,
                aon,
                lambda kept: self._grouped(
                    ctx,
                    kept,
                    aon,
                    lambda name, recs: self.store.insert(name, recs, user_id=ctx.user_id),
                ),
            )
        else:
            res = self._write_records(
                ctx,
                records,
                aon,
                lambda kept: self._grouped(
                    ctx,
                    kept,
                    aon,
                    lambda name, recs: self.store.update(name, recs, user_id=ctx.user_id),
                ),
            )
        return Out(200, [_collection_json(r) for r in res])

    def h_collections_upsert(self, ctx: Ctx) -> Out:
        obj = self._obj(ctx)
        ext = ctx.values["ext"]
        body = ctx.json()
        records = self._records(body)
        f = obj.field(ext)
        if f is None or not (f.external_id or f.name == "Id"):
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
        aon = self._all_or_none(ctx, body)
        res = self._write_records(
            ctx,
            records,
            aon,
            lambda kept: self.store.upsert(
                obj.name, f.name, kept, user_id=ctx.user_id, all_or_none=aon
            ),
        )
        return Out(200, [_collection_json(r, upsert=True) for r in res])

    def h_collections_get(self, ctx: Ctx) -> Out:
        obj = self._obj(ctx)
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
        out = []
        for rid in ids:
            try:
                out.append(self.store.get(obj.name, rid, fields, api_version=ctx.version))
            except RecordNotFound:
                out.append(None)
        return Out(200, out)

    # ------------------------------------------------------------------ composite

    def h_composite(self, ctx: Ctx) -> Out:
        body = ctx.json()
        subs = body.get("compositeRequest") if isinstance(body, dict) else None
        if not isinstance(subs, list) or not subs:
            raise ApiError(400, "JSON_PARSER_ERROR", "compositeRequest is required")
        if len(subs) > MAX_COMPOSITE:
            raise ApiError(
                400,
                "LIMIT_EXCEEDED",
                f"Limit Exceeded: The number of subrequests exceeds the limit of {MAX_COMPOSITE}",
            )
        aon = bool(body.get("allOrNone", False))
        refs: dict[str, Any] = {}
        responses: list[dict[str, Any]] = []
        halted = {
            "body": [
                {
                    "errorCode": "PROCESSING_HALTED",
                    "message": "The transaction was "
                    "rolled back since another operation in the same transaction "
                    "failed.",
                }
            ],
            "httpHeaders": {},
            "httpStatusCode": 400,
        }
        with self.store.lock:
            try:
                with self.store.transaction():
                    failed = False
                    for sub in subs:
                        ref_id = sub.get("referenceId", "")
                        if failed and aon:
                            responses.append({**halted, "referenceId": ref_id})
                            continue
                        try:
                            out = self._subrequest(ctx, sub, refs)
                        except _BadReference as exc:
                            out = sf_error(400, "PROCESSING_HALTED", str(exc))
                        body_out = out.body
                        if isinstance(body_out, bytes):
                            body_out = body_out.decode()
                        responses.append(
                            {
                                "body": body_out,
                                "httpHeaders": out.headers,
                                "httpStatusCode": out.status,
                                "referenceId": ref_id,
                            }
                        )
                        if out.status < 400:
                            refs[ref_id] = body_out
                        else:
                            failed = True
                    if failed and aon:
                        raise _Abort
            except _Abort:
                responses = [
                    r if r["httpStatusCode"] >= 400 else {**halted, "referenceId": r["referenceId"]}
                    for r in responses
                ]
        return Out(200, {"compositeResponse": responses})

    def _subrequest(self, ctx: Ctx, sub: dict[str, Any], refs: dict[str, Any]) -> Out:
        url = _substitute(str(sub.get("url", "")), refs)
        method = str(sub.get("method", "GET")).upper()
        body = sub.get("body")
        if body is not None:
            body = json.loads(_substitute(json.dumps(body), refs))
        parts = urlsplit(url)
        adapter = self.url_map.bind(ctx.host)
        try:
            rule, values = adapter.match(parts.path, method=method, return_rule=True)
        except NotFound:
            return sf_error(404, "NOT_FOUND", "The requested resource does not exist")
        except MethodNotAllowed:
            return sf_error(405, "METHOD_NOT_ALLOWED", f"HTTP Method '{method}' not allowed")
        endpoint = str(rule.endpoint)
        if (
            endpoint.startswith("c_")
            or endpoint in LOGIN_ENDPOINTS
            or endpoint == "composite"
            or endpoint.startswith(("ingest", "query_job", "query_results"))
        ):
            return sf_error(
                400, "INVALID_API_INPUT", f"{parts.path} is not supported in a composite request"
            )
        sub_ctx = Ctx(
            method=method,
            path=parts.path,
            args=MultiDict(parse_qsl(parts.query)),
            headers={**ctx.headers, **(sub.get("httpHeaders") or {})},
            body=json.dumps(body).encode() if body is not None else b"",
            host=ctx.host,
            sf_host=ctx.sf_host,
            user=ctx.user,
            values=values,
        )
        return self.dispatch(endpoint, sub_ctx)

    # ------------------------------------------------------------------ bulk 2.0

    def h_ingest_jobs(self, ctx: Ctx) -> Out:
        if ctx.method == "GET":
            return Out(
                200,
                {"done": True, "records": self.bulk.list_jobs("ingest"), "nextRecordsUrl": None},
            )
        job = self.bulk.create_ingest(ctx.json(), ctx.user_id, ctx.version)
        return Out(200, job.info())

    def _job(self, ctx: Ctx, kind: str) -> Out:
        """GET a Bulk 2.0 job, DELETE it, or PATCH its state (ingest and query alike)."""
        job = self.bulk.get(ctx.values["job_id"], kind)
        if ctx.method == "GET":
            return Out(200, job.info())
        if ctx.method == "DELETE":
            self.bulk.jobs.pop(job.id, None)
            return Out(204)
        state = (ctx.json() or {}).get("state", "")
        return Out(200, self.bulk.set_state(job, state).info())

    def h_ingest_job(self, ctx: Ctx) -> Out:
        return self._job(ctx, "ingest")

    def h_ingest_upload(self, ctx: Ctx) -> Out:
        job = self.bulk.get(ctx.values["job_id"], "ingest")
        self.bulk.upload(job, ctx.body)
        return Out(201)

    def h_ingest_results(self, ctx: Ctx) -> Out:
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

    def h_query_jobs(self, ctx: Ctx) -> Out:
        if ctx.method == "GET":
            return Out(
                200, {"done": True, "records": self.bulk.list_jobs("query"), "nextRecordsUrl": None}
            )
        job = self.bulk.create_query(ctx.json(), ctx.user_id, ctx.version)
        return Out(200, job.info())

    def h_query_job(self, ctx: Ctx) -> Out:
        return self._job(ctx, "query")

    def h_query_results(self, ctx: Ctx) -> Out:
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

    # ------------------------------------------------------------------ control API

    def c_health(self, ctx: Ctx) -> Out:
        return Out(200, {"status": "ok"})

    def c_reset(self, ctx: Ctx) -> Out:
        body = ctx.json() or {}
        self.store.reset()
        self.bulk.reset()
        with self.counter_lock:
            self.faults.clear()
            self.stats.clear()
            self.fault_stats.clear()
        seed = body.get("seed", self.seed)
        self.seed_info = seed_module.seed_demo(self.store) if seed == "demo" else None
        return Out(200, {"status": "reset", "seed": seed, "demo": self.seed_info})

    def c_users(self, ctx: Ctx) -> Out:
        body = ctx.json()
        user = self.store.create_user(
            username=body["username"],
            password=body["password"],
            security_token=body.get("security_token", ""),
            sandbox=bool(body.get("sandbox", False)),
            first_name=body.get("first_name", "Emulated"),
            last_name=body.get("last_name"),
            email=body.get("email"),
        )
        return Out(201, user)

    def c_apps(self, ctx: Ctx) -> Out:
        body = ctx.json()
        self.store.add_app(body["consumer_key"], body["consumer_secret"], body.get("username"))
        return Out(201, {"consumer_key": body["consumer_key"]})

    def c_org(self, ctx: Ctx) -> Out:
        if ctx.method == "GET":
            return Out(200, dict(self.store.org))
        return Out(200, self.store.configure(**ctx.json()))

    def c_faults(self, ctx: Ctx) -> Out:
        with self.counter_lock:
            if ctx.method == "DELETE":
                self.faults.clear()
                return Out(200, {"faults": []})
            if ctx.method == "POST":
                body = ctx.json()
                self._fault_n += 1
                fault = Fault(
                    id=self._fault_n,
                    path=re.compile(body.get("path", ".*")),
                    method=(body.get("method") or None),
                    status=body.get("status"),
                    error_code=body.get("error_code"),
                    message=body.get("message"),
                    count=int(body.get("count", 1)),
                    delay_s=float(body.get("delay_s", 0) or 0),
                    reset_connection=bool(body.get("reset_connection", False)),
                    share=float(body.get("share", 1.0) or 1.0),
                    record_error_code=body.get("record_error_code") or None,
                    record_count=int(body.get("record_count", 0) or 0),
                    record_share=float(body.get("record_share", 0) or 0),
                )
                if not 0 < fault.share <= 1 or not 0 <= fault.record_share <= 1:
                    raise ValueError("share and record_share are between 0 and 1")
                if fault.record_error_code:
                    if not (fault.record_count or fault.record_share):
                        raise ValueError("a record fault needs record_count or record_share")
                elif fault.status is None and not fault.delay_s and not fault.reset_connection:
                    raise ValueError(
                        "a fault needs status, delay_s, reset_connection or record_error_code"
                    )
                self.faults.append(fault)
                return Out(201, fault.as_json())
            return Out(200, {"faults": [f.as_json() for f in self.faults if f.count > 0]})

    def c_expire(self, ctx: Ctx) -> Out:
        return Out(200, {"expired": self.store.expire_sessions()})

    def c_stats(self, ctx: Ctx) -> Out:
        with self.counter_lock:
            return Out(
                200,
                {
                    "api_used": self.store.org["api_used"],
                    "api_limit": self.store.org["api_limit"],
                    "requests": dict(self.stats),
                    "total_requests": sum(self.stats.values()),
                    "faults": dict(self.fault_stats),
                },
            )

    def c_stats_reset(self, ctx: Ctx) -> Out:
        with self.counter_lock:
            self.stats.clear()
            self.fault_stats.clear()
        return Out(200, {"requests": {}})

    def c_records(self, ctx: Ctx) -> Out:
        obj = OBJECTS.get(ctx.values["obj"]) or get_object(ctx.values["obj"])
        if obj is None:
            raise ValueError(f"unknown object {ctx.values['obj']}")
        if ctx.method == "GET":
            include = ctx.args.get("include_deleted", "true").lower() != "false"
            return Out(200, {"records": self.store.all_rows(obj.name, include_deleted=include)})
        body = ctx.json()
        user_id = body.get("owner_id") or self.store.any_user_id()
        results = self.store.insert(obj.name, body["records"], user_id=user_id)
        return Out(200, {"results": [r.as_json() for r in results]})


class _Abort(Exception):
    """Internal: roll back an all-or-none request."""


class _BadReference(Exception):
    """A composite ``@{ref.path}`` that cannot be resolved."""


_REF_RE = re.compile(r"@\{([A-Za-z0-9_]+)\.([^}]+)\}")


def _substitute(text: str, refs: dict[str, Any]) -> str:
    def repl(m: re.Match[str]) -> str:
        ref, path = m.group(1), m.group(2)
        if ref not in refs:
            raise _BadReference(
                f"Invalid reference specified. No value for {m.group(0)} found "
                f"in {ref}. Provided referenceId ('{ref}') is not valid."
            )
        value: Any = refs[ref]
        for part in re.findall(r"[^.\[\]]+", path):
            try:
                value = value[int(part)] if isinstance(value, list) else value[part]
            except (KeyError, IndexError, ValueError, TypeError) as exc:
                raise _BadReference(
                    f"Invalid reference specified. No value for {m.group(0)} found."
                ) from exc
        return str(value)

    return _REF_RE.sub(repl, text)


def _entity(soql: str) -> str | None:
    m = re.search(r"\bfrom\s+([A-Za-z0-9_]+)", soql, re.IGNORECASE)
    return m.group(1) if m else None


def _soap_fault(code: str, message: str) -> Out:
    xml = f"""<?xml version="1.0" encoding="UTF-8"?>
<soapenv:Envelope xmlns:soapenv="{SOAP_NS}" xmlns:sf="urn:fault.partner.soap.sforce.com" \
xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body><soapenv:Fault>\
<faultcode>sf:{code}</faultcode><faultstring>{code}: {escape(message)}</faultstring><detail>\
<sf:LoginFault xsi:type="sf:LoginFault"><sf:exceptionCode>{code}</sf:exceptionCode>\
<sf:exceptionMessage>{escape(message)}</sf:exceptionMessage></sf:LoginFault></detail>\
</soapenv:Fault></soapenv:Body></soapenv:Envelope>"""
    return Out(500, xml, "text/xml;charset=UTF-8")


def _drop_connection() -> None:
    """Abort the current TCP connection (waitress only): find the channel serving this
    thread's request and shut its socket down, so the client sees a reset/closed connection
    instead of a response. A no-op under other servers."""
    frame = sys._getframe()
    while frame is not None:
        channel = frame.f_locals.get("self")
        sock = getattr(channel, "socket", None)
        if sock is not None and type(channel).__name__ == "HTTPChannel":
            try:
                sock.setsockopt(
                    socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00"
                )
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return
        frame = frame.f_back  # type: ignore[assignment]
