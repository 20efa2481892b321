"""The settings history keeps no secret, encrypted or not, and upgrading scrubbed old rows."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from connector.credentials.services import integration_credentials_update
from connector.models import IntegrationSettings
from connector.models.settings import SECRET_NAMES

HISTORY_TABLE = "connector_historicalintegrationsettings"


def _history_columns() -> set[str]:
    with connection.cursor() as cursor:
        return {
            c.name for c in connection.introspection.get_table_description(cursor, HISTORY_TABLE)
        }


def test_the_history_table_has_no_column_for_any_secret(integration_settings):
    columns = _history_columns()
    assert "username" in columns  # the table is the one the history writes
    assert not [c for c in columns if any(name in c for name in SECRET_NAMES)]


def test_a_credentials_change_is_in_history_without_its_secret(integration_settings):
    integration_credentials_update(
        integration_settings=integration_settings,
        acting_user=None,
        method="password",
        username="ops@acme.example",
        password="Pa55-word-in-history?",
        security_token="TOKEN-in-history",
    )
    stored = IntegrationSettings.objects.get()
    rows = list(stored.history.values())
    assert rows[0]["username"] == "ops@acme.example"
    assert rows[0]["secrets_changed_at"] == stored.secrets_changed_at
    text = repr(rows)
    for ciphertext in (stored.password_encrypted, stored.security_token_encrypted):
        assert ciphertext and ciphertext not in text
    assert "Pa55-word-in-history?" not in text and "TOKEN-in-history" not in text


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_upgrading_removes_the_secrets_older_history_rows_kept():
    """Before migration 0008 the history copied the encrypted password and token."""
    executor = MigrationExecutor(connection)
    before = [("connector", "0007_cycle_lock")]
    latest = executor.loader.graph.leaf_nodes()
    executor.migrate(before)
    try:
        assert {"password_encrypted", "security_token_encrypted"} <= _history_columns()
        old = executor.loader.project_state(before).apps
        old.get_model("connector", "HistoricalIntegrationSettings").objects.create(
            id=1,
            site_id=1,
            username="old@acme.example",
            password_encrypted="gAAAA-old-ciphertext",
            security_token_encrypted="gAAAA-old-token",
            history_date=timezone.now(),
            history_type="~",
        )
    finally:
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(latest)
    assert not [c for c in _history_columns() if any(name in c for name in SECRET_NAMES)]
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT username FROM {HISTORY_TABLE}")
        assert cursor.fetchall() == [("old@acme.example",)]  # the row stays, its secrets gone
