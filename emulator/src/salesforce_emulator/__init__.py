"""A stand-alone local Salesforce for tests, benchmarks and demos.

Start it with ``salesforce-emulator --port 8765`` (or ``python -m salesforce_emulator``; see
README.md), or from Python with :func:`salesforce_emulator.testing.running_emulator`. It
depends on Werkzeug, waitress, SQLite, pycountry and PyJWT; the Pub/Sub API (its ``pubsub``
extra) on grpcio, fastavro and the interface of :mod:`pubsub_api`: no Django, and nothing of
any project it serves, whose org (setup package, installed package, demo user) is its
configuration (:mod:`.config`).

Layout, by concern: :mod:`.app` (routing and the WSGI app) over :mod:`.api` (the HTTP
handlers, one module per API family), :mod:`.bulk` (the Bulk API 2.0 job engine) and
:mod:`.store` (the org in SQLite: identity, validation, records, queries, metering, faults),
which build on :mod:`.soql` (SOQL to SQL) and :mod:`.schema` (object metadata, describe).
:mod:`.pubsub` serves Salesforce's Pub/Sub API (gRPC) over the store's Change Data Capture
event log. :mod:`.server`, :mod:`.testing` and :mod:`.pytest_plugin` serve and drive it;
:mod:`.client` points ``requests`` (and simple-salesforce) at it.

Importing the package imports nothing else: the object metadata is built, from the
configuration's setup package, when the server side is first imported.
"""

from __future__ import annotations

from typing import Any

__all__ = ["EmulatorApp", "Store", "create_app", "make_server"]


def __getattr__(name: str) -> Any:
    if name == "EmulatorApp":
        from .app import EmulatorApp

        return EmulatorApp
    if name == "Store":
        from .store import Store

        return Store
    if name in ("create_app", "make_server"):
        from . import server

        return getattr(server, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
