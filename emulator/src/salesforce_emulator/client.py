"""Point ``requests`` (and so simple-salesforce, unchanged) at the emulator.

simple-salesforce builds every URL as ``https://{host}/...`` (login, REST, Bulk 2.0) and
accepts a ``session=``. :func:`emulator_session` returns a session whose ``https://``
adapter rewrites scheme and host to the emulator's base URL, keeps path and query, and adds
``X-Salesforce-Host`` with the host the client meant, so the emulator can tell
``login.salesforce.com`` from ``test.salesforce.com`` from the instance. Plain ``http://``
is left alone. Needs ``requests`` only (no server code is imported).

    from simple_salesforce import Salesforce
    from salesforce_emulator.client import emulator_session

    sf = Salesforce(username=..., password=..., security_token=...,
                    session=emulator_session("http://127.0.0.1:8765"))
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit, urlunsplit

import requests
from requests.adapters import HTTPAdapter

SALESFORCE_HOST_HEADER = "X-Salesforce-Host"


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
