from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from marketing.models import Contact, LifecycleStage
from tests.factories import ContactFactory

GOOD_AND_BAD = """\
email,first_name,last_name,company,phone,job_title,state,country,lifecycle_stage,notes
new1@example.com,Ann,Able,Acme,+1 555 0100,CTO,CA,USA,lead,ignored
,No,Email,,,,,,,
not-an-email,Bad,Email,,,,,,,
new2@example.com,Bob,Baker,,,,Bayern,Deutschland,Marketing Qualified Lead,
JANE@EXAMPLE.COM,Jane,Updated,,,,,,customer,

bad-stage@example.com,Stan,Stage,,,,,,prospect,
toolong@example.com,{long_name},,,,,,,,
"multi@example.com","Multi","Line","Line one
line two",,,,,,
new3@example.com,Cee,Cole,,,,,,,
extra@example.com,a,b,c,d,e,f,g,h,i,j
new1@Example.com,Annie,,,,,,,,
"""


def run_import(path: Path, **kwargs: Any) -> tuple[str, str, int]:
    out, err = io.StringIO(), io.StringIO()
    code = 0
    try:
        call_command("contacts_import", str(path), stdout=out, stderr=err, **kwargs)
    except CommandError as exc:
        code = exc.returncode
        err.write(str(exc))
    return out.getvalue(), err.getvalue(), code


@pytest.mark.django_db
@pytest.mark.parametrize("batch_size", [1000, 2])
def test_import_keeps_good_rows_and_reports_bad_ones(tmp_path: Path, batch_size: int) -> None:
    jane = ContactFactory(email="jane@example.com", first_name="Jane", last_name="Old", phone="123")
    path = tmp_path / "contacts.csv"
    path.write_text(GOOD_AND_BAD.format(long_name="x" * 101), encoding="utf-8")

    out, err, code = run_import(path, batch_size=batch_size)

    assert code == 1
    assert "line 3: missing email" in err
    assert "line 4: invalid email 'not-an-email'" in err
    assert "line 8: unknown lifecycle stage 'prospect'" in err
    assert "line 9: first_name is too long (101 > 100 characters)" in err
    assert "line 13: 11 cells but the header has 10 columns" in err
    assert err.count("line ") == 5
    assert "ignored unknown columns: notes" in err
    assert "created 4, updated 1, rejected 5" in out

    emails = set(Contact.objects.values_list("email", flat=True))
    assert emails == {
        "jane@example.com",
        "new1@example.com",
        "new2@example.com",
        "multi@example.com",
        "new3@example.com",
    }
    new1 = Contact.objects.get(email="new1@example.com")
    # Duplicate in the file: the later non-blank values win, blank cells keep earlier ones.
    assert (new1.first_name, new1.last_name, new1.company_name) == ("Annie", "Able", "Acme")
    assert (new1.job_title, new1.state, new1.country) == ("CTO", "CA", "USA")
    assert new1.lifecycle_stage == LifecycleStage.LEAD
    new2 = Contact.objects.get(email="new2@example.com")
    assert new2.lifecycle_stage == LifecycleStage.MARKETING_QUALIFIED_LEAD
    assert Contact.objects.get(email="new3@example.com").lifecycle_stage == "subscriber"
    assert Contact.objects.get(email="multi@example.com").company_name == "Line one\nline two"

    jane.refresh_from_db()
    assert jane.email == "jane@example.com"  # matched case-insensitively, spelling kept
    assert (jane.last_name, jane.phone) == ("Updated", "123")  # blank cell keeps phone
    assert jane.lifecycle_stage == LifecycleStage.CUSTOMER


@pytest.mark.django_db
def test_import_all_good_exits_zero_and_is_idempotent(tmp_path: Path) -> None:
    path = tmp_path / "ok.csv"
    path.write_text("\ufeffEmail,First Name\na@example.com,A\nb@example.com,B\n", encoding="utf-8")
    out, err, code = run_import(path)
    assert (code, err) == (0, "")
    assert "created 2, updated 0, rejected 0" in out
    before = dict(Contact.objects.values_list("email", "updated_at"))

    out, _, code = run_import(path)
    assert code == 0
    assert "created 0, updated 0, rejected 0" in out
    assert "2 existing contacts were already up to date" in out
    assert dict(Contact.objects.values_list("email", "updated_at")) == before


@pytest.mark.django_db
def test_import_updates_in_bulk(tmp_path: Path, django_assert_max_num_queries: Any) -> None:
    # contact0…contact49: the sequence counts every contact earlier tests made.
    ContactFactory.reset_sequence(0)
    ContactFactory.create_batch(50)
    rows = "".join(f"contact{n}@EXAMPLE.com,Name{n}\n" for n in range(200))
    path = tmp_path / "many.csv"
    path.write_text("email,first_name\n" + rows, encoding="utf-8")
    with django_assert_max_num_queries(12):
        out, _, code = run_import(path, batch_size=100)
    assert code == 0
    assert Contact.objects.count() == 200


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("first_name,last_name\nA,B\n", "no 'email' column"),
        ("", "the file is empty"),
    ],
)
def test_import_unusable_file_exits_2(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(content, encoding="utf-8")
    _, err, code = run_import(path)
    assert code == 2
    assert message in err


@pytest.mark.django_db
def test_import_missing_or_undecodable_file_exits_2(tmp_path: Path) -> None:
    _, err, code = run_import(tmp_path / "missing.csv")
    assert code == 2
    assert "cannot read" in err
    latin1 = tmp_path / "latin1.csv"
    latin1.write_bytes("email,first_name\nm@example.com,Jürgen\n".encode("latin-1"))
    _, err, code = run_import(latin1)
    assert code == 2
    assert "unreadable CSV" in err


@pytest.mark.django_db
def test_export_columns_and_content() -> None:
    first = ContactFactory(
        email="Anna@Example.com",
        first_name="Anna",
        last_name="Müller",
        company_name='Müller, "Söhne"',
        phone="+49 1",
        state="Bayern",
        country="Deutschland",
        lifecycle_stage=LifecycleStage.CUSTOMER,
        salesforce_id="00Q000000000001AAA",
        salesforce_object="Lead",
    )
    ContactFactory(email="ben@example.com", first_name="Ben", last_name="")
    out = io.StringIO()
    call_command("contacts_export", stdout=out)

    rows = list(csv.reader(io.StringIO(out.getvalue())))
    assert rows[0] == [
        "email",
        "first_name",
        "last_name",
        "company",
        "phone",
        "state",
        "country",
        "lifecycle_stage",
        "salesforce_id",
        "salesforce_object",
    ]
    assert rows[1] == [
        first.email,
        "Anna",
        "Müller",
        'Müller, "Söhne"',
        "'+49 1",  # a leading + is a formula to a spreadsheet: quoted (marketing.csv_safety)
        "Bayern",
        "Deutschland",
        "customer",
        "00Q000000000001AAA",
        "Lead",
    ]
    assert rows[2] == ["ben@example.com", "Ben", "", "", "", "", "", "subscriber", "", ""]
    assert len(rows) == 3


@pytest.mark.django_db
def test_export_then_import_round_trips(tmp_path: Path) -> None:
    ContactFactory.create_batch(3, country="Canada", lifecycle_stage=LifecycleStage.LEAD)
    out = io.StringIO()
    call_command("contacts_export", stdout=out)
    path = tmp_path / "export.csv"
    path.write_text(out.getvalue(), encoding="utf-8")
    result, err, code = run_import(path)
    assert code == 0, err
    assert "created 0, updated 0, rejected 0" in result
    assert "ignored unknown columns: salesforce_id, salesforce_object" in err
