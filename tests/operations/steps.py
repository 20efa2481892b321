"""Steps the backup, restore and upgrade tests run inside a hubsync process on a
PostgreSQL database (tests/operations/postgres.py ``Installation.step``). Each returns JSON."""

from __future__ import annotations

from typing import Any


def configure(*, username: str, password: str, token: str) -> dict[str, Any]:
    """Credentials entered and the sync turned on, as an admin does on the page."""
    from django.utils import timezone

    from connector.selectors import integration_settings_get

    settings = integration_settings_get()
    settings.username = username
    settings.set_password(password)
    settings.set_security_token(token)
    settings.sync_enabled = True
    settings.connector_version_checked_at = timezone.now()
    settings.save()
    return {"settings": settings.pk}


def contacts_add(*, emails: list[str]) -> dict[str, Any]:
    from marketing.models import Contact

    for email in emails:
        Contact.objects.create(email=email, first_name="Hub", last_name=email.split("@")[0])
    return {"contacts": Contact.objects.count()}


def contacts_state() -> dict[str, Any]:
    """Every contact by email: its link and last name; open errors; runs."""
    from connector.models import ContactSyncEvent, SyncError, SyncRun
    from marketing.models import Contact

    return {
        "contacts": [
            {
                "email": c.email,
                "last_name": c.last_name,
                "salesforce_id": c.salesforce_id,
                "external_id": str(c.external_id),
            }
            for c in Contact.objects.order_by("email")
        ],
        "open_errors": list(
            SyncError.objects.filter(resolved_at__isnull=True).values_list("code", flat=True)
        ),
        "history": ContactSyncEvent.objects.count(),
        "runs": SyncRun.objects.count(),
    }


# -- an earlier release's database (tests/operations/test_upgrade.py) -------------------

#: The migrations of hubsync as of commit 73579cf (2026-11-28, the first release with the
#: sync engine): what its database looked like.
RELEASE_73579CF = [("connector", "0006_mass_delete_guard"), ("marketing", "0002_opportunities")]


def _release_models():
    """The models as that release had them (the migration state, not today's classes)."""
    from django.db import connection
    from django.db.migrations.loader import MigrationLoader

    return MigrationLoader(connection).project_state(RELEASE_73579CF).apps


def release_contacts(*, emails: list[str]) -> dict[str, int]:
    """Contacts as that release stored them; returns their ids (its external id was the id)."""
    models = _release_models()
    Contact = models.get_model("marketing", "Contact")
    return {
        email: Contact.objects.create(
            email=email, first_name="Old", last_name=email.split("@")[0]
        ).pk
        for email in emails
    }


def release_synced(
    *, links: dict[str, str], failing: str, edited: str, username: str, password: str, token: str
) -> dict[str, Any]:
    """What that release's sync had written: settings with encrypted credentials, links,
    sync states, a sync history, an open error, a finished run, the scan watermark; then
    a contact edited after its last push."""
    from django.utils import timezone

    from connector.credentials.encryption import encrypt_secret

    models = _release_models()
    Contact = models.get_model("marketing", "Contact")
    Settings = models.get_model("connector", "IntegrationSettings")
    State = models.get_model("connector", "ContactSyncState")
    Event = models.get_model("connector", "ContactSyncEvent")
    Error = models.get_model("connector", "SyncError")
    Run = models.get_model("connector", "SyncRun")
    Cursor = models.get_model("connector", "SyncCursor")
    now = timezone.now()
    Settings.objects.update_or_create(
        site_id=1,
        defaults={
            "username": username,
            "password_encrypted": encrypt_secret(password),
            "security_token_encrypted": encrypt_secret(token),
            "sync_enabled": True,
            "credentials_status": "valid",
            "connector_version_checked_at": now,
        },
    )
    Run.objects.create(
        trigger="schedule",
        status="succeeded",
        finished_at=now,
        api_calls=4,
        counts={"push_created": len(links)},
    )
    for email, salesforce_id in links.items():
        contact = Contact.objects.get(email=email)
        Contact.objects.filter(pk=contact.pk).update(
            salesforce_id=salesforce_id, salesforce_object="Lead"
        )
        State.objects.create(
            contact=contact, due=False, synced_version=contact.updated_at, last_pushed_at=now
        )
        Event.objects.create(
            contact=contact,
            direction="outbound",
            object_type="Lead",
            salesforce_id=salesforce_id,
            outcome="created",
        )
    bad = Contact.objects.get(email=failing)
    State.objects.create(
        contact=bad, due=False, parked=True, attempts=10, failed_version=bad.updated_at
    )
    Error.objects.create(
        contact=bad,
        direction="outbound",
        object_type="Lead",
        code="FIELD_CUSTOM_VALIDATION_EXCEPTION",
        message="Company is required for this region",
        attempts=10,
        parked=True,
    )
    Cursor.objects.create(name="contacts_scanned", value=timezone.now())
    contact = Contact.objects.get(email=edited)
    contact.last_name = "Edited-before-upgrade"
    contact.save()
    return {"contacts": Contact.objects.count()}


def upgraded_state() -> dict[str, Any]:
    """Today's models on the upgraded database."""
    from connector.models import SyncError

    state = contacts_state()
    state["open_errors_by_email"] = {
        e.contact.email: (e.code, e.needs_fix)
        for e in SyncError.objects.filter(resolved_at__isnull=True).select_related("contact")
    }
    return state
