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
