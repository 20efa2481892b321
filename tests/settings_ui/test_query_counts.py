"""The Salesforce pages cost the same number of SQL queries whatever the amount of data.

Each page is loaded with a little data and again after contacts, smart lists, sync errors,
settings history entries (and runs, held deletions, API usage, sync events) grew many
times over: the second load may not run a single query more. bench/settings_page.py
measures the same pages' server time at 200,000 contacts.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from connector.models import (
    ApiCallBucket,
    ContactSyncEvent,
    HeldDeletion,
    OrgUsageSample,
    SyncDirection,
    SyncError,
    SyncEventOutcome,
    SyncRun,
    SyncRunStatus,
)
from marketing.models import Contact
from tests.factories import SmartListFactory

pytestmark = pytest.mark.django_db

# The settings page, its live status panel and the sync errors page.
PAGES = (
    "settings_ui:salesforce_settings",
    "settings_ui:salesforce_status",
    "settings_ui:sync_errors",
)
CODES = ("REQUIRED_FIELD_MISSING", "INVALID_EMAIL_ADDRESS", "STRING_TOO_LONG", "DUPLICATE_VALUE")


def data_add(integration_settings, *, contacts: int, start: int = 0) -> None:
    """``contacts`` contacts and, in proportion, everything else the pages list or count."""
    now = timezone.now()
    created = Contact.objects.bulk_create(
        Contact(email=f"q{i}@example.com", last_name=f"Q{i}", salesforce_id=f"00Q{i:015d}")
        for i in range(start, start + contacts)
    )
    lists = SmartListFactory.create_batch(max(contacts // 10, 1))
    SyncError.objects.bulk_create(
        SyncError(
            contact=contact,
            direction=SyncDirection.OUTBOUND if i % 2 else SyncDirection.INBOUND,
            object_type=("Lead", "Contact", "Task")[i % 3],
            code=CODES[i % len(CODES)],
            message=f"Problem {i}",
            resolved_at=now if i % 4 == 0 else None,
        )
        for i, contact in enumerate(created[: contacts // 2])
    )
    ContactSyncEvent.objects.bulk_create(
        ContactSyncEvent(
            contact=contact,
            direction=SyncDirection.OUTBOUND,
            object_type="Lead",
            salesforce_id=contact.salesforce_id,
            outcome=SyncEventOutcome.CREATED,
        )
        for contact in created
    )
    HeldDeletion.objects.bulk_create(
        HeldDeletion(
            contact=contact,
            email=contact.email,
            object_type="Lead",
            salesforce_id=contact.salesforce_id,
            cycle=f"cycle{start}",
        )
        for contact in created[-max(contacts // 20, 1) :]
    )
    SyncRun.objects.bulk_create(
        SyncRun(trigger="test", status=SyncRunStatus.SUCCEEDED, finished_at=now, api_calls=3)
        for _ in range(max(contacts // 20, 1))
    )
    for minutes in range(start // 10, (start + contacts) // 10):
        minute = (now - timedelta(minutes=minutes)).replace(second=0, microsecond=0)
        ApiCallBucket.objects.get_or_create(minute=minute, defaults={"calls": 5})
        OrgUsageSample.objects.get_or_create(
            hour=minute.replace(minute=0), defaults={"used": 10, "max": 1000}
        )
    # History entries: one per save of the settings (django-simple-history).
    for index in range(max(contacts // 10, 1)):
        integration_settings.api_call_limit = 10_000 + start + index
        integration_settings.inclusion_list = lists[index % len(lists)]
        integration_settings.sync_enabled = True
        integration_settings.save()


def queries_of(client, url: str) -> list[str]:
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200, response.status_code
    return [query["sql"] for query in context.captured_queries]


@pytest.mark.parametrize("name", PAGES)
@pytest.mark.slow
def test_queries_do_not_grow_with_contacts_lists_errors_and_history(
    name, admin_browser, integration_settings, django_assert_max_num_queries
):
    url = reverse(name)
    data_add(integration_settings, contacts=20)
    admin_browser.get(url)  # per-process caches (site, content types) are filled once
    small = queries_of(admin_browser, url)

    data_add(integration_settings, contacts=400, start=20)
    assert Contact.objects.count() == 420
    with django_assert_max_num_queries(len(small)):
        response = admin_browser.get(url)
    assert response.status_code == 200


@pytest.mark.parametrize("name", PAGES)
def test_the_read_only_view_does_not_grow_either(name, client, viewer, integration_settings):
    url = reverse(name)
    client.force_login(viewer)
    data_add(integration_settings, contacts=20)
    client.get(url)
    small = queries_of(client, url)
    data_add(integration_settings, contacts=400, start=20)
    large = queries_of(client, url)
    assert len(large) <= len(small), "\n".join(large)
