"""Issue 26: *Retry* / *Retry all* of a record that fails again with an error that needs a fix
shows *needs a fix* again, costs no further call until something changes, and counts its
attempts."""

from __future__ import annotations

import pytest
from django.urls import reverse

from connector.models import ContactSyncState, SyncError, SyncRun
from connector.sync.cycle import sync_cycle_run
from tests.factories import ContactFactory

ERRORS_URL = reverse("settings_ui:sync_errors")
RETRY_URL = reverse("settings_ui:sync_errors_retry")


@pytest.fixture
def failing(salesforce):
    too_long = ContactFactory(email="long@x.example", job_title="T" * 200)
    other = ContactFactory(email="long2@x.example", job_title="U" * 200)
    fine = ContactFactory(email="fine@x.example")
    run = sync_cycle_run(trigger="test")
    assert run.counts["push_created"] == 1
    return too_long, other, fine


def next_column(html: str, email: str) -> str:
    row = html.split(email, 1)[1].split("</tr>", 1)[0]
    return row.split('class="error-next">', 1)[1].split("</td>", 1)[0]


def calls_of_a_cycle() -> int:
    return sync_cycle_run(trigger="test").api_calls


def idle_calls() -> int:
    """An idle cycle's calls, once the daily reads (the org's users, its campaigns) are done."""
    calls_of_a_cycle()
    return calls_of_a_cycle()


@pytest.mark.parametrize("which", ["one", "all"])
def test_a_retry_that_fails_again_needs_a_fix_again_and_counts(admin_browser, failing, which):
    too_long, other, _ = failing
    error = SyncError.objects.get(contact=too_long)
    assert error.needs_fix and error.attempts == 1
    idle = idle_calls()  # nothing due: the login and the incremental pull's query
    data = {"error": error.pk} if which == "one" else {}
    assert admin_browser.post(RETRY_URL, data).status_code == 302
    run = sync_cycle_run(trigger="retry")
    assert run.counts.get("errors", run.errors) >= 1
    error.refresh_from_db()
    assert error.needs_fix and error.parked and error.attempts == 2
    state = ContactSyncState.objects.get(contact=too_long)
    assert state.needs_fix and state.parked
    html = admin_browser.get(ERRORS_URL).content.decode()
    assert "needs a fix" in next_column(html, "long@x.example")
    assert "2 attempts" in html.split("long@x.example", 1)[1].split("</tr>", 1)[0]
    # Nothing changed: the next cycles spend no call on it.
    before = SyncRun.objects.count()
    calls = [calls_of_a_cycle() for _ in range(2)]
    assert SyncRun.objects.count() == before + 2
    assert calls == [idle, idle]
    error.refresh_from_db()
    assert error.attempts == 2


@pytest.mark.parametrize("which", ["one", "all"])
def test_required_field_added_in_salesforce_retry_all_keeps_needs_a_fix(
    admin_browser, salesforce, which
):
    """The issue's case: an admin makes a Lead field required; hubsync's updates of linked
    Leads fail REQUIRED_FIELD_MISSING. Retry (all) tries once, then *needs a fix* again."""
    contacts = ContactFactory.create_batch(2)
    assert sync_cycle_run(trigger="test").counts["push_created"] == 2
    salesforce.control.add_field("Lead", "Region__c", required=True)
    for contact in contacts:
        contact.refresh_from_db()
        contact.job_title = "Edited"
        contact.save()
    sync_cycle_run(trigger="test")
    errors = SyncError.objects.filter(code="REQUIRED_FIELD_MISSING", resolved_at=None)
    assert errors.count() == 2 and all(e.needs_fix and e.attempts == 1 for e in errors)
    idle = idle_calls()
    data = {"error": errors[0].pk} if which == "one" else {}
    assert admin_browser.post(RETRY_URL, data).status_code == 302
    sync_cycle_run(trigger="retry")
    html = admin_browser.get(ERRORS_URL).content.decode()
    for contact in contacts:
        error = SyncError.objects.get(contact=contact, resolved_at=None)
        assert error.needs_fix and error.parked
        assert "needs a fix" in next_column(html, contact.email)
    retried = 1 if which == "one" else 2
    assert sorted(errors.values_list("attempts", flat=True)) == sorted(
        [2] * retried + [1] * (2 - retried)
    )
    assert [calls_of_a_cycle() for _ in range(2)] == [idle, idle]
