"""connector.db_loaders: date-times read from PostgreSQL are parsed by psycopg's own
(C) loader and are what Django's loader gives: aware, in Django's time zone object."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection

from marketing.models import Contact
from tests.factories import ContactFactory

pytestmark = pytest.mark.django_db


def test_a_date_time_reads_back_as_the_instant_stored_in_djangos_time_zone():
    stamps = [
        datetime(2026, 12, 7, 4, 30, 15, 123456, tzinfo=UTC),
        datetime(1999, 12, 31, 23, 59, 59, tzinfo=UTC) + timedelta(microseconds=1),
        # Another offset: stored as the same instant, read back in UTC.
        datetime(2026, 6, 1, 12, 0, tzinfo=UTC).astimezone(ZoneInfo("Europe/Berlin")),
    ]
    for stamp in stamps:
        contact = ContactFactory()
        Contact.objects.filter(pk=contact.pk).update(updated_at=stamp)
        read = Contact.objects.values_list("updated_at", flat=True).get(pk=contact.pk)
        assert read == stamp
        assert read.tzinfo is connection.timezone
        assert read.utcoffset() == timedelta(0)


def test_on_postgresql_psycopgs_own_loader_parses():
    if connection.vendor != "postgresql":
        pytest.skip("a PostgreSQL connection's loader (SQLite has none)")
    from psycopg import adapters
    from psycopg.postgres import types
    from psycopg.pq import Format

    connection.ensure_connection()
    oid = types["timestamptz"].oid
    registered = connection.connection.adapters.get_loader(oid, Format.TEXT)
    assert registered.__module__ == "connector.db_loaders"
    # A cursor does not put Django's own loader back (it does when the zones differ).
    with connection.cursor() as cursor:
        cursor.execute("SELECT now()")
        cursor.fetchone()
    assert connection.connection.adapters.get_loader(oid, Format.TEXT) is registered
    loader = registered(oid, connection.connection)
    assert type(loader._parse.__self__) is adapters.get_loader(oid, Format.TEXT)
