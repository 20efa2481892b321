"""Bounded input in the marketing database: smart-list conditions and the contacts import.

Smart lists have at most MAX_SMART_LIST_CONDITIONS conditions, checked wherever a list
is saved (services, model validation, the admin) and where it is evaluated: a stored
list over the limit (saved before the limit existed, or written around validation)
raises a clear SmartListInvalid instead of a database error in every sync cycle.
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.urls import reverse

from connector.models import SyncRunStatus
from connector.sync.queue import contact_states_claim, contacts_due_count
from marketing import contacts_import
from marketing.contacts_import import contacts_import_csv
from marketing.models import Contact, SmartList
from marketing.selectors import smart_list_contacts, smart_list_member_count
from marketing.services import smart_list_create, smart_list_update
from marketing.smart_list_criteria import (
    MAX_SMART_LIST_CONDITIONS,
    OPERATORS_BY_KIND,
    SMART_LIST_PROPERTIES,
    VALUELESS_OPERATORS,
    SmartListInvalid,
    validate_criteria,
)
from tests.factories import ContactFactory, SmartListFactory

pytestmark = pytest.mark.django_db

VALUES = {
    "text": "x",
    "choice": "lead",
    "date": "2024-05-01",
    "campaign": {"campaign": "Spring Webinar", "status": "Sent", "responded": False},
}


def conditions(count: int) -> list[dict[str, Any]]:
    """``count`` valid conditions, cycling through every property and its operators."""
    every = [
        {"property": name, "operator": op, "value": None if op in VALUELESS_OPERATORS else v}
        for name, prop in SMART_LIST_PROPERTIES.items()
        for op in sorted(OPERATORS_BY_KIND[prop.kind])
        for v in [VALUES[prop.kind]]
    ]
    return [every[index % len(every)] for index in range(count)]


def criteria(count: int, match: str = "all") -> dict[str, Any]:
    return {"match": match, "conditions": conditions(count)}


def stored_over_limit(name: str = "Too big", count: int = 1500) -> SmartList:
    """A list saved around validation (``bulk_create`` runs no validators)."""
    [smart_list] = SmartList.objects.bulk_create(
        [SmartList(name=name, criteria={"match": "any", "conditions": conditions(count)})]
    )
    return smart_list


# -- the limit -----------------------------------------------------------------------


def test_the_limit_is_a_hundred_conditions():
    assert MAX_SMART_LIST_CONDITIONS == 100
    validate_criteria(criteria(100))
    with pytest.raises(ValidationError) as error:
        validate_criteria(criteria(1500))
    assert error.value.messages == ["A smart list has at most 100 conditions; this one has 1500."]


@pytest.mark.parametrize(
    ("match", "last", "members"),
    [
        # 99 conditions of every property and operator, then one that decides the answer.
        ("any", {"property": "email", "operator": "is_known", "value": None}, 3),
        ("all", {"property": "email", "operator": "is_unknown", "value": None}, 0),
    ],
)
def test_a_list_at_the_limit_runs_on_the_database(match, last, members):
    """100 conditions (every property and operator): the database runs the query, and its
    answer is the one the conditions give (any: one always true; all: one never true)."""
    ContactFactory.create_batch(3)
    rules = {"match": match, "conditions": [*conditions(99), last]}
    smart_list = smart_list_create(name=f"Big {match}", criteria=rules)
    assert smart_list_member_count(smart_list=smart_list) == members
    assert len(list(smart_list_contacts(smart_list=smart_list))) == members


def test_the_services_refuse_a_list_over_the_limit():
    with pytest.raises(ValidationError, match="at most 100 conditions"):
        smart_list_create(name="Too big", criteria=criteria(101))
    assert not SmartList.objects.exists()
    smart_list = smart_list_create(name="Fine", criteria=criteria(1))
    with pytest.raises(ValidationError, match="at most 100 conditions"):
        smart_list_update(smart_list=smart_list, criteria=criteria(1500))
    smart_list.refresh_from_db()
    assert len(smart_list.criteria["conditions"]) == 1


def test_model_validation_refuses_it():
    with pytest.raises(ValidationError) as error:
        SmartList(name="Too big", criteria=criteria(1500)).full_clean()
    assert "criteria" in error.value.message_dict


# -- a stored list over the limit ----------------------------------------------------------


def test_a_stored_list_over_the_limit_is_a_clear_error_not_a_database_error():
    smart_list = stored_over_limit()
    ContactFactory()
    with pytest.raises(SmartListInvalid) as error:
        list(smart_list_contacts(smart_list=smart_list))
    assert isinstance(error.value, ValidationError)
    assert str(error.value) == (
        "The smart list “Too big” cannot be used: "
        "A smart list has at most 100 conditions; this one has 1500."
    )


def test_the_sync_queue_reports_an_inclusion_list_over_the_limit(integration_settings):
    integration_settings.inclusion_list = stored_over_limit()
    integration_settings.save()
    with pytest.raises(SmartListInvalid, match="at most 100 conditions"):
        contacts_due_count(integration_settings=integration_settings)
    with pytest.raises(SmartListInvalid, match="at most 100 conditions"):
        contact_states_claim(limit=10, inclusion_list=integration_settings.inclusion_list)


def test_a_cycle_with_an_inclusion_list_over_the_limit_fails_with_the_reason(
    salesforce, integration_settings
):
    from connector.sync.cycle import sync_cycle_run

    ContactFactory.create_batch(2)
    integration_settings.inclusion_list = stored_over_limit()
    integration_settings.save()
    run = sync_cycle_run(trigger="manual")
    assert run.status == SyncRunStatus.FAILED
    assert run.reason == (
        "The smart list “Too big” cannot be used: "
        "A smart list has at most 100 conditions; this one has 1500."
    )
    assert (run.api_calls, run.retry_soon) == (0, False)  # refused before logging in


# -- the admin -------------------------------------------------------------------------


@pytest.fixture
def staff_client(client, staff):
    client.force_login(staff)
    return client


def admin_post(name: str, criteria_text: str) -> dict[str, str]:
    return {"name": name, "active": "on", "criteria": criteria_text}


def test_the_admin_add_form_shows_the_limit_instead_of_saving(staff_client):
    response = staff_client.post(
        reverse("admin:marketing_smartlist_add"),
        admin_post("Too big", json.dumps(criteria(1500))),
    )
    assert response.status_code == 200
    assert "A smart list has at most 100 conditions; this one has 1500." in response.text
    assert not SmartList.objects.exists()


def test_the_admin_change_form_shows_the_limit_instead_of_saving(staff_client):
    smart_list = SmartListFactory(name="Germans")
    before = smart_list.criteria
    response = staff_client.post(
        reverse("admin:marketing_smartlist_change", args=[smart_list.pk]),
        admin_post("Germans", json.dumps(criteria(101))),
    )
    assert response.status_code == 200
    assert "at most 100 conditions; this one has 101" in response.text
    smart_list.refresh_from_db()
    assert smart_list.criteria == before


def test_the_admin_refuses_json_nested_too_deeply(staff_client):
    for depth in (20, 200_000):
        response = staff_client.post(
            reverse("admin:marketing_smartlist_add"),
            admin_post("Deep", "[" * depth + "]" * depth),
        )
        assert response.status_code == 200
        assert "nested too deeply" in response.text
    assert not SmartList.objects.exists()


def test_the_admin_shows_a_stored_list_over_the_limit(staff_client):
    smart_list = stored_over_limit()
    change = staff_client.get(reverse("admin:marketing_smartlist_change", args=[smart_list.pk]))
    assert change.status_code == 200
    assert "- (invalid criteria)" in change.text
    listing = staff_client.get(reverse("admin:marketing_smartlist_changelist"))
    assert listing.status_code == 200
    assert "(+1490)" in listing.text  # the summary shows ten conditions and the rest's count


# -- the contacts import -------------------------------------------------------------------


def run_import(path: Path) -> tuple[str, str, int]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("contacts_import", str(path), stdout=out, stderr=err)
    except CommandError as error:
        return out.getvalue(), str(error), error.returncode
    return out.getvalue(), err.getvalue(), 0


def test_a_file_over_the_size_limit_is_refused_before_reading(tmp_path, monkeypatch):
    monkeypatch.setattr(contacts_import, "IMPORT_MAX_FILE_BYTES", 100)
    path = tmp_path / "big.csv"
    path.write_text("email\n" + "".join(f"c{i}@example.com\n" for i in range(20)))
    _, err, code = run_import(path)
    assert code == 2
    assert "at most 100 bytes" in err and "split it" in err
    assert not Contact.objects.exists()


def test_a_line_longer_than_the_limit_stops_the_import(tmp_path):
    path = tmp_path / "long.csv"
    path.write_text("email,first_name\nok@example.com,Ok\nx@example.com," + "a" * 70_000)
    _, err, code = run_import(path)
    assert code == 2
    assert "line 3: longer than 65,536 characters" in err
    assert "\n" not in err


def test_a_file_without_line_breaks_is_never_read_whole(tmp_path):
    path = tmp_path / "one-line.csv"
    path.write_text("email," * 200_000)
    _, err, code = run_import(path)
    assert code == 2
    assert "line 1: longer than" in err


def test_a_field_over_the_csv_field_limit_is_a_clear_error(tmp_path):
    # Quoted line breaks keep every physical line short; the cell is 200,000 characters.
    cell = ("b" * 1000 + "\n") * 200
    path = tmp_path / "field.csv"
    path.write_text(f'email,first_name\nx@example.com,"{cell}"\n')
    _, err, code = run_import(path)
    assert code == 2
    assert "line 2: unreadable CSV (field larger than field limit" in err


def test_rejected_rows_are_all_counted_but_only_the_first_kept(monkeypatch):
    monkeypatch.setattr(contacts_import, "IMPORT_MAX_REJECTED_KEPT", 3)
    reported = []
    text = "email\n" + "not-an-email\n" * 5 + "ok@example.com\n"
    result = contacts_import_csv(lines=io.StringIO(text), on_reject=reported.append)
    assert result.rejected_count == 5
    assert len(result.rejected) == 3
    assert len(reported) == 5
    assert result.created == 1
