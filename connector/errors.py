"""The connector's one error taxonomy.

The client translates every library error (simple-salesforce, requests) into
one of these, so callers decide by class alone: a :class:`RecoverableError` is
retried later (with back-off), an :class:`UnrecoverableError` is not retried
until a person changes something (credentials, data, configuration).
"""

from __future__ import annotations

from .messages import said_error


class ConnectorError(Exception):
    """Base class. ``code`` is Salesforce's error code where it gave one."""

    def __init__(self, message: str, *, code: str = "") -> None:
        super().__init__(message)
        self.code = code
        self.message = message

    def __str__(self) -> str:
        return f"{self.code}: {self.message}" if self.code else self.message

    @property
    def said(self) -> str:
        """As stored (a run's reason): "CODE: message", the message keeping its key and
        parameters when it is one of hubsync's (connector.messages)."""
        return said_error(self.code, self.message)


class RecoverableError(ConnectorError):
    """Try again later: timeouts, connection errors, 5xx, UNABLE_TO_LOCK_ROW."""


class LimitReached(RecoverableError):
    """A limit ends the cycle at once (going on would only hit it again); the next try comes
    by the limit's own clock."""


class ApiLimitReached(LimitReached):
    """hubsync's own API call limit, or the org's daily limit, is used up."""

    def __init__(self, message: str, *, code: str = "API_LIMIT_REACHED", retry_after_s: int = 0):
        super().__init__(message, code=code)
        self.retry_after_s = retry_after_s


class ConcurrentLimitReached(LimitReached):
    """Too many long-running requests run in the org at once (Salesforce's ConcurrentRequests
    limit, also REQUEST_LIMIT_EXCEEDED): seconds, not the 24-hour window, free it."""

    def __init__(self, message: str, *, code: str = "REQUEST_LIMIT_EXCEEDED") -> None:
        super().__init__(message, code=code)


class UnrecoverableError(ConnectorError):
    """Retrying will not help until a person changes something."""


class AuthenticationFailed(UnrecoverableError):
    """Salesforce refused the credentials (e.g. INVALID_LOGIN)."""


class InvalidData(UnrecoverableError):
    """Salesforce rejected a request's data (400-class errors other than limits)."""


class ConfigurationError(UnrecoverableError):
    """hubsync is not set up to talk to Salesforce (no credentials, sync off, ...)."""


# Salesforce error codes that mean "try the same thing again later".
RECOVERABLE_CODES = frozenset(
    {
        "UNABLE_TO_LOCK_ROW",
        "REQUEST_LIMIT_EXCEEDED",
        "SERVER_UNAVAILABLE",
        "REQUEST_RUNNING_TOO_LONG",
        "QUERY_TIMEOUT",
        "INVALID_SESSION_ID",
    }
)
