"""Key rotation: every stored secret re-encrypted with the first HUBSYNC_ENCRYPTION_KEY."""

from __future__ import annotations

from django.db import transaction

from ..models import SECRET_NAMES, IntegrationSettings
from .encryption import rotate_secret


def stored_secrets_rotate() -> int:
    """Re-encrypt the stored secrets of every settings row with the first key; returns how
    many secrets were re-encrypted. All or nothing: one secret no key can read changes
    nothing (ImproperlyConfigured). A queryset update, not ``save()``: no settings history
    entry, nothing re-validated, nothing enqueued — the values themselves do not change."""
    count = 0
    with transaction.atomic():
        for row in IntegrationSettings.objects.select_for_update().order_by("pk"):
            changes = {}
            for name in SECRET_NAMES:
                token = getattr(row, f"{name}_encrypted")
                if token:
                    changes[f"{name}_encrypted"] = rotate_secret(token)
            if changes:
                IntegrationSettings.objects.filter(pk=row.pk).update(**changes)
                count += len(changes)
    return count
