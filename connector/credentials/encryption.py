"""Encryption at rest for the stored Salesforce password and security token.

Fernet (AES-128-CBC + HMAC-SHA256) from ``cryptography``; ``MultiFernet`` so
keys can be rotated: the first key of HUBSYNC_ENCRYPTION_KEY encrypts, every
key decrypts.
"""

from __future__ import annotations

from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


@cache
def _fernet() -> MultiFernet:
    keys: list[bytes] = [k.encode() for k in settings.HUBSYNC_ENCRYPTION_KEYS if k]
    if not keys:
        # hubsync/settings.py derives a development key when DEBUG is on.
        raise ImproperlyConfigured("HUBSYNC_ENCRYPTION_KEY must be set.")
    return MultiFernet([Fernet(k) for k in keys])


def encrypt_secret(value: str) -> str:
    """Encrypt ``value``; the empty string stays empty (nothing stored)."""
    if not value:
        return ""
    return _fernet().encrypt(value.encode()).decode()


def decrypt_secret(token: str) -> str:
    """Decrypt a value from :func:`encrypt_secret`; raises ImproperlyConfigured on a wrong key."""
    if not token:
        return ""
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise ImproperlyConfigured(
            "A stored Salesforce secret cannot be decrypted: HUBSYNC_ENCRYPTION_KEY changed."
        ) from exc


def clear_key_cache() -> None:
    """Forget the cached keys (tests that override HUBSYNC_ENCRYPTION_KEYS)."""
    _fernet.cache_clear()


def rotate_secret(token: str) -> str:
    """Re-encrypt ``token`` with the first key (MultiFernet.rotate); any key may have
    encrypted it. Raises ImproperlyConfigured when none of the keys can read it."""
    if not token:
        return ""
    try:
        return _fernet().rotate(token.encode()).decode()
    except InvalidToken as exc:
        raise ImproperlyConfigured(
            "A stored Salesforce secret cannot be decrypted with any key of "
            "HUBSYNC_ENCRYPTION_KEY: add the old key after the new one."
        ) from exc
