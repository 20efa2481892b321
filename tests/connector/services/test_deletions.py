"""The mass-delete guard: a cycle that would delete too many contacts deletes none of them.

Its deletes are held (HeldDeletion rows) until an admin approves (deleted, recorded as
SalesforceDeletion) or discards them (kept and unlinked, as with the checkbox unticked).
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from connector.models import (
    ContactSyncState,
    DeletionAction,
    HeldDeletion,
    SalesforceDeletion,
    SyncRunStatus,
)
from connector.services.deletions import (
    held_deletions_approve,
    held_deletions_discard,
    held_deletions_summary,
)
from connector.sync.cycle import sync_cycle_run
from marketing.models import Contact
from tests.conftest import SF_PASSWORD, SF_TOKEN, SF_USERNAME

pytestmark = pytest.mark.django_db

CONTACTS = 40


def cycle():
    run = sync_cycle_run(trigger="test")
    assert run.status == SyncRunStatus.SUCCEEDED, run.reason
    return run


@pytest.fixture
def synced(salesforce, integration_settings):
    """40 contacts synced as Leads, with "delete when a Lead is deleted" ticked."""
    integration_settings.delete_when_lead_deleted = True
    integration_settings.save()
    Contact.objects.bulk_create(
        [Contact(email=f"m{i}@mass.example", last_name=f"Mass{i}") for i in range(CONTACTS)]
    )
    cycle()
    assert Contact.objects.exclude(salesforce_id="").count() == CONTACTS
    return salesforce


def delete_in_salesforce(emulator, contacts: list[Contact]) -> None:
    sf = emulator.salesforce(SF_USERNAME, SF_PASSWORD, SF_TOKEN)
    ids = ",".join(c.salesforce_id for c in contacts)
    results = sf.restful("composite/sobjects", method="DELETE", params={"ids": ids})
    assert all(r["success"] for r in results)


def test_a_mass_delete_is_held_and_nothing_is_deleted(synced):
    doomed = list(Contact.objects.order_by("pk")[:10])  # 25 % of the contacts
    delete_in_salesforce(synced, doomed)
    run = cycle()
    assert run.counts["pull_held_deletions"] == 10
    assert run.counts["pull_deleted"] == 0
    assert Contact.objects.count() == CONTACTS
    held = HeldDeletion.objects.order_by("contact_id")
    assert [h.contact_id for h in held] == [c.pk for c in doomed]
    assert {(h.object_type, h.email) for h in held} == {("Lead", c.email) for c in doomed}
    assert len({h.cycle for h in held}) == 1
    assert not SalesforceDeletion.objects.exists()
    # Held contacts are not pushed meanwhile (their Salesforce record is gone).
    for contact in doomed:
        contact.first_name = "Edited"
        contact.save()
    again = cycle()
    assert again.counts["push_updated"] == 0 and again.counts["push_failed"] == 0
    assert Contact.objects.count() == CONTACTS
    assert held_deletions_summary()["count"] == 10
    assert held_deletions_summary()["by_type"] == {"Lead": 10}


def test_approving_deletes_the_held_contacts(synced, marketing_admin):
    doomed = list(Contact.objects.order_by("pk")[:10])
    delete_in_salesforce(synced, doomed)
    cycle()
    assert held_deletions_approve(acting_user=marketing_admin) == 10
    assert Contact.objects.count() == CONTACTS - 10
    assert not Contact.objects.filter(pk__in=[c.pk for c in doomed]).exists()
    assert not HeldDeletion.objects.exists()
    deletions = SalesforceDeletion.objects.all()
    assert {(d.salesforce_id, d.action) for d in deletions} == {
        (c.salesforce_id, DeletionAction.DELETED) for c in doomed
    }
    assert held_deletions_approve(acting_user=marketing_admin) == 0  # nothing left


def test_discarding_keeps_the_contacts_unlinked(synced, marketing_admin):
    doomed = list(Contact.objects.order_by("pk")[:10])
    delete_in_salesforce(synced, doomed)
    cycle()
    assert held_deletions_discard(acting_user=marketing_admin) == 10
    assert Contact.objects.count() == CONTACTS
    kept = Contact.objects.filter(pk__in=[c.pk for c in doomed])
    assert set(kept.values_list("salesforce_id", "salesforce_object")) == {("", "")}
    assert not HeldDeletion.objects.exists()
    assert {(d.contact_id, d.action) for d in SalesforceDeletion.objects.all()} == {
        (c.pk, DeletionAction.KEPT) for c in doomed
    }
    states = ContactSyncState.objects.filter(contact__in=kept)
    assert all(s.excluded and not s.due for s in states)
    # Kept, and never re-created in Salesforce, even after an edit.
    for contact in kept:
        contact.first_name = "Edited"
        contact.save()
    cycle()
    assert len(synced.control.records("Lead", include_deleted=False)) == CONTACTS - 10


def test_below_the_share_deletes_at_once(synced):
    doomed = list(Contact.objects.order_by("pk")[:3])  # 7.5 %
    delete_in_salesforce(synced, doomed)
    run = cycle()
    assert run.counts["pull_deleted"] == 3
    assert run.counts["pull_held_deletions"] == 0
    assert Contact.objects.count() == CONTACTS - 3
    assert not HeldDeletion.objects.exists()


def test_the_share_is_a_setting(synced, settings):
    settings.SALESFORCE_MASS_DELETE_SHARE = 0.5
    delete_in_salesforce(synced, list(Contact.objects.order_by("pk")[:12]))  # 30 %
    run = cycle()
    assert run.counts["pull_deleted"] == 12
    assert not HeldDeletion.objects.exists()


def test_a_few_deletes_are_never_a_mass_delete(salesforce, integration_settings):
    """Fewer than SALESFORCE_MASS_DELETE_MIN deletes go through, even from a tiny database."""
    integration_settings.delete_when_lead_deleted = True
    integration_settings.save()
    Contact.objects.bulk_create([Contact(email=f"s{i}@small.example") for i in range(4)])
    cycle()
    delete_in_salesforce(salesforce, list(Contact.objects.all()[:2]))  # 50 %
    assert cycle().counts["pull_deleted"] == 2
    assert Contact.objects.count() == 2


def test_unticked_deletes_are_never_held(synced, integration_settings):
    integration_settings.delete_when_lead_deleted = False
    integration_settings.save()
    delete_in_salesforce(synced, list(Contact.objects.order_by("pk")[:20]))
    run = cycle()
    assert run.counts["pull_kept_unlinked"] == 20
    assert not HeldDeletion.objects.exists()


class TestThePage:
    def test_the_panel_shows_the_count_and_the_buttons(self, synced, marketing_admin, rf):
        from django.template.loader import render_to_string

        delete_in_salesforce(synced, list(Contact.objects.order_by("pk")[:10]))
        cycle()
        request = rf.get("/")
        request.user = marketing_admin
        html = render_to_string(
            "settings_ui/_held_deletions.html",
            {"held_deletions": held_deletions_summary(), "can_manage": True},
            request=request,
        )
        assert 'data-count="10"' in html
        assert "10 contacts were deleted in Salesforce in one sync cycle" in html
        assert reverse("settings_ui:held_deletions") in html  # review, then decide there
        read_only = render_to_string(
            "settings_ui/_held_deletions.html",
            {"held_deletions": held_deletions_summary(), "can_manage": False},
        )
        assert "A marketing admin decides" in read_only and 'data-count="10"' in read_only
        empty = render_to_string(
            "settings_ui/_held_deletions.html", {"held_deletions": {"count": 0}}
        )
        assert empty.strip() == ""

    @pytest.mark.parametrize(
        ("name", "remaining"), [("held_deletions_approve", 30), ("held_deletions_discard", 40)]
    )
    def test_the_buttons(self, synced, admin_browser, name, remaining):
        delete_in_salesforce(synced, list(Contact.objects.order_by("pk")[:10]))
        cycle()
        url = reverse(f"settings_ui:{name}")
        assert admin_browser.get(url).status_code == 405
        response = admin_browser.post(url, {"confirm": "10"})
        assert response.status_code == 302
        assert response["Location"] == reverse("settings_ui:salesforce_settings")
        assert Contact.objects.count() == remaining
        assert not HeldDeletion.objects.exists()

    def test_the_review_lists_who_would_be_deleted_paged_and_asks_to_confirm(
        self, synced, admin_browser, settings
    ):
        doomed = list(Contact.objects.order_by("pk")[:10])
        delete_in_salesforce(synced, doomed)
        cycle()
        from settings_ui.views.deletes import HeldDeletionsView

        HeldDeletionsView.paginate_by = 4
        try:
            page = admin_browser.get(reverse("settings_ui:held_deletions")).content.decode()
            page3 = admin_browser.get(reverse("settings_ui:held_deletions") + "?page=3")
        finally:
            HeldDeletionsView.paginate_by = 50
        assert 'data-count="10"' in page and page.count('class="held-row"') == 4
        assert doomed[0].email in page and "1 / 3" in page
        assert page3.content.decode().count('class="held-row"') == 2
        assert 'name="confirm" value="10"' in page and "required" in page
        # Unconfirmed (or confirmed for another number): nothing is deleted.
        url = reverse("settings_ui:held_deletions_approve")
        for data in ({}, {"confirm": "9"}):
            response = admin_browser.post(url, data)
            assert response["Location"] == reverse("settings_ui:held_deletions")
        assert HeldDeletion.objects.count() == 10 and Contact.objects.count() == 40
        admin_browser.post(url, {"confirm": "10"})
        assert Contact.objects.count() == 30

    @pytest.mark.parametrize("name", ["held_deletions_approve", "held_deletions_discard"])
    def test_only_marketing_admins_may_decide(self, synced, client, viewer, name):
        delete_in_salesforce(synced, list(Contact.objects.order_by("pk")[:10]))
        cycle()
        url = reverse(f"settings_ui:{name}")
        assert client.post(url).status_code == 302  # anonymous: to the login page
        client.force_login(viewer)
        assert client.post(url).status_code == 403
        assert HeldDeletion.objects.count() == 10


def test_a_delete_with_the_option_off_is_in_the_contacts_history(
    synced, integration_settings, admin_browser
):
    """Issue 26: the contact kept and unlinked says so on its page, not only in a log."""
    integration_settings.delete_when_lead_deleted = False
    integration_settings.save()
    contact = Contact.objects.order_by("pk").first()
    lead_id = contact.salesforce_id
    delete_in_salesforce(synced, [contact])
    assert cycle().counts["pull_kept_unlinked"] == 1
    contact.refresh_from_db()
    assert contact.salesforce_id == ""
    event = contact.sync_events.first()
    assert (event.outcome, event.salesforce_id, event.object_type) == ("unlinked", lead_id, "Lead")
    page = admin_browser.get(
        reverse("settings_ui:contact_sync", args=[contact.pk])
    ).content.decode()
    assert "Deleted in Salesforce, kept and unlinked" in page
    assert lead_id in page


def test_a_delete_read_again_leaves_its_kept_contact_unlinked(db):
    """A kept contact is linked again by a delete of its record only when that delete is
    later than the keeping (the record was restored and deleted again meanwhile); the same
    delete read a second time (a watermark's overlap) changes nothing."""
    from datetime import timedelta

    from django.utils import timezone

    from connector.services.deletions import (
        deleted_records_apply,
        deleted_records_restored_meanwhile,
    )

    lead_id = "00Q000000000001AAA"
    contact = Contact.objects.create(
        email="kept@x.example", salesforce_id=lead_id, salesforce_object="Lead"
    )
    ContactSyncState.objects.get_or_create(contact=contact)
    deleted_at = timezone.now()
    kept = deleted_records_apply(
        object_type="Lead", salesforce_ids=[lead_id], delete=False, hold=False, cycle="c1"
    )
    assert kept.kept_unlinked == 1
    again = deleted_records_restored_meanwhile(object_type="Lead", deleted_at={lead_id: deleted_at})
    assert again == 0
    contact.refresh_from_db()
    assert contact.salesforce_id == ""
    later = timezone.now() + timedelta(seconds=1)
    assert deleted_records_restored_meanwhile(object_type="Lead", deleted_at={lead_id: later}) == 1
    contact.refresh_from_db()
    assert (contact.salesforce_id, contact.sync_state.excluded) == (lead_id, False)
