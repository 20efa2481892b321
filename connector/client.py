"""The one Salesforce client: auth, metering, timeouts, typed errors — no business rules.

It wraps ``simple_salesforce.Salesforce`` (unchanged) built on a ``requests``
session that goes to the local emulator when SALESFORCE_EMULATOR_URL is set
(connector.transport) and counts every request (connector.metering).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any, Concatenate, ParamSpec, TypeVar
from urllib.parse import quote

import requests
from django.conf import settings as django_settings
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import (
    SalesforceAuthenticationFailed,
    SalesforceError,
    SalesforceExpiredSession,
    SalesforceRefusedRequest,
    SalesforceResourceNotFound,
)

from .credentials.methods import (
    API_VERSION,
    Credentials,
    credentials_from_settings,
    salesforce_login,
)
from .errors import (
    RECOVERABLE_CODES,
    ApiLimitReached,
    AuthenticationFailed,
    ConcurrentLimitReached,
    ConfigurationError,
    ConnectorError,
    InvalidData,
    RecoverableError,
)
from .messages import (
    CONNECTION_FAILED,
    CREDENTIALS_NOT_SET,
    NO_ANSWER,
    SALESFORCE_ANSWERED,
    said,
)
from .metering import ApiMeter, meter_session
from .salesforce_hosts import HostPolicy, guard_session
from .transport import CALL_OPTIONS, salesforce_session

T = TypeVar("T")
P = ParamSpec("P")

# Seconds to wait for Salesforce before a request counts as failed (recoverable).
DEFAULT_TIMEOUT = (10, 60)
COLLECTION_SIZE = 200  # sObject Collections take at most 200 records a call
# Salesforce allows at most five query subrequests in one composite request.
QUERIES_PER_COMPOSITE = 5


@dataclass
class RecordResult:
    """One record's outcome in a collection call, in request order."""

    success: bool
    id: str | None = None
    created: bool = False
    code: str = ""
    message: str = ""
    fields: tuple[str, ...] = ()
    # DUPLICATES_DETECTED: the records the org's duplicate rule matched, as (type, id).
    duplicates: tuple[tuple[str, str], ...] = ()


class QueryPages:
    """One query's pages, read once: the first came with the call that ran the query (with
    ``total_size``, the number of records it matched), later ones are fetched as it is read."""

    def __init__(self, client: SalesforceClient, first: dict) -> None:
        self.client = client
        self.first = first
        self.total_size = int(first.get("totalSize") or 0)

    def __iter__(self) -> Iterator[list[dict]]:
        return self.client._pages(self.first)


class _TimeoutSession(requests.Session):
    """A session with a default timeout: simple-salesforce sets none of its own."""

    def __init__(self, base: requests.Session, timeout: Any) -> None:
        super().__init__()
        self.adapters = base.adapters
        self.headers.update(CALL_OPTIONS)  # client=hubsync on every call
        self.default_timeout = timeout

    def request(  # type: ignore[override]  # narrower than Session's: keywords pass through
        self, method: str | bytes, url: str | bytes, **kwargs: Any
    ) -> requests.Response:
        kwargs.setdefault("timeout", self.default_timeout)
        if kwargs["timeout"] is None:
            kwargs["timeout"] = self.default_timeout
        return super().request(method, url, **kwargs)


def _transport(meter: ApiMeter, emulator_url: str | None, timeout: Any) -> requests.Session:
    """The emulator adapter (only with SALESFORCE_EMULATOR_URL), the meter, and outermost the
    host guard: a request to a host that is not Salesforce is neither sent nor counted."""
    session = meter_session(_TimeoutSession(salesforce_session(emulator_url), timeout), meter)
    return guard_session(session, HostPolicy(django_settings.SALESFORCE_ALLOWED_HOSTS))


