"""The ``requests`` session simple-salesforce is handed: real Salesforce, or the local emulator.

With ``SALESFORCE_EMULATOR_URL`` set (the demo, tests, benchmarks) the session's ``https://``
adapter is the emulator's own (``salesforce_emulator.client``, from the ``salesforce-emulator``
distribution of hubsync's ``demo``/``dev`` extras): it rewrites every Salesforce URL to the
emulator and names the host meant in ``X-Salesforce-Host``. A production install has no
emulator and never imports it. This module must not import Django.
"""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

import requests

#: hubsync names itself on every call, Salesforce's way (``Sforce-Call-Options:
#: client=<id>``): the change events of its writes then carry ``;client=hubsync`` in their
#: ``changeOrigin``, which is how the listener tells its own writes from anyone else's.
CLIENT_ID = "hubsync"
CALL_OPTIONS = {"Sforce-Call-Options": f"client={CLIENT_ID}"}


class EmulatorNotInstalled(RuntimeError):
    """SALESFORCE_EMULATOR_URL is set but the emulator's client is not installed."""


def emulator_session(emulator_url: str) -> requests.Session:
    """A session that sends all ``https://`` traffic to the emulator at ``emulator_url``."""
    try:
        from salesforce_emulator.client import emulator_session as session_for
    except ImportError as exc:
        raise EmulatorNotInstalled(
            "SALESFORCE_EMULATOR_URL is set, but the Salesforce emulator is not installed: "
            "install hubsync's demo extra (pip install '.[demo]'), or unset "
            "SALESFORCE_EMULATOR_URL to talk to Salesforce"
        ) from exc
    return session_for(emulator_url)


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
