"""What every API family shares: the request context, the handler's answer, Salesforce's
error body ``[{"message", "errorCode", "fields"}]`` and small request helpers."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from werkzeug.datastructures import MultiDict

from ..schema import SchemaView, SObject, get_object
from ..store import WriteResult
from ..store.faults import Fault

API_VERSION = "59.0"
#: The REST API versions the emulator serves (and lists at ``/services/data/``): 20.0
#: (Winter '11) to 68.0 (Winter '27, the release of December 2026). Others are a 404.
SUPPORTED_VERSIONS = tuple(f"{v}.0" for v in range(20, 69))


def release_label(version: str) -> str:
    """The release a REST API version came with: 20.0 is Winter '11, then three a year."""
    k = int(float(version)) - 20
    return f"{('Winter', 'Spring', 'Summer')[k % 3]} '{11 + k // 3:02d}"


HOST_HEADER = "X-Salesforce-Host"
#: A client names itself with ``Sforce-Call-Options: client=<id>`` (options comma-separated).
CALL_OPTIONS_HEADER = "Sforce-Call-Options"
#: Records per sObject Collections call.
MAX_COLLECTION = 200


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


class AllOrNoneAbort(Exception):
    """Internal: roll back the transaction of an all-or-none request."""


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
    #: The request came through the connector's adapter (it carried X-Salesforce-Host):
    #: URLs handed back are ``https://``; a direct client gets its own scheme back.
    via_adapter: bool = False
    scheme: str = "http"
    user: dict[str, Any] | None = None
    #: What the session's user sees of the schema (set once the session is checked).
    view: SchemaView | None = None
    values: Mapping[str, Any] = field(default_factory=dict)
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

    def json_object(self) -> dict[str, Any]:
        """The body, which must be a JSON object (a single record)."""
        data = self.json()
        if not isinstance(data, dict):
            raise ApiError(400, "JSON_PARSER_ERROR", "Expected a JSON object")
        return data

    @property
    def version(self) -> str:
        return str(self.values.get("version", API_VERSION))

    @property
    def user_id(self) -> str:
        return self.user["user_id"] if self.user else ""

    @property
    def schema(self) -> SchemaView:
        """The user's view of the schema (the plain org schema before authentication)."""
        return self.view if self.view is not None else SchemaView()

    @property
    def base_url(self) -> str:
        """The emulator's own address as the client can use it (the instance URL)."""
        return f"{'https' if self.via_adapter else self.scheme}://{self.host}"

    def url_for(self, host: str) -> str:
        """``host`` (the one the client meant) as a URL the client can use."""
        return f"{'https' if self.via_adapter else self.scheme}://{host}"

    def sobject(self) -> SObject:
        """The data object named in the URL (``<obj>``) that the user sees, or 404."""
        name = self.values["obj"]
        obj = self.view.object(name) if self.view is not None else get_object(name)
        if obj is None:
            raise ApiError(404, "NOT_FOUND", "The requested resource does not exist")
        return obj


@dataclass
class Out:
    """A handler's answer."""

    status: int
    body: Any = None  # JSON-able, or str/bytes with content_type
    content_type: str = "application/json;charset=UTF-8"
    headers: dict[str, str] = field(default_factory=dict)


#: An endpoint handler.
Handler = Callable[[Ctx], Out]


def sf_error(status: int, code: str, message: str, fields: list[str] | None = None) -> Out:
    return Out(status, [{"message": message, "errorCode": code, "fields": fields or []}])


def errors_body(res: WriteResult) -> list[dict[str, Any]]:
    """A failed single-record write as Salesforce's error list (a duplicate rule's error
    keeps its ``duplicateResult``)."""
    return [
        {
            "message": e["message"],
            "errorCode": e["statusCode"],
            "fields": e["fields"],
            **({"duplicateResult": e["duplicateResult"]} if "duplicateResult" in e else {}),
        }
        for e in res.errors
    ]


def call_options_client(headers: Mapping[str, str]) -> str:
    """The ``client`` option of a request's ``Sforce-Call-Options`` header ("" without)."""
    for key, value in headers.items():
        if key.lower() != CALL_OPTIONS_HEADER.lower():
            continue
        for option in value.split(","):
            name, _, given = option.partition("=")
            if name.strip().lower() == "client":
                return given.strip()
    return ""
