from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from marketing.models import Contact
from marketing.selectors import contact_get_by_email
from marketing.services import contact_upsert_by_email
from tests.factories import CompanyFactory, ContactFactory


@pytest.mark.django_db
def test_contact_upsert_creates_then_updates_case_insensitively() -> None:
    company = CompanyFactory()
    contact, created = contact_upsert_by_email(
        email=" Mia@Example.com ", data={"first_name": "Mia", "company": company}
    )
    assert created
    assert contact.email == "Mia@Example.com"

    again, created = contact_upsert_by_email(email="mia@example.COM", data={"last_name": "Wolf"})
    assert not created
    assert again.pk == contact.pk
    again.refresh_from_db()
    assert (again.email, again.first_name, again.last_name) == ("Mia@Example.com", "Mia", "Wolf")
    assert again.company == company
    assert Contact.objects.count() == 1


@pytest.mark.django_db
def test_contact_upsert_validates() -> None:
    with pytest.raises(ValidationError):
        contact_upsert_by_email(email="nope")
    with pytest.raises(ValidationError):
        contact_upsert_by_email(email="a@example.com", data={"lifecycle_stage": "prospect"})
    assert not Contact.objects.exists()


@pytest.mark.django_db
def test_contact_get_by_email() -> None:
    contact = ContactFactory(email="Zed@Example.com")
    assert contact_get_by_email(email="zed@example.com ") == contact
    assert contact_get_by_email(email="other@example.com") is None
