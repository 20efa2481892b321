"""The client against the emulator: typed errors, metering of every request, re-login."""

from __future__ import annotations

import pytest

from connector.client import Credentials, SalesforceClient
from connector.errors import (
    ApiLimitReached,
    AuthenticationFailed,
    ConfigurationError,
    InvalidData,
    RecoverableError,
)
from connector.metering import ApiMeter
from connector.models import ApiCallBucket
from tests.conftest import SF_PASSWORD, SF_TOKEN, SF_USERNAME

pytestmark = pytest.mark.django_db


def make_client(emulator, *, password=SF_PASSWORD, limit=None, **kwargs) -> SalesforceClient:
    return SalesforceClient(
        Credentials(SF_USERNAME, password, SF_TOKEN, sandbox=False),
        meter=ApiMeter(limit=limit),
        emulator_url=emulator.url,
        **kwargs,
    )


def test_every_request_is_counted_once_in_the_shared_window(salesforce):
    client = make_client(salesforce)
    client.login()
    client.query_all("SELECT Id FROM Lead")
    client.limits()
    client.describe("Lead")
    sent = salesforce.control.stats()["total_requests"]
    assert sent == 4
    assert client.meter.calls == sent
    assert sum(ApiCallBucket.objects.values_list("calls", flat=True)) == sent
    assert client.meter.org_usage.max == 100_000


def test_bad_credentials_are_unrecoverable_with_salesforces_code(salesforce):
    with pytest.raises(AuthenticationFailed) as raised:
        make_client(salesforce, password="nope").login()
    assert raised.value.code == "INVALID_LOGIN"
    assert "nope" not in str(raised.value)


def test_missing_credentials_are_a_configuration_error(salesforce):
    with pytest.raises(ConfigurationError):
        SalesforceClient(Credentials("", "", "", False), meter=ApiMeter(limit=None))


@pytest.mark.parametrize(
    ("fault", "error_class", "code"),
    [
        (
            {"status": 503, "error_code": "SERVER_UNAVAILABLE"},
            RecoverableError,
            "SERVER_UNAVAILABLE",
        ),
        ({"status": 500}, RecoverableError, None),
        (
            {"status": 400, "error_code": "UNABLE_TO_LOCK_ROW"},
            RecoverableError,
            "UNABLE_TO_LOCK_ROW",
        ),
        ({"status": 403, "error_code": "REQUEST_LIMIT_EXCEEDED"}, ApiLimitReached, None),
        ({"reset_connection": True}, RecoverableError, "CONNECTION_ERROR"),
    ],
)
def test_library_and_network_errors_are_translated(salesforce, fault, error_class, code):
    client = make_client(salesforce)
    client.login()
    salesforce.control.add_fault(r"/query", **fault)
    with pytest.raises(error_class) as raised:
        client.query_all("SELECT Id FROM Lead")
    if code is not None:
        assert raised.value.code == code
    # The fault is gone: the same call works again.
    assert client.query_all("SELECT Id FROM Lead") == []


def test_a_stall_past_the_timeout_is_recoverable(salesforce):
    client = make_client(salesforce, timeout=(2, 0.5))
    client.login()
    salesforce.control.add_fault(r"/query", delay_s=2)
    with pytest.raises(RecoverableError) as raised:
        client.query_all("SELECT Id FROM Lead")
    assert raised.value.code == "TIMEOUT"


def test_malformed_soql_is_invalid_data(salesforce):
    client = make_client(salesforce)
    with pytest.raises(InvalidData) as raised:
        client.query_all("SELECT Id FROM Lead WHERE")
    assert raised.value.code == "MALFORMED_QUERY"


def test_an_expired_session_logs_in_again_transparently(salesforce):
    client = make_client(salesforce)
    client.login()
    salesforce.control.expire_sessions()
    assert client.query_all("SELECT Id FROM Lead") == []
    requests = salesforce.control.stats()["requests"]
    assert requests["POST /services/Soap/u/<version>/"] == 2


def test_the_limit_stops_calls_before_they_are_sent(salesforce):
    client = make_client(salesforce, limit=2)
    client.login()
    client.limits()
    with pytest.raises(ApiLimitReached) as raised:
        client.limits()
    assert raised.value.retry_after_s > 0
    assert salesforce.control.stats()["total_requests"] == 2


@pytest.mark.parametrize(
    ("fault", "error_class", "code", "message"),
    [
        # The session stays refused after the client's one re-login: try again later.
        (
            {"status": 401, "error_code": "INVALID_SESSION_ID", "message": "Session expired"},
            RecoverableError,
            "INVALID_SESSION_ID",
            "Session expired",
        ),
        (
            {"status": 404, "error_code": "NOT_FOUND", "message": "No such resource"},
            InvalidData,
            "NOT_FOUND",
            "No such resource",
        ),
        (
            {"status": 403, "error_code": "INSUFFICIENT_ACCESS", "message": "No access"},
            InvalidData,
            "INSUFFICIENT_ACCESS",
            "No access",
        ),
    ],
)
def test_session_not_found_and_refused_answers_are_translated(
    salesforce, fault, error_class, code, message
):
    client = make_client(salesforce)
    client.login()
    salesforce.control.add_fault(r"/query", count=10, **fault)
    with pytest.raises(error_class) as raised:
        client.query_all("SELECT Id FROM Lead")
    assert type(raised.value) is error_class
    assert (raised.value.code, raised.value.message) == (code, message)


@pytest.mark.slow
def test_every_call_names_hubsync_as_its_client(salesforce):
    """``Sforce-Call-Options: client=hubsync`` on every call (login, REST, composite,
    Collections, Bulk API 2.0, userinfo), so its writes' change events carry the mark."""
    client = make_client(salesforce)
    client.login()
    client.identity()
    client.query_all("SELECT Id FROM Lead")
    client.query_many([("SELECT Id FROM Contact", False)])
    (created,) = client.collection(
        "POST", [{"attributes": {"type": "Lead"}, "LastName": "C", "Company": "X"}]
    )
    client.collection("PATCH", [{"attributes": {"type": "Lead"}, "Id": created.id, "Title": "T"}])
    client.call(lambda sf: sf.bulk2.Lead.insert(records=[{"LastName": "B", "Company": "X"}]))
    stats = salesforce.control.stats()
    assert stats["requests_by_client"] == {"hubsync": stats["total_requests"]}
