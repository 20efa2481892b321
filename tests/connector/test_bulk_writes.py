"""connector.bulk_writes: many-row INSERT/UPDATE with executemany, defaults filled in."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from connector.bulk_writes import (
    ANALYZE_MIN_ROWS,
    TablesGrowth,
    rows_insert,
    rows_insert_select,
    rows_update,
)
from connector.models import (
    ContactSyncEvent,
    ContactSyncState,
    SyncDirection,
    SyncError,
    SyncEventOutcome,
)
from connector.sync.queue import contacts_link, contacts_mark_due
from marketing.models import Contact
from tests.factories import ContactFactory

pytestmark = pytest.mark.django_db


def test_rows_insert_fills_defaults_and_auto_now_fields():
    contacts = ContactFactory.create_batch(3)
    before = timezone.now()
    rows_insert(
        ContactSyncEvent,
        ("contact", "direction", "object_type", "salesforce_id", "fields", "outcome", "detail"),
        [
            (c.pk, SyncDirection.OUTBOUND, "Lead", "00Q000000000001AAA", ["Email"], "created", "")
            for c in contacts
        ],
    )
    events = list(ContactSyncEvent.objects.order_by("contact_id"))
    assert [e.contact_id for e in events] == [c.pk for c in contacts]
    assert events[0].fields == ["Email"]
    assert events[0].outcome == SyncEventOutcome.CREATED
    assert all(e.at >= before for e in events)


def test_rows_insert_with_ignore_conflicts_keeps_existing_rows():
    contact = ContactFactory()
    ContactSyncState.objects.create(contact=contact, due=False)
    synced = timezone.now()
    rows_insert(
        ContactSyncState,
        ["contact", "due", "synced_version"],
        [(contact.pk, True, synced), (ContactFactory().pk, False, synced)],
        ignore_conflicts=True,
    )
    assert ContactSyncState.objects.get(contact=contact).due is False
    new = ContactSyncState.objects.exclude(contact=contact).get()
    assert (new.due, new.synced_version, new.attempts, new.claim_token) == (False, synced, 0, "")


def test_rows_update_by_primary_key_and_dates():
    contacts = ContactFactory.create_batch(2)
    stamp = timezone.now() - timedelta(days=1)
    rows_update(
        Contact,
        ["job_title", "updated_at"],
        [(f"Title {c.pk}", stamp, c.pk) for c in contacts],
    )
    for contact in Contact.objects.all():
        assert (contact.job_title, contact.updated_at) == (f"Title {contact.pk}", stamp)


def test_rows_update_json_and_nullable_fields():
    contact = ContactFactory()
    error = SyncError.objects.create(
        contact=contact, direction=SyncDirection.OUTBOUND, object_type="Lead", code="X"
    )
    rows_update(
        SyncError, ["fields", "next_retry_at", "attempts"], [(["Email"], None, 3, error.pk)]
    )
    error.refresh_from_db()
    assert (error.fields, error.next_retry_at, error.attempts) == (["Email"], None, 3)


def test_rows_update_with_constants_only_where_a_column_still_matches():
    """The push settles a claimed batch in one UPDATE: per-row values, the same values for
    every row, and only the rows its claim token still holds."""
    ours, taken = ContactFactory.create_batch(2)
    for contact, token in ((ours, "t-ours"), (taken, "t-other")):
        ContactSyncState.objects.create(contact=contact, due=True, claim_token=token, attempts=2)
    rows_update(
        ContactSyncState,
        ["synced_values", "due"],
        [({"email": f"{c.pk}@x"}, False, c.pk) for c in (ours, taken)],
        constants={"claim_token": "", "attempts": 0, "not_before": None},
        where={"claim_token": "t-ours"},
    )
    state = ContactSyncState.objects.get(contact=ours)
    assert (state.synced_values, state.due, state.claim_token, state.attempts) == (
        {"email": f"{ours.pk}@x"},
        False,
        "",
        0,
    )
    other = ContactSyncState.objects.get(contact=taken)
    assert (other.synced_values, other.due, other.claim_token, other.attempts) == (
        {},
        True,
        "t-other",
        2,
    )


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's planner")
def test_a_condition_on_a_value_the_statistics_lack_is_joined_by_the_key():
    """A push settles its claim just after an import: the statistics know only states with
    no claim token. Compared with a constant, the claim token was taken to match one row,
    and PostgreSQL scanned every state, then the 10,000 rows for each match (14 s a batch
    at 300,000 states). Compared with the rows table's column, the rows lead the join."""
    contacts = Contact.objects.bulk_create(
        [Contact(email=f"plan{i}@x.example", last_name="P") for i in range(5_000)]
    )
    ContactSyncState.objects.bulk_create([ContactSyncState(contact=c, due=True) for c in contacts])
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {ContactSyncState._meta.db_table}")
    claimed = [c.pk for c in contacts[:1_000]]
    ContactSyncState.objects.filter(contact_id__in=claimed).update(claim_token="t-claim")
    plans: list[str] = []

    def explain(execute, sql, params, many, context):
        if sql.startswith(f'UPDATE "{ContactSyncState._meta.db_table}"') and " FROM " in sql:
            with connection.cursor() as cursor:
                cursor.execute(f"EXPLAIN {sql}", params)
                plans.append("\n".join(row[0] for row in cursor.fetchall()))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(explain):
        rows_update(
            ContactSyncState,
            ["due"],
            [(False, pk) for pk in claimed],
            constants={"claim_token": ""},
            where={"claim_token": "t-claim"},
        )
    assert len(plans) == 1
    assert "Seq Scan on connector_contactsyncstate" not in plans[0], plans[0]
    assert ContactSyncState.objects.filter(due=False, claim_token="").count() == 1_000


