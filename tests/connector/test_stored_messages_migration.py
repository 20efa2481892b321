"""connector/migrations/0020_stored_messages: the English stored before issue 28 is parsed
once into key and parameters, for rows of every template, in every place messages are kept
(run reasons, record errors, history details, the setup check's lines)."""

from __future__ import annotations

import importlib
import re

import pytest
from django.apps import apps

from connector.messages import MESSAGES, in_language, message_read
from connector.models import ContactSyncEvent, IntegrationSettings, SyncError, SyncRun
from connector.selectors import integration_settings_get
from tests.factories import ContactFactory

migration = importlib.import_module("connector.migrations.0020_stored_messages")
pytestmark = pytest.mark.django_db

SAMPLES = {
    "limit": 100000,
    "length": 300,
    "max": 255,
    "share": 75,
    "seconds": 1800,
    "run": 12,
    "problems": "Title is missing or hidden; Region__c is read-only",
    "message": "Use one of these records?",
    "method": "Username and password",
}


def _english(template: str) -> tuple[str, dict]:
    names = re.findall(r"%\((\w+)\)s", template)
    params = {name: SAMPLES.get(name, f"{name}-value") for name in names}
    return template % params, params


@pytest.mark.parametrize(("key", "template"), migration.TEMPLATES)
def test_rows_of_every_template_get_their_key(key, template):
    text, _ = _english(template)
    run = SyncRun.objects.create(trigger="beat", status="failed", reason=text)
    error = SyncError.objects.create(direction="outbound", object_type="Lead", message=text)
    event = ContactSyncEvent.objects.create(
        contact=ContactFactory(),
        direction="inbound",
        object_type="Lead",
        outcome="updated",
        detail=text,
    )
    coded = SyncRun.objects.create(trigger="beat", status="failed", reason=f"TIMEOUT: {text}")
    settings = integration_settings_get()
    report = {"ok": False, "checks": [{"name": "x", "ok": False, "message": text, "fix": text}]}
    IntegrationSettings.objects.filter(pk=settings.pk).update(setup_check=report)

    migration.stored_messages_parse(apps, None)

    run.refresh_from_db()
    error.refresh_from_db()
    event.refresh_from_db()
    coded.refresh_from_db()
    settings.refresh_from_db()
    check = settings.setup_check["checks"][0]
    for stored_text, said in (
        (run.reason, run.reason_said),
        (error.message, error.message_said),
        (event.detail, event.detail_said),
        (check["message"], check["message_said"]),
        (check["fix"], check["fix_said"]),
    ):
        assert said is not None and said["key"] == key
        # Read back from the key, it says exactly what was stored.
        assert message_read("", said) == stored_text
    assert coded.reason_said["key"] == "error_coded"
    assert coded.reason_said["params"]["message"]["key"] == key
    assert message_read("", coded.reason_said) == coded.reason


def test_salesforces_own_text_keeps_no_key():
    error = SyncError.objects.create(
        direction="outbound", object_type="Lead", message="Sales needs a phone number."
    )
    run = SyncRun.objects.create(trigger="beat", status="failed", reason="")
    migration.stored_messages_parse(apps, None)
    error.refresh_from_db()
    run.refresh_from_db()
    assert error.message_said is None and run.reason_said is None
    assert in_language(error.message_read) == "Sales needs a phone number."


def test_the_frozen_templates_are_todays():
    # Frozen at this migration: each still today's (a message added later is not among them;
    # a later rewording would change MESSAGES, not these, and this would say so).
    today = {k: v for k, v in MESSAGES.items() if k != "error_coded"}
    assert dict(migration.TEMPLATES).items() <= today.items()


def test_numbers_come_back_as_numbers():
    said = migration.parse("hubsync's API call limit of 5000 calls in 24 hours is used up.")
    assert said == {"key": "own_limit_used_up", "params": {"limit": 5000}}
