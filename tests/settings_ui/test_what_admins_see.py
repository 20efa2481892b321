"""Status panel, API usage chart, sync errors with retry and CSV, test connection, and the
contact's sync history in the admin."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from connector.models import (
    ApiCallBucket,
    ContactSyncState,
    CredentialsStatus,
    OrgUsageSample,
    SyncError,
    SyncRun,
)
from connector.sync.cycle import sync_cycle_run
from tests.factories import ContactFactory

pytestmark = pytest.mark.django_db

SETTINGS_URL = reverse("settings_ui:salesforce_settings")
STATUS_URL = reverse("settings_ui:salesforce_status")
ERRORS_URL = reverse("settings_ui:sync_errors")


class TestStatusPanel:
    def state(self, client) -> str:
        html = client.get(STATUS_URL).content.decode()
        return html.split('data-state="')[1].split('"')[0]

    def test_disabled(self, admin_browser, integration_settings):
        assert self.state(admin_browser) == "disabled"

    def test_idle_with_last_run_and_next_due(self, admin_browser, salesforce):
        ContactFactory.create_batch(2)
        run = sync_cycle_run(trigger="test")
        html = admin_browser.get(STATUS_URL).content.decode()
        assert 'data-state="idle"' in html
        assert "2 sent to Salesforce, 0 read from Salesforce, 0 errors, 4 API calls" in html
        assert 'id="status-next-run"' in html
        assert run.finished_at is not None

    def test_running_shows_progress(self, admin_browser, integration_settings):
        integration_settings.sync_enabled = True
        integration_settings.save()
        SyncRun.objects.create(
            trigger="test",
            progress={"phase": "push", "done": 300, "total": 1200},
            heartbeat_at=timezone.now(),
        )
        html = admin_browser.get(STATUS_URL).content.decode()
        assert 'data-state="running"' in html
        assert "Sending to Salesforce: 300 of 1200 contacts." in html
        assert 'aria-valuenow="25"' in html

    def test_a_run_that_stopped_reporting_is_not_shown_as_running(
        self, admin_browser, integration_settings
    ):
        integration_settings.sync_enabled = True
        integration_settings.save()
        run = SyncRun.objects.create(trigger="test")
        SyncRun.objects.filter(pk=run.pk).update(
            started_at=timezone.now() - timedelta(hours=2),
            heartbeat_at=timezone.now() - timedelta(hours=2),
        )
        assert self.state(admin_browser) == "idle"

    def test_paused_because_of_the_api_limit(self, admin_browser, salesforce, integration_settings):
        integration_settings.api_call_limit = 1
        integration_settings.save()
        ContactFactory.create_batch(2)
        sync_cycle_run(trigger="test")
        html = admin_browser.get(STATUS_URL).content.decode()
        assert 'data-state="paused"' in html
        assert "API call limit of 1 calls in 24 hours is used up" in html

    def test_credentials_invalid(self, admin_browser, integration_settings):
        integration_settings.sync_enabled = True
        integration_settings.credentials_status = CredentialsStatus.INVALID
        integration_settings.credentials_error_code = "INVALID_LOGIN"
        integration_settings.save()
        html = admin_browser.get(STATUS_URL).content.decode()
        assert 'data-state="credentials_invalid"' in html
        assert "INVALID_LOGIN" in html

    def test_the_page_polls_the_panel(self, admin_browser):
        html = admin_browser.get(SETTINGS_URL).content.decode()
        assert f'data-url="{STATUS_URL}"' in html
        assert "js/status.js" in html


def test_usage_chart_hour_by_hour(admin_browser, integration_settings):
    integration_settings.api_call_limit = 1_000
    integration_settings.save()
    now = timezone.now().replace(minute=5, second=0, microsecond=0)
    ApiCallBucket.objects.create(minute=now - timedelta(hours=3), calls=40)
    ApiCallBucket.objects.create(minute=now - timedelta(hours=3, minutes=-1), calls=2)
    ApiCallBucket.objects.create(minute=now, calls=7)
    OrgUsageSample.objects.create(
        hour=now.replace(minute=0) - timedelta(hours=3), used=5_000, max=100_000
    )
    html = admin_browser.get(SETTINGS_URL).content.decode()
    chart = html.split('id="api-usage-chart"')[1].split("</figure>")[0]
    assert chart.count("<rect ") == 2 * 24  # the wide chart and the phone one
    assert "— 42</title>" in chart and "— 7</title>" in chart
    assert 'class="org-usage-line"' in chart and 'class="own-limit-line"' in chart
    assert 'class="limit-line"' in chart and ">% of limit<" in chart and ">hour of day<" in chart
    assert "<td>5000 / 100000</td>" in chart
    assert "49 of 1,000 calls used in the last 24 hours" in html


def test_usage_above_the_limit_is_drawn_as_it_is(admin_browser, integration_settings):
    """232 % of the limit: the axis reaches 250 %, the limit line sits below the top."""
    integration_settings.api_call_limit = 100
    integration_settings.save()
    ApiCallBucket.objects.create(minute=timezone.now() - timedelta(minutes=5), calls=232)
    html = admin_browser.get(SETTINGS_URL).content.decode()
    chart = html.split('id="api-usage-chart"')[1].split("</figure>")[0]
    assert ">250%<" in chart
    assert "Over the limit: 232 calls in 24 hours, with a limit of 100." in chart
    from settings_ui.charts import TOP, usage_chart

    geometry = usage_chart(
        [{"hour": timezone.now(), "calls": 232, "org_used": None, "org_max": None}], limit=100
    )
    assert geometry["limit_y"] > TOP  # 100 % is drawn below the top of the plot


def test_without_a_limit_no_limit_line_is_drawn(admin_browser, integration_settings):
    """Issue 26: no limit set, no line (nor legend) for one."""
    integration_settings.api_call_limit = None
    integration_settings.save()
    ApiCallBucket.objects.create(minute=timezone.now() - timedelta(minutes=5), calls=12)
    html = admin_browser.get(SETTINGS_URL).content.decode()
    chart = html.split('id="api-usage-chart"')[1].split("</figure>")[0]
    assert 'class="limit-line"' not in chart and 'class="limit-label"' not in chart
    assert "the limit (100 %)" not in chart and "Over the limit" not in chart


class TestSyncErrors:
    @pytest.fixture
    def failing(self, salesforce):
        too_long = ContactFactory(email="long@x.example", job_title="T" * 200)
        bad_country = ContactFactory(email="atlantis@x.example", country="Atlantis")
        from connector.models import IntegrationSettings

        IntegrationSettings.objects.update(state_country_picklists=True)
        salesforce.control.configure_org(state_country_picklists=True)
        ContactFactory.create_batch(2)
        sync_cycle_run(trigger="test")
        return too_long, bad_country

    def test_lists_salesforces_code_and_message_and_filters(self, admin_browser, failing):
        html = admin_browser.get(ERRORS_URL).content.decode()
        assert "<code>STRING_TOO_LONG</code>" in html
        assert "<code>INVALID_COUNTRY</code>" in html
        assert "long@x.example" in html and "atlantis@x.example" in html
        filtered = admin_browser.get(ERRORS_URL, {"code": "INVALID_COUNTRY"}).content.decode()
        assert "atlantis@x.example" in filtered and "long@x.example" not in filtered
        assert "Atlantis" in filtered  # the message
        by_object = admin_browser.get(ERRORS_URL, {"object": "Task"}).content.decode()
        assert 'id="no-errors"' in by_object

    def test_retry_one_enqueues_a_job_and_clears_the_wait(
        self, admin_browser, failing, django_capture_on_commit_callbacks
    ):
        too_long, _ = failing
        error = SyncError.objects.get(contact=too_long)
        waiting = ContactSyncState.objects.get(contact=too_long)
        assert waiting.parked and waiting.needs_fix  # STRING_TOO_LONG: waiting cannot heal it
        with django_capture_on_commit_callbacks() as callbacks:
            response = admin_browser.post(
                reverse("settings_ui:sync_errors_retry"), {"error": error.pk}
            )
        assert response.status_code == 302
        assert len(callbacks) == 1  # a sync job
        state = ContactSyncState.objects.get(contact=too_long)
        assert not state.parked and not state.needs_fix and state.attempts == 0
        other = ContactSyncState.objects.get(contact=failing[1])
        assert other.needs_fix  # only the one asked for

    def test_retry_all_and_the_fixed_record_goes_through(self, admin_browser, failing, salesforce):
        too_long, bad_country = failing
        too_long.refresh_from_db()
        too_long.job_title = "CEO"
        too_long.save()
        admin_browser.post(reverse("settings_ui:sync_errors_retry"), {})
        assert not ContactSyncState.objects.filter(not_before__isnull=False).exists()
        sync_cycle_run(trigger="test")
        assert SyncError.objects.get(contact=too_long).resolved_at is not None
        html = admin_browser.get(ERRORS_URL).content.decode()
        assert "long@x.example" not in html and "atlantis@x.example" in html

    def test_csv_export(self, admin_browser, failing):
        response = admin_browser.get(reverse("settings_ui:sync_errors_csv"))
        assert response["Content-Type"].startswith("text/csv")
        rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
        assert {r["code"] for r in rows} == {"STRING_TOO_LONG", "INVALID_COUNTRY"}
        assert {r["email"] for r in rows} == {"long@x.example", "atlantis@x.example"}

    def test_viewers_see_but_cannot_retry(self, client, viewer, failing):
        client.force_login(viewer)
        html = client.get(ERRORS_URL).content.decode()
        assert "STRING_TOO_LONG" in html and 'id="retry-all"' not in html
        assert client.post(reverse("settings_ui:sync_errors_retry"), {}).status_code == 403


class TestConnection:
    URL = reverse("settings_ui:salesforce_test_connection")

    def test_reports_ok_and_saves_nothing(self, admin_browser, salesforce, integration_settings):
        before = integration_settings.history.count()
        page = admin_browser.post(self.URL, follow=True).content.decode()
        assert "Connection test: Salesforce accepted the credentials." in page
        integration_settings.refresh_from_db()
        assert integration_settings.credentials_status == CredentialsStatus.UNKNOWN
        assert integration_settings.history.count() == before

    def test_reports_salesforces_refusal(self, admin_browser, salesforce, integration_settings):
        integration_settings.set_password("wrong")
        integration_settings.save()
        page = admin_browser.post(self.URL, follow=True).content.decode()
        assert "Connection test failed: INVALID_LOGIN" in page
        integration_settings.refresh_from_db()
        assert integration_settings.credentials_status == CredentialsStatus.UNKNOWN


def test_the_contacts_admin_page_shows_its_sync_history(admin_client, salesforce):
    contact = ContactFactory(email="hist@x.example", job_title="Engineer")
    sync_cycle_run(trigger="test")
    contact.refresh_from_db()
    contact.job_title = "CTO"
    contact.save()
    sync_cycle_run(trigger="test")
    html = admin_client.get(
        reverse("admin:marketing_contact_change", args=[contact.pk])
    ).content.decode()
    table = html.split('id="sync-history"')[1].split("</table>")[0]
    assert table.count("<tr>") == 3  # header + created + updated
    assert "hubsync → Salesforce" in table
    assert "Created" in table and "Updated" in table
    assert "Title" in table
