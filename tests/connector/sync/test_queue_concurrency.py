"""Two workers at once never push one contact twice: claims in the database."""

from __future__ import annotations

import threading

import pytest
from django.db import connections

from connector.client import SalesforceClient
from connector.models import ContactSyncState
from connector.selectors import field_mappings_get, integration_settings_get
from connector.sync.push import contacts_push
from connector.sync.queue import contacts_mark_due
from marketing.models import Contact


@pytest.mark.django_db(transaction=True)
def test_two_workers_at_once_push_each_contact_exactly_once(salesforce, integration_settings):
    Contact.objects.bulk_create(
        [Contact(email=f"c{i}@race.example", last_name=f"L{i}") for i in range(600)]
    )
    contacts_mark_due()
    results, errors = [], []

    def worker() -> None:
        try:
            settings = integration_settings_get()
            client = SalesforceClient.from_settings(settings)
            results.append(
                contacts_push(
                    client=client,
                    integration_settings=settings,
                    mappings=field_mappings_get(),
                    should_continue=lambda: True,
                    batch_size=50,
                )
            )
        except Exception as exc:  # surfaced below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    assert sum(r.created for r in results) == 600
    assert all(r.created > 0 for r in results), "both workers should have taken a share"
    leads = salesforce.control.records("Lead")
    assert len(leads) == 600
    assert len({lead["HubSync_Id__c"] for lead in leads}) == 600
    assert not ContactSyncState.objects.filter(due=True).exists()
