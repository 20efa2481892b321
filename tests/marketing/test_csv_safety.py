"""Every CSV hubsync writes neutralises formula cells; contacts_import reads its exports back.

The rule (marketing.csv_safety, OWASP CSV injection): a cell beginning with ``=``, ``+``,
``-``, ``@``, tab or carriage return is written with a ``'`` in front, and so is one
beginning with ``'`` (or padded with whitespace), so that reading it back is exact.
"""

from __future__ import annotations

import csv
import io
import tempfile

import pytest
from django.core.management import call_command
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from connector.models import SyncError
from marketing import csv_safety
from marketing.models import Contact
from tests.factories import ContactFactory

DANGEROUS = ["=", "+", "-", "@", "\t", "\r"]
# What a spreadsheet would run: one value per dangerous first character.
FORMULAS = [f'{start}HYPERLINK("http://evil.example","x")' for start in DANGEROUS]

PURE = settings(max_examples=600, deadline=None, database=None)


def read_csv(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


def no_cell_runs(rows: list[list[str]]) -> None:
    for row in rows:
        for cell in row:
            assert not cell.startswith(tuple(DANGEROUS)), cell


# -- the rule -----------------------------------------------------------------------


@pytest.mark.parametrize("start", DANGEROUS)
def test_a_formula_cell_is_quoted(start):
    assert csv_safety.cell_written(f"{start}1+1") == f"'{start}1+1"
    assert csv_safety.cell_read(f"'{start}1+1") == f"{start}1+1"


def test_a_value_that_begins_with_a_quote_is_quoted_too():
    assert csv_safety.cell_written("'tis") == "''tis"
    assert csv_safety.cell_read("''tis") == "'tis"


def test_plain_values_and_non_strings_are_written_as_they_are():
    assert csv_safety.cell_written("Anna") == "Anna"
    assert csv_safety.cell_written("a=b") == "a=b"
    assert csv_safety.cell_written("") == ""
    assert csv_safety.cell_written(-5) == -5  # a number is not a formula
    assert csv_safety.cell_written(True) is True
    assert csv_safety.cell_written(None) is None


@PURE
@given(value=st.text())
@pytest.mark.slow
def test_reading_undoes_writing_for_every_string(value):
    written = csv_safety.cell_written(value)
    assert csv_safety.cell_read(written) == value
    assert not written.startswith(tuple(DANGEROUS))


@PURE
@given(row=st.lists(st.one_of(st.text(), st.sampled_from(FORMULAS)), max_size=6))
@pytest.mark.slow
def test_a_row_through_the_csv_module_reads_back(row):
    out = io.StringIO()
    csv_safety.writer(out).writerow(row)
    [cells] = read_csv(out.getvalue()) if row else [[]]
    no_cell_runs([cells])
    assert [csv_safety.cell_read(cell) for cell in cells] == row


# -- contacts_export ---------------------------------------------------------------------


@pytest.mark.django_db
def test_the_contacts_export_neutralises_every_dangerous_start():
    for index, formula in enumerate(FORMULAS):
        ContactFactory(
            email=f"c{index}@example.com",
            first_name=formula,
            last_name=formula[:1] + "Smith",
            company_name=formula,
            phone=formula[:1] + "49 30 1234",
            state=formula[:1],
            country="'quoted",
        )
    out = io.StringIO()
    call_command("contacts_export", stdout=out)
    rows = read_csv(out.getvalue())
    no_cell_runs(rows)
    for row, formula in zip(rows[1:], FORMULAS, strict=True):
        assert row[1] == "'" + formula
        assert row[2] == "'" + formula[:1] + "Smith"
        assert row[4] == "'" + formula[:1] + "49 30 1234"
        assert row[6] == "''quoted"


@pytest.mark.django_db
def test_an_export_imports_back_exactly():
    values = [*FORMULAS, "'quoted", "''twice", " padded ", "a=b", "Ünïcode — ok", "line\nbreak"]
    for index, value in enumerate(values):
        ContactFactory(
            email=f"-c{index}@example.com",
            first_name=value,
            last_name=value[:100],
            company_name=value,
            phone=value[:50],
            state=value[:100],
            country=value[:100],
        )
    fields = ["email", "first_name", "last_name", "company_name", "phone", "state", "country"]
    stored = sorted(Contact.objects.values_list(*fields, "lifecycle_stage"))
    out = io.StringIO()
    call_command("contacts_export", stdout=out)
    Contact.objects.all().delete()
    with tempfile.NamedTemporaryFile("w", suffix=".csv", encoding="utf-8", newline="") as f:
        f.write(out.getvalue())
        f.flush()
        call_command("contacts_import", f.name, stdout=io.StringIO(), stderr=io.StringIO())
    assert sorted(Contact.objects.values_list(*fields, "lifecycle_stage")) == stored


# -- the sync errors CSV (over HTTP) -----------------------------------------------------


@pytest.mark.django_db
def test_the_sync_errors_csv_neutralises_every_dangerous_start(admin_browser):
    for index, formula in enumerate(FORMULAS):
        contact = ContactFactory(email=f"e{index}@example.com")
        SyncError.objects.create(
            contact=contact,
            direction="push",
            object_type=formula[:1] + "Lead",
            code=formula[:1] + "FIELD_CUSTOM_VALIDATION_EXCEPTION",
            message=formula,
            salesforce_id="",
        )
    response = admin_browser.get(reverse("settings_ui:sync_errors_csv"))
    assert response.status_code == 200
    rows = read_csv(b"".join(response.streaming_content).decode())
    assert rows[0][:6] == ["email", "object", "salesforce_id", "direction", "code", "message"]
    no_cell_runs(rows)
    messages = {row[5] for row in rows[1:]}
    assert messages == {"'" + formula for formula in FORMULAS}
    codes = {row[4] for row in rows[1:]}
    assert codes == {f"'{start}FIELD_CUSTOM_VALIDATION_EXCEPTION" for start in DANGEROUS}
    assert {row[6] for row in rows[1:]} == {"1"}  # attempts: a number, written as it is


HYPOTHESIS_DB = settings(
    max_examples=150,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.mark.django_db
@HYPOTHESIS_DB
# (No NUL and no lone surrogate: PostgreSQL's text cannot hold them, and Salesforce's
# messages, JSON in UTF-8, never carry them.)
@given(
    message=st.one_of(
        st.text(st.characters(exclude_categories=("Cs",), exclude_characters="\x00"), max_size=60),
        st.sampled_from(FORMULAS),
    )
)
@pytest.mark.slow
def test_any_error_message_in_the_csv_reads_back(admin_browser, message):
    SyncError.objects.all().delete()
    SyncError.objects.create(direction="push", object_type="Lead", code="X", message=message)
    response = admin_browser.get(reverse("settings_ui:sync_errors_csv"))
    assert response.status_code == 200
    rows = read_csv(b"".join(response.streaming_content).decode())
    no_cell_runs(rows)
    assert csv_safety.cell_read(rows[1][5]) == message
