"""A stand-alone local Salesforce for tests, benchmarks and the demo.

Start it with ``python -m salesforce_emulator --port 8765`` (see README.md), or from Python
with :func:`salesforce_emulator.testing.running_emulator`. It depends on Werkzeug, waitress
and SQLite, and for the Pub/Sub API on grpcio, fastavro and the stubs of :mod:`pubsub_api`:
no Django.

Layout, by concern: :mod:`.app` (routing and the WSGI app) over :mod:`.api` (the HTTP
handlers, one module per API family), :mod:`.bulk` (the Bulk API 2.0 job engine) and
:mod:`.store` (the org in SQLite: identity, validation, records, queries, metering, faults),
which build on :mod:`.soql` (SOQL to SQL) and :mod:`.schema` (object metadata, describe).
:mod:`.pubsub` serves Salesforce's Pub/Sub API (gRPC) over the store's Change Data Capture
event log. :mod:`.server`, :mod:`.testing` and :mod:`.pytest_plugin` serve and drive it.
"""

from __future__ import annotations

from .app import EmulatorApp
from .server import create_app, make_server
from .store import Store

__all__ = ["EmulatorApp", "Store", "create_app", "make_server"]
