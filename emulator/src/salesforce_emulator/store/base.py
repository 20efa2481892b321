"""The SQLite database of one org: connection, lock, table layout, transactions, row lookups.

One table per object with a real column per field, indexes on ``Id``, ``SystemModstamp``,
``CreatedDate``, ``LastModifiedDate``, ``Email``, external ids and every foreign key, so
orgs of 100,000+ records stay fast. A single connection guarded by one re-entrant lock
serves every thread: SQLite work is short, and the lock makes ``:memory:`` databases and
all-or-none rollbacks correct under waitress's worker threads.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from ..schema import OBJECTS, SObject
from ..schema.fields import address_sql
from ..soql import quote

#: Ids per ``IN (...)`` list, well below SQLite's parameter limit.
CHUNK = 500


def chunks(items: list[Any], n: int) -> Iterator[list[Any]]:
    for i in range(0, len(items), n):
        yield items[i : i + n]


class StoreBase:
    """The connection and lock every part of the store works through."""

    def __init__(self, path: str = ":memory:") -> None:
        self.path = path
        self.lock = threading.RLock()
        self.conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self.conn.execute("PRAGMA foreign_keys = OFF")
        if path != ":memory:":
            self.conn.execute("PRAGMA journal_mode = WAL")
            self.conn.execute("PRAGMA synchronous = OFF")
        #: Next rowid per object (ids are made from it).
        self._next: dict[str, int] = {}
        self._sp = 0
        with self.lock:
            self._create_schema()

    def _create_schema(self) -> None:
        c = self.conn
        c.execute("CREATE TABLE IF NOT EXISTS _meta (key TEXT PRIMARY KEY, value TEXT)")
        c.execute(
            "CREATE TABLE IF NOT EXISTS _credentials (username TEXT PRIMARY KEY COLLATE NOCASE,"
            " user_id TEXT, password TEXT, security_token TEXT, sandbox INTEGER)"
        )
        c.execute(
            "CREATE TABLE IF NOT EXISTS _apps (consumer_key TEXT PRIMARY KEY, "
            "consumer_secret TEXT, username TEXT, certificate TEXT, callback_url TEXT)"
        )
        c.execute(
            "CREATE TABLE IF NOT EXISTS _refresh_tokens (token TEXT PRIMARY KEY, "
            "consumer_key TEXT, user_id TEXT, scope TEXT, created REAL)"
        )
        # A database file from an older emulator: add what is new since.
        self._add_missing_columns("_apps", {"certificate": "TEXT", "callback_url": "TEXT"})
        for obj in OBJECTS.values():
            stored = [f for f in obj.fields if f.stored]
            cols = ", ".join(
                f"{quote(f.name)} {f.sql_type}" + (" UNIQUE NOT NULL" if f.name == "Id" else "")
                for f in stored
            )
            c.execute(f"CREATE TABLE IF NOT EXISTS {quote(obj.name)} ({cols})")
            table = obj.name
            self._add_missing_columns(table, {f.name: f.sql_type for f in stored})
            self._add_compound_columns(obj)
            for f in stored:
                if f.name == "Id":
                    continue
                if not f.unique:
                    # The setup package may have made a unique field non-unique.
                    c.execute(f'DROP INDEX IF EXISTS "ux_{table}_{f.name}"')
                if f.unique and f.name != "Username":
                    c.execute(
                        f'CREATE UNIQUE INDEX IF NOT EXISTS "ux_{table}_{f.name}" ON '
                        f'{quote(table)} ({quote(f.name)}) WHERE "IsDeleted" = 0'
                    )
                elif f.indexed or f.type == "reference":
                    c.execute(
                        f'CREATE INDEX IF NOT EXISTS "ix_{table}_{f.name}" ON {quote(table)} '
                        f"({quote(f.name)})"
                    )
            self._next[obj.name] = (
                c.execute(f"SELECT coalesce(max(rowid), 0) FROM {quote(table)}").fetchone()[0] + 1
            )

    def _add_missing_columns(self, table: str, columns: dict[str, str]) -> None:
        have = {r[1].lower() for r in self.conn.execute(f"PRAGMA table_info({quote(table)})")}
        for name, sql_type in columns.items():
            if name.lower() not in have:
                self.conn.execute(f"ALTER TABLE {quote(table)} ADD COLUMN {quote(name)} {sql_type}")

    def _add_compound_columns(self, obj: SObject) -> None:
        """Address compound fields: virtual generated columns over their components, so SOQL,
        reads and the control API see them as columns (change event triggers, which list
        ``table_info``, and inserts do not)."""
        table = quote(obj.name)
        have = {r[1].lower() for r in self.conn.execute(f"PRAGMA table_xinfo({table})")}
        for f in obj.fields:
            if f.address_prefix is not None and f.name.lower() not in have:
                self.conn.execute(
                    f"ALTER TABLE {table} ADD COLUMN {quote(f.name)} TEXT GENERATED ALWAYS AS "
                    f"({address_sql(f.address_prefix)}) VIRTUAL"
                )

    def wipe(self) -> None:
        """Delete every row: records, credentials, connected apps, saved org settings."""
        with self.lock:
            for obj in OBJECTS.values():
                self.conn.execute(f"DELETE FROM {quote(obj.name)}")
                self._next[obj.name] = 1
            self.conn.execute("DELETE FROM _credentials")
            self.conn.execute("DELETE FROM _apps")
            self.conn.execute("DELETE FROM _refresh_tokens")
            self.conn.execute("DELETE FROM _meta")

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """A (nestable) transaction: commits on success, rolls back on an exception."""
        with self.lock:
            self._sp += 1
            name = f"sp{self._sp}"
            if self._sp == 1:
                self.transaction_began()
            self.conn.execute(f"SAVEPOINT {name}")
            try:
                yield
            except BaseException:
                self.conn.execute(f"ROLLBACK TO {name}")
                self.conn.execute(f"RELEASE {name}")
                raise
            else:
                self.conn.execute(f"RELEASE {name}")
                if self._sp == 1:
                    self.transaction_committed()
            finally:
                self._sp -= 1

    def transaction_began(self) -> None:
        """Hook: an outermost transaction starts (the change log numbers its events)."""

    def transaction_committed(self) -> None:
        """Hook: an outermost transaction committed (the change log wakes subscribers)."""

    def rows_by_id(self, obj: SObject, ids: list[str]) -> dict[str, dict[str, Any]]:
        """Current rows (deleted ones too) by id, every column."""
        out: dict[str, dict[str, Any]] = {}
        names = [f.name for f in obj.fields]
        cols = ", ".join(quote(c) for c in names)
        for chunk in chunks(ids, CHUNK):
            for r in self.conn.execute(
                f'SELECT {cols} FROM {quote(obj.name)} WHERE "Id" IN '
                f"({','.join('?' * len(chunk))})",
                chunk,
            ):
                out[r[0]] = dict(zip(names, r, strict=True))
        return out

    def live_matches(
        self, table: str, column: str, values: Iterable[Any]
    ) -> Iterator[tuple[str, Any]]:
        """``(Id, column value)`` of the non-deleted rows whose ``column`` is in ``values``."""
        for chunk in chunks(list(values), CHUNK):
            yield from self.conn.execute(
                f'SELECT "Id", {quote(column)} FROM {quote(table)} WHERE "IsDeleted" = 0 '
                f"AND {quote(column)} IN ({','.join('?' * len(chunk))})",
                chunk,
            )
