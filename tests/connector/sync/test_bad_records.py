"""Bad records become per-record sync errors; the rest of the batch goes through.

Outbound: hubsync values that Salesforce (or its picklists) rejects. Inbound: Salesforce
values hubsync cannot store (an email Django refuses, a value longer than the property).
"""

from __future__ import annotations

import pytest

from connector.models import ContactSyncState, FieldMapping, SyncDirection, SyncError, SyncRunStatus
from connector.sync.cycle import sync_cycle_run
from marketing.models import Contact

pytestmark = pytest.mark.django_db

GOOD = 50


def cycle():
    run = sync_cycle_run(trigger="test")
    assert run.status == SyncRunStatus.SUCCEEDED, run.reason
    return run


def good_contacts() -> list[Contact]:
    return [
        Contact(email=f"good{i}@bad-batch.example", last_name=f"Good{i}", country="Germany")
        for i in range(GOOD)
    ]


def test_values_salesforce_rejects_fail_alone(salesforce, integration_settings):
    integration_settings.state_country_picklists = True
    integration_settings.save()
    salesforce.control.configure_org(state_country_picklists=True)
    bad = {
        # Django takes an internationalised domain; Salesforce does not.
        "user@münchen.example": ("INVALID_EMAIL_ADDRESS", {}),
        # hubsync keeps 100 characters of last name, Salesforce 80.
        "long@bad-batch.example": ("STRING_TOO_LONG", {"last_name": "L" * 95}),
        # Not a country Salesforce's picklist knows: refused before it is sent.
        "atlantis@bad-batch.example": ("INVALID_COUNTRY", {"country": "Atlantis"}),
        "state@bad-batch.example": ("INVALID_STATE", {"country": "USA", "state": "Narnia"}),
    }
    # Stored without validation, as an old import might have.
    Contact.objects.bulk_create(
        good_contacts()
        + [
            Contact(email=email, **{"last_name": "Bad", **values})
            for email, (_, values) in bad.items()
        ]
    )
    run = cycle()
    assert run.counts["push_created"] == GOOD
    assert run.counts["push_failed"] == len(bad)
    leads = salesforce.control.records("Lead")
    assert len(leads) == GOOD
    assert {lead["CountryCode"] for lead in leads} == {"DE"}
    errors = {
        e.contact.email: e
        for e in SyncError.objects.filter(direction=SyncDirection.OUTBOUND).select_related(
            "contact"
        )
    }
    assert {email: e.code for email, e in errors.items()} == {
        email: code for email, (code, _) in bad.items()
    }
    assert all(e.message and e.object_type == "Lead" for e in errors.values())
    assert errors["long@bad-batch.example"].fields == ["LastName"]
    # A fix makes the record go through on the next cycle, and resolves its error.
    contact = Contact.objects.get(email="long@bad-batch.example")
    contact.last_name = "Short"
    contact.save()
    ContactSyncState.objects.update(not_before=None)  # its back-off has elapsed
    run = cycle()
    assert run.counts["push_created"] == 1
    assert not SyncError.objects.filter(contact=contact, resolved_at__isnull=True).exists()


def test_an_email_django_refuses_is_an_inbound_error(salesforce):
    salesforce.control.load_records(
        "Lead",
        [
            {"LastName": f"Fine{i}", "Company": "Acme", "Email": f"fine{i}@in.example"}
            for i in range(GOOD)
        ]
        + [
            {"LastName": "Dots", "Company": "Acme", "Email": "two..dots@in.example"},
            {"LastName": "Lead", "Company": "Acme", "Email": ".leading@in.example"},
        ],
    )
    run = cycle()
    assert run.counts["pull_created"] == GOOD
    assert run.counts["pull_errors"] == 2
    assert Contact.objects.count() == GOOD
    errors = SyncError.objects.filter(direction=SyncDirection.INBOUND)
    assert {(e.code, e.object_type, e.contact_id) for e in errors} == {
        ("INVALID_EMAIL_ADDRESS", "Lead", None)
    }
    leads = {lead["Email"]: lead["Id"] for lead in salesforce.control.records("Lead")}
    assert {e.salesforce_id for e in errors} == {
        leads["two..dots@in.example"],
        leads[".leading@in.example"],
    }
    assert all("not valid" in e.message for e in errors)


def test_a_value_too_long_for_the_property_is_an_inbound_error(salesforce):
    # An admin maps the phone to the Lead's long Description (hubsync keeps 50 characters).
    FieldMapping.objects.filter(hubsync_property="phone").update(lead_field="Description")
    existing = Contact.objects.create(email="linked@in.example", last_name="Linked")
    cycle()  # pushed and linked
    existing.refresh_from_db()
    salesforce.control.load_records(
        "Lead",
        [
            {"LastName": f"Fine{i}", "Company": "Acme", "Email": f"fine{i}@in.example"}
            for i in range(10)
        ]
        + [
            {
                "LastName": "Long",
                "Company": "Acme",
                "Email": "new@in.example",
                "Description": "9" * 300,
            }
        ],
    )
    sf = salesforce.salesforce(*_credentials())
    sf.Lead.update(existing.salesforce_id, {"Description": "8" * 120})
    run = cycle()
    assert run.counts["pull_created"] == 10
    assert run.counts["pull_errors"] == 2
    assert not Contact.objects.filter(email="new@in.example").exists()
    existing.refresh_from_db()
    assert existing.phone == ""
    errors = {e.contact_id: e for e in SyncError.objects.filter(direction=SyncDirection.INBOUND)}
    assert errors[existing.pk].code == "STRING_TOO_LONG"
    assert errors[existing.pk].salesforce_id == existing.salesforce_id
    assert errors[None].code == "STRING_TOO_LONG"
    assert "phone: 300 characters" in errors[None].message


def _credentials() -> tuple[str, str, str]:
    from tests.conftest import SF_PASSWORD, SF_TOKEN, SF_USERNAME

    return SF_USERNAME, SF_PASSWORD, SF_TOKEN
