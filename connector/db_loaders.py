"""PostgreSQL ``timestamptz`` values parsed by psycopg's C loader, not in Python.

Django 5.2 registers, on every connection, a ``timestamptz`` loader of its own that
derives from psycopg's pure-Python ``TimestamptzLoader`` (psycopg's C loader cannot be
subclassed): each ``DateTimeField`` value read costs about 6 µs in Python, against under
1 µs in C. The push reads two per contact (the version it sends, then the one it settles):
9 % of the worker's CPU in a 300,000-contact push (Django ticket #36960, psycopg issue
#1273). This loader keeps Django's contract (an aware datetime carrying Django's time zone
object) and parses with whatever ``timestamptz`` loader psycopg's own default map holds:
the C one where psycopg's C extension is installed (``psycopg[binary]``), else the same
Python one Django uses.
"""

from __future__ import annotations

from datetime import datetime, tzinfo
from typing import Any

from django.db.backends.base.base import BaseDatabaseWrapper


def timestamptz_loader_register(sender: Any, connection: BaseDatabaseWrapper, **kwargs) -> None:
    """``connection_created``: register the loader for a new PostgreSQL connection."""
    if connection.vendor != "postgresql":
        return
    from django.db.backends.postgresql.psycopg_any import BaseTzLoader
    from psycopg import adapters
    from psycopg.abc import Loader
    from psycopg.postgres import types
    from psycopg.pq import Format

    oid = types["timestamptz"].oid
    found = adapters.get_loader(oid, Format.TEXT)
    if found is None:
        return
    parser: type[Loader] = found

    class TimestamptzLoader(BaseTzLoader):
        # Django compares this with the connection's time zone before each cursor and
        # registers its own loader again only when they differ.
        timezone: tzinfo | None = connection.timezone

        def __init__(self, oid: int, context: Any = None) -> None:
            super().__init__(oid, context)
            self._parse = parser(oid, context).load

        def load(self, data: Any) -> datetime:
            return self._parse(data).replace(tzinfo=self.timezone)

    connection.connection.adapters.register_loader(oid, TimestamptzLoader)
