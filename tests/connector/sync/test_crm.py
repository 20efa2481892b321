"""Task sync, activity data and the integration version, through the emulator."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.urls import reverse

from connector.models import SyncRunStatus
from connector.sync.cycle import sync_cycle_run
from marketing.models import Activity, CrmTask
from tests.factories import ActivityFactory, ContactFactory, CrmTaskFactory

pytestmark = pytest.mark.django_db


def cycle():
    run = sync_cycle_run(trigger="test")
    assert run.status == SyncRunStatus.SUCCEEDED, run.reason
    return run


def linked_contact(**fields):
    contact = ContactFactory(**fields)
    cycle()
    contact.refresh_from_db()
    return contact


class TestTaskSync:
    def enable(self, integration_settings, *, crm=True, task_sync=True):
        integration_settings.crm_enabled = crm
        integration_settings.task_sync = task_sync
        integration_settings.save()

    def test_on_tasks_and_calls_go_to_salesforce_and_come_back_each_exactly_once(
        self, salesforce, integration_settings
    ):
        self.enable(integration_settings)
        contact = linked_contact()
        CrmTaskFactory(contact=contact, subject="Send pricing")
        CrmTaskFactory(contact=contact, subject="Discovery call", logged_call=True)
        salesforce.control.load_records(
            "Task",
            [
                {
                    "WhoId": contact.salesforce_id,
                    "Subject": "Called back",
                    "TaskSubtype": "Call",
                    "ActivityDate": "2026-11-20",
                    "Status": "Completed",
                }
            ],
        )
        cycle()
        cycle()  # a second cycle moves nothing again
        tasks = {t["Subject"]: t for t in salesforce.control.records("Task")}
        assert set(tasks) == {"Send pricing", "Discovery call", "Called back"}
        assert tasks["Discovery call"]["TaskSubtype"] == "Call"
        assert tasks["Send pricing"]["WhoId"] == contact.salesforce_id
        back = CrmTask.objects.get(subject="Called back")
        assert back.kind == "call" and back.status == "completed" and back.contact == contact
        assert CrmTask.objects.count() == 3

    @pytest.mark.parametrize(("crm", "task_sync"), [(True, False), (False, True)])
    def test_off_or_without_crm_no_task_moves(
        self, salesforce, integration_settings, crm, task_sync
    ):
        self.enable(integration_settings, crm=crm, task_sync=task_sync)
        contact = linked_contact()
        CrmTaskFactory(contact=contact, subject="Send pricing")
        salesforce.control.load_records(
            "Task", [{"WhoId": contact.salesforce_id, "Subject": "Called back"}]
        )
        cycle()
        assert [t["Subject"] for t in salesforce.control.records("Task")] == ["Called back"]
        assert CrmTask.objects.count() == 1


class TestActivityData:
    def setup_activities(self, integration_settings, storage, types):
        integration_settings.activity_storage = storage
        integration_settings.activity_types = types
        integration_settings.save()

    def test_salesforce_tasks(self, salesforce, integration_settings):
        self.setup_activities(integration_settings, "tasks", ["form_submission", "email_open"])
        contact = linked_contact()
        when = datetime(2026, 11, 1, 9, 30, tzinfo=UTC)
        ActivityFactory(contact=contact, type="form_submission", occurred_at=when)
        ActivityFactory(contact=contact, type="email_open", occurred_at=when)
        ActivityFactory(contact=contact, type="page_view", occurred_at=when)  # not selected
        run = cycle()
        assert run.counts["activities_out"] == 2
        cycle()  # exactly once
        tasks = salesforce.control.records("Task")
        assert sorted(t["Subject"] for t in tasks) == [
            "Email Open (hubsync)",
            "Form Submission (hubsync)",
        ]
        assert {t["WhoId"] for t in tasks} == {contact.salesforce_id}
        assert salesforce.control.records("HubSpot_Intelligence__c") == []

    def test_custom_object(self, salesforce, integration_settings):
        self.setup_activities(integration_settings, "custom_object", ["page_view"])
        contact = linked_contact()
        ActivityFactory.create_batch(3, contact=contact, type="page_view")
        cycle()
        cycle()
        records = salesforce.control.records("HubSpot_Intelligence__c")
        assert len(records) == 3
        assert {r["Lead__c"] for r in records} == {contact.salesforce_id}
        assert {r["Activity_Type__c"] for r in records} == {"Page View"}
        assert salesforce.control.records("Task") == []

    def test_none_writes_nothing(self, salesforce, integration_settings):
        self.setup_activities(integration_settings, "none", ["page_view"])
        contact = linked_contact()
        ActivityFactory.create_batch(3, contact=contact, type="page_view")
        cycle()
        assert salesforce.control.records("Task") == []
        assert salesforce.control.records("HubSpot_Intelligence__c") == []
        assert not Activity.objects.filter(salesforce_link__isnull=False).exists()

    def test_activities_are_batched(self, salesforce, integration_settings):
        self.setup_activities(integration_settings, "custom_object", ["page_view"])
        contacts = [linked_contact() for _ in range(3)]
        for contact in contacts:
            ActivityFactory.create_batch(150, contact=contact, type="page_view")
        salesforce.control.reset_stats()
        cycle()
        calls = salesforce.control.stats()["requests"]
        assert (
            calls["PATCH /services/data/v<version>/composite/sobjects/<obj>/<ext>"] == 3
        )  # 450/200


class TestIntegrationVersion:
    URL = reverse("settings_ui:salesforce_settings")

    @pytest.mark.parametrize(
        ("installed", "status", "text"),
        [
            ("1.4.0", "up_to_date", "It is up to date."),
            ("1.2.3", "outdated", "It is outdated: version 1.4.0 is available."),
            (None, "not_installed", "setup is not deployed"),
        ],
    )
    def test_grey_box(
        self, salesforce, integration_settings, admin_browser, installed, status, text
    ):
        # Deployed: the org's version label (a source deploy or a package alike); None: never
        # deployed, so the org has no label at all.
        salesforce.control.configure_org(
            connector_version=installed, metadata_deployed=installed is not None
        )
        integration_settings.connector_version_checked_at = None
        integration_settings.save()
        cycle()
        html = admin_browser.get(self.URL).content.decode()
        assert f'data-status="{status}"' in html
        assert text in html
        assert ('id="upgrade-instructions"' in html) is (status != "up_to_date")

    def test_not_connected_yet(self, admin_browser):
        html = admin_browser.get(self.URL).content.decode()
        assert "Not connected yet" in html

    def test_text_and_instructions_fit_the_case(
        self, salesforce, integration_settings, admin_browser
    ):
        salesforce.control.configure_org(connector_version=None, metadata_deployed=False)
        integration_settings.connector_version_checked_at = None
        integration_settings.save()
        cycle()
        html = admin_browser.get(self.URL).content.decode()
        assert 'data-case="deploy"' in html and "How to deploy hubsync's setup" in html
        salesforce.control.configure_org(connector_version="1.2.3", metadata_deployed=True)
        # The admin asks: Check again (the setup check reads the version at once).
        admin_browser.post(reverse("settings_ui:salesforce_setup_check"))
        html = admin_browser.get(self.URL).content.decode()
        assert 'data-case="upgrade"' in html and "How to upgrade" in html
        assert 'id="version-check-again"' in html

    def test_rechecked_at_the_next_cycle_after_the_credentials_change(
        self, salesforce, integration_settings, admin_browser
    ):
        from connector.credentials.services import integration_credentials_update
        from tests.conftest import SF_PASSWORD, SF_TOKEN

        cycle()
        assert integration_settings.__class__.objects.get().connector_version_checked_at
        salesforce.control.create_user("other@acme.example", SF_PASSWORD, SF_TOKEN)
        salesforce.control.configure_org(connector_version="1.2.3")
        integration_credentials_update(
            integration_settings=integration_settings,
            acting_user=None,
            username="other@acme.example",
        )
        html = admin_browser.get(self.URL).content.decode()
        assert 'data-status="not_checked"' in html and "the next sync cycle reads" in html
        cycle()
        html = admin_browser.get(self.URL).content.decode()
        assert 'data-status="outdated"' in html


def test_an_activity_a_validation_rule_rejects_needs_a_fix_and_costs_no_call_until_retried(
    salesforce, integration_settings
):
    integration_settings.activity_storage = "custom_object"
    integration_settings.activity_types = ["page_view"]
    integration_settings.save()
    contact = linked_contact()
    ActivityFactory(contact=contact, type="page_view")
    salesforce.control.add_fault(
        r"HubSpot_Intelligence__c",
        record_error_code="FIELD_CUSTOM_VALIDATION_EXCEPTION",
        record_count=1,
    )
    cycle()
    from connector.models import SyncError

    error = SyncError.objects.get(contact=contact, object_type="HubSpot_Intelligence__c")
    assert error.code == "FIELD_CUSTOM_VALIDATION_EXCEPTION"
    assert error.attempts == 1 and error.needs_fix and error.next_retry_at is None
    salesforce.control.reset_stats()
    cycle()  # waiting for a fix: not sent again, not even by the nightly retry
    from connector.sync.failures import contact_failures_unpark

    contact_failures_unpark()
    cycle()
    assert not any("sobjects" in e for e in salesforce.control.stats()["requests"])
    # Retried (e.g. from the errors page): it goes through and the error is resolved.
    from connector.services.sync_errors import sync_errors_retry

    sync_errors_retry(error_ids=[error.pk])
    cycle()
    error.refresh_from_db()
    assert error.resolved_at is not None
    assert len(salesforce.control.records("HubSpot_Intelligence__c")) == 1
