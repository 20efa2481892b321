"""The Composite API: ``POST composite/`` runs up to 25 REST subrequests in one transaction,
with ``@{ref.path}`` references to earlier results and ``allOrNone``; ``composite/graph``
runs graphs of such subrequests, each all-or-none in its own transaction; ``composite/batch``
runs up to 25 independent subrequests (REST API Developer Guide: "Composite", "Composite
Graph", "Composite Batch")."""

from __future__ import annotations

import json
import re
from typing import Any, Protocol
from urllib.parse import parse_qsl, urlsplit

from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.routing import Map

from ..store import Store
from ..store.metering import Meter
from .common import AllOrNoneAbort, ApiError, Ctx, Out, sf_error

MAX_COMPOSITE = 25
#: Graphs per composite graph request, and subrequests (nodes) per graph.
MAX_GRAPHS = 75
MAX_GRAPH_NODES = 500
#: Subrequests of a composite batch.
MAX_BATCH = 25
#: The composite endpoints themselves, and the API families a subrequest cannot use.
COMPOSITE = ("composite.execute", "composite.graph", "composite.batch")
NOT_IN_COMPOSITE = ("control", "auth", "oauth", "authorize", "bulk", "tree")
HALTED = {
    "errorCode": "PROCESSING_HALTED",
    "message": "The transaction was rolled back since another operation in the same "
    "transaction failed.",
}


class Router(Protocol):
    """What a subrequest needs from the application: its URL map, its dispatcher and its
    API meter (every batch subrequest is an API call)."""

    url_map: Map
    meter: Meter

    def dispatch(self, endpoint: str, ctx: Ctx) -> Out: ...


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


