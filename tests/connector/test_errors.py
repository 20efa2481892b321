"""The error taxonomy: what each class means to a caller, and how it reads. Pure."""

from __future__ import annotations

import pytest

from connector.errors import (
    RECOVERABLE_CODES,
    ApiLimitReached,
    AuthenticationFailed,
    ConcurrentLimitReached,
    ConfigurationError,
    ConnectorError,
    InvalidData,
    LimitReached,
    RecoverableError,
    UnrecoverableError,
)


def test_an_error_reads_as_code_and_message():
    error = ConnectorError("Row locked", code="UNABLE_TO_LOCK_ROW")
    assert str(error) == "UNABLE_TO_LOCK_ROW: Row locked"
    assert error.code == "UNABLE_TO_LOCK_ROW"
    assert error.message == "Row locked"
    assert error.args == ("Row locked",)


def test_without_a_code_it_reads_as_the_message_alone():
    error = RecoverableError("Salesforce did not answer")
    assert str(error) == "Salesforce did not answer"
    assert error.code == ""


def test_the_api_limit_carries_its_code_and_when_to_try_again():
    error = ApiLimitReached("hubsync's API call limit of 5 is used up.", retry_after_s=600)
    assert error.code == "API_LIMIT_REACHED"
    assert error.retry_after_s == 600
    assert str(error) == "API_LIMIT_REACHED: hubsync's API call limit of 5 is used up."
    assert ApiLimitReached("x").retry_after_s == 0
    org = ApiLimitReached("Total requests exceeded", code="REQUEST_LIMIT_EXCEEDED")
    assert org.code == "REQUEST_LIMIT_EXCEEDED"
    assert str(org) == "REQUEST_LIMIT_EXCEEDED: Total requests exceeded"


def test_the_concurrent_limit_is_salesforces_request_limit_code():
    error = ConcurrentLimitReached("ConcurrentRequests")
    assert error.code == "REQUEST_LIMIT_EXCEEDED"
    assert str(error) == "REQUEST_LIMIT_EXCEEDED: ConcurrentRequests"
    assert ConcurrentLimitReached("x", code="OTHER").code == "OTHER"


@pytest.mark.parametrize(
    ("error_class", "recoverable"),
    [
        (RecoverableError, True),
        (LimitReached, True),
        (ApiLimitReached, True),
        (ConcurrentLimitReached, True),
        (UnrecoverableError, False),
        (AuthenticationFailed, False),
        (InvalidData, False),
        (ConfigurationError, False),
    ],
)
def test_callers_decide_by_class_alone(error_class, recoverable):
    error = error_class("m")
    assert isinstance(error, ConnectorError)
    assert isinstance(error, RecoverableError) is recoverable
    assert isinstance(error, UnrecoverableError) is not recoverable


def test_limits_end_the_cycle_and_are_recoverable():
    assert issubclass(ApiLimitReached, LimitReached)
    assert issubclass(ConcurrentLimitReached, LimitReached)
    assert not issubclass(InvalidData, LimitReached)


def test_the_codes_that_mean_try_again_later():
    assert {
        "UNABLE_TO_LOCK_ROW",
        "REQUEST_LIMIT_EXCEEDED",
        "SERVER_UNAVAILABLE",
        "REQUEST_RUNNING_TOO_LONG",
        "QUERY_TIMEOUT",
        "INVALID_SESSION_ID",
    } == RECOVERABLE_CODES
