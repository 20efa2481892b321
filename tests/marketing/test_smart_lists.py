from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from marketing.models import Contact, LifecycleStage, SmartList
from marketing.selectors import (
    smart_list_contacts,
    smart_list_contains,
    smart_list_member_count,
    smart_list_q,
    smart_lists_active,
)
from marketing.services import smart_list_create, smart_list_update
from marketing.smart_list_criteria import SMART_LIST_PROPERTIES, validate_criteria
from tests.factories import CompanyFactory, ContactFactory, SmartListFactory


def criteria(*conditions: tuple[str, str, str | None], match: str = "all") -> dict[str, Any]:
    return {
        "match": match,
        "conditions": [{"property": p, "operator": o, "value": v} for p, o, v in conditions],
    }


def members(*conditions: tuple[str, str, str | None], match: str = "all") -> set[str]:
    q = smart_list_q(criteria=criteria(*conditions, match=match))
    return set(Contact.objects.filter(q).values_list("email", flat=True))


@pytest.fixture
def people(db: None) -> None:
    acme = CompanyFactory(name="Acme Corp")
    ContactFactory(
        email="anna@acme.test",
        first_name="Anna",
        country="Germany",
        phone="+49 30 1234",
        lifecycle_stage=LifecycleStage.CUSTOMER,
        company=acme,
    )
    ContactFactory(
        email="ben@globex.test",
        first_name="Ben",
        country="germany",
        phone="",
        lifecycle_stage=LifecycleStage.LEAD,
    )
    ContactFactory(
        email="cleo@initech.test",
        first_name="Cleo",
        country="USA",
        phone="555",
        lifecycle_stage=LifecycleStage.MARKETING_QUALIFIED_LEAD,
    )
    ContactFactory(email="dan@none.test", first_name="Dan", country="")


@pytest.mark.usefixtures("people")
class TestOperators:
    def test_equals_is_case_insensitive(self) -> None:
        assert members(("country", "equals", "GERMANY")) == {"anna@acme.test", "ben@globex.test"}

    def test_not_equals_includes_unknown(self) -> None:
        assert members(("country", "not_equals", "germany")) == {
            "cleo@initech.test",
            "dan@none.test",
        }

    def test_contains(self) -> None:
        assert members(("email", "contains", "ACME")) == {"anna@acme.test"}
        assert members(("first_name", "contains", "e")) == {"ben@globex.test", "cleo@initech.test"}

    def test_contains_treats_wildcards_literally(self) -> None:
        assert members(("email", "contains", "%")) == set()
        assert members(("email", "contains", "_")) == set()

    def test_is_known_excludes_null_and_blank(self) -> None:
        assert members(("phone", "is_known", None)) == {"anna@acme.test", "cleo@initech.test"}
        assert members(("company__name", "is_known", None)) == {"anna@acme.test"}

    def test_is_unknown_includes_null_and_blank(self) -> None:
        assert members(("phone", "is_unknown", None)) == {"ben@globex.test", "dan@none.test"}
        assert members(("company__name", "is_unknown", None)) == {
            "ben@globex.test",
            "cleo@initech.test",
            "dan@none.test",
        }

    def test_related_company_name(self) -> None:
        assert members(("company__name", "equals", "acme corp")) == {"anna@acme.test"}
        assert members(("company__name", "not_equals", "Acme Corp")) == {
            "ben@globex.test",
            "cleo@initech.test",
            "dan@none.test",
        }

    def test_choice_equals_accepts_value_or_label(self) -> None:
        assert members(("lifecycle_stage", "equals", "customer")) == {"anna@acme.test"}
        assert members(("lifecycle_stage", "equals", "Marketing qualified lead")) == {
            "cleo@initech.test"
        }
        assert members(("lifecycle_stage", "not_equals", "subscriber")) == {
            "anna@acme.test",
            "ben@globex.test",
            "cleo@initech.test",
        }

    def test_match_all_and_any(self) -> None:
        conditions = (("country", "equals", "germany"), ("phone", "is_known", None))
        assert members(*conditions, match="all") == {"anna@acme.test"}
        assert members(*conditions, match="any") == {
            "anna@acme.test",
            "ben@globex.test",
            "cleo@initech.test",
        }


@pytest.mark.django_db
class TestDateOperators:
    @pytest.fixture(autouse=True)
    def dated(self) -> None:
        for email, day in (("old@x.test", 1), ("mid@x.test", 15), ("new@x.test", 28)):
            contact = ContactFactory(email=email)
            stamp = dt.datetime(2024, 5, day, 12, 0, tzinfo=dt.UTC)
            Contact.objects.filter(pk=contact.pk).update(created_at=stamp, updated_at=stamp)

    def test_before_a_date_excludes_that_day(self) -> None:
        assert members(("created_at", "before", "2024-05-15")) == {"old@x.test"}

    def test_after_a_date_excludes_that_day(self) -> None:
        assert members(("updated_at", "after", "2024-05-15")) == {"new@x.test"}

    def test_datetime_values_compare_strictly(self) -> None:
        assert members(("created_at", "after", "2024-05-15T11:59:00+00:00")) == {
            "mid@x.test",
            "new@x.test",
        }
        assert members(("created_at", "before", "2024-05-15T12:00:00")) == {"old@x.test"}

    def test_between_with_match_all(self) -> None:
        assert members(
            ("created_at", "after", "2024-05-01"), ("created_at", "before", "2024-05-28")
        ) == {"mid@x.test"}

    def test_date_is_known(self) -> None:
        assert len(members(("created_at", "is_known", None))) == 3
        assert members(("created_at", "is_unknown", None)) == set()


