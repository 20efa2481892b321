"""A running sync seen live in Chromium, and a failed record retried from the errors page."""

from __future__ import annotations

import re
import time

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from connector.models import SyncError
from connector.sync.cycle import sync_cycle_run
from marketing.models import Contact
from tests.browser.helpers import open_settings, save_button
from tests.conftest import broker_drain
from tests.factories import ContactFactory

pytestmark = pytest.mark.browser


def test_watch_a_running_sync_progress_update(
    page: Page,
    marketing_admin,
    salesforce,
    integration_settings,
    celery_worker_process,
):
    Contact.objects.bulk_create(
        [Contact(email=f"live{i}@x.example", last_name=f"L{i}") for i in range(1_500)]
    )
    # 1,500 new contacts go as 8 sObject Collections calls (below the Bulk threshold); each
    # takes a while here, so the run is long enough to watch.
    salesforce.control.add_fault(r"composite/sobjects", method="POST", delay_s=1.2, count=20)
    open_settings(page, marketing_admin)
    panel = page.locator("#sync-status")
    expect(panel).to_have_attribute("data-state", "idle")
    save_button(page).click()  # the save enqueues a sync; the worker picks it up
    page.evaluate("window.__notReloaded = true")

    expect(panel).to_have_attribute("data-state", "running", timeout=60_000)
    expect(panel).to_contain_text(re.compile(r"Sending to Salesforce: \d+ of 1500 contacts"))
    seen = set()
    deadline = time.monotonic() + 60  # a deadline, not a count of looks: a loaded machine
    while time.monotonic() < deadline:
        text = panel.inner_text()
        match = re.search(r"Sending to Salesforce: (\d+) of 1500", text)
        if match:
            seen.add(int(match.group(1)))
        if len(seen) >= 2 or "Idle" in text:
            break
        page.wait_for_timeout(500)
    assert len(seen) >= 2, f"progress never moved: {seen}"
    expect(panel).to_have_attribute("data-state", "idle", timeout=60_000)
    expect(panel).to_contain_text("1500 sent")
    assert page.evaluate("window.__notReloaded") is True  # updated in place
    assert len(salesforce.control.records("Lead")) == 1_500


def test_retry_a_failed_record_from_the_errors_page(page: Page, marketing_admin, salesforce):
    failing = ContactFactory(email="long@x.example", job_title="T" * 200)
    ContactFactory(email="fine@x.example")
    sync_cycle_run(trigger="test")
    assert SyncError.objects.filter(contact=failing, resolved_at__isnull=True).exists()

    open_settings(page, marketing_admin)
    page.locator("#sync-status").get_by_role("link", name="Sync errors").click()
    row = page.locator("tr.error-row", has_text="long@x.example")
    expect(row).to_contain_text("STRING_TOO_LONG")
    failing.refresh_from_db()
    failing.job_title = "CEO"  # fixed in hubsync, then retried at once
    failing.save()
    row.get_by_role("button", name="Retry").click()
    expect(page.get_by_role("status")).to_contain_text("1 record will be retried")
    assert "retry" in broker_drain()  # a job on the real broker

    sync_cycle_run(trigger="retry")  # what the enqueued job runs
    page.reload()
    expect(page.locator("#no-errors")).to_be_visible()
    assert {lead["Title"] for lead in salesforce.control.records("Lead")} >= {"CEO"}
    assert page.url.endswith(reverse("settings_ui:sync_errors"))
