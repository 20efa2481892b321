"""Change Data Capture's event log: every stored change of a Lead, Contact, Account,
Opportunity or Task becomes a change event in ``_change_events``, replayable for 72 hours.

SQLite triggers on the tables of the objects selected for Change Data Capture (org setting
``change_data_capture_entities``) write the events, so every write path is captured without
each one having to remember it: REST and Collections writes, composite, upserts, Bulk API 2.0
ingest, merges and conversions (their reparenting ``UPDATE`` statements too) and the control
API's record loading. The event is written in the same transaction as the change: an
all-or-none write that rolls back publishes nothing. ``INSERT`` → ``CREATE``; ``UPDATE`` →
``UPDATE``, or ``DELETE``/``UNDELETE`` when ``IsDeleted`` flips; updates of rows already in
the recycle bin (a merge loser's ``MasterRecordId``) and purges publish nothing, as in
Salesforce. A trigger keeps the row's values as JSON and the names of the changed columns;
the Avro payload is made when the event is first delivered (:mod:`..pubsub.schemas`) and
kept, so a replay delivers the same bytes.

Sequence numbers (``AUTOINCREMENT``: never reused, not even after ``reset``) are the replay
ids. ``purged_through`` is the highest sequence number no longer retained: a subscription
may start after it, not before (Salesforce refuses replay ids outside the window).
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from ..soql import quote
from .base import chunks
from .custom_fields import CustomFields
from .org import CDC_ENTITIES

#: Salesforce keeps change events for 72 hours.
RETENTION_MS = 72 * 3600 * 1000
#: Columns that are not fields of a change event (the id travels in ``recordIds``).
NOT_EVENT_FIELDS = ("Id", "IsDeleted", "SystemModstamp")
#: Columns per ``json_object(...)`` call (two arguments each; SQLite allows 127).
_JSON_CHUNK = 60
_NOW_MS = "CAST((julianday('now') - 2440587.5) * 86400000.0 AS INTEGER)"


def change_origin(api: str, version: str, client: str = "") -> str:
    """A change event's ``changeOrigin``, as Salesforce writes it:
    ``com/salesforce/api/<api>/<version>`` plus ``;client=<id>`` when the call named one."""
    origin = f"com/salesforce/api/{api}/{version}"
    return f"{origin};client={client}" if client else origin


@dataclass
class StoredEvent:
    """One row of ``_change_events``."""

    seq: int
    entity: str
    change_type: str
    record_id: str
    changed: list[str]
    data: dict[str, Any] | None
    commit_ts: int
    transaction_key: str
    sequence_number: int
    origin: str
    user_id: str | None
    schema_id: str | None
    payload: bytes | None


class ChangeLog(CustomFields):
    """The event log of the org and the signal subscribers wait on."""

    def __init__(self, path: str = ":memory:", *, api_limit: int = 100_000) -> None:
        super().__init__(path, api_limit=api_limit)
        #: Notified after every committed transaction that wrote events (and by subscribers'
        #: own FetchRequests, pubsub/service.py).
        self.change_signal = threading.Condition()
        self._origin = threading.local()
        self._txn_key = ""
        self._txn_seq = 0
        self._txn_wrote = False
        with self.lock:
            c = self.conn
            c.execute(
                "CREATE TABLE IF NOT EXISTS _change_events (seq INTEGER PRIMARY KEY "
                "AUTOINCREMENT, entity TEXT NOT NULL, change_type TEXT NOT NULL, record_id TEXT "
                "NOT NULL, changed TEXT, data TEXT, commit_ts INTEGER NOT NULL, ctx TEXT, "
                "user_id TEXT, schema_id TEXT, payload BLOB)"
            )
            c.execute(
                "CREATE TABLE IF NOT EXISTS _event_schemas (schema_id TEXT PRIMARY KEY, "
                "entity TEXT, schema_json TEXT)"
            )
            c.create_function("_cdc_ctx", 0, self._cdc_ctx)
            self._cdc_ready = True
            self.sync_change_triggers()
            self.purge_expired_events()

    # ------------------------------------------------------------------ capture

    def _cdc_ctx(self) -> str:
        """Called by the triggers: ``transactionKey|sequenceNumber|changeOrigin``."""
        if self._sp == 0:  # a statement outside any transaction is its own
            key, n = str(uuid.uuid4()), 1
        else:
            if not self._txn_key:
                self._txn_key = str(uuid.uuid4())
            self._txn_seq += 1
            key, n = self._txn_key, self._txn_seq
        self._txn_wrote = True
        return f"{key}|{n}|{getattr(self._origin, 'value', '')}"

    def transaction_began(self) -> None:
        self._txn_key, self._txn_seq, self._txn_wrote = "", 0, False

    def transaction_committed(self) -> None:
        if self._txn_wrote:
            self._txn_wrote = False
            self.notify_changes()

    def notify_changes(self) -> None:
        with self.change_signal:
            self.change_signal.notify_all()

    @contextmanager
    def change_origin(self, origin: str) -> Iterator[None]:
        """Events written by this thread meanwhile get ``changeOrigin`` = ``origin``."""
        before = getattr(self._origin, "value", "")
        self._origin.value = origin
        try:
            yield
        finally:
            self._origin.value = before

    def sync_change_triggers(self, tables: list[str] | None = None) -> None:
        """(Re)create the triggers of the selected objects (their columns may have changed),
        drop those of the others."""
        selected = set(self.org.get("change_data_capture_entities") or [])
        with self.lock:
            for table in tables or CDC_ENTITIES:
                self.conn.execute(f'DROP TRIGGER IF EXISTS "_cdc_ins_{table}"')
                self.conn.execute(f'DROP TRIGGER IF EXISTS "_cdc_upd_{table}"')
                if table in selected:
                    self._create_triggers(table)

    def _create_triggers(self, table: str) -> None:
        cols = [r[1] for r in self.conn.execute(f"PRAGMA table_info({quote(table)})")]
        fields = [c for c in cols if c not in NOT_EVENT_FIELDS]
        parts = [
            "json_object(" + ", ".join(f"'{c}', NEW.{quote(c)}" for c in chunk) + ")"
            for chunk in chunks(fields, _JSON_CHUNK)
        ]
        # Wider tables than one json_object() call takes: a JSON array of the chunks' objects
        # (concatenated as text, which costs far less than json_patch), merged when read.
        data = parts[0] if len(parts) == 1 else "'[' || " + " || ',' || ".join(parts) + " || ']'"
        changed = " || ".join(
            f"(CASE WHEN OLD.{quote(c)} IS NOT NEW.{quote(c)} THEN '{c},' ELSE '' END)"
            for c in fields
        )
        cols_sql = "entity, change_type, record_id, changed, data, commit_ts, ctx, user_id"
        t = quote(table)
        self.conn.execute(
            f'CREATE TRIGGER "_cdc_ins_{table}" AFTER INSERT ON {t} BEGIN '
            f"INSERT INTO _change_events ({cols_sql}) VALUES ('{table}', 'CREATE', NEW.\"Id\", "
            f"'', {data}, {_NOW_MS}, _cdc_ctx(), NEW.\"CreatedById\"); END"
        )
        self.conn.execute(
            f'CREATE TRIGGER "_cdc_upd_{table}" AFTER UPDATE ON {t} '
            'WHEN NOT (OLD."IsDeleted" AND NEW."IsDeleted") BEGIN '
            f"INSERT INTO _change_events ({cols_sql}) VALUES ('{table}', "
            'CASE WHEN NEW."IsDeleted" AND NOT OLD."IsDeleted" THEN \'DELETE\' '
            'WHEN OLD."IsDeleted" AND NOT NEW."IsDeleted" THEN \'UNDELETE\' '
            "ELSE 'UPDATE' END, NEW.\"Id\", "
            f"CASE WHEN NEW.\"IsDeleted\" THEN '' ELSE {changed} END, "
            f'CASE WHEN NEW."IsDeleted" THEN NULL ELSE {data} END, '
            f'{_NOW_MS}, _cdc_ctx(), NEW."LastModifiedById"); END'
        )

    # Custom fields change the columns: triggers name every column (and SQLite refuses to
    # drop a column a trigger uses), so they are dropped first and made again afterwards.

    def _add_missing_columns(self, table: str, columns: dict[str, str]) -> None:
        super()._add_missing_columns(table, columns)
        if getattr(self, "_cdc_ready", False) and table in CDC_ENTITIES:
            self.sync_change_triggers([table])

    def _drop_custom_field(self, key: str) -> None:
        table = self.custom_fields[key]["object"]
        if table in CDC_ENTITIES:
            self.conn.execute(f'DROP TRIGGER IF EXISTS "_cdc_ins_{table}"')
            self.conn.execute(f'DROP TRIGGER IF EXISTS "_cdc_upd_{table}"')
        super()._drop_custom_field(key)
        if table in CDC_ENTITIES:
            self.sync_change_triggers([table])

    def configure(self, **settings: Any) -> dict[str, Any]:
        out = super().configure(**settings)
        if "change_data_capture_entities" in settings:
            self.sync_change_triggers()
        return out

    def reset_org(self) -> None:
        super().reset_org()
        if getattr(self, "_cdc_ready", False):
            self.sync_change_triggers()

    # ------------------------------------------------------------------ reading

    def latest_event_seq(self) -> int:
        """The last sequence number ever given (0: none yet)."""
        with self.lock:
            row = self.conn.execute(
                "SELECT seq FROM sqlite_sequence WHERE name = '_change_events'"
            ).fetchone()
        return int(row[0]) if row else 0

    def purged_through(self) -> int:
        """The highest sequence number that is no longer retained (0: nothing purged)."""
        with self.lock:
            row = self.conn.execute(
                "SELECT value FROM _meta WHERE key = 'cdc_purged_through'"
            ).fetchone()
        return int(row[0]) if row else 0

    def change_events_after(self, seq: int, entities: list[str], limit: int) -> list[StoredEvent]:
        """Up to ``limit`` retained events of ``entities`` after ``seq``, oldest first."""
        marks = ",".join("?" * len(entities))
        with self.lock:
            rows = self.conn.execute(
                "SELECT seq, entity, change_type, record_id, changed, data, commit_ts, ctx, "
                f"user_id, schema_id, payload FROM _change_events WHERE seq > ? AND entity IN "
                f"({marks}) ORDER BY seq LIMIT ?",
                [seq, *entities, limit],
            ).fetchall()
        out = []
        for seq_, entity, kind, rid, changed, data, ts, ctx, user, schema_id, payload in rows:
            key, n, origin = (ctx or "||").split("|", 2)
            out.append(
                StoredEvent(
                    seq=seq_,
                    entity=entity,
                    change_type=kind,
                    record_id=rid,
                    changed=[c for c in (changed or "").split(",") if c],
                    data=_event_data(data),
                    commit_ts=ts,
                    transaction_key=key,
                    sequence_number=int(n or 1),
                    origin=origin,
                    user_id=user,
                    schema_id=schema_id,
                    payload=payload,
                )
            )
        return out

    def retained_event_count(self) -> int:
        with self.lock:
            return int(self.conn.execute("SELECT count(*) FROM _change_events").fetchone()[0])

    def save_event_payloads(self, encoded: list[tuple[int, str, bytes]]) -> None:
        """Keep the Avro payload first delivered for each ``(seq, schema_id, payload)``."""
        with self.lock:
            self.conn.executemany(
                "UPDATE _change_events SET schema_id = ?, payload = ? WHERE seq = ?",
                [(schema_id, payload, seq) for seq, schema_id, payload in encoded],
            )

    def drop_change_events(self, seqs: list[int]) -> None:
        """Forget events that carry no change of an event field (only system columns)."""
        with self.lock:
            self.conn.executemany("DELETE FROM _change_events WHERE seq = ?", [(s,) for s in seqs])

    def save_event_schema(self, schema_id: str, entity: str, schema_json: str) -> None:
        with self.lock:
            self.conn.execute(
                "INSERT OR IGNORE INTO _event_schemas VALUES (?, ?, ?)",
                (schema_id, entity, schema_json),
            )

    def event_schema(self, schema_id: str) -> str | None:
        with self.lock:
            row = self.conn.execute(
                "SELECT schema_json FROM _event_schemas WHERE schema_id = ?", (schema_id,)
            ).fetchone()
        return row[0] if row else None

    # ------------------------------------------------------------------ retention

    def expire_change_events(self, before_ms: int | None = None) -> dict[str, int]:
        """Stop retaining the events committed at or before ``before_ms`` (epoch ms; None:
        every event) → ``{"expired": n, "purged_through": seq}``."""
        with self.lock, self.transaction():
            if before_ms is None:
                last = self.latest_event_seq()
            else:
                row = self.conn.execute(
                    "SELECT max(seq) FROM _change_events WHERE commit_ts <= ?", (before_ms,)
                ).fetchone()
                last = row[0] or 0
            n = self.conn.execute("DELETE FROM _change_events WHERE seq <= ?", (last,)).rowcount
            if last > self.purged_through():
                self.conn.execute(
                    "INSERT OR REPLACE INTO _meta (key, value) VALUES ('cdc_purged_through', ?)",
                    (str(last),),
                )
        return {"expired": n, "purged_through": self.purged_through()}

    def purge_expired_events(self) -> None:
        """Drop the events older than the 72-hour retention window."""
        self.expire_change_events(int(time.time() * 1000) - RETENTION_MS - 1)

    def reset_change_log(self) -> None:
        """A new org: no retained events (replay ids of the old one are refused)."""
        self.expire_change_events()


def _event_data(text: str | None) -> dict[str, Any] | None:
    """An event's column values: one JSON object, or (wide tables) an array of objects."""
    if not text:
        return None
    parsed = json.loads(text)
    if isinstance(parsed, dict):
        return parsed
    merged: dict[str, Any] = {}
    for part in parsed:
        merged.update(part)
    return merged
