from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from marketing.models import Contact, CrmTask, CrmTaskKind, LifecycleStage
from tests.factories import CompanyFactory, ContactFactory, CrmTaskFactory


@pytest.mark.django_db
def test_contact_email_is_unique_case_insensitively() -> None:
    ContactFactory(email="A@x.com")
    with pytest.raises(IntegrityError), transaction.atomic():
        ContactFactory(email="a@X.com")
    assert Contact.objects.get().email == "A@x.com"  # stored as given


@pytest.mark.django_db
def test_full_clean_reports_case_insensitive_duplicate() -> None:
    ContactFactory(email="Jane@Example.com")
    with pytest.raises(ValidationError, match="already exists"):
        Contact(email="jane@example.COM").full_clean()


@pytest.mark.django_db
def test_full_clean_strips_and_validates_email() -> None:
    contact = Contact(email="  jane@example.com ")
    contact.full_clean()
    assert contact.email == "jane@example.com"
    with pytest.raises(ValidationError) as exc_info:
        Contact(email="not-an-email").full_clean()
    assert "email" in exc_info.value.message_dict


def test_lifecycle_stage_order() -> None:
    LS = LifecycleStage
    funnel = [
        "subscriber",
        "lead",
        "marketingqualifiedlead",
        "salesqualifiedlead",
        "opportunity",
        "customer",
        "evangelist",
    ]
    assert [LS.rank(v) for v in funnel] == list(range(7))
    assert LS.rank(LS.OTHER) is None
    assert LS.is_after(LS.CUSTOMER, LS.OPPORTUNITY)
    assert not LS.is_after(LS.LEAD, LS.CUSTOMER)
    assert not LS.is_after(LS.LEAD, LS.LEAD)
    assert not LS.is_after(LS.OTHER, LS.SUBSCRIBER)
    assert not LS.is_after(LS.EVANGELIST, LS.OTHER)
    with pytest.raises(ValueError):
        LS.rank("prospect")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("lead", LifecycleStage.LEAD),
        ("Marketing Qualified Lead", LifecycleStage.MARKETING_QUALIFIED_LEAD),
        ("SALESQUALIFIEDLEAD", LifecycleStage.SALES_QUALIFIED_LEAD),
        (" customer ", LifecycleStage.CUSTOMER),
        ("prospect", None),
        ("", None),
    ],
)
def test_lifecycle_stage_parse(text: str, expected: LifecycleStage | None) -> None:
    assert LifecycleStage.parse(text) == expected


@pytest.mark.django_db
def test_logged_call_needs_occurred_at() -> None:
    call = CrmTaskFactory.build(contact=ContactFactory(), kind=CrmTaskKind.CALL, due_at=None)
    with pytest.raises(ValidationError) as exc_info:
        call.full_clean()
    assert "occurred_at" in exc_info.value.message_dict
    logged = CrmTaskFactory(logged_call=True)
    logged.full_clean()
    assert CrmTask.objects.get().kind == CrmTaskKind.CALL


@pytest.mark.django_db
def test_deleting_company_keeps_contact() -> None:
    contact = ContactFactory(company=CompanyFactory())
    contact.company.delete()
    contact.refresh_from_db()
    assert contact.company is None
