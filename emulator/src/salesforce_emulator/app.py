"""The WSGI application: the URL map of Salesforce's login, REST, Bulk 2.0 and Tooling
endpoints plus the ``/__emulator/`` control API, and the pipeline every request goes through.

Every request except the control API counts once against the org's daily API limit and every
response carries ``Sforce-Limit-Info: api-usage=USED/MAX``. Errors use Salesforce's list body
``[{"message", "errorCode", "fields"}]``. The handlers are in :mod:`.api`, one module per
API family; an endpoint is named ``family.handler``.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterable
from typing import Any

from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from .api.auth import AuthApi
from .api.authorize import AuthorizeApi
from .api.bulk import BulkApi
from .api.collections import CollectionsApi
from .api.common import (
    HOST_HEADER,
    SUPPORTED_VERSIONS,
    ApiError,
    Ctx,
    Handler,
    Out,
    call_options_client,
    sf_error,
)
from .api.composite import CompositeApi
from .api.compression import compressed
from .api.control import ControlApi
from .api.faults import apply_fault
from .api.identity import IdentityApi
from .api.oauth import OAuthApi
from .api.query import QueryApi
from .api.rest import RestApi
from .api.search import SearchApi
from .api.tooling import ToolingApi
from .api.tree import TreeApi
from .bulk import BulkError, BulkManager
from .soql import SoqlError
from .store import RecordNotFound, Store
from .store.change_log import change_origin
from .store.concurrency import CONCURRENT_MESSAGE, InFlight
from .store.faults import FaultBook
from .store.metering import Meter

log = logging.getLogger(__name__)


def _rule(path: str, endpoint: str, methods: list[str]) -> Rule:
    return Rule(path, endpoint=endpoint, methods=methods)


V = "/services/data/v<version>"
RULES = [
    _rule("/services/Soap/u/<version>/", "auth.soap_login", ["POST"]),
    _rule("/services/Soap/u/<version>/<org>", "auth.soap_login", ["POST"]),
    _rule("/services/oauth2/token", "oauth.token", ["POST"]),
    _rule("/services/oauth2/revoke", "oauth.revoke", ["GET", "POST"]),
    _rule("/services/oauth2/authorize", "authorize.authorize", ["GET", "POST"]),
    _rule("/services/oauth2/userinfo", "identity.userinfo", ["GET", "POST"]),
    _rule("/id/<org_id>/<user_id>", "identity.identity", ["GET", "POST"]),
    _rule("/services/data/", "rest.versions", ["GET"]),
    _rule(f"{V}/", "rest.resources", ["GET"]),
    _rule(f"{V}/query/", "query.query", ["GET"]),
    _rule(f"{V}/query/<locator>", "query.query_more", ["GET"]),
    _rule(f"{V}/queryAll/", "query.query_all", ["GET"]),
    _rule(f"{V}/queryAll/<locator>", "query.query_all_more", ["GET"]),
    _rule(f"{V}/limits/", "rest.limits", ["GET"]),
    _rule(f"{V}/limits/recordCount", "rest.record_count", ["GET"]),
    _rule(f"{V}/search/", "search.search", ["GET"]),
    _rule(f"{V}/parameterizedSearch/", "search.parameterized", ["GET", "POST"]),
    _rule(f"{V}/sobjects/", "rest.describe_global", ["GET"]),
    _rule(f"{V}/sobjects/<obj>/", "rest.sobject", ["GET", "POST"]),
    _rule(f"{V}/sobjects/<obj>/describe/", "rest.describe", ["GET"]),
    _rule(f"{V}/sobjects/<obj>/updated/", "rest.updated", ["GET"]),
    _rule(f"{V}/sobjects/<obj>/deleted/", "rest.deleted", ["GET"]),
    _rule(f"{V}/sobjects/<obj>/<rid>", "rest.record", ["GET", "PATCH", "DELETE"]),
    _rule(f"{V}/sobjects/<obj>/<ext>/<path:value>", "rest.external", ["GET", "PATCH", "DELETE"]),
    _rule(f"{V}/composite/", "composite.execute", ["POST"]),
    _rule(f"{V}/composite/graph", "composite.graph", ["POST"]),
    _rule(f"{V}/composite/batch", "composite.batch", ["POST"]),
    _rule(f"{V}/composite/tree/<obj>", "tree.create", ["POST"]),
    _rule(f"{V}/composite/sobjects/", "collections.write", ["POST", "PATCH", "DELETE"]),
    _rule(f"{V}/composite/sobjects/<obj>", "collections.retrieve", ["GET", "POST"]),
    _rule(f"{V}/composite/sobjects/<obj>/<ext>", "collections.upsert", ["PATCH"]),
    _rule(f"{V}/jobs/ingest/", "bulk.ingest_jobs", ["GET", "POST"]),
    _rule(f"{V}/jobs/ingest/<job_id>/", "bulk.ingest_job", ["GET", "PATCH", "DELETE"]),
    _rule(f"{V}/jobs/ingest/<job_id>/batches/", "bulk.ingest_upload", ["PUT"]),
    _rule(f"{V}/jobs/ingest/<job_id>/<kind>/", "bulk.ingest_results", ["GET"]),
    _rule(f"{V}/jobs/query/", "bulk.query_jobs", ["GET", "POST"]),
    _rule(f"{V}/jobs/query/<job_id>/", "bulk.query_job", ["GET", "PATCH", "DELETE"]),
    _rule(f"{V}/jobs/query/<job_id>/results/", "bulk.query_results", ["GET"]),
    _rule(f"{V}/tooling/query/", "tooling.query", ["GET"]),
    _rule(f"{V}/tooling/query/<locator>", "tooling.query_more", ["GET"]),
]
CONTROL_RULES = [
    _rule("/__emulator/health", "control.health", ["GET"]),
    _rule("/__emulator/reset", "control.reset", ["POST"]),
    _rule("/__emulator/users", "control.users", ["POST"]),
    _rule("/__emulator/connected-apps", "control.apps", ["POST"]),
    _rule("/__emulator/users/<username>/field-security", "control.field_security", ["GET", "POST"]),
    _rule("/__emulator/org", "control.org", ["GET", "POST"]),
    _rule("/__emulator/faults", "control.faults", ["GET", "POST", "DELETE"]),
    _rule("/__emulator/expire-sessions", "control.expire_sessions", ["POST"]),
    _rule("/__emulator/stats", "control.stats", ["GET"]),
    _rule("/__emulator/stats/reset", "control.stats_reset", ["POST"]),
    _rule("/__emulator/records/<obj>", "control.records", ["GET", "POST", "PATCH"]),
    _rule("/__emulator/queues", "control.queues", ["POST"]),
    _rule("/__emulator/campaigns", "control.campaigns", ["POST"]),
    _rule("/__emulator/campaign-members", "control.campaign_members", ["POST"]),
    _rule("/__emulator/change-events", "control.change_events", ["GET"]),
    _rule("/__emulator/change-events/expire", "control.expire_change_events", ["POST"]),
    _rule("/__emulator/leads/<lead_id>/convert", "control.convert_lead", ["POST"]),
    _rule("/__emulator/merge", "control.merge", ["POST"]),
    _rule("/__emulator/undelete", "control.undelete", ["POST"]),
    _rule("/__emulator/recycle-bin/purge", "control.purge_recycle_bin", ["POST"]),
    _rule("/__emulator/record-types", "control.record_types", ["GET", "POST"]),
    _rule("/__emulator/state-country", "control.state_country", ["GET", "PUT", "PATCH"]),
    _rule("/__emulator/duplicate-rules", "control.duplicate_rules", ["GET", "POST", "DELETE"]),
    _rule("/__emulator/duplicate-rules/<name>", "control.duplicate_rules", ["DELETE"]),
    _rule("/__emulator/validation-rules", "control.validation_rules", ["GET", "POST", "DELETE"]),
    _rule("/__emulator/validation-rules/<name>", "control.validation_rules", ["DELETE"]),
    _rule("/__emulator/fields", "control.fields", ["GET", "POST"]),
    _rule("/__emulator/fields/<obj>/<name>", "control.fields", ["DELETE"]),
]
#: Endpoints without a session check (the identity URL and userinfo check their bearer token
#: themselves: a bad one is a 403 ``Bad_OAuth_Token``, not a 401).
NO_AUTH = {
    "auth.soap_login",
    "oauth.token",
    "oauth.revoke",
    "identity.identity",
    "identity.userinfo",
    "authorize.authorize",
    "rest.versions",
}
#: API families whose writes may leave the client id out of ``changeOrigin`` (org setting
#: ``client_id_on_composite``).
COMPOSITE_FAMILIES = ("composite", "collections", "tree")
#: Logins, OAuth (and the version list) count as API calls but are never refused for the
#: limit.
NEVER_REFUSED = NO_AUTH


class EmulatorApp:
    """The WSGI callable. ``store`` holds the org; ``seed`` is re-applied by control reset."""

    def __init__(self, store: Store, *, seed: str = "empty") -> None:
        self.store = store
        self.seed = seed
        self.bulk = BulkManager(store)
        self.faults = FaultBook()
        self.meter = Meter(store)
        self.in_flight = InFlight()
        self.url_map = Map(
            [r.empty() for r in RULES + CONTROL_RULES], strict_slashes=False, merge_slashes=False
        )
        self.control = ControlApi(store, self.bulk, self.faults, self.meter, seed=seed)
        families: dict[str, object] = {
            "auth": AuthApi(store),
            "oauth": OAuthApi(store),
            "identity": IdentityApi(store),
            "search": SearchApi(store),
            "authorize": AuthorizeApi(store),
            "rest": RestApi(store, self.bulk),
            "query": QueryApi(store),
            "tooling": ToolingApi(store),
            "composite": CompositeApi(store, self),
            "collections": CollectionsApi(store, self.meter),
            "tree": TreeApi(store),
            "bulk": BulkApi(self.bulk),
            "control": self.control,
        }
        self.handlers: dict[str, Handler] = {}
        for rule in RULES + CONTROL_RULES:
            family, name = str(rule.endpoint).split(".")
            self.handlers[str(rule.endpoint)] = getattr(families[family], name)

    @property
    def seed_info(self) -> dict[str, Any] | None:
        """The demo credentials when the org was seeded with ``demo``."""
        return self.control.seed_info

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        request = Request(environ)
        response = compressed(request, self.handle(request))
        return response(environ, start_response)

    def handle(self, request: Request) -> Response:
        """Route, then: control API, or count, refuse over the concurrent long-running
        request limit, fault, authenticate, meter and dispatch."""
        adapter = self.url_map.bind_to_environ(request.environ)
        ctx = Ctx(
            method=request.method,
            path=request.path,
            args=request.args,
            headers={k: v for k, v in request.headers.items()},
            body=request.get_data(),
            host=request.host,
            sf_host=request.headers.get(HOST_HEADER, request.host),
            via_adapter=HOST_HEADER in request.headers,
            scheme=request.scheme,
        )
        try:
            rule, values = adapter.match(return_rule=True)
        except NotFound:
            return self._finish(sf_error(404, "NOT_FOUND", "The requested resource does not exist"))
        except MethodNotAllowed as exc:
            allowed = ",".join(sorted(exc.valid_methods or []))
            return self._finish(
                sf_error(
                    405,
                    "METHOD_NOT_ALLOWED",
                    f"HTTP Method '{request.method}' not allowed. Allowed are {allowed}",
                )
            )
        endpoint = str(rule.endpoint)
        ctx.values = values
        if not endpoint.startswith("control."):
            latency = self.store.org.get("latency_ms") or 0
            if latency:
                # The network round trip of --latency-ms: waited out, not computed.
                time.sleep(latency / 1000)
        if rule.rule.startswith(V) and values.get("version") not in SUPPORTED_VERSIONS:
            # /services/data/v99.0/...: a version this org does not serve.
            return self._finish(sf_error(404, "NOT_FOUND", "The requested resource does not exist"))
        if endpoint.startswith("control."):
            try:
                out = self.handlers[endpoint](ctx)
            except (ValueError, KeyError, TypeError) as exc:
                out = Out(400, {"error": str(exc)})
            return self._finish(out)
        self.meter.count_request(f"{request.method} {rule.rule}", call_options_client(ctx.headers))
        if endpoint not in NEVER_REFUSED and self.in_flight.refuses(self.store.org):
            # Refused at the door: no fault, no session check, no API call counted.
            self.meter.count_fault("refused:ConcurrentRequests")
            return self._finish(sf_error(403, "REQUEST_LIMIT_EXCEEDED", CONCURRENT_MESSAGE))
        with self.in_flight.track():
            return self._serve(endpoint, ctx)

    def _serve(self, endpoint: str, ctx: Ctx) -> Response:
        """An API request let in: fault, authenticate, meter and dispatch."""
        faulted = apply_fault(self.faults, self.meter, ctx)
        if faulted is not None:
            return self._finish(faulted)
        if endpoint not in NO_AUTH:
            auth = ctx.headers.get("Authorization", "")
            sid = auth.split(" ", 1)[1].strip() if " " in auth else ""
            ctx.user = self.store.session(sid) if sid else None
            if ctx.user is None:
                self.meter.count_fault("refused:INVALID_SESSION_ID")
                return self._finish(
                    sf_error(401, "INVALID_SESSION_ID", "Session expired or invalid")
                )
            ctx.view = self.store.view(ctx.user_id)
        if not self.meter.charge(refusable=endpoint not in NEVER_REFUSED):
            return self._finish(
                sf_error(403, "REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded.")
            )
        # Change events written by this request say where they came from, and which client
        # (``Sforce-Call-Options: client=<id>``) made it.
        origin = change_origin(
            "rest", ctx.values.get("version", ""), self._client_id(endpoint, ctx)
        )
        with self.store.change_origin(origin):
            return self._finish(self.dispatch(endpoint, ctx))

    def _client_id(self, endpoint: str, ctx: Ctx) -> str:
        """The request's client id for ``changeOrigin``. Salesforce does not document the call
        options for composite and sObject Collections: org setting ``client_id_on_composite``
        false drops it there, so a client can be tested against an org that ignores it."""
        if endpoint.split(".")[0] in COMPOSITE_FAMILIES and not self.store.org.get(
            "client_id_on_composite", True
        ):
            return ""
        return call_options_client(ctx.headers)

    def dispatch(self, endpoint: str, ctx: Ctx) -> Out:
        """Run a handler (also for composite subrequests), mapping errors to Salesforce's."""
        try:
            return self.handlers[endpoint](ctx)
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

    def _finish(self, out: Out) -> Response:
        if isinstance(out.body, (str, bytes)):
            body: Any = out.body
        elif out.body is None:
            body = b""
        else:
            body = json.dumps(out.body)
        headers = dict(out.headers)
        headers["Sforce-Limit-Info"] = self.meter.usage_header()
        if out.status == 204:
            return Response(status=204, headers=headers)
        return Response(body, status=out.status, headers=headers, content_type=out.content_type)
