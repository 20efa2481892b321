"""Point ``requests`` (and so simple-salesforce, unchanged) at the local Salesforce emulator.

simple-salesforce builds every URL as ``https://{host}/...`` (login, REST, Bulk 2.0) and
accepts a ``session=``. :func:`emulator_session` returns a session whose ``https://``
adapter rewrites scheme and host to the emulator's base URL, keeps path and query, and adds
``X-Salesforce-Host`` with the host the client meant, so the emulator can tell
``login.salesforce.com`` from ``test.salesforce.com`` from the instance. Plain ``http://``
is left alone. This module must not import Django: the emulator's tests use it too.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit, urlunsplit

import requests
from requests.adapters import HTTPAdapter

SALESFORCE_HOST_HEADER = "X-Salesforce-Host"
#: hubsync names itself on every call, Salesforce's way (``Sforce-Call-Options:
#: client=<id>``): the change events of its writes then carry ``;client=hubsync`` in their
#: ``changeOrigin``, which is how the listener tells its own writes from anyone else's.
CLIENT_ID = "hubsync"
CALL_OPTIONS = {"Sforce-Call-Options": f"client={CLIENT_ID}"}


class EmulatorAdapter(HTTPAdapter):
    """Sends every request to ``emulator_url``, keeping path and query.

    The original host travels in the ``X-Salesforce-Host`` header.
    """

    def __init__(self, emulator_url: str, **kwargs: Any) -> None:
        parts = urlsplit(emulator_url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError(f"emulator URL must be http(s)://host:port, got {emulator_url!r}")
        self.scheme = parts.scheme
        self.netloc = parts.netloc
        super().__init__(**kwargs)

    def send(
        self, request: requests.PreparedRequest, *args: Any, **kwargs: Any
    ) -> requests.Response:
        original = urlsplit(request.url or "")
        rewritten = request.copy()
        rewritten.url = urlunsplit(
            (self.scheme, self.netloc, original.path, original.query, original.fragment)
        )
        rewritten.headers[SALESFORCE_HOST_HEADER] = original.netloc
        return super().send(rewritten, *args, **kwargs)


def emulator_session(emulator_url: str) -> requests.Session:
    """A session that sends all ``https://`` traffic to the emulator at ``emulator_url``."""
    session = requests.Session()
    session.mount("https://", EmulatorAdapter(emulator_url.rstrip("/")))
    return session


def salesforce_session(emulator_url: str | None) -> requests.Session:
    """The session the connector should hand to simple-salesforce.

    With ``emulator_url`` (e.g. the ``SALESFORCE_EMULATOR_URL`` setting) it talks to the
    emulator; with ``None`` or ``""`` it is a plain session for real Salesforce. Either way
    every request names hubsync as its client (:data:`CALL_OPTIONS`).
    """
    session = emulator_session(emulator_url) if emulator_url else requests.Session()
    session.headers.update(CALL_OPTIONS)
    return session


def browser_url(url: str, emulator_url: str | None) -> str:
    """A Salesforce URL a person's browser is sent to (the OAuth login page): with the
    emulator, its own address, since a browser has no adapter (the emulator answers a
    direct request as ``login.salesforce.com``)."""
    if not emulator_url:
        return url
    original, emulator = urlsplit(url), urlsplit(emulator_url)
    return urlunsplit(
        (emulator.scheme, emulator.netloc, original.path, original.query, original.fragment)
    )
