from __future__ import annotations

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command

from connector.checks import check_encryption_key
from connector.credentials.encryption import clear_key_cache, decrypt_secret, encrypt_secret


@pytest.fixture
def fresh_keys():
    clear_key_cache()
    yield
    clear_key_cache()


def test_round_trip_and_not_plain(fresh_keys):
    token = encrypt_secret("s3cret!")
    assert "s3cret!" not in token
    assert decrypt_secret(token) == "s3cret!"
    assert encrypt_secret("") == ""


def test_key_rotation_keeps_old_values_readable(fresh_keys, settings):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.HUBSYNC_ENCRYPTION_KEYS = [old]
    token = encrypt_secret("rotate-me")
    clear_key_cache()
    settings.HUBSYNC_ENCRYPTION_KEYS = [new, old]
    assert decrypt_secret(token) == "rotate-me"
    clear_key_cache()
    settings.HUBSYNC_ENCRYPTION_KEYS = [new]
    with pytest.raises(ImproperlyConfigured, match="cannot be decrypted"):
        decrypt_secret(token)


def test_production_without_key_fails_the_system_check(fresh_keys, settings):
    settings.DEBUG = False
    settings.HUBSYNC_ENCRYPTION_KEYS = []
    assert [error.id for error in check_encryption_key(None)] == ["connector.E001"]
    settings.HUBSYNC_ENCRYPTION_KEYS = ["not-a-key"]
    assert [error.id for error in check_encryption_key(None)] == ["connector.E002"]
    settings.HUBSYNC_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    assert check_encryption_key(None) == []
    call_command("check")
