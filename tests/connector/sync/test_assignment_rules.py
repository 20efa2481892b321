"""Lead assignment rules (issue 13): new Leads run them only when the page says so;
updates never do; Collections and Bulk behave alike."""

from __future__ import annotations

import pytest
from django.urls import reverse

from connector.sync.cycle import sync_cycle_run
from marketing.models import Contact
from tests.factories import ContactFactory
from tests.settings_ui.posts import settings_form_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def rule(salesforce):
    """The org's active rule sends every Lead it sees to a queue user."""
    queue = salesforce.control.create_user("queue@acme.example", "pw-queue", "TOKQ")
    salesforce.control.configure_org(lead_assignment_rule_owner="queue@acme.example")
    return queue["id"]


def owners(salesforce) -> set[str]:
    return {lead["OwnerId"] for lead in salesforce.control.records("Lead")}


def test_off_by_default_new_leads_keep_the_integration_user(salesforce, rule):
    ContactFactory.create_batch(3)
    assert sync_cycle_run(trigger="test").status == "succeeded"
    assert len(salesforce.control.records("Lead")) == 3
    assert rule not in owners(salesforce)


def test_on_new_leads_run_the_rule_and_updates_never_do(
    salesforce, rule, integration_settings, admin_browser
):
    response = admin_browser.post(
        reverse("settings_ui:salesforce_settings"),
        settings_form_data(integration_settings, lead_assignment_rules=True),
    )
    assert response.status_code == 302
    integration_settings.refresh_from_db()
    assert integration_settings.lead_assignment_rules is True
    contact = ContactFactory()
    sync_cycle_run(trigger="test")
    assert owners(salesforce) == {rule}
    # The sales team re-assigns the Lead; a hubsync edit is pushed: the owner stays theirs.
    salesforce.control.create_user("rep@acme.example", "pw-rep", "TOKR")
    salesforce.control.configure_org(lead_assignment_rule_owner="rep@acme.example")
    Contact.objects.filter(pk=contact.pk).update(job_title="CTO")
    Contact.objects.get(pk=contact.pk).save()
    assert sync_cycle_run(trigger="test").counts["push_updated"] == 1
    assert owners(salesforce) == {rule}


@pytest.mark.slow
def test_bulk_sized_batches_are_assigned_alike(salesforce, rule, integration_settings, monkeypatch):
    monkeypatch.setattr("connector.sync.push_writes.BULK_THRESHOLD", 5)
    integration_settings.lead_assignment_rules = True
    integration_settings.save()
    ContactFactory.create_batch(8)
    salesforce.control.reset_stats()
    sync_cycle_run(trigger="test")
    assert owners(salesforce) == {rule}
    requests = salesforce.control.stats()["requests"]
    assert not any("jobs/ingest" in path for path in requests)  # Bulk would not assign
    # Off, the same batch goes by Bulk API 2.0 (which never assigns).
    integration_settings.lead_assignment_rules = False
    integration_settings.save()
    ContactFactory.create_batch(8)
    salesforce.control.reset_stats()
    sync_cycle_run(trigger="test")
    assert any("jobs/ingest" in path for path in salesforce.control.stats()["requests"])
    assert len(owners(salesforce)) == 2
