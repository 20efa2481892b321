"""Wiring: build the app for a database and serve it with waitress."""

from __future__ import annotations

import contextlib
import logging
import threading
from pathlib import Path
from typing import Any

from waitress.server import create_server

from .app import EmulatorApp
from .config import EmulatorConfig, for_emulator
from .store import Store


def create_app(
    db: str = ":memory:",
    *,
    seed: str = "empty",
    api_limit: int = 100_000,
    latency_ms: float = 0,
    bulk_records_per_s: float | None = None,
    config: EmulatorConfig | str | Path | None = None,
) -> EmulatorApp:
    """A ready WSGI app over a fresh (or existing, for a file ``db``) org; ``latency_ms``
    and ``bulk_records_per_s`` model a real network and Bulk API (org settings that the
    control API can change, and ``reset`` restores to these values). ``config``: the org's
    configuration (:mod:`.config`; default: this process's)."""
    config = for_emulator(config)
    store = Store(db, api_limit=api_limit)
    store.apply_config(config)
    store.apply_start_settings(latency_ms=latency_ms, bulk_records_per_s=bulk_records_per_s)
    return EmulatorApp(store, seed=seed)


def make_server(app: EmulatorApp, host: str = "127.0.0.1", port: int = 0, threads: int = 8) -> Any:
    """A waitress server (not yet running); ``server.effective_port`` is the bound port."""
    return create_server(
        app,
        host=host,
        port=port,
        threads=threads,
        ident="salesforce-emulator",
        channel_timeout=120,
        connection_limit=200,
        clear_untrusted_proxy_headers=True,
        expose_tracebacks=False,
        asyncore_use_poll=True,
    )


def stop_server(server: Any, thread: threading.Thread | None = None) -> None:
    """Stop a waitress server started with ``server.run()`` in ``thread``, cleanly.

    Finish the worker threads first (they may still need the server's trigger), then close
    every socket in the server's map so the asyncore loop ends.
    """
    server.task_dispatcher.shutdown(cancel_pending=True, timeout=5)
    logging.getLogger("waitress").setLevel(logging.CRITICAL)
    for channel in list(server._map.values()):
        with contextlib.suppress(OSError):
            channel.close()
    if thread is not None:
        thread.join(timeout=5)
