from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from marketing.models import LifecycleStage
from tests.factories import (
    ActivityFactory,
    CompanyFactory,
    ContactFactory,
    CrmTaskFactory,
    SmartListFactory,
)


@pytest.fixture
def records(db: None) -> dict[str, Any]:
    company = CompanyFactory(name="Acme Corp")
    contact = ContactFactory(
        email="anna@acme.test",
        first_name="Anna",
        company=company,
        company_name="Acme Corp",
        country="Germany",
        lifecycle_stage=LifecycleStage.CUSTOMER,
        salesforce_object="Contact",
    )
    ContactFactory.create_batch(3)
    return {
        "company": company,
        "contact": contact,
        "smartlist": SmartListFactory(
            name="Germans",
            criteria={
                "match": "all",
                "conditions": [{"property": "country", "operator": "equals", "value": "germany"}],
            },
        ),
        "activity": ActivityFactory(contact=contact),
        "crmtask": CrmTaskFactory(contact=contact, subject="Send proposal"),
    }


@pytest.mark.parametrize(
    ("model", "query", "expected"),
    [
        ("contact", {"q": "anna", "lifecycle_stage__exact": "customer"}, "anna@acme.test"),
        ("contact", {"q": "acme", "salesforce_object__exact": "Contact"}, "anna@acme.test"),
        ("company", {"q": "acme"}, "Acme Corp"),
        ("smartlist", {"q": "germ", "active__exact": "1"}, "Germans"),
        ("activity", {"q": "anna@acme.test", "type__exact": "page_view"}, "anna@acme.test"),
        ("crmtask", {"q": "proposal", "kind__exact": "task", "status__exact": "open"}, "proposal"),
    ],
)
def test_changelist_loads_with_search_and_filter(
    admin_client: Client, records: dict[str, Any], model: str, query: dict[str, str], expected: str
) -> None:
    url = reverse(f"admin:marketing_{model}_changelist")
    assert admin_client.get(url).status_code == 200
    response = admin_client.get(url, query)
    assert response.status_code == 200
    assert expected in response.content.decode()
    assert response.context["cl"].result_count == 1


@pytest.mark.parametrize("model", ["contact", "company", "smartlist", "activity", "crmtask"])
def test_change_and_add_pages_load(
    admin_client: Client, records: dict[str, Any], model: str
) -> None:
    change = reverse(f"admin:marketing_{model}_change", args=[records[model].pk])
    assert admin_client.get(change).status_code == 200
    assert admin_client.get(reverse(f"admin:marketing_{model}_add")).status_code == 200


def test_smart_list_change_page_shows_member_count(
    admin_client: Client, records: dict[str, Any]
) -> None:
    url = reverse("admin:marketing_smartlist_change", args=[records["smartlist"].pk])
    response = admin_client.get(url)
    assert "Contacts in list" in response.content.decode()
    assert response.context["adminform"].form.instance.pk == records["smartlist"].pk
    assert '<div class="readonly">1</div>' in response.content.decode()


def test_smart_list_changelist_runs_no_count_per_row(
    admin_client: Client, records: dict[str, Any], django_assert_max_num_queries: Any
) -> None:
    SmartListFactory.create_batch(20)
    url = reverse("admin:marketing_smartlist_changelist")
    admin_client.get(url)  # warm up session/user caches
    with django_assert_max_num_queries(8):
        response = admin_client.get(url)
    assert "Email is known" in response.content.decode()


def test_smart_list_admin_rejects_invalid_criteria(
    admin_client: Client, records: dict[str, Any]
) -> None:
    response = admin_client.post(
        reverse("admin:marketing_smartlist_add"),
        {
            "name": "Broken",
            "active": "on",
            "criteria": '{"match": "all", "conditions": [{"property": "shoe_size", '
            '"operator": "equals", "value": "42"}]}',
        },
    )
    assert response.status_code == 200
    assert "unknown property" in response.content.decode()


def test_an_activity_is_named_by_its_contact_not_its_id(
    admin_client: Client, records: dict[str, Any]
) -> None:
    """Issue 18: the admin read "Form submission by 404" (the contact's id)."""
    activity = records["activity"]
    assert str(activity).startswith("Page view by anna@acme.test on ")
    page = admin_client.get(reverse("admin:marketing_activity_change", args=[activity.pk]))
    assert "Page view by anna@acme.test" in page.content.decode()
    assert f"by {activity.contact_id} " not in page.content.decode()


@pytest.mark.parametrize("email", ["not-an-email", ""])
def test_a_bad_email_in_the_admin_is_one_error(client: Client, staff, email: str) -> None:
    """Issue 26: one error per bad value (the form's, not the model's as well)."""
    client.force_login(staff)
    response = client.post(
        reverse("admin:marketing_contact_add"),
        {"email": email, "first_name": "Ada", "lifecycle_stage": "subscriber"},
    )
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert len(errors.get("email", [])) == 1, errors
