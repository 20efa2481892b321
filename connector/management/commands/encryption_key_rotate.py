"""`manage.py encryption_key_rotate`: re-encrypt the stored secrets with the new key.

    HUBSYNC_ENCRYPTION_KEY=<new key>,<old key> python manage.py encryption_key_rotate

The first key of HUBSYNC_ENCRYPTION_KEY encrypts, every key decrypts: with the new key
first and the old one second, this re-encrypts every stored Salesforce secret (password,
security token, consumer secret, private key, refresh token) with the new key. Afterwards
the old key can be dropped. A secret no key can read: one line, exit 1, nothing changed.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError

from connector.credentials.keys import stored_secrets_rotate


class Command(BaseCommand):
    help = "Re-encrypt every stored secret with the first key of HUBSYNC_ENCRYPTION_KEY."

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            count = stored_secrets_rotate()
        except ImproperlyConfigured as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            f"{count} stored secrets re-encrypted with the first key of "
            "HUBSYNC_ENCRYPTION_KEY; the other keys can be removed now."
        )
