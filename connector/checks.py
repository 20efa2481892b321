"""System checks for the connector's configuration."""

from __future__ import annotations

from cryptography.fernet import Fernet
from django.conf import settings
from django.core import checks


@checks.register(checks.Tags.security)
def check_encryption_key(app_configs, **kwargs) -> list[checks.CheckMessage]:
    keys = [k for k in settings.HUBSYNC_ENCRYPTION_KEYS if k]
    if not keys:
        return [
            checks.Error(
                "HUBSYNC_ENCRYPTION_KEY is not set.",
                hint='Generate one with `python -c "from cryptography.fernet import Fernet; '
                'print(Fernet.generate_key().decode())"` and set it in the environment.',
                id="connector.E001",
            )
        ]
    errors: list[checks.CheckMessage] = []
    for index, key in enumerate(keys):
        try:
            Fernet(key.encode())
        except ValueError:
            errors.append(
                checks.Error(
                    f"HUBSYNC_ENCRYPTION_KEY entry {index + 1} is not a valid Fernet key.",
                    hint="A Fernet key is 32 url-safe base64-encoded bytes.",
                    id="connector.E002",
                )
            )
    return errors
