"""A stand-alone local Salesforce for tests, benchmarks and the demo.

Start it with ``python -m salesforce_emulator --port 8765`` (see README.md), or from Python
with :func:`salesforce_emulator.testing.running_emulator`. It depends on Werkzeug, waitress
and SQLite only: no Django.
"""

from __future__ import annotations

from .app import EmulatorApp
from .server import create_app, make_server
from .store import Store

__all__ = ["EmulatorApp", "Store", "create_app", "make_server"]
