"""Rotating HUBSYNC_ENCRYPTION_KEY: new key first, old key second, then
``manage.py encryption_key_rotate``; afterwards the old key can go and the sync still logs in."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet
from django.core.management import CommandError, call_command

from connector.credentials.encryption import clear_key_cache
from connector.models import IntegrationSettings
from connector.sync.cycle import sync_cycle_run
from tests.conftest import SF_PASSWORD, SF_TOKEN

pytestmark = pytest.mark.django_db


@pytest.fixture
def keys(settings):
    """Set HUBSYNC_ENCRYPTION_KEY for the rest of the test (as a restart with it would)."""

    def use(*values: str) -> None:
        settings.HUBSYNC_ENCRYPTION_KEYS = list(values)
        clear_key_cache()

    yield use
    clear_key_cache()


def test_rotation_reencrypts_every_secret_and_the_old_key_can_go(salesforce, keys, capsys):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    keys(old)
    row = IntegrationSettings.objects.get()
    row.set_password(SF_PASSWORD)
    row.set_security_token(SF_TOKEN)
    row.set_secret("consumer_secret", "a-consumer-secret")
    row.save()
    before = IntegrationSettings.objects.values_list(
        "password_encrypted", "security_token_encrypted", "consumer_secret_encrypted"
    ).get()
    history = row.history.count()

    keys(new, old)
    call_command("encryption_key_rotate")
    assert capsys.readouterr().out.startswith("3 stored secrets re-encrypted")
    after = IntegrationSettings.objects.values_list(
        "password_encrypted", "security_token_encrypted", "consumer_secret_encrypted"
    ).get()
    assert all(a and a != b for a, b in zip(after, before, strict=True))
    assert row.history.count() == history  # no settings change to record

    keys(new)  # the old key removed
    row = IntegrationSettings.objects.get()
    assert (row.get_password(), row.get_security_token()) == (SF_PASSWORD, SF_TOKEN)
    assert row.get_secret("consumer_secret") == "a-consumer-secret"
    run = sync_cycle_run(trigger="test")  # logs in with the re-encrypted password and token
    assert run.status == "succeeded", run.reason


def test_without_the_old_key_nothing_changes_and_the_command_says_why(integration_settings, keys):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    keys(old)
    integration_settings.set_password(SF_PASSWORD)
    integration_settings.save()
    stored = IntegrationSettings.objects.values_list("password_encrypted", flat=True).get()
    keys(new)  # the old key forgotten
    with pytest.raises(CommandError, match="add the old key after the new one"):
        call_command("encryption_key_rotate")
    assert IntegrationSettings.objects.values_list("password_encrypted", flat=True).get() == stored