@pytest.mark.usefixtures("people")
def test_membership_is_one_query(django_assert_num_queries: Any) -> None:
    smart_list = SmartListFactory(
        criteria=criteria(
            ("country", "equals", "germany"),
            ("phone", "is_known", None),
            ("company__name", "contains", "acme"),
            ("created_at", "before", "2000-01-01"),
            ("lifecycle_stage", "equals", "customer"),
            match="any",
        )
    )
    with django_assert_num_queries(1):
        emails = list(smart_list_contacts(smart_list=smart_list).values_list("email", flat=True))
    assert set(emails) == {"anna@acme.test", "ben@globex.test", "cleo@initech.test"}
    anna = Contact.objects.get(email="anna@acme.test")
    dan = Contact.objects.get(email="dan@none.test")
    with django_assert_num_queries(1):
        assert smart_list_contains(smart_list=smart_list, contact_id=anna.pk)
    with django_assert_num_queries(1):
        assert not smart_list_contains(smart_list=smart_list, contact_id=dan.pk)
    with django_assert_num_queries(1):
        assert smart_list_member_count(smart_list=smart_list) == 3


@pytest.mark.django_db
def test_smart_lists_active() -> None:
    on = SmartListFactory(name="B on")
    SmartListFactory(name="A off", active=False)
    assert list(smart_lists_active()) == [on]


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ([], "must be an object"),
        ({"match": "some", "conditions": []}, "'match' must be 'all' or 'any'"),
        ({"match": "all", "conditions": []}, "non-empty list"),
        (criteria(("shoe_size", "equals", "42")), "Condition 1: unknown property 'shoe_size'"),
        (criteria(("email", "matches", "x")), "Condition 1: unknown operator 'matches'"),
        (criteria(("email", "equals", None)), "Condition 1: operator 'equals' needs a value"),
        (criteria(("email", "contains", "  ")), "operator 'contains' needs a value"),
        (criteria(("email", "is_known", "x")), "operator 'is_known' takes no value"),
        (criteria(("email", "before", "2024-01-01")), "does not apply to 'email'"),
        (criteria(("created_at", "contains", "2024")), "does not apply to 'created_at'"),
        (criteria(("created_at", "before", "yesterday")), "'yesterday' is not a date"),
        (criteria(("created_at", "after", "2024-13-01")), "'2024-13-01' is not a date"),
        (criteria(("lifecycle_stage", "equals", "prospect")), "not a valid lifecycle stage"),
        (criteria(("email", "equals", 42)), "must be a string"),
        (
            {"match": "all", "conditions": [{"property": "email", "operator": "is_known", "x": 1}]},
            "unknown keys x",
        ),
        (
            criteria(("email", "is_known", None), ("nope", "equals", "1")),
            "Condition 2: unknown property 'nope'",
        ),
    ],
)
def test_invalid_criteria(bad: Any, message: str) -> None:
    with pytest.raises(ValidationError) as exc_info:
        validate_criteria(bad)
    assert any(message in m for m in exc_info.value.messages), exc_info.value.messages
    with pytest.raises(ValidationError):
        smart_list_q(criteria=bad)


@pytest.mark.django_db
def test_smart_list_create_validates() -> None:
    with pytest.raises(ValidationError) as exc_info:
        smart_list_create(name="Broken", criteria=criteria(("shoe_size", "equals", "42")))
    assert "criteria" in exc_info.value.message_dict
    assert not SmartList.objects.exists()

    created = smart_list_create(name=" Germans ", criteria=criteria(("country", "equals", "DE")))
    assert created.name == "Germans"
    assert created.active
    with pytest.raises(ValidationError):
        smart_list_create(name="Germans", criteria=criteria(("country", "equals", "DE")))

    updated = smart_list_update(smart_list=created, active=False)
    assert not SmartList.objects.get(pk=updated.pk).active


@pytest.mark.django_db
def test_every_registry_path_resolves() -> None:
    for name in SMART_LIST_PROPERTIES:
        kind = SMART_LIST_PROPERTIES[name].kind
        operator = {"date": "before", "campaign": "member_of"}.get(kind, "is_known")
        value = {"date": "2024-01-01", "campaign": {"campaign": "Webinar"}}.get(kind)
        list(Contact.objects.filter(smart_list_q(criteria=criteria((name, operator, value)))))


@pytest.mark.django_db
def test_datetime_filter_uses_current_timezone(settings: Any) -> None:
    settings.TIME_ZONE = "Europe/Berlin"
    contact = ContactFactory(email="late@x.test")
    # 23:30 UTC on 14 May is already 15 May in Berlin.
    stamp = dt.datetime(2024, 5, 14, 23, 30, tzinfo=dt.UTC)
    Contact.objects.filter(pk=contact.pk).update(created_at=stamp)
    timezone.deactivate()
    assert members(("created_at", "before", "2024-05-15")) == set()
    assert members(("created_at", "after", "2024-05-14")) == {"late@x.test"}


def test_a_smart_list_filters_on_the_contact_owner(db):
    """Issue 30: the owner (synced with the record's OwnerId) is a smart-list property."""
    from django.contrib.auth import get_user_model

    from marketing.models import Contact, SmartList
    from marketing.selectors import smart_list_contacts

    rita = get_user_model().objects.create_user("rita")
    Contact.objects.create(email="a@x.example", owner=rita)
    Contact.objects.create(email="b@x.example")
    owned = SmartList(
        name="Rita's",
        criteria={
            "match": "all",
            "conditions": [{"property": "owner", "operator": "equals", "value": "RITA"}],
        },
    )
    owned.full_clean()
    assert [c.email for c in smart_list_contacts(smart_list=owned)] == ["a@x.example"]
    owned.criteria["conditions"][0] = {"property": "owner", "operator": "is_unknown"}
    assert [c.email for c in smart_list_contacts(smart_list=owned)] == ["b@x.example"]
