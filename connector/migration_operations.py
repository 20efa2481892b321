"""Migration operations that keep large tables writable while they run on PostgreSQL.

``CREATE INDEX`` holds a lock that blocks writes to its table for the whole build (seconds
per million rows); ``CONCURRENTLY`` does not. Django's own ``AddIndexConcurrently`` is
PostgreSQL's only: this one builds the same index Django's ``AddIndex`` would anywhere
else (SQLite), so one migration serves both. Its migration sets ``atomic = False``.
"""

from __future__ import annotations

from typing import Any

from django.contrib.postgres.operations import AddIndexConcurrently
from django.db.migrations import AddIndex


class AddIndexConcurrentlyOnPostgreSQL(AddIndexConcurrently):
    def database_forwards(
        self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any
    ) -> None:
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)
        else:
            AddIndex.database_forwards(self, app_label, schema_editor, from_state, to_state)

    def database_backwards(
        self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any
    ) -> None:
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)
        else:
            AddIndex.database_backwards(self, app_label, schema_editor, from_state, to_state)