def test_rows_insert_select_one_row_per_source_row():
    contacts = ContactFactory.create_batch(4)
    ContactSyncState.objects.create(contact=contacts[0], due=False)
    created = rows_insert_select(
        ContactSyncState,
        "contact",
        Contact.objects.filter(sync_state__isnull=True).order_by().values(state_contact=F("pk")),
        values={"due": True},
        ignore_conflicts=True,
    )
    assert created == 3
    assert ContactSyncState.objects.filter(due=True).count() == 3
    state = ContactSyncState.objects.get(contact=contacts[1])
    assert (state.attempts, state.parked, state.excluded, state.not_before) == (
        0,
        False,
        False,
        None,
    )


def test_a_bulk_failed_results_error_reads_as_code_message_and_fields():
    from connector.sync.push_writes import bulk_error

    assert bulk_error("FIELD_CUSTOM_VALIDATION_EXCEPTION:Interns are not leads.:Title --") == (
        "FIELD_CUSTOM_VALIDATION_EXCEPTION",
        "Interns are not leads.",
        ("Title",),
    )
    assert bulk_error("FIELD_CUSTOM_VALIDATION_EXCEPTION:X is not a name.:--") == (
        "FIELD_CUSTOM_VALIDATION_EXCEPTION",
        "X is not a name.",
        (),
    )
    assert bulk_error(
        "REQUIRED_FIELD_MISSING:Required fields are missing: [LastName, Company]"
        ":LastName,Company --"
    ) == (
        "REQUIRED_FIELD_MISSING",
        "Required fields are missing: [LastName, Company]",
        ("LastName", "Company"),
    )
    assert bulk_error("UNKNOWN_EXCEPTION:something broke") == (
        "UNKNOWN_EXCEPTION",
        "something broke",
        (),
    )


def _rows_known() -> float:
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE relname = 'marketing_contact'")
        return cursor.fetchone()[0]


def _analyzes(added: int, growth: TablesGrowth) -> int:
    with CaptureQueriesContext(connection) as queries:
        growth.rows_added(added)
    return sum(q["sql"].startswith("ANALYZE") for q in queries.captured_queries)


def test_a_table_a_load_grows_fast_is_analyzed_as_it_doubles():
    """PostgreSQL: statistics follow a first load (else the planner scans the table for
    every page's ids); SQLite: nothing to do. (The table's size as last analyzed is given:
    pg_class keeps what earlier tests' rows left there.)"""
    growth = TablesGrowth([Contact], baseline=0)
    now = timezone.now()
    n = ANALYZE_MIN_ROWS + 500
    rows_insert(
        Contact,
        ["email", "salesforce_id", "salesforce_object", "created_at", "updated_at"],
        ((f"g{i}@load.example", f"00Q{i:015d}", "Lead", now, now) for i in range(n)),
    )
    postgresql = connection.vendor == "postgresql"
    assert _analyzes(ANALYZE_MIN_ROWS - 1, growth) == 0  # fewer rows than the minimum
    assert _analyzes(501, growth) == (1 if postgresql else 0)
    if not postgresql:
        return
    assert _rows_known() == Contact.objects.count() == n
    assert growth.baseline == n and growth.added == 0
    assert _analyzes(n - 1, growth) == 0  # not yet doubled
    assert _analyzes(1, growth) == 1


def _contacts_read() -> int:
    """Contact rows this transaction has read so far, by scans and through indexes."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT seq_tup_read + coalesce(idx_tup_fetch, 0) FROM pg_stat_xact_user_tables "
            "WHERE relname = 'marketing_contact'"
        )
        return cursor.fetchone()[0]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's planner")
def test_the_scan_after_an_import_gives_the_planner_the_contacts_too():
    """An import of many contacts, then the cycle's scan: the contacts are analyzed with
    their new states. Then linking a batch of them reads that batch's rows, not the table:
    a 2,000,000-contact push hash-joined (or merge-joined from the first row) each batch's
    links to the whole contacts table, 216 scans."""
    now = timezone.now()
    n = ANALYZE_MIN_ROWS + 700
    rows_insert(
        Contact,
        ["email", "created_at", "updated_at"],
        ((f"imp{i}@load.example", now, now) for i in range(n)),
    )
    with CaptureQueriesContext(connection) as queries:
        assert contacts_mark_due() == n
    analyzed = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("ANALYZE")]
    assert any(Contact._meta.db_table in sql for sql in analyzed), analyzed
    assert _rows_known() == n
    last = list(Contact.objects.order_by("-pk").values_list("pk", flat=True)[:1_000])
    before = _contacts_read()
    contacts_link({pk: ("Lead", f"00Q{pk:015d}") for pk in last})
    # About one row read per link (the whole table is 10,700 rows).
    assert _contacts_read() - before < 2 * len(last)
    assert Contact.objects.filter(salesforce_object="Lead").count() == 1_000