class CompositeApi:
    """``POST composite/``."""

    def __init__(self, store: Store, router: Router) -> None:
        self.store = store
        self.router = router

    def execute(self, ctx: Ctx) -> Out:
        """``POST composite/``: up to 25 subrequests, ``@{ref.path}`` references, one API call."""
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
        responses, _ = self._run(ctx, subs, all_or_none=bool(body.get("allOrNone", False)))
        return Out(200, {"compositeResponse": responses})

    def graph(self, ctx: Ctx) -> Out:
        """``POST composite/graph``: ``{"graphs": [{"graphId", "compositeRequest"}]}``; each
        graph succeeds or is rolled back as a whole (``isSuccessful``); one API call."""
        body = ctx.json()
        graphs = body.get("graphs") if isinstance(body, dict) else None
        if not isinstance(graphs, list) or not graphs:
            raise ApiError(400, "JSON_PARSER_ERROR", "graphs is required")
        if len(graphs) > MAX_GRAPHS:
            raise ApiError(400, "LIMIT_EXCEEDED", f"Limit Exceeded: more than {MAX_GRAPHS} graphs")
        seen: set[str] = set()
        for graph in graphs:
            graph_id = graph.get("graphId") if isinstance(graph, dict) else None
            subs = graph.get("compositeRequest") if isinstance(graph, dict) else None
            if not graph_id or not isinstance(subs, list) or not subs:
                raise ApiError(
                    400, "INVALID_INPUT", "Each graph needs a graphId and a compositeRequest"
                )
            if graph_id in seen:
                raise ApiError(400, "INVALID_INPUT", f"Duplicate graphId: {graph_id}")
            seen.add(graph_id)
            if len(subs) > MAX_GRAPH_NODES:
                raise ApiError(
                    400,
                    "LIMIT_EXCEEDED",
                    f"Limit Exceeded: a graph has more than {MAX_GRAPH_NODES} nodes",
                )
        out = []
        for graph in graphs:
            responses, ok = self._run(ctx, graph["compositeRequest"], all_or_none=True)
            out.append(
                {
                    "graphId": graph["graphId"],
                    "graphResponse": {"compositeResponse": responses},
                    "isSuccessful": ok,
                }
            )
        return Out(200, {"graphs": out})

    def batch(self, ctx: Ctx) -> Out:
        """``POST composite/batch``: up to 25 independent subrequests (URLs ``vNN.N/...``,
        bodies in ``richInput``), each its own API call and transaction; ``haltOnError``
        answers the rest 412 ``BATCH_PROCESSING_HALTED``."""
        body = ctx.json()
        subs = body.get("batchRequests") if isinstance(body, dict) else None
        if not isinstance(subs, list) or not subs:
            raise ApiError(400, "JSON_PARSER_ERROR", "batchRequests is required")
        if len(subs) > MAX_BATCH:
            raise ApiError(
                400,
                "LIMIT_EXCEEDED",
                f"Limit Exceeded: The number of subrequests exceeds the limit of {MAX_BATCH}",
            )
        for sub in subs:
            if not isinstance(sub, dict) or not sub.get("url") or not sub.get("method"):
                raise ApiError(
                    400, "INVALID_BATCH_REQUEST", "Each subrequest needs a method and a url"
                )
        halt = bool(body.get("haltOnError", False))
        results: list[dict[str, Any]] = []
        stopped = False
        for n, sub in enumerate(subs):
            if stopped:
                message = "Batch processing halted per request"
                results.append(
                    {
                        "statusCode": 412,
                        "result": [{"errorCode": "BATCH_PROCESSING_HALTED", "message": message}],
                    }
                )
                continue
            url = str(sub["url"])
            if not url.startswith("/"):
                url = f"/services/data/{url}"
            elif not url.startswith("/services/"):
                url = f"/services/data{url}"
            request = {"method": sub["method"], "url": url, "body": sub.get("richInput")}
            if n and not self.router.meter.charge():
                out = sf_error(403, "REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded.")
            else:
                try:
                    with self.store.lock, self.store.transaction():
                        out = self._subrequest(ctx, request, {})
                except _BadReference as exc:
                    out = sf_error(400, "INVALID_BATCH_REQUEST", str(exc))
            result = out.body.decode() if isinstance(out.body, bytes) else out.body
            results.append({"statusCode": out.status, "result": result})
            stopped = halt and out.status >= 400
        return Out(
            200,
            {"hasErrors": any(r["statusCode"] >= 400 for r in results), "results": results},
        )

    def _run(
        self, ctx: Ctx, subs: list[Any], *, all_or_none: bool
    ) -> tuple[list[dict[str, Any]], bool]:
        """Subrequests in one transaction (rolled back, with all-or-none, when one fails):
        their composite responses, and whether all succeeded."""
        refs: dict[str, Any] = {}
        responses: list[dict[str, Any]] = []
        halted = {"body": [HALTED], "httpHeaders": {}, "httpStatusCode": 400}
        failed = False
        with self.store.lock:
            try:
                with self.store.transaction():
                    for sub in subs:
                        ref_id = sub.get("referenceId", "")
                        if failed and all_or_none:
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
                    if failed and all_or_none:
                        raise AllOrNoneAbort
            except AllOrNoneAbort:
                responses = [
                    r if r["httpStatusCode"] >= 400 else {**halted, "referenceId": r["referenceId"]}
                    for r in responses
                ]
        return responses, not failed

    def _subrequest(self, ctx: Ctx, sub: dict[str, Any], refs: dict[str, Any]) -> Out:
        url = _substitute(str(sub.get("url", "")), refs)
        method = str(sub.get("method", "GET")).upper()
        body = sub.get("body")
        if body is not None:
            body = json.loads(_substitute(json.dumps(body), refs))
        parts = urlsplit(url)
        adapter = self.router.url_map.bind(ctx.host)
        try:
            rule, values = adapter.match(parts.path, method=method, return_rule=True)
        except NotFound:
            return sf_error(404, "NOT_FOUND", "The requested resource does not exist")
        except MethodNotAllowed:
            return sf_error(405, "METHOD_NOT_ALLOWED", f"HTTP Method '{method}' not allowed")
        endpoint = str(rule.endpoint)
        if endpoint in COMPOSITE or endpoint.split(".", 1)[0] in NOT_IN_COMPOSITE:
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
            via_adapter=ctx.via_adapter,
            scheme=ctx.scheme,
            user=ctx.user,
            view=ctx.view,
            values=values,
        )
        return self.router.dispatch(endpoint, sub_ctx)