def salesforce_transport(
    integration_settings: Any, *, meter: ApiMeter | None = None
) -> requests.Session:
    """The HTTP session the client uses (emulator adapter, meter, timeouts), for calls that
    are not simple-salesforce's (OAuth: connector.credentials.oauth). ``meter``: another meter than
    one keeping to hubsync's own limit (a sign-in may pass it; it is counted all the same)."""
    return _transport(
        meter or ApiMeter(limit=integration_settings.api_call_limit),
        django_settings.SALESFORCE_EMULATOR_URL,
        DEFAULT_TIMEOUT,
    )


class SalesforceClient:
    """Talks to one Salesforce org.

    Every public method raises only :class:`connector.errors.ConnectorError`
    subclasses; library and network errors are translated by :meth:`_call`.
    """

    def __init__(
        self,
        credentials: Credentials,
        *,
        meter: ApiMeter,
        emulator_url: str | None = None,
        timeout: Any = DEFAULT_TIMEOUT,
    ) -> None:
        missing = credentials.missing()
        if missing:
            raise ConfigurationError(
                said(CREDENTIALS_NOT_SET, missing=missing), code="NO_CREDENTIALS"
            )
        self.credentials = credentials
        self.meter = meter
        self.session = _transport(meter, emulator_url, timeout)
        self._sf: Salesforce | None = None

    @classmethod
    def from_settings(
        cls, integration_settings: Any, *, credentials: Credentials | None = None, **kwargs: Any
    ) -> SalesforceClient:
        """The client for the stored credentials (or ``credentials``) and API call limit."""
        credentials = credentials or credentials_from_settings(integration_settings)
        kwargs.setdefault("emulator_url", django_settings.SALESFORCE_EMULATOR_URL)
        kwargs.setdefault("meter", ApiMeter(limit=integration_settings.api_call_limit))
        return cls(credentials, **kwargs)

    # -- auth ---------------------------------------------------------------
    def login(self) -> Salesforce:
        """Log in by the credentials' method (connector.credentials.methods); raises
        AuthenticationFailed."""
        self._sf = self._call(lambda: salesforce_login(self.credentials, self.session))
        return self._sf

    @property
    def sf(self) -> Salesforce:
        return self._sf or self.login()

    # -- reads --------------------------------------------------------------
    def query_pages(self, soql: str, *, include_deleted: bool = False) -> Iterator[list[dict]]:
        """Yield the records of ``soql`` page by page (up to 2,000 a page, one call each)."""
        yield from self._pages(
            self._call(lambda: self.sf.query(soql, include_deleted=include_deleted))
        )

    def query_all(self, soql: str, *, include_deleted: bool = False) -> list[dict]:
        return [r for page in self.query_pages(soql, include_deleted=include_deleted) for r in page]

    def describe(self, sobject: str) -> dict:
        return self._call(lambda: getattr(self.sf, sobject).describe())

    def deleted(self, sobject: str, *, start: datetime, end: datetime) -> dict:
        """getDeleted: what was deleted between ``start`` and ``end``, and from when on the
        org can still tell (``earliestDateAvailable``)."""
        return self._call(lambda: getattr(self.sf, sobject).deleted(start, end))

    def limits(self) -> dict:
        return self._call(lambda: self.sf.limits())

    def identity(self) -> dict:
        """OpenID Connect userinfo of the logged-in user: ``user_id``, ``organization_id`` …
        (the Pub/Sub API's tenant id, and the user whose own changes are echoes)."""
        url = f"https://{self.sf.sf_instance}/services/oauth2/userinfo"

        def get() -> dict:
            response = self.session.get(url, headers=self.sf.headers, timeout=DEFAULT_TIMEOUT)
            if response.status_code in (401, 403):
                raise SalesforceExpiredSession(url, response.status_code, "userinfo", b"")
            if not response.ok:
                raise RecoverableError(
                    f"userinfo answered {response.status_code}.", code=str(response.status_code)
                )
            return response.json()

        return self._call(get)

    @property
    def session_id(self) -> str:
        return self.sf.session_id

    @property
    def instance_url(self) -> str:
        return f"https://{self.sf.sf_instance}"

    def tooling_query(self, soql: str) -> dict:
        return self._call(lambda: self.sf.toolingexecute(f"query/?q={quote(soql)}"))

    # -- writes -------------------------------------------------------------
    def collection(
        self,
        method: str,
        records: list[dict],
        *,
        sobject: str | None = None,
        external_id_field: str | None = None,
        assign: bool = False,
    ) -> list[RecordResult]:
        """sObject Collections create (POST), update (PATCH) or upsert (PATCH + external id).

        At most 200 records; ``allOrNone`` false, so one bad record never sinks
        the others. Each record needs ``attributes: {type: ...}``. ``assign`` lets the
        org's Lead assignment rules run (REST runs them unless told not to).
        """
        if len(records) > COLLECTION_SIZE:
            raise ValueError("sObject Collections take at most 200 records a call")
        path = "composite/sobjects"
        if external_id_field:
            path = f"{path}/{sobject}/{external_id_field}"
        body = {"allOrNone": False, "records": records}
        headers = {"Sforce-Auto-Assign": "TRUE" if assign else "FALSE"}
        raw = self._call(
            lambda: self.sf.restful(path, method=method, data=json.dumps(body), headers=headers)
        )
        return [_record_result(item) for item in raw or ()]

    def composite(self, subrequests: list[dict]) -> list[dict]:
        """Up to 25 subrequests in one call; returns each subrequest's response."""
        body = {"allOrNone": False, "compositeRequest": subrequests}
        raw = self._call(lambda: self.sf.restful("composite", method="POST", data=json.dumps(body)))
        return list((raw or {}).get("compositeResponse") or ())

    def query_many(self, queries: Sequence[tuple[str, bool]]) -> list[QueryPages]:
        """Run several SOQL queries with one composite call per five of them.

        ``queries`` are ``(soql, include_deleted)``. Returns, per query, an iterator of
        its pages: the first came with the composite call, later pages are fetched
        (one call each) only as the iterator is consumed.
        """
        first_pages: list[dict] = []
        for start in range(0, len(queries), QUERIES_PER_COMPOSITE):
            chunk = queries[start : start + QUERIES_PER_COMPOSITE]
            responses = self.composite(
                [
                    {
                        "method": "GET",
                        "url": f"/services/data/v{API_VERSION}/"
                        f"{'queryAll' if include_deleted else 'query'}?q={quote(soql)}",
                        "referenceId": f"q{start + index}",
                    }
                    for index, (soql, include_deleted) in enumerate(chunk)
                ]
            )
            for response in responses:
                if response["httpStatusCode"] >= 300:
                    code, message = _first_error(response["body"])
                    raise _error_for(response["httpStatusCode"], code, message)
                first_pages.append(response["body"])
        return [QueryPages(self, first) for first in first_pages]

    def _pages(self, page: dict) -> Iterator[list[dict]]:
        while True:
            yield page["records"]
            if page.get("done", True) or not page.get("nextRecordsUrl"):
                return
            next_url = page["nextRecordsUrl"]
            page = self._call(partial(self.sf.query_more, next_url, identifier_is_url=True))

    def call(
        self, fn: Callable[Concatenate[Salesforce, P], T], /, *args: P.args, **kwargs: P.kwargs
    ) -> T:
        """Run ``fn(sf, *args, **kwargs)`` with the client's error translation (for Bulk 2.0
        and the rest)."""
        return self._call(lambda: fn(self.sf, *args, **kwargs))

    # -- error translation -----------------------------------------------------
    def _call(self, fn: Callable[[], T]) -> T:
        try:
            try:
                return fn()
            except SalesforceExpiredSession:
                # simple-salesforce re-logs in on REST calls; Bulk calls do not.
                self._sf = None
                return fn()
        except ConnectorError:
            raise
        except SalesforceAuthenticationFailed as exc:
            # Salesforce's own text is in auth_message (``message`` is the class's template).
            message = getattr(exc, "auth_message", None) or str(exc)
            # simple-salesforce reports every failed login this way, an outage too (the code
            # is then the HTTP status): that is no verdict on the credentials.
            if (isinstance(exc.code, int) and exc.code >= 500) or exc.code in RECOVERABLE_CODES:
                raise RecoverableError(message, code=str(exc.code)) from None
            raise AuthenticationFailed(message, code=str(exc.code)) from None
        except SalesforceError as exc:
            raise _translate(exc) from None
        except requests.Timeout:
            raise RecoverableError(said(NO_ANSWER), code="TIMEOUT") from None
        except requests.ConnectionError:
            raise RecoverableError(said(CONNECTION_FAILED), code="CONNECTION_ERROR") from None


