"""Any CSV to the contacts import: rows stored or rejected with a reason, never a crash.

Property-based (hypothesis) over marketing.services.contacts_import_csv and the
``contacts_import`` command: every stored contact is valid; every row is either stored
or reported with its line number; a file that cannot be imported changes nothing.
"""

from __future__ import annotations

import csv
import io
import tempfile

import pytest
from django.core.management import CommandError, call_command
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from marketing.models import Contact, LifecycleStage
from marketing.services import IMPORT_COLUMNS, ImportFileError, contacts_import_csv

pytestmark = pytest.mark.django_db

HYPOTHESIS = settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
TRIED: dict[str, int] = {}

text = st.text(st.characters(exclude_categories=("Cs",)), max_size=30)
emails = st.one_of(
    st.emails().map(str),
    st.sampled_from(
        ["a@b.example", "A@B.EXAMPLE", "not-an-email", "", "x@y", "two..dots@z.example"]
    ),
    text,
)
cells = {
    "email": emails,
    "first_name": st.one_of(text, st.text(min_size=95, max_size=120)),
    "last_name": text,
    "company": st.one_of(text, st.text(min_size=250, max_size=300)),
    "phone": text,
    "lifecycle_stage": st.one_of(
        st.sampled_from([*LifecycleStage.values, *LifecycleStage.labels, "CUSTOMER", "nope"]),
        text,
    ),
    "country": text,
    "unknown column": text,
}
headers = st.one_of(
    st.lists(st.sampled_from(list(cells)), min_size=1, max_size=6, unique=True).map(
        lambda header: header if "email" in header else ["email", *header]
    ),
    st.lists(text, max_size=4),
)


@st.composite
def csv_files(draw) -> str:
    header = draw(headers)
    rows = draw(
        st.lists(
            st.lists(
                st.one_of(*(cells.get(h, text) for h in header)) if header else text,
                min_size=0,
                max_size=len(header) + 1,
            ),
            max_size=8,
        )
    )
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


files = st.one_of(csv_files(), text, st.just(""), st.just('email\n"unterminated\n'))


def contacts() -> list[tuple]:
    return list(Contact.objects.order_by("pk").values_list())


@HYPOTHESIS
@given(content=files)
def test_any_csv_to_the_import(db, content):
    TRIED["csv import"] = TRIED.get("csv import", 0) + 1
    before = contacts()
    lines = io.StringIO(content, newline="")
    try:
        result = contacts_import_csv(lines=lines, batch_size=1_000)
    except ImportFileError as error:
        TRIED["csv import: file refused"] = TRIED.get("csv import: file refused", 0) + 1
        assert str(error)
        # One batch: the file was refused before anything was written.
        assert contacts() == before
        return
    TRIED["csv import: rows rejected"] = TRIED.get("csv import: rows rejected", 0) + len(
        result.rejected
    )
    for rejected in result.rejected:
        assert rejected.line >= 2 and rejected.reason
    for contact in Contact.objects.all():
        contact.full_clean()  # every stored contact is valid
    assert Contact.objects.count() == len(before) + result.created


@HYPOTHESIS
@given(content=st.one_of(files.map(str.encode), st.binary(max_size=120)))
def test_any_file_to_the_import_command(db, content):
    TRIED["csv command"] = TRIED.get("csv command", 0) + 1
    before = contacts()
    with tempfile.NamedTemporaryFile(suffix=".csv") as handle:
        handle.write(content)
        handle.flush()
        try:
            call_command("contacts_import", handle.name, stdout=io.StringIO(), stderr=io.StringIO())
        except CommandError as error:
            assert error.returncode in (1, 2) and str(error)
            if error.returncode == 2:
                assert contacts() == before
    for contact in Contact.objects.all():
        contact.full_clean()


def test_columns_are_the_documented_ones():
    assert set(IMPORT_COLUMNS) >= {"email", "first_name", "last_name", "lifecycle_stage"}


def test_report_examples_tried():
    print(f"\nbad inputs tried: {TRIED}")
