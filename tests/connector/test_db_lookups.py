"""``field__in`` with a long list: one array parameter on PostgreSQL, the same rows always."""

from __future__ import annotations

import uuid

import pytest
from django.db import connection
from django.db.models.functions import Lower
from django.test.utils import CaptureQueriesContext

from connector.db_lookups import ARRAY_MIN_VALUES
from connector.models import ContactSyncState
from marketing.models import Contact

pytestmark = pytest.mark.django_db

MANY = ARRAY_MIN_VALUES + 50


@pytest.fixture
def contacts():
    rows = [
        Contact(email=f"P{i}@X.test", salesforce_id=f"00Q{i:015d}", salesforce_object="Lead")
        for i in range(MANY)
    ]
    Contact.objects.bulk_create(rows)
    ContactSyncState.objects.bulk_create(
        ContactSyncState(contact=c) for c in Contact.objects.filter(email__startswith="P")
    )
    return list(Contact.objects.order_by("pk"))


def _sql(queryset) -> tuple[list, str]:
    with CaptureQueriesContext(connection) as queries:
        rows = list(queryset)
    return rows, queries.captured_queries[-1]["sql"]


def test_a_long_list_of_ids_finds_the_same_rows_in_one_parameter(contacts):
    wanted = [f"00Q{i:015d}" for i in range(1, MANY)] + ["00Q-none", "00Q000000000000001"]
    rows, sql = _sql(
        Contact.objects.filter(salesforce_id__in=wanted).values_list("salesforce_id", flat=True)
    )
    assert sorted(rows) == sorted(set(wanted) - {"00Q-none"})
    if connection.vendor == "postgresql":
        assert "= ANY(" in sql and sql.count("00Q") == len(set(wanted))
    else:
        assert " IN (" in sql


def test_primary_keys_lowered_emails_and_joined_columns_take_it_too(contacts):
    pks = [c.pk for c in contacts]
    assert Contact.objects.filter(pk__in=pks).count() == MANY
    keys = [f"p{i}@x.test" for i in range(MANY)]
    assert Contact.objects.alias(e=Lower("email")).filter(e__in=keys).count() == MANY
    ids = [c.salesforce_id for c in contacts]
    assert ContactSyncState.objects.filter(contact__salesforce_id__in=ids).count() == MANY


def test_external_ids_as_uuids_take_it_through_a_join(contacts):
    """The push reads a Bulk job's results by the contacts' external ids (push_spool)."""
    wanted = [c.external_id for c in contacts] + [uuid.uuid4()]
    rows, sql = _sql(
        ContactSyncState.objects.filter(contact__external_id__in=wanted).values_list(
            "contact_id", flat=True
        )
    )
    assert sorted(rows) == [c.pk for c in contacts]
    if connection.vendor == "postgresql":
        assert "= ANY(" in sql
    else:
        assert " IN (" in sql


def test_mixed_values_booleans_and_short_lists_stay_djangos(contacts):
    pks = [c.pk for c in contacts]
    mixed = [*pks[:-1], str(pks[-1])]  # a string among the ids: Django prepares each
    assert Contact.objects.filter(pk__in=mixed).count() == MANY
    _, sql = _sql(Contact.objects.filter(pk__in=pks[:3]))
    assert "ANY(" not in sql
    ContactSyncState.objects.update(due=False)
    ContactSyncState.objects.filter(contact_id__in=pks[:7]).update(due=True)
    flags = [True] * MANY  # bools are ints to Python, not to PostgreSQL
    rows, sql = _sql(ContactSyncState.objects.filter(due__in=flags))
    assert len(rows) == 7 and "ANY(" not in sql


def test_a_foreign_key_given_many_ids_takes_it_too(contacts):
    pks = [c.pk for c in contacts]
    rows, sql = _sql(ContactSyncState.objects.filter(contact_id__in=pks))
    assert len(rows) == MANY
    assert ContactSyncState.objects.filter(contact__in=pks).count() == MANY
    assert ContactSyncState.objects.filter(contact__in=contacts).count() == MANY  # instances
    if connection.vendor == "postgresql":
        assert "= ANY(" in sql