def _first_error(content: Any) -> tuple[str, str]:
    if isinstance(content, bytes):
        try:
            content = json.loads(content)
        except ValueError:
            return "", content.decode(errors="replace")[:500]
    if isinstance(content, list) and content and isinstance(content[0], dict):
        return str(content[0].get("errorCode") or ""), str(content[0].get("message") or "")
    if isinstance(content, dict):
        code = content.get("errorCode", content.get("error"))
        return str(code or ""), str(content.get("message") or "")
    return "", str(content)[:500]


def _error_for(status: int, code: str, message: str) -> ConnectorError:
    if code == "REQUEST_LIMIT_EXCEEDED" and "concurrent" in message.lower():
        return ConcurrentLimitReached(message, code=code)
    if code == "REQUEST_LIMIT_EXCEEDED":
        return ApiLimitReached(message or "The org's API request limit is exceeded.", code=code)
    if status >= 500 or code in RECOVERABLE_CODES:
        return RecoverableError(message or said(SALESFORCE_ANSWERED, status=status), code=code)
    return InvalidData(message or said(SALESFORCE_ANSWERED, status=status), code=code)


def _translate(exc: SalesforceError) -> ConnectorError:
    code, message = _first_error(exc.content)
    if code == "REQUEST_LIMIT_EXCEEDED" or exc.status >= 500 or code in RECOVERABLE_CODES:
        return _error_for(exc.status, code, message)
    if isinstance(exc, SalesforceExpiredSession):
        return RecoverableError(message, code=code or "INVALID_SESSION_ID")
    if isinstance(exc, SalesforceResourceNotFound):
        return InvalidData(message, code=code or "NOT_FOUND")
    if isinstance(exc, SalesforceRefusedRequest):
        return InvalidData(message, code=code or "FORBIDDEN")
    return InvalidData(message or said(SALESFORCE_ANSWERED, status=exc.status), code=code)


def _record_result(item: dict) -> RecordResult:
    if item.get("success"):
        return RecordResult(success=True, id=item.get("id"), created=bool(item.get("created")))
    errors = item.get("errors") or [{}]
    return RecordResult(
        success=False,
        id=item.get("id"),
        code=errors[0].get("statusCode", ""),
        message=errors[0].get("message", ""),
        fields=tuple(errors[0].get("fields") or ()),
        duplicates=_duplicate_matches(errors[0].get("duplicateResult")),
    )


def _duplicate_matches(result: dict | None) -> tuple[tuple[str, str], ...]:
    """The records a duplicate rule matched (``duplicateResult.matchResults[].matchRecords``)."""
    matches: dict[str, str] = {}
    for match_result in (result or {}).get("matchResults") or []:
        for match in match_result.get("matchRecords") or []:
            record = match.get("record") or {}
            if record.get("Id"):
                sf_type = (record.get("attributes") or {}).get("type") or match_result.get(
                    "entityType", ""
                )
                matches[record["Id"]] = sf_type
    return tuple((sf_type, sf_id) for sf_id, sf_type in matches.items())
