"""The Composite API: ``POST composite/`` runs up to 25 REST subrequests in one transaction,
with ``@{ref.path}`` references to earlier results and ``allOrNone``."""

from __future__ import annotations

import json
import re
from typing import Any, Protocol
from urllib.parse import parse_qsl, urlsplit

from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.routing import Map

from ..store import Store
from .common import AllOrNoneAbort, ApiError, Ctx, Out, sf_error

MAX_COMPOSITE = 25
#: The composite endpoint itself, and the API families a subrequest cannot use.
COMPOSITE = "composite.execute"
NOT_IN_COMPOSITE = ("control", "auth", "oauth", "authorize", "bulk")


class Router(Protocol):
    """What a subrequest needs from the application: its URL map and its dispatcher."""

    url_map: Map

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
                        raise AllOrNoneAbort
            except AllOrNoneAbort:
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
        adapter = self.router.url_map.bind(ctx.host)
        try:
            rule, values = adapter.match(parts.path, method=method, return_rule=True)
        except NotFound:
            return sf_error(404, "NOT_FOUND", "The requested resource does not exist")
        except MethodNotAllowed:
            return sf_error(405, "METHOD_NOT_ALLOWED", f"HTTP Method '{method}' not allowed")
        endpoint = str(rule.endpoint)
        if endpoint == COMPOSITE or endpoint.split(".", 1)[0] in NOT_IN_COMPOSITE:
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
